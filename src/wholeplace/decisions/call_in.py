"""When an approved decision's money moves: after its call-in period, unless it is called in, or at once if urgent.

Local authority executive decisions can be "called in" by scrutiny members for a few working days after they are
published, and are not implemented until that period ends (Local Government Act 2000, s.9F; each council's
constitution sets the days, commonly five). So approving records the decision and the day its period ends
(`period_end`); the money posts when the period has ended without a call-in (`post_money`, `release_due`), when a
call-in is upheld, or at approval if the decision maker marked it urgent with a reason. The money check is binding
at approval (`check_money_would_post`, a trial posting rolled back) and again when the money posts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit, business_dates
from wholeplace.auth.actor import Actor, allowed, require
from wholeplace.db import utcnow
from wholeplace.decisions.model import CallIn, CallInOutcome, Decision, DecisionStatus
from wholeplace.funds import ledger
from wholeplace.funds.ledger import NotEnoughMoney
from wholeplace.funds.model import Fund, LedgerTransaction
from wholeplace.money import FinancialYear, Money
from wholeplace.plain_text import clean_free_text, clean_name
from wholeplace.problems import Conflict, InvalidInput, NotFound, Problem
from wholeplace.settings import get_settings

DASH = "\N{EN DASH}"  # as a status reads: "Approved, en dash, call-in period ends on 12 August 2013"
OUTCOME_WORDS = {
    CallInOutcome.UPHELD: "upheld: the decision stands",
    CallInOutcome.REFERRED_BACK: "referred back to the decision maker",
    CallInOutcome.REJECTED: "overturned",
}


def day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


def period_end(decision: Decision, working_days: int | None) -> dt.date | None:
    """The last day the approved decision can be called in; None when it cannot be (urgent, or no period set).

    Counted in working days of England and Wales from the date decided (`working_days`, or the setting). A
    decision taken before the bank holiday calendar starts is long past any call-in: None.
    """
    days = get_settings().call_in_working_days if working_days is None else working_days
    decided_on = decision.decided_on
    assert decided_on is not None  # signed before the period is counted
    if decision.urgent_reason or days == 0 or decided_on.year < business_dates.calendar_years().start:
        return None
    try:
        return business_dates.add_working_days(decided_on, days)
    except business_dates.OutsideTheCalendar as error:
        raise InvalidInput([Problem("decided_on", f"{error}: the call-in period cannot be counted")]) from None


def open_call_in(decision: Decision) -> CallIn | None:
    return next((call_in for call_in in decision.call_ins if call_in.outcome is None), None)


def due(decision: Decision, today: dt.date) -> bool:
    """Whether the approved decision's money may post today: nothing posted yet, no call-in waiting for its
    outcome, and the period ended (or a call-in was upheld, or there is no period)."""
    if decision.status is not DecisionStatus.APPROVED or decision.money_posted_at is not None:
        return False
    if open_call_in(decision) is not None:
        return False
    upheld = any(call_in.outcome is CallInOutcome.UPHELD for call_in in decision.call_ins)
    return upheld or decision.call_in_ends_on is None or decision.call_in_ends_on < today


def money_state(decision: Decision, today: dt.date) -> str | None:
    """Where an approved (or stopped) decision's money stands, in words; None for a draft or a rejection."""
    if decision.status is DecisionStatus.STOPPED:
        stopped = next((c for c in decision.call_ins if c.outcome is not None and c.outcome_on is not None), None)
        if stopped is None or stopped.outcome is None or stopped.outcome_on is None:
            return "Stopped on call-in: no money moves"
        return f"Stopped on call-in: {OUTCOME_WORDS[stopped.outcome]} on {day(stopped.outcome_on)}. No money moves"
    if decision.status is not DecisionStatus.APPROVED:
        return None
    if decision.money_posted_at is not None and not decision.recommendations:
        return f"Approved {DASH} it moves no money itself: it agrees what its purpose says"
    if decision.money_posted_at is not None:
        return f"Approved {DASH} money posted on {day(business_dates.london_date(decision.money_posted_at))}"
    if (waiting := open_call_in(decision)) is not None:
        return f"Approved {DASH} called in on {day(waiting.called_in_on)}: its money waits for the call-in's outcome"
    if due(decision, today):
        ended = f"call-in period ended on {day(decision.call_in_ends_on)}: " if decision.call_in_ends_on else ""
        return f"Approved {DASH} {ended}its money is due to post"
    assert decision.call_in_ends_on is not None
    return f"Approved {DASH} call-in period ends on {day(decision.call_in_ends_on)}"


def _post_recommendations(session: Session, actor: Actor, fund: Fund, decision: Decision) -> list[LedgerTransaction]:
    return [
        ledger.post(
            session,
            actor,
            fund=fund,
            decision=decision,
            date=item.effective_date,
            description=f"{decision.reference} {item.number}: {item.text}"[:400],
            lines=[
                (item.from_account, Money(-item.amount_pence), FinancialYear(item.from_year)),
                (item.to_account, Money(item.amount_pence), FinancialYear(item.to_year)),
            ],
        )
        for item in decision.recommendations
    ]


