"""A case appraised: present values, ratios, payback, every partner's position and the year-by-year flows.

Money is turned into whole pence once, at the top (`rounding.to_pence`), and every split of a rounded total
goes through `money.apportion` so the parts add up to it exactly. Pure: no database, no clock, no printing.
Formulas and sources: docs/methodology.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

import numpy as np

from wholeplace.appraisal.case import FISCAL, BenefitKind, Case, CostKind, case_partners
from wholeplace.appraisal.flows import FloatArray, Flows, flows
from wholeplace.appraisal.rounding import ratio, ratio_text, rounded, to_pence
from wholeplace.money import FinancialYear, Money, apportion

Key = TypeVar("Key")


@dataclass(frozen=True)
class PartnerPosition:
    """What one partner pays and gains, in present values, and the fiscal part of its gains.

    Partners' benefits are split from the rounded total and their fiscal benefits from the rounded fiscal
    total, each adding up exactly; so a partner's two figures can differ by a penny where its exact ones agree.
    """

    partner: str
    pv_costs: Money
    pv_benefits: Money
    pv_fiscal_benefits: Money

    @property
    def net(self) -> Money:
        return self.pv_benefits - self.pv_costs


@dataclass(frozen=True)
class YearFlow:
    """One year: undiscounted costs and benefits (each rounded on its own), and discounted ones that add up."""

    year: FinancialYear
    discount_factor: Decimal
    costs: Money
    benefits: Mapping[BenefitKind, Money] = field(hash=False)
    pv_costs: Money
    pv_fiscal_benefits: Money
    pv_benefits: Money
    cumulative_pv_costs: Money
    cumulative_pv_fiscal_benefits: Money


@dataclass(frozen=True)
class Appraisal:
    """Present values in pence. Totals are their exact values rounded half-up; parts add up to them exactly."""

    name: str
    first_year: FinancialYear
    years: int
    discounting: str
    pv_costs: Money
    pv_costs_by_kind: Mapping[CostKind, Money] = field(hash=False)
    pv_costs_by_payer: Mapping[str, Money] = field(hash=False)
    pv_benefits: Mapping[BenefitKind, Money] = field(hash=False)
    pv_benefits_total: Money
    bcr: Decimal | None  # all benefits / costs; None when there are no costs
    financial_roi: Decimal | None  # fiscal benefits / costs, read against 1
    payback_year: FinancialYear | None
    by_partner: tuple[PartnerPosition, ...]
    flows: tuple[YearFlow, ...]

    @property
    def pv_fiscal_benefits(self) -> Money:
        return Money.total(self.pv_benefits[kind] for kind in FISCAL)

    @property
    def npv_fiscal(self) -> Money:
        return self.pv_fiscal_benefits - self.pv_costs

    @property
    def npv_total(self) -> Money:
        return self.pv_benefits_total - self.pv_costs

    @property
    def public_value_roi(self) -> Decimal | None:
        """All benefits / costs: by the method's definitions the same figure as the BCR."""
        return self.bcr

    @property
    def cashable(self) -> Money:
        return self.pv_benefits[BenefitKind.FISCAL_CASHABLE]

    @property
    def non_cashable(self) -> Money:
        """Everything that is not cash: non-cashable fiscal, economic and social (as seed 004 §3.9 splits £414m)."""
        return self.pv_benefits_total - self.cashable


def appraise(case: Case) -> Appraisal:
    """Present values, ratios, payback and every partner's position for a case.

    Rounded once, at the top: costs, fiscal benefits and all benefits are each their exact present value
    rounded half-up (all benefits as fiscal plus the rest, so it is never below fiscal); every split below
    them is apportioned so it adds up exactly. Both NPVs then move with the inputs the way the exact
    values do, and never by a stray penny of rounding.
    """
    found = flows(case)
    fiscal = np.array([row.kind in FISCAL for row in found.benefit_rows], dtype=bool)
    cost_pvs = found.discounted_costs.sum(axis=1)
    benefit_pvs = found.discounted_benefits.sum(axis=1)
    exact_fiscal = float(benefit_pvs[fiscal].sum())
    pv_costs = to_pence(float(cost_pvs.sum()))
    fiscal_total = to_pence(exact_fiscal)
    pv_benefits_total = to_pence(exact_fiscal + float(benefit_pvs[~fiscal].sum()))
    kinds = [row.kind for row in found.benefit_rows]
    benefits = _split_by(fiscal_total, [k for k in kinds if k in FISCAL], benefit_pvs[fiscal], FISCAL)
    benefits |= _split_by(
        pv_benefits_total - fiscal_total,
        [k for k in kinds if k not in FISCAL],
        benefit_pvs[~fiscal],
        (BenefitKind.ECONOMIC, BenefitKind.SOCIAL),
    )
    by_kind = _split_by(pv_costs, [line.kind for line in case.costs], cost_pvs, list(CostKind))
    partners = case_partners(case)
    by_payer = _split_by(pv_costs, [line.payer for line in case.costs], cost_pvs, partners)
    received = _split_by(pv_benefits_total, [row.beneficiary for row in found.benefit_rows], benefit_pvs, partners)
    fiscal_beneficiaries = [row.beneficiary for row in found.benefit_rows if row.kind in FISCAL]
    received_fiscal = _split_by(fiscal_total, fiscal_beneficiaries, benefit_pvs[fiscal], partners)
    year_flows = _year_flows(case, found, pv_costs, pv_benefits_total, fiscal_total)
    return Appraisal(
        name=case.name,
        first_year=case.first_year,
        years=case.years,
        discounting=case.discounting.describe(),
        pv_costs=pv_costs,
        pv_costs_by_kind=by_kind,
        pv_costs_by_payer=by_payer,
        pv_benefits=benefits,
        pv_benefits_total=pv_benefits_total,
        bcr=ratio(pv_benefits_total, pv_costs),
        financial_roi=ratio(fiscal_total, pv_costs),
        payback_year=_payback_year(year_flows),
        by_partner=tuple(
            PartnerPosition(name, by_payer[name], received[name], received_fiscal[name]) for name in partners
        ),
        flows=year_flows,
    )


