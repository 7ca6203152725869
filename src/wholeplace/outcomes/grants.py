"""Grant monitoring: the grants a fund has made, the quarterly returns each owes (late and missing flagged),
spend in a return reconciled with the ledger, and the indicators each grant is meant to move.

A grant is a theme or project account that an approved decision put money into. Returns are owed for every
quarter from the one it was first funded in to the end of the last year its money is profiled to, each due
`RETURN_DUE_DAYS` after its quarter ends (a local rule: docs/outcomes.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor, require
from wholeplace.business_dates import today
from wholeplace.funds.model import Account, AccountKind, LedgerTransaction, Posting
from wholeplace.money import FinancialYear, Money
from wholeplace.outcomes.model import GrantReturn, Indicator, IndicatorLink, LinkKind
from wholeplace.outcomes.periods import Period, PeriodKind
from wholeplace.plain_text import clean_free_text
from wholeplace.problems import Conflict, InvalidInput, NotFound, Problem

RETURN_DUE_DAYS = 30
GRANT_KINDS = (AccountKind.THEME, AccountKind.PROJECT)


class ReturnState(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    NOT_DUE = "not_due"

    @property
    def label(self) -> str:
        return {"on_time": "Received", "late": "Received late", "missing": "Missing", "not_due": "Not yet due"}[
            self.value
        ]


@dataclass(frozen=True)
class Grant:
    account: Account
    allocated: Money
    first_funded: dt.date
    last_year: FinancialYear  # the last financial year money is profiled to: returns are owed until it ends

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def theme(self) -> str:
        """The theme a project sits under, in words ("Reducing Re-offending"), or the grant's own name."""
        parts = self.account.path.split(":")[1:]
        return " / ".join(parts[:-1]) or parts[-1]


@dataclass(frozen=True)
class ReturnDue:
    period: Period
    due_on: dt.date
    state: ReturnState
    submitted: GrantReturn | None
    ledger_spend: Money | None  # spend the ledger holds to the quarter's end, where a return was made

    @property
    def difference(self) -> Money | None:
        """Return less ledger: shown whenever it is not nothing, never hidden."""
        if self.submitted is None or self.ledger_spend is None:
            return None
        return Money(self.submitted.spend_to_date_pence) - self.ledger_spend


def spend_path(account: Account) -> str:
    """Where the ledger records spend from a theme or project: `Spend:` and the path under `Themes:`."""
    return "Spend" + account.path.removeprefix("Themes")


def grants(session: Session, actor: Actor, *, fund_id: int) -> list[Grant]:
    """Every theme and project account that money was put into, by path.

    What a grant was given is its balance plus what went out of it to spend or back as unspent, so a
    re-profiling between its own years, a reversal or a transfer out changes it as the fund statement does.
    """
    require(actor, "outcomes.view", object_type="fund", object_id=fund_id)
    accounts = {account.path: account for account in session.scalars(select(Account).where(Account.fund_id == fund_id))}
    by_year: dict[str, dict[int, int]] = {}
    for path, year, pence in session.execute(
        select(Account.path, Posting.financial_year, func.sum(Posting.amount_pence))
        .join(Posting, Posting.account_id == Account.id)
        .where(Account.fund_id == fund_id)
        .group_by(Account.path, Posting.financial_year)
    ):
        by_year.setdefault(path, {})[year] = int(pence)
    first_funded = {
        path: first
        for path, first in session.execute(
            select(Account.path, func.min(LedgerTransaction.date))
            .join(Posting, Posting.account_id == Account.id)
            .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
            .where(Account.fund_id == fund_id, Account.kind.in_(GRANT_KINDS), Posting.amount_pence > 0)
            .group_by(Account.path)
        )
    }
    found = []
    for path in sorted(first_funded):
        account = accounts[path]
        given: dict[int, int] = {}
        for source in (path, spend_path(account), "Returned" + path.removeprefix("Themes")):
            for year, pence in by_year.get(source, {}).items():
                given[year] = given.get(year, 0) + pence
        total = sum(given.values())
        if total > 0:
            last = max(year for year, pence in given.items() if pence > 0)
            found.append(Grant(account, Money(total), first_funded[path], FinancialYear(last)))
    return found


def get_grant(session: Session, actor: Actor, account_id: int) -> Grant:
    account = session.get(Account, account_id)
    if account is None or account.kind not in GRANT_KINDS:
        raise NotFound(f"There is no grant {account_id}")
    for grant in grants(session, actor, fund_id=account.fund_id):
        if grant.account.id == account_id:
            return grant
    raise NotFound(f"No money has been put into {account.name}, so it is not a grant")


