"""The outcomes pages: the overview, a framework at a glance, an indicator's trend and districts, importing
measurements. Thin: parse, call the service, render. The money pages (grants, benefits, claims) are in
`money_routes.py` and the JSON API in `api.py`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from wholeplace.auth.actor import allowed
from wholeplace.outcomes import charts, frameworks, grants, measurements, progress, realisation, schemes
from wholeplace.outcomes.model import Counting, IndicatorLink, LinkKind
from wholeplace.outcomes.status import Status, number
from wholeplace.problems import InvalidInput, Problem
from wholeplace.web.deps import CheckedForm, DbSession, PageActor
from wholeplace.web.params import LARGEST_ID, RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)

MAX_UPLOAD = 20_000_000  # bytes: years of monthly figures for every indicator and area
AreaId = Annotated[int | None, Query(ge=1, le=LARGEST_ID, description="The area to show")]
RATED = (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK)


def _context_helpers() -> dict[str, object]:
    return {"number": number, "Status": Status, "RATED": RATED}


@pages.get("/outcomes", response_class=HTMLResponse)
def overview(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    found = []
    for framework in frameworks.list_frameworks(session, actor):
        rows = progress.status_rows(session, actor, framework_id=framework.id)
        found.append(
            (framework, progress.summary(rows), progress.summary(r for r in rows if r.area_kind != "district"))
        )
    return render(
        request,
        "outcomes/overview.html",
        {
            "title": "Outcomes",
            "frameworks": found,
            "schemes": schemes.list_schemes(session, actor),
            "may_import": allowed(actor, "outcomes.measure"),
            **_context_helpers(),
        },
    )


@pages.get("/outcomes/frameworks/{framework_id}", response_class=HTMLResponse)
def framework_page(request: Request, session: DbSession, actor: PageActor, framework_id: RecordId) -> HTMLResponse:
    framework = frameworks.get_framework(session, actor, framework_id)
    rows = progress.status_rows(session, actor, framework_id=framework.id)
    by_indicator: dict[int, list[progress.StatusRow]] = {}
    for row in rows:
        by_indicator.setdefault(row.indicator_id, []).append(row)
    return render(
        request,
        "outcomes/framework.html",
        {
            "title": framework.name,
            "framework": framework,
            "by_indicator": by_indicator,
            "summary": progress.summary(rows),
            "headline": progress.summary(row for row in rows if row.area_kind != "district"),
            **_context_helpers(),
        },
    )


@pages.get("/outcomes/indicators/{indicator_id}", response_class=HTMLResponse)
def indicator_page(
    request: Request, session: DbSession, actor: PageActor, indicator_id: RecordId, area: AreaId = None
) -> HTMLResponse:
    indicator = frameworks.get_indicator(session, actor, indicator_id)
    rows = progress.status_rows(session, actor, indicator_id=indicator.id)
    chosen = next((row for row in rows if row.area_id == area), None) if area else (rows[0] if rows else None)
    points = progress.trend(session, actor, indicator=indicator, area_id=chosen.area_id) if chosen else []
    history = measurements.history(session, actor, indicator_id=indicator.id, area_id=chosen.area_id) if chosen else []
    districts = [row for row in rows if row.area_kind == "district"]
    links = session.scalars(select(IndicatorLink).where(IndicatorLink.indicator_id == indicator.id)).all()
    grant_links = [link for link in links if link.kind is LinkKind.GRANT]
    return render(
        request,
        "outcomes/indicator.html",
        {
            "title": indicator.name,
            "indicator": indicator,
            "rows": rows,
            "chosen": chosen,
            "points": points,
            "history": history,
            "revised": any(item.revision > 1 for item in history),
            "districts": districts,
            "trend_figure": charts.trend_figure(points, indicator.unit) if points else None,
            "districts_figure": charts.districts_figure(districts, indicator.unit) if districts else None,
            "grant_accounts": grants.accounts_named(session, [link.account_id for link in grant_links]),
            "benefit_links": [link for link in links if link.kind is LinkKind.BENEFIT],
            "case_names": realisation.case_names(session, [link.business_case_id for link in links]),
            "Counting": Counting,
            **_context_helpers(),
        },
    )


@pages.get("/outcomes/measurements/import", response_class=HTMLResponse)
def import_form(request: Request, actor: PageActor) -> HTMLResponse:
    return _import_page(request, actor)


@pages.post("/outcomes/measurements/import", response_model=None)
def import_upload(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    upload = form.get("upload")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput([Problem("upload", "Choose the file of measurements (.csv or .xlsx)")])
        data = upload.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise InvalidInput([Problem("upload", "The file is larger than 20 MB: split it by year")])
        report = measurements.import_measurements(session, actor, data=data, filename=upload.filename)
    except InvalidInput as error:
        return _import_page(request, actor, error.problems)
    return RedirectResponse(
        f"/outcomes?imported={report.rows}&new={report.new}&revised={report.revised}", status_code=303
    )


def _import_page(request: Request, actor: PageActor, problems: list[Problem] | None = None) -> HTMLResponse:
    found = problems or []
    return render(
        request,
        "outcomes/import.html",
        {
            "title": "Import measurements",
            "problems": found,
            **(
                error_summary(
                    [Problem("upload", p.message if not p.where else f"{p.where}: {p.message}") for p in found]
                )
                if found
                else {}
            ),
        },
        status_code=422 if found else 200,
    )
