"""Money in and out of a fund from the browser and the API: contributions (cash or in kind) and spending, each
posted under one of the fund's approved decisions; and a decision's report as a PDF download.

They live here, not in `funds/`, because the forms offer the fund's decisions and funds never import decisions.
Thin: read the form (`funds.forms`) or the body (`funds.schemas`), call one ledger use case, redirect or render.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import business_dates
from wholeplace.auth.actor import Actor, require
from wholeplace.decisions import report, service
from wholeplace.decisions.model import Decision, DecisionStatus, Recommendation
from wholeplace.funds import contributions, ledger
from wholeplace.funds.contributions import ContributionKind
from wholeplace.funds.forms import (
    ALLOCATING_DECISION,
    CONTRIBUTION_FIELDS,
    SPEND_FIELDS,
    read_contribution,
    read_spend,
    spend_text,
    typed,
)
from wholeplace.funds.ledger import NotEnoughMoney
from wholeplace.funds.model import Account, Fund, LedgerTransaction
from wholeplace.funds.schemas import ContributionIn, ContributionRecordOut, SpendingIn, TransactionOut, account_of
from wholeplace.money import FinancialYear, Money
from wholeplace.paging import MAX_PAGE_SIZE
from wholeplace.partners import service as partners
from wholeplace.problems import InvalidInput, Problem
from wholeplace.web.deps import ApiActor, CheckedForm, DbSession, PageActor
from wholeplace.web.downloads import attachment
from wholeplace.web.params import RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["funds"])

# Problems the ledger names by account or posting, moved onto the form field they belong to: an account that
# cannot be opened is the partner's (a contribution) or the theme or project's (a spend).
LEDGER_FIELDS = {"postings": "year"}


def approved_decisions(session: Session, actor: Actor, fund_id: int) -> list[Decision]:
    """The fund's approved decisions in force, newest report first: what money can be received or spent under.

    One still in its call-in period is left out until its money has posted (`Decision.approved`).
    """
    found = service.list_decisions(
        session, actor, fund_id=fund_id, status=DecisionStatus.APPROVED, page_size=MAX_PAGE_SIZE
    )
    return [decision for decision in found.items if decision.approved]


def decision_by_reference(session: Session, actor: Actor, fund: Fund, reference: str) -> Decision:
    decision_id = session.scalar(
        select(Decision.id).where(Decision.reference == reference.strip(), Decision.fund_id == fund.id)
    )
    if decision_id is None:
        raise InvalidInput([Problem("decision", f"{fund.name} has no decision {reference.strip()[:60]}")])
    return service.get_decision(session, actor, decision_id)


def allocating_decision(session: Session, fund: Fund, project: str) -> Decision:
    """The newest approved decision that moved money into this theme or project: what a spend cites by default."""
    decision = session.scalar(
        select(Decision)
        .join(Recommendation, Recommendation.decision_id == Decision.id)
        .join(Account, Account.id == Recommendation.to_account_id)
        .where(Decision.fund_id == fund.id, Decision.status == DecisionStatus.APPROVED, Account.path == project)
        .order_by(Decision.decided_on.desc(), Decision.id.desc())
        .limit(1)
    )
    if decision is None:
        raise InvalidInput(
            [Problem("decision", "No approved decision allocated money here: select the decision it is spent under")]
        )
    return decision


# Contributions


@pages.get("/funds/{fund_id}/contributions/new", response_class=HTMLResponse)
def contribution_page(
    request: Request, session: DbSession, actor: PageActor, fund_id: RecordId, partner: str = ""
) -> HTMLResponse:
    require(actor, "funds.manage", object_type="fund", object_id=fund_id)
    fund = ledger.get_fund(session, actor, fund_id)
    today = business_dates.today()
    values = {"partner": partner[:60], "kind": ContributionKind.CASH.value, "year": str(FinancialYear.of(today))}
    return _contribution_form(request, session, actor, fund, values)


@pages.post("/funds/{fund_id}/contributions/new", response_model=None)
def record_contribution(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, fund_id: RecordId
) -> Response:
    require(actor, "funds.manage", object_type="fund", object_id=fund_id)
    fund = ledger.get_fund(session, actor, fund_id)
    try:
        values = read_contribution(
            form,
            partners=dict(partners.organisation_choices(session, actor)),
            years=fund.years,
            decisions={str(d.id): d for d in approved_decisions(session, actor, fund.id)},
        )
        with session.begin_nested():
            contributions.record_contribution(
                session,
                actor,
                fund_id=fund.id,
                partner_identifier=values.partner_identifier,
                amount=values.amount,
                year=values.year,
                received_on=values.received_on,
                kind=values.kind,
                basis=values.basis,
                decision=values.decision,
            )
    except InvalidInput as error:
        fields = typed(form, CONTRIBUTION_FIELDS, ["received_on"])
        return _contribution_form(request, session, actor, fund, fields, _on_fields(error.problems, account="partner"))
    return RedirectResponse(f"/funds/{fund.id}?contributed=1", status_code=303)


def _contribution_form(
    request: Request,
    session: Session,
    actor: Actor,
    fund: Fund,
    values: Mapping[str, str],
    problems: list[Problem] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "funds/contribution.html",
        {
            "title": f"Record a contribution to {fund.name}",
            "fund": fund,
            "values": values,
            "partners": partners.organisation_choices(session, actor),
            "decisions": approved_decisions(session, actor, fund.id),
            "kinds": list(ContributionKind),
            **(error_summary(problems, {"received_on": "received_on-day"}) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@api.post("/funds/{fund_id}/contributions", response_model=ContributionRecordOut, status_code=201)
def api_record_contribution(
    session: DbSession, actor: ApiActor, fund_id: RecordId, body: ContributionIn
) -> ContributionRecordOut:
    """A partner's contribution in cash or in kind (with the basis of its valuation), posted into the pool."""
    fund = ledger.get_fund(session, actor, fund_id)
    transaction = contributions.record_contribution(
        session,
        actor,
        fund_id=fund.id,
        partner_identifier=body.partner,
        amount=body.amount,
        year=body.financial_year,
        received_on=body.received_on,
        kind=body.kind,
        basis=body.basis,
        decision=decision_by_reference(session, actor, fund, body.decision),
    )
    line = next(
        line
        for line in contributions.contributions(session, actor, fund_id=fund.id)
        if line.transaction_id == transaction.id
    )
    return ContributionRecordOut.of(line)


