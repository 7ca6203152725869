"""The outcomes pages about money: a fund's grants and the outcomes they serve, a grant's returns, benefits
realised against business cases, payment-by-results schemes and their claims. Thin: parse, call, render.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wholeplace.appraisal import service as appraisal_service
from wholeplace.auth.actor import allowed
from wholeplace.business_dates import today
from wholeplace.files.numbers import decimal_of, reasonable
from wholeplace.funds import ledger
from wholeplace.money import Money, MoneyError
from wholeplace.outcomes import charts, grants, realisation, schemes
from wholeplace.outcomes.model import Scheme
from wholeplace.outcomes.periods import Period, PeriodError
from wholeplace.outcomes.status import number
from wholeplace.problems import InvalidInput, NotFound, Problem
from wholeplace.web.date_boxes import date_from_boxes
from wholeplace.web.deps import CheckedForm, DbSession, PageActor
from wholeplace.web.params import RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)


# --- grants ---


@pages.get("/outcomes/funds/{fund_id}", response_class=HTMLResponse)
def fund_outcomes(request: Request, session: DbSession, actor: PageActor, fund_id: RecordId) -> HTMLResponse:
    fund = ledger.get_fund(session, actor, fund_id)
    found = grants.grants(session, actor, fund_id=fund.id)
    served = grants.indicators_for_accounts(session, [grant.account.id for grant in found])
    states = {grant.account.id: grants.returns_due(session, actor, grant) for grant in found}
    outcomes = sorted(
        {(indicator.outcome.framework.name, indicator.outcome.name) for items in served.values() for indicator in items}
    )
    return render(
        request,
        "outcomes/fund.html",
        {
            "title": f"Outcomes and grant returns: {fund.name}",
            "fund": fund,
            "grants": found,
            "served": served,
            "states": states,
            "outcomes": outcomes,
            "ReturnState": grants.ReturnState,
        },
    )


@pages.get("/outcomes/grants/{account_id}", response_class=HTMLResponse)
def grant_page(request: Request, session: DbSession, actor: PageActor, account_id: RecordId) -> HTMLResponse:
    return _grant_page(request, session, actor, account_id)


def _grant_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    account_id: int,
    values: dict[str, str] | None = None,
    problems: list[Problem] | None = None,
) -> HTMLResponse:
    grant = grants.get_grant(session, actor, account_id)
    due = grants.returns_due(session, actor, grant)
    fund = ledger.get_fund(session, actor, grant.account.fund_id)
    open_quarters = [item.period for item in due if item.submitted is None]
    return render(
        request,
        "outcomes/grant.html",
        {
            "title": grant.name,
            "grant": grant,
            "fund": fund,
            "due": due,
            "indicators": grants.indicators_for_accounts(session, [account_id]).get(account_id, []),
            "open_quarters": open_quarters,
            "may_submit": allowed(actor, "outcomes.returns") and bool(open_quarters),
            "values": values or {},
            "ReturnState": grants.ReturnState,
            **(error_summary(problems, {"submitted_on": "submitted_on-day"}) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@pages.post("/outcomes/grants/{account_id}/returns", response_model=None)
def submit_return(
    request: Request, session: DbSession, actor: PageActor, account_id: RecordId, form: CheckedForm
) -> Response:
    values = {
        name: str(form.get(name, "")).strip() for name in ("period", "spend_to_date", "outputs", "narrative", "risks")
    }
    problems: list[Problem] = []
    period = spend = None
    try:
        period = Period.parse(values["period"]) if values["period"] else None
    except PeriodError as error:
        problems.append(Problem("period", str(error)))
    if period is None and not problems:
        problems.append(Problem("period", "Choose the quarter the return is for"))
    try:
        spend = Money.parse(values["spend_to_date"]) if values["spend_to_date"] else None
    except MoneyError as error:
        problems.append(Problem("spend_to_date", str(error)))
    if spend is None and not any(p.where == "spend_to_date" for p in problems):
        problems.append(Problem("spend_to_date", "Enter the spend to date, for example £18,750.00"))
    try:
        submitted_on = date_from_boxes(
            "submitted_on",
            "Date submitted",
            str(form.get("submitted_on-day", "")),
            str(form.get("submitted_on-month", "")),
            str(form.get("submitted_on-year", "")),
        )
    except InvalidInput as error:
        problems += error.problems
        submitted_on = None
    measures = []
    for indicator in grants.indicators_for_accounts(session, [account_id]).get(account_id, []):
        text = str(form.get(f"measure-{indicator.id}", "")).strip()
        values[f"measure-{indicator.id}"] = text
        if not text:
            continue
        figure = decimal_of(text.replace(",", "")) if reasonable(text) else None
        if figure is None:
            problems.append(Problem(f"measure-{indicator.id}", f"Enter {indicator.name} as a number, like 12 or 7.5"))
        else:
            measures.append({"indicator": indicator.code, "name": indicator.name, "value": format(figure, "f")})
    try:
        if problems:
            raise InvalidInput(problems)
        assert period is not None and spend is not None
        grants.submit_return(
            session,
            actor,
            account_id=account_id,
            given=grants.ReturnIn(
                period=period,
                spend_to_date=spend,
                outputs=values["outputs"],
                outcome_measures=measures,
                narrative=values["narrative"],
                risks=values["risks"],
                submitted_on=submitted_on,
            ),
        )
    except InvalidInput as error:
        return _grant_page(request, session, actor, account_id, values, error.problems)
    return RedirectResponse(f"/outcomes/grants/{account_id}?submitted={period}", status_code=303)


# --- benefits realisation ---


@pages.get("/outcomes/benefits", response_class=HTMLResponse)
def portfolio_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    cases = realisation.portfolio(session, actor)
    totals = [item.realisation.to_date() for item in cases]
    return render(
        request,
        "outcomes/portfolio.html",
        {"title": "Benefits realised against business cases", "cases": list(zip(cases, totals, strict=True))},
    )


@pages.get("/outcomes/business-cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, session: DbSession, actor: PageActor, case_id: RecordId) -> HTMLResponse:
    business_case = appraisal_service.get_case(session, actor, case_id)
    if not realisation.funding_accounts(session, case_id):
        return render(
            request,
            "outcomes/case_unfunded.html",
            {
                "title": f"Benefits realised: {business_case.name}",
                "business_case": business_case,
                "links": realisation.benefit_links(session, case_id),
            },
        )
    found = realisation.case_realisation(session, actor, business_case_id=case_id)
    return render(
        request,
        "outcomes/case.html",
        {
            "title": f"Benefits realised: {found.business_case.name}",
            "found": found,
            "result": found.realisation,
            "to_date": found.realisation.to_date(),
            "partners": found.realisation.partner_totals(),
            "figure": charts.realisation_figure(found.realisation),
            "current_year": str(today().year),
            "number": number,
        },
    )


# --- payment by results ---


def _scheme(session: DbSession, scheme_id: int) -> Scheme:
    scheme = session.get(Scheme, scheme_id)
    if scheme is None:
        raise NotFound(f"There is no scheme {scheme_id}")
    return scheme


@pages.get("/outcomes/schemes/{scheme_id}", response_class=HTMLResponse)
def scheme_page(request: Request, session: DbSession, actor: PageActor, scheme_id: RecordId) -> HTMLResponse:
    return _scheme_page(request, session, actor, scheme_id)


def _scheme_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    scheme_id: int,
    problems: list[Problem] | None = None,
    period: str = "",
) -> HTMLResponse:
    scheme = schemes.get_scheme(session, actor, _scheme(session, scheme_id).code)
    return render(
        request,
        "outcomes/scheme.html",
        {
            "title": scheme.name,
            "scheme": scheme,
            "summary": schemes.cohort_summary(session, scheme),
            "claims": schemes.claims_of(session, actor, scheme),
            "may_claim": allowed(actor, "outcomes.claims"),
            "may_view_lines": allowed(actor, "outcomes.claim_lines"),
            "period": period,
            **(error_summary(problems) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@pages.post("/outcomes/schemes/{scheme_id}/claims", response_model=None)
def make_claim(
    request: Request, session: DbSession, actor: PageActor, scheme_id: RecordId, form: CheckedForm
) -> Response:
    text = str(form.get("period", "")).strip()
    try:
        if not text:
            raise InvalidInput([Problem("period", "Enter the claim period, like 2026/27 Q2")])
        try:
            period = Period.parse(text)
        except PeriodError as error:
            raise InvalidInput([Problem("period", str(error))]) from None
        claim = schemes.make_claim(session, actor, scheme_code=_scheme(session, scheme_id).code, period=period)
    except InvalidInput as error:
        return _scheme_page(request, session, actor, scheme_id, error.problems, text)
    return RedirectResponse(f"/outcomes/claims/{claim.id}", status_code=303)


@pages.get("/outcomes/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(request: Request, session: DbSession, actor: PageActor, claim_id: RecordId) -> HTMLResponse:
    return _claim_page(request, session, actor, claim_id)


def _claim_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    claim_id: int,
    problems: list[Problem] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    claim = schemes.get_claim(session, actor, claim_id)
    return render(
        request,
        "outcomes/claim.html",
        {
            "title": f"{claim.scheme.name}: claim for {claim.period}",
            "claim": claim,
            "counts": schemes.line_counts(claim),
            "savings": schemes.savings_for(claim.scheme, claim.lines),
            "decision": schemes.decision_of(session, claim),
            "may_claim": allowed(actor, "outcomes.claims"),
            "values": values or {},
            **(error_summary(problems, {"report_date": "report_date-day"}) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@pages.post("/outcomes/claims/{claim_id}/sample", response_model=None)
def sample(request: Request, session: DbSession, actor: PageActor, claim_id: RecordId, form: CheckedForm) -> Response:
    text = str(form.get("size", "")).strip()
    try:
        if text and not text.isdigit():
            raise InvalidInput([Problem("size", "Enter a whole number of lines, like 5")])
        schemes.draw_sample(session, actor, claim_id=claim_id, size=int(text) if text else None)
    except InvalidInput as error:
        return _claim_page(request, session, actor, claim_id, error.problems)
    return RedirectResponse(f"/outcomes/claims/{claim_id}#checks", status_code=303)


@pages.post("/outcomes/claims/{claim_id}/lines/{line_id}/check", response_model=None)
def check_line(
    request: Request, session: DbSession, actor: PageActor, claim_id: RecordId, line_id: RecordId, form: CheckedForm
) -> Response:
    result = str(form.get("result", ""))
    try:
        if result not in ("passed", "failed"):
            raise InvalidInput([Problem(f"result-{line_id}", "Choose whether the evidence was found")])
        schemes.record_check(session, actor, line_id=line_id, passed=result == "passed", note=str(form.get("note", "")))
    except InvalidInput as error:
        found = [
            Problem(f"result-{line_id}" if p.where in ("note", "line") else p.where, p.message) for p in error.problems
        ]
        return _claim_page(request, session, actor, claim_id, found)
    return RedirectResponse(f"/outcomes/claims/{claim_id}#checks", status_code=303)


@pages.post("/outcomes/claims/{claim_id}/submit", response_model=None)
def submit(request: Request, session: DbSession, actor: PageActor, claim_id: RecordId, form: CheckedForm) -> Response:
    reference = str(form.get("reference", "")).strip()
    try:
        report_date = date_from_boxes(
            "report_date",
            "Report date",
            str(form.get("report_date-day", "")),
            str(form.get("report_date-month", "")),
            str(form.get("report_date-year", "")),
        )
        decision = schemes.submit_claim(
            session, actor, claim_id=claim_id, reference=reference, report_date=report_date or today()
        )
    except InvalidInput as error:
        return _claim_page(request, session, actor, claim_id, error.problems, {"reference": reference})
    return RedirectResponse(f"/decisions/{decision.id}", status_code=303)
