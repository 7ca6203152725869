"""Portfolios: several business cases rolled up into one table, and checked against the totals papers claim.

Two kinds of case roll up, and they are never added together. Full cases are appraised by the engine into
present values. Summary-only cases are the cost-benefit summary tables papers publish (seed 001's FBC1-5):
undiscounted figures over periods the tables do not state. Each kind has its own section and total. A claim
(seed 004 §3.9: "£414 million in net benefits") is checked against the published section to the paper's own
rounding. Pure: no database, no clock, no printing. Formats and rules: docs/appraisal-portfolio.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode

from wholeplace.appraisal.case import Case
from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.results import Appraisal, appraise
from wholeplace.appraisal.rounding import ratio, ratio_text
from wholeplace.files.numbers import decimal_of, reasonable
from wholeplace.files.reader import LineNumberedReader, child
from wholeplace.money import Money, MoneyError
from wholeplace.problems import InvalidInput, Problem

SUMMARY_FILE_KEYS = ("name", "source", "summary")
CLAIM_FILE_KEYS = ("name", "source", "claim")
SUMMARY_KEYS = ("unit", "net_benefit_sign", "costs", "net_benefits")
CLAIM_KEYS = ("unit", "net_benefit_sign", "net_benefits")
COST_KEYS = ("to_march_2013", "to_march_2014", "further_implementation")
NET_BENEFIT_KEYS = ("cashable", "non_cashable", "total")


class Unit(StrEnum):
    """The unit a paper prints its figures in, and so its rounding: figures can be out by one unit."""

    POUNDS = "£"
    THOUSANDS = "£'000"
    MILLIONS = "£m"

    @property
    def pounds(self) -> int:
        return _UNIT_POUNDS_AND_SUFFIX[self.value][0]

    @property
    def rounding(self) -> str:
        """One unit, the most a rounded figure can be out by: £1m."""
        return _in_unit(Money(self.pounds * 100), self)


_UNIT_POUNDS_AND_SUFFIX = {"£": (1, ""), "£'000": (1_000, "k"), "£m": (1_000_000, "m")}


class NetBenefitSign(StrEnum):
    """How a paper prints a net benefit. Seed 001 prints a saving as a negative number (spending falls)."""

    NEGATIVE = "negative"
    POSITIVE = "positive"


class Basis(StrEnum):
    PUBLISHED = "published"  # undiscounted, as the paper printed them
    PRESENT_VALUE = "present_value"  # discounted by the engine to the case's first year


# The records


@dataclass(frozen=True)
class NetBenefits:
    """Benefits less costs, a saving positive, with the costs charged to the cashable part.

    Seed 001's tables charge them so: FBC2 and FBC3, which have no cashable savings, print their costs
    (£1,097k and £517k, the sum of their cost columns) as their cashable net figure.
    """

    cashable: Money
    non_cashable: Money
    total: Money

    def __sub__(self, other: NetBenefits) -> NetBenefits:
        return NetBenefits(
            self.cashable - other.cashable, self.non_cashable - other.non_cashable, self.total - other.total
        )

    def parts(self) -> dict[str, Money]:
        return dict(zip(NET_BENEFIT_KEYS, (self.cashable, self.non_cashable, self.total), strict=True))


def add_up(net_benefits: Iterable[NetBenefits]) -> NetBenefits:
    items = list(net_benefits)
    return NetBenefits(
        Money.total(item.cashable for item in items),
        Money.total(item.non_cashable for item in items),
        Money.total(item.total for item in items),
    )


@dataclass(frozen=True)
class PublishedCosts:
    """Costs as a summary table splits them. The columns are separate periods, not cumulative: seed 001's FBC5
    has £117k to March 2013 and £70k to March 2014, and FBC2's and FBC3's cashable figures add all three."""

    to_march_2013: Money
    to_march_2014: Money
    further_implementation: Money

    @property
    def total(self) -> Money:
        return self.to_march_2013 + self.to_march_2014 + self.further_implementation

    def parts(self) -> dict[str, Money]:
        amounts = (self.to_march_2013, self.to_march_2014, self.further_implementation)
        return dict(zip(COST_KEYS, amounts, strict=True))


@dataclass(frozen=True)
class SummaryCase:
    """A business case known only by its published summary table: undiscounted figures, as published."""

    name: str
    costs: PublishedCosts
    net_benefits: NetBenefits  # a saving positive, whichever way the table prints it
    unit: Unit
    net_benefit_sign: NetBenefitSign  # how the table prints them
    source: str = ""


@dataclass(frozen=True)
class Claim:
    """Net benefits a paper claims for a set of business cases, in the paper's unit (its rounding)."""

    name: str
    net_benefits: NetBenefits  # a saving positive
    unit: Unit
    net_benefit_sign: NetBenefitSign
    source: str = ""


