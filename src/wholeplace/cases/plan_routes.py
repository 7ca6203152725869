"""Pages of a case's single plan and its interventions, the menu of interventions and what they achieve, and
/api/v1/interventions. Thin: read the form, call one service function, render; a refused form shows the page
again with the GOV.UK error summary (422) and changes nothing (its savepoint is rolled back).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from wholeplace.auth.actor import Actor
from wholeplace.business_dates import today
from wholeplace.cases import interventions, plans, results
from wholeplace.cases.interventions import CATALOGUE_EDITORS, InterventionBody, InterventionIn, InterventionOut
from wholeplace.cases.model import InterventionKind, MonitoringKind, OutcomeKind
from wholeplace.cases.results import ResultsOut
from wholeplace.paging import PageOut
from wholeplace.partners.model import Organisation
from wholeplace.problems import InvalidInput, NotFound, Problem
from wholeplace.web.date_boxes import date_from_boxes
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import PageNumber, PageSize, RecordId
from wholeplace.web.templating import error_summary, render

Kind = TypeVar("Kind", MonitoringKind, OutcomeKind)
pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["casework"])

KIND_FILTER = Query(None, description="prevention or consequence")
# fields typed into three date boxes: an error links to the first box, the day
DATE_FIELDS = frozenset(
    {"due_on", "reviewed_on", "next_review_on", "signed_on", "started_on", "ended_on", "recorded_on"}
)


class Typed:
    """What a form sent, read field by field; a date or number that is not one becomes a problem, not an error."""

    def __init__(self, form: FormData) -> None:
        self.form = form
        self.problems: list[Problem] = []
        self.values = {key: str(value) for key, value in form.items() if key != "csrf_token"}

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    def date(self, name: str, label: str) -> dt.date | None:
        boxes = (self.values.get(f"{name}-{part}") for part in ("day", "month", "year"))
        try:
            return date_from_boxes(name, label, *boxes)
        except InvalidInput as error:
            self.problems += error.problems
            return None

    def whole(self, name: str, label: str, default: int = 0) -> int:
        text = self.text(name).strip()
        if not text:
            return default
        if not text.isdigit() or len(text) > 9:
            self.problems.append(Problem(name, f"{label} must be a whole number, like 3"))
            return -1  # refused by the service too, so the savepoint never commits it
        return int(text)

    def choice(self, name: str) -> bool | None:
        return {"yes": True, "no": False}.get(self.text(name))

    def one_of(self, name: str, choices: type[Kind], missing: str) -> Kind | None:
        try:
            return choices(self.text(name))
        except ValueError:
            self.problems.append(Problem(name, missing))
            return None

    def record_id(self, name: str) -> int | None:
        text = self.text(name)
        return int(text) if text.isdigit() and len(text) <= 10 else None


def _submitted(
    session: Session, typed: Typed, work: Callable[[], object], on_refusal: Callable[[list[Problem]], Response]
) -> Response | None:
    """Do the work in a savepoint; on bad input undo it and show the page with every problem once per field."""
    try:
        with session.begin_nested():
            work()
            if typed.problems:
                raise InvalidInput(typed.problems)
    except InvalidInput as error:
        typed_fields = {problem.where for problem in typed.problems}
        return on_refusal(typed.problems + [p for p in error.problems if p.where not in typed_fields])
    return None


def _errors(form: str | None, problems: list[Problem] | None) -> dict[str, Any]:
    if not problems:
        return {}
    ids = {p.where: f"{form}-{p.where}" + ("-day" if p.where in DATE_FIELDS else "") for p in problems if p.where}
    return error_summary(problems, ids)


# The plan and a case's interventions ------------------------------------------------------------------------
# Each form of a page posts to /cases/{id}/plan/{part} or /cases/{id}/interventions/{part}; `part` picks the
# function below that reads the form and returns the one service call to make.

Work = Callable[[], object]


def _goal(session: Session, actor: Actor, case_id: int, t: Typed) -> Work:
    return lambda: plans.add_goal(session, actor, case_id, t.text("goal"))


def _goal_achieved(session: Session, actor: Actor, case_id: int, t: Typed) -> Work:
    when = None if t.text("achieved") == "no" else today()
    return lambda: plans.achieve_goal(session, actor, _of_case(t, "goal_id"), when)


def _action(session: Session, actor: Actor, case_id: int, t: Typed) -> Work:
    details = plans.ActionIn(
        description=t.text("description"),
        agency=t.text("agency"),
        owner=t.text("owner"),
        due_on=t.date("due_on", "The date due"),
        goal_id=t.record_id("goal_id"),
    )
    return lambda: plans.add_action(session, actor, case_id, details)


def _action_status(session: Session, actor: Actor, case_id: int, t: Typed) -> Work:
    close = plans.cancel_action if t.text("status") == "cancelled" else plans.complete_action
    return lambda: close(session, actor, _of_case(t, "action_id"))


def _review(session: Session, actor: Actor, case_id: int, t: Typed) -> Work:
    reviewed_on, next_on = t.date("reviewed_on", "The date of the review"), t.date("next_review_on", "The next review")
    summary = t.text("summary")
    return lambda: plans.add_review(
        session, actor, case_id, reviewed_on=reviewed_on, summary=summary, next_review_on=next_on
    )


def _agreement(session: Session, actor: Actor, case_id: int, t: Typed) -> Work:
    signed_on = t.date("signed_on", "The date signed")
    signers = [int(v) for v in t.form.getlist("signers") if str(v).isdigit() and len(str(v)) <= 10]
    t.values["signers"] = ",".join(str(s) for s in signers)
    return lambda: plans.record_family_agreement(
        session,
        actor,
        case_id,
        family_commitment=t.text("family_commitment"),
        agencies_commitment=t.text("agencies_commitment"),
        signed_on=signed_on,
        signatures={person_id: t.text(f"agreed_to_{person_id}") for person_id in signers},
    )


def _monitoring(session: Session, actor: Actor, case_id: int, t: Typed) -> Work:
    started_on, ended_on = t.date("started_on", "The date it started"), t.date("ended_on", "The date it ended")
    breaches, kind = t.whole("breaches", "Breaches"), t.one_of("kind", MonitoringKind, "Choose the kind of monitoring")
    return lambda: plans.add_monitoring(
        session,
        actor,
        case_id,
        kind=kind or MonitoringKind.ELECTRONIC,  # a missing kind is already a problem: nothing is kept
        started_on=started_on,
        ended_on=ended_on,
        breaches=breaches,
        note=t.text("note"),
    )


def _monitoring_end(session: Session, actor: Actor, case_id: int, t: Typed) -> Work:
    ended_on, breaches = t.date("ended_on", "The date it ended"), t.whole("breaches", "Breaches")
    return lambda: plans.end_monitoring(session, actor, _of_case(t, "record_id"), ended_on=ended_on, breaches=breaches)


def _give(session: Session, actor: Actor, case_id: int, t: Typed) -> Work:
    started_on, units = t.date("started_on", "The date it started"), t.whole("units", "Units", 1)
    offered, chosen = t.whole("sessions_offered", "Sessions offered"), t.record_id("intervention_id")
    return lambda: interventions.give_intervention(
        session, actor, case_id, chosen, started_on=started_on, units=units, sessions_offered=offered
    )


def _attendance(session: Session, actor: Actor, case_id: int, t: Typed) -> Work:
    offered, attended = t.whole("sessions_offered", "Sessions offered"), t.whole("sessions_attended", "Attended")
    return lambda: interventions.record_attendance(
        session, actor, _of_case(t, "given_id"), sessions_offered=offered, sessions_attended=attended
    )


def _finish(session: Session, actor: Actor, case_id: int, t: Typed) -> Work:
    ended_on, units = t.date("ended_on", "The date it ended"), t.whole("units", "Units", 0) or None
    return lambda: interventions.finish_intervention(
        session, actor, _of_case(t, "given_id"), ended_on=ended_on, achieved=t.choice("achieved"), units=units
    )


def _outcome(session: Session, actor: Actor, case_id: int, t: Typed) -> Work:
    recorded_on, kind = (
        t.date("recorded_on", "The date it was known"),
        t.one_of("kind", OutcomeKind, "Choose an outcome"),
    )
    chosen = kind or OutcomeKind.NO_REPEAT_INCIDENT_6_MONTHS  # a missing kind is already a problem
    return lambda: interventions.record_outcome(session, actor, case_id, chosen, t.choice("achieved"), recorded_on)


def _of_case(t: Typed, name: str) -> int:
    """The id of a record of this case that a form names; the service checks access to that record itself."""
    found = t.record_id(name)
    if found is None:
        raise InvalidInput([Problem("", "The form did not say which record to change; reload the page")])
    return found


PARTS: dict[str, dict[str, Callable[[Session, Actor, int, Typed], Work]]] = {
    "plan": {
        "goals": _goal,
        "goal-achieved": _goal_achieved,
        "actions": _action,
        "action-status": _action_status,
        "reviews": _review,
        "agreement": _agreement,
        "monitoring": _monitoring,
        "monitoring-end": _monitoring_end,
    },
    "interventions": {"give": _give, "attendance": _attendance, "finish": _finish, "outcome": _outcome},
}


def _case_page(
    request: Request,
    session: Session,
    actor: Actor,
    page: str,
    case_id: int,
    *,
    form: str | None = None,
    values: dict[str, str] | None = None,
    problems: list[Problem] | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "form": form,
        "values": values or {},
        "saved": request.query_params.get("saved"),
        **_errors(form, problems),
    }
    if page == "plan":
        plan = plans.plan_of(session, actor, case_id)
        title = f"Single plan for {plan.case.reference}"
        context |= {"plan": plan, "agencies": plans.agencies(session), "monitoring_kinds": list(MonitoringKind)}
    else:
        record = interventions.case_record(session, actor, case_id)
        title = f"Interventions and outcomes for {record.case.reference}"
        context |= {
            "record": record,
            "menu": interventions.all_interventions(session),
            "outcome_kinds": list(OutcomeKind),
        }
    template = "cases/plan.html" if page == "plan" else "cases/intervention_case.html"
    return render(request, template, {"title": title, **context}, status_code=422 if problems else 200)


@pages.get("/cases/{case_id}/plan", response_class=HTMLResponse)
def plan_page(request: Request, session: DbSession, actor: PageActor, case_id: RecordId) -> HTMLResponse:
    """The single plan: goals, actions by agency, reviews; the agreement (families) or monitoring (offenders)."""
    return _case_page(request, session, actor, "plan", case_id)


@pages.get("/cases/{case_id}/interventions", response_class=HTMLResponse)
def case_interventions_page(request: Request, session: DbSession, actor: PageActor, case_id: RecordId) -> HTMLResponse:
    """The interventions given to the case, their attendance and aims, and the case's shared outcomes."""
    return _case_page(request, session, actor, "interventions", case_id)


