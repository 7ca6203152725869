"""The guided form's steps: each reads its own fields from a posted form into the draft case file, or leaves a
problem on every field that is wrong (GOV.UK wording) and changes nothing.

The steps write the keys `case_file.read_case` reads (docs/appraisal.md), so a case made here is the same case
as one pasted as YAML; the check-your-answers page reads the whole draft with `read_case` before it is saved.
Bounds are the case file's: amounts up to £10 trillion, people up to 100 million a year, rates from 0 to 1, a
first year from 2000/01 to 2099/00.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from wholeplace.appraisal.case import KIND_LABELS, BenefitKind, CostKind
from wholeplace.appraisal.case_file import MAX_NAME, MAX_PEOPLE
from wholeplace.appraisal.guided_draft import Draft, central, label
from wholeplace.appraisal.unit_costs import shipped_library
from wholeplace.files.numbers import decimal_of, reasonable
from wholeplace.money import Money, MoneyError
from wholeplace.web.form_fields import FormReader

MAX_GUIDED_YEARS = 30  # one box a year fits a page; a longer appraisal is written as a case file
MAX_LAG = 50
MAX_PARTNERS = 30
CONFIDENCE_GRADES = ("1", "2", "3", "4", "5", "6")
COST_KINDS = {kind.value: kind for kind in CostKind}
BENEFIT_KINDS = {kind.value: kind for kind in BenefitKind}


class Step(StrEnum):
    ABOUT = "about"
    PARTNERS = "partners"
    COSTS = "costs"
    PEOPLE = "people"
    OUTCOMES = "outcomes"
    BENEFITS = "benefits"
    RANGES = "ranges"
    CHECK = "check"


TITLES = {
    Step.ABOUT: "About the business case",
    Step.PARTNERS: "Partners involved",
    Step.COSTS: "Costs, and who pays them",
    Step.PEOPLE: "People the case works with",
    Step.OUTCOMES: "Outcomes",
    Step.BENEFITS: "Who gains from each outcome",
    Step.RANGES: "Ranges for uncertain inputs",
    Step.CHECK: "Check your answers",
}
ORDER = list(Step)


def next_step(step: Step) -> Step:
    return ORDER[min(ORDER.index(step) + 1, len(ORDER) - 1)]


# Fields


def whole_number(reader: FormReader, name: str, label: str, low: int, high: int, *, default: int | None = None) -> int:
    text = reader.raw(name)
    if not text and default is not None:
        return default
    if not text.isdigit() or len(text) > 6 or not low <= int(text) <= high:
        reader.refuse(name, f"{label} must be a whole number from {low} to {high}")
        return low
    return int(text)


def share(reader: FormReader, name: str, label: str, *, required: bool = False) -> str | None:
    """A rate typed as 0.25 or 25%, from 0 to 1, kept as the case file writes it ("0.25"); None if left blank."""
    text = reader.raw(name)
    if not text:
        if required:
            reader.refuse(name, f"Enter the {label.lower()}, like 25%")
        return None
    number = decimal_of(text.removesuffix("%")) if reasonable(text) else None
    if number is None:
        reader.refuse(name, f"{label} must be a number like 25% or 0.25")
        return None
    value = number / 100 if text.endswith("%") else number
    if not 0 <= value <= 1:
        reader.refuse(name, f"{label} must be from 0% to 100%")
        return None
    return format(value.normalize(), "f")


def pounds(reader: FormReader, name: str, label: str) -> Money | None:
    """An amount of £0 or more, up to the largest the service holds; None if left blank."""
    text = reader.raw(name)
    if not text:
        return None
    try:
        amount = Money.parse(text)
    except MoneyError as error:
        reader.refuse(name, f"{label}: {error}")
        return None
    if amount.pence < 0:
        reader.refuse(name, f"{label} must be £0 or more")
        return None
    return amount


def people(reader: FormReader, name: str, label: str) -> Decimal | None:
    text = reader.raw(name)
    if not text:
        return None
    number = decimal_of(text.replace(",", "")) if reasonable(text) else None
    if number is None or not 0 <= number <= MAX_PEOPLE:
        reader.refuse(name, f"{label} must be a number from 0 to {MAX_PEOPLE:,}")
        return None
    return number


def choice(reader: FormReader, name: str, options: list[str], message: str) -> str | None:
    return reader.choice(name, {option: option for option in options}, message=message)


# Steps: each returns the changed draft; the caller keeps it only if the reader holds no problems


def about(reader: FormReader, draft: Draft, action: str) -> Draft:
    name = reader.name("name", label="Name", max_length=MAX_NAME)
    first_year = reader.budget_year("first_year", label="First year")
    years = whole_number(reader, "years", "The appraisal period", 1, MAX_GUIDED_YEARS)
    rate = share(reader, "discount_rate", "The discount rate")
    year = str(first_year) if first_year else None
    # Blank discount rate: no key, so the Green Book schedule applies.
    case = {key: value for key, value in draft.case.items() if key != "discount_rate"}
    return Draft(case, draft.case_id, draft.based_on).changed(
        name=name, first_year=year, years=years, discount_rate=rate
    )


def partners(reader: FormReader, draft: Draft, action: str) -> Draft:
    names: list[str] = []
    lines = [line for line in reader.raw("partners").splitlines() if line.strip()]
    if not lines:
        reader.refuse("partners", "Enter the partners, one on each line")
    if len(lines) > MAX_PARTNERS:
        reader.refuse("partners", f"Enter {MAX_PARTNERS} partners or fewer")
        return draft
    for line in lines:
        partner = FormReader({"partners": line})
        cleaned = partner.name("partners", label="A partner's name", max_length=200)
        reader.problems += partner.problems
        if cleaned in names:
            reader.refuse("partners", f"{cleaned} is listed twice: list each partner once")
        names.append(cleaned)
    return draft.changed(partners=names)


def costs(reader: FormReader, draft: Draft, action: str) -> Draft:
    lines = draft.items("costs")
    if action.startswith("remove-"):
        return draft.changed(costs=_without(lines, action) or None)
    name = reader.name("cost_name", label="Name", max_length=MAX_NAME)
    payer = choice(reader, "payer", draft.partners(), "Select the partner who pays")
    kind = reader.choice("kind", COST_KINDS, message="Select the kind of cost")
    amounts = by_year(reader, draft, "amount", "The amount", pounds)
    if not any(amounts.values()) and not any(problem.where.startswith("amount-") for problem in reader.problems):
        reader.refuse("amount-0", "Enter the amount for at least one year")
    grade = reader.raw("confidence")
    if grade and grade not in CONFIDENCE_GRADES:
        reader.refuse("confidence", "Select a confidence grade from 1 to 6")
    line: dict[str, Any] = {"name": name, "payer": payer, "kind": kind.value if kind else None}
    line |= yearly({year: amount.plain() for year, amount in amounts.items() if amount}, draft, "amount")
    if grade:
        line["confidence"] = int(grade)
    return draft.changed(costs=[*lines, line])


def people_step(reader: FormReader, draft: Draft, action: str) -> Draft:
    sizes = by_year(reader, draft, "people", "The number of people", people)
    if not any(sizes.values()) and not any(problem.where.startswith("people-") for problem in reader.problems):
        reader.refuse("people-0", "Enter the number of people starting in at least one year")
    engagement = share(reader, "engagement", "The engagement rate")
    cohort: dict[str, Any] = yearly({y: format(n, "f") for y, n in sizes.items() if n}, draft, "size")
    if engagement is not None:
        cohort["engagement"] = engagement
    return draft.changed(cohort=cohort)


def outcomes(reader: FormReader, draft: Draft, action: str) -> Draft:
    found = draft.items("outcomes")
    if action.startswith("remove-"):
        return draft.changed(outcomes=_without(found, action) or None)
    name = reader.name("outcome_name", label="Name", max_length=MAX_NAME)
    outcome: dict[str, Any] = {
        "name": name,
        "success_rate": share(reader, "success_rate", "The success rate", required=True),
    }
    for key, what in (("deadweight", "Deadweight"), ("drop_off", "The drop-off")):
        if (value := share(reader, key, what)) is not None:
            outcome[key] = value
    grade = reader.raw("confidence")
    if grade and grade not in CONFIDENCE_GRADES:
        reader.refuse("confidence", "Select a confidence grade from 1 to 6")
    elif grade:
        outcome["confidence"] = int(grade)
    outcome["lag_years"] = whole_number(reader, "lag_years", "The lag", 0, MAX_LAG, default=0)
    outcome["duration_years"] = whole_number(reader, "duration_years", "How long it lasts", 1, MAX_LAG, default=1)
    outcome["benefits"] = []
    return draft.changed(outcomes=[*found, outcome])


def benefits(reader: FormReader, draft: Draft, action: str) -> Draft:
    found = copy.deepcopy(draft.items("outcomes"))
    if action.startswith("remove-"):
        outcome_text, _, benefit_text = action.removeprefix("remove-").partition("-")
        if outcome_text.isdigit() and benefit_text.isdigit() and int(outcome_text) < len(found):
            outcome = found[int(outcome_text)]
            outcome["benefits"] = _without(list(outcome.get("benefits") or []), f"remove-{benefit_text}")
        return draft.changed(outcomes=found)
    names = [str(index) for index in range(len(found))]
    picked = choice(reader, "outcome", names, "Select the outcome")
    beneficiary = choice(reader, "beneficiary", draft.partners(), "Select the partner who gains")
    kind = reader.choice("kind", BENEFIT_KINDS, message="Select the kind of benefit")
    benefit: dict[str, Any] = {"beneficiary": beneficiary, "kind": kind.value if kind else None}
    unit_cost, own = reader.raw("unit_cost"), pounds(reader, "unit_value", "The value")
    if unit_cost and own is not None:
        reader.refuse("unit_value", "Choose a unit cost from the library or enter your own value, not both")
    elif unit_cost:
        if unit_cost not in shipped_library():
            reader.refuse("unit_cost", "Select a unit cost from the library")
        benefit["unit_cost"] = unit_cost
    elif own is not None:
        benefit["unit_value"] = own.plain()
    elif not any(problem.where == "unit_value" for problem in reader.problems):
        reader.refuse("unit_cost", "Choose a unit cost from the library, or enter your own value")
    cashable = share(reader, "cashable_share", "The cashable share")
    if cashable is not None and kind is not BenefitKind.FISCAL_CASHABLE:
        reader.refuse("cashable_share", "Only a fiscal, cashable benefit has a cashable share: leave it blank")
    elif cashable is not None:
        benefit["cashable_share"] = cashable
    if picked is not None and not reader.problems:
        outcome = found[int(picked)]
        outcome["benefits"] = [*(outcome.get("benefits") or []), benefit]
    return draft.changed(outcomes=found)


# Ranges


class RangeMeasure(StrEnum):
    RATE = "rate"
    MONEY = "money"
    PEOPLE = "people"


@dataclass(frozen=True)
class Candidate:
    """An input a range may be given for: where it sits in the draft, its name, and what it measures."""

    path: tuple[str | int, ...]
    key_path: str
    label: str
    measure: RangeMeasure
    value: object

    @property
    def centre(self) -> Decimal | None:
        return central(self.value)

    @property
    def ranged(self) -> bool:
        return isinstance(self.value, dict)


def candidates(draft: Draft) -> list[Candidate]:
    """Every single number a range can stand for: engagement, people when the same each year, a cost's amount
    when the same each year, each outcome's rates, and each value entered by hand (a library value is fixed)."""
    found: list[tuple[tuple[str | int, ...], RangeMeasure]] = []
    cohort = draft.case.get("cohort")
    if isinstance(cohort, dict):
        found += [
            (("cohort", key), measure)
            for key, measure in (("size", RangeMeasure.PEOPLE), ("engagement", RangeMeasure.RATE))
            if key in cohort
        ]
    for index, line in enumerate(draft.items("costs")):
        if "amount" in line:
            found.append((("costs", index, "amount"), RangeMeasure.MONEY))
    for index, outcome in enumerate(draft.items("outcomes")):
        found += [
            (("outcomes", index, key), RangeMeasure.RATE)
            for key in ("success_rate", "deadweight", "drop_off")
            if key in outcome
        ]
        for number, benefit in enumerate(outcome.get("benefits") or []):
            if isinstance(benefit, dict) and "unit_value" in benefit:
                found.append((("outcomes", index, "benefits", number, "unit_value"), RangeMeasure.MONEY))
    result = []
    for path, measure in found:
        key_path = _key_path(path)
        result.append(Candidate(path, key_path, label(draft, key_path), measure, _get(draft.case, path)))
    return result


