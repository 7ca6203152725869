"""Sharing pages and /api/v1/sharing-agreements. Thin: parse, call one service function, render.

`pages` serves /sharing/...; `case_pages` serves the pages under /cases/ (oversight, break-glass, consent),
which `cases.rights_routes` includes so that they come before the case page's /cases/{case_id} pattern.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from starlette.datastructures import FormData

from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.business_dates import today
from wholeplace.paging import PageOut
from wholeplace.partners.model import Organisation
from wholeplace.problems import InvalidInput, Problem
from wholeplace.sharing import service
from wholeplace.sharing.model import ConsentStatus, DataCategory, SharingAgreement
from wholeplace.web.date_boxes import date_from_boxes
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import PageNumber, PageSize, RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
case_pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["sharing"])


class AgreementOut(BaseModel):
    id: int
    title: str
    parties: list[str]
    purposes: list[str]
    categories: list[str]
    lawful_basis: str
    dpia_reference: str
    starts_on: dt.date
    ends_on: dt.date | None
    needs_consent: bool
    in_force: bool

    @classmethod
    def of(cls, agreement: SharingAgreement) -> AgreementOut:
        return cls(
            id=agreement.id,
            title=agreement.title,
            parties=[party.organisation.name for party in agreement.parties],
            purposes=sorted(purpose.value for purpose in agreement.purpose_set),
            categories=sorted(category.value for category in agreement.category_set),
            lawful_basis=agreement.lawful_basis,
            dpia_reference=agreement.dpia_reference,
            starts_on=agreement.starts_on,
            ends_on=agreement.ends_on,
            needs_consent=agreement.needs_consent,
            in_force=agreement.active_on(today()),
        )


@api.get("/sharing-agreements", response_model=PageOut[AgreementOut])
def api_agreements(
    session: DbSession, actor: ApiActor, settings: AppSettings, page: PageNumber = 1, page_size: PageSize = None
) -> PageOut[AgreementOut]:
    """Information sharing agreements between partners, newest start first."""
    found = service.list_agreements(session, actor, page=page, page_size=page_size or settings.page_size)
    return PageOut.of(found, [AgreementOut.of(agreement) for agreement in found.items])


@api.get("/sharing-agreements/{agreement_id}", response_model=AgreementOut)
def api_agreement(session: DbSession, actor: ApiActor, agreement_id: RecordId) -> AgreementOut:
    return AgreementOut.of(service.get_agreement(session, actor, agreement_id))


# Agreements


def _date(form: FormData, name: str, label: str, problems: list[Problem]) -> dt.date | None:
    try:
        return date_from_boxes(name, label, *(str(form.get(f"{name}-{part}", "")) for part in ("day", "month", "year")))
    except InvalidInput as error:
        problems += error.problems
        return None


def _with(problems: list[Problem], more: list[Problem]) -> list[Problem]:
    """The date boxes' problems, then the service's about other fields (not a second one about the same date)."""
    named = {problem.where for problem in problems}
    return problems + [problem for problem in more if problem.where not in named]


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    for name in ("parties", "purposes", "categories"):
        values[name] = [str(value) for value in form.getlist(name)]
    return values


@pages.get("/sharing/agreements", response_class=HTMLResponse)
def agreements_page(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, page: PageNumber = 1
) -> HTMLResponse:
    found = service.list_agreements(session, actor, page=page, page_size=settings.page_size)
    return render(
        request,
        "sharing/agreements.html",
        {
            "title": "Information sharing agreements",
            "found": found,
            "today": today(),
            "is_admin": Role.ADMIN in actor.roles,
        },
    )


def _agreement_form(
    request: Request, session: DbSession, values: dict[str, Any], problems: list[Problem] | None = None
) -> HTMLResponse:
    partners = list(session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name)).all())
    return render(
        request,
        "sharing/agreement_form.html",
        {
            "title": "Record an information sharing agreement",
            "values": values,
            "partners": partners,
            "purposes": service.SHARED_PURPOSES,
            "categories": list(DataCategory),
            **(error_summary(problems) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@pages.get("/sharing/agreements/new", response_class=HTMLResponse)
def new_agreement_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    service.require_admin(actor, "sharing.agreement_created", "sharing_agreement")
    return _agreement_form(request, session, {"parties": [str(actor.organisation_id)], "needs_consent": "no"})


@pages.post("/sharing/agreements/new", response_model=None)
def create_agreement(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    values, problems = _values(form), []
    starts_on = _date(form, "starts_on", "Start date", problems)
    ends_on = _date(form, "ends_on", "End date", problems)
    parties = [int(value) for value in values["parties"] if value.isdigit() and len(value) < 10]
    details = service.AgreementIn(
        title=values.get("title", ""),
        parties=parties,
        purposes=values["purposes"],
        categories=values["categories"],
        lawful_basis=values.get("lawful_basis", ""),
        dpia_reference=values.get("dpia_reference", ""),
        starts_on=starts_on,
        ends_on=ends_on,
        needs_consent=values.get("needs_consent") == "yes",
    )
    try:
        with session.begin_nested():
            agreement = service.create_agreement(session, actor, details)
            if problems:
                raise InvalidInput(problems)  # a date that is not a date: undo, and say so
    except InvalidInput as error:
        return _agreement_form(request, session, values, _with(problems, error.problems))
    return RedirectResponse(f"/sharing/agreements/{agreement.id}", status_code=303)


def _agreement_page(
    request: Request, session: DbSession, actor: Actor, agreement_id: int, problems: list[Problem] | None = None
) -> HTMLResponse:
    agreement = service.get_agreement(session, actor, agreement_id)
    parties = {party.organisation_id for party in agreement.parties}
    can_end = Role.ADMIN in actor.roles and (actor.organisation_id is None or actor.organisation_id in parties)
    return render(
        request,
        "sharing/agreement.html",
        {
            "title": agreement.title,
            "agreement": agreement,
            "in_force": agreement.active_on(today()),
            "can_end": can_end and (agreement.ends_on is None or agreement.ends_on >= today()),
            **(error_summary(problems) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@pages.get("/sharing/agreements/{agreement_id}", response_class=HTMLResponse)
def agreement_page(request: Request, session: DbSession, actor: PageActor, agreement_id: RecordId) -> HTMLResponse:
    return _agreement_page(request, session, actor, agreement_id)


@pages.post("/sharing/agreements/{agreement_id}/end", response_model=None)
def end_agreement(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, agreement_id: RecordId
) -> Response:
    problems: list[Problem] = []
    ends_on = _date(form, "ends_on", "Last day", problems)
    try:
        with session.begin_nested():
            service.end_agreement(session, actor, agreement_id, ends_on)
    except InvalidInput as error:
        return _agreement_page(request, session, actor, agreement_id, _with(problems, error.problems))
    return RedirectResponse(f"/sharing/agreements/{agreement_id}", status_code=303)


# Oversight and break-glass (under /cases/)


def _oversight_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    page: int,
    page_size: int,
    problems: list[Problem] | None = None,
    failed_id: int | None = None,
) -> HTMLResponse:
    found = service.oversight(session, actor, page=page, page_size=page_size)
    return render(
        request,
        "sharing/oversight.html",
        {
            "title": "Oversight: break-glass and refused access",
            "found": found,
            "recent_days": service.RECENT_DAYS,
            "failed_id": failed_id,
            **(error_summary(problems, {"note": f"note-{failed_id}"}) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@case_pages.get("/cases/oversight", response_class=HTMLResponse)
def oversight_page(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, page: PageNumber = 1
) -> HTMLResponse:
    return _oversight_page(request, session, actor, page, settings.page_size)


@case_pages.post("/cases/oversight/break-glass/{break_glass_id}/review", response_model=None)
def review_break_glass(
    request: Request,
    session: DbSession,
    actor: PageActor,
    settings: AppSettings,
    form: CheckedForm,
    break_glass_id: RecordId,
) -> Response:
    try:
        with session.begin_nested():
            service.review_break_glass(session, actor, break_glass_id, str(form.get("note", "")))
    except InvalidInput as error:
        return _oversight_page(request, session, actor, 1, settings.page_size, error.problems, break_glass_id)
    return RedirectResponse("/cases/oversight", status_code=303)


def _break_glass_form(
    request: Request, case_id: int, values: dict[str, Any], problems: list[Problem] | None = None
) -> HTMLResponse:
    return render(
        request,
        "sharing/break_glass.html",
        {
            "title": "Open this case in an emergency",
            "case_id": case_id,
            "values": values,
            "hours": list(service.BREAK_GLASS_HOURS),
            **(error_summary(problems) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@case_pages.get("/cases/{case_id}/break-glass", response_class=HTMLResponse)
def break_glass_page(request: Request, actor: PageActor, case_id: RecordId) -> HTMLResponse:
    return _break_glass_form(request, case_id, {"hours": "4"})


@case_pages.post("/cases/{case_id}/break-glass", response_model=None)
def break_glass(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, case_id: RecordId
) -> Response:
    values = _values(form)
    hours = values.get("hours", "")
    try:
        with session.begin_nested():
            chosen = int(hours) if hours.isdigit() and len(hours) < 3 else 0
            service.break_glass(session, actor, case_id, values.get("reason", ""), hours=chosen)
    except InvalidInput as error:
        return _break_glass_form(request, case_id, values, error.problems)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


# Consent (under /cases/people/)


def _consent_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    person_id: int,
    values: dict[str, Any],
    problems: list[Problem] | None = None,
) -> HTMLResponse:
    history = service.consent_history(session, actor, person_id)
    return render(
        request,
        "sharing/consent.html",
        {
            "title": f"Consent of {history.person.full_name}",
            "history": history,
            "values": values,
            "statuses": list(ConsentStatus),
            "purposes": service.SHARED_PURPOSES,
            **(error_summary(problems) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@case_pages.get("/cases/people/{person_id}/consent", response_class=HTMLResponse)
def consent_page(request: Request, session: DbSession, actor: PageActor, person_id: RecordId) -> HTMLResponse:
    return _consent_page(request, session, actor, person_id, {"purposes": []})


@case_pages.post("/cases/people/{person_id}/consent", response_model=None)
def record_consent(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, person_id: RecordId
) -> Response:
    values, problems = _values(form), []
    recorded_on = _date(form, "recorded_on", "Date", problems)
    try:
        with session.begin_nested():
            status, purposes, note = values.get("status", ""), values["purposes"], values.get("note", "")
            service.record_consent(session, actor, person_id, status, purposes, recorded_on, note)
            if problems:
                raise InvalidInput(problems)
    except InvalidInput as error:
        return _consent_page(request, session, actor, person_id, values, _with(problems, error.problems))
    return RedirectResponse(f"/cases/people/{person_id}/consent", status_code=303)
