"""The demo's outcomes: Safer Essex's indicators with the year of change its minutes of 10 March 2011 report,
the WECB outcomes quarter by quarter, returns for the PCC's 2013/14 grants, benefits realisation for the
domestic abuse business case (Cheshire West and Chester, from the LGA board paper), and a families
payment-by-results scheme over the synthetic casework cohort, with claims.

Every count here is ILLUSTRATIVE and SYNTHETIC, drawn from a fixed seed, except the four changes Safer Essex
published (all crime -7%, domestic burglary -5%, serious acquisitive crime -4%, ASB -10.5%), which Essex's
figures reproduce exactly. Measurements go in through the same importer users use.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.appraisal.model import BusinessCase
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.business_dates import today
from wholeplace.cases.model import Case, CaseKind, CaseMember
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision
from wholeplace.decisions.service import DecisionIn, RecommendationIn, Signature
from wholeplace.demo.funds import CSP_WEIGHTS_2010_11, decided
from wholeplace.files.tables import Row, Table
from wholeplace.funds import ledger
from wholeplace.funds.model import Account, Fund
from wholeplace.money import FinancialYear, Money, apportion
from wholeplace.outcomes import frameworks, grants, measurements, realisation, scheme_files, schemes
from wholeplace.outcomes.model import (
    Baseline,
    Counting,
    Framework,
    Indicator,
    Target,
)
from wholeplace.outcomes.periods import Period
from wholeplace.partners import service as partners_service
from wholeplace.partners.model import Area, AreaKind

DATA = Path(__file__).resolve().parent / "outcomes"
SEED = 2013
ESSEX = "Essex"
CHESHIRE = ("E06000050", "Cheshire West and Chester")
DA_CASE = "Domestic abuse — integrated early support (Cheshire West and Chester)"
DA_PROJECT = "Themes:Domestic Abuse:Integrated Early Support"
FAMILIES_PROJECT = "Themes:Families with Complex Needs:Payment by Results"

# Essex, 2009/10 (ILLUSTRATIVE counts) and the change Safer Essex reported for the following 12 months.
SAFER_ESSEX = {
    "all-crime": (105_000, Decimal("-0.07")),
    "domestic-burglary": (4_200, Decimal("-0.05")),
    "serious-acquisitive-crime": (12_500, Decimal("-0.04")),
    "anti-social-behaviour": (62_000, Decimal("-0.105")),
}
TARGET_QUARTER = Period.quarter(FinancialYear(2014), 1)  # the WECB targets stand from 2014/15 Q1
BASELINE_YEAR = FinancialYear(2009)  # Safer Essex's change is 2010/11 against 2009/10


def load_demo_outcomes(session: Session, actor: Actor) -> int:
    """Load the outcomes demo unless it is there; returns how many measurements were imported."""
    if session.scalar(select(Framework.id).where(Framework.code == "safer-essex")) is not None:
        return 0
    acting = Actor(actor.user_id, actor.label, actor.organisation_id, actor.roles | set(Role))
    _cheshire(session, acting)
    for name in ("safer-essex.yaml", "wecb.yaml", "cheshire-domestic-abuse.yaml"):
        frameworks.load_framework(session, acting, text=(DATA / name).read_text(encoding="utf-8"), filename=name)
    session.flush()
    rows = _safer_essex_rows(session) + _wecb_rows(session) + _cheshire_rows()
    header = ["indicator", "area", "period", "value", "count", "source", "received_on"]
    table = Table("demo-measurements", tuple(header), tuple(Row(n, tuple(r)) for n, r in enumerate(rows, start=2)))
    report = measurements.import_table(session, acting, table)
    _revise_one(session, acting)
    _grant_returns(session, acting)
    _benefits(session, acting)
    _families_scheme(session, acting)
    return report.new


def _cheshire(session: Session, actor: Actor) -> None:
    """The seed 002 case's place and partners, there for its benefits realisation only."""
    if session.scalar(select(Area).where(Area.code == CHESHIRE[0])) is None:
        session.add(Area(code=CHESHIRE[0], name=CHESHIRE[1], kind=AreaKind.UNITARY))
        session.flush()
    partners_file = DATA / "cheshire-partners.csv"
    partners_service.import_organisations(
        session, actor, text=partners_file.read_text(encoding="utf-8"), filename=partners_file.name
    )


