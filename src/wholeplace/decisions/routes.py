"""Decision pages and /api/v1/decisions: the record laid out like the report, approval and rejection.

Thin: parse, call one service function, render. An approval or rejection that is refused shows the
decision again with every reason, and changes nothing (its savepoint is rolled back). `pages` also serves
the fund pages that show decisions (`fund_pages.py`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from wholeplace import business_dates
from wholeplace.auth.actor import Actor, allowed
from wholeplace.decisions import fund_pages, service
from wholeplace.decisions.model import DecisionStatus
from wholeplace.decisions.schemas import (
    STATUS_TAGS,
    DecisionOut,
    DecisionSummaryOut,
    DecisionTotals,
    RejectIn,
    SignatureIn,
    parse_status,
)
from wholeplace.funds import ledger
from wholeplace.money import FinancialYear
from wholeplace.paging import PageOut
from wholeplace.problems import Conflict, InvalidInput, Problem, WholeplaceError
from wholeplace.web.date_boxes import date_from_boxes
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import LARGEST_ID, PageNumber, PageSize, RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
pages.include_router(fund_pages.pages)
api = APIRouter(tags=["decisions"])

StatusFilter = Annotated[str | None, Query(description="draft, approved or rejected")]
FundFilter = Annotated[int | None, Query(ge=1, le=LARGEST_ID, description="Only this fund's decisions (the fund's id)")]


@api.get("/decisions", response_model=PageOut[DecisionSummaryOut])
def api_list(
    session: DbSession,
    actor: ApiActor,
    settings: AppSettings,
    page: PageNumber = 1,
    page_size: PageSize = None,
    status: StatusFilter = None,
    fund_id: FundFilter = None,
) -> PageOut[DecisionSummaryOut]:
    """Decision records, newest report first; filter by status and fund."""
    found = service.list_decisions(
        session,
        actor,
        fund_id=fund_id,
        status=parse_status(status),
        page=page,
        page_size=page_size or settings.page_size,
    )
    return PageOut.of(found, [DecisionSummaryOut.of(decision) for decision in found.items])


@api.get("/decisions/{decision_id}", response_model=DecisionOut)
def api_get(session: DbSession, actor: ApiActor, decision_id: RecordId) -> DecisionOut:
    """A decision with its recommendations and the checks on its figures."""
    decision = service.get_decision(session, actor, decision_id)
    return DecisionOut.of(decision, service.figure_checks(decision))


@api.post("/decisions/{decision_id}/approve", response_model=DecisionOut)
def api_approve(
    session: DbSession, actor: ApiActor, decision_id: RecordId, body: SignatureIn | None = None
) -> DecisionOut:
    """Approve a draft and post its money; refused (409) if the money is not there, and nothing changes.

    Send the date decided and the signatory from the signed record; left out, they are today and the office.
    """
    service.approve_decision(session, actor, decision_id=decision_id, signature=(body or SignatureIn()).signature())
    decision = service.get_decision(session, actor, decision_id)
    return DecisionOut.of(decision, service.figure_checks(decision))


@api.post("/decisions/{decision_id}/reject", response_model=DecisionOut)
def api_reject(session: DbSession, actor: ApiActor, decision_id: RecordId, body: RejectIn) -> DecisionOut:
    """Reject a draft with the reason its recommendations are not agreed; nothing is posted."""
    decision = service.reject_decision(
        session, actor, decision_id=decision_id, reason=body.reason, signature=body.signature()
    )
    return DecisionOut.of(decision, service.figure_checks(decision))


@pages.get("/decisions", response_class=HTMLResponse)
def list_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    settings: AppSettings,
    page: PageNumber = 1,
    status: str | None = None,
    fund: str | None = None,
) -> HTMLResponse:
    fund_id = _fund_filter(fund)
    found = service.list_decisions(
        session, actor, fund_id=fund_id, status=parse_status(status), page=page, page_size=settings.page_size
    )
    return render(
        request,
        "decisions/list.html",
        {
            "title": "Decisions",
            "found": found,
            "status": status or "",
            "fund": fund_id,
            "funds": ledger.all_funds(session, actor),
            "statuses": STATUS_TAGS,
        },
    )


def _fund_filter(fund: str | None) -> int | None:
    if not fund:
        return None
    if not fund.isdigit() or not 1 <= int(fund) <= LARGEST_ID:
        raise InvalidInput([Problem("fund", f"'{fund}' is not a fund's id")])
    return int(fund)


@pages.get("/decisions/{decision_id}", response_class=HTMLResponse)
def detail_page(request: Request, session: DbSession, actor: PageActor, decision_id: RecordId) -> HTMLResponse:
    return _detail(request, session, actor, decision_id)


@pages.post("/decisions/{decision_id}/approve", response_model=None)
def approve(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, decision_id: RecordId
) -> Response:
    typed = _typed_signature(form)
    try:
        with session.begin_nested():
            service.approve_decision(session, actor, decision_id=decision_id, signature=_signature(typed))
    except (InvalidInput, Conflict) as error:  # NotEnoughMoney is a Conflict
        return _detail(request, session, actor, decision_id, refused=error, typed=typed)
    return RedirectResponse(f"/decisions/{decision_id}?approved=1", status_code=303)


@pages.post("/decisions/{decision_id}/reject", response_model=None)
def reject(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, decision_id: RecordId
) -> Response:
    reason = str(form.get("reason", ""))
    typed = _typed_signature(form)
    try:
        with session.begin_nested():
            service.reject_decision(session, actor, decision_id=decision_id, reason=reason, signature=_signature(typed))
    except (InvalidInput, Conflict) as error:
        return _detail(request, session, actor, decision_id, refused=error, reason=reason, typed=typed)
    return RedirectResponse(f"/decisions/{decision_id}?rejected=1", status_code=303)


SIGNATURE_FIELDS = ("decided_on-day", "decided_on-month", "decided_on-year", "signed_by")


def _typed_signature(form: FormData) -> dict[str, str]:
    """The signature fields the form sent; a field left out (not sent at all) takes its default."""
    return {field: str(form[field]) for field in SIGNATURE_FIELDS if field in form}


def _signature(typed: dict[str, str]) -> service.Signature:
    """The date decided and signatory as typed; a date that is not one is refused before anything is signed."""
    decided_on = date_from_boxes(
        "decided_on",
        "The date decided",
        typed.get("decided_on-day"),
        typed.get("decided_on-month"),
        typed.get("decided_on-year"),
    )
    return service.Signature(decided_on=decided_on, signed_by=typed.get("signed_by"))


def _detail(
    request: Request,
    session: Session,
    actor: Actor,
    decision_id: RecordId,
    *,
    refused: WholeplaceError | None = None,
    reason: str = "",
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    decision = service.get_decision(session, actor, decision_id)
    context = {}
    if refused is not None:
        # A field's problem links to the field; any other (an account short of money) is said in full.
        problems = [
            p if p.where in ("reason", "decided_on", "signed_by", "") else Problem("", str(p)) for p in refused.problems
        ]
        context = error_summary(problems, {"decided_on": "decided_on-day"})
    deciding = allowed(actor, "decisions.decide") and decision.status is DecisionStatus.DRAFT
    why_not = service.why_not_decide(decision, actor) if deciding else None
    today = business_dates.today()
    typed = {
        "decided_on-day": str(today.day),
        "decided_on-month": str(today.month),
        "decided_on-year": str(today.year),
        "signed_by": decision.decision_maker,
        **(typed or {}),
    }
    return render(
        request,
        "decisions/detail.html",
        {
            "title": f"{decision.reference}: {decision.title}",
            "decision": decision,
            "checks": service.figure_checks(decision),
            "totals": DecisionTotals.of(decision),
            "status_tag": STATUS_TAGS[decision.status],
            "can_decide": deciding and why_not is None,
            "why_not": why_not,
            "reason": reason,
            "typed": typed,
            "fy": FinancialYear,
            **context,
        },
        status_code=(409 if isinstance(refused, Conflict) else 422) if refused else 200,
    )
