"""Use cases of the fund ledger: funds, accounts, posting, balances, assertions and statements.

Every change of money state is a balanced transaction citing an approved decision. Posting
locks the fund's row first, so concurrent approvals queue and none can overspend the pool.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wholeplace import audit, business_dates
from wholeplace.auth.actor import Actor, require
from wholeplace.funds import engine, running_balances
from wholeplace.funds.engine import AccountBalance, FundStatement, PostingLine
from wholeplace.funds.model import (
    UNALLOCATED_PATH,
    Account,
    AccountKind,
    Authority,
    BalanceAssertion,
    Fund,
    LedgerTransaction,
    Posting,
)
from wholeplace.money import FinancialYear, Money
from wholeplace.paging import Page, paginate
from wholeplace.partners.model import Organisation
from wholeplace.plain_text import clean_name
from wholeplace.problems import Conflict, InvalidInput, NotFound, Problem

ROOTS = {"Contributions", "Pool", "Themes", "Spend", "Returned"}


class NotEnoughMoney(Conflict):
    """Posting would overdraw an account or break a balance assertion; nothing was posted."""


def kind_of_path(path: str) -> AccountKind:
    """The kind of account a path names: `Themes:Domestic Abuse` is a theme, one level deeper a project."""
    parts = [part.strip() for part in path.split(":")]
    if len(parts) < 2 or parts[0] not in ROOTS or not all(parts):
        raise InvalidInput(
            [
                Problem(
                    "account",
                    f"'{path}' is not an account. Accounts start with one of "
                    f"{', '.join(sorted(ROOTS))}, then ':' and a name, like Themes:Domestic Abuse",
                )
            ]
        )
    if parts[0] == "Pool":
        if path != UNALLOCATED_PATH:
            raise InvalidInput([Problem("account", f"The pool has one account, {UNALLOCATED_PATH}")])
        return AccountKind.UNALLOCATED
    if parts[0] == "Themes":
        return AccountKind.THEME if len(parts) == 2 else AccountKind.PROJECT
    return {"Contributions": AccountKind.CONTRIBUTION, "Spend": AccountKind.SPEND, "Returned": AccountKind.RETURNED}[
        parts[0]
    ]


def create_fund(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    first_year: FinancialYear,
    last_year: FinancialYear,
    holder_identifier: str,
) -> Fund:
    """A new pooled fund held by one partner (the accountable body), with its unallocated pool."""
    require(actor, "funds.manage", object_type="fund")
    code, problems = clean_name(code, where="code", label="Code", max_length=40)
    if not code:
        problems = [Problem("code", "Enter a short code for the fund, like wecb-2013-14")]
    name, name_problems = clean_name(name, where="name", label="Name", max_length=200)
    problems += name_problems
    if last_year < first_year:
        problems.append(Problem("last_year", "The last year must be the same as or after the first year"))
    holder = session.scalar(select(Organisation).where(Organisation.identifier == holder_identifier))
    if holder is None:
        problems.append(Problem("holder", f"There is no partner with identifier {holder_identifier}"))
    if session.scalar(select(Fund).where(Fund.code == code)):
        problems.append(Problem("code", f"There is already a fund {code}"))
    if problems:
        raise InvalidInput(problems)
    fund = Fund(
        code=code,
        name=name,
        first_year=first_year.start_year,
        last_year=last_year.start_year,
        holder=holder,
    )
    session.add(fund)
    session.flush()
    session.add(Account(fund_id=fund.id, path=UNALLOCATED_PATH, kind=AccountKind.UNALLOCATED))
    audit.record(session, actor, "fund.created", object_type="fund", object_id=fund.id, code=fund.code)
    return fund


def list_funds(session: Session, actor: Actor, *, page: int = 1, page_size: int = 50) -> Page[Fund]:
    require(actor, "funds.view", object_type="fund")
    return paginate(session, select(Fund).order_by(Fund.first_year.desc(), Fund.name), page=page, page_size=page_size)


def all_funds(session: Session, actor: Actor) -> list[Fund]:
    """Every fund, newest first, for a choice of one: a list to pick from must not stop at a page."""
    require(actor, "funds.view", object_type="fund")
    return list(session.scalars(select(Fund).order_by(Fund.first_year.desc(), Fund.name)))


def get_fund(session: Session, actor: Actor, fund_id: int) -> Fund:
    require(actor, "funds.view", object_type="fund", object_id=fund_id)
    fund = session.get(Fund, fund_id)
    if fund is None:
        raise NotFound(f"There is no fund {fund_id}")
    return fund


def fund_by_code(session: Session, actor: Actor, code: str) -> Fund:
    require(actor, "funds.view", object_type="fund")
    fund = session.scalar(select(Fund).where(Fund.code == code))
    if fund is None:
        raise NotFound([Problem("fund", f"There is no fund with code {code}")])
    return fund


def open_account(
    session: Session, actor: Actor, fund: Fund, path: str, *, partner: Organisation | None = None
) -> Account:
    """The fund's account at this path, opened (and the opening audited) if new. Opening moves no money.

    The caller has checked that the actor may do what needs the account (draft, spend, assert a balance).
    """
    parts = [clean_name(part, where="account", label="Account name", max_length=200) for part in path.split(":")]
    # an empty part is left to kind_of_path, which names the accounts there are
    if problems := [problem for part, part_problems in parts if part for problem in part_problems]:
        raise InvalidInput(problems)
    path = ":".join(part for part, _ in parts)
    kind = kind_of_path(path)
    account = session.scalar(select(Account).where(Account.fund_id == fund.id, Account.path == path))
    if account is None:
        if kind is AccountKind.CONTRIBUTION and partner is None:
            partner = session.scalar(select(Organisation).where(Organisation.name == path.split(":", 1)[1]))
            if partner is None:
                raise InvalidInput(
                    [
                        Problem(
                            "account",
                            f"Contributions come from partners: there is no partner named {path.split(':', 1)[1]}",
                        )
                    ]
                )
        account = Account(fund_id=fund.id, path=path, kind=kind, organisation=partner)
        session.add(account)
        session.flush()
        audit.record(
            session, actor, "fund_account.opened", object_type="fund", object_id=fund.id, fund=fund.code, account=path
        )
    return account


def lock_fund(session: Session, fund_id: int) -> Fund:
    """Take the fund's row lock for the rest of the transaction: money moves one approval at a time."""
    fund = session.scalar(select(Fund).where(Fund.id == fund_id).with_for_update(of=Fund, key_share=True))
    if fund is None:
        raise NotFound(f"There is no fund {fund_id}")
    return fund


