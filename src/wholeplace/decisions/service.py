"""Use cases of decision records: draft, approve (posting the money), reject; meetings and actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit, business_dates
from wholeplace.auth.actor import Actor, require
from wholeplace.db import utcnow
from wholeplace.decisions.engine import FigureCheck, RecommendationFigures, check_figures
from wholeplace.decisions.model import (
    ActionStatus,
    Decision,
    DecisionStatus,
    Meeting,
    MeetingAction,
    Recommendation,
)
from wholeplace.funds import ledger
from wholeplace.funds.model import AccountKind, LedgerTransaction
from wholeplace.money import FinancialYear, Money
from wholeplace.paging import Page, paginate
from wholeplace.plain_text import clean_free_text, clean_name
from wholeplace.problems import AccessRefused, Conflict, InvalidInput, NotFound, Problem, Refusal


@dataclass(frozen=True)
class RecommendationIn:
    number: str
    text: str
    amount: Money
    from_account: str  # path, e.g. "Contributions:Police and Crime Commissioner for Essex" or "Pool:Unallocated"
    to_account: str
    from_year: FinancialYear
    to_year: FinancialYear | None = None  # a re-profiling moves money to another year
    effective_date: dt.date | None = None  # defaults to the report date
    stated_fraction: str | None = None
    fraction_of: Money | None = None


@dataclass(frozen=True)
class DecisionIn:
    reference: str
    title: str
    report_date: dt.date
    author: str
    decision_maker: str
    recommendations: list[RecommendationIn]
    purpose: str = ""
    financial_implications: str = ""
    stated_total: Money | None = None
    publish: bool = True
    non_publication_reason: str | None = None


def draft_decision(session: Session, actor: Actor, *, fund_id: int, draft: DecisionIn) -> Decision:
    """A draft decision holding the postings its approval would make. A draft moves no money."""
    require(actor, "decisions.draft", object_type="decision")
    fund = ledger.get_fund(session, actor, fund_id)
    problems = []
    reference, reference_problems = clean_name(draft.reference, where="reference", label="Reference", max_length=60)
    if not reference:
        problems.append(Problem("reference", "Enter the decision's reference, like PCC/038/13"))
    elif reference_problems:
        problems += reference_problems
    elif session.scalar(select(Decision).where(Decision.reference == reference)):
        problems.append(Problem("reference", f"There is already a decision {reference}"))
    title, title_problems = clean_name(draft.title, where="title", label="Title", max_length=300)
    author, author_problems = (
        clean_name(draft.author, where="author", label="Author", max_length=200) if draft.author.strip() else ("", [])
    )
    maker, maker_problems = clean_name(
        draft.decision_maker, where="decision_maker", label="Decision maker", max_length=200
    )
    problems += title_problems + author_problems + maker_problems
    for field, text in (
        ("purpose", draft.purpose),
        ("financial_implications", draft.financial_implications),
        ("non_publication_reason", draft.non_publication_reason or ""),
    ):
        problems += clean_free_text(text, where=field, label=field.replace("_", " ").capitalize(), max_length=20_000)[1]
    if not draft.recommendations:
        problems.append(Problem("recommendations", "Add at least one recommendation with an amount"))
    if not draft.publish and not (draft.non_publication_reason or "").strip():
        problems.append(Problem("non_publication_reason", "Say why the decision is not for publication"))
    recommendations = []
    for position, item in enumerate(draft.recommendations, start=1):
        where = f"recommendations[{position}]"
        if item.amount.pence <= 0:
            problems.append(Problem(f"{where}.amount", "Amount must be £0.01 or more"))
        to_year = item.to_year or item.from_year
        for field, year in (("from_year", item.from_year), ("to_year", to_year)):
            if year.start_year not in range(fund.first_year, fund.last_year + 1):
                problems.append(Problem(f"{where}.{field}", f"{year} is outside the fund's years, {fund.years_label}"))
        if item.from_account == item.to_account and item.from_year == to_year:
            problems.append(Problem(f"{where}.to_account", "Money must move to another account or year"))
        opened = {}
        for field, path in (("from_account", item.from_account), ("to_account", item.to_account)):
            try:
                opened[field] = ledger.open_account(session, actor, fund, path)
            except InvalidInput as error:
                problems += [Problem(f"{where}.{field}", p.message) for p in error.problems]
        if len(opened) < 2:
            continue
        source, target = opened["from_account"], opened["to_account"]
        if target.kind is AccountKind.CONTRIBUTION:
            problems.append(Problem(f"{where}.to_account", "Money cannot be paid into a contribution account"))
        recommendations.append(
            Recommendation(
                position=position,
                number=item.number,
                text=item.text,
                amount_pence=item.amount.pence,
                from_account=source,
                to_account=target,
                from_year=item.from_year.start_year,
                to_year=to_year.start_year,
                effective_date=item.effective_date or draft.report_date,
                stated_fraction=item.stated_fraction,
                fraction_of_pence=item.fraction_of.pence if item.fraction_of else None,
            )
        )
    if problems:
        raise InvalidInput(problems)
    decision = Decision(
        reference=reference,
        fund=fund,
        title=title,
        report_date=draft.report_date,
        author=author,
        decision_maker=maker,
        purpose=draft.purpose,
        financial_implications=draft.financial_implications,
        stated_total_pence=draft.stated_total.pence if draft.stated_total else None,
        publish=draft.publish,
        non_publication_reason=draft.non_publication_reason,
        created_by=actor.label,
        drafted_by_user_id=actor.user_id,
        recommendations=recommendations,
    )
    session.add(decision)
    session.flush()
    audit.record(
        session,
        actor,
        "decision.drafted",
        object_type="decision",
        object_id=decision.id,
        reference=decision.reference,
        total=Money.total(Money(r.amount_pence) for r in recommendations).plain(),
    )
    return decision


@dataclass(frozen=True)
class Signature:
    """What the signed decision record says: the day it was decided and who signed it.

    Left out, the day is today in London and the signatory the office the report was put to.
    """

    decided_on: dt.date | None = None
    signed_by: str | None = None


def why_not_decide(decision: Decision, actor: Actor) -> str | None:
    """Why this user may not decide this draft, or None. Two rules beyond the role:

    maker-checker (whoever drafted it may not decide it) and the accountable body (only decision makers of the
    partner holding the fund decide its money). The console and the demo loader (no user) record decisions
    already taken on paper, so neither rule applies to them.
    """
    if actor.user_id is None:
        return None
    if decision.drafted_by_user_id == actor.user_id:
        return f"You drafted {decision.reference}, so another decision maker must decide it"
    if actor.organisation_id != decision.fund.holder_id:
        return (
            f"{decision.fund.name} is held by {decision.fund.holder.name}: only its decision makers can decide "
            f"{decision.reference}"
        )
    return None


def _check_may_decide(decision: Decision, actor: Actor) -> None:
    if (reason := why_not_decide(decision, actor)) is not None:
        raise AccessRefused(reason, Refusal(actor, "decisions.decide", "decision", str(decision.id), reason))


def _sign(decision: Decision, actor: Actor, signature: Signature) -> None:
    """Record the decision's own date and signatory, and when and by whom it was entered here."""
    today = business_dates.today()
    decided_on = signature.decided_on or today
    problems = []
    if decided_on < decision.report_date:
        problems.append(
            Problem(
                "decided_on",
                f"The date decided must be on or after the report's date, {decision.report_date:%-d %B %Y}",
            )
        )
    elif decided_on > today:
        problems.append(Problem("decided_on", f"The date decided cannot be after today, {today:%-d %B %Y}"))
    signed_by, signatory_problems = clean_name(
        signature.signed_by if signature.signed_by is not None else decision.decision_maker,
        where="signed_by",
        label="Signatory",
        max_length=200,
    )
    problems += signatory_problems
    if problems:
        raise InvalidInput(problems)
    decision.decided_on, decision.signed_by = decided_on, signed_by
    decision.recorded_at, decision.recorded_by = utcnow(), actor.label


