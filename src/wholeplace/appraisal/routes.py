"""Business case pages and /api/v1/business-cases: the list, the editor, the results, versions compared.

Thin: parse, call one service function, render. A case file with problems is shown again, as typed,
with every problem (line and key), and nothing is saved.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from wholeplace.appraisal import (
    charts,
    engine,
    guided,
    portfolio,
    service,
    shares,
    shares_report,
    uncertainty,
    unit_costs,
    workbook,
    workbook_import,
)
from wholeplace.appraisal.case_writer import write_case
from wholeplace.appraisal.model import BusinessCase
from wholeplace.appraisal.schemas import BusinessCaseIn, BusinessCaseOut, BusinessCaseSummaryOut, VersionIn, VersionOut
from wholeplace.auth.actor import Actor, allowed, require
from wholeplace.money import FinancialYear, FinancialYearError
from wholeplace.paging import PageOut
from wholeplace.problems import Conflict, InvalidInput, Problem, WholeplaceError
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import LARGEST_ID, NumberInPath, PageNumber, PageSize, RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
pages.include_router(guided.pages)  # first, so /business-cases/guided/... is never read as a case's id
api = APIRouter(tags=["business cases"])

VersionNumber = Annotated[
    int | None, Query(ge=1, le=LARGEST_ID, description="A version's number; the current one if left out")
]
PUBLISHED_SUMMARIES = Path(__file__).resolve().parent.parent / "demo" / "cases" / "wecb"
PAGE_DRAWS = 10_000  # enough for steady percentiles, and quick: a page is back in well under a second
PAGE_MAX_DRAWS = 100_000
MAX_UPLOAD = 2_000_000  # bytes: a case file is a few kilobytes


# API


@api.get("/business-cases", response_model=PageOut[BusinessCaseSummaryOut])
def api_list(
    session: DbSession, actor: ApiActor, settings: AppSettings, page: PageNumber = 1, page_size: PageSize = None
) -> PageOut[BusinessCaseSummaryOut]:
    """Business cases by name, each with its current version's headline figures."""
    found = service.list_cases(session, actor, page=page, page_size=page_size or settings.page_size)
    return PageOut.of(found, [BusinessCaseSummaryOut.of(business_case) for business_case in found.items])


@api.post("/business-cases", response_model=BusinessCaseOut, status_code=201)
def api_add(session: DbSession, actor: ApiActor, body: BusinessCaseIn) -> BusinessCaseOut:
    """Add a business case from its case file; refused (422) with every problem if it cannot be appraised."""
    return BusinessCaseOut.of(service.add_case(session, actor, source=body.source, note=body.note))


@api.get("/business-cases/{case_id}", response_model=BusinessCaseOut)
def api_get(session: DbSession, actor: ApiActor, case_id: RecordId) -> BusinessCaseOut:
    """A business case: its current case file and every version's headline figures."""
    return BusinessCaseOut.of(service.get_case(session, actor, case_id))


@api.post("/business-cases/{case_id}/versions", response_model=VersionOut, status_code=201)
def api_save_version(session: DbSession, actor: ApiActor, case_id: RecordId, body: VersionIn) -> VersionOut:
    """Save a new version, edited from `based_on`; refused (409) if someone has saved a newer one since."""
    version = service.save_version(
        session, actor, case_id=case_id, source=body.source, based_on=body.based_on, note=body.note
    )
    return VersionOut.of(version)


@api.get("/business-cases/{case_id}/appraisal")
def api_appraisal(
    session: DbSession,
    actor: ApiActor,
    case_id: RecordId,
    version: VersionNumber = None,
    simulate: Annotated[
        int | None, Query(ge=1, le=uncertainty.MAX_DRAWS, description="Monte Carlo draws; none, no simulation")
    ] = None,
    seed: Annotated[int, Query(ge=0, description="The random seed: the same seed gives the same figures")] = (
        uncertainty.DEFAULT_SEED
    ),
    basis: Annotated[shares.Basis, Query(description="Fair shares counting all benefits, or fiscal ones only")] = (
        shares.Basis.ALL
    ),
) -> dict[str, Any]:
    """The appraisal of a version as `wholeplace appraise --shares --format json` prints it: present values,
    ratios, payback, who pays and who gains, fair shares; with `simulate`, the Monte Carlo results too."""
    appraised = service.appraise_version(service.get_version(service.get_case(session, actor, case_id), version))
    result = {
        "business_case": case_id,
        "version": appraised.version.number,
        **engine.to_json(appraised.appraisal),
        "shares": shares_report.shares_json(appraised.appraisal, basis=basis),
    }
    if simulate is not None:
        result["simulation"] = uncertainty.to_json(uncertainty.analyse(appraised.case, simulate, seed))
    return result


# Pages


@pages.get("/business-cases", response_class=HTMLResponse)
def list_page(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, page: PageNumber = 1
) -> HTMLResponse:
    found = service.list_cases(session, actor, page=page, page_size=settings.page_size)
    context = {"title": "Business cases", "found": found, "can_edit": allowed(actor, "business_cases.edit")}
    return render(request, "business_cases/list.html", context)