def balances(
    session: Session, fund_id: int, *, as_at: dt.date | None = None, accounts: Collection[str] | None = None
) -> list[AccountBalance]:
    """The fund's accounts (or only those at `accounts` paths) with balances by financial year, as at a day's end.

    As at today or later (or with no day: every posting), the running balances less the postings dated after the
    day answer; a day in the past sums the postings up to it. Both give the same figures.
    """
    account_table, partner_table = Account.__table__, Organisation.__table__  # tables: see `running_balances`
    account_query = (
        select(account_table.c.id, account_table.c.path, account_table.c.kind, partner_table.c.name)
        .outerjoin(partner_table, partner_table.c.id == account_table.c.organisation_id)
        .where(account_table.c.fund_id == fund_id)
    )
    account_ids = None
    if accounts is not None:
        account_query = account_query.where(account_table.c.path.in_(list(accounts)))
        account_ids = select(Account.id).where(Account.fund_id == fund_id, Account.path.in_(list(accounts)))
    # Postings dated after today are few (recommendations take effect on their effective dates), so from today on
    # the running balances less those answer; a day in the past would subtract most of the ledger.
    if as_at is None or as_at >= business_dates.today():
        sums = running_balances.balances_as_at(session, fund_id, as_at=as_at, account_ids=account_ids)
    else:
        sums = running_balances.balances_up_to(session, fund_id, up_to=as_at, account_ids=account_ids)
    years = {year: FinancialYear(year) for _, year in sums}
    by_account: dict[int, dict[FinancialYear, Money]] = defaultdict(dict)
    for (account_id, year), pence in sums.items():
        by_account[account_id][years[year]] = Money(pence)
    return [
        AccountBalance(path, kind, partner, by_account.get(account_id, {}))
        for account_id, path, kind, partner in session.execute(account_query)
    ]


def check_running_balances(session: Session, actor: Actor, *, fund_id: int) -> tuple[int, list[Problem]]:
    """Recompute the fund's running balances from its postings: the account-years compared, and each disagreement."""
    require(actor, "funds.view", object_type="fund", object_id=fund_id)
    return running_balances.check(session, fund_id)


def rebuild_running_balances(session: Session, actor: Actor, *, fund_id: int) -> int:
    """Make the fund's running balances again from its postings (after a check found them wrong); audited."""
    require(actor, "funds.manage", object_type="fund", object_id=fund_id)
    fund = lock_fund(session, fund_id)
    _, problems = running_balances.check(session, fund_id)
    rows = running_balances.rebuild(session, fund_id)
    audit.record(
        session,
        actor,
        "fund.running_balances_rebuilt",
        object_type="fund",
        object_id=fund.id,
        fund=fund.code,
        rows=rows,
        corrected=[str(problem) for problem in problems],
    )
    return rows


