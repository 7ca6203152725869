"""The demo's money: two real decisions from the seed papers, approved and posted, and one draft.

- PCC/038/13 (seed 000): the Police and Crime Commissioner puts £290,000 into Whole Essex
  Community Budgets 2013/14 and allocates £272,760 of it to six lines, leaving £17,240.
- The Home Office Community Safety Fund 2011/12 (seed 003): £1,115,160 held by Essex County
  Council, split into two drug and alcohol elements, Safer Essex and the 12 Community Safety
  Partnerships, pro rata to their 2010/11 Area Based Grant.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision
from wholeplace.decisions.service import DecisionIn, RecommendationIn
from wholeplace.funds import ledger
from wholeplace.funds.model import Fund
from wholeplace.money import FinancialYear, Money, apportion

Y2011, Y2013, Y2014 = FinancialYear(2011), FinancialYear(2013), FinancialYear(2014)
PCC = "Police and Crime Commissioner for Essex"
WECB_THEMES = [
    (
        "2.2",
        "Integrated Offender Management (IOM) Performance Analyst",
        "Reducing Re-offending:IOM Performance Analyst",
        "35000",
    ),
    ("2.2", "Link Workers", "Reducing Re-offending:Link Workers", "75000"),
    ("2.2", "Strengthening Communities", "Strengthening Communities", "52960"),
    (
        "2.2",
        "Pilot to increase support around victims (Braintree and Basildon)",
        "Reducing Domestic Abuse:Victim Support Pilots",
        "65700",
    ),
    ("2.2", "Multi-Agency Safeguarding Hub (MASH) Analyst", "Reducing Domestic Abuse:MASH Analyst", "26700"),
    ("2.2", "Strategic Pool", "Strategic Pool", "17400"),
]
# Seed 003, "ABG Allocations in 2010/11": the weights for the pro-rata split of the CSP allocation.
CSP_WEIGHTS_2010_11 = {
    "Basildon": 173120,
    "Braintree": 105989,
    "Brentwood": 83326,
    "Castle Point": 87434,
    "Chelmsford": 116104,
    "Colchester": 121372,
    "Epping Forest": 109893,
    "Harlow": 94984,
    "Maldon": 71877,
    "Rochford": 78818,
    "Tendring": 109918,
    "Uttlesford": 74070,
}


def decided(session: Session, actor: Actor, *, fund_id: int, draft: DecisionIn) -> Decision:
    """A decision taken on paper: drafted, then approved as signed by its decision maker on its report's date."""
    decision = decisions.draft_decision(session, actor, fund_id=fund_id, draft=draft)
    signature = decisions.Signature(draft.report_date, draft.decision_maker)
    decisions.approve_decision(session, actor, decision_id=decision.id, signature=signature)
    return decision


def load_demo_funds(session: Session, actor: Actor) -> list[str]:
    """Create the demo funds and decisions unless they exist; returns the references created."""
    if session.scalar(select(Fund).where(Fund.code == "wecb-2013-14")) is not None:
        return []
    deciding = Actor(
        actor.user_id, actor.label, actor.organisation_id, actor.roles | {Role.DECISION_MAKER, Role.FINANCE}
    )
    created = [_wecb(session, deciding), _community_safety_fund(session, deciding)]
    _safer_essex_meeting(session, deciding)
    return [reference for references in created for reference in references]


def _wecb(session: Session, actor: Actor) -> list[str]:
    fund = ledger.create_fund(
        session,
        actor,
        code="wecb-2013-14",
        name="Whole Essex Community Budgets",
        first_year=Y2013,
        last_year=Y2014,
        holder_identifier="XX-WHOLEPLACE-ESSEX-PCC",
    )
    lines = [
        RecommendationIn(
            "7.1",
            "PCC contribution to the WECB project",
            Money.parse("290000"),
            f"Contributions:{PCC}",
            "Pool:Unallocated",
            Y2013,
        )
    ]
    lines += [
        RecommendationIn(number, text, Money.parse(amount), "Pool:Unallocated", f"Themes:{theme}", Y2013)
        for number, text, theme, amount in WECB_THEMES
    ]
    # Signed by the PCC on the report's own day (seed paper's decision record, PCC/038/13).
    decision = decided(
        session,
        actor,
        fund_id=fund.id,
        draft=DecisionIn(
            reference="PCC/038/13",
            title="2013/14 Whole Essex Community Budgets",
            report_date=dt.date(2013, 7, 30),
            author="Pamela Standley, Operating Manager",
            decision_maker=PCC,
            purpose="To seek approval to allocate £272,760 for Whole Essex Community Budgets (WECB), which seeks to "
            "get public sector partners working together, delivering services that improve the lives of "
            "Essex residents whilst also cutting waste and duplication.",
            financial_implications="The PCC would fund a £290,000 contribution to the WECB project, with clear "
            "outcomes and performance monitoring arrangements.",
            stated_total=Money.parse("272760"),
            recommendations=lines,
        ),
    )
    # Illustrative, not from the paper: the first quarter of the analyst post, paid under PCC/038/13.
    ledger.record_spend(
        session,
        actor,
        fund_id=fund.id,
        project="Themes:Reducing Re-offending:IOM Performance Analyst",
        amount=Money.parse("8750"),
        year=Y2013,
        date=dt.date(2013, 10, 31),
        decision=decision,
        description="IOM Performance Analyst, July to September 2013",
    )
    reprofile = decisions.draft_decision(
        session,
        actor,
        fund_id=fund.id,
        draft=DecisionIn(
            reference="DEMO/REPROFILE/1",
            title="Re-profile Link Workers into 2014/15",
            report_date=dt.date(2013, 12, 2),
            author="Programme Manager",
            decision_maker=PCC,
            purpose="Recruitment in the north of the county started late; move the unspent half of the Link Workers "
            "allocation into 2014/15. (An illustrative draft for the demo.)",
            recommendations=[
                RecommendationIn(
                    "1",
                    "Move half of the Link Workers allocation to 2014/15",
                    Money.parse("37500"),
                    "Themes:Reducing Re-offending:Link Workers",
                    "Themes:Reducing Re-offending:Link Workers",
                    Y2013,
                    Y2014,
                )
            ],
        ),
    )
    return [decision.reference, reprofile.reference]


