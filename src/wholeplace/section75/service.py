"""Use cases of section 75 agreements: create one, record an instalment received (posting the contribution),
reconcile a year with the ledger, and draft the year-end settlement as a decision whose approval posts it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wholeplace import audit, business_dates
from wholeplace.auth.actor import Actor, require
from wholeplace.decisions.model import Decision
from wholeplace.funds import ledger
from wholeplace.funds.model import UNALLOCATED_PATH, Account, AccountKind, Fund, LedgerTransaction, Posting
from wholeplace.money import FinancialYear, Money
from wholeplace.paging import Page, paginate
from wholeplace.partners.model import Organisation
from wholeplace.problems import InvalidInput, NotFound, Problem
from wholeplace.section75 import engine
from wholeplace.section75.engine import ReconciledLine
from wholeplace.section75.model import (
    Agreement,
    AgreementPartner,
    Instalment,
    InstalmentReceipt,
)
from wholeplace.section75.terms import AgreementTerms, read_amount, read_date


def require_manage(actor: Actor) -> None:
    """Refuse anyone who may not record agreements, receipts or settlements (before a form is even shown)."""
    require(actor, "section75.manage", object_type="s75_agreement")


def create_agreement(session: Session, actor: Actor, *, terms: AgreementTerms) -> Agreement:
    """Record a signed agreement over a fund: its partners, shares and instalment schedules."""
    require_manage(actor)
    problems: list[Problem] = []
    fund = session.scalar(select(Fund).where(Fund.code == terms.fund))
    if fund is None:
        problems.append(Problem("fund", f"There is no fund with code {terms.fund}"))
    decision = session.scalar(select(Decision).where(Decision.reference == terms.decision))
    if decision is None or not decision.approved or (fund is not None and decision.fund_id != fund.id):
        problems.append(Problem("decision", f"{terms.decision} is not an approved decision of this fund"))
    if session.scalar(select(Agreement).where(Agreement.reference == terms.reference)):
        problems.append(Problem("reference", f"There is already an agreement {terms.reference}"))
    organisations = {
        organisation.identifier: organisation
        for organisation in session.scalars(
            select(Organisation).where(Organisation.identifier.in_([p.partner for p in terms.partners]))
        )
    }
    agreement_years = range(
        FinancialYear.of(terms.starts_on).start_year, FinancialYear.of(terms.ends_on).start_year + 1
    )
    for position, partner in enumerate(terms.partners, start=1):
        if partner.partner not in organisations:
            problems.append(Problem(f"partners[{position}].partner", f"There is no partner {partner.partner}"))
        for instalment in partner.instalments:
            year = FinancialYear.of(instalment.due_on)
            if year.start_year not in agreement_years:
                problems.append(
                    Problem(
                        f"partners[{position}].instalments",
                        f"An instalment due {instalment.due_on:%-d %B %Y} falls in {year}, a year the agreement "
                        "does not run in",
                    )
                )
                continue
            if fund is not None and year.start_year not in range(fund.first_year, fund.last_year + 1):
                problems.append(
                    Problem(
                        f"partners[{position}].instalments",
                        f"An instalment due {instalment.due_on:%-d %B %Y} falls in {year}, "
                        f"outside the fund's years, {fund.years_label}",
                    )
                )
    if problems:
        raise InvalidInput(problems)
    assert fund is not None and decision is not None
    agreement = Agreement(
        fund=fund,
        reference=terms.reference,
        title=terms.title,
        host=organisations[terms.host],
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
        signed_on=terms.signed_on,
        decision=decision,
        underspend=terms.underspend,
        created_by=actor.label,
        partners=[
            AgreementPartner(
                position=position,
                organisation=organisations[partner.partner],
                overspend_share_bp=partner.overspend_share_bp,
                underspend_share_bp=partner.underspend_share_bp,
                instalments=[
                    Instalment(
                        financial_year=FinancialYear.of(item.due_on).start_year,
                        due_on=item.due_on,
                        amount_pence=item.amount.pence,
                    )
                    for item in partner.instalments
                ],
            )
            for position, partner in enumerate(terms.partners, start=1)
        ],
    )
    session.add(agreement)
    session.flush()
    audit.record(
        session,
        actor,
        "s75_agreement.created",
        object_type="s75_agreement",
        object_id=agreement.id,
        reference=agreement.reference,
        fund=fund.code,
    )
    return agreement


def list_agreements(session: Session, actor: Actor, *, page: int = 1, page_size: int = 50) -> Page[Agreement]:
    require(actor, "section75.view", object_type="s75_agreement")
    return paginate(
        session,
        select(Agreement).order_by(Agreement.starts_on.desc(), Agreement.reference),
        page=page,
        page_size=page_size,
    )


def get_agreement(session: Session, actor: Actor, agreement_id: int) -> Agreement:
    require(actor, "section75.view", object_type="s75_agreement", object_id=agreement_id)
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound(f"There is no agreement {agreement_id}")
    return agreement


def agreement_by_reference(session: Session, actor: Actor, reference: str) -> Agreement:
    require(actor, "section75.view", object_type="s75_agreement")
    agreement = session.scalar(select(Agreement).where(Agreement.reference == reference))
    if agreement is None:
        raise NotFound([Problem("agreement", f"There is no agreement {reference}")])
    return agreement


def received(instalment: Instalment) -> Money:
    return Money(sum(receipt.amount_pence for receipt in instalment.receipts))


@dataclass(frozen=True)
class InstalmentRow:
    partner: str
    instalment: Instalment
    received: Money
    status: engine.InstalmentStatus

    @property
    def amount(self) -> Money:
        return Money(self.instalment.amount_pence)


def schedule(agreement: Agreement, today: dt.date | None = None) -> list[InstalmentRow]:
    """Every instalment by due date with what has come and its status on `today` (today in London by default)."""
    today = today or business_dates.today()
    rows = [
        InstalmentRow(
            partner.organisation.name,
            item,
            received(item),
            engine.instalment_status(Money(item.amount_pence), received(item), item.due_on, today),
        )
        for partner in agreement.partners
        for item in partner.instalments
    ]
    return sorted(rows, key=lambda row: (row.instalment.due_on, row.partner))


def record_receipt(
    session: Session,
    actor: Actor,
    *,
    instalment_id: int,
    received_on: object,
    amount: object,
    transaction_id: int | None = None,
) -> InstalmentReceipt:
    """Money received against an instalment, posted as the partner's contribution under the agreement's decision;
    or, with `transaction_id`, the contribution a decision already posted, linked without posting again."""
    require(actor, "section75.manage", object_type="s75_instalment", object_id=instalment_id)
    instalment = session.get(Instalment, instalment_id)
    if instalment is None:
        raise NotFound(f"There is no instalment {instalment_id}")
    day, problems = read_date(received_on, "received_on", "Date received")
    money, amount_problems = read_amount(amount, "amount")
    problems += amount_problems
    if day is not None and day > business_dates.today():
        problems.append(Problem("received_on", "The date received cannot be in the future"))
    agreement = instalment.partner.agreement
    fund = ledger.lock_fund(session, agreement.fund_id)  # receipts of one instalment queue behind each other
    session.refresh(instalment)
    outstanding = Money(instalment.amount_pence) - received(instalment)
    if money is not None and money > outstanding:
        problems.append(Problem("amount", f"Only {outstanding} of this instalment is still to come"))
    if problems:
        raise InvalidInput(problems)
    assert day is not None and money is not None
    partner = instalment.partner.organisation
    year = FinancialYear(instalment.financial_year)
    if transaction_id is not None:
        transaction = _posted_contribution(session, instalment, transaction_id, money)
    else:
        source = ledger.open_account(session, actor, fund, f"Contributions:{partner.name}", partner=partner)
        pool = ledger.open_account(session, actor, fund, UNALLOCATED_PATH)
        transaction = ledger.post(
            session,
            actor,
            fund=fund,
            decision=agreement.decision,
            date=day,
            description=f"{agreement.reference}: {partner.name}'s instalment due {instalment.due_on:%-d %B %Y}"[:400],
            lines=[(source, -money, year), (pool, money, year)],
        )
    receipt = InstalmentReceipt(
        instalment=instalment,
        received_on=day,
        amount_pence=money.pence,
        transaction=transaction,
        recorded_by=actor.label,
    )
    session.add(receipt)
    session.flush()
    audit.record(
        session,
        actor,
        "s75_receipt.recorded",
        object_type="s75_agreement",
        object_id=agreement.id,
        instalment=instalment.id,
        amount=money.plain(),
        transaction=transaction.id,
    )
    return receipt


def _posted_contribution(
    session: Session, instalment: Instalment, transaction_id: int, amount: Money
) -> LedgerTransaction:
    """A transaction already posted that paid exactly this amount from the partner into the fund for its year."""
    transaction = session.get(LedgerTransaction, transaction_id)
    partner = instalment.partner
    paid = (
        Money(
            -sum(
                posting.amount_pence
                for posting in transaction.postings
                if posting.account.kind is AccountKind.CONTRIBUTION
                and posting.account.organisation_id == partner.organisation_id
                and posting.financial_year == instalment.financial_year
            )
        )
        if transaction is not None and transaction.fund_id == partner.agreement.fund_id
        else Money(0)
    )
    if transaction is None or paid != amount:
        raise InvalidInput(
            [
                Problem(
                    "transaction_id",
                    f"Transaction {transaction_id} is not a contribution of {amount} from "
                    f"{partner.organisation.name} to this fund for {FinancialYear(instalment.financial_year)}",
                )
            ]
        )
    if session.scalar(select(InstalmentReceipt).where(InstalmentReceipt.transaction_id == transaction.id)):
        raise InvalidInput([Problem("transaction_id", f"Transaction {transaction_id} is already a receipt")])
    return transaction


def years(agreement: Agreement) -> list[FinancialYear]:
    """The financial years the agreement runs in, within its fund's."""
    first = max(FinancialYear.of(agreement.starts_on).start_year, agreement.fund.first_year)
    last = min(FinancialYear.of(agreement.ends_on).start_year, agreement.fund.last_year)
    return [FinancialYear(year) for year in range(first, last + 1)]


