"""Risk checklist and MARAC pages, and /api/v1/assessments. Thin: parse, call, render."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from wholeplace.auth.actor import Actor
from wholeplace.business_dates import LONDON, today
from wholeplace.cases import assessments, casework, marac
from wholeplace.cases.access import checked_case
from wholeplace.cases.checklists import Checklist, available_checklists, checklist_named
from wholeplace.cases.model import Case, CaseKind
from wholeplace.cases.schemas import AssessmentIn, AssessmentOut
from wholeplace.paging import PageOut
from wholeplace.partners import service as partners_service
from wholeplace.problems import InvalidInput, NotFound, Problem
from wholeplace.sharing.model import DataCategory, Operation, Purpose
from wholeplace.web.date_boxes import date_from_boxes
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import PageNumber, PageSize, RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["casework"])
DASH = "dash-ric"
FAMILY_NEEDS = "family-needs"


@api.get("/assessments", response_model=PageOut[AssessmentOut])
def api_list(
    session: DbSession, actor: ApiActor, settings: AppSettings, page: PageNumber = 1, page_size: PageSize = None
) -> PageOut[AssessmentOut]:
    """Risk checklists on the cases of the actor's teams, newest first."""
    found = assessments.list_assessments(session, actor, page=page, page_size=page_size or settings.page_size)
    return PageOut.of(found, [AssessmentOut.of(a, assessments.reasons_of(a)) for a in found.items])


@api.post("/assessments", response_model=AssessmentOut, status_code=status.HTTP_201_CREATED)
def api_record(session: DbSession, actor: ApiActor, body: AssessmentIn) -> AssessmentOut:
    """Score and store a completed checklist; a MARAC referral is opened when it meets the criteria."""
    assessment, referral = assessments.record_assessment(
        session,
        actor,
        body.case_id,
        body.person_id,
        body.checklist,
        body.answers,
        police_callouts_12_months=body.police_callouts_12_months,
        judgement=body.judgement,
        judgement_reason=body.judgement_reason,
    )
    return AssessmentOut.of(assessment, assessments.reasons_of(assessment), referral.id if referral else None)


@api.get("/assessments/{assessment_id}", response_model=AssessmentOut)
def api_get(session: DbSession, actor: ApiActor, assessment_id: RecordId) -> AssessmentOut:
    assessment, _case = assessments.get_assessment(session, actor, assessment_id)
    return AssessmentOut.of(assessment, assessments.reasons_of(assessment))


@pages.get("/cases/marac", response_class=HTMLResponse)
def marac_page(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, page: PageNumber = 1
) -> HTMLResponse:
    overdue = [(team, marac.overdue_actions(session, actor, team.id)) for team in casework.my_teams(session, actor)]
    return render(
        request,
        "cases/marac_list.html",
        {
            "title": "MARAC",
            "found": marac.list_meetings(session, actor, page=page, page_size=settings.page_size),
            "overdue": [(team, actions) for team, actions in overdue if actions],
            "values": {},
        },
    )