PortfolioFile = Case | SummaryCase | Claim
Choice = TypeVar("Choice", Unit, NetBenefitSign)


# Checks, the same whether the record came from a file or from code; `where` is the key path in the file


def check_summary_case(summary: SummaryCase) -> list[Problem]:
    """Every way the table does not hold together; empty when it does."""
    problems = [
        Problem(
            f"summary.costs.{key}",
            f"A cost is 0 or more, not {_figure(amount, summary.unit)}: summary tables print costs as positive "
            "numbers, whichever way they print net benefits",
        )
        for key, amount in summary.costs.parts().items()
        if amount.pence < 0
    ]
    return problems + _net_benefit_problems(summary.net_benefits, summary.unit, summary.net_benefit_sign, "summary")


def check_claim(claim: Claim) -> list[Problem]:
    """Whether the claim's own parts add up to its total, to its rounding."""
    return _net_benefit_problems(claim.net_benefits, claim.unit, claim.net_benefit_sign, "claim")


def _net_benefit_problems(net: NetBenefits, unit: Unit, sign: NetBenefitSign, block: str) -> list[Problem]:
    """Cashable plus non-cashable must make the total, give or take one unit of the paper's rounding."""
    if abs((net.cashable + net.non_cashable - net.total).pence) <= unit.pounds * 100:
        return []
    cashable, non_cashable, total = (_figure(_as_printed(amount, sign), unit) for amount in net.parts().values())
    added = _figure(_as_printed(net.cashable + net.non_cashable, sign), unit)
    message = (
        f"Cashable ({cashable}) and non-cashable ({non_cashable}) add up to {added}, not the total {total}: "
        f"more than 1 apart, which rounding to {unit} cannot explain. Check the figures against the paper"
    )
    return [Problem(f"{block}.net_benefits.total", message)]


def _as_printed(amount: Money, sign: NetBenefitSign) -> Money:
    return -amount if sign is NetBenefitSign.NEGATIVE else amount


def _figure(amount: Money, unit: Unit) -> str:
    """An amount as a table in `unit` prints it: £-87,587,000.00 in £'000 is -87,587."""
    return format((Decimal(amount.pence) / (unit.pounds * 100)).normalize(), ",f")


# The roll-up


@dataclass(frozen=True)
class PublishedSection:
    """Summary-only cases and their totals: undiscounted figures as published, never present values."""

    cases: tuple[SummaryCase, ...]
    costs: PublishedCosts
    net_benefits: NetBenefits


@dataclass(frozen=True)
class PresentValueSection:
    """Full cases appraised by the engine. Totalled only when every case is discounted to the same year."""

    appraisals: tuple[Appraisal, ...]
    costs: Money | None
    net_benefits: NetBenefits | None
    bcr: Decimal | None
    not_added: str | None  # why there is no total, when there is none