def post(
    session: Session,
    actor: Actor,
    *,
    fund: Fund,
    decision: Authority,
    date: dt.date,
    description: str,
    lines: Sequence[tuple[Account, Money, FinancialYear]],
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Post one balanced transaction. The caller holds the fund's lock (`lock_fund`)."""
    require(actor, "funds.post", object_type="fund", object_id=fund.id)
    if not decision.approved or decision.fund_id != fund.id:
        raise InvalidInput(
            [
                Problem(
                    "decision",
                    f"{decision.reference} is not an approved decision of this fund in force "
                    "(a decision in its call-in period moves no money until the period ends)",
                )
            ]
        )
    posting_lines = [PostingLine(account.path, account.kind, amount, year) for account, amount, year in lines]
    problems = engine.check_balanced(posting_lines)
    problems += [
        Problem("postings", f"{year} is outside the fund's years, {fund.years_label}")
        for _, _, year in lines
        if year.start_year not in range(fund.first_year, fund.last_year + 1)
    ]
    if problems:
        raise InvalidInput(problems)
    _check_money_suffices(session, fund, posting_lines, date)
    transaction = LedgerTransaction(
        fund_id=fund.id,
        date=date,
        description=description,
        decision_id=decision.id,
        reverses_id=reverses.id if reverses else None,
        posted_by=actor.label,
        postings=[
            Posting(account_id=account.id, amount_pence=amount.pence, financial_year=year.start_year)
            for account, amount, year in lines
        ],
    )
    session.add(transaction)
    session.flush()
    running_balances.add(session, [(account.id, year.start_year, amount.pence) for account, amount, year in lines])
    audit.record(
        session,
        actor,
        "ledger.posted",
        object_type="ledger_transaction",
        object_id=transaction.id,
        fund=fund.code,
        decision=decision.reference,
        postings=[[account.path, str(year), amount.plain()] for account, amount, year in lines],
    )
    return transaction


def _check_money_suffices(session: Session, fund: Fund, lines: Sequence[PostingLine], date: dt.date) -> None:
    """No account may hold less than nothing on any day from the posting's date on, in any year."""
    touched = {line.account for line in lines}
    # Only the accounts this transaction touches: the index on postings by account keeps this quick on a big ledger.
    held = {balance.account: balance for balance in balances(session, fund.id, as_at=date, accounts=touched)}
    kinds = {line.account: line.kind for line in lines}
    problems = _apply_and_check(held, kinds, [(line.account, line.year, line.amount) for line in lines])
    later = session.execute(
        select(Account.path, Posting.financial_year, LedgerTransaction.date, func.sum(Posting.amount_pence))
        .join(Posting, Posting.account_id == Account.id)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(Account.fund_id == fund.id, Account.path.in_(touched), LedgerTransaction.date > date)
        .group_by(Account.path, Posting.financial_year, LedgerTransaction.date)
        .order_by(LedgerTransaction.date)
    ).all()
    for day in sorted({row[2] for row in later}):
        if problems:
            break
        moves = [(path, FinancialYear(year), Money(int(pence))) for path, year, when, pence in later if when == day]
        problems = [Problem(p.where, f"{p.message} on {day:%d %B %Y}") for p in _apply_and_check(held, kinds, moves)]
    if problems:
        raise NotEnoughMoney(problems)
    _check_assertions_kept(session, fund, lines, date)


def _apply_and_check(
    held: dict[str, AccountBalance], kinds: dict[str, AccountKind], moves: Sequence[tuple[str, FinancialYear, Money]]
) -> list[Problem]:
    """Add the moves to the balances held (in place) and say which accounts are then overdrawn."""
    for account, year, amount in moves:
        current = held.get(account) or AccountBalance(account, kinds[account], None, {})
        by_year = dict(current.by_year)
        by_year[year] = by_year.get(year, Money(0)) + amount
        held[account] = AccountBalance(account, current.kind, current.partner, by_year)
    return engine.overdrawn([held[account] for account, _, _ in moves])


def _check_assertions_kept(session: Session, fund: Fund, lines: Sequence[PostingLine], date: dt.date) -> None:
    problems: list[Problem] = []
    net: dict[str, int] = defaultdict(int)
    for line in lines:
        net[line.account] += line.amount.pence
    changed = [path for path, pence in net.items() if pence]  # a move between years leaves the total as it was
    for assertion in session.scalars(
        select(BalanceAssertion)
        .join(Account)
        .where(Account.fund_id == fund.id, Account.path.in_(changed), BalanceAssertion.date >= date)
    ):
        problems.append(
            Problem(
                assertion.account.path,
                f"This would break the balance assertion of {Money(assertion.amount_pence)} "
                f"on {assertion.date:%d %B %Y}",
            )
        )
    if problems:
        raise NotEnoughMoney(problems)


def reverse(
    session: Session, actor: Actor, *, transaction_id: int, decision: Authority, date: dt.date
) -> LedgerTransaction:
    """Undo a posted transaction with its mirror image; the original stays in the ledger."""
    require(actor, "funds.manage", object_type="ledger_transaction", object_id=transaction_id)
    original = session.get(LedgerTransaction, transaction_id)
    if original is None:
        raise NotFound(f"There is no transaction {transaction_id}")
    fund = lock_fund(session, original.fund_id)  # before the check, so two reversals at once queue
    if session.scalar(select(LedgerTransaction).where(LedgerTransaction.reverses_id == original.id)):
        raise Conflict(f"Transaction {transaction_id} has already been reversed")
    lines = [
        (posting.account, Money(-posting.amount_pence), FinancialYear(posting.financial_year))
        for posting in original.postings
    ]
    return post(
        session,
        actor,
        fund=fund,
        decision=decision,
        date=date,
        description=f"Reversal of transaction {original.id}: {original.description}"[:400],
        lines=lines,
        reverses=original,
    )


def record_spend(
    session: Session,
    actor: Actor,
    *,
    fund_id: int,
    project: str,
    amount: Money,
    year: FinancialYear,
    date: dt.date,
    decision: Authority,
    description: str,
    returned: bool = False,
) -> LedgerTransaction:
    """Spend from a theme or project (or give underspend back), under the decision that allocated it."""
    require(actor, "funds.spend", object_type="fund", object_id=fund_id)
    fund = lock_fund(session, fund_id)
    if amount.pence <= 0:
        raise InvalidInput([Problem("amount", "Amount must be £0.01 or more")])
    source = open_account(session, actor, fund, project)
    if source.kind not in (AccountKind.THEME, AccountKind.PROJECT):
        raise InvalidInput([Problem("project", f"{project} is not a theme or project")])
    root = "Returned" if returned else "Spend"
    target = open_account(session, actor, fund, root + source.path.removeprefix("Themes"))
    return post(
        session,
        actor,
        fund=fund,
        decision=decision,
        date=date,
        description=description,
        lines=[(source, -amount, year), (target, amount, year)],
    )


def add_balance_assertion(
    session: Session, actor: Actor, *, fund_id: int, account: str, date: dt.date, amount: Money
) -> BalanceAssertion:
    """Record that an account holds an amount at the end of a day; refused if it does not."""
    require(actor, "funds.manage", object_type="fund", object_id=fund_id)
    fund = lock_fund(session, fund_id)
    target = open_account(session, actor, fund, account)
    held = _balance_at(session, fund.id, target.path, date)
    if held != amount:
        raise InvalidInput([Problem(target.path, f"holds {held} at the end of {date:%d %B %Y}, not {amount}")])
    assertion = BalanceAssertion(account_id=target.id, date=date, amount_pence=amount.pence, created_by=actor.label)
    session.add(assertion)
    session.flush()
    audit.record(
        session,
        actor,
        "balance.asserted",
        object_type="fund",
        object_id=fund.id,
        account=target.path,
        date=str(date),
        amount=amount.plain(),
    )
    return assertion


def check_assertions(session: Session, actor: Actor, *, fund_id: int) -> list[Problem]:
    """Every balance assertion of the fund that the ledger no longer meets."""
    require(actor, "funds.view", object_type="fund", object_id=fund_id)
    problems = []
    for assertion in session.scalars(select(BalanceAssertion).join(Account).where(Account.fund_id == fund_id)):
        held = _balance_at(session, fund_id, assertion.account.path, assertion.date)
        if held.pence != assertion.amount_pence:
            problems.append(
                Problem(
                    assertion.account.path,
                    f"holds {held} at the end of {assertion.date:%d %B %Y}, "
                    f"but {Money(assertion.amount_pence)} was asserted",
                )
            )
    return problems


def _balance_at(session: Session, fund_id: int, path: str, date: dt.date) -> Money:
    return next((b.total for b in balances(session, fund_id, as_at=date, accounts=[path])), Money(0))


def statement(session: Session, actor: Actor, *, fund_id: int, as_at: dt.date | None = None) -> FundStatement:
    """Contributed by partner, allocated by theme and project, spent, returned and unallocated."""
    require(actor, "funds.view", object_type="fund", object_id=fund_id)
    as_at = as_at or business_dates.today()
    return engine.fund_statement(balances(session, fund_id, as_at=as_at), as_at)


def transactions(
    session: Session, actor: Actor, *, fund_id: int, page: int = 1, page_size: int = 50
) -> Page[LedgerTransaction]:
    require(actor, "funds.view", object_type="fund", object_id=fund_id)
    return paginate(
        session,
        select(LedgerTransaction)
        .where(LedgerTransaction.fund_id == fund_id)
        .order_by(LedgerTransaction.date.desc(), LedgerTransaction.id.desc()),
        page=page,
        page_size=page_size,
    )
