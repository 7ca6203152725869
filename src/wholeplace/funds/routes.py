"""Fund pages and /api/v1/funds: the list of funds, partner statements, and the API's funds, statements and
transactions.

Thin: parse, call the ledger, render. The statement page lists the decisions behind its figures and the
re-profiling form drafts one, so both are in `decisions/fund_pages.py`: funds never import decisions.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from wholeplace.funds import engine, ledger
from wholeplace.funds.schemas import (
    FundOut,
    StatementOut,
    TransactionOut,
    TrialBalanceTotals,
    partner_share_rows,
    percent,
)
from wholeplace.paging import PageOut
from wholeplace.partners import service as partners
from wholeplace.web.deps import ApiActor, AppSettings, DbSession, PageActor
from wholeplace.web.params import PageNumber, PageSize, RecordId
from wholeplace.web.templating import render

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
    return render(request, "funds/list.html", {"title": "Funds", "found": found, "statements": statements})


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
        },
    )