def approve_decision(
    session: Session, actor: Actor, *, decision_id: int, signature: Signature | None = None
) -> list[LedgerTransaction]:
    """Approve a draft and post every recommendation, all in the caller's one database transaction."""
    require(actor, "decisions.decide", object_type="decision", object_id=decision_id)
    decision = _draft(session, decision_id)
    fund = ledger.lock_fund(session, decision.fund_id)
    session.refresh(decision)  # read again under the lock: another approval may have got there first
    if decision.status is not DecisionStatus.DRAFT:
        raise Conflict(f"{decision.reference} has already been {decision.status.value}")
    _check_may_decide(decision, actor)
    _sign(decision, actor, signature or Signature())
    decision.status = DecisionStatus.APPROVED
    posted = [
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
    audit.record(
        session,
        actor,
        "decision.approved",
        object_type="decision",
        object_id=decision.id,
        reference=decision.reference,
        decided_on=str(decision.decided_on),
        signed_by=decision.signed_by,
        transactions=[t.id for t in posted],
    )
    return posted


def reject_decision(
    session: Session, actor: Actor, *, decision_id: int, reason: str, signature: Signature | None = None
) -> Decision:
    """Reject a draft with a reason; nothing is posted."""
    require(actor, "decisions.decide", object_type="decision", object_id=decision_id)
    if not reason.strip():
        raise InvalidInput([Problem("reason", "Enter the reason the recommendations are not agreed")])
    decision = _draft(session, decision_id)
    ledger.lock_fund(session, decision.fund_id)  # queue behind an approval of the same draft
    session.refresh(decision)
    if decision.status is not DecisionStatus.DRAFT:
        raise Conflict(f"{decision.reference} has already been {decision.status.value}")
    _check_may_decide(decision, actor)
    _sign(decision, actor, signature or Signature())
    decision.status, decision.rejection_reason = DecisionStatus.REJECTED, reason.strip()
    audit.record(
        session,
        actor,
        "decision.rejected",
        object_type="decision",
        object_id=decision.id,
        reference=decision.reference,
        decided_on=str(decision.decided_on),
        signed_by=decision.signed_by,
        reason=decision.rejection_reason,
    )
    return decision


def _draft(session: Session, decision_id: int) -> Decision:
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFound(f"There is no decision {decision_id}")
    if decision.status is not DecisionStatus.DRAFT:
        raise Conflict(f"{decision.reference} has already been {decision.status.value}")
    return decision


def get_decision(session: Session, actor: Actor, decision_id: int) -> Decision:
    require(actor, "decisions.view", object_type="decision", object_id=decision_id)
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFound(f"There is no decision {decision_id}")
    return decision


def list_decisions(
    session: Session,
    actor: Actor,
    *,
    fund_id: int | None = None,
    status: DecisionStatus | None = None,
    effective_by: dt.date | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page[Decision]:
    """Decisions, newest report first; `effective_by` keeps those with money moving on or before that day."""
    require(actor, "decisions.view", object_type="decision")
    statement = select(Decision).order_by(Decision.report_date.desc(), Decision.reference)
    if fund_id is not None:
        statement = statement.where(Decision.fund_id == fund_id)
    if status is not None:
        statement = statement.where(Decision.status == status)
    if effective_by is not None:
        statement = statement.where(
            select(Recommendation.id)
            .where(Recommendation.decision_id == Decision.id, Recommendation.effective_date <= effective_by)
            .exists()
        )
    return paginate(session, statement, page=page, page_size=page_size)


def _allocates(item: Recommendation) -> bool:
    """Moves money from the pool to a theme or project (not a contribution, not a re-profiling)."""
    return item.from_account.kind is AccountKind.UNALLOCATED and item.to_account.kind in (
        AccountKind.THEME,
        AccountKind.PROJECT,
    )


def allocated_total(decision: Decision) -> Money:
    """What the decision allocates from the pool to themes and projects."""
    return Money.total(Money(item.amount_pence) for item in decision.recommendations if _allocates(item))


def figure_checks(decision: Decision) -> list[FigureCheck]:
    """The report's stated total and fractions against its amounts."""
    items = [
        RecommendationFigures(
            item.number,
            item.text,
            Money(item.amount_pence),
            _allocates(item),
            item.stated_fraction,
            Money(item.fraction_of_pence) if item.fraction_of_pence is not None else None,
        )
        for item in decision.recommendations
    ]
    stated = Money(decision.stated_total_pence) if decision.stated_total_pence is not None else None
    return check_figures(stated, items)


def record_meeting(
    session: Session,
    actor: Actor,
    *,
    body: str,
    date: dt.date,
    place: str = "",
    minutes: str = "",
    actions: list[tuple[str, str, dt.date | None]] = (),  # type: ignore[assignment]
) -> Meeting:
    """A meeting with its numbered actions (text, owner, due date), as minuted."""
    require(actor, "meetings.manage", object_type="meeting")
    problems = [Problem("body", "Enter the name of the board or group")] if not body.strip() else []
    problems += [
        Problem(f"actions[{n}].owner", "Enter who owns the action")
        for n, (_text, owner, _due) in enumerate(actions, start=1)
        if not owner.strip()
    ]
    if problems:
        raise InvalidInput(problems)
    meeting = Meeting(
        body=body.strip(),
        date=date,
        place=place,
        minutes=minutes,
        actions=[
            MeetingAction(number=n, text=text, owner=owner, due_date=due)
            for n, (text, owner, due) in enumerate(actions, start=1)
        ],
    )
    session.add(meeting)
    session.flush()
    audit.record(session, actor, "meeting.recorded", object_type="meeting", object_id=meeting.id, body=meeting.body)
    return meeting


def set_action_status(session: Session, actor: Actor, *, action_id: int, status: ActionStatus) -> MeetingAction:
    require(actor, "meetings.manage", object_type="meeting_action", object_id=action_id)
    action = session.get(MeetingAction, action_id)
    if action is None:
        raise NotFound(f"There is no action {action_id}")
    action.status = status
    audit.record(
        session, actor, "meeting_action.updated", object_type="meeting_action", object_id=action.id, status=status.value
    )
    return action