def post_now(session: Session, actor: Actor, decision: Decision, fund: Fund) -> list[LedgerTransaction]:
    """Post the decision's money (the caller holds the fund's lock and has checked it is due)."""
    decision.money_posted_at = utcnow()  # first: the ledger posts only under a decision in force
    posted = _post_recommendations(session, actor, fund, decision)
    audit.record(
        session,
        actor,
        "decision.money_posted",
        object_type="decision",
        object_id=decision.id,
        reference=decision.reference,
        transactions=[t.id for t in posted],
    )
    return posted


def waiting_to_post(session: Session, fund_id: int, *, excluding: int | None = None) -> list[Decision]:
    """The fund's approved decisions whose money has not posted yet, in the order they were decided."""
    statement = (
        select(Decision)
        .where(
            Decision.fund_id == fund_id,
            Decision.status == DecisionStatus.APPROVED,
            Decision.money_posted_at.is_(None),
        )
        .order_by(Decision.decided_on, Decision.id)
    )
    return [decision for decision in session.scalars(statement) if decision.id != excluding]


def check_money_would_post(session: Session, actor: Actor, decision: Decision, fund: Fund) -> None:
    """Raise NotEnoughMoney unless the decision's money could post now, after the money of every decision approved
    and still waiting (each of those tried in turn, and left out if it could not post). Nothing stays posted."""
    trial = session.begin_nested()
    tried = [*waiting_to_post(session, fund.id, excluding=decision.id), decision]
    try:
        for waiting in tried[:-1]:
            try:
                with session.begin_nested():
                    waiting.money_posted_at = utcnow()  # as if in force, for the trial only
                    _post_recommendations(session, actor, fund, waiting)
            except NotEnoughMoney:
                continue
        decision.money_posted_at = utcnow()
        _post_recommendations(session, actor, fund, decision)
    finally:
        trial.rollback()
        for each in tried:  # read back from the database: the dates the trial set do not stay either
            session.expire(each, ["money_posted_at"])


def _approved(session: Session, decision_id: int) -> Decision:
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFound(f"There is no decision {decision_id}")
    return decision


def post_money(session: Session, actor: Actor, *, decision_id: int) -> list[LedgerTransaction]:
    """Post an approved decision's money once it is due; refused (and nothing posted) before, or if it is not there."""
    require(actor, "decisions.post", object_type="decision", object_id=decision_id)
    decision = _approved(session, decision_id)
    fund = ledger.lock_fund(session, decision.fund_id)
    session.refresh(decision)  # under the lock: a release or another click may have posted it
    if decision.money_posted_at is not None:
        raise Conflict(f"The money of {decision.reference} has already been posted")
    if decision.status is not DecisionStatus.APPROVED:
        raise Conflict(f"{decision.reference} is {decision.status.value}: it has no money to post")
    if not due(decision, business_dates.today()):
        raise Conflict(f"{decision.reference} is not due to post: {money_state(decision, business_dates.today())}")
    return post_now(session, actor, decision, fund)


@dataclass(frozen=True)
class Release:
    """What a release did: the references posted, and those due whose money is not there (with why)."""

    posted: list[str]
    refused: list[tuple[str, list[Problem]]]


def release_due(session: Session, actor: Actor, *, today: dt.date | None = None) -> Release:
    """Post the money of every approved decision that is due, each on its own; one short of money is left due and
    named, the others still post. For a daily timer (`wholeplace decisions release`)."""
    require(actor, "decisions.post", object_type="decision")
    today = today or business_dates.today()
    candidates = session.scalars(
        select(Decision.id)
        .where(Decision.status == DecisionStatus.APPROVED, Decision.money_posted_at.is_(None))
        .order_by(Decision.decided_on, Decision.id)
    ).all()
    posted, refused = [], []
    for decision_id in candidates:
        decision = _approved(session, decision_id)
        if not due(decision, today):
            continue
        try:
            with session.begin_nested():
                fund = ledger.lock_fund(session, decision.fund_id)
                post_now(session, actor, decision, fund)
            posted.append(decision.reference)
        except NotEnoughMoney as error:
            refused.append((decision.reference, error.problems))
            audit.record(
                session,
                actor,
                "decision.money_refused",
                object_type="decision",
                object_id=decision.id,
                reference=decision.reference,
                problems=[str(problem) for problem in error.problems],
            )
    return Release(posted, refused)