@pages.post("/cases/marac", response_model=None)
def schedule(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    values = {key: str(form.get(key, "")) for key in ("area", "chair", "held_on-day", "held_on-month", "held_on-year")}
    try:
        held_on = date_from_boxes(
            "held_on", "Date of the meeting", values["held_on-day"], values["held_on-month"], values["held_on-year"]
        )
        with session.begin_nested():
            meeting = marac.schedule_meeting(
                session, actor, marac.MeetingDetails(held_on, values["area"], values["chair"])
            )
    except InvalidInput as error:
        found = marac.list_meetings(session, actor, page=1, page_size=50)
        context = error_summary(error.problems, {"held_on": "held_on-day"})
        return render(
            request,
            "cases/marac_list.html",
            {"title": "MARAC", "found": found, "overdue": [], "values": values, **context},
            status_code=422,
        )
    return RedirectResponse(f"/cases/marac/{meeting.id}", status_code=303)


@pages.get("/cases/marac/{meeting_id}", response_class=HTMLResponse)
def meeting_page(request: Request, session: DbSession, actor: PageActor, meeting_id: RecordId) -> HTMLResponse:
    meeting, listed = marac.get_meeting(session, actor, meeting_id)
    return render(
        request,
        "cases/marac_meeting.html",
        {
            "title": f"MARAC on {meeting.held_on:%d %B %Y}",
            "meeting": meeting,
            "listed": listed,
            "by_agency": marac.actions_by_agency(listed),
            "today": today(),
        },
    )


@pages.get("/cases/marac/referrals/{referral_id}", response_class=HTMLResponse)
def marac_referral_page(request: Request, session: DbSession, actor: PageActor, referral_id: RecordId) -> HTMLResponse:
    return _marac_referral_page(request, session, actor, referral_id, {})


def _marac_referral_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    referral_id: int,
    values: dict[str, str],
    problems: InvalidInput | None = None,
) -> HTMLResponse:
    referral, case = marac.get_referral(session, actor, referral_id)
    meetings = marac.list_meetings(session, actor, page=1, page_size=50).items
    context = error_summary(problems.problems, {"due_on": "due_on-day"}) if problems else {}
    return render(
        request,
        "cases/marac_referral.html",
        {
            "title": f"MARAC referral for {case.reference}",
            "referral": referral,
            "case": case,
            "meetings": meetings,
            "partners": partners_service.organisation_choices(session, actor),
            "values": values,
            "today": today(),
            **context,
        },
        status_code=422 if problems else 200,
    )


@pages.post("/cases/marac/referrals/{referral_id}/meeting", response_model=None)
def list_at_meeting(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, referral_id: RecordId
) -> Response:
    chosen = str(form.get("meeting_id", ""))
    try:
        if not chosen.isdigit() or len(chosen) > 9:
            raise InvalidInput([Problem("meeting_id", "Choose a meeting")])
        with session.begin_nested():
            marac.add_to_meeting(session, actor, referral_id, int(chosen))
    except InvalidInput as error:
        return _marac_referral_page(request, session, actor, referral_id, {}, error)
    return RedirectResponse(f"/cases/marac/{chosen}", status_code=303)


@pages.post("/cases/marac/referrals/{referral_id}/actions", response_model=None)
def add_action(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, referral_id: RecordId
) -> Response:
    values = {
        key: str(form.get(key, ""))
        for key in ("agency", "owner", "description", "due_on-day", "due_on-month", "due_on-year")
    }
    try:
        due_on = date_from_boxes(
            "due_on", "Due date", values["due_on-day"], values["due_on-month"], values["due_on-year"]
        )
        details = marac.ActionDetails(values["agency"], values["owner"], values["description"], due_on)
        with session.begin_nested():
            marac.record_action(session, actor, referral_id, details)
    except InvalidInput as error:
        return _marac_referral_page(request, session, actor, referral_id, values, error)
    return RedirectResponse(f"/cases/marac/referrals/{referral_id}", status_code=303)


@pages.post("/cases/marac/referrals/{referral_id}/actions/{action_id}/done", response_model=None)
def action_done(
    request: Request,
    session: DbSession,
    actor: PageActor,
    form: CheckedForm,
    referral_id: RecordId,
    action_id: RecordId,
) -> Response:
    try:
        with session.begin_nested():
            marac.complete_action(session, actor, action_id, of_referral=referral_id)
    except InvalidInput as error:
        return _marac_referral_page(request, session, actor, referral_id, {}, error)
    return RedirectResponse(f"/cases/marac/referrals/{referral_id}", status_code=303)


@pages.get("/cases/{case_id}/assessments/new", response_class=HTMLResponse)
def new_assessment_page(
    request: Request, session: DbSession, actor: PageActor, case_id: RecordId, checklist: str | None = None
) -> HTMLResponse:
    return _assessment_form(request, session, actor, case_id, {"checklist": checklist or ""})


def _checklist_for(case: Case, asked: str) -> Checklist:
    """The checklist asked for by name, or the one that fits the case: family needs for a family, else Dash."""
    if asked in available_checklists():
        return available_checklists()[asked]
    return checklist_named(FAMILY_NEEDS if case.kind is CaseKind.FAMILY else DASH)


