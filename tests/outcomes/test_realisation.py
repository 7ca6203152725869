"""Benefits realisation of the demo's domestic abuse case (Cheshire West and Chester) on both databases.

The must-show: the forecast column equals `wholeplace appraise` on the same case, to the penny, and the realised
column is recomputed here by hand from the demo's measurements (demo/outcomes.py CHESHIRE_FIGURES against the
baselines of 640 repeat victims and 190 children in cheshire-domestic-abuse.yaml) at the unit values of the case
version the realisation appraises: version 2, the one with ranges (demo/business_cases.py)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import wholeplace
from wholeplace.appraisal import service as appraisal_service
from wholeplace.appraisal.case import BenefitKind
from wholeplace.appraisal.model import BusinessCase
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.cli import app
from wholeplace.demo.outcomes import CHESHIRE_FIGURES, DA_CASE, DA_PROJECT
from wholeplace.funds import ledger
from wholeplace.funds.model import Account
from wholeplace.money import FinancialYear, Money
from wholeplace.outcomes import realisation
from wholeplace.outcomes.benefits import Side
from wholeplace.outcomes.model import Baseline, Counting, Indicator, IndicatorLink, Measurement
from wholeplace.outcomes.periods import Period, PeriodKind
from wholeplace.partners.model import Area, AreaKind
from wholeplace.problems import InvalidInput, NotFound, Problem

VIEWER = Actor(None, "viewer@cheshirewestandchester.example", None, frozenset({Role.VIEWER}))
ANALYST = Actor(None, "analyst@cheshirewestandchester.example", None, frozenset({Role.ANALYST}))
DEMO_CASE_FILE = Path(wholeplace.__file__).parent / "demo" / "cases" / "domestic-abuse-hub.yaml"
YEARS = [FinancialYear(2013 + n) for n in range(5)]

COUNCIL = "Cheshire West and Chester Council"
POLICE = "Cheshire Constabulary"
PROBATION = "Cheshire Probation Trust"
NHS = "NHS West Cheshire Clinical Commissioning Group"
VICTIMS = "Victims and their families"
PARTNERS = [COUNCIL, POLICE, PROBATION, NHS, VICTIMS]

REPEAT_VICTIMS, CHILD_PLANS = "Fewer repeat victims", "Fewer children with a child protection plan"
# The 2012/13 baselines (cheshire-domestic-abuse.yaml) of the two indicators linked as reductions.
BASELINES = {"cwac-repeat-victims": 640, "cwac-child-protection": 190}
LINKED = {"cwac-repeat-victims": REPEAT_VICTIMS, "cwac-child-protection": CHILD_PLANS}
# The case's unit values for the two outcomes measured (the same in versions 1 and 2; version 2 changes the
# care placement's unit value, an outcome not measured): (beneficiary, kind, £ per outcome, cashable share).
UNIT_VALUES = {
    REPEAT_VICTIMS: [
        (POLICE, BenefitKind.FISCAL_CASHABLE, 4000, Decimal("0.25")),
        (NHS, BenefitKind.FISCAL_CASHABLE, 900, Decimal("0.3")),
        (VICTIMS, BenefitKind.SOCIAL, 3000, None),
    ],
    CHILD_PLANS: [(COUNCIL, BenefitKind.FISCAL_CASHABLE, 5000, Decimal("0.5"))],
}
# What the demo records as spent from the project, 2013/14 to 2017/18 (demo/outcomes.py `_benefits`).
SPEND = ["£1,640,000", "£1,985,000", "£1,996,000", "£1,970,000", "£1,990,000"]


def demo_case(session: Session) -> BusinessCase:
    return session.scalars(select(BusinessCase).where(BusinessCase.name == DA_CASE)).one()


def realised_of(session: Session) -> realisation.CaseRealisation:
    return realisation.case_realisation(session, VIEWER, business_case_id=demo_case(session).id)


def appraise_json(path: Path) -> list[dict[str, Any]]:
    result = CliRunner().invoke(app, ["appraise", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["flows"]


def pounds(amount: object) -> Money:
    return Money.from_pounds(Decimal(str(amount)))


def test_the_forecast_is_what_wholeplace_appraise_prints_for_the_same_case_to_the_penny(
    demo_session: Session, tmp_path: Path
) -> None:
    session = demo_session
    business_case = demo_case(session)
    found = realised_of(session)
    # The realisation appraises the current version: version 2, the one with ranges (at their central values).
    assert business_case.current.number == 2
    assert found.appraised.version.number == 2
    case_file = tmp_path / "domestic-abuse-hub-v2.yaml"
    case_file.write_text(business_case.current.source, encoding="utf-8")
    flows = appraise_json(case_file)
    assert [flow["year"] for flow in flows] == [str(year) for year in YEARS]
    assert [row.year for row in found.realisation.years] == YEARS
    for row, flow in zip(found.realisation.years, flows, strict=True):
        benefits = {kind: pounds(amount) for kind, amount in flow["benefits"].items()}
        assert set(benefits) == {kind.value for kind in BenefitKind}
        expected = Side(
            costs=pounds(flow["costs"]),
            cashable=benefits["fiscal_cashable"],
            non_cashable=benefits["fiscal_noncashable"] + benefits["economic"] + benefits["social"],
        )
        assert row.forecast == expected, row.year
    # §8's £2 million a year, plus 10% optimism bias, in every year: £2,200,000.00.
    assert {row.forecast.costs for row in found.realisation.years} == {Money.parse("£2,200,000.00")}
    # And it is the current version that counts: version 2's ranges are centred on version 1's figures (the mode
    # of a triangular or PERT) except engagement, uniform on 0.6 to 0.9, so 0.75 where version 1 has 0.8; version
    # 1 forecasts more: £396,628.36 of cashable benefits in 2013/14 against version 2's £371,839.09.
    first = appraise_json(DEMO_CASE_FILE)[0]
    assert pounds(first["benefits"]["fiscal_cashable"]) == Money.parse("£396,628.36")
    assert found.realisation.years[0].forecast.cashable == Money.parse("£371,839.09")


def test_the_outcomes_achieved_are_the_fall_below_each_baseline_year_by_year(demo_session: Session) -> None:
    session = demo_session
    found = realised_of(session)
    assert [(link.indicator.code, link.case_outcome, link.counting) for link in found.links] == [
        ("cwac-repeat-victims", REPEAT_VICTIMS, Counting.REDUCTION),
        ("cwac-child-protection", CHILD_PLANS, Counting.REDUCTION),
    ]
    # One figure a year, so each year's outcomes are the baseline less that year's figure:
    # repeat victims 640 - 585, 548, 530, 512, 505 = 55, 92, 110, 128, 135;
    # children      190 - 182, 171, 166, 158, 161 = 8, 19, 24, 32, 29.
    assert realisation.achieved(session, found.links) == {
        REPEAT_VICTIMS: dict(zip(YEARS, map(Decimal, [55, 92, 110, 128, 135]), strict=True)),
        CHILD_PLANS: dict(zip(YEARS, map(Decimal, [8, 19, 24, 32, 29]), strict=True)),
    }
    assert found.realisation.measured_outcomes == (REPEAT_VICTIMS, CHILD_PLANS)
    assert found.realisation.unmeasured_outcomes == (
        "Less re-offending by the abuser",
        "Fewer children taken into care",
    )


def by_hand(year: FinancialYear) -> dict[str, tuple[Money, Money]]:
    """Each partner's realised (cashable, non-cashable) in a year, from the demo's figures, done the long way."""
    exact: dict[tuple[str, bool], Decimal] = {}
    for code, outcome in LINKED.items():
        outcomes = BASELINES[code] - CHESHIRE_FIGURES[code][year.start_year - 2013]
        for partner, kind, unit_value, share in UNIT_VALUES[outcome]:
            pence = Decimal(outcomes * unit_value * 100)
            if kind is not BenefitKind.FISCAL_CASHABLE:
                cash = Decimal(0)  # social and economic values are never cash
            else:
                cash = pence * (share if share is not None else 1)
            exact[partner, True] = exact.get((partner, True), Decimal(0)) + cash
            exact[partner, False] = exact.get((partner, False), Decimal(0)) + pence - cash

    def rounded(partner: str, cash: bool) -> Money:  # half up, once per partner and kind
        return Money(int(exact.get((partner, cash), Decimal(0)).quantize(Decimal(1), ROUND_HALF_UP)))

    return {partner: (rounded(partner, True), rounded(partner, False)) for partner in PARTNERS}


def test_the_realised_column_is_the_measured_outcomes_at_the_cases_unit_values_by_hand(demo_session: Session) -> None:
    session = demo_session
    found = realised_of(session)
    case = found.appraised.case
    # The unit values used by hand are those of the version the realisation appraises.
    in_case = {
        outcome.name: [(b.beneficiary, b.kind, b.unit_value, b.cashable_share) for b in outcome.benefits]
        for outcome in case.outcomes
        if outcome.name in UNIT_VALUES
    }
    assert in_case == {
        name: [(who, kind, Money.from_pounds(value), share) for who, kind, value, share in rows]
        for name, rows in UNIT_VALUES.items()
    }
    # 2013/14: 55 fewer repeat victims and 8 fewer children with a plan.
    #   police   55 x £4,000 = £220,000: cashable x 0.25 = £55,000, non-cashable £165,000
    #   NHS      55 x £900   = £49,500:  cashable x 0.3  = £14,850, non-cashable £34,650
    #   victims  55 x £3,000 = £165,000 social, non-cashable
    #   council   8 x £5,000 = £40,000:  cashable x 0.5  = £20,000, non-cashable £20,000
    #   cashable £55,000 + £14,850 + £20,000 = £89,850;
    #   non-cashable £165,000 + £34,650 + £165,000 + £20,000 = £384,650.
    # Every year alike: cashable = 1,270 x victims + 2,500 x children (4,000 x 0.25 + 900 x 0.3 = 1,270;
    # 5,000 x 0.5), non-cashable = 6,630 x victims + 2,500 x children (3,000 + 630 + 3,000), in pounds:
    #   2014/15:  92, 19 -> £116,840 + £47,500 = £164,340;  £609,960 + £47,500 = £657,460
    #   2015/16: 110, 24 -> £139,700 + £60,000 = £199,700;  £729,300 + £60,000 = £789,300
    #   2016/17: 128, 32 -> £162,560 + £80,000 = £242,560;  £848,640 + £80,000 = £928,640
    #   2017/18: 135, 29 -> £171,450 + £72,500 = £243,950;  £895,050 + £72,500 = £967,550
    # Spend is the ledger's for the project in each year (all five years have begun).
    expected = [
        Side(Money.parse(spend), Money.parse(cashable), Money.parse(other))
        for spend, cashable, other in zip(
            SPEND,
            ["£89,850", "£164,340", "£199,700", "£242,560", "£243,950"],
            ["£384,650", "£657,460", "£789,300", "£928,640", "£967,550"],
            strict=True,
        )
    ]
    assert [row.realised for row in found.realisation.years] == expected
    for row in found.realisation.years:
        hand = by_hand(row.year)
        assert row.realised is not None
        assert row.realised.cashable == Money.total(cash for cash, _ in hand.values())
        assert row.realised.non_cashable == Money.total(other for _, other in hand.values())
        partners = {p.partner: p.realised for p in found.realisation.partners if p.year == row.year}
        assert {p: (side.cashable, side.non_cashable) for p, side in partners.items() if side} == hand
    first = {p.partner: p.realised for p in found.realisation.partners if p.year == YEARS[0]}
    assert {p: (s.cashable, s.non_cashable) for p, s in first.items() if s} == {
        COUNCIL: (Money.parse("£20,000"), Money.parse("£20,000")),
        POLICE: (Money.parse("£55,000"), Money.parse("£165,000")),
        PROBATION: (Money(0), Money(0)),  # less re-offending is not measured
        NHS: (Money.parse("£14,850"), Money.parse("£34,650")),
        VICTIMS: (Money(0), Money.parse("£165,000")),
    }


def test_spend_by_year_is_what_the_ledger_holds_as_spent_from_the_project(demo_session: Session) -> None:
    session = demo_session
    found = realised_of(session)
    assert [account.path for account in found.accounts] == [DA_PROJECT]
    assert realisation.spend_by_year(session, found.accounts) == {
        year: Money.parse(spend) for year, spend in zip(YEARS, SPEND, strict=True)
    }
    # 1,640,000 + 1,985,000 + 1,996,000 + 1,970,000 + 1,990,000 = 9,581,000 of the £10,000,000 put in.
    _, realised = found.realisation.to_date()
    assert realised.costs == Money.parse("£9,581,000")
    assert realisation.spend_by_year(session, []) == {}


def test_the_portfolio_lists_the_funded_demo_case_and_not_a_case_without_funding(demo_session: Session) -> None:
    session = demo_session
    unfunded = appraisal_service.add_case(session, Actor.console(), source=BURGLARY_CASE)
    listed = realisation.portfolio(session, VIEWER)
    assert [item.business_case.name for item in listed] == [DA_CASE]
    assert [item.realisation.name for item in listed] == [DA_CASE]
    with pytest.raises(NotFound, match="Target hardening in Tendring has no approved funding recorded"):
        realisation.case_realisation(session, VIEWER, business_case_id=unfunded.id)


BURGLARY_CASE = """\
name: Target hardening in Tendring
first_year: 2014/15
years: 2
partners: [Tendring District Council, Essex Police]
costs:
  - name: Locks and door chains fitted
    payer: Tendring District Council
    kind: revenue
    amount: 40000
