"""An input of a case in the case's words: "Success rate, Fewer repeat victims", not `outcomes[0].success_rate`.

Tornado bars, break-even rows and the guided form's ranges all name inputs by their key path in the case file; this
turns a key path into what a programme manager calls the number. Pure: no database, no web.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wholeplace.appraisal.case import Case

_RATES = {
    "success_rate": "Success rate",
    "deadweight": "Deadweight",
    "optimism_bias": "Optimism bias",
    "drop_off": "Drop-off",
}
_COST = re.compile(r"^costs\[(\d+)\]\.(amount|by_year\.(\S+)|optimism_bias)$")
_COHORT = re.compile(r"^cohort\.(size|engagement|by_year\.(\S+))$")
_OUTCOME = re.compile(r"^outcomes\[(\d+)\]\.(success_rate|deadweight|optimism_bias|drop_off)$")
_BENEFIT = re.compile(r"^outcomes\[(\d+)\]\.benefits\[(\d+)\]\.(unit_value|cashable_share)$")


@dataclass(frozen=True)
class Names:
    """What an input is named by: the costs' names, the outcomes' names and each outcome's beneficiaries."""

    costs: tuple[str, ...]
    outcomes: tuple[str, ...]
    beneficiaries: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, case: Case) -> Names:
        return cls(
            tuple(line.name for line in case.costs),
            tuple(outcome.name for outcome in case.outcomes),
            tuple(tuple(benefit.beneficiary for benefit in outcome.benefits) for outcome in case.outcomes),
        )


def input_label(case: Case, key_path: str) -> str:
    """What the number at `key_path` of the case is, in the case's own words."""
    return label_of(Names.of(case), key_path)


def label_of(names: Names, key_path: str) -> str:
    """What the number at `key_path` is, named by its cost, outcome or partner; a key path this does not know
    (none should reach it) is returned as it is rather than refused."""
    if match := _COST.match(key_path):
        name = _nth(names.costs, int(match[1]), "cost")
        if match[2] == "amount":
            return f"Cost each year, {name}"
        if match[2] == "optimism_bias":
            return f"Optimism bias, {name}"
        return f"Cost in {match[3]}, {name}"
    if match := _COHORT.match(key_path):
        if match[1] == "engagement":
            return "Engagement rate, people in the cohort"
        if match[1] == "size":
            return "People starting each year"
        return f"People starting in {match[2]}"
    if match := _OUTCOME.match(key_path):
        return f"{_RATES[match[2]]}, {_nth(names.outcomes, int(match[1]), 'outcome')}"
    if match := _BENEFIT.match(key_path):
        outcome_index, benefit_index = int(match[1]), int(match[2])
        outcome = _nth(names.outcomes, outcome_index, "outcome")
        beneficiaries = names.beneficiaries[outcome_index] if outcome_index < len(names.beneficiaries) else ()
        who = beneficiaries[benefit_index] if benefit_index < len(beneficiaries) else "a partner"
        if match[3] == "cashable_share":
            return f"Cashable share of the value to {who}, {outcome}"
        return f"Value to {who} of each outcome, {outcome}"
    return key_path


def _nth(names: tuple[str, ...], index: int, what: str) -> str:
    return names[index] if index < len(names) and names[index] else f"{what} {index + 1}"