def ranges(reader: FormReader, draft: Draft, action: str) -> Draft:
    case = copy.deepcopy(draft.case)
    for index, candidate in enumerate(candidates(draft)):
        low_name, high_name = f"low-{index}", f"high-{index}"
        low_text, high_text = reader.raw(low_name), reader.raw(high_name)
        centre = candidate.centre
        if not low_text and not high_text:
            if candidate.ranged and centre is not None:
                _set(case, candidate.path, _plain(centre, candidate.measure))
            continue
        if not low_text or not high_text:
            reader.refuse(
                low_name if not low_text else high_name,
                f"Enter both the low and the high value for {candidate.label}, or neither",
            )
            continue
        low, high = (_range_end(reader, name, candidate) for name in (low_name, high_name))
        if low is None or high is None or centre is None:
            continue
        if not low <= centre <= high:
            shown = _plain(centre, candidate.measure)
            reader.refuse(
                low_name,
                f"The low value must be at most {shown} and the high value at least {shown}, for {candidate.label}",
            )
            continue
        numbers = [_plain(number, candidate.measure) for number in (low, centre, high)]
        _set(case, candidate.path, {"triangular": numbers})
    return Draft(case, draft.case_id, draft.based_on)


def _range_end(reader: FormReader, name: str, candidate: Candidate) -> Decimal | None:
    what = f"The {'low' if name.startswith('low') else 'high'} value for {candidate.label}"
    if candidate.measure is RangeMeasure.MONEY:
        amount = pounds(reader, name, what)
        return None if amount is None else amount.pounds
    if candidate.measure is RangeMeasure.PEOPLE:
        return people(reader, name, what)
    text = share(reader, name, what)
    return None if text is None else Decimal(text)