def ledger_spend(session: Session, account: Account, *, up_to: dt.date) -> Money:
    """Spend from the grant that the ledger holds, to the end of a day."""
    pence = session.scalar(
        select(func.coalesce(func.sum(Posting.amount_pence), 0))
        .join(Account, Account.id == Posting.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(
            Account.fund_id == account.fund_id,
            Account.path == spend_path(account),
            LedgerTransaction.date <= up_to,
        )
    )
    return Money(int(pence or 0))


def returns_due(session: Session, actor: Actor, grant: Grant, *, on: dt.date | None = None) -> list[ReturnDue]:
    """Every quarter's return the grant owes to the end of its money's last year, oldest first: each received
    on time, late, missing or not yet due."""
    require(actor, "outcomes.view", object_type="grant", object_id=grant.account.id)
    day = on or today()
    last = grant.last_year.ends
    submitted = {
        item.period_start: item
        for item in session.scalars(select(GrantReturn).where(GrantReturn.account_id == grant.account.id))
    }
    due = []
    quarter = Period.of_date(grant.first_funded, PeriodKind.QUARTER)
    while quarter.starts <= min(last, day):
        due_on = quarter.ends + dt.timedelta(days=RETURN_DUE_DAYS)
        made = submitted.get(quarter.starts)
        if made is not None:
            state = ReturnState.LATE if made.submitted_on > due_on else ReturnState.ON_TIME
            spend = ledger_spend(session, grant.account, up_to=quarter.ends)
        else:
            state, spend = (ReturnState.MISSING if day > due_on else ReturnState.NOT_DUE), None
        due.append(ReturnDue(quarter, due_on, state, made, spend))
        quarter = quarter.next()
    return due


@dataclass(frozen=True)
class ReturnIn:
    period: Period
    spend_to_date: Money
    outputs: str = ""
    outcome_measures: Sequence[dict[str, Any]] = ()
    narrative: str = ""
    risks: str = ""
    submitted_on: dt.date | None = None


def submit_return(session: Session, actor: Actor, *, account_id: int, given: ReturnIn) -> GrantReturn:
    """Record a quarter's return; a quarter has one return, and one for a quarter not yet begun is refused."""
    require(actor, "outcomes.returns", object_type="grant", object_id=account_id)
    grant = get_grant(session, actor, account_id)
    problems = []
    submitted_on = given.submitted_on or today()
    if given.period.kind is not PeriodKind.QUARTER:
        problems.append(Problem("period", "Returns are quarterly: give a quarter like 2013/14 Q2"))
    elif given.period.starts > today():
        problems.append(Problem("period", f"{given.period} has not begun"))
    elif given.period.ends < Period.of_date(grant.first_funded, PeriodKind.QUARTER).starts:
        problems.append(Problem("period", f"{grant.name} was first funded on {grant.first_funded:%d %B %Y}"))
    if given.spend_to_date.pence < 0:
        problems.append(Problem("spend_to_date", "Spend to date must be £0.00 or more"))
    if submitted_on > today():
        problems.append(Problem("submitted_on", "The date submitted cannot be in the future"))
    elif submitted_on < given.period.starts and not problems:
        problems.append(Problem("submitted_on", f"The date submitted is before {given.period} began"))
    texts = {}
    for name, text, limit in (
        ("outputs", given.outputs, 10_000),
        ("narrative", given.narrative, 20_000),
        ("risks", given.risks, 10_000),
    ):
        texts[name], found = clean_free_text(text, where=name, label=name.capitalize(), max_length=limit)
        problems += found
    if problems:
        raise InvalidInput(problems)
    exists = session.scalar(
        select(GrantReturn).where(GrantReturn.account_id == account_id, GrantReturn.period_start == given.period.starts)
    )
    if exists is not None:
        raise Conflict(f"The return for {given.period} was submitted on {exists.submitted_on:%d %B %Y}")
    made = GrantReturn(
        account_id=account_id,
        period_start=given.period.starts,
        period_kind=given.period.kind,
        spend_to_date_pence=given.spend_to_date.pence,
        outputs=texts["outputs"],
        outcome_measures=list(given.outcome_measures),
        narrative=texts["narrative"],
        risks=texts["risks"],
        submitted_on=submitted_on,
        submitted_by=actor.label,
    )
    session.add(made)
    session.flush()
    audit.record(
        session,
        actor,
        "grant_return.submitted",
        object_type="grant",
        object_id=account_id,
        period=str(given.period),
        spend_to_date=given.spend_to_date.plain(),
    )
    return made


def indicators_for_accounts(session: Session, account_ids: Sequence[int]) -> dict[int, list[Indicator]]:
    """The indicators each grant is meant to move."""
    found: dict[int, list[Indicator]] = {}
    for link in session.scalars(
        select(IndicatorLink).where(IndicatorLink.kind == LinkKind.GRANT, IndicatorLink.account_id.in_(account_ids))
    ):
        assert link.account_id is not None
        found.setdefault(link.account_id, []).append(link.indicator)
    return found


def link_grant(session: Session, actor: Actor, *, indicator_id: int, account_id: int) -> IndicatorLink:
    """Say that a grant is meant to move an indicator."""
    require(actor, "outcomes.manage", object_type="indicator", object_id=indicator_id)
    get_grant(session, actor, account_id)
    existing = session.scalar(
        select(IndicatorLink).where(
            IndicatorLink.kind == LinkKind.GRANT,
            IndicatorLink.indicator_id == indicator_id,
            IndicatorLink.account_id == account_id,
        )
    )
    if existing is not None:
        return existing
    link = IndicatorLink(indicator_id=indicator_id, kind=LinkKind.GRANT, account_id=account_id)
    session.add(link)
    session.flush()
    audit.record(session, actor, "indicator.linked", object_type="indicator", object_id=indicator_id, grant=account_id)
    return link


def accounts_named(session: Session, account_ids: Sequence[int | None]) -> list[Account]:
    """The accounts with these ids, by path: for pages that name the grants an indicator is linked to."""
    wanted = [account_id for account_id in account_ids if account_id is not None]
    return list(session.scalars(select(Account).where(Account.id.in_(wanted)).order_by(Account.path))) if wanted else []