def _assessment_form(
    request: Request,
    session: DbSession,
    actor: Actor,
    case_id: int,
    values: dict[str, str],
    problems: InvalidInput | None = None,
) -> HTMLResponse:
    case, _ = checked_case(
        session, actor, case_id, Purpose.RISK_ASSESSMENT, Operation.WRITE, DataCategory.RISK, record_type="assessment"
    )
    checklist = _checklist_for(case, values.get("checklist", ""))
    ids = {f"question {number}": f"q{number}" for number in checklist.questions} | {"answers": "q1"}
    context = error_summary(problems.problems, ids) if problems else {}
    if problems:
        context["errors"] = {ids.get(key, key): value for key, value in context["errors"].items()}
    return render(
        request,
        "cases/assessment_form.html",
        {
            "title": f"{checklist.title} for case {case.reference}",
            "case": case,
            "checklist": checklist,
            "others": [other for other in available_checklists().values() if other.id != checklist.id],
            "values": values,
            **context,
        },
        status_code=422 if problems else 200,
    )


@pages.post("/cases/{case_id}/assessments/new", response_model=None)
def record(request: Request, session: DbSession, actor: PageActor, form: CheckedForm, case_id: RecordId) -> Response:
    values = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    try:
        checklist = checklist_named(values.get("checklist", DASH))
        person_id, answers, callouts = _checklist_answers(form, checklist)
        with session.begin_nested():
            assessment, _marac_referral = assessments.record_assessment(
                session,
                actor,
                case_id,
                person_id,
                checklist.id,
                answers,
                police_callouts_12_months=callouts,
                judgement=values.get("judgement") or None,
                judgement_reason=values.get("judgement_reason", ""),
            )
    except InvalidInput as error:
        return _assessment_form(request, session, actor, case_id, values, error)
    return RedirectResponse(f"/cases/{case_id}/assessments/{assessment.id}", status_code=303)


def _checklist_answers(form: FormData, checklist: Checklist) -> tuple[int, dict[int, str], int | None]:
    problems = []
    person = str(form.get("person_id", ""))
    if not person.isdigit() or len(person) > 9:
        problems.append(Problem("person_id", "Choose who the checklist is about"))
    answers = {}
    missing = []
    for number in checklist.questions:
        answer = str(form.get(f"q{number}", ""))
        if answer:
            answers[number] = answer
        else:
            missing.append(number)
    if missing:
        problems.append(Problem(f"question {missing[0]}", f"Answer question {missing[0]} ('not known' is an answer)"))
    callouts_text = str(form.get("police_callouts_12_months", "")).strip()
    callouts = None
    if callouts_text:
        if not callouts_text.isdigit() or len(callouts_text) > 4:
            problems.append(Problem("police_callouts_12_months", "Police call-outs must be a whole number, 0 or more"))
        else:
            callouts = int(callouts_text)
    if problems:
        raise InvalidInput(problems)
    return int(person), answers, callouts


@pages.get("/cases/{case_id}/assessments/{assessment_id}", response_class=HTMLResponse)
def assessment_page(
    request: Request, session: DbSession, actor: PageActor, case_id: RecordId, assessment_id: RecordId
) -> HTMLResponse:
    assessment, case = assessments.get_assessment(session, actor, assessment_id)
    if case.id != case_id:
        raise NotFound(f"Case {case_id} has no assessment {assessment_id}")
    referral = next((r for r in marac.referrals_of_case(session, case) if r.assessment_id == assessment.id), None)
    checklist = checklist_named(assessment.checklist)
    return render(
        request,
        "cases/assessment.html",
        {
            "title": f"{checklist.title} for case {case.reference}",
            "case": case,
            "assessment": assessment,
            "checklist": checklist,
            "answers": assessments.answers_of(assessment),
            "reasons": assessments.reasons_of(assessment),
            "person": next(m.person for m in case.members if m.person_id == assessment.person_id),
            "marac_referral": referral,
            "london": LONDON,
        },
    )
