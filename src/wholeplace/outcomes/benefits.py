"""Benefits realisation: a business case's forecast beside what came, year by year and partner by partner.
Pure: no database, no clock.

- Forecast: the case's own appraisal. Each year's costs and benefits by kind are `wholeplace appraise`'s
  undiscounted figures for that year, to the penny; a partner's share of a year is apportioned from the
  appraisal's flows by payer and by beneficiary, so the parts add up to the year.
- Realised: outcomes measured (per case outcome, per year) valued with the case's own unit values and
  cashable shares, each kind's total rounded half up to the penny once; costs are the spend the ledger holds
  for the case's project in that year. The ledger records spend by project, not by payer, so a year's spend
  is split between payers in the shares the case forecast for that year.
- Cashable is fiscal cashable; non-cashable is everything else (fiscal non-cashable, economic and social), as
  the appraisal splits it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from wholeplace.appraisal.case import BenefitKind, Case, case_partners
from wholeplace.appraisal.flows import Flows, flows
from wholeplace.appraisal.results import Appraisal
from wholeplace.money import FinancialYear, Money, apportion

Achieved = Mapping[str, Mapping[FinancialYear, Decimal]]  # case outcome name -> year -> outcomes measured


@dataclass(frozen=True)
class Side:
    """Costs and benefits of one year (or one partner in one year), benefits split cashable and not."""

    costs: Money
    cashable: Money
    non_cashable: Money

    @property
    def benefits(self) -> Money:
        return self.cashable + self.non_cashable

    @property
    def net(self) -> Money:
        return self.benefits - self.costs

    def __sub__(self, other: Side) -> Side:
        return Side(self.costs - other.costs, self.cashable - other.cashable, self.non_cashable - other.non_cashable)

    def __add__(self, other: Side) -> Side:
        return Side(self.costs + other.costs, self.cashable + other.cashable, self.non_cashable + other.non_cashable)


NOTHING = Side(Money(0), Money(0), Money(0))


@dataclass(frozen=True)
class YearRow:
    year: FinancialYear
    forecast: Side
    realised: Side | None  # None for a year not yet begun

    @property
    def gap(self) -> Side | None:
        return self.realised - self.forecast if self.realised else None


@dataclass(frozen=True)
class PartnerRow:
    partner: str
    year: FinancialYear
    forecast: Side
    realised: Side | None

    @property
    def gap(self) -> Side | None:
        return self.realised - self.forecast if self.realised else None


@dataclass(frozen=True)
class Realisation:
    name: str
    years: tuple[YearRow, ...]
    partners: tuple[PartnerRow, ...]
    measured_outcomes: tuple[str, ...]  # the case outcomes that have a measure linked
    unmeasured_outcomes: tuple[str, ...] = field(default=())

    def to_date(self) -> tuple[Side, Side]:
        """Forecast and realised summed over the years begun."""
        begun = [row for row in self.years if row.realised is not None]
        forecast = sum((row.forecast for row in begun), NOTHING)
        realised = sum((row.realised for row in begun if row.realised), NOTHING)
        return forecast, realised

    def partner_totals(self) -> list[tuple[str, Side, Side]]:
        """Each partner's forecast and realised, over the years begun."""
        totals: dict[str, tuple[Side, Side]] = {}
        for row in self.partners:
            if row.realised is None:
                continue
            forecast, realised = totals.get(row.partner, (NOTHING, NOTHING))
            totals[row.partner] = (forecast + row.forecast, realised + row.realised)
        return [(partner, forecast, realised) for partner, (forecast, realised) in totals.items()]