@pages.post("/cases/{case_id}/plan/{part}", response_model=None)
def plan_post(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, case_id: RecordId, part: str
) -> Response:
    return _case_post(request, session, actor, form, "plan", case_id, part)


@pages.post("/cases/{case_id}/interventions/{part}", response_model=None)
def interventions_post(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, case_id: RecordId, part: str
) -> Response:
    return _case_post(request, session, actor, form, "interventions", case_id, part)


def _case_post(
    request: Request, session: Session, actor: Actor, form: FormData, page: str, case_id: int, part: str
) -> Response:
    reader = PARTS[page].get(part)
    if reader is None:
        raise NotFound(f"There is no form '{part[:50]}' on this page")
    t = Typed(form)
    name = t.text("form_name") or part  # which form on the page, so its errors show beside it
    refused = _submitted(
        session,
        t,
        reader(session, actor, case_id, t),
        lambda problems: _case_page(
            request, session, actor, page, case_id, form=name, values=t.values, problems=problems
        ),
    )
    return refused or RedirectResponse(f"/cases/{case_id}/{page}?saved={part}#{name}", status_code=303)


# The menu and its results ------------------------------------------------------------------------------------


def _kind(text: str | None) -> InterventionKind | None:
    if not text:
        return None
    try:
        return InterventionKind(text)
    except ValueError:
        raise InvalidInput([Problem("kind", f"'{text[:50]}' is not prevention or consequence")]) from None


