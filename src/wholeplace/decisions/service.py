"""Use cases of decision records: draft, approve (its money posts now or after the call-in period, see
`call_in.py`), reject; meetings and actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit, business_dates
from wholeplace.auth.actor import Actor, require
from wholeplace.auth.model import Role, User
from wholeplace.db import utcnow
from wholeplace.decisions import call_in
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
from wholeplace.partners.model import Organisation
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
    # Who decides it here: a user of this partner (the fund's holder if left out) holding this role.
    decision_maker_partner_id: int | None = None
    decision_maker_role: Role = Role.DECISION_MAKER


# The roles a decision can be put to: decision makers (cabinet members, the PCC, boards), and finance for a
# section 151 officer's delegated decisions.
DECIDING_ROLES = (Role.DECISION_MAKER, Role.FINANCE)
ROLE_NAMES = {Role.DECISION_MAKER: "decision maker", Role.FINANCE: "finance officer"}
NO_RECOMMENDATIONS = "Add a recommendation with an amount, or say in the purpose what the decision agrees"


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
    partner = _deciding_partner(session, fund.holder_id, draft, problems)
    for field, text in (
        ("purpose", draft.purpose),
        ("financial_implications", draft.financial_implications),
        ("non_publication_reason", draft.non_publication_reason or ""),
    ):
        problems += clean_free_text(text, where=field, label=field.replace("_", " ").capitalize(), max_length=20_000)[1]
    if not draft.recommendations and not draft.purpose.strip():
        # A decision may agree something without moving money itself (a pooled budget, the partners'
        # contributions that are then received under it), but then its purpose must say what it agrees.
        problems.append(Problem("recommendations", NO_RECOMMENDATIONS))
    if not draft.publish and not (draft.non_publication_reason or "").strip():
        problems.append(Problem("non_publication_reason", "Say why the decision is not for publication"))
    recommendations = []
    for position, item in enumerate(draft.recommendations, start=1):
        where = f"recommendations[{position}]"
        number, number_problems = clean_name(item.number, where=f"{where}.number", label="Number", max_length=20)
        problems += number_problems
        problems += clean_free_text(item.text, where=f"{where}.text", label="Recommendation", max_length=2000)[1]
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
                number=number,
                text=item.text.strip(),
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
        decision_maker_partner=partner,
        decision_maker_role=draft.decision_maker_role,
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


def author_name(session: Session, actor: Actor) -> str:
    """Who a report drafted by this actor is by, as the report prints it: the user's name, not their email."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    return user.name if user is not None and user.name.strip() else actor.label


def _deciding_partner(session: Session, holder_id: int, draft: DecisionIn, problems: list[Problem]) -> Organisation:
    """The partner whose users decide the draft (the fund's holder unless another is named), checking the role."""
    partner = session.get(Organisation, draft.decision_maker_partner_id or holder_id)
    if partner is None:
        problems.append(Problem("decision_maker_partner_id", "Select the partner whose decision it is"))
        partner = session.get(Organisation, holder_id)
        assert partner is not None  # a fund's holder is a partner (a foreign key)
    if draft.decision_maker_role not in DECIDING_ROLES:
        choices = " or ".join(ROLE_NAMES[role] for role in DECIDING_ROLES)
        problems.append(Problem("decision_maker_role", f"Select the role that decides it: {choices}"))
    return partner


@dataclass(frozen=True)
class Signature:
    """What the signed decision record says: the day it was decided, who signed it, and why it was urgent if it
    was (an urgent decision cannot be called in: its money posts at once).

    Left out, the day is today in London and the signatory the office the report was put to.
    """

    decided_on: dt.date | None = None
    signed_by: str | None = None
    urgent_reason: str | None = None


