"""Partners' contributions to a pooled fund, in cash or in kind, each posted as one ledger transaction.

A contribution posts `Contributions:<partner> -> Pool:Unallocated` under an approved decision, like any other
movement of money. What the ledger cannot say, whether it came as cash or in kind (seconded staff, a
building) and, for in kind, the basis on which it was valued, is kept here beside the transaction. The HM
Treasury CBA guidance for local partnerships (2014) keeps in-kind costs in the who-pays matrix; a pooled fund
keeps in-kind contributions the same way, valued, with the basis shown wherever the figure is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ForeignKey, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from wholeplace import audit
from wholeplace.auth.actor import Actor, require
from wholeplace.db import CLASH, Base, UTCDateTime, enum_of, utcnow
from wholeplace.funds import ledger
from wholeplace.funds.model import UNALLOCATED_PATH, Account, AccountKind, Authority, LedgerTransaction, Posting
from wholeplace.money import FinancialYear, Money
from wholeplace.partners.model import Organisation
from wholeplace.plain_text import clean_free_text
from wholeplace.problems import InvalidInput, Problem

BASIS_LONGEST = 2000
BASIS_NEEDED = "Enter the basis of valuation, like 2 FTE seconded officers at £38,000 each"


class ContributionKind(StrEnum):
    CASH = "cash"
    IN_KIND = "in_kind"

    @property
    def label(self) -> str:
        return "In kind" if self is ContributionKind.IN_KIND else "Cash"


class ContributionRecord(Base):
    """How a contribution's ledger transaction was received: cash, or in kind with the basis of its valuation."""

    __tablename__ = "fund_contributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id"),
        unique=True,
        info={CLASH: "This contribution was recorded twice at the same moment"},
    )
    kind: Mapped[ContributionKind] = mapped_column(enum_of(ContributionKind, 10))
    basis: Mapped[str | None] = mapped_column(Text)  # for in kind: "2 FTE seconded officers at £38,000 each"
    recorded_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    transaction: Mapped[LedgerTransaction] = relationship(lazy="joined", innerjoin=True)


@dataclass(frozen=True)
class ContributionLine:
    """One contribution as the fund and partner pages and the workbook show it."""

    transaction_id: int
    received_on: dt.date
    partner: str
    amount: Money
    year: FinancialYear
    kind: ContributionKind
    basis: str | None
    decision_reference: str


def record_contribution(
    session: Session,
    actor: Actor,
    *,
    fund_id: int,
    partner_identifier: str,
    amount: Money,
    year: FinancialYear,
    received_on: dt.date,
    kind: ContributionKind,
    basis: str,
    decision: Authority,
) -> LedgerTransaction:
    """Post a partner's contribution into the fund's pool under an approved decision, and how it came."""
    require(actor, "funds.manage", object_type="fund", object_id=fund_id)
    fund = ledger.lock_fund(session, fund_id)
    partner = session.scalar(select(Organisation).where(Organisation.identifier == partner_identifier))
    problems = [] if partner is not None else [Problem("partner", "Select the partner that contributed")]
    if amount.pence <= 0:
        problems.append(Problem("amount", "Amount must be £0.01 or more"))
    basis, basis_problems = clean_free_text(basis, where="basis", label="Basis of valuation", max_length=BASIS_LONGEST)
    problems += basis_problems
    if kind is ContributionKind.IN_KIND and not basis and not basis_problems:
        problems.append(Problem("basis", BASIS_NEEDED))
    if problems or partner is None:
        raise InvalidInput(problems)
    source = ledger.open_account(session, actor, fund, f"Contributions:{partner.name}", partner=partner)
    pool = ledger.open_account(session, actor, fund, UNALLOCATED_PATH)
    description = f"Contribution from {partner.name}" + (" in kind" if kind is ContributionKind.IN_KIND else "")
    transaction = ledger.post(
        session,
        actor,
        fund=fund,
        decision=decision,
        date=received_on,
        description=description,
        lines=[(source, -amount, year), (pool, amount, year)],
    )
    in_kind = kind is ContributionKind.IN_KIND
    session.add(
        ContributionRecord(
            transaction_id=transaction.id, kind=kind, basis=basis if in_kind else None, recorded_by=actor.label
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "fund.contribution_recorded",
        object_type="ledger_transaction",
        object_id=transaction.id,
        fund=fund.code,
        partner=partner.name,
        amount=amount.plain(),
        year=str(year),
        kind=kind.value,
        basis=basis if in_kind else None,
    )
    return transaction


def contributions(
    session: Session, actor: Actor, *, fund_id: int, partner_id: int | None = None
) -> list[ContributionLine]:
    """Every contribution recorded through this module, oldest first; a partner's only, with `partner_id`."""
    require(actor, "funds.view", object_type="fund", object_id=fund_id)
    query = (
        select(ContributionRecord, Posting, Account)
        .join(LedgerTransaction, LedgerTransaction.id == ContributionRecord.transaction_id)
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .join(Account, Account.id == Posting.account_id)
        .where(LedgerTransaction.fund_id == fund_id, Account.kind == AccountKind.CONTRIBUTION)
        .order_by(LedgerTransaction.date, LedgerTransaction.id)
    )
    if partner_id is not None:
        query = query.where(Account.organisation_id == partner_id)
    return [
        ContributionLine(
            transaction_id=record.transaction_id,
            received_on=record.transaction.date,
            partner=account.organisation.name if account.organisation else account.name,
            amount=Money(-posting.amount_pence),
            year=FinancialYear(posting.financial_year),
            kind=record.kind,
            basis=record.basis,
            decision_reference=record.transaction.decision.reference,
        )
        for record, posting, account in session.execute(query).all()
    ]