@pages.get("/cases/interventions", response_class=HTMLResponse)
def catalogue_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    settings: AppSettings,
    page: PageNumber = 1,
    q: str | None = None,
    kind: str | None = None,
) -> HTMLResponse:
    found = interventions.list_interventions(
        session, actor, page=page, page_size=settings.page_size, kind=_kind(kind), search=q
    )
    own = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    context = {
        "title": "Interventions",
        "found": found,
        "q": q or "",
        "kind": kind or "",
        "own_area": own.area.name if own and own.area else None,
        "can_add": bool(actor.roles & CATALOGUE_EDITORS),
        "can_see_results": bool(actor.roles & results.RESULTS_READERS),
        "added": request.query_params.get("added"),
    }
    return render(request, "cases/intervention_list.html", context)


def _new_page(
    request: Request, session: Session, values: dict[str, str], problems: list[Problem] | None = None
) -> HTMLResponse:
    context = {"title": "Add an intervention", "values": values, "agencies": plans.agencies(session)}
    context |= error_summary(problems) if problems else {}
    return render(request, "cases/intervention_form.html", context, status_code=422 if problems else 200)


@pages.get("/cases/interventions/new", response_class=HTMLResponse)
def new_intervention_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    interventions.require_editor(actor)
    return _new_page(request, session, {})