def _essex_areas(session: Session) -> tuple[Area, list[Area]]:
    county = session.scalar(select(Area).where(Area.name == ESSEX))
    assert county is not None, "load the demo areas first"
    districts = [session.scalar(select(Area).where(Area.name == name)) for name in CSP_WEIGHTS_2010_11]
    return county, [district for district in districts if district is not None]


def _split(total: int, weights: list[Decimal]) -> list[int]:
    return [part.pence for part in apportion(Money(total), weights)]


def _safer_essex_rows(session: Session) -> list[list[str]]:
    """Essex and its 12 districts, 2008/09 to 2010/11, the year the minutes report; districts add up to Essex."""
    county, districts = _essex_areas(session)
    rng = random.Random(SEED)
    weights = [Decimal(CSP_WEIGHTS_2010_11[district.name]) for district in districts]
    rows = []
    for code, (base, change) in SAFER_ESSEX.items():
        totals = {
            FinancialYear(2008): round(base * 1.03),
            FinancialYear(2009): base,
            FinancialYear(2010): int((base * (1 + change)).to_integral_value(ROUND_HALF_UP)),
        }
        indicator = _indicator(session, code)
        for year, total in totals.items():
            wobble = [w * Decimal(str(round(rng.uniform(0.92, 1.08), 3))) for w in weights]
            parts = _split(total, wobble if year != BASELINE_YEAR else weights)
            received = str(year.ends + dt.timedelta(days=20))
            for area, value in [(county, total), *zip(districts, parts, strict=True)]:
                rows.append([code, area.code, str(year), str(value), "", "Essex Police (synthetic)", received])
                if year == BASELINE_YEAR:
                    session.add(_baseline(indicator, area, Period.year(year), Decimal(value)))
                    # ILLUSTRATIVE target for 2010/11: 5% below the baseline
                    target = (Decimal(value) * Decimal("0.95")).to_integral_value(ROUND_HALF_UP)
                    session.add(_target(indicator, area, Period.year(FinancialYear(2010)), target))
    return rows


def _indicator(session: Session, code: str) -> Indicator:
    indicator = session.scalar(select(Indicator).where(Indicator.code == code))
    assert indicator is not None, code
    return indicator


def _baseline(indicator: Indicator, area: Area, period: Period, value: Decimal) -> Baseline:
    return Baseline(
        indicator_id=indicator.id,
        area_id=area.id,
        period_start=period.starts,
        period_kind=period.kind,
        value=value,
        source="Synthetic demo figure",
    )


def _quarters(first: FinancialYear, count: int) -> Iterator[Period]:
    period = Period.quarter(first, 1)
    for _ in range(count):
        yield period
        period = period.next()


# WECB quarterly indicators: (baseline rate or count, where it ends after three years, target at the end,
# typical cases per district per quarter for a rate)
WECB = {
    "reoffending": (Decimal("38"), Decimal("31"), Decimal("30"), 28),
    "repeat-da-victims": (Decimal("27"), Decimal("23.5"), Decimal("22"), 22),
    "families-turned-around": (Decimal("4"), Decimal("11"), Decimal("10"), None),
    "neet-16-18": (Decimal("6.4"), Decimal("5.1"), Decimal("5.0"), 900),
}


