"""A fund's pages that show its decisions: the statement with the decisions behind its figures, and the
re-profiling form that drafts one.

They live here, not in `funds/`, because decisions depend on funds and never the other way. Thin: parse,
call the ledger and decision services, render. Included in `routes.pages`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import business_dates
from wholeplace.auth.actor import Actor, allowed, require
from wholeplace.decisions import service
from wholeplace.decisions.model import DecisionStatus
from wholeplace.decisions.reprofiling import REPROFILE_FIELDS, SAME_ACCOUNT, ReprofileForm
from wholeplace.funds import contributions, ledger, sankey
from wholeplace.funds.contributions import ContributionKind
from wholeplace.funds.model import Fund
from wholeplace.funds.schemas import (
    TrialBalanceTotals,
    account_of,
    parse_as_at,
    percent,
    remaining,
    year_rows,
)
from wholeplace.partners import service as partners
from wholeplace.problems import InvalidInput, Problem
from wholeplace.section75.model import Agreement
from wholeplace.web.deps import CheckedForm, DbSession, PageActor
from wholeplace.web.params import RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)

# What a form just did, from the flag its redirect carries, as the statement says it.
DONE = {
    "created": "The fund has been set up. Record the partners' contributions to put money in.",
    "contributed": "The contribution has been recorded.",
    "spent": "The spending has been recorded.",
}

# The statement names this many of the decisions behind it, newest first, and links to the rest.
SOURCES_SHOWN = 20


@pages.get("/funds/{fund_id}", response_class=HTMLResponse)
def statement_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    fund_id: RecordId,
    as_at: str | None = None,
    day: Annotated[str | None, Query(alias="as_at-day")] = None,
    month: Annotated[str | None, Query(alias="as_at-month")] = None,
    year: Annotated[str | None, Query(alias="as_at-year")] = None,
) -> HTMLResponse:
    fund = ledger.get_fund(session, actor, fund_id)
    typed = {"day": day or "", "month": month or "", "year": year or ""}
    try:
        when = parse_as_at(as_at, day, month, year)
    except InvalidInput as error:
        return _statement(request, session, actor, fund, None, typed, error)
    if when is not None and not any(typed.values()):
        typed = {"day": str(when.day), "month": str(when.month), "year": str(when.year)}
    return _statement(request, session, actor, fund, when, typed)


def _statement(
    request: Request,
    session: Session,
    actor: Actor,
    fund: Fund,
    as_at: dt.date | None,
    typed: dict[str, str],
    problems: InvalidInput | None = None,
) -> HTMLResponse:
    statement = ledger.statement(session, actor, fund_id=fund.id, as_at=as_at)
    sources = service.list_decisions(
        session,
        actor,
        fund_id=fund.id,
        status=DecisionStatus.APPROVED,
        money_moved_by=statement.as_at,
        page_size=SOURCES_SHOWN,
    )
    drafts = service.list_decisions(session, actor, fund_id=fund.id, status=DecisionStatus.DRAFT, page_size=1)
    partner_ids = partners.ids_by_name(session, actor, [name for name, _ in statement.contributed_by_partner])
    context = error_summary(problems.problems, {"as_at": "as_at-day"}) if problems else {}
    received = contributions.contributions(session, actor, fund_id=fund.id)
    # Section 75 agreements draft their settlements as decisions; the fund page only names the ones it is held under.
    agreements = (
        list(session.scalars(select(Agreement).where(Agreement.fund_id == fund.id).order_by(Agreement.reference)))
        if allowed(actor, "section75.view")
        else []
    )
    return render(
        request,
        "decisions/fund_statement.html",
        {
            "title": f"{fund.name}: statement",
            "fund": fund,
            "agreements": agreements,
            "statement": statement,
            "themes": statement.themes(),
            "remaining": remaining(statement),
            "years": year_rows(statement, fund.years),
            "flows": sankey.flows(statement, pool=fund.name),
            "figure": sankey.figure(statement, pool=fund.name),
            "trial_balance": TrialBalanceTotals.of(ledger.balances(session, fund.id, as_at=statement.as_at)),
            "broken_assertions": ledger.check_assertions(session, actor, fund_id=fund.id),
            "sources": sources,
            "drafts": drafts.total,
            "partner_ids": partner_ids,
            "percent": percent,
            "account_of": account_of,
            "typed": typed,
            "year_ends": [year.ends for year in fund.years],
            "can_reprofile": allowed(actor, "decisions.draft"),
            "can_contribute": allowed(actor, "funds.manage"),
            "can_spend": allowed(actor, "funds.spend"),
            "in_kind": [
                line
                for line in received
                if line.kind is ContributionKind.IN_KIND and line.received_on <= statement.as_at
            ],
            "done": next((DONE[flag] for flag in DONE if request.query_params.get(flag)), None),
            **context,
        },
        status_code=422 if problems else 200,
    )


@pages.get("/funds/{fund_id}/reprofile", response_class=HTMLResponse)
def reprofile_page(request: Request, session: DbSession, actor: PageActor, fund_id: RecordId) -> HTMLResponse:
    require(actor, "decisions.draft", object_type="decision")
    fund = ledger.get_fund(session, actor, fund_id)
    return _reprofile_form(request, session, actor, fund, ReprofileForm.of({"decision_maker": fund.holder.name}))


@pages.post("/funds/{fund_id}/reprofile", response_model=None)
def reprofile(request: Request, session: DbSession, actor: PageActor, form: CheckedForm, fund_id: RecordId) -> Response:
    require(actor, "decisions.draft", object_type="decision")
    fund = ledger.get_fund(session, actor, fund_id)
    values = ReprofileForm.of(form)
    try:
        draft = values.draft(
            accounts=_accounts(session, actor, fund),
            years=fund.years,
            today=business_dates.today(),
            author=service.author_name(session, actor),
        )
        with session.begin_nested():
            decision = service.draft_decision(session, actor, fund_id=fund_id, draft=draft)
    except InvalidInput as error:
        return _reprofile_form(request, session, actor, fund, values, error)
    return RedirectResponse(f"/decisions/{decision.id}?drafted=1", status_code=303)


def _accounts(session: Session, actor: Actor, fund: Fund) -> list[str]:
    """The themes and projects money has been allocated to: what a re-profiling can move."""
    return [account_of(line) for line in ledger.statement(session, actor, fund_id=fund.id).lines]


def _reprofile_form(
    request: Request,
    session: Session,
    actor: Actor,
    fund: Fund,
    values: ReprofileForm,
    problems: InvalidInput | None = None,
) -> HTMLResponse:
    statement = ledger.statement(session, actor, fund_id=fund.id)
    context = {}
    if problems:
        moved = [Problem(REPROFILE_FIELDS.get(p.where, p.where), p.message) for p in problems.problems]
        context = error_summary(moved)
    return render(
        request,
        "decisions/reprofile.html",
        {
            "title": f"Re-profile money in {fund.name}",
            "fund": fund,
            "lines": [(account_of(line), line) for line in statement.lines],
            "values": values,
            "same_account": SAME_ACCOUNT,
            **context,
        },
        status_code=422 if problems else 200,
    )