def record_call_in(
    session: Session, actor: Actor, *, decision_id: int, called_in_by: str, reason: str, called_in_on: dt.date | None
) -> CallIn:
    """Record that members called an approved decision in, within its period: its money waits for the outcome."""
    require(actor, "decisions.call_in", object_type="decision", object_id=decision_id)
    decision = _approved(session, decision_id)
    ledger.lock_fund(session, decision.fund_id)  # queue behind a release posting the same decision
    session.refresh(decision)
    today = business_dates.today()
    problems: list[Problem] = []
    who, who_problems = clean_name(called_in_by, where="called_in_by", label="Who called it in", max_length=300)
    if not who:
        problems.append(
            Problem("called_in_by", "Enter who called the decision in, like Councillors A Smith and B Jones")
        )
    else:
        problems += who_problems
    if not reason.strip():
        problems.append(Problem("reason", "Enter why the decision was called in"))
    problems += clean_free_text(reason, where="reason", label="Reason", max_length=20_000)[1]
    if called_in_on is None:
        problems.append(Problem("called_in_on", "Enter the date it was called in"))
    if problems:
        raise InvalidInput(problems)
    assert called_in_on is not None
    _check_may_be_called_in(decision, called_in_on, today)
    call_in = CallIn(
        decision=decision, called_in_by=who, reason=reason.strip(), called_in_on=called_in_on, recorded_by=actor.label
    )
    session.add(call_in)
    session.flush()
    audit.record(
        session,
        actor,
        "decision.called_in",
        object_type="decision",
        object_id=decision.id,
        reference=decision.reference,
        called_in_by=who,
        called_in_on=str(called_in_on),
        reason=call_in.reason,
    )
    return call_in


def _check_may_be_called_in(decision: Decision, called_in_on: dt.date, today: dt.date) -> None:
    if decision.status is not DecisionStatus.APPROVED:
        raise Conflict(f"{decision.reference} is {decision.status.value}: only an approved decision can be called in")
    if decision.money_posted_at is not None or decision.call_in_ends_on is None:
        reason = f"it was urgent ({decision.urgent_reason})" if decision.urgent_reason else "its money has posted"
        raise Conflict(f"{decision.reference} can no longer be called in: {reason}")
    if decision.call_ins:
        raise Conflict(f"{decision.reference} was called in on {day(decision.call_ins[0].called_in_on)} already")
    assert decision.decided_on is not None
    ends = decision.call_in_ends_on
    if not decision.decided_on <= called_in_on <= min(ends, today):
        raise InvalidInput(
            [
                Problem(
                    "called_in_on",
                    f"The date called in must be within the call-in period, {day(decision.decided_on)} to {day(ends)}"
                    + (f", and not after today, {day(today)}" if today < ends else ""),
                )
            ]
        )


def record_outcome(
    session: Session,
    actor: Actor,
    *,
    decision_id: int,
    outcome: CallInOutcome,
    outcome_on: dt.date | None,
    note: str = "",
) -> CallIn:
    """Record what came of the call-in. Upheld, the decision stands and its money is due: it posts now if this user
    may post money (left due, and named in the audit trail, if the money is not there), or at the next release or
    "Post the money now". Referred back or overturned, the decision is stopped: its money never moves."""
    require(actor, "decisions.call_in", object_type="decision", object_id=decision_id)
    decision = _approved(session, decision_id)
    fund = ledger.lock_fund(session, decision.fund_id)
    session.refresh(decision)
    call_in = open_call_in(decision)
    if call_in is None:
        raise Conflict(f"{decision.reference} has no call-in waiting for its outcome")
    today = business_dates.today()
    if outcome_on is None:
        raise InvalidInput([Problem("outcome_on", "Enter the date of the outcome")])
    if not call_in.called_in_on <= outcome_on <= today:
        raise InvalidInput(
            [
                Problem(
                    "outcome_on",
                    f"The date of the outcome must be from {day(call_in.called_in_on)}, when it was called in, "
                    f"to today, {day(today)}",
                )
            ]
        )
    if note_problems := clean_free_text(note, where="note", label="Note", max_length=20_000)[1]:
        raise InvalidInput(note_problems)
    call_in.outcome, call_in.outcome_on = outcome, outcome_on
    call_in.outcome_note, call_in.outcome_recorded_by = note.strip() or None, actor.label
    if outcome is not CallInOutcome.UPHELD:
        decision.status = DecisionStatus.STOPPED
    audit.record(
        session,
        actor,
        "decision.call_in_outcome",
        object_type="decision",
        object_id=decision.id,
        reference=decision.reference,
        call_in_outcome=outcome.value,  # not `outcome`: that is the audit entry's own (allowed or refused)
        outcome_on=str(outcome_on),
        note=call_in.outcome_note,
    )
    session.flush()
    if outcome is CallInOutcome.UPHELD and allowed(actor, "decisions.post"):
        _try_to_post(session, actor, decision, fund)
    return call_in


def _try_to_post(session: Session, actor: Actor, decision: Decision, fund: Fund) -> None:
    try:
        with session.begin_nested():
            post_now(session, actor, decision, fund)
    except NotEnoughMoney as error:
        audit.record(
            session,
            actor,
            "decision.money_refused",
            object_type="decision",
            object_id=decision.id,
            reference=decision.reference,
            problems=[str(problem) for problem in error.problems],
        )