def _settlement_decisions(agreement: Agreement) -> list[int]:
    return [settlement.decision_id for settlement in agreement.settlements]


def _contributions_in_ledger(session: Session, agreement: Agreement, year: FinancialYear) -> dict[int, Money]:
    """Each partner's contributions to the fund for the year, by organisation id; settlements left out."""
    statement = (
        select(Account.organisation_id, func.sum(Posting.amount_pence))
        .join(Posting, Posting.account_id == Account.id)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(
            Account.fund_id == agreement.fund_id,
            Account.kind == AccountKind.CONTRIBUTION,
            Posting.financial_year == year.start_year,
            LedgerTransaction.decision_id.not_in(_settlement_decisions(agreement)),
        )
        .group_by(Account.organisation_id)
    )
    return {organisation_id: Money(-int(pence)) for organisation_id, pence in session.execute(statement)}


def reconcile(session: Session, actor: Actor, agreement: Agreement, year: FinancialYear) -> list[ReconciledLine]:
    """Each partner's contributions for the year: scheduled, received against instalments, and in the ledger."""
    require(actor, "section75.view", object_type="s75_agreement", object_id=agreement.id)
    in_ledger = _contributions_in_ledger(session, agreement, year)
    lines = []
    for partner in agreement.partners:
        of_year = [item for item in partner.instalments if item.financial_year == year.start_year]
        lines.append(
            ReconciledLine(
                partner.organisation.name,
                Money.total(Money(item.amount_pence) for item in of_year),
                Money.total(received(item) for item in of_year),
                in_ledger.get(partner.organisation_id, Money(0)),
            )
        )
    return lines
