"""The demo's section 75 agreement: Essex County Council (host) and NHS North East Essex CCG pool health and care
money for 2025/26 and 2026/27. Illustrative figures, not from the source papers: 60/40 shares of an overspend,
50/50 of an underspend; 2025/26 spent in full with £212,345.67 of invoices still to pay at the year end (the
overspend to settle); in 2026/27 the CCG's third instalment is late and the county's fourth part-paid.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions.service import DecisionIn, RecommendationIn
from wholeplace.demo.funds import decided
from wholeplace.funds import ledger
from wholeplace.funds.model import Fund, LedgerTransaction
from wholeplace.money import FinancialYear, Money
from wholeplace.section75 import service
from wholeplace.section75.model import Instalment
from wholeplace.section75.terms import read_terms

FUND = "bcf-ne-essex-2025-27"
COUNTY, CCG = "GB-LAE-ESS", "GB-NHS-06T"
COUNTY_NAME, CCG_NAME = "Essex County Council", "NHS North East Essex Clinical Commissioning Group"
Y2025 = FinancialYear(2025)
QUARTER_DAYS = ("04-15", "07-15", "10-15", "01-15")
SCHEDULE = {COUNTY: ("787500", "800000"), CCG: ("525000", "540000")}  # each quarter of 2025/26, of 2026/27
ACCRUED_2025 = Money.parse("212345.67")  # invoices of 2025/26 unpaid at 31 March 2026: the overspend
PROJECTS = (("Admission avoidance:Reablement", "3000000"), ("Admission avoidance:Rapid response", "1250000"))
CARERS = ("Carers:Carers' breaks", "1000000")


def _due(start_year: int, quarter: int) -> str:
    return f"{start_year + (1 if quarter == 3 else 0)}-{QUARTER_DAYS[quarter]}"


def load_demo_section75(session: Session, actor: Actor) -> int:
    """Create the demo agreement unless it exists; returns the receipts recorded."""
    if session.scalar(select(Fund).where(Fund.code == FUND)) is not None:
        return 0
    acting = Actor(actor.user_id, actor.label, actor.organisation_id, actor.roles | {Role.DECISION_MAKER, Role.FINANCE})
    fund = ledger.create_fund(
        session,
        acting,
        code=FUND,
        name="North East Essex Better Care pooled fund",
        first_year=Y2025,
        last_year=Y2025 + 1,
        holder_identifier=COUNTY,
    )
    first = decided(
        session,
        acting,
        fund_id=fund.id,
        draft=DecisionIn(
            reference="ECC/S75/25/01",
            title="Section 75 pooled fund for integrated care in North East Essex, 2025/26 and 2026/27",
            report_date=dt.date(2025, 3, 20),
            author="Director, Adult Social Care",
            decision_maker="Cabinet Member for Adult Social Care",
            purpose="To enter a section 75 agreement with NHS North East Essex CCG, hosted by the council, and "
            "receive the partners' contributions to the pooled fund in quarterly instalments.",
            recommendations=[
                RecommendationIn(
                    str(number),
                    f"{name}'s first instalment of 2025/26",
                    Money.parse(SCHEDULE[identifier][0]),
                    f"Contributions:{name}",
                    "Pool:Unallocated",
                    Y2025,
                    effective_date=dt.date(2025, 4, 15),
                )
                for number, (identifier, name) in enumerate(((COUNTY, COUNTY_NAME), (CCG, CCG_NAME)), start=1)
            ],
        ),
    )
    terms, problems = read_terms(
        {
            "reference": "S75/NEE/2025",
            "title": "North East Essex integrated care pooled fund",
            "fund": FUND,
            "decision": first.reference,
            "host": COUNTY,
            "starts_on": "2025-04-01",
            "ends_on": "2027-03-31",
            "signed_on": "2025-03-28",
            "underspend": "return",
            "partners": [
                {
                    "partner": identifier,
                    "overspend_share": overspend,
                    "underspend_share": "50",
                    "instalments": [
                        {"due_on": _due(2025 + offset, quarter), "amount": SCHEDULE[identifier][offset]}
                        for offset in (0, 1)
                        for quarter in range(4)
                    ],
                }
                for identifier, overspend in ((COUNTY, "60"), (CCG, "40"))
            ],
        }
    )
    assert terms is not None, problems
    agreement = service.create_agreement(session, acting, terms=terms)
    first_transactions = {t.postings[0].account.organisation_id: t.id for t in _transactions_of(session, first.id)}
    received = 0
    for partner in agreement.partners:
        for index, instalment in enumerate(partner.instalments):
            paid = _receipt(partner.organisation.identifier, index, instalment)
            if paid is None:
                continue
            day, amount = paid
            linked = first_transactions.get(partner.organisation_id) if index == 0 else None
            service.record_receipt(
                session, acting, instalment_id=instalment.id, received_on=day, amount=amount, transaction_id=linked
            )
            received += 1
    _allocate_and_spend(session, acting, fund.id)
    return received


def _receipt(identifier: str, index: int, instalment: Instalment) -> tuple[dt.date, Money] | None:
    """When each instalment came: on time, but the CCG's second a fortnight late; in 2026/27 the CCG's third not
    yet (late) and the county's fourth part-paid early."""
    amount = Money(instalment.amount_pence)
    if identifier == CCG and index == 1:
        return dt.date(2025, 7, 29), amount
    if identifier == CCG and index >= 6:
        return None
    if identifier == COUNTY and index == 7:
        return dt.date(2026, 12, 1), Money.parse("300000")
    return (instalment.due_on, amount) if instalment.due_on <= dt.date(2026, 12, 1) else None


def _transactions_of(session: Session, decision_id: int) -> list[LedgerTransaction]:
    return list(session.scalars(select(LedgerTransaction).where(LedgerTransaction.decision_id == decision_id)))


def _allocate_and_spend(session: Session, actor: Actor, fund_id: int) -> None:
    """2025/26's £5,250,000 allocated once the last instalment came, and spent in full by the year end."""
    lines = (*PROJECTS, CARERS)
    allocation = decided(
        session,
        actor,
        fund_id=fund_id,
        draft=DecisionIn(
            reference="ECC/S75/26/02",
            title="North East Essex pooled fund: 2025/26 schemes",
            report_date=dt.date(2026, 1, 20),
            author="Pooled fund manager",
            decision_maker="Cabinet Member for Adult Social Care",
            recommendations=[
                RecommendationIn(
                    str(n), name.split(":")[-1], Money.parse(amount), "Pool:Unallocated", f"Themes:{name}", Y2025
                )
                for n, (name, amount) in enumerate(lines, start=1)
            ],
        ),
    )
    for name, amount in lines:
        ledger.record_spend(
            session,
            actor,
            fund_id=fund_id,
            project=f"Themes:{name}",
            amount=Money.parse(amount),
            year=Y2025,
            date=dt.date(2026, 3, 31),
            decision=allocation,
            description=f"{name.split(':')[-1]}: 2025/26 payments to providers",
        )
