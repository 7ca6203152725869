"""Casework's home, the case page with its timeline, team caseloads, and /api/v1/cases. Thin: parse, call, render."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.cases import casework, gateway, marac, plans
from wholeplace.cases.access import case_scope, checked_case, contact_visible, person_scope
from wholeplace.cases.model import Case, CaseStatus
from wholeplace.cases.schemas import CaseOut, NoteIn, NoteOut
from wholeplace.cases.timeline import timeline
from wholeplace.paging import PageOut
from wholeplace.problems import InvalidInput, NotFound
from wholeplace.sharing import access
from wholeplace.sharing.model import DataCategory, Operation, Purpose
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import PageNumber, PageSize, RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["casework"])


@api.get("/cases", response_model=PageOut[CaseOut])
def api_caseload(
    session: DbSession,
    actor: ApiActor,
    settings: AppSettings,
    page: PageNumber = 1,
    page_size: PageSize = None,
    case_status: CaseStatus | None = CaseStatus.OPEN,
) -> PageOut[CaseOut]:
    """The cases of the actor's teams, newest first (open ones unless a status is given)."""
    found = casework.caseload(session, actor, page=page, page_size=page_size or settings.page_size, status=case_status)
    return PageOut.of(found, [CaseOut.of(case) for case in found.items])


@api.get("/cases/{case_id}", response_model=CaseOut)
def api_case(
    session: DbSession, actor: ApiActor, case_id: RecordId, purpose: Purpose = Purpose.CASE_MANAGEMENT
) -> CaseOut:
    """One case and its people; with purpose=analysis an analyst gets pseudonyms and years of birth only."""
    case, decision = checked_case(session, actor, case_id, purpose, Operation.READ, DataCategory.IDENTITY)
    return CaseOut.of(case, pseudonymised=decision.pseudonymised)


@api.post("/cases/{case_id}/notes", response_model=NoteOut, status_code=status.HTTP_201_CREATED)
def api_note(session: DbSession, actor: ApiActor, case_id: RecordId, body: NoteIn) -> NoteOut:
    note = casework.add_note(session, actor, case_id, body.text)
    return NoteOut(id=note.id, written_at=note.written_at, written_by=note.written_by, text=note.text)


@pages.get("/cases", response_class=HTMLResponse)
def casework_home(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, page: PageNumber = 1
) -> HTMLResponse:
    teams = casework.my_teams(session, actor)
    # Only key workers and team managers read a caseload by name; anyone else would be refused every row of it.
    caseworker = bool(actor.roles & access.CASEWORK_ROLES)
    found = casework.caseload(session, actor, page=page, page_size=settings.page_size) if teams and caseworker else None
    gateways = [team for team in teams if team.is_gateway]
    return render(
        request,
        "cases/index.html",
        {
            "title": "Cases",
            "teams": teams,
            "found": found,
            "gateways": [(team, gateway.waiting_count(session, team.id)) for team in gateways],
            "can_refer": caseworker,
            "is_analyst": Role.ANALYST in actor.roles and not caseworker,
            "is_admin": Role.ADMIN in actor.roles,
            "synthetic": casework.holds_synthetic_people(session),
        },
    )


@pages.get("/cases/teams/{team_id}", response_class=HTMLResponse)
def team_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    settings: AppSettings,
    team_id: RecordId,
    page: PageNumber = 1,
) -> HTMLResponse:
    team = next((team for team in casework.my_teams(session, actor) if team.id == team_id), None)
    if team is None:
        raise NotFound(f"You are not a member of team {team_id}")
    found = casework.caseload(session, actor, page=page, page_size=settings.page_size, team_id=team_id)
    per_worker = Counter(case.key_worker.name if case.key_worker else "Not allocated" for case in found.items)
    return render(
        request,
        "cases/caseload.html",
        {
            "title": f"{team.name} caseload",
            "team": team,
            "found": found,
            "per_worker": sorted(per_worker.items()),
            "overdue_marac": marac.overdue_actions(session, actor, team.id),
            "overdue_plan": plans.overdue_plan_actions(session, actor, team.id),
        },
    )


@pages.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, session: DbSession, actor: PageActor, case_id: RecordId) -> HTMLResponse:
    return _case_page(request, session, actor, case_id)


def _case_page(
    request: Request, session: DbSession, actor: Actor, case_id: int, problems: InvalidInput | None = None
) -> HTMLResponse:
    case, decision = checked_case(session, actor, case_id, Purpose.CASE_MANAGEMENT, Operation.READ)
    people = []
    for member in case.members:
        shown = not decision.pseudonymised and contact_visible(
            session, actor, member.person, case, Purpose.CASE_MANAGEMENT
        )
        withheld = "" if shown else _withheld_reason(session, actor, case, member.person)
        people.append((member, shown, withheld))
    context = error_summary(problems.problems) if problems else {}
    return render(
        request,
        "cases/case.html",
        {
            "title": f"Case {case.reference}",
            "case": case,
            "people": people,
            "events": timeline(session, case),
            "statuses": list(CaseStatus),
            "can_write": access.evaluate(
                session, actor, case_scope(case, DataCategory.CASEWORK), Purpose.CASE_MANAGEMENT, Operation.WRITE
            ).allowed,
            **context,
        },
        status_code=422 if problems else 200,
    )


def _withheld_reason(session: DbSession, actor: Actor, case: Case, person: object) -> str:
    scope = person_scope(session, person, DataCategory.CONTACT, case)  # type: ignore[arg-type]
    return access.evaluate(session, actor, scope, Purpose.CASE_MANAGEMENT, Operation.READ).reason


@pages.post("/cases/{case_id}/status", response_model=None)
def change_status(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, case_id: RecordId
) -> Response:
    wanted = str(form.get("status", ""))
    try:
        if wanted not in CaseStatus._value2member_map_:
            raise InvalidInput("Choose the case's new status")
        with session.begin_nested():
            casework.change_status(session, actor, case_id, CaseStatus(wanted), str(form.get("reason", "")))
    except InvalidInput as error:
        return _case_page(request, session, actor, case_id, error)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@pages.post("/cases/{case_id}/notes", response_model=None)
def add_note(request: Request, session: DbSession, actor: PageActor, form: CheckedForm, case_id: RecordId) -> Response:
    try:
        with session.begin_nested():
            casework.add_note(session, actor, case_id, str(form.get("text", "")))
    except InvalidInput as error:
        return _case_page(request, session, actor, case_id, error)
    return RedirectResponse(f"/cases/{case_id}#timeline", status_code=303)
