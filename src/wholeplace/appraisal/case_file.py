"""Business case files (YAML or JSON): read them into an `engine.Case`, or say everything wrong with them.

The file is read as a YAML node tree by `files.reader` (as allocation plans are), so every problem names the
file, the line and the key path, like `hub.yaml, line 12, costs[0].by_year.2019/20`. Nothing is computed
from a file with problems. A number written as a distribution is kept as an `UncertainInput` under its key path,
and its central value goes in the plain field. A benefit's `unit_cost: <name>` becomes its unit value in the
case's price year (`unit_costs.py`). `case_writer.write_case` writes a case back out as such a file. Pure:
no database, no clock, no printing. The format: docs/appraisal.md, docs/appraisal-uncertainty.md and
docs/unit-costs.md.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from yaml.nodes import MappingNode, Node, SequenceNode

from wholeplace.appraisal.case import (
    CONFIDENCE_OPTIMISM_BIAS,
    MAX_COST_OPTIMISM_BIAS,
    Benefit,
    BenefitKind,
    Case,
    Cohort,
    CostKind,
    CostLine,
    Outcome,
    Slot,
    UncertainInput,
)
from wholeplace.appraisal.case_checks import check_case
from wholeplace.appraisal.discounting import Discounting
from wholeplace.appraisal.distributions import PARAMETERS, Distribution, Shape, distribution_problem
from wholeplace.appraisal.unit_costs import UnitCostLibrary, shipped_library
from wholeplace.files.numbers import decimal_of, reasonable
from wholeplace.files.reader import LineNumberedReader, child
from wholeplace.money import (
    FIRST_BUDGET_YEAR,
    LARGEST_POUNDS,
    LAST_BUDGET_YEAR,
    FinancialYear,
    FinancialYearError,
    Money,
)
from wholeplace.problems import Problem

CASE_KEYS = (
    "name",
    "first_year",
    "years",
    "price_year",
    "discount_rate",
    "health_discount_rate",
    "partners",
    "costs",
    "cohort",
    "outcomes",
)
COST_KEYS = ("name", "payer", "kind", "by_year", "amount", "optimism_bias", "confidence")
COHORT_KEYS = ("by_year", "size", "engagement")
OUTCOME_KEYS = (
    "name",
    "success_rate",
    "deadweight",
    "optimism_bias",
    "confidence",
    "lag_years",
    "duration_years",
    "drop_off",
    "benefits",
)
BENEFIT_KEYS = ("beneficiary", "kind", "unit_value", "unit_cost", "cashable_share", "health")
MAX_YEARS = 1000
MAX_NAME = 300  # the longest name a stored case keeps (BusinessCase.name)
# More people than live in the United Kingdom, in any one year: a cohort past it is a typing slip, and its
# outcomes times a unit value would run past the largest amount the service holds.
MAX_PEOPLE = Decimal(100_000_000)
PENCE_PER_POUND = Decimal(100)

Value = TypeVar("Value")
Kind = TypeVar("Kind", CostKind, BenefitKind)
Slots = tuple[Slot, ...]
ReadValue = Callable[[Node, str, Slots], Decimal | None]


def read_case(
    text: str, filename: str, *, unit_costs: UnitCostLibrary | None = None
) -> tuple[Case | None, list[Problem]]:
    """The case in a YAML or JSON file, or every problem with it, each naming file, line and key path.

    A benefit's `unit_cost: <name>` is looked up in `unit_costs` (the shipped library unless given) and
    brought to the case's price year; the case holds the resulting `unit_value`.
    """
    reader = CaseReader(filename, unit_costs)
    case = reader.read(text)
    if case is None or reader.problems:
        return None, reader.problems
    # The reader checks everything with its line; this only guards against the two drifting apart.
    problems = [Problem(f"{filename}, {problem.where}", problem.message) for problem in check_case(case)]
    return (None, problems) if problems else (case, [])


class CaseReader(LineNumberedReader):
    """Reads the node tree, keeping the period so that every year can be checked against it."""

    example = "name: Hub staff"

    def __init__(self, filename: str, unit_costs: UnitCostLibrary | None = None) -> None:
        super().__init__(filename)
        self.unit_costs = unit_costs if unit_costs is not None else shipped_library()
        self.first_year: FinancialYear | None = None
        self.price_year: FinancialYear | None = None
        self.years: int | None = None
        self.partners: tuple[str, ...] = ()
        self.uncertain: list[UncertainInput] = []

    def read(self, text: str) -> Case | None:
        root = self.compose(text, when_empty="The case is empty: give it a name, first_year, years, costs")
        if root is None:
            return None
        entries = self.mapping(root, "", CASE_KEYS, "A business case")
        if entries is None:
            return None
        name = self.required(entries, root, "", "name", "Enter the case's name, like name: Domestic abuse hub")
        name = self.text(name, "name", "the case's name") if name is not None else None
        if name is not None and len(name) > MAX_NAME:
            assert "name" in entries
            self.refuse(entries["name"][1], "name", f"The case's name must be {MAX_NAME} characters or fewer")
            name = None
        first_year = self.required(entries, root, "", "first_year", "Enter the first year, like first_year: 2013/14")
        self.first_year = self.financial_year(first_year, "first_year") if first_year is not None else None
        if self.first_year is not None and not FIRST_BUDGET_YEAR <= self.first_year.start_year <= LAST_BUDGET_YEAR:
            assert first_year is not None
            first, last = FinancialYear(FIRST_BUDGET_YEAR), FinancialYear(LAST_BUDGET_YEAR)
            self.refuse(first_year, "first_year", f"Give a first year from {first} to {last}, like 2013/14")
            self.first_year = None
        years = self.required(entries, root, "", "years", "Enter the appraisal period in years, like years: 5")
        self.years = self.integer(years, "years", "the appraisal period", 1, MAX_YEARS) if years is not None else None
        self.price_year = self.first_year
        if "price_year" in entries:
            self.price_year = self.financial_year(entries["price_year"][1], "price_year")
        discounting = self.discounting(entries)
        if "partners" in entries:
            self.partners = self.partner_list(entries["partners"][1], "partners")
        cost_list = self.required(entries, root, "", "costs", "Give the case's costs, each starting with '- '")
        costs = self.items(cost_list, "costs", self.cost, ("costs",)) if cost_list is not None else []
        cohort = self.cohort(entries["cohort"][1], "cohort") if "cohort" in entries else None
        outcomes = []
        if "outcomes" in entries:
            outcomes = self.items(entries["outcomes"][1], "outcomes", self.outcome, ("outcomes",))
        if outcomes and "cohort" not in entries:
            self.refuse(root, "cohort", "Give the cohort the outcomes count in, like cohort: {size: 1160}")
        if self.problems or name is None or self.first_year is None or self.years is None:
            return None
        return Case(
            name,
            self.first_year,
            self.years,
            tuple(costs),
            cohort,
            tuple(outcomes),
            discounting,
            self.partners,
            tuple(self.uncertain),
        )

    # The parts of a case

    def discounting(self, entries: dict[str, tuple[Node, Node]]) -> Discounting:
        rates = {}
        for key, what in (("discount_rate", "The discount rate"), ("health_discount_rate", "The health discount rate")):
            if key in entries:
                rates[key] = self.rate(entries[key][1], key, what, slots=None)
        return Discounting(rates.get("discount_rate"), rates.get("health_discount_rate"))

    def partner_list(self, node: Node, path: str) -> tuple[str, ...]:
        if not isinstance(node, SequenceNode) or not node.value:
            self.refuse(node, path, "Give partners as a list, each starting with '- ', like - Essex Police")
            return ()
        names: list[str] = []
        for index, item in enumerate(node.value):
            name = self.text(item, f"{path}[{index}]", "the partner's name")
            if name is not None and name in names:
                self.refuse(item, f"{path}[{index}]", f"'{name}' is listed twice: list each partner once")
            elif name is not None:
                names.append(name)
        return tuple(names)

    def items(self, node: Node, path: str, read: Callable[[Node, str, Slot], Value | None], slot: Slot) -> list[Value]:
        """The items of a list; `slot` locates the list in the case, as `path` does in the file."""
        if not isinstance(node, SequenceNode) or not node.value:
            self.refuse(node, path, f"Give {path} as a list, each item starting with '- '")
            return []
        read_items = [read(item, f"{path}[{index}]", (*slot, index)) for index, item in enumerate(node.value)]
        return [item for item in read_items if item is not None]

    def cost(self, node: Node, path: str, slot: Slot) -> CostLine | None:
        entries = self.mapping(node, path, COST_KEYS, "A cost")
        if entries is None:
            return None
        before = len(self.problems)
        name_node = self.required(entries, node, path, "name", "Enter the cost's name, like name: Hub staff")
        name = self.text(name_node, child(path, "name"), "the cost's name") if name_node is not None else None
        payer = self.partner(entries, node, path, "payer", "who pays the cost")
        kind_node = self.required(entries, node, path, "kind", "Enter the kind: revenue, capital or in_kind")
        kind = self.choice(kind_node, child(path, "kind"), CostKind, "A cost's kind") if kind_node is not None else None
        amounts = self.yearly(entries, node, path, "amount", self.money_or_distribution, (*slot, "amounts"))
        bias = self.bias(entries, path, (*slot, "optimism_bias"), high=MAX_COST_OPTIMISM_BIAS)
        if len(self.problems) > before or None in (name, payer, kind, amounts, bias):
            return None
        assert name and payer and kind and amounts is not None and bias is not None
        return CostLine(name, payer, kind, tuple(Money(int(amount)) for amount in amounts), bias)

    def cohort(self, node: Node, path: str) -> Cohort | None:
        entries = self.mapping(node, path, COHORT_KEYS, "The cohort")
        if entries is None:
            return None
        before = len(self.problems)
        sizes = self.yearly(entries, node, path, "size", self.count, ("cohort", "sizes"))
        engagement: Decimal | None = Decimal(1)
        if "engagement" in entries:
            at = child(path, "engagement")
            engagement = self.rate(entries["engagement"][1], at, "Engagement", slots=(("cohort", "engagement"),))
        if len(self.problems) > before or sizes is None or engagement is None:
            return None
        return Cohort(tuple(sizes), engagement)

    def outcome(self, node: Node, path: str, slot: Slot) -> Outcome | None:
        entries = self.mapping(node, path, OUTCOME_KEYS, "An outcome")
        if entries is None:
            return None
        before = len(self.problems)
        name_node = self.required(entries, node, path, "name", "Enter the outcome's name, like name: Fewer repeats")
        name = self.text(name_node, child(path, "name"), "the outcome's name") if name_node is not None else None
        success = self.required(entries, node, path, "success_rate", "Enter the success rate, like success_rate: 0.25")
        success_rate = None
        if success is not None:
            at = child(path, "success_rate")
            success_rate = self.rate(success, at, "The success rate", slots=((*slot, "success_rate"),))
        rates = {
            key: self.rate(entries[key][1], child(path, key), key.replace("_", " ").capitalize(), slots=((*slot, key),))
            for key in ("deadweight", "drop_off")
            if key in entries
        }
        bias = self.bias(entries, path, (*slot, "optimism_bias"), high=Decimal(1))
        lag: int | None = 0
        duration: int | None = 1
        if "lag_years" in entries:
            lag = self.integer(entries["lag_years"][1], child(path, "lag_years"), "the lag in years", 0, MAX_YEARS)
        if "duration_years" in entries:
            at = child(path, "duration_years")
            duration = self.integer(entries["duration_years"][1], at, "the years the effect lasts", 1, MAX_YEARS)
        benefit_list = self.required(entries, node, path, "benefits", "Give the outcome's benefits, each with '- '")
        benefits = []
        if benefit_list is not None:
            benefits = self.items(benefit_list, child(path, "benefits"), self.benefit, (*slot, "benefits"))
        if len(self.problems) > before or None in (name, success_rate, bias, lag, duration):
            return None
        assert name is not None and success_rate is not None and bias is not None
        assert lag is not None and duration is not None
        return Outcome(
            name,
            success_rate,
            tuple(benefits),
            deadweight=rates.get("deadweight") or Decimal(0),
            optimism_bias=bias,
            lag_years=lag,
            duration_years=duration,
            drop_off=rates.get("drop_off") or Decimal(0),
        )

    def benefit(self, node: Node, path: str, slot: Slot) -> Benefit | None:
        entries = self.mapping(node, path, BENEFIT_KEYS, "A benefit")
        if entries is None:
            return None
        before = len(self.problems)
        beneficiary = self.partner(entries, node, path, "beneficiary", "who gains the benefit")
        kind_node = self.required(
            entries, node, path, "kind", "Enter the kind: fiscal_cashable, fiscal_noncashable, economic or social"
        )
        kind = None
        if kind_node is not None:
            kind = self.choice(kind_node, child(path, "kind"), BenefitKind, "A benefit's kind")
        unit_value = self.unit_value(entries, node, path, (*slot, "unit_value"))
        share = None
        if "cashable_share" in entries:
            key_node, value_node = entries["cashable_share"]
            at = child(path, "cashable_share")
            share = self.rate(value_node, at, "The cashable share", slots=((*slot, "cashable_share"),))
            if kind is not None and kind is not BenefitKind.FISCAL_CASHABLE:
                self.refuse(
                    key_node,
                    child(path, "cashable_share"),
                    "Only a fiscal_cashable benefit has a cashable share (the rest counts as non-cashable)",
                )
        health = False
        if "health" in entries:
            key_node, value_node = entries["health"]
            health = self.flag(value_node, child(path, "health"))
            if health and kind is not None and kind is not BenefitKind.SOCIAL:
                message = "Only social benefits can be health values (discounted at the Green Book's 1.5%)"
                self.refuse(key_node, child(path, "health"), message)
        if len(self.problems) > before or beneficiary is None or kind is None or unit_value is None:
            return None
        return Benefit(beneficiary, kind, unit_value, share, health)

    def unit_value(self, entries: dict[str, tuple[Node, Node]], node: Node, path: str, slot: Slot) -> Money | None:
        if "unit_value" in entries and "unit_cost" in entries:
            self.refuse(entries["unit_cost"][0], child(path, "unit_cost"), "Give unit_value or unit_cost, not both")
            return None
        if "unit_cost" in entries:
            return self.unit_cost(entries["unit_cost"][1], child(path, "unit_cost"))
        value_node = self.required(entries, node, path, "unit_value", "Enter the unit value, like unit_value: 1200")
        if value_node is None:
            return None
        pence = self.money_or_distribution(value_node, child(path, "unit_value"), (slot,))
        return Money(int(pence)) if pence is not None else None

    def unit_cost(self, node: Node, path: str) -> Money | None:
        """The named unit cost in the case's price year (GDP deflated: docs/unit-costs.md)."""
        name = self.scalar(node, path, "the unit cost's name, like domestic_abuse_incident")
        if name is None or self.price_year is None:
            return None
        try:
            return self.unit_costs.value_in(name, self.price_year)
        except LookupError as error:
            self.refuse(node, path, str(error))
            return None

    # Values

    def partner(self, entries: dict[str, tuple[Node, Node]], owner: Node, path: str, key: str, who: str) -> str | None:
        node = self.required(entries, owner, path, key, f"Enter {who}, like {key}: Essex Police")
        name = self.text(node, child(path, key), f"{who}") if node is not None else None
        if name is not None and self.partners and name not in self.partners:
            assert node is not None
            message = f"'{name}' is not a partner in this case: add it to partners, or check the spelling"
            self.refuse(node, child(path, key), message)
            return None
        return name

    def yearly(
        self,
        entries: dict[str, tuple[Node, Node]],
        owner: Node,
        path: str,
        every_year_key: str,
        read: ReadValue,
        slot: Slot,
    ) -> list[Decimal] | None:
        """One value per year, from by_year: {2013/14: ...} or the same value every year (one draw drives all)."""
        if "by_year" in entries and every_year_key in entries:
            key_node = entries[every_year_key][0]
            self.refuse(key_node, child(path, every_year_key), f"Give by_year or {every_year_key}, not both")
            return None
        if every_year_key in entries:
            every_year = tuple((*slot, year) for year in range(self.years or 0))
            value = read(entries[every_year_key][1], child(path, every_year_key), every_year)
            return None if value is None or self.years is None else [value] * self.years
        if "by_year" not in entries:
            message = f"Give by_year, like by_year: {{2013/14: 260000}}, or {every_year_key} for every year"
            self.refuse(owner, child(path, "by_year"), message)
            return None
        return self.by_year(entries["by_year"][1], child(path, "by_year"), read, slot)

    def by_year(self, node: Node, path: str, read: ReadValue, slot: Slot) -> list[Decimal] | None:
        if not isinstance(node, MappingNode) or not node.value:
            self.refuse(node, path, "Give by_year as year: value, like {2013/14: 260000}")
            return None
        values: dict[int, Decimal] = {}
        complete = True
        for year_node, value_node in node.value:
            year = self.financial_year(year_node, path)
            at = child(path, str(year) if year else "")
            index = self.year_index(year, year_node, at) if year is not None else None
            value = read(value_node, at, ((*slot, index),) if index is not None else ())
            if index is None or value is None:
                complete = False
            elif index in values:
                self.refuse(year_node, at, f"{year} is given twice: give each year once")
                complete = False
            else:
                values[index] = value
        if not complete or self.years is None:
            return None
        return [values.get(index, Decimal(0)) for index in range(self.years)]

    def year_index(self, year: FinancialYear, node: Node, path: str) -> int | None:
        if self.first_year is None or self.years is None:
            return None
        index = year.start_year - self.first_year.start_year
        if not 0 <= index < self.years:
            last = self.first_year + (self.years - 1)
            self.refuse(node, path, f"{year} is outside the appraisal period, {self.first_year} to {last}")
            return None
        return index

    def financial_year(self, node: Node, path: str) -> FinancialYear | None:
        text = self.scalar(node, path, "a financial year")
        if text is None:
            return None
        try:
            return FinancialYear.parse(text)
        except FinancialYearError as error:
            self.refuse(node, path, str(error))
            return None

    def integer(self, node: Node, path: str, what: str, low: int, high: int) -> int | None:
        text = self.scalar(node, path, what)
        if text is None:
            return None
        if not text.isdigit() or not low <= int(text) <= high:
            self.refuse(node, path, f"Enter {what} as a whole number from {low} to {high}, not '{text}'")
            return None
        return int(text)

    def choice(self, node: Node, path: str, kinds: type[Kind], what: str) -> Kind | None:
        text = self.scalar(node, path, what.lower())
        if text is None:
            return None
        normal = text.lower().replace("-", "_").replace(" ", "_").replace("non_cashable", "noncashable")
        try:
            return kinds(normal)
        except ValueError:
            self.refuse(node, path, f"{what} is one of {', '.join(kind.value for kind in kinds)}, not '{text}'")
            return None

    def flag(self, node: Node, path: str) -> bool:
        text = (self.scalar(node, path, "true or false") or "").lower()
        if text in ("true", "yes"):
            return True
        if text not in ("false", "no"):
            self.refuse(node, path, f"Write true or false, not '{text}'")
        return False

    def bias(self, entries: dict[str, tuple[Node, Node]], path: str, slot: Slot, *, high: Decimal) -> Decimal | None:
        """Optimism bias given directly, or looked up from a confidence grade 1-6; none given is 0."""
        if "optimism_bias" in entries and "confidence" in entries:
            key = entries["confidence"][0]
            self.refuse(key, child(path, "confidence"), "Give optimism_bias or confidence, not both")
            return None
        if "confidence" in entries:
            grade = self.integer(entries["confidence"][1], child(path, "confidence"), "the confidence grade", 1, 6)
            return None if grade is None else CONFIDENCE_OPTIMISM_BIAS[grade]
        if "optimism_bias" in entries:
            at = child(path, "optimism_bias")
            return self.rate(entries["optimism_bias"][1], at, "Optimism bias", high=high, slots=(slot,))
        return Decimal(0)

    def rate(
        self, node: Node, path: str, what: str, *, high: Decimal = Decimal(1), slots: Slots | None
    ) -> Decimal | None:
        """A share such as 0.25 (or 25%), from 0 to `high`; a distribution too, unless `slots` is None."""
        if isinstance(node, MappingNode) and slots is not None:
            return self.uncertain_value(node, path, high, slots)
        text = self.scalar(node, path, what.lower())
        if text is None:
            return None
        value = decimal_of(text.removesuffix("%")) if reasonable(text) else None
        if value is None:
            self.refuse(node, path, f"{what} is a number like 0.25 (or 25%), not '{text}'")
            return None
        value = value / 100 if text.endswith("%") else value
        if not 0 <= value <= high:
            self.refuse(node, path, f"{what} must be between 0 and {high}, not {text}")
            return None
        return value

    def money_or_distribution(self, node: Node, path: str, slots: Slots) -> Decimal | None:
        """An amount of pounds as whole pence (a Decimal, so it can stand beside counts)."""
        if isinstance(node, MappingNode):
            largest = Decimal(LARGEST_POUNDS)
            return self.uncertain_value(node, path, None, slots, scale=PENCE_PER_POUND, largest=largest)
        amount = self.money(node, path, "an amount")
        return None if amount is None else Decimal(amount.pence)

    def count(self, node: Node, path: str, slots: Slots) -> Decimal | None:
        if isinstance(node, MappingNode):
            return self.uncertain_value(node, path, None, slots, largest=MAX_PEOPLE)
        text = self.scalar(node, path, "the number of people")
        if text is None:
            return None
        value = decimal_of(text, amounts=True) if reasonable(text) else None
        if value is None or not 0 <= value <= MAX_PEOPLE:
            self.refuse(node, path, f"The number of people must be from 0 to {MAX_PEOPLE:,}, like 1160, not '{text}'")
            return None
        return value

    def uncertain_value(
        self,
        node: MappingNode,
        path: str,
        high: Decimal | None,
        slots: Slots,
        *,
        scale: Decimal = Decimal(1),
        largest: Decimal | None = None,
    ) -> Decimal | None:
        """Keep a distribution as an uncertain input driving `slots`; its central value stands in the case.

        `scale` turns the numbers as written (pounds) into the slots' units (pence). With no slots (the year
        is outside the period, say) the distribution is only checked: that problem is already recorded.
        `largest` bounds every number as written (a normal's standard deviation too), as amounts are bounded.
        """
        distribution = self.distribution(node, path, high, largest)
        if distribution is None or not slots:
            return None
        scaled = Distribution(distribution.shape, tuple(number * scale for number in distribution.numbers))
        uncertain = UncertainInput(path, scaled, slots)
        self.uncertain.append(uncertain)
        return uncertain.central

    def distribution(
        self, node: MappingNode, path: str, high: Decimal | None, largest: Decimal | None = None
    ) -> Distribution | None:
        """A distribution such as {triangular: [0.1, 0.25, 0.4]} for a value from 0 to `high`, or None if not one."""
        before = len(self.problems)
        entries = self.mapping(node, path, tuple(PARAMETERS), "A distribution")
        if entries is None or len(self.problems) > before:
            return None
        if len(entries) != 1:
            self.refuse(node, path, f"Give one distribution: {', '.join(PARAMETERS)}")
            return None
        ((name, (_, value_node)),) = entries.items()
        shape = Shape(name)
        at = child(path, shape)
        names = PARAMETERS[shape]
        example = ", ".join(names)
        if not isinstance(value_node, SequenceNode) or len(value_node.value) != len(names):
            self.refuse(value_node, at, f"A {shape} distribution takes {len(names)} numbers: [{example}]")
            return None
        numbers = []
        for item in value_node.value:
            text = self.scalar(item, at, "a number")
            number = decimal_of(text, amounts=True) if text is not None and reasonable(text) else None
            if number is None:
                if text is not None:
                    self.refuse(item, at, f"'{text}' is not a number. A {shape} distribution takes [{example}]")
                return None
            numbers.append(number)
        if reason := distribution_problem(shape, tuple(numbers), high):
            self.refuse(value_node, at, reason)
            return None
        if largest is not None and any(number > largest for number in numbers):
            self.refuse(value_node, at, f"Each number of the distribution must be {largest:,} or less")
            return None
        return Distribution(shape, tuple(numbers))
