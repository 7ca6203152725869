"""The section 75 pages: the agreements, one agreement reconciled with the ledger, creating one, recording an
instalment received, and drafting the year-end settlement. Thin: read the form, call the service, render.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from wholeplace.auth.actor import allowed
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.funds import ledger
from wholeplace.funds.model import UNALLOCATED_PATH
from wholeplace.money import Money
from wholeplace.partners.model import Organisation
from wholeplace.problems import InvalidInput, Problem
from wholeplace.section75 import service, settlement
from wholeplace.section75.engine import percent
from wholeplace.section75.terms import read_date, read_schedule_text, read_settlement_inputs, read_terms
from wholeplace.web.deps import CheckedForm, DbSession, PageActor
from wholeplace.web.params import PageNumber, RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)

PARTNER_ROWS = 3  # partners on the form; a pool with more is loaded from a file (`wholeplace section75 load`)
DATE_FIELDS = (("starts_on", "Start date"), ("ends_on", "End date"), ("signed_on", "Date signed"))
STATUS_TAGS = {
    "due": "govuk-tag--grey",
    "received": "govuk-tag--green",
    "late": "govuk-tag--red",
    "part-paid": "govuk-tag--yellow",
}


def day(value: dt.date | None) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def place_name(path: str) -> str:
    """An account as its users name it: the pool, or a project with its theme in brackets."""
    if path == UNALLOCATED_PATH:
        return "Unallocated pool"
    root, _, rest = path.partition(":")
    theme, _, project = rest.partition(":")
    named = f"{project} ({theme})" if project else theme
    return {"Contributions": rest, "Returned": f"Returned to {rest}"}.get(root, named)


def field_id(where: str) -> str:
    """A problem's field as the form's input id: `partners[2].overspend_share` is `partner-2-overspend_share`."""
    if where in {name for name, _ in DATE_FIELDS} | {"received_on", "report_date"}:
        return f"{where}-day"
    if match := re.fullmatch(r"partners\[(\d+)\]\.(\w+)", where):
        return f"partner-{match[1]}-{'schedule' if match[2] == 'instalments' else match[2]}"
    return where


def _errors(problems: list[Problem]) -> dict[str, Any]:
    return error_summary([Problem(field_id(p.where), p.message) for p in problems])


def _helpers() -> dict[str, Any]:
    return {"day": day, "percent": percent, "place_name": place_name, "status_tags": STATUS_TAGS}


# --- the agreements ---


@pages.get("/section75", response_class=HTMLResponse)
def agreements_page(request: Request, session: DbSession, actor: PageActor, page: PageNumber = 1) -> HTMLResponse:
    found = service.list_agreements(session, actor, page=page)
    return render(
        request,
        "section75/list.html",
        {
            "title": "Section 75 agreements",
            "agreements": found,
            "may_manage": allowed(actor, "section75.manage"),
            **_helpers(),
        },
    )


# --- creating an agreement ---


def _choices(session: DbSession, actor: PageActor) -> dict[str, Any]:
    return {
        "funds": ledger.all_funds(session, actor),
        "decisions": list(
            session.scalars(
                select(Decision).where(Decision.status == DecisionStatus.APPROVED).order_by(Decision.reference)
            )
        ),
        "organisations": list(session.scalars(select(Organisation).order_by(Organisation.name))),
    }


@pages.get("/section75/new", response_class=HTMLResponse)
def new_agreement_form(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    return _new_page(request, session, actor)


def _new_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    values: dict[str, str] | None = None,
    problems: list[Problem] | None = None,
) -> HTMLResponse:
    service.require_manage(actor)
    return render(
        request,
        "section75/new.html",
        {
            "title": "Record a section 75 agreement",
            "values": values or {},
            "partner_rows": range(1, PARTNER_ROWS + 1),
            **_choices(session, actor),
            **_helpers(),
            **(_errors(problems) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@pages.post("/section75/new", response_model=None)
def create_agreement(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    values = {key: str(value)[:5000] for key, value in form.multi_items() if isinstance(value, str)}
    problems: list[Problem] = []
    partners = []
    for row in range(1, PARTNER_ROWS + 1):
        fields = {name: values.get(f"partner-{row}-{name}", "").strip() for name in ("partner", "overspend_share")}
        fields["underspend_share"] = values.get(f"partner-{row}-underspend_share", "").strip()
        schedule_text = values.get(f"partner-{row}-schedule", "")
        if not any(fields.values()) and not schedule_text.strip():
            continue
        instalments, found = read_schedule_text(schedule_text, f"partners[{len(partners) + 1}].instalments")
        problems += found
        partners.append({**fields, "instalments": instalments})
    given = {key: values.get(key, "").strip() for key in ("reference", "title", "fund", "decision", "host")}
    given |= {name: _date_text(form, name) for name, _ in DATE_FIELDS}
    terms, found = read_terms({**given, "underspend": values.get("underspend", ""), "partners": partners})
    try:
        if problems or terms is None:
            raise InvalidInput(problems + found)
        with session.begin_nested():
            agreement = service.create_agreement(session, actor, terms=terms)
    except InvalidInput as error:
        return _new_page(request, session, actor, values, error.problems)
    return RedirectResponse(f"/section75/{agreement.id}", status_code=303)


@pages.get("/section75/{agreement_id}", response_class=HTMLResponse)
def agreement_page(request: Request, session: DbSession, actor: PageActor, agreement_id: RecordId) -> HTMLResponse:
    return _agreement_page(request, session, actor, agreement_id)


def _agreement_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    agreement_id: int,
    values: dict[str, str] | None = None,
    problems: list[Problem] | None = None,
) -> HTMLResponse:
    agreement = service.get_agreement(session, actor, agreement_id)
    rows = service.schedule(agreement)
    years = []
    for year in service.years(agreement):
        lines = service.reconcile(session, actor, agreement, year)
        years.append((year, lines, settlement.compute_settlement(session, actor, agreement_id=agreement.id, year=year)))
    return render(
        request,
        "section75/agreement.html",
        {
            "title": agreement.title,
            "agreement": agreement,
            "rows": rows,
            "open_rows": [row for row in rows if row.received < row.amount],
            "years": years,
            "settlements": settlement.settlements_by_year(agreement),
            "Money": Money,
            "may_manage": allowed(actor, "section75.manage"),
            "values": values or {},
            **_helpers(),
            **(_errors(problems) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@pages.post("/section75/{agreement_id}/receipts", response_model=None)
def record_receipt(
    request: Request, session: DbSession, actor: PageActor, agreement_id: RecordId, form: CheckedForm
) -> Response:
    names = ("instalment", "amount", "received_on-day", "received_on-month", "received_on-year")
    values = {name: str(form.get(name, "")).strip()[:200] for name in names}
    agreement = service.get_agreement(session, actor, agreement_id)
    instalments = {str(item.id) for partner in agreement.partners for item in partner.instalments}
    try:
        if values["instalment"] not in instalments:
            raise InvalidInput([Problem("instalment", "Choose the instalment the money is for")])
        with session.begin_nested():  # a refusal undoes whatever the attempt wrote
            service.record_receipt(
                session,
                actor,
                instalment_id=int(values["instalment"]),
                received_on=_date_text(form, "received_on"),
                amount=values["amount"],
            )
    except InvalidInput as error:
        return _agreement_page(request, session, actor, agreement_id, values, error.problems)
    return RedirectResponse(f"/section75/{agreement_id}?received=1#instalments", status_code=303)


def _date_text(form: FormData, name: str) -> str:
    """The three GOV.UK date boxes as `YYYY-M-D` for the reader of dates, empty when all three are."""
    parts = [str(form.get(f"{name}-{part}", "")).strip()[:10] for part in ("year", "month", "day")]
    return "-".join(parts) if any(parts) else ""


# --- the year-end settlement ---


@pages.get("/section75/{agreement_id}/settlement", response_class=HTMLResponse)
def settlement_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    agreement_id: RecordId,
    year: str = "",
    accrued: str = "",
) -> HTMLResponse:
    values = {"year": year[:20], "accrued": accrued[:60]}
    return _settlement_page(request, session, actor, agreement_id, values, [])


def _settlement_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    agreement_id: int,
    values: dict[str, str],
    problems: list[Problem],
) -> HTMLResponse:
    agreement = service.get_agreement(session, actor, agreement_id)
    years = service.years(agreement)
    values.setdefault("year", "")
    if not values["year"] and years:
        values["year"] = str(years[0])
    year, accrued, found = read_settlement_inputs(values["year"], values.get("accrued", ""))
    computed = None
    if year is not None and not found:
        try:
            computed = settlement.compute_settlement(
                session, actor, agreement_id=agreement.id, year=year, accrued=accrued
            )
        except InvalidInput as error:
            found += error.problems
    all_problems = problems + found
    return render(
        request,
        "section75/settlement.html",
        {
            "title": f"Year-end settlement: {agreement.title}",
            "agreement": agreement,
            "years": years,
            "computed": computed,
            "accrued": accrued,
            "values": values,
            "targets": settlement.overspend_targets(session, agreement),
            "may_manage": allowed(actor, "section75.manage") and allowed(actor, "decisions.draft"),
            **_helpers(),
            **(_errors(all_problems) if all_problems else {}),
        },
        status_code=422 if all_problems else 200,
    )


@pages.post("/section75/{agreement_id}/settlement", response_model=None)
def draft_settlement(
    request: Request, session: DbSession, actor: PageActor, agreement_id: RecordId, form: CheckedForm
) -> Response:
    values = {name: str(form.get(name, "")).strip()[:300] for name in ("year", "accrued", "reference", "overspend_to")}
    year, accrued, problems = read_settlement_inputs(values["year"], values["accrued"])
    report_text = _date_text(form, "report_date")
    try:
        report_date, date_problems = read_date(report_text, "report_date", "Report date") if report_text else (None, [])
        problems += date_problems
        if problems or year is None:
            raise InvalidInput(problems)
        with session.begin_nested():
            decision = settlement.draft_settlement(
                session,
                actor,
                agreement_id=agreement_id,
                year=year,
                reference=values["reference"],
                report_date=report_date,
                accrued=accrued,
                overspend_to=values["overspend_to"] or UNALLOCATED_PATH,
            )
    except InvalidInput as error:
        return _settlement_page(request, session, actor, agreement_id, values, error.problems)
    return RedirectResponse(f"/decisions/{decision.id}", status_code=303)