def _community_safety_fund(session: Session, actor: Actor) -> list[str]:
    fund = ledger.create_fund(
        session,
        actor,
        code="ho-csf-2011-12",
        name="Home Office Community Safety Fund",
        first_year=Y2011,
        last_year=Y2011,
        holder_identifier="GB-LAE-ESS",
    )
    remainder, csp_total = Money.parse("761860"), Money.parse("502828")
    lines = [
        RecommendationIn(
            "1",
            "Home Office Community Safety Fund grant for 2011/12",
            Money.parse("1115160"),
            "Contributions:Home Office",
            "Pool:Unallocated",
            Y2011,
        ),
        RecommendationIn(
            "i",
            "Young Persons Treatment Budget",
            Money.parse("253093"),
            "Pool:Unallocated",
            "Themes:Drug and Alcohol:Young Persons Treatment Budget",
            Y2011,
        ),
        RecommendationIn(
            "i",
            "DAAT partnership grant",
            Money.parse("100207"),
            "Pool:Unallocated",
            "Themes:Drug and Alcohol:DAAT Partnership Grant",
            Y2011,
        ),
        RecommendationIn(
            "ii",
            "Safer Essex, for the 3 strategic priorities (DA, IOM and alcohol misuse)",
            Money.parse("259032"),
            "Pool:Unallocated",
            "Themes:Safer Essex",
            Y2011,
            stated_fraction="1/3",
            fraction_of=remainder,
        ),
    ]
    # "Allocated as per previous years": pro rata to 2010/11, split to the penny by largest remainder.
    shares = apportion(csp_total, list(CSP_WEIGHTS_2010_11.values()))
    lines += [
        RecommendationIn(
            "iv",
            f"{csp} Community Safety Partnership",
            share,
            "Pool:Unallocated",
            f"Themes:Community Safety Partnerships:{csp}",
            Y2011,
        )
        for csp, share in zip(CSP_WEIGHTS_2010_11, shares, strict=True)
    ]
    # The paper gives the recommendation's date, 10 March 2011, and not the Cabinet Member's signature: take that day.
    decision = decided(
        session,
        actor,
        fund_id=fund.id,
        draft=DecisionIn(
            reference="ECC/SAFER-ESSEX/2011-03-10",
            title="Allocation of the Home Office Community Safety Fund 2011/12",
            report_date=dt.date(2011, 3, 10),
            author="Safer Essex",
            decision_maker="Cabinet Member, Essex County Council",
            purpose="Allocate the 2011/12 Home Office Community Safety Fund as Safer Essex recommended on "
            "10 March 2011: "
            "keep the drug and alcohol elements; split the remaining £761,860 1/3 to Safer Essex and 2/3 to "
            "the Community Safety Partnerships, these pro rata to their 2010/11 allocations.",
            stated_total=Money.parse("1115160"),
            recommendations=lines,
        ),
    )
    return [decision.reference]


def _safer_essex_meeting(session: Session, actor: Actor) -> None:
    """Seed 003's minutes and their three numbered actions, due by the next meeting on 7 July 2011."""
    next_meeting = dt.date(2011, 7, 7)
    decisions.record_meeting(
        session,
        actor,
        body="Safer Essex",
        date=dt.date(2011, 3, 10),
        place="County Hall, Chelmsford",
        minutes="Agreed the 2011/12 allocation of the Home Office Community Safety Fund (item 7) and three strategic "
        "priorities for 2011/12: domestic abuse, integrated offender management and reducing alcohol misuse.",
        actions=[
            (
                "Develop a framework for how the mapping exercise could be undertaken, including a time line, and "
                "report it to the Chair of Safer Essex to agree the approach",
                "ECC Crime and Disorder Reduction Unit",
                next_meeting,
            ),
            ("Provide a note of the Children's Trust update for circulation", "Averil Price", next_meeting),
            (
                "Follow up with the Community Wellbeing and Older People's Partnership as IOM lead",
                "Alex Bamber",
                next_meeting,
            ),
        ],
    )
