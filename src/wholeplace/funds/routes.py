"""Fund pages and /api/v1/funds: the list of funds, a new fund, partner statements, the fund's exports as
downloads, and the API's funds, statements and transactions.

Thin: parse, call the ledger, render. The statement page lists the decisions behind its figures and the
re-profiling form drafts one, so both are in `decisions/fund_pages.py`: funds never import decisions.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wholeplace.auth.actor import allowed, require
from wholeplace.files.xlsx import workbook_bytes
from wholeplace.funds import contributions, engine, exports, ledger
from wholeplace.funds.forms import FUND_FIELDS, read_new_fund, typed
from wholeplace.funds.schemas import (
    ContributionRecordOut,
    FundIn,
    FundOut,
    StatementOut,
    TransactionOut,
    TrialBalanceTotals,
    partner_share_rows,
    percent,
)
from wholeplace.paging import PageOut
from wholeplace.partners import service as partners
from wholeplace.problems import InvalidInput, Problem
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.downloads import attachment
from wholeplace.web.params import PageNumber, PageSize, RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["funds"])

AsAt = Annotated[dt.date | None, Query(description="Statement as at the end of this day; today if not given")]


@api.get("/funds", response_model=PageOut[FundOut])
def api_list(
    session: DbSession, actor: ApiActor, settings: AppSettings, page: PageNumber = 1, page_size: PageSize = None
) -> PageOut[FundOut]:
    """Pooled funds, newest first, a page at a time."""
    found = ledger.list_funds(session, actor, page=page, page_size=page_size or settings.page_size)
    return PageOut.of(found, [FundOut.of(fund) for fund in found.items])


@api.post("/funds", response_model=FundOut, status_code=201)
def api_create(session: DbSession, actor: ApiActor, body: FundIn) -> FundOut:
    """A new pooled fund held by one partner, with its unallocated pool; money comes in by contributions."""
    fund = ledger.create_fund(
        session,
        actor,
        code=body.code,
        name=body.name,
        first_year=body.first_year,
        last_year=body.last_year,
        holder_identifier=body.holder,
    )
    return FundOut.of(fund)


@api.get("/funds/{fund_id}/contributions", response_model=list[ContributionRecordOut])
def api_contributions(session: DbSession, actor: ApiActor, fund_id: RecordId) -> list[ContributionRecordOut]:
    """Contributions recorded as cash or in kind, oldest first, with the basis of each in-kind valuation."""
    ledger.get_fund(session, actor, fund_id)
    return [ContributionRecordOut.of(line) for line in contributions.contributions(session, actor, fund_id=fund_id)]


@api.get("/funds/{fund_id}", response_model=FundOut)
def api_get(session: DbSession, actor: ApiActor, fund_id: RecordId) -> FundOut:
    return FundOut.of(ledger.get_fund(session, actor, fund_id))


@api.get("/funds/{fund_id}/statement", response_model=StatementOut)
def api_statement(session: DbSession, actor: ApiActor, fund_id: RecordId, as_at: AsAt = None) -> StatementOut:
    """Contributed by partner, allocated by theme and project, spent, returned and unallocated, as at a day."""
    fund = ledger.get_fund(session, actor, fund_id)
    statement = ledger.statement(session, actor, fund_id=fund_id, as_at=as_at)
    totals = TrialBalanceTotals.of(ledger.balances(session, fund_id, as_at=statement.as_at))
    return StatementOut.of(fund, statement, totals)


@api.get("/funds/{fund_id}/transactions", response_model=PageOut[TransactionOut])
def api_transactions(
    session: DbSession,
    actor: ApiActor,
    settings: AppSettings,
    fund_id: RecordId,
    page: PageNumber = 1,
    page_size: PageSize = None,
) -> PageOut[TransactionOut]:
    """The fund's ledger transactions with their postings, newest first."""
    ledger.get_fund(session, actor, fund_id)
    found = ledger.transactions(session, actor, fund_id=fund_id, page=page, page_size=page_size or settings.page_size)
    return PageOut.of(found, [TransactionOut.of(transaction) for transaction in found.items])


@pages.get("/funds", response_class=HTMLResponse)
def list_page(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, page: PageNumber = 1
) -> HTMLResponse:
    found = ledger.list_funds(session, actor, page=page, page_size=settings.page_size)
    statements = {fund.id: ledger.statement(session, actor, fund_id=fund.id) for fund in found.items}
    return render(
        request,
        "funds/list.html",
        {"title": "Funds", "found": found, "statements": statements, "can_create": allowed(actor, "funds.manage")},
    )


@pages.get("/funds/new", response_class=HTMLResponse)
def new_fund_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    require(actor, "funds.manage", object_type="fund")
    return _new_fund_form(request, session, actor, {})