def _wecb_rows(session: Session) -> list[list[str]]:
    """12 quarters from 2012/13 Q1 for Essex and its districts: rates with the cases they are on, and counts."""
    county, districts = _essex_areas(session)
    rng = random.Random(SEED + 1)
    rows = []
    quarters = list(_quarters(FinancialYear(2012), 12))
    for code, (start, end, target, cases) in WECB.items():
        indicator = _indicator(session, code)
        district_rows: list[tuple[Area, Period, Decimal, int | None]] = []
        for district in districts:
            size = Decimal(CSP_WEIGHTS_2010_11[district.name]) / Decimal(100_000)
            lean = Decimal(str(round(rng.uniform(-0.12, 0.12), 3)))
            for step, quarter in enumerate(quarters):
                level = start + (end - start) * Decimal(step) / Decimal(len(quarters) - 1)
                noise = Decimal(str(round(rng.uniform(-0.06, 0.06), 3)))
                if cases is None:  # a count of families, scaled to the district
                    value = (level * size * (1 + lean + noise)).to_integral_value(ROUND_HALF_UP)
                    district_rows.append((district, quarter, value, None))
                else:
                    on = max(8, int(cases * size * Decimal(str(rng.uniform(0.5, 1.3)))))
                    value = (level * (1 + lean + noise)).quantize(Decimal("0.1"), ROUND_HALF_UP)
                    district_rows.append((district, quarter, value, on))
            session.add(_baseline(indicator, district, quarters[0], _first(district_rows, district)))
            session.add(_target(indicator, district, TARGET_QUARTER, target * size if cases is None else target))
        for area, quarter, value, on in district_rows:
            rows.append(
                [
                    code,
                    area.code,
                    str(quarter),
                    format(value, "f"),
                    "" if on is None else str(on),
                    "WECB partners (synthetic)",
                    str(quarter.ends + dt.timedelta(days=20)),
                ]
            )
        for quarter in quarters:  # Essex: the sum of districts' counts, or the rate over all their cases
            here = [(value, on) for _area, period, value, on in district_rows if period == quarter]
            if cases is None:
                value, on = sum((v for v, _ in here), Decimal(0)), None
            else:
                on = sum(o or 0 for _, o in here)
                value = (sum((v * (o or 0) for v, o in here), Decimal(0)) / on).quantize(Decimal("0.1"), ROUND_HALF_UP)
            rows.append(
                [
                    code,
                    county.code,
                    str(quarter),
                    format(value, "f"),
                    "" if on is None else str(on),
                    "WECB partners (synthetic)",
                    str(quarter.ends + dt.timedelta(days=20)),
                ]
            )
            if quarter == quarters[0]:
                session.add(_baseline(indicator, county, quarter, value))
        whole = target * sum((Decimal(w) for w in CSP_WEIGHTS_2010_11.values()), Decimal(0)) / Decimal(100_000)
        session.add(_target(indicator, county, TARGET_QUARTER, whole.quantize(Decimal(1)) if cases is None else target))
    return rows


def _first(rows: list[tuple[Area, Period, Decimal, int | None]], area: Area) -> Decimal:
    return next(value for where, _period, value, _on in rows if where is area)


def _target(indicator: Indicator, area: Area, period: Period, value: Decimal) -> Target:
    """A target from `period` on (a standing one until the next), to one decimal place."""
    return Target(
        indicator_id=indicator.id,
        area_id=area.id,
        period_start=period.starts,
        period_kind=period.kind,
        value=value.quantize(Decimal("0.1"), ROUND_HALF_UP),
    )


# Cheshire West and Chester, 2013/14 to 2017/18 (ILLUSTRATIVE): repeat victims and children with a plan fall
# from their 2012/13 baselines of 640 and 190.
CHESHIRE_FIGURES = {
    "cwac-repeat-victims": [585, 548, 530, 512, 505],
    "cwac-child-protection": [182, 171, 166, 158, 161],
}


def _cheshire_rows() -> list[list[str]]:
    return [
        [
            code,
            CHESHIRE[0],
            str(FinancialYear(2013 + index)),
            str(value),
            "",
            "Cheshire partners (synthetic)",
            f"{2014 + index}-05-15",
        ]
        for code, values in CHESHIRE_FIGURES.items()
        for index, value in enumerate(values)
    ]


def _revise_one(session: Session, actor: Actor) -> None:
    """A recording audit moved 112 of 2010/11's crimes from Basildon to Tendring: both districts' figures are
    revised (the first ones kept), and Essex's total, the published change, stays as it was."""
    lookup = measurements.Lookup(session)
    indicator = _indicator(session, "all-crime")
    for name, moved in (("Tendring", 112), ("Basildon", -112)):
        area = lookup.area(name)
        assert area is not None
        held = measurements.history(session, actor, indicator_id=indicator.id, area_id=area.id)
        first = next(m for m in held if m.period == Period.year(FinancialYear(2010)))
        measurements.record(
            session,
            actor,
            measurements.Figure(
                indicator,
                area,
                first.period,
                first.value + moved,
                None,
                "Essex Police (synthetic), after a crime recording audit",
                dt.date(2011, 6, 14),
                "The recording audit of May 2011 found 112 crimes recorded against Basildon that were in Tendring",
            ),
        )
    session.flush()