@dataclass(frozen=True)
class ClaimCheck:
    """A claim beside the published section's total; it agrees when every part is within the claim's rounding."""

    claim: Claim
    computed: NetBenefits

    @property
    def gap(self) -> NetBenefits:
        """The claim less the computed total: positive when the paper claims more than its tables add up to."""
        return self.claim.net_benefits - self.computed

    @property
    def agrees(self) -> bool:
        return all(_within_half_a_unit(amount, self.claim.unit) for amount in self.gap.parts().values())

    def describe(self) -> str:
        """Like `claimed £414m, computed £301m (£300,982,000.00): £113m less than claimed`."""
        unit = self.claim.unit
        claimed, computed, gap = self.claim.net_benefits.total, self.computed.total, self.gap.total
        text = f"claimed {_in_unit(claimed, unit)}, computed {_in_unit(computed, unit)} ({computed})"
        if _within_half_a_unit(gap, unit):
            return f"{text}: the total agrees to the nearest {unit.rounding}"
        return f"{text}: {_in_unit(Money(abs(gap.pence)), unit)} {'less' if gap.pence > 0 else 'more'} than claimed"


def _within_half_a_unit(gap: Money, unit: Unit) -> bool:
    """Whether a claim rounded to `unit` can stand for the computed figure: £414m for £413.5m to £414.5m."""
    return abs(gap.pence) <= unit.pounds * 50


def _in_unit(amount: Money, unit: Unit) -> str:
    """An amount rounded half-up to whole units, written the way papers write them: £414m, £5,639k, £944."""
    whole = (Decimal(amount.pence) / (unit.pounds * 100)).quantize(Decimal(1), ROUND_HALF_UP)
    sign = "-" if whole < 0 else ""
    return f"{sign}£{abs(whole):,}{_UNIT_POUNDS_AND_SUFFIX[unit.value][1]}"


@dataclass(frozen=True)
class Portfolio:
    published: PublishedSection
    present_values: PresentValueSection
    claims: tuple[ClaimCheck, ...]


def present_value_net_benefits(appraisal: Appraisal) -> NetBenefits:
    """A full case's present values in the summary tables' columns: its costs charged to cashable."""
    return NetBenefits(appraisal.cashable - appraisal.pv_costs, appraisal.non_cashable, appraisal.npv_total)


def roll_up(cases: Sequence[Case | SummaryCase], claims: Sequence[Claim] = ()) -> Portfolio:
    """Appraise the full cases, total each section on its own, and check each claim against the published one."""
    summaries = tuple(case for case in cases if isinstance(case, SummaryCase))
    problems = [problem for summary in summaries for problem in check_summary_case(summary)]
    problems += [problem for claim in claims for problem in check_claim(claim)]
    if claims and not summaries:
        problems.append(Problem("claims", "A claim is checked against summary-only cases: give at least one"))
    if problems:
        raise InvalidInput(problems)
    published = PublishedSection(
        summaries,
        PublishedCosts(*(Money.total(summary.costs.parts()[key] for summary in summaries) for key in COST_KEYS)),
        add_up(summary.net_benefits for summary in summaries),
    )
    appraisals = tuple(appraise(case) for case in cases if isinstance(case, Case))
    checks = tuple(ClaimCheck(claim, published.net_benefits) for claim in claims)
    return Portfolio(published, _present_value_section(appraisals), checks)


def _present_value_section(appraisals: tuple[Appraisal, ...]) -> PresentValueSection:
    base_years = sorted({appraisal.first_year for appraisal in appraisals})
    if len(base_years) > 1:
        years = ", ".join(str(year) for year in base_years)
        reason = f"Not added: the cases are discounted to different first years ({years})"
        return PresentValueSection(appraisals, None, None, None, reason)
    costs = Money.total(appraisal.pv_costs for appraisal in appraisals)
    benefits = Money.total(appraisal.pv_benefits_total for appraisal in appraisals)
    net = add_up(present_value_net_benefits(appraisal) for appraisal in appraisals)
    return PresentValueSection(appraisals, costs, net, ratio(benefits, costs), None)


# Reading files: a full case, a summary-only case (`summary:`) or a claim (`claim:`)


