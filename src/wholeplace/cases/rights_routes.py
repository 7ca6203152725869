"""Pages for the rights of the person: finding someone for a subject access request, what a partner holds about
them (as a page, JSON and PDF), and correcting their details. Thin: parse, call one service function, render.

The sharing pages under /cases/ (oversight, break-glass, consent) are included here so that, like these, they
come before the case page's /cases/{case_id} pattern (see cases/routes.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from wholeplace.auth.actor import Actor
from wholeplace.cases import rights
from wholeplace.cases.model import Person, Sex
from wholeplace.problems import InvalidInput, Problem
from wholeplace.sharing import routes as sharing_routes
from wholeplace.web.date_boxes import date_from_boxes
from wholeplace.web.deps import CheckedForm, DbSession, PageActor
from wholeplace.web.params import RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["casework"])
# A download of personal data: never kept by a browser or a proxy.
PRIVATE = {"Cache-Control": "no-store"}
TEXT_DETAILS = ("given_name", "family_name", "other_names", "address", "postcode", "telephone", "email")


def _boxes(values: dict[str, str], name: str) -> tuple[str, str, str]:
    return values.get(f"{name}-day", ""), values.get(f"{name}-month", ""), values.get(f"{name}-year", "")


@pages.get("/cases/subject-access", response_class=HTMLResponse)
def find_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    rights.require_answerer(actor)
    values = {key: value for key, value in request.query_params.items() if len(value) <= 200}
    found: list[Person] | None = None
    problems: list[Problem] = []
    if "family_name" in values:
        try:
            born = date_from_boxes("date_of_birth", "Date of birth", *_boxes(values, "date_of_birth"))
            found = rights.find_people(session, actor, values["family_name"], born)
        except InvalidInput as error:
            problems = error.problems
    return render(
        request,
        "cases/rights_find.html",
        {"title": "Answer a subject access request", "values": values, "found": found, **_errors(problems)},
        status_code=422 if problems else 200,
    )


def _errors(problems: list[Problem]) -> dict[str, Any]:
    return error_summary(problems) if problems else {}


@pages.get("/cases/people/{person_id}/subject-access", response_class=HTMLResponse)
def subject_access_page(request: Request, session: DbSession, actor: PageActor, person_id: RecordId) -> HTMLResponse:
    data = rights.subject_access(session, actor, person_id)
    person = data["person"]
    return render(
        request,
        "cases/rights_subject_access.html",
        {
            "title": f"What {data['held_by']} holds about {person['given_name']} {person['family_name']}",
            "data": data,
            "person_id": person_id,
            "long_date": rights.long_date,
        },
    )


@pages.get("/cases/people/{person_id}/subject-access.json")
def subject_access_json(session: DbSession, actor: PageActor, person_id: RecordId) -> JSONResponse:
    data = rights.subject_access(session, actor, person_id)
    disposition = f'attachment; filename="subject-access-{person_id}.json"'
    return JSONResponse(data, headers={"Content-Disposition": disposition, **PRIVATE})


@pages.get("/cases/people/{person_id}/subject-access.pdf")
def subject_access_pdf(session: DbSession, actor: PageActor, person_id: RecordId) -> Response:
    pdf = rights.subject_access_pdf(session, actor, person_id)
    disposition = f'attachment; filename="subject-access-{person_id}.pdf"'
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition, **PRIVATE})


def _rectify_form(
    request: Request, actor: Actor, person: Person, values: dict[str, str], problems: list[Problem] | None = None
) -> HTMLResponse:
    return render(
        request,
        "cases/rights_rectify.html",
        {
            "title": f"Correct the details of {person.full_name}",
            "person": person,
            "values": values,
            "sexes": [sex.value for sex in Sex],
            "saved": request.query_params.get("saved") == "1",
            **_errors(problems or []),
        },
        status_code=422 if problems else 200,
    )


@pages.get("/cases/people/{person_id}/rectify", response_class=HTMLResponse)
def rectify_page(request: Request, session: DbSession, actor: PageActor, person_id: RecordId) -> HTMLResponse:
    person = rights.details_to_correct(session, actor, person_id)
    values = {key: str(getattr(person, key) or "") for key in TEXT_DETAILS} | {"sex": person.sex.value}
    born = person.date_of_birth
    if born is not None:
        values |= {"date_of_birth-day": str(born.day), "date_of_birth-month": str(born.month)}
        values |= {"date_of_birth-year": str(born.year)}
    return _rectify_form(request, actor, person, values)


def _changes(form: FormData, person: Person, problems: list[Problem]) -> dict[str, object]:
    """What the form changes: each field that differs from what is held (the service cleans and checks it)."""
    changes: dict[str, object] = {}
    for key in TEXT_DETAILS:
        given = str(form.get(key, ""))
        if " ".join(given.split()) != " ".join(str(getattr(person, key) or "").split()):
            changes[key] = given
    if str(form.get("sex", person.sex.value)) != person.sex.value:
        changes["sex"] = str(form.get("sex"))
    boxes = tuple(str(form.get(f"date_of_birth-{part}", "")) for part in ("day", "month", "year"))
    try:
        born: dt.date | None = date_from_boxes("date_of_birth", "Date of birth", *boxes)
    except InvalidInput as error:
        problems += error.problems
        return changes
    if born != person.date_of_birth:
        changes["date_of_birth"] = born
    return changes


@pages.post("/cases/people/{person_id}/rectify", response_model=None)
def rectify(request: Request, session: DbSession, actor: PageActor, form: CheckedForm, person_id: RecordId) -> Response:
    person = rights.details_to_correct(session, actor, person_id)
    values = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    problems: list[Problem] = []
    changes = _changes(form, person, problems)
    try:
        with session.begin_nested():
            if problems:
                raise InvalidInput(problems)
            rights.rectify(session, actor, person_id, changes, reason=values.get("reason", ""))
    except InvalidInput as error:
        return _rectify_form(request, actor, person, values, error.problems)
    return RedirectResponse(f"/cases/people/{person_id}/rectify?saved=1", status_code=303)


pages.include_router(sharing_routes.case_pages)
