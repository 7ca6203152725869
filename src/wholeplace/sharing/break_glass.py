"""Break-glass: a caseworker refused a case opens it for a stated reason and a few hours; an administrator reviews
each use. The oversight page lists the uses not yet reviewed and the accesses refused lately, from the audit trail.

`sharing.access` allows a break-glass read while it is in force (rule `break-glass`), and on PostgreSQL the
row-level security policy on cases lets the user's transactions see the case for as long.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.business_dates import LONDON
from wholeplace.cases.access import case_scope
from wholeplace.cases.model import Case
from wholeplace.db import utcnow
from wholeplace.paging import Page, paginate
from wholeplace.plain_text import clean_free_text
from wholeplace.problems import AccessRefused, Conflict, InvalidInput, NotFound, Problem, Refusal
from wholeplace.sharing import access, rls
from wholeplace.sharing.model import BreakGlass, DataCategory, Operation, Purpose

BREAK_GLASS_HOURS = range(1, 13)  # long enough for an emergency, short enough to need asking again
RECENT_DAYS = 90  # how far back the oversight page lists refused accesses
REFUSED_ACTIONS = ("casework.read", "casework.write")
HOUR = dt.timedelta(hours=1)


def require_admin(actor: Actor, action: str, object_type: str, object_id: object = None) -> None:
    if Role.ADMIN not in actor.roles:
        reason = "Only an administrator can do this"
        target = None if object_id is None else str(object_id)
        raise AccessRefused(reason, Refusal(actor, action, object_type, target, reason))


def break_glass(session: Session, actor: Actor, case_id: int, reason: str, hours: int = 4) -> BreakGlass:
    """Open a case the actor is refused, for a stated reason and a few hours; reviewed by an administrator later."""
    rls.enter(session, actor)
    if not actor.roles & access.CASEWORK_ROLES or actor.user_id is None:
        why = "Only key workers and team managers can open a case by break-glass"
        raise AccessRefused(why, Refusal(actor, "sharing.break_glass", "case", str(case_id), why))
    reason, problems = clean_free_text(reason, where="reason", label="Reason", max_length=2000)
    if not reason:
        problems.append(Problem("reason", "Say why you must open this case now"))
    if hours not in BREAK_GLASS_HOURS:
        problems.append(
            Problem("hours", f"Choose from {BREAK_GLASS_HOURS.start} to {BREAK_GLASS_HOURS.stop - 1} hours")
        )
    if problems:
        raise InvalidInput(problems)
    case = session.get(Case, case_id)  # under row-level security a case the actor is refused may not show
    if case is not None:
        scope = case_scope(case, DataCategory.CASEWORK)
        if access.evaluate(session, actor, scope, Purpose.CASE_MANAGEMENT, Operation.READ).allowed:
            raise Conflict("You can already read this case: break-glass is only for a case you are refused")
    opened = utcnow()
    glass = BreakGlass(
        user_id=actor.user_id, case_id=case_id, reason=reason, opened_at=opened, expires_at=opened + hours * HOUR
    )
    try:
        with session.begin_nested():
            session.add(glass)
            session.flush()
    except IntegrityError:
        raise NotFound(f"There is no case {case_id}") from None
    # The reason stays on the record (erased with the case); the audit trail keeps no free text about the case.
    audit.record(
        session,
        actor,
        "sharing.break_glass",
        object_type="case",
        object_id=case_id,
        break_glass_id=glass.id,
        hours=hours,
        expires_at=glass.expires_at,
    )
    return glass


def _break_glass_in_view(actor: Actor) -> Any:
    """Break-glass an administrator oversees: on their partner's cases, or by their partner's users."""
    if actor.organisation_id is None:
        return true()  # the console oversees every partner
    return or_(Case.organisation_id == actor.organisation_id, User.organisation_id == actor.organisation_id)


def review_break_glass(session: Session, actor: Actor, break_glass_id: int, note: str) -> BreakGlass:
    """An administrator's review of a break-glass: what they found; it then leaves the oversight list."""
    require_admin(actor, "sharing.break_glass_reviewed", "break_glass", break_glass_id)
    rls.enter(session, actor)
    statement = (
        select(BreakGlass)
        .join(User, User.id == BreakGlass.user_id)
        .outerjoin(Case, Case.id == BreakGlass.case_id)
        .where(BreakGlass.id == break_glass_id, _break_glass_in_view(actor))
    )
    glass = session.scalar(statement.with_for_update(of=BreakGlass, key_share=True))
    if glass is None:
        raise NotFound(f"There is no break-glass {break_glass_id} for you to review")
    if glass.reviewed_at is not None:
        raise Conflict(f"This break-glass was reviewed by {glass.reviewed_by}")
    note, problems = clean_free_text(note, where="note", label="Review note", max_length=5000)
    if not note:
        problems.append(Problem("note", "Write what the review found"))
    if problems:
        raise InvalidInput(problems)
    glass.reviewed_at, glass.reviewed_by, glass.review_note = utcnow(), actor.label, note
    session.flush()
    audit.record(session, actor, "sharing.break_glass_reviewed", object_type="break_glass", object_id=glass.id)
    return glass