def read_portfolio_file(text: str, filename: str) -> tuple[PortfolioFile | None, list[Problem]]:
    """The case or claim in a YAML or JSON file, or every problem with it, each naming file, line and key path."""
    reader = _SummaryReader(filename)
    root = reader.compose(text, when_empty="The file is empty: give a business case, a summary table or a claim")
    if root is None:
        return None, reader.problems
    keys = {key.value for key, _ in root.value if isinstance(key, ScalarNode)} if isinstance(root, MappingNode) else ()
    if "summary" not in keys and "claim" not in keys:
        return read_case(text, filename)
    record = reader.table(root, "summary" if "summary" in keys else "claim")
    return (None, reader.problems) if record is None or reader.problems else (record, [])


class _SummaryReader(LineNumberedReader):
    """Reads a summary table or a claim, keeping each value's node so the record's checks can name its line."""

    example = "name: Hub staff"

    def __init__(self, filename: str) -> None:
        super().__init__(filename)
        self.nodes: dict[str, Node] = {}

    def table(self, root: Node, block: str) -> SummaryCase | Claim | None:
        """A summary-only case (`block` is "summary") or a claim ("claim"): the same table, a claim without costs."""
        is_summary = block == "summary"
        what, file_keys, keys = (
            ("A summary-only case", SUMMARY_FILE_KEYS, SUMMARY_KEYS)
            if is_summary
            else ("A claim", CLAIM_FILE_KEYS, CLAIM_KEYS)
        )
        entries = self.mapping(root, "", file_keys, what)
        if entries is None:
            return None
        name_node = self.required(entries, root, "", "name", "Enter the name, like name: FBC4 Reducing Domestic Abuse")
        name = self.text(name_node, "name", "the name") if name_node is not None else None
        source = self.text(entries["source"][1], "source", "the source") if "source" in entries else None
        owner = entries[block][1]
        body = self.mapping(owner, block, keys, what)
        if body is None:
            return None
        unit, sign = self.unit_and_sign(body, owner, block)
        costs = self.figures(body, owner, block, "costs", COST_KEYS, unit, None) if is_summary else []
        net = self.figures(body, owner, block, "net_benefits", NET_BENEFIT_KEYS, unit, sign)
        if self.problems or name is None or unit is None or sign is None or costs is None or net is None:
            return None
        if is_summary:
            summary = SummaryCase(name, PublishedCosts(*costs), NetBenefits(*net), unit, sign, source or "")
            self.refuse_all(check_summary_case(summary))
            return summary
        claim = Claim(name, NetBenefits(*net), unit, sign, source or "")
        self.refuse_all(check_claim(claim))
        return claim

    def refuse_all(self, problems: Sequence[Problem]) -> None:
        for problem in problems:
            self.refuse(self.nodes[problem.where], problem.where, problem.message)

    def unit_and_sign(
        self, body: dict[str, tuple[Node, Node]], owner: Node, path: str
    ) -> tuple[Unit | None, NetBenefitSign | None]:
        unit_node = self.required(body, owner, path, "unit", "Enter the table's unit, like unit: \"£'000\"")
        sign_node = self.required(
            body, owner, path, "net_benefit_sign", "Say how the table prints a saving: net_benefit_sign: negative"
        )
        unit = self.one_of(unit_node, child(path, "unit"), Unit, "The unit") if unit_node is not None else None
        sign = None
        if sign_node is not None:
            sign = self.one_of(sign_node, child(path, "net_benefit_sign"), NetBenefitSign, "The net benefit sign")
        return unit, sign

    def one_of(self, node: Node, path: str, choices: type[Choice], what: str) -> Choice | None:
        text = self.scalar(node, path, what.lower())
        if text is None:
            return None
        try:
            return choices(text)
        except ValueError:
            self.refuse(node, path, f"{what} is one of {', '.join(choice.value for choice in choices)}, not '{text}'")
            return None

    def figures(
        self,
        body: dict[str, tuple[Node, Node]],
        owner: Node,
        path: str,
        key: str,
        keys: Sequence[str],
        unit: Unit | None,
        sign: NetBenefitSign | None,
    ) -> list[Money] | None:
        """The figures of one block, in pounds; net benefits turned so that a saving is positive."""
        block = self.required(body, owner, path, key, f"Give {key}: {', '.join(keys)}, as the table prints them")
        if block is None:
            return None
        at = child(path, key)
        entries = self.mapping(block, at, keys, f"The {key.replace('_', ' ')}")
        if entries is None:
            return None
        amounts: list[Money] = []
        for name in keys:
            node = self.required(entries, block, at, name, f"Enter {name}, as the table prints it")
            amount = self.figure(node, child(at, name), unit) if node is not None else None
            if amount is not None:
                amounts.append(-amount if sign is NetBenefitSign.NEGATIVE else amount)
        return amounts if len(amounts) == len(keys) else None

    def figure(self, node: Node, path: str, unit: Unit | None) -> Money | None:
        """A figure as the table prints it, like -87,587, in pounds once the unit is known."""
        self.nodes[path] = node
        text = self.scalar(node, path, "the figure")
        if text is None:
            return None
        value = decimal_of(text, amounts=True) if reasonable(text) else None
        if value is None:
            self.refuse(node, path, f"Write the figure as the table prints it, like -87,587, not '{text}'")
            return None
        if unit is None:
            return None
        try:
            return Money.from_pounds(value * unit.pounds)
        except MoneyError:
            self.refuse(node, path, f"{text} {unit} is not a whole number of pence: give fewer decimal places")
            return None


