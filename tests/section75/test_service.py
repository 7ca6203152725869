"""The demo's section 75 agreement on both databases: instalments by status, each year reconciled with the
ledger, the 2025/26 overspend settled through a decision that, approved, posts it and leaves the year balanced;
an instalment received posts the contribution; bad input changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision
from wholeplace.funds import ledger
from wholeplace.funds.model import LedgerTransaction
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import InvalidInput
from wholeplace.section75 import service, settlement
from wholeplace.section75.engine import InstalmentStatus, Outcome
from wholeplace.section75.model import Agreement

FINANCE = Actor(None, "tests:finance", None, frozenset({Role.FINANCE}))
DECIDER = Actor(None, "tests:cabinet", None, frozenset({Role.DECISION_MAKER}))
Y2025, Y2026 = FinancialYear(2025), FinancialYear(2026)
COUNTY, CCG = "Essex County Council", "NHS North East Essex Clinical Commissioning Group"
REABLEMENT = "Themes:Admission avoidance:Reablement"


def demo_agreement(session: Session) -> Agreement:
    return service.agreement_by_reference(session, FINANCE, "S75/NEE/2025")


def transactions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerTransaction)) or 0


def test_the_demo_instalments_are_received_late_part_paid_and_due_on_5_december_2026(demo_session: Session) -> None:
    rows = service.schedule(demo_agreement(demo_session), dt.date(2026, 12, 5))
    statuses = [(row.partner, row.instalment.due_on, row.status) for row in rows]
    assert len(statuses) == 16
    assert [s for s in statuses if s[2] is not InstalmentStatus.RECEIVED] == [
        (CCG, dt.date(2026, 10, 15), InstalmentStatus.LATE),
        (COUNTY, dt.date(2027, 1, 15), InstalmentStatus.PART_PAID),
        (CCG, dt.date(2027, 1, 15), InstalmentStatus.DUE),
    ]


def test_each_year_reconciles_with_the_ledger(demo_session: Session) -> None:
    agreement = demo_agreement(demo_session)
    assert service.years(agreement) == [Y2025, Y2026]
    lines = service.reconcile(demo_session, FINANCE, agreement, Y2026)
    # 2026/27: county 3 x £800,000 + £300,000 part of the 4th; CCG 2 x £540,000, the 3rd late, the 4th not due.
    assert [(line.partner, line.scheduled, line.received, line.in_ledger) for line in lines] == [
        (COUNTY, Money.parse("3200000"), Money.parse("2700000"), Money.parse("2700000")),
        (CCG, Money.parse("2160000"), Money.parse("1080000"), Money.parse("1080000")),
    ]
    assert all(line.difference == Money(0) for line in lines)


def test_the_2025_26_overspend_is_drafted_then_approved_and_posted(demo_session: Session) -> None:
    agreement = demo_agreement(demo_session)
    found = settlement.compute_settlement(
        demo_session, FINANCE, agreement_id=agreement.id, year=Y2025, accrued=Money.parse("212345.67")
    )
    assert (found.agreed, found.spent, found.outcome) == (
        Money.parse("5250000"),
        Money.parse("5250000"),
        Outcome.OVERSPEND,
    )
    decision = settlement.draft_settlement(
        demo_session,
        FINANCE,
        agreement_id=agreement.id,
        year=Y2025,
        reference="ECC/S75/26/09",
        report_date=dt.date(2026, 5, 20),
        accrued=Money.parse("212345.67"),
        overspend_to=REABLEMENT,
    )
    # 60% of £212,345.67 is £127,407.402 -> £127,407.40; 40% is £84,938.268 -> £84,938.27 (the larger remainder).
    assert [(r.from_account.path, r.to_account.path, Money(r.amount_pence)) for r in decision.recommendations] == [
        (f"Contributions:{COUNTY}", REABLEMENT, Money.parse("127407.40")),
        (f"Contributions:{CCG}", REABLEMENT, Money.parse("84938.27")),
    ]
    before = transactions(demo_session)
    with pytest.raises(Exception, match="already drafted"):
        settlement.draft_settlement(
            demo_session, FINANCE, agreement_id=agreement.id, year=Y2025, reference="ECC/S75/26/10"
        )
    # decided the next day, so its call-in period is long over and the money posts at approval
    signature = decisions.Signature(dt.date(2026, 5, 21), "Cabinet Member for Adult Social Care")
    decisions.approve_decision(demo_session, DECIDER, decision_id=decision.id, signature=signature)
    assert transactions(demo_session) == before + 2
    held = {b.account: b.by_year.get(Y2025) for b in ledger.balances(demo_session, agreement.fund_id)}
    assert held[REABLEMENT] == Money.parse("212345.67")  # what the unpaid invoices can now be paid from
    demo_session.expire_all()
    agreement = demo_agreement(demo_session)
    # settlements are left out of the contributions, so the year still reconciles with its instalments
    assert all(line.difference == Money(0) for line in service.reconcile(demo_session, FINANCE, agreement, Y2025))
    after = settlement.compute_settlement(
        demo_session, FINANCE, agreement_id=agreement.id, year=Y2025, accrued=Money.parse("212345.67")
    )
    assert (after.settled, after.outcome) == (Money.parse("212345.67"), Outcome.BALANCED)
    ledger.record_spend(
        demo_session,
        FINANCE,
        fund_id=agreement.fund_id,
        project=REABLEMENT,
        amount=Money.parse("212345.67"),
        year=Y2025,
        date=dt.date(2026, 5, 29),
        decision=demo_session.get(Decision, decision.id),  # type: ignore[arg-type]
        description="Reablement: 2025/26 invoices paid after the year end",
    )
    paid = settlement.compute_settlement(demo_session, FINANCE, agreement_id=agreement.id, year=Y2025)
    assert (paid.spent, paid.outcome) == (Money.parse("5462345.67"), Outcome.BALANCED)


def test_a_late_instalment_received_posts_the_contribution_and_reconciles(demo_session: Session) -> None:
    agreement = demo_agreement(demo_session)
    late = next(row for row in service.schedule(agreement, dt.date(2026, 12, 5)) if row.status is InstalmentStatus.LATE)
    receipt = service.record_receipt(
        demo_session, FINANCE, instalment_id=late.instalment.id, received_on="2026-11-30", amount="£540,000.00"
    )
    assert receipt.transaction.decision_id == agreement.decision_id
    demo_session.expire_all()
    agreement = demo_agreement(demo_session)
    ccg = service.reconcile(demo_session, FINANCE, agreement, Y2026)[1]
    assert (ccg.received, ccg.in_ledger) == (Money.parse("1620000"), Money.parse("1620000"))


HOSTILE_RECEIPTS = [
    ("2026-11-30", "12345678901234567890123", "amount"),
    ("2026-11-30", "1e30", "amount"),
    ("2026-11-30", "NaN", "amount"),
    ("2026-11-30", "-5", "amount"),
    ("2026-11-30", "540000.01", "amount"),  # more than is still to come
    ("14-11-30", "100", "received_on"),
    ("200000-11-30", "100", "received_on"),
    ("2099-11-30", "100", "received_on"),  # in the future
]


def test_a_bad_receipt_is_refused_on_its_field_and_posts_nothing(demo_session: Session) -> None:
    agreement = demo_agreement(demo_session)
    late = next(row for row in service.schedule(agreement, dt.date(2026, 12, 5)) if row.status is InstalmentStatus.LATE)
    before = transactions(demo_session)
    refused_fields = []
    for received_on, amount, _ in HOSTILE_RECEIPTS:
        with pytest.raises(InvalidInput) as refused:
            service.record_receipt(
                demo_session, FINANCE, instalment_id=late.instalment.id, received_on=received_on, amount=amount
            )
        refused_fields.append(next(p.where for p in refused.value.problems))
    assert refused_fields == [field for _, _, field in HOSTILE_RECEIPTS]
    assert transactions(demo_session) == before