def _plain(number: Decimal, measure: RangeMeasure) -> str:
    if measure is RangeMeasure.MONEY:
        return Money.from_pounds(number.quantize(Decimal("0.01"))).plain()
    return format(number.normalize(), "f")


# Years and items


def by_year(
    reader: FormReader, draft: Draft, prefix: str, label: str, read: Callable[[FormReader, str, str], Any]
) -> dict[str, Any]:
    """One optional box a year (`amount-0`, `amount-1`, ...), by financial year."""
    return {year: read(reader, f"{prefix}-{index}", f"{label} for {year}") for index, year in enumerate(draft.years())}


def yearly(values: dict[str, str], draft: Draft, every_year_key: str) -> dict[str, Any]:
    """`amount: X` when every year holds the same X, else `by_year: {2013/14: X, ...}`."""
    years = draft.years()
    if len(values) == len(years) and len(set(values.values())) == 1:
        return {every_year_key: next(iter(values.values()))}
    return {"by_year": values}


def per_year(item: dict[str, Any], years: list[str], every_year_key: str) -> list[str]:
    """An item's values by year as the boxes show them (blank where none)."""
    if every_year_key in item:
        return [str(item[every_year_key])] * len(years)
    given = item.get("by_year") if isinstance(item.get("by_year"), dict) else {}
    return [str(given.get(year, "")) for year in years]


def kind_label(value: object) -> str:
    kinds: dict[str, CostKind | BenefitKind] = {**COST_KINDS, **BENEFIT_KINDS}
    kind = kinds.get(str(value))
    return KIND_LABELS[kind] if kind else str(value)


def _without(items: list[Any], action: str) -> list[Any]:
    text = action.removeprefix("remove-")
    return [item for index, item in enumerate(items) if str(index) != text]


def _key_path(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _get(data: Any, path: tuple[str | int, ...]) -> object:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: tuple[str | int, ...], value: object) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value