@pages.get("/business-cases/portfolio", response_class=HTMLResponse)
def portfolio_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    stored = service.all_cases(session, actor)
    cases = [service.read_source(business_case.current.source) for business_case in stored]
    published, claims = published_summaries()
    rolled = portfolio.roll_up([*cases, *published], claims)
    context = {"title": "Portfolio of business cases", "portfolio": rolled, "stored": stored}
    return render(request, "business_cases/portfolio.html", context)


@pages.get("/business-cases/unit-costs", response_class=HTMLResponse)
def unit_costs_page(request: Request, actor: PageActor, price_year: str | None = None) -> HTMLResponse:
    require(actor, "business_cases.view", object_type="business_case")
    library = unit_costs.shipped_library()
    years = sorted(library.deflators)
    try:
        year = FinancialYear.parse(price_year) if price_year else years[-1]
        library.deflator(year)
    except (FinancialYearError, LookupError):
        message = f"Choose a price year from {years[0]} to {years[-1]}, like 2013/14"
        raise InvalidInput([Problem("price_year", message)]) from None
    rows = [(cost, library.value_in(cost.name, year)) for cost in library]
    context = {"title": "Unit cost library", "rows": rows, "year": year, "years": years, "library": library}
    return render(request, "business_cases/unit_costs.html", context | {"deflator_source": unit_costs.DEFLATOR_SOURCE})


@pages.get("/business-cases/template.xlsx")
def download_template(actor: PageActor) -> Response:
    """A blank workbook whose Inputs sheet, filled in, can be uploaded as a case."""
    require(actor, "business_cases.edit", object_type="business_case")
    return _xlsx(workbook.template_workbook(), "business-case-template.xlsx")


@pages.get("/business-cases/new", response_class=HTMLResponse)
def new_page(request: Request, actor: PageActor) -> HTMLResponse:
    require(actor, "business_cases.edit", object_type="business_case")
    return _editor(request, actor, None)


@pages.post("/business-cases/new", response_model=None)
def add(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    source, note = str(form.get("source", "")), str(form.get("note", ""))
    try:
        source = _submitted(form)
        with session.begin_nested():
            business_case = service.add_case(session, actor, source=source, note=note)
    except InvalidInput as error:
        return _editor(request, actor, None, source=source, note=note, refused=error)
    return RedirectResponse(f"/business-cases/{business_case.id}?saved=1", status_code=303)


@pages.get("/business-cases/{case_id}", response_class=HTMLResponse)
def results_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    case_id: RecordId,
    version: VersionNumber = None,
    draws: Annotated[int, Query(ge=1, le=PAGE_MAX_DRAWS, description="Monte Carlo draws")] = PAGE_DRAWS,
    seed: Annotated[int, Query(ge=0, description="The random seed: the same seed gives the same figures")] = (
        uncertainty.DEFAULT_SEED
    ),
    basis: shares.Basis = shares.Basis.FISCAL,  # on the page, money first: what lands in each agency's budget
) -> HTMLResponse:
    business_case = service.get_case(session, actor, case_id)
    shown = service.get_version(business_case, version)
    worked = _worked_out(shown.source, draws, seed)
    return render(
        request,
        "business_cases/results.html",
        {
            "title": business_case.name,
            "business_case": business_case,
            "version": shown,
            "fair": shares.fair_shares(worked["appraisal"], basis=basis),
            "bases": shares.Basis,
            "kind_labels": engine.KIND_LABELS,
            "can_edit": allowed(actor, "business_cases.edit"),
            **worked,
        },
    )


@lru_cache(maxsize=64)
def _worked_out(source: str, draws: int, seed: int) -> dict[str, Any]:
    """The figures and charts of a results page that follow from the case file alone.

    A saved version never changes, and the same draws and seed give the same figures, so each is worked out once
    per process rather than at every view: the Monte Carlo draws were most of a view's time.
    """
    case = service.read_source(source)
    appraisal = engine.appraise(case)
    worked: dict[str, Any] = {
        "appraisal": appraisal,
        "break_even": uncertainty.break_even(case),
        "draws": draws,
        "seed": seed,
        "flows_figure": charts.flows_figure(appraisal),
        "matrix": shares.who_pays_who_gains(appraisal),
        "who_gains_figure": shares_report.who_gains_sankey(appraisal),
    }
    if case.uncertain:
        analysis = uncertainty.analyse(case, draws, seed)
        worked |= {
            "analysis": analysis,
            "histogram_figure": charts.histogram_figure(analysis.simulation),
            "tornado_figure": charts.tornado_figure(analysis.tornado, appraisal.npv_total),
        }
    return worked


@pages.get("/business-cases/{case_id}/edit", response_class=HTMLResponse)
def edit_page(request: Request, session: DbSession, actor: PageActor, case_id: RecordId) -> HTMLResponse:
    business_case = service.get_case(session, actor, case_id)
    service.check_may_edit(session, business_case, actor)
    return _editor(request, actor, business_case, source=business_case.current.source)