def realise(
    case: Case,
    appraisal: Appraisal,
    *,
    achieved: Achieved,
    spend: Mapping[FinancialYear, Money],
    current_year: FinancialYear,
) -> Realisation:
    """The forecast and the realised for each year and partner; years after `current_year` have no realised."""
    found = flows(case)
    partners = case_partners(case)
    year_rows = []
    partner_rows = []
    for index, flow in enumerate(appraisal.flows):
        cashable = flow.benefits[BenefitKind.FISCAL_CASHABLE]
        forecast = Side(flow.costs, cashable, Money.total(flow.benefits.values()) - cashable)
        begun = flow.year <= current_year
        realised_by_partner = _realised_by_partner(case, achieved, flow.year, partners) if begun else {}
        cost_shares = _cost_weights(case, found, index, partners)
        year_spend = spend.get(flow.year, Money(0))
        realised_costs = dict(zip(partners, _split(year_spend, cost_shares), strict=True))
        forecast_by_partner = _forecast_by_partner(case, found, index, partners, forecast)
        for partner in partners:
            partner_realised = None
            if begun:
                cashable_part, other_part = realised_by_partner.get(partner, (Money(0), Money(0)))
                partner_realised = Side(realised_costs[partner], cashable_part, other_part)
            partner_rows.append(PartnerRow(partner, flow.year, forecast_by_partner[partner], partner_realised))
        realised = None
        if begun:
            realised = Side(
                year_spend,
                Money.total(realised_by_partner.get(p, (Money(0), Money(0)))[0] for p in partners),
                Money.total(realised_by_partner.get(p, (Money(0), Money(0)))[1] for p in partners),
            )
        year_rows.append(YearRow(flow.year, forecast, realised))
    names = [outcome.name for outcome in case.outcomes]
    return Realisation(
        case.name,
        tuple(year_rows),
        tuple(partner_rows),
        tuple(name for name in names if name in achieved),
        tuple(name for name in names if name not in achieved),
    )


def valued(case: Case, achieved: Achieved, year: FinancialYear) -> dict[tuple[str, BenefitKind], Decimal]:
    """Exact pence by beneficiary and kind of the outcomes measured in a year, at the case's unit values."""
    exact: dict[tuple[str, BenefitKind], Decimal] = {}
    for outcome in case.outcomes:
        count = achieved.get(outcome.name, {}).get(year)
        if count is None:
            continue
        for benefit in outcome.benefits:
            value = count * benefit.unit_value.pence
            if benefit.kind is BenefitKind.FISCAL_CASHABLE and benefit.cashable_share is not None:
                parts = [
                    (BenefitKind.FISCAL_CASHABLE, benefit.cashable_share),
                    (BenefitKind.FISCAL_NONCASHABLE, 1 - benefit.cashable_share),
                ]
            else:
                parts = [(benefit.kind, Decimal(1))]
            for kind, share in parts:
                key = (benefit.beneficiary, kind)
                exact[key] = exact.get(key, Decimal(0)) + value * share
    return exact


def _realised_by_partner(
    case: Case, achieved: Achieved, year: FinancialYear, partners: Sequence[str]
) -> dict[str, tuple[Money, Money]]:
    """Each partner's realised cashable and non-cashable benefits, each rounded half up to the penny once."""
    exact = valued(case, achieved, year)
    result = {}
    for partner in partners:
        cashable = sum(
            (v for (p, k), v in exact.items() if p == partner and k is BenefitKind.FISCAL_CASHABLE), Decimal(0)
        )
        other = sum(
            (v for (p, k), v in exact.items() if p == partner and k is not BenefitKind.FISCAL_CASHABLE), Decimal(0)
        )
        result[partner] = (_pence(cashable), _pence(other))
    return result


def _pence(exact: Decimal) -> Money:
    return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def _cost_weights(case: Case, found: Flows, year: int, partners: Sequence[str]) -> list[Decimal]:
    weights = dict.fromkeys(partners, Decimal(0))
    for line, row in zip(case.costs, found.costs, strict=True):
        weights[line.payer] += Decimal(repr(float(row[year])))
    return [weights[partner] for partner in partners]


def _forecast_by_partner(case: Case, found: Flows, year: int, partners: Sequence[str], total: Side) -> dict[str, Side]:
    costs = _split(total.costs, _cost_weights(case, found, year, partners))
    cashable_weights = dict.fromkeys(partners, Decimal(0))
    other_weights = dict.fromkeys(partners, Decimal(0))
    for row, values in zip(found.benefit_rows, found.benefits, strict=True):
        target = cashable_weights if row.kind is BenefitKind.FISCAL_CASHABLE else other_weights
        target[row.beneficiary] += Decimal(repr(float(values[year])))
    cashable = _split(total.cashable, [cashable_weights[p] for p in partners])
    other = _split(total.non_cashable, [other_weights[p] for p in partners])
    return {p: Side(costs[i], cashable[i], other[i]) for i, p in enumerate(partners)}


def _split(total: Money, weights: Sequence[Decimal]) -> list[Money]:
    """A total split by weights so the parts add up; with no weights, it all sits with no one but the first."""
    clean = [max(weight, Decimal(0)) for weight in weights]
    if not any(clean):
        return [total] + [Money(0)] * (len(clean) - 1) if clean else []
    return apportion(total, clean)