# Spending


@pages.get("/funds/{fund_id}/spend/new", response_class=HTMLResponse)
def spend_page(request: Request, session: DbSession, actor: PageActor, fund_id: RecordId) -> HTMLResponse:
    require(actor, "funds.spend", object_type="fund", object_id=fund_id)
    fund = ledger.get_fund(session, actor, fund_id)
    values = {"kind": "spend", "decision": ALLOCATING_DECISION, "year": str(FinancialYear.of(business_dates.today()))}
    return _spend_form(request, session, actor, fund, values)


@pages.post("/funds/{fund_id}/spend/new", response_model=None)
def record_spend(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, fund_id: RecordId
) -> Response:
    require(actor, "funds.spend", object_type="fund", object_id=fund_id)
    fund = ledger.get_fund(session, actor, fund_id)
    decisions = {str(d.id): d for d in approved_decisions(session, actor, fund.id)}
    try:
        values = read_spend(
            form, projects=_projects(session, actor, fund), years=fund.years, decision_ids=list(decisions)
        )
        decision = decisions.get(values.decision_choice) or allocating_decision(session, fund, values.project)
        _spend(
            session,
            actor,
            fund,
            values.project,
            values.amount,
            values.year,
            values.date,
            decision,
            values.description,
            values.returned,
        )
    except InvalidInput as error:
        fields = typed(form, SPEND_FIELDS, ["date"])
        return _spend_form(request, session, actor, fund, fields, _on_fields(error.problems, account="project"))
    return RedirectResponse(f"/funds/{fund.id}?spent=1", status_code=303)