@pages.post("/business-cases/{case_id}/edit", response_model=None)
def save(request: Request, session: DbSession, actor: PageActor, form: CheckedForm, case_id: RecordId) -> Response:
    business_case = service.get_case(session, actor, case_id)
    source, note = str(form.get("source", "")), str(form.get("note", ""))
    based_on = str(form.get("based_on", ""))
    try:
        source = _submitted(form)
        if not based_on.isdigit():
            raise InvalidInput([Problem("source", "The form lost the version you edited: open the case again")])
        with session.begin_nested():
            version = service.save_version(
                session, actor, case_id=case_id, source=source, based_on=int(based_on), note=note
            )
    except (InvalidInput, Conflict) as error:
        return _editor(request, actor, business_case, source=source, note=note, refused=error, based_on=based_on)
    return RedirectResponse(f"/business-cases/{case_id}?version={version.number}&saved=1", status_code=303)


@pages.get("/business-cases/{case_id}/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    case_id: RecordId,
    before: Annotated[int | None, Query(alias="from", ge=1, le=LARGEST_ID)] = None,
    after: Annotated[int | None, Query(alias="to", ge=1, le=LARGEST_ID)] = None,
) -> HTMLResponse:
    business_case = service.get_case(session, actor, case_id)
    newest = business_case.current.number
    after = after or newest
    before = before or max(after - 1, 1)
    diff = service.compare(business_case, before, after)
    return render(
        request,
        "business_cases/compare.html",
        {"title": f"{business_case.name}: versions compared", "business_case": business_case, "diff": diff},
    )


@pages.get("/business-cases/{case_id}/versions/{number}/case.yaml")
def download_source(session: DbSession, actor: PageActor, case_id: RecordId, number: NumberInPath) -> Response:
    """The case file of a version, as saved, to appraise with `wholeplace appraise` or edit offline."""
    version = service.get_version(service.get_case(session, actor, case_id), number)
    filename = f"business-case-{case_id}-v{number}.yaml"
    return Response(
        version.source,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@cache
def published_summaries() -> tuple[list[portfolio.SummaryCase], list[portfolio.Claim]]:
    """The WECB business cases as seed 001 publishes them, and seed 004's claim for their total."""
    summaries, claims = [], []
    for path in sorted(PUBLISHED_SUMMARIES.glob("*.yaml")):
        found, problems = portfolio.read_portfolio_file(path.read_text(encoding="utf-8"), path.name)
        assert not problems, problems  # shipped files; tests/appraisal/test_portfolio.py reads every one
        if isinstance(found, portfolio.SummaryCase):
            summaries.append(found)
        elif isinstance(found, portfolio.Claim):
            claims.append(found)
    return summaries, claims


@pages.get("/business-cases/{case_id}/versions/{number}/workings.xlsx")
def download_workings(session: DbSession, actor: PageActor, case_id: RecordId, number: NumberInPath) -> Response:
    """The appraisal's workings year by year as live Excel formulas, for a finance officer to audit."""
    appraised = service.appraise_version(service.get_version(service.get_case(session, actor, case_id), number))
    return _xlsx(workbook.write_workbook(appraised.case), f"business-case-{case_id}-v{number}-workings.xlsx")


def _xlsx(data: bytes, filename: str) -> Response:
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _submitted(form: FormData) -> str:
    """The case file from the upload if one was chosen, else from the text box. A workbook's Inputs sheet
    is read and kept as the YAML case file it stands for, so versions compare line by line.

    Called from the pages' worker threads (they are plain functions), never on the event loop: reading a workbook
    and saving the case there would hold up every other request of the process."""
    upload = form.get("upload")
    source = str(form.get("source", ""))
    if isinstance(upload, UploadFile) and upload.filename:
        data = upload.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise InvalidInput([Problem("upload", "The file is larger than 2 MB: a case file is a few kilobytes")])
        if upload.filename.lower().endswith(".xlsx"):
            case, problems = workbook_import.read_workbook(data, upload.filename)
            if problems:  # each names its sheet and cell: said in full, against the upload
                raise InvalidInput([Problem("upload", str(problem)) for problem in problems])
            assert case is not None
            return write_case(case)
        try:
            source = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            message = f"{upload.filename} is not a text file in UTF-8: upload the case in YAML, JSON or Excel (.xlsx)"
            raise InvalidInput([Problem("upload", message)]) from None
    return source.replace("\r\n", "\n")


def _editor(
    request: Request,
    actor: Actor,
    business_case: BusinessCase | None,
    *,
    source: str = "",
    note: str = "",
    refused: WholeplaceError | None = None,
    based_on: str | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {}
    if refused is not None:
        # Problems in the file name their line and key; they all point at the text box.
        context = error_summary([p if p.where == "upload" else Problem("source", str(p)) for p in refused.problems])
    return render(
        request,
        "business_cases/editor.html",
        {
            "title": f"Edit {business_case.name}" if business_case else "Add a business case",
            "business_case": business_case,
            "source": source,
            "note": note,
            "based_on": based_on or (str(business_case.current.number) if business_case else ""),
            "can_edit": allowed(actor, "business_cases.edit"),
            **context,
        },
        status_code=(409 if isinstance(refused, Conflict) else 422) if refused else 200,
    )