cohort:
  size: 300
outcomes:
  - name: Fewer repeat burglaries
    success_rate: "0.2"
    benefits:
      - beneficiary: Essex Police
        kind: fiscal_cashable
        unit_value: 1200
        cashable_share: "0.25"
"""


def test_a_benefit_linked_to_an_outcome_the_case_does_not_have_is_refused_naming_its_outcomes(
    demo_session: Session,
) -> None:
    session = demo_session
    found = realised_of(session)
    indicator = session.scalars(select(Indicator).where(Indicator.code == "cwac-repeat-victims")).one()
    with pytest.raises(InvalidInput) as refused:
        realisation.link_benefit(
            session,
            ANALYST,
            indicator_id=indicator.id,
            business_case_id=found.business_case.id,
            case_outcome="Fewer repeat burglaries",
            area_id=found.links[0].area_id or 0,
            counting=Counting.REDUCTION,
        )
    assert refused.value.problems == [
        Problem(
            "case_outcome",
            "The case has no outcome 'Fewer repeat burglaries'. It has: Fewer repeat victims, "
            "Less re-offending by the abuser, Fewer children with a child protection plan, "
            "Fewer children taken into care",
        )
    ]
    assert len(realisation.benefit_links(session, found.business_case.id)) == 2


def test_funding_a_case_needs_a_theme_or_project_and_funding_it_twice_adds_nothing(demo_session: Session) -> None:
    session = demo_session
    found = realised_of(session)
    [project] = found.accounts
    pool = session.scalars(
        select(Account).where(Account.fund_id == project.fund_id, Account.path == "Pool:Unallocated")
    ).one()
    with pytest.raises(InvalidInput) as refused:
        realisation.fund_case(session, ANALYST, business_case_id=found.business_case.id, account_id=pool.id)
    assert refused.value.problems == [Problem("account", "Choose a theme or project account of a fund")]
    again = realisation.fund_case(session, ANALYST, business_case_id=found.business_case.id, account_id=project.id)
    assert again.account_id == project.id
    assert [account.path for account in realisation.funding_accounts(session, found.business_case.id)] == [DA_PROJECT]
    assert ledger.get_fund(session, VIEWER, project.fund_id).code == "cwac-da-2013-18"


def test_a_count_link_sums_a_years_figures_and_a_reduction_takes_them_from_the_baseline_each_period(
    demo_session: Session,
) -> None:
    session = demo_session
    found = realised_of(session)
    # Children taken into care, counted quarter by quarter (figures made up for the test), against a baseline
    # of 10 a quarter. Another area than the demo's own, so the demo's links are untouched.
    area = Area(code="E06000049", name="Cheshire East", kind=AreaKind.UNITARY)
    session.add(area)
    indicator = session.scalars(select(Indicator).where(Indicator.code == "cwac-child-protection")).one()
    session.flush()
    figures = {"2013/14 Q1": 3, "2013/14 Q2": 5, "2013/14 Q3": 4, "2013/14 Q4": 6, "2014/15 Q1": 7}
    for period, value in figures.items():
        starts = Period.parse(period)
        session.add(
            Measurement(
                indicator_id=indicator.id,
                area_id=area.id,
                period_start=starts.starts,
                period_kind=starts.kind,
                value=Decimal(value),
                source="Cheshire East children's services (made up for the test)",
                received_on=starts.ends + dt.timedelta(days=20),
                recorded_by=ANALYST.label,
            )
        )
    # A superseded revision is not counted.
    session.add(
        Measurement(
            indicator_id=indicator.id,
            area_id=area.id,
            period_start=Period.parse("2013/14 Q1").starts,
            period_kind=PeriodKind.QUARTER,
            value=Decimal(300),
            source="A typing slip, since corrected",
            received_on=dt.date(2013, 7, 10),
            revision=0,
            current=False,
            recorded_by=ANALYST.label,
        )
    )
    session.flush()

    def link(counting: Counting) -> list[IndicatorLink]:
        return [
            realisation.link_benefit(
                session,
                ANALYST,
                indicator_id=indicator.id,
                business_case_id=found.business_case.id,
                case_outcome="Fewer children taken into care",
                area_id=area.id,
                counting=counting,
            )
        ]

    # Count: 3 + 5 + 4 + 6 = 18 in 2013/14; 7 so far in 2014/15.
    assert realisation.achieved(session, link(Counting.COUNT)) == {
        "Fewer children taken into care": {FinancialYear(2013): Decimal(18), FinancialYear(2014): Decimal(7)}
    }
    reduction = link(Counting.REDUCTION)
    # A reduction with no baseline for the area counts nothing.
    assert realisation.achieved(session, reduction) == {"Fewer children taken into care": {}}
    session.add(
        Baseline(
            indicator_id=indicator.id,
            area_id=area.id,
            period_start=Period.parse("2012/13 Q4").starts,
            period_kind=PeriodKind.QUARTER,
            value=Decimal(10),
        )
    )
    session.flush()
    # Reduction: 10 x 4 quarters - 18 = 22 in 2013/14; 10 x 1 - 7 = 3 in 2014/15.
    assert realisation.achieved(session, reduction) == {
        "Fewer children taken into care": {FinancialYear(2013): Decimal(22), FinancialYear(2014): Decimal(3)}
    }