@pages.post("/cases/interventions/new", response_model=None)
def add_intervention(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    t = Typed(form)
    details = InterventionIn(
        name=t.text("name"),
        provider=t.text("provider"),
        unit_cost=t.text("unit_cost"),
        unit=t.text("unit"),
        kind=t.text("kind") or None,
        area_served=t.text("area_served"),
        crosses_boundaries=t.text("crosses_boundaries") == "yes",
        capacity=t.text("capacity"),
        description=t.text("description"),
    )
    refusal = _submitted(
        session,
        t,
        lambda: interventions.add_intervention(session, actor, details),
        lambda problems: _new_page(request, session, t.values, problems),
    )
    return refusal or RedirectResponse("/cases/interventions?added=1", status_code=303)


@pages.get("/cases/interventions/results", response_class=HTMLResponse)
def results_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    found = results.intervention_results(session, actor)
    context = {
        "title": "What interventions achieve",
        "results": found,
        "scope": results.results_scope(actor),
        "min_count": results.MIN_COUNT,
    }
    return render(request, "cases/intervention_results.html", context)


@api.get("/interventions", response_model=PageOut[InterventionOut])
def api_list(
    session: DbSession,
    actor: ApiActor,
    settings: AppSettings,
    page: PageNumber = 1,
    page_size: PageSize = None,
    kind: str | None = KIND_FILTER,
    q: str | None = None,
) -> PageOut[InterventionOut]:
    """The menu of interventions by name; filter by prevention or consequence, search name, provider and area."""
    found = interventions.list_interventions(
        session, actor, page=page, page_size=page_size or settings.page_size, kind=_kind(kind), search=q
    )
    return PageOut.of(found, [InterventionOut.of(item) for item in found.items])


@api.post("/interventions", response_model=InterventionOut, status_code=status.HTTP_201_CREATED)
def api_add(session: DbSession, actor: ApiActor, body: InterventionBody) -> InterventionOut:
    """Add a service to the menu: unit cost in pounds ("£1,234.50"), provider by identifier or id."""
    return InterventionOut.of(interventions.add_intervention(session, actor, InterventionIn(**body.model_dump())))


@api.get("/interventions/results", response_model=ResultsOut)
def api_results(session: DbSession, actor: ApiActor) -> ResultsOut:
    """Cost per case and family, the prevention share of spend, and success rates with their counts."""
    return ResultsOut.of(results.intervention_results(session, actor))