def _split_by(total: Money, keys: Sequence[Key], exact: FloatArray, order: Iterable[Key]) -> dict[Key, Money]:
    """Split a rounded total between keys in proportion to their exact present values (largest remainder)."""
    order = list(order)
    weights = [0.0] * len(order)
    for key, value in zip(keys, exact.tolist(), strict=True):
        weights[order.index(key)] += value
    return dict(zip(order, _apportion(total, weights), strict=True))


def _apportion(total: Money, weights: Sequence[float]) -> list[Money]:
    clean = [Decimal(max(weight, 0.0)) for weight in weights]
    if not any(clean):
        assert total.pence == 0, "a total of nothing rounds to nothing"
        return [Money(0)] * len(clean)
    return apportion(total, clean)


def _year_flows(
    case: Case, found: Flows, pv_costs: Money, pv_benefits: Money, pv_fiscal: Money
) -> tuple[YearFlow, ...]:
    fiscal_rows = np.array([row.kind in FISCAL for row in found.benefit_rows], dtype=bool)
    discounted_costs = _apportion(pv_costs, found.discounted_costs.sum(axis=0).tolist())
    discounted_benefits = _apportion(pv_benefits, found.discounted_benefits.sum(axis=0).tolist())
    discounted_fiscal = _apportion(pv_fiscal, found.discounted_benefits[fiscal_rows].sum(axis=0).tolist())
    costs = found.costs.sum(axis=0)
    kind_rows = {kind: np.array([row.kind is kind for row in found.benefit_rows], dtype=bool) for kind in BenefitKind}
    year_flows = []
    cumulative_costs = cumulative_fiscal = Money(0)
    for year in range(case.years):
        cumulative_costs += discounted_costs[year]
        cumulative_fiscal += discounted_fiscal[year]
        benefits = {kind: to_pence(float(found.benefits[rows, year].sum())) for kind, rows in kind_rows.items()}
        year_flows.append(
            YearFlow(
                year=case.first_year + year,
                discount_factor=rounded(float(found.factors[year]), "0.000001"),
                costs=to_pence(float(costs[year])),
                benefits=benefits,
                pv_costs=discounted_costs[year],
                pv_fiscal_benefits=discounted_fiscal[year],
                pv_benefits=discounted_benefits[year],
                cumulative_pv_costs=cumulative_costs,
                cumulative_pv_fiscal_benefits=cumulative_fiscal,
            )
        )
    return tuple(year_flows)


def _payback_year(year_flows: Sequence[YearFlow]) -> FinancialYear | None:
    """The first year, once there are costs, that cumulative discounted fiscal benefits reach cumulative costs."""
    for flow in year_flows:
        if flow.cumulative_pv_costs.pence > 0 and flow.cumulative_pv_fiscal_benefits >= flow.cumulative_pv_costs:
            return flow.year
    return None


# JSON, as `wholeplace appraise --format json` prints it


def to_json(appraisal: Appraisal) -> dict[str, object]:
    """Money as strings to the penny, ratios to 4 decimals, years as 2013/14; null where there is none."""
    return {
        "name": appraisal.name,
        "first_year": str(appraisal.first_year),
        "years": appraisal.years,
        "discounting": appraisal.discounting,
        "npv": {"fiscal": appraisal.npv_fiscal.plain(), "total": appraisal.npv_total.plain()},
        "pv_costs": appraisal.pv_costs.plain(),
        "pv_costs_by_kind": {kind.value: amount.plain() for kind, amount in appraisal.pv_costs_by_kind.items()},
        "pv_benefits": {kind.value: amount.plain() for kind, amount in appraisal.pv_benefits.items()},
        "pv_benefits_total": appraisal.pv_benefits_total.plain(),
        "cashable": {"cashable": appraisal.cashable.plain(), "non_cashable": appraisal.non_cashable.plain()},
        "bcr": ratio_text(appraisal.bcr),
        "financial_roi": ratio_text(appraisal.financial_roi),
        "public_value_roi": ratio_text(appraisal.public_value_roi),
        "payback_year": str(appraisal.payback_year) if appraisal.payback_year else None,
        "by_partner": [
            {
                "partner": position.partner,
                "pv_costs": position.pv_costs.plain(),
                "pv_benefits": position.pv_benefits.plain(),
                "net": position.net.plain(),
                "pv_fiscal_benefits": position.pv_fiscal_benefits.plain(),
            }
            for position in appraisal.by_partner
        ],
        "flows": [
            {
                "year": str(flow.year),
                "discount_factor": format(flow.discount_factor, "f"),
                "costs": flow.costs.plain(),
                "benefits": {kind.value: amount.plain() for kind, amount in flow.benefits.items()},
                "pv_costs": flow.pv_costs.plain(),
                "pv_fiscal_benefits": flow.pv_fiscal_benefits.plain(),
                "pv_benefits": flow.pv_benefits.plain(),
                "cumulative_pv_costs": flow.cumulative_pv_costs.plain(),
                "cumulative_pv_fiscal_benefits": flow.cumulative_pv_fiscal_benefits.plain(),
            }
            for flow in appraisal.flows
        ],
    }