# JSON, as `wholeplace portfolio --format json` prints it

BASIS_LABELS = {
    Basis.PUBLISHED: "undiscounted figures as published, not present values",
    Basis.PRESENT_VALUE: "present values, each case discounted to its own first year",
}


def to_json(portfolio: Portfolio) -> dict[str, object]:
    """Money as strings in pounds to the penny, a saving positive; a BCR to 4 decimals; null where there is none."""
    published, present = portfolio.published, portfolio.present_values
    present_total = None
    if present.costs is not None and present.net_benefits is not None:
        present_total = {
            "costs": present.costs.plain(),
            "net_benefits": _plain(present.net_benefits.parts()),
            "bcr": ratio_text(present.bcr),
        }
    return {
        Basis.PUBLISHED.value: {
            "basis": BASIS_LABELS[Basis.PUBLISHED],
            "cases": [
                {
                    "name": case.name,
                    "source": case.source,
                    "unit": case.unit.value,
                    "net_benefit_sign": case.net_benefit_sign.value,
                    "costs": _plain(case.costs.parts() | {"total": case.costs.total}),
                    "net_benefits": _plain(case.net_benefits.parts()),
                }
                for case in published.cases
            ],
            "total": {
                "costs": _plain(published.costs.parts() | {"total": published.costs.total}),
                "net_benefits": _plain(published.net_benefits.parts()),
            },
        },
        Basis.PRESENT_VALUE.value: {
            "basis": BASIS_LABELS[Basis.PRESENT_VALUE],
            "cases": [
                {
                    "name": appraisal.name,
                    "first_year": str(appraisal.first_year),
                    "years": appraisal.years,
                    "discounting": appraisal.discounting,
                    "costs": appraisal.pv_costs.plain(),
                    "net_benefits": _plain(present_value_net_benefits(appraisal).parts()),
                    "npv": {"fiscal": appraisal.npv_fiscal.plain(), "total": appraisal.npv_total.plain()},
                    "bcr": ratio_text(appraisal.bcr),
                }
                for appraisal in present.appraisals
            ],
            "total": present_total,
            "not_added": present.not_added,
        },
        "claims": [
            {
                "name": check.claim.name,
                "source": check.claim.source,
                "unit": check.claim.unit.value,
                "claimed": _plain(check.claim.net_benefits.parts()),
                "computed": _plain(check.computed.parts()),
                "gap": _plain(check.gap.parts()),
                "agrees": check.agrees,
                "summary": check.describe(),
            }
            for check in portfolio.claims
        ],
    }


def _plain(amounts: dict[str, Money]) -> dict[str, str]:
    return {key: amount.plain() for key, amount in amounts.items()}