@dataclass(frozen=True)
class BreakGlassUse:
    id: int
    user: str
    user_partner: str
    case_id: int
    case_reference: str | None  # None where the case is not visible to the reviewer
    case_partner: str | None
    reason: str
    opened_at: dt.datetime
    expires_at: dt.datetime
    in_force: bool


@dataclass(frozen=True)
class RefusedAccess:
    at: dt.datetime  # London time
    actor: str
    record: str  # "read a risk checklist of case DA-2014-000123"
    purpose: str
    reason: str
    rule: str


@dataclass(frozen=True)
class Oversight:
    break_glass: list[BreakGlassUse]  # unreviewed, oldest first
    refusals: Page[RefusedAccess]  # newest first


def oversight(session: Session, actor: Actor, *, page: int = 1, page_size: int = 50) -> Oversight:
    """Break-glass not yet reviewed, and accesses refused in the last RECENT_DAYS days, for the actor's partner."""
    require_admin(actor, "sharing.oversight", "oversight")
    rls.enter(session, actor)
    now = utcnow()
    statement = (
        select(BreakGlass, User, Case)
        .join(User, User.id == BreakGlass.user_id)
        .outerjoin(Case, Case.id == BreakGlass.case_id)
        .where(BreakGlass.reviewed_at.is_(None), _break_glass_in_view(actor))
        .order_by(BreakGlass.opened_at, BreakGlass.id)
    )
    uses = [
        BreakGlassUse(
            glass.id,
            user.name,
            user.organisation.name,
            glass.case_id,
            case.reference if case else None,
            case.organisation.name if case else None,
            glass.reason,
            glass.opened_at.astimezone(LONDON),
            glass.expires_at.astimezone(LONDON),
            glass.expires_at > now,
        )
        for glass, user, case in session.execute(statement).unique().all()
    ]
    return Oversight(uses, _refusals(session, actor, now, page=page, page_size=page_size))


def _refusals(session: Session, actor: Actor, now: dt.datetime, *, page: int, page_size: int) -> Page[RefusedAccess]:
    entry = audit.AuditEntry
    statement = select(entry).where(
        entry.action.in_(REFUSED_ACTIONS),
        entry.outcome == audit.Outcome.REFUSED.value,
        entry.at >= now - dt.timedelta(days=RECENT_DAYS),
    )
    if actor.organisation_id is not None:
        # refused to the partner's users, or asked of its records (the detail is JSON with sorted keys)
        held = f'"held_by_organisation_id": {actor.organisation_id}'
        statement = statement.where(
            or_(
                entry.organisation_id == actor.organisation_id,
                entry.detail.contains(held + ",", autoescape=True),
                entry.detail.contains(held + "}", autoescape=True),
            )
        )
    found = paginate(session, statement.order_by(entry.seq.desc()), page=page, page_size=page_size)
    details = [json.loads(item.detail) for item in found.items]
    case_ids = {detail["case_id"] for detail in details if isinstance(detail.get("case_id"), int)}
    rows = session.execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids))).all()
    references = {case_id: reference for case_id, reference in rows}
    items = [_refused(item, detail, references) for item, detail in zip(found.items, details, strict=True)]
    return Page(items, found.page, found.page_size, found.total)


# What each kind of record is called on the page (the audit trail keeps the table's name).
RECORD_WORDS = {
    "case": "the case",
    "case_member": "the people in the case",
    "person": "a person's details",
    "referral": "a referral",
    "assessment": "a risk checklist",
    "marac_referral": "a MARAC referral",
    "consent": "consent records",
    "case_note": "a note",
    "case_intervention": "an intervention",
    "case_interventions": "the interventions",
    "case_outcome": "an outcome",
    "monitoring": "offender monitoring",
    "family_agreement": "a families together agreement",
}


def _refused(entry: audit.AuditEntry, detail: dict[str, Any], references: dict[int, str]) -> RefusedAccess:
    try:
        purpose = Purpose(entry.purpose).label if entry.purpose else "Not stated"
    except ValueError:
        purpose = entry.purpose or "Not stated"
    kind = entry.object_type or "record"
    what = RECORD_WORDS.get(kind, "the plan" if kind.startswith("plan") else kind.replace("_", " "))
    reference = references.get(detail.get("case_id"))  # type: ignore[arg-type]
    where = f" of case {reference}" if reference else ""
    verb = "read" if entry.action.endswith("read") else "change"
    if kind == "case" and reference:
        what, where = "case", f" {reference}"
    reason, rule = str(detail.get("reason", "")), str(detail.get("rule", ""))
    return RefusedAccess(entry.at.astimezone(LONDON), entry.actor, f"{verb} {what}{where}", purpose, reason, rule)
