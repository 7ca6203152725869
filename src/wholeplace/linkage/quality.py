"""Who the linkage fails: match and review rates by source agency and by group of people.

A record is matched when its person has another record; in review when it is in a pair waiting for an analyst.
Rates are compared across agencies and across groups the linkage is known to treat worse: people of no fixed
abode (no postcode to agree on), people whose names are not in the English name tables the model's term
frequencies and nicknames come from, and records without a date of birth. Where the truth is known (synthetic
extracts), recall says the same thing directly: the share of a record's true partners found. Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from faker.providers.person.en_GB import Provider as EnglishNames

from wholeplace.linkage.standardise import Person, nicknames, plain

Key = tuple[str, str]  # (agency, agency reference)


@cache
def common_names() -> frozenset[str]:
    """Given names and surnames in the English name tables (Faker's en_GB lists) and the nickname table."""
    names = {*EnglishNames.first_names_male, *EnglishNames.first_names_female, *EnglishNames.last_names}
    return frozenset({plain(name) or "" for name in names} | set(nicknames()))


def outside_name_tables(person: Person) -> bool:
    table = common_names()
    return any(name and name.split(" ")[0] not in table for name in (person.given_name, person.surname))


GROUPS: dict[str, Callable[[Person], bool]] = {
    "No fixed abode": lambda person: person.no_fixed_abode,
    "Name outside the English name tables": outside_name_tables,
    "No date of birth": lambda person: person.date_of_birth is None,
}


@dataclass(frozen=True)
class Outcome:
    """One record's fate in a linkage."""

    agency: str
    person: Person
    matched: bool
    in_review: bool
    recall: float | None = None  # of its true partners, the share found (None when the truth is not known)


@dataclass(frozen=True)
class Rate:
    group: str
    records: int
    matched: int
    in_review: int
    recall: float | None

    @property
    def match_rate(self) -> float:
        return self.matched / self.records if self.records else 0.0

    @property
    def review_rate(self) -> float:
        return self.in_review / self.records if self.records else 0.0


def rate(group: str, outcomes: Sequence[Outcome]) -> Rate:
    known = [outcome.recall for outcome in outcomes if outcome.recall is not None]
    return Rate(
        group,
        len(outcomes),
        sum(outcome.matched for outcome in outcomes),
        sum(outcome.in_review for outcome in outcomes),
        sum(known) / len(known) if known else None,
    )


def by_agency(outcomes: Iterable[Outcome]) -> list[Rate]:
    grouped: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        grouped.setdefault(outcome.agency, []).append(outcome)
    return [rate(agency, grouped[agency]) for agency in sorted(grouped)]


def by_group(outcomes: Sequence[Outcome]) -> list[Rate]:
    """Everyone, then each group: a group's rates far below everyone's show whom the linkage fails."""
    return [rate("Everyone", outcomes)] + [
        rate(name, [outcome for outcome in outcomes if belongs(outcome.person)]) for name, belongs in GROUPS.items()
    ]


def partners_found(predicted: Mapping[Key, str], truth: Mapping[Key, str]) -> dict[Key, tuple[int, int]]:
    """For each record with true partners: (how many of them share its predicted cluster, how many there are)."""
    together: Counter[tuple[str, str]] = Counter((truth[key], predicted[key]) for key in truth if key in predicted)
    sizes: Counter[str] = Counter(truth.values())
    return {
        key: (together[(truth[key], predicted[key])] - 1, sizes[truth[key]] - 1)
        for key in truth
        if key in predicted and sizes[truth[key]] > 1
    }


def recall_table(
    predicted: Mapping[Key, str], truth: Mapping[Key, str], groups: Mapping[Key, frozenset[str]]
) -> list[tuple[str, int, float]]:
    """(group, records with true partners, share of those partners found): everyone, each group, each agency."""
    found = partners_found(predicted, truth)
    totals: dict[str, list[int]] = {}
    for key, (hits, wanted) in found.items():
        for name in ("Everyone", f"Agency: {key[0]}", *sorted(groups.get(key, frozenset()))):
            entry = totals.setdefault(name, [0, 0, 0])
            entry[0] += 1
            entry[1] += hits
            entry[2] += wanted
    return [(name, records, hits / wanted) for name, (records, hits, wanted) in sorted(totals.items(), key=order)]


def order(item: tuple[str, list[int]]) -> tuple[int, str]:
    name = item[0]
    return (0 if name == "Everyone" else 1 if name in GROUPS else 2, name)


def groups_of(person: Person) -> frozenset[str]:
    return frozenset(name for name, belongs in GROUPS.items() if belongs(person))