def why_not_decide(decision: Decision, actor: Actor) -> str | None:
    """Why this actor may not decide this draft, or None.

    A user decides only if their organisation is the decision's partner and they hold its role, and never a
    draft they drafted (maker-checker). The console and the demo loader (no user) record decisions already
    taken on paper: for them the role to decide is enough.
    """
    if actor.user_id is None:
        return None
    if decision.drafted_by_user_id == actor.user_id:
        return f"You drafted {decision.reference}, so another decision maker must decide it"
    role = ROLE_NAMES.get(decision.decision_maker_role, decision.decision_maker_role.value.replace("_", " "))
    partner = decision.decision_maker_partner
    if actor.organisation_id != partner.id or decision.decision_maker_role not in actor.roles:
        return (
            f"{decision.reference} is for the {decision.decision_maker} to decide: only a user of {partner.name} "
            f"with the role {role} can decide it"
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
    urgent_reason = (signature.urgent_reason or "").strip() or None
    problems += clean_free_text(urgent_reason or "", where="urgent_reason", label="Reason", max_length=20_000)[1]
    if problems:
        raise InvalidInput(problems)
    decision.decided_on, decision.signed_by, decision.urgent_reason = decided_on, signed_by, urgent_reason
    decision.recorded_at, decision.recorded_by = utcnow(), actor.label


def approve_decision(
    session: Session,
    actor: Actor,
    *,
    decision_id: int,
    signature: Signature | None = None,
    call_in_working_days: int | None = None,
) -> list[LedgerTransaction]:
    """Approve a draft, all in the caller's one database transaction; returns what was posted.

    Its money posts now if it is urgent or its call-in period (`call_in_working_days` from the date decided,
    the setting if left out) has already ended; otherwise it posts when the period ends without a call-in
    (`call_in.post_money`). Either way the approval is refused if the money would not be there as things stand.
    """
    decision = _decidable(session, actor, decision_id)
    fund = ledger.lock_fund(session, decision.fund_id)
    session.refresh(decision)  # read again under the lock: another approval may have got there first
    if decision.status is not DecisionStatus.DRAFT:
        raise Conflict(f"{decision.reference} has already been {decision.status.value}")
    _sign(decision, actor, signature or Signature())
    decision.status = DecisionStatus.APPROVED
    decision.call_in_ends_on = call_in.period_end(decision, call_in_working_days)
    today = business_dates.today()
    if call_in.due(decision, today):
        posted = call_in.post_now(session, actor, decision, fund)
    else:
        call_in.check_money_would_post(session, actor, decision, fund)
        posted = []
    audit.record(
        session,
        actor,
        "decision.approved",
        object_type="decision",
        object_id=decision.id,
        reference=decision.reference,
        decided_on=str(decision.decided_on),
        signed_by=decision.signed_by,
        urgent_reason=decision.urgent_reason,
        call_in_ends_on=str(decision.call_in_ends_on) if decision.call_in_ends_on else None,
        transactions=[t.id for t in posted],
    )
    return posted


def reject_decision(
    session: Session, actor: Actor, *, decision_id: int, reason: str, signature: Signature | None = None
) -> Decision:
    """Reject a draft with a reason; nothing is posted."""
    decision = _decidable(session, actor, decision_id)
    if not reason.strip():
        raise InvalidInput([Problem("reason", "Enter the reason the recommendations are not agreed")])
    ledger.lock_fund(session, decision.fund_id)  # queue behind an approval of the same draft
    session.refresh(decision)
    if decision.status is not DecisionStatus.DRAFT:
        raise Conflict(f"{decision.reference} has already been {decision.status.value}")
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


def _decidable(session: Session, actor: Actor, decision_id: int) -> Decision:
    """The draft, if this actor may decide it: the role at the console, the partner and role for a user."""
    if actor.user_id is None:
        require(actor, "decisions.decide", object_type="decision", object_id=decision_id)
    decision = _draft(session, decision_id)
    _check_may_decide(decision, actor)
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
    money_moved_by: dt.date | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page[Decision]:
    """Decisions, newest report first; `money_moved_by` keeps those under which the ledger posted money dated on
    or before that day: their recommendations, or the contributions and spending received or paid under them."""
    require(actor, "decisions.view", object_type="decision")
    statement = select(Decision).order_by(Decision.report_date.desc(), Decision.reference)
    if fund_id is not None:
        statement = statement.where(Decision.fund_id == fund_id)
    if status is not None:
        statement = statement.where(Decision.status == status)
    if money_moved_by is not None:
        statement = statement.where(
            select(LedgerTransaction.id)
            .where(LedgerTransaction.decision_id == Decision.id, LedgerTransaction.date <= money_moved_by)
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
