"""The page that drafts any decision (`/decisions/new?fund=ID`): the report and its recommendations, accounts picked
by name. Thin: parse the form (`drafting_form.py`), call `service.draft_decision`, redirect to the draft, or show
every problem by its field with nothing saved. Included in `routes.pages`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from wholeplace import business_dates
from wholeplace.auth.actor import Actor, require
from wholeplace.auth.model import Role
from wholeplace.decisions import service
from wholeplace.decisions.drafting_form import NEW_ACCOUNT, DraftForm, account_choices
from wholeplace.funds import ledger
from wholeplace.funds.model import AccountKind, Fund
from wholeplace.partners import service as partners
from wholeplace.problems import InvalidInput, Problem
from wholeplace.web.deps import CheckedForm, DbSession, PageActor
from wholeplace.web.params import LARGEST_ID
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)


@pages.get("/decisions/new", response_class=HTMLResponse)
def new_page(request: Request, session: DbSession, actor: PageActor, fund: str | None = None) -> HTMLResponse:
    require(actor, "decisions.draft", object_type="decision")
    chosen = _fund(session, actor, fund)
    if chosen is None:
        return render(
            request,
            "decisions/new.html",
            {"title": "Draft a decision", "fund": None, "funds": ledger.all_funds(session, actor)},
        )
    today = business_dates.today()
    values = DraftForm.of(
        {
            "fund_id": str(chosen.id),
            "decision_maker_partner_id": str(chosen.holder_id),
            "decision_maker_role": Role.DECISION_MAKER.value,
            "decision_maker": chosen.holder.name,
            "author": service.author_name(session, actor),
            "publish": "yes",
            "report_date-day": str(today.day),
            "report_date-month": str(today.month),
            "report_date-year": str(today.year),
        },
        blank_rows=3,
    )
    return _form(request, session, actor, chosen, values)


@pages.post("/decisions/new", response_model=None)
def draft(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    require(actor, "decisions.draft", object_type="decision")
    values = DraftForm.of(form)
    chosen = _fund(session, actor, values.values["fund_id"])
    if chosen is None:
        raise InvalidInput([Problem("fund_id", "Select the fund")])
    try:
        decision_in = values.draft(fund_years=chosen.years)
        with session.begin_nested():
            decision = service.draft_decision(session, actor, fund_id=chosen.id, draft=decision_in)
    except InvalidInput as error:
        return _form(request, session, actor, chosen, values, error)
    return RedirectResponse(f"/decisions/{decision.id}?drafted=1", status_code=303)


def _fund(session: Session, actor: Actor, text: str | None) -> Fund | None:
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= LARGEST_ID:
        raise InvalidInput([Problem("fund", f"'{text}' is not a fund's id")])
    return ledger.get_fund(session, actor, int(text))


def _form(
    request: Request,
    session: Session,
    actor: Actor,
    fund: Fund,
    values: DraftForm,
    problems: InvalidInput | None = None,
) -> HTMLResponse:
    context = {}
    if problems is not None:
        moved = [Problem(values.field_of(p.where), p.message) for p in problems.problems]
        date_fields = {p.where: f"{p.where}-day" for p in moved if p.where.endswith(("report_date", "effective"))}
        context = error_summary(moved, date_fields)
        values = DraftForm.of({**values.values, **_row_values(values)}, blank_rows=1)
    partner_names = [name for _identifier, name in partners.organisation_choices(session, actor)]
    accounts = [
        balance.account
        for balance in ledger.balances(session, fund.id)
        if balance.kind in (AccountKind.THEME, AccountKind.PROJECT)
    ]
    return render(
        request,
        "decisions/new.html",
        {
            "title": f"Draft a decision: {fund.name}",
            "fund": fund,
            "values": values,
            "partners": partners.ids_by_name(session, actor, partner_names),
            "partner_names": partner_names,
            "choices": account_choices(partner_names, accounts),
            "new_account": NEW_ACCOUNT,
            "roles": [(role.value, service.ROLE_NAMES[role].capitalize()) for role in service.DECIDING_ROLES],
            **context,
        },
        status_code=422 if problems else 200,
    )


def _row_values(values: DraftForm) -> dict[str, str]:
    return {row.field(name): value for row in values.rows for name, value in row.values.items()}