# Spend to date each grant reports, by quarter, beside what the ledger holds (ILLUSTRATIVE). None: no return.
RETURNS = {
    "Themes:Reducing Re-offending:IOM Performance Analyst": [
        ("2013/14 Q2", "8750", 14),
        ("2013/14 Q3", "17500", 28),
        ("2013/14 Q4", "26250", 25),
    ],
    "Themes:Reducing Re-offending:Link Workers": [
        ("2013/14 Q2", "0", 20),
        ("2013/14 Q3", "18750", 45),
        ("2013/14 Q4", "37500", 29),
    ],
    "Themes:Reducing Domestic Abuse:Victim Support Pilots": [("2013/14 Q2", "5000", 30), ("2013/14 Q3", "21900", 30)],
    "Themes:Reducing Domestic Abuse:MASH Analyst": [("2013/14 Q3", "6675", 20), ("2013/14 Q4", "13350", 18)],
    "Themes:Strengthening Communities": [
        ("2013/14 Q2", "10000", 25),
        ("2013/14 Q3", "26480", 25),
        ("2013/14 Q4", "52960", 60),
    ],
}
LEDGER_SPEND = {  # spend the ledger records under PCC/038/13, besides the analyst's first quarter (demo/funds.py)
    "Themes:Reducing Re-offending:IOM Performance Analyst": [("2014-01-31", "8750"), ("2014-03-31", "8750")],
    "Themes:Reducing Re-offending:Link Workers": [("2013-12-20", "18750"), ("2014-03-28", "18500")],
    "Themes:Reducing Domestic Abuse:Victim Support Pilots": [("2013-09-30", "5000"), ("2013-12-31", "16900")],
    "Themes:Reducing Domestic Abuse:MASH Analyst": [("2013-12-31", "6675"), ("2014-03-31", "6675")],
    "Themes:Strengthening Communities": [("2013-09-30", "10000"), ("2013-12-31", "16480"), ("2014-03-31", "26480")],
}
GRANT_INDICATORS = {
    "Themes:Reducing Re-offending:IOM Performance Analyst": ["reoffending"],
    "Themes:Reducing Re-offending:Link Workers": ["reoffending"],
    "Themes:Reducing Domestic Abuse:Victim Support Pilots": ["repeat-da-victims"],
    "Themes:Reducing Domestic Abuse:MASH Analyst": ["repeat-da-victims"],
    "Themes:Strengthening Communities": ["families-turned-around", "neet-16-18"],
}


def _grant_returns(session: Session, actor: Actor) -> None:
    """Returns for the PCC's 2013/14 WECB grants: most on time, some late, some missing, one not matching."""
    fund = session.scalar(select(Fund).where(Fund.code == "wecb-2013-14"))
    if fund is None:
        return
    decision = session.scalar(select(Decision).where(Decision.reference == "PCC/038/13"))
    assert decision is not None
    for path, spends in LEDGER_SPEND.items():
        for day, amount in spends:
            ledger.record_spend(
                session,
                actor,
                fund_id=fund.id,
                project=path,
                amount=Money.parse(amount),
                year=FinancialYear(2013),
                date=dt.date.fromisoformat(day),
                decision=decision,
                description=f"{path.rsplit(':', 1)[-1]}, paid {day}",
            )
    accounts = {account.path: account for account in session.scalars(select(Account).where(Account.fund_id == fund.id))}
    for path, returns in RETURNS.items():
        account = accounts[path]
        for code in GRANT_INDICATORS[path]:
            grants.link_grant(session, actor, indicator_id=_indicator(session, code).id, account_id=account.id)
        for period_text, spend, days_after in returns:
            period = Period.parse(period_text)
            grants.submit_return(
                session,
                actor,
                account_id=account.id,
                given=grants.ReturnIn(
                    period=period,
                    spend_to_date=Money.parse(spend),
                    outputs=f"{account.name}: the quarter's activity as planned (synthetic demo return).",
                    outcome_measures=[
                        {"indicator": GRANT_INDICATORS[path][0], "note": "reported in the WECB indicators"}
                    ],
                    narrative="Delivery on plan. This return is synthetic, written for the demo.",
                    risks="Recruitment in the north of the county." if "Link" in path else "",
                    submitted_on=period.ends + dt.timedelta(days=days_after),
                ),
            )


