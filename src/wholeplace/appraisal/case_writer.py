"""Business case files written: `write_case` turns a `Case` into YAML that `case_file.read_case` reads back equal.

Used to keep a case read from a workbook as the case file it stands for. Money in pounds and rates as text, so
no number passes through a float; each distribution goes where its key path says a file gave it. Pure: no
database, no clock, no printing. The format: docs/appraisal.md.
"""

from __future__ import annotations

from decimal import Decimal

import yaml

from wholeplace.appraisal.case import Benefit, Case, Cohort, CostLine, Measure, Outcome
from wholeplace.appraisal.case_checks import check_case
from wholeplace.files.reader import child
from wholeplace.problems import InvalidInput, Problem


def write_case(case: Case) -> str:
    """The case as YAML that `read_case` reads back to an equal case: a case read from a workbook, kept as text.

    Money is written in pounds and rates as text, so no number passes through a float. Each distribution is
    written where its key path says a file gave it (`costs[0].amount: {uniform: [...]}`), money in pounds.
    A `Case` keeps no confidence grades or unit cost names, so their optimism bias and unit value are written.
    By-year values are written in year order, so uncertain inputs read back in that order.
    """
    if problems := check_case(case):
        raise InvalidInput(problems)
    writer = _CaseWriter(case)
    data = writer.case_data()
    if unwritten := [uncertain.key_path for uncertain in case.uncertain if uncertain.key_path not in writer.written]:
        message = "A distribution is written at the key path a case file gives it, and this is not one"
        raise InvalidInput([Problem(path, message) for path in unwritten])
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)


class _CaseWriter:
    """Turns a case into plain data, putting each distribution where its key path says the file gave it."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.uncertain = {uncertain.key_path: uncertain for uncertain in case.uncertain}
        self.written: set[str] = set()

    def value(self, path: str, plain: str) -> object:
        """The distribution given at `path`, in the units a file writes it in, or else the plain value."""
        uncertain = self.uncertain.get(path)
        if uncertain is None:
            return plain
        self.written.add(path)
        money = uncertain.kind.measure is Measure.MONEY
        numbers = [number.scaleb(-2).normalize() if money else number for number in uncertain.distribution.numbers]
        return {uncertain.distribution.shape.value: [_text(number) for number in numbers]}

    def case_data(self) -> dict[str, object]:
        case = self.case
        data: dict[str, object] = {"name": case.name, "first_year": str(case.first_year), "years": case.years}
        rates = (("discount_rate", case.discounting.rate), ("health_discount_rate", case.discounting.health_rate))
        data |= {key: _text(rate) for key, rate in rates if rate is not None}
        if case.partners:
            data["partners"] = list(case.partners)
        data["costs"] = [self.cost(line, f"costs[{index}]") for index, line in enumerate(case.costs)]
        if case.cohort is not None:
            data["cohort"] = self.cohort(case.cohort)
        if case.outcomes:
            data["outcomes"] = [
                self.outcome(outcome, f"outcomes[{index}]") for index, outcome in enumerate(case.outcomes)
            ]
        return data

    def cost(self, line: CostLine, path: str) -> dict[str, object]:
        return {
            "name": line.name,
            "payer": line.payer,
            "kind": line.kind.value,
            **self.yearly(path, "amount", [amount.plain() for amount in line.amounts]),
            "optimism_bias": self.value(child(path, "optimism_bias"), _text(line.optimism_bias)),
        }

    def cohort(self, cohort: Cohort) -> dict[str, object]:
        return {
            **self.yearly("cohort", "size", [_text(size) for size in cohort.sizes]),
            "engagement": self.value("cohort.engagement", _text(cohort.engagement)),
        }

    def yearly(self, path: str, every_year_key: str, values: list[str]) -> dict[str, object]:
        """`amount:` or `size:` when one value or distribution stands for every year; else by_year, zeros left out."""
        years = [str(self.case.first_year + index) for index in range(self.case.years)]
        at = {year: child(path, f"by_year.{year}") for year in years}
        every_year = child(path, every_year_key)
        if every_year in self.uncertain or (len(set(values)) == 1 and not self.uncertain.keys() & set(at.values())):
            return {every_year_key: self.value(every_year, values[0])}
        by_year = {
            year: self.value(at[year], value)
            for year, value in zip(years, values, strict=True)
            if at[year] in self.uncertain or Decimal(value)
        }
        return {"by_year": by_year}

    def outcome(self, outcome: Outcome, path: str) -> dict[str, object]:
        def rate(key: str) -> object:
            return self.value(child(path, key), _text(getattr(outcome, key)))

        return {
            "name": outcome.name,
            "success_rate": rate("success_rate"),
            "deadweight": rate("deadweight"),
            "optimism_bias": rate("optimism_bias"),
            "lag_years": outcome.lag_years,
            "duration_years": outcome.duration_years,
            "drop_off": rate("drop_off"),
            "benefits": [
                self.benefit(benefit, f"{path}.benefits[{index}]") for index, benefit in enumerate(outcome.benefits)
            ],
        }

    def benefit(self, benefit: Benefit, path: str) -> dict[str, object]:
        data: dict[str, object] = {
            "beneficiary": benefit.beneficiary,
            "kind": benefit.kind.value,
            "unit_value": self.value(child(path, "unit_value"), benefit.unit_value.plain()),
        }
        if benefit.cashable_share is not None:
            data["cashable_share"] = self.value(child(path, "cashable_share"), _text(benefit.cashable_share))
        if benefit.health:
            data["health"] = True
        return data


def _text(number: Decimal) -> str:
    """A number as a file writes it: plain digits, never an exponent."""
    return format(number, "f")