@pages.post("/funds/new", response_model=None)
def create_fund(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    require(actor, "funds.manage", object_type="fund")
    try:
        values = read_new_fund(form, holders=dict(partners.organisation_choices(session, actor)))
        with session.begin_nested():
            fund = ledger.create_fund(
                session,
                actor,
                code=values.code,
                name=values.name,
                first_year=values.first_year,
                last_year=values.last_year,
                holder_identifier=values.holder_identifier,
            )
    except InvalidInput as error:
        return _new_fund_form(request, session, actor, typed(form, FUND_FIELDS), error.problems)
    return RedirectResponse(f"/funds/{fund.id}?created=1", status_code=303)


def _new_fund_form(
    request: Request, session: DbSession, actor: PageActor, values: dict[str, str], problems: list[Problem] = ()
) -> HTMLResponse:
    return render(
        request,
        "funds/new.html",
        {
            "title": "Set up a fund",
            "values": values,
            "holders": partners.organisation_choices(session, actor),
            **(error_summary(list(problems)) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@pages.get("/funds/{fund_id}/grants.json", response_model=None)
def download_grants_json(session: DbSession, actor: PageActor, fund_id: RecordId) -> Response:
    """The fund's allocations as a 360Giving data package."""
    fund, found = _grants(session, actor, fund_id)
    return attachment(exports.grants_json(found), "application/json", f"{fund.code}-360giving.json")


@pages.get("/funds/{fund_id}/grants.csv", response_model=None)
def download_grants_csv(session: DbSession, actor: PageActor, fund_id: RecordId) -> Response:
    """The fund's allocations as 360Giving grants in a spreadsheet-ready CSV."""
    fund, found = _grants(session, actor, fund_id)
    return attachment(exports.grants_csv(found), "text/csv; charset=utf-8", f"{fund.code}-360giving.csv")


def _grants(session: DbSession, actor: PageActor, fund_id: int) -> tuple[exports.FundLedger, list[exports.Grant]]:
    fund = exports.load_fund_ledger(session, actor, ledger.get_fund(session, actor, fund_id).code)
    found = exports.grants(fund)
    if not found:  # the 360Giving package schema asks for at least one grant
        raise InvalidInput([Problem("fund", f"{fund.name} has no approved allocations from its pool to publish")])
    return fund, found


@pages.get("/funds/{fund_id}/ledger.beancount", response_model=None)
def download_beancount(session: DbSession, actor: PageActor, fund_id: RecordId) -> Response:
    """The fund's ledger as a Beancount file that bean-check accepts."""
    fund = exports.load_fund_ledger(session, actor, ledger.get_fund(session, actor, fund_id).code)
    text = "".join(exports.beancount_ledger(fund))
    return attachment(text, "text/plain; charset=utf-8", f"{fund.code}.beancount")


@pages.get("/funds/{fund_id}/statement.xlsx", response_model=None)
def download_statement(session: DbSession, actor: PageActor, fund_id: RecordId, as_at: AsAt = None) -> Response:
    """The statement as an Excel workbook whose totals are live formulas, with in-kind contributions."""
    fund = ledger.get_fund(session, actor, fund_id)
    statement = ledger.statement(session, actor, fund_id=fund_id, as_at=as_at)
    lines = contributions.contributions(session, actor, fund_id=fund_id)
    workbook = exports.statement_workbook(fund, statement, received=lines)
    filename = f"{fund.code}-statement-{statement.as_at.isoformat()}.xlsx"
    return attachment(workbook_bytes(workbook), exports.XLSX_MEDIA_TYPE, filename)


@pages.get("/funds/{fund_id}/partners/{organisation_id}", response_class=HTMLResponse)
def partner_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    fund_id: RecordId,
    organisation_id: RecordId,
    as_at: AsAt = None,
) -> HTMLResponse:
    fund = ledger.get_fund(session, actor, fund_id)
    organisation = partners.get_organisation(session, actor, organisation_id)
    statement = ledger.statement(session, actor, fund_id=fund_id, as_at=as_at)
    share = engine.partner_statement(statement, organisation.name)
    received = contributions.contributions(session, actor, fund_id=fund_id, partner_id=organisation_id)
    return render(
        request,
        "funds/partner.html",
        {
            "title": f"{organisation.name} in {fund.name}",
            "fund": fund,
            "organisation": organisation,
            "statement": statement,
            "share": share,
            "share_rows": partner_share_rows(share),
            "share_percent": percent(*share.share_of_pool),
            "contributions": [line for line in received if line.received_on <= statement.as_at],
            "can_contribute": allowed(actor, "funds.manage"),
        },
    )