def _benefits(session: Session, actor: Actor) -> None:
    """A pooled fund for the domestic abuse case, its spend year by year, and its outcomes linked to measures."""
    business_case = session.scalar(select(BusinessCase).where(BusinessCase.name == DA_CASE))
    if business_case is None:
        return
    fund = ledger.create_fund(
        session,
        actor,
        code="cwac-da-2013-18",
        name="Cheshire West and Chester domestic abuse pooled budget",
        first_year=FinancialYear(2013),
        last_year=FinancialYear(2017),
        holder_identifier="GB-LAE-CHW",
    )
    # Contributions as the case has the partners pay (§8, £2 million a year; the split is the case's, illustrative).
    shares = {
        "Cheshire West and Chester Council": [1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000],
        "Cheshire Constabulary": [500_000] * 5,
        "Cheshire Probation Trust": [200_000] * 5,
        "NHS West Cheshire Clinical Commissioning Group": [300_000] * 5,
    }
    lines = []
    for partner, amounts in shares.items():
        for index, amount in enumerate(amounts):
            year = FinancialYear(2013 + index)
            lines.append(
                RecommendationIn(
                    f"{index + 1}",
                    f"{partner}: contribution for {year}",
                    Money.from_pounds(amount),
                    f"Contributions:{partner}",
                    "Pool:Unallocated",
                    year,
                )
            )
    for index in range(5):
        year = FinancialYear(2013 + index)
        lines.append(
            RecommendationIn(
                f"{index + 1}",
                f"Integrated early support, {year}",
                Money.from_pounds(2_000_000),
                "Pool:Unallocated",
                DA_PROJECT,
                year,
            )
        )
    maker = "Cheshire West and Chester Council Cabinet"
    decision = decided(
        session,
        actor,
        fund_id=fund.id,
        draft=DecisionIn(
            reference="CWAC/DA/2013/01",
            title="Pooled budget for integrated early support for domestic abuse, 2013/14 to 2017/18",
            report_date=dt.date(2013, 3, 20),
            author="Community Budget Programme Manager",
            decision_maker=maker,
            purpose="To pool £2 million a year for five years for the domestic abuse community budget (a synthetic "
            "decision for the demo, after the LGA board paper's figures).",
            recommendations=lines,
        ),
    )
    # Spend by year (ILLUSTRATIVE): a slow start, then close to plan.
    for index, amount in enumerate(["1640000", "1985000", "1996000", "1970000", "1990000"]):
        year = FinancialYear(2013 + index)
        ledger.record_spend(
            session,
            actor,
            fund_id=fund.id,
            project=DA_PROJECT,
            amount=Money.parse(amount),
            year=year,
            date=year.ends,
            decision=decision,
            description=f"Integrated early support, {year}",
        )
    project = session.scalar(select(Account).where(Account.fund_id == fund.id, Account.path == DA_PROJECT))
    assert project is not None
    realisation.fund_case(session, actor, business_case_id=business_case.id, account_id=project.id)
    area = measurements.Lookup(session).area(CHESHIRE[0])
    assert area is not None
    for code, outcome in (
        ("cwac-repeat-victims", "Fewer repeat victims"),
        ("cwac-child-protection", "Fewer children with a child protection plan"),
    ):
        realisation.link_benefit(
            session,
            actor,
            indicator_id=_indicator(session, code).id,
            business_case_id=business_case.id,
            case_outcome=outcome,
            area_id=area.id,
            counting=Counting.REDUCTION,
        )


# How often a family achieves each outcome in the synthetic demo (the scheme is families-pbr.yaml).
OUTCOME_CHANCES = {"crime-school": 0.6, "work": 0.2, "progress-to-work": 0.35}