def _spend(
    session: Session,
    actor: Actor,
    fund: Fund,
    project: str,
    amount: Money,
    year: FinancialYear,
    date: dt.date,
    decision: Decision,
    description: str,
    returned: bool,
) -> LedgerTransaction:
    """Record the spend in a savepoint; too little money is a problem on the amount saying how much is missing."""
    try:
        with session.begin_nested():
            return ledger.record_spend(
                session,
                actor,
                fund_id=fund.id,
                project=project,
                amount=amount,
                year=year,
                date=date,
                decision=decision,
                description=description,
                returned=returned,
            )
    except NotEnoughMoney as error:
        held = next(
            (b.by_year.get(year, Money(0)) for b in ledger.balances(session, fund.id, as_at=date, accounts=[project])),
            Money(0),
        )
        if held >= amount:  # enough on the day, but later postings need it
            raise InvalidInput([Problem("amount", p.message) for p in error.problems]) from None
        name = project.removeprefix("Themes:").replace(":", ": ")
        raise InvalidInput(
            [
                Problem(
                    "amount", f"{name} holds {held} in {year} on that day: this is {amount - held} more than it holds"
                )
            ]
        ) from None


def _projects(session: Session, actor: Actor, fund: Fund) -> dict[str, str]:
    """Themes and projects that have been given money, account path -> the name shown."""
    statement = ledger.statement(session, actor, fund_id=fund.id)
    return {
        account_of(line): f"{line.theme}: {line.project}" if line.project else line.theme for line in statement.lines
    }


def _spend_form(
    request: Request,
    session: Session,
    actor: Actor,
    fund: Fund,
    values: Mapping[str, str],
    problems: list[Problem] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "funds/spend.html",
        {
            "title": f"Record spending from {fund.name}",
            "fund": fund,
            "values": values,
            "projects": _projects(session, actor, fund),
            "decisions": approved_decisions(session, actor, fund.id),
            "allocating": ALLOCATING_DECISION,
            **(error_summary(problems, {"date": "date-day"}) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@api.post("/funds/{fund_id}/spending", response_model=TransactionOut, status_code=201)
def api_record_spend(session: DbSession, actor: ApiActor, fund_id: RecordId, body: SpendingIn) -> TransactionOut:
    """Spend from a theme or project, or return its underspend to the pool; too little money is a 422 on amount."""
    require(actor, "funds.spend", object_type="fund", object_id=fund_id)
    fund = ledger.get_fund(session, actor, fund_id)
    project = ":".join(["Themes", body.theme.strip(), *([body.project.strip()] if body.project else [])])
    if project not in _projects(session, actor, fund):
        raise InvalidInput([Problem("theme", "No money has been allocated to this theme and project in this fund")])
    decision = (
        decision_by_reference(session, actor, fund, body.decision)
        if body.decision
        else allocating_decision(session, fund, project)
    )
    text, problems = spend_text(body.description, body.payee, returned=body.returned)
    if problems:
        raise InvalidInput(problems)
    posted = _spend(
        session, actor, fund, project, body.amount, body.financial_year, body.date, decision, text, body.returned
    )
    return TransactionOut.of(posted)


def _on_fields(problems: list[Problem], *, account: str) -> list[Problem]:
    """Ledger problems named by an account path, 'account' or 'postings' put on the form field they are about."""
    fields = {**LEDGER_FIELDS, "account": account}
    return [Problem(fields.get(p.where, p.where if ":" not in p.where else "amount"), p.message) for p in problems]


# The decision's report


@pages.get("/decisions/{decision_id}/report.pdf", response_model=None)
def download_report(session: DbSession, actor: PageActor, decision_id: RecordId) -> Response:
    """The decision's report as a PDF, laid out like the published papers."""
    decision = service.get_decision(session, actor, decision_id)
    pdf = report.decision_report_pdf(report.decision_report_html(decision))
    filename = f"{decision.fund.code}-{decision.reference}.pdf"
    return attachment(pdf, "application/pdf", filename)