def _families_scheme(session: Session, actor: Actor) -> None:
    """A payment-by-results scheme over the synthetic cohort's family cases, with a paid claim and a draft."""
    families = session.scalars(select(Case).where(Case.kind == CaseKind.FAMILY).order_by(Case.id).limit(120)).all()
    if not families:
        return
    fund = ledger.create_fund(
        session,
        actor,
        code="families-pbr-2025-27",
        name="Families with complex needs, payment by results",
        first_year=FinancialYear(2025),
        last_year=FinancialYear(2026),
        holder_identifier="GB-LAE-ESS",
    )
    maker = "Cabinet Member for Children and Families, Essex County Council"
    decided(
        session,
        actor,
        fund_id=fund.id,
        draft=DecisionIn(
            reference="ECC/FAM/25/01",
            title="Payment by results for families with complex needs, 2025/26 and 2026/27",
            report_date=dt.date(2025, 4, 1),
            author="Family Solutions Programme Manager",
            decision_maker=maker,
            purpose="To set aside £250,000 for results payments to the family solutions providers (a synthetic "
            "decision for the demo).",
            recommendations=[
                line
                for year in (FinancialYear(2025), FinancialYear(2026))
                for line in (
                    RecommendationIn(
                        "1",
                        f"Results payments budget, {year}",
                        Money.parse("125000"),
                        "Contributions:Essex County Council",
                        "Pool:Unallocated",
                        year,
                    ),
                    RecommendationIn(
                        "2",
                        f"Results payments, {year}",
                        Money.parse("125000"),
                        "Pool:Unallocated",
                        FAMILIES_PROJECT,
                        year,
                    ),
                )
            ],
        ),
    )
    scheme = scheme_files.load_scheme(
        session, actor, text=(DATA / "families-pbr.yaml").read_text(encoding="utf-8"), filename="families-pbr.yaml"
    )
    rng = random.Random(SEED + 2)
    records: list[tuple[str, ...]] = []
    for case in families:
        people = session.scalars(select(CaseMember).where(CaseMember.case_id == case.id)).all()
        records += [
            ("member", case.reference, member.person.pseudonym, str(case.opened_on), "", "", case.reference)
            for member in people
        ]
        when = case.opened_on + dt.timedelta(days=rng.randint(60, 300))
        for code, chance in OUTCOME_CHANCES.items():
            if rng.random() < chance and when <= today():
                source = f"Case {case.reference}: outcome recorded at review"
                records.append(("outcome", case.reference, "", str(when), code, source, ""))
        relapse_on = when + dt.timedelta(days=rng.randint(20, 170))
        if people and rng.random() < 0.12 and relapse_on <= today():
            records.append(
                (
                    "relapse",
                    case.reference,
                    people[-1].person.pseudonym,
                    str(relapse_on),
                    "",
                    "Police call-out to the home",
                    "",
                )
            )
    table = Table(
        "families-pbr-records",
        scheme_files.RECORD_COLUMNS,
        tuple(Row(number, record) for number, record in enumerate(records, start=2)),
    )
    scheme_files.import_records_table(session, actor, scheme=scheme, table=table)
    paid = schemes.make_claim(session, actor, scheme_code=scheme.code, period=Period.parse("2025/26 Q4"))
    sampled = schemes.draw_sample(session, actor, claim_id=paid.id)
    for index, line in enumerate(sampled):
        schemes.record_check(
            session,
            actor,
            line_id=line.id,
            passed=index != 0,
            note=""
            if index
            else "No signed attachment on the case file"
            if line.outcome_code == "attachment"
            else "No record of the outcome on the case file",
        )
    decision = schemes.submit_claim(
        session, actor, claim_id=paid.id, reference="ECC/FAM/26/02", report_date=dt.date(2026, 5, 6)
    )
    decisions.approve_decision(session, actor, decision_id=decision.id, signature=Signature(dt.date(2026, 5, 6), maker))
    draft = schemes.make_claim(session, actor, scheme_code=scheme.code, period=Period.parse("2026/27 Q2"))
    schemes.draw_sample(session, actor, claim_id=draft.id)
