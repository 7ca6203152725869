"""Decision pages and /api/v1/decisions: the record laid out like the report, drafting, approval and rejection,
call-in and posting the money once due.

Thin: parse, call one service function, render. An act that is refused shows the decision again with every
reason, and changes nothing (its savepoint is rolled back). `pages` also serves the fund pages that show
decisions (`fund_pages.py`) and the drafting form (`drafting_pages.py`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from wholeplace import business_dates
from wholeplace.auth.actor import Actor, allowed
from wholeplace.decisions import call_in, drafting_pages, fund_pages, service
from wholeplace.decisions.engine import account_name
from wholeplace.decisions.model import CallInOutcome, Decision, DecisionStatus
from wholeplace.decisions.overspend import overspend
from wholeplace.decisions.schemas import (
    STATUS_TAGS,
    DecisionOut,
    DecisionSummaryOut,
    DecisionTotals,
    DraftDecisionBody,
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
pages.include_router(drafting_pages.pages)  # before /decisions/{decision_id}, so /decisions/new is the form
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


def _out(session: Session, decision: Decision) -> DecisionOut:
    return DecisionOut.of(decision, service.figure_checks(decision), overspend(session, decision))


@api.post("/decisions", response_model=DecisionOut, status_code=201)
def api_draft(session: DbSession, actor: ApiActor, body: DraftDecisionBody) -> DecisionOut:
    """Draft a decision with its recommendations; nothing moves until it is approved.

    Saved even if its money would overdraw an account as things stand: `warnings` names each account and what it
    would lack (the approval is refused while that is so).
    """
    decision = service.draft_decision(session, actor, fund_id=body.fund_id, draft=body.draft())
    return _out(session, decision)


@api.get("/decisions/{decision_id}", response_model=DecisionOut)
def api_get(session: DbSession, actor: ApiActor, decision_id: RecordId) -> DecisionOut:
    """A decision with its recommendations, the checks on its figures and where its money stands."""
    return _out(session, service.get_decision(session, actor, decision_id))


@api.post("/decisions/{decision_id}/approve", response_model=DecisionOut)
def api_approve(
    session: DbSession, actor: ApiActor, settings: AppSettings, decision_id: RecordId, body: SignatureIn | None = None
) -> DecisionOut:
    """Approve a draft; refused (409) if the money is not there, and nothing changes. Its money posts when the
    call-in period ends (`call_in_ends_on`), or now if you send an `urgent_reason`.

    Send the date decided and the signatory from the signed record; left out, they are today and the office.
    """
    service.approve_decision(
        session,
        actor,
        decision_id=decision_id,
        signature=(body or SignatureIn()).signature(),
        call_in_working_days=settings.call_in_working_days,
    )
    return _out(session, service.get_decision(session, actor, decision_id))


@api.post("/decisions/{decision_id}/reject", response_model=DecisionOut)
def api_reject(session: DbSession, actor: ApiActor, decision_id: RecordId, body: RejectIn) -> DecisionOut:
    """Reject a draft with the reason its recommendations are not agreed; nothing is posted."""
    decision = service.reject_decision(
        session, actor, decision_id=decision_id, reason=body.reason, signature=body.signature()
    )
    return _out(session, decision)


@api.post("/decisions/{decision_id}/post", response_model=DecisionOut)
def api_post(session: DbSession, actor: ApiActor, decision_id: RecordId) -> DecisionOut:
    """Post an approved decision's money once its call-in period has ended; 409 before then, or if the money is
    not there (nothing changes)."""
    call_in.post_money(session, actor, decision_id=decision_id)
    return _out(session, service.get_decision(session, actor, decision_id))


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
            "can_draft": allowed(actor, "decisions.draft"),
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
    request: Request,
    session: DbSession,
    actor: PageActor,
    settings: AppSettings,
    form: CheckedForm,
    decision_id: RecordId,
) -> Response:
    typed = _typed_signature(form)
    try:
        with session.begin_nested():
            service.approve_decision(
                session,
                actor,
                decision_id=decision_id,
                signature=_signature(typed),
                call_in_working_days=settings.call_in_working_days,
            )
    except (InvalidInput, Conflict) as error:  # NotEnoughMoney is a Conflict
        return _detail(request, session, actor, decision_id, refused=error, typed=typed)
    return RedirectResponse(f"/decisions/{decision_id}?approved=1", status_code=303)


@pages.post("/decisions/{decision_id}/post", response_model=None)
def post_money(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, decision_id: RecordId
) -> Response:
    try:
        with session.begin_nested():
            call_in.post_money(session, actor, decision_id=decision_id)
    except Conflict as error:  # NotEnoughMoney is a Conflict
        return _detail(request, session, actor, decision_id, refused=error)
    return RedirectResponse(f"/decisions/{decision_id}?posted=1", status_code=303)


@pages.post("/decisions/{decision_id}/call-in", response_model=None)
def record_call_in(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, decision_id: RecordId
) -> Response:
    typed = {name: str(form.get(name, "")) for name in CALL_IN_FIELDS}
    try:
        called_in_on = date_from_boxes(
            "called_in_on",
            "The date called in",
            typed["called_in_on-day"],
            typed["called_in_on-month"],
            typed["called_in_on-year"],
        )
        with session.begin_nested():
            call_in.record_call_in(
                session,
                actor,
                decision_id=decision_id,
                called_in_by=typed["called_in_by"],
                reason=typed["call_in_reason"],
                called_in_on=called_in_on,
            )
    except (InvalidInput, Conflict) as error:
        renamed = InvalidInput(
            [Problem("call_in_reason" if p.where == "reason" else p.where, p.message) for p in error.problems]
        )
        refused = renamed if isinstance(error, InvalidInput) else error
        return _detail(request, session, actor, decision_id, refused=refused, typed=typed)
    return RedirectResponse(f"/decisions/{decision_id}?called_in=1#call-in", status_code=303)


@pages.post("/decisions/{decision_id}/call-in/outcome", response_model=None)
def record_outcome(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, decision_id: RecordId
) -> Response:
    typed = {name: str(form.get(name, "")) for name in OUTCOME_FIELDS}
    try:
        outcome = _outcome(typed["outcome"])
        outcome_on = date_from_boxes(
            "outcome_on",
            "The date of the outcome",
            typed["outcome_on-day"],
            typed["outcome_on-month"],
            typed["outcome_on-year"],
        )
        with session.begin_nested():
            call_in.record_outcome(
                session, actor, decision_id=decision_id, outcome=outcome, outcome_on=outcome_on, note=typed["note"]
            )
    except (InvalidInput, Conflict) as error:
        return _detail(request, session, actor, decision_id, refused=error, typed=typed)
    return RedirectResponse(f"/decisions/{decision_id}?outcome=1#call-in", status_code=303)


CALL_IN_FIELDS = ("called_in_by", "call_in_reason", "called_in_on-day", "called_in_on-month", "called_in_on-year")
OUTCOME_FIELDS = ("outcome", "note", "outcome_on-day", "outcome_on-month", "outcome_on-year")


def _outcome(text: str) -> CallInOutcome:
    try:
        return CallInOutcome(text)
    except ValueError:
        raise InvalidInput([Problem("outcome", "Select what came of the call-in")]) from None


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


SIGNATURE_FIELDS = ("decided_on-day", "decided_on-month", "decided_on-year", "signed_by", "urgent_reason")


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
    return service.Signature(
        decided_on=decided_on, signed_by=typed.get("signed_by"), urgent_reason=typed.get("urgent_reason")
    )


FORM_FIELDS = {
    "",
    "reason",
    "decided_on",
    "signed_by",
    "urgent_reason",
    "called_in_by",
    "call_in_reason",
    "called_in_on",
    "outcome",
    "outcome_on",
    "note",
}
DATE_FIELDS = ("decided_on", "called_in_on", "outcome_on")


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
        # A field's problem links to the field; any other (an account short of money) is said in full, by name.
        problems = [
            p
            if p.where in FORM_FIELDS
            else Problem("", _sentence(f"{account_name(p.where)}: {p.message}") if ":" in p.where else str(p))
            for p in refused.problems
        ]
        context = error_summary(problems, {name: f"{name}-day" for name in DATE_FIELDS})
    deciding = decision.status is DecisionStatus.DRAFT
    why_not = service.why_not_decide(decision, actor) if deciding else None
    today = business_dates.today()
    typed = {
        "decided_on-day": str(today.day),
        "decided_on-month": str(today.month),
        "decided_on-year": str(today.year),
        "signed_by": decision.decision_maker,
        "called_in_on-day": str(today.day),
        "called_in_on-month": str(today.month),
        "called_in_on-year": str(today.year),
        "outcome_on-day": str(today.day),
        "outcome_on-month": str(today.month),
        "outcome_on-year": str(today.year),
        **(typed or {}),
    }
    waiting = decision.status is DecisionStatus.APPROVED and decision.money_posted_at is None
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
            "warnings": [_sentence(str(shortfall)) for shortfall in overspend(session, decision)],
            "role_name": service.ROLE_NAMES.get(decision.decision_maker_role, decision.decision_maker_role.value),
            "money": call_in.money_state(decision, today),
            "open_call_in": call_in.open_call_in(decision),
            "can_call_in": waiting
            and allowed(actor, "decisions.call_in")
            and not decision.call_ins
            and decision.call_in_ends_on is not None
            and today <= decision.call_in_ends_on,
            "can_record_outcome": allowed(actor, "decisions.call_in") and call_in.open_call_in(decision) is not None,
            "can_post": waiting and allowed(actor, "decisions.post") and call_in.due(decision, today),
            "outcomes": {outcome: _sentence(words) for outcome, words in call_in.OUTCOME_WORDS.items()},
            "reason": reason,
            "typed": typed,
            "fy": FinancialYear,
            **context,
        },
        status_code=(409 if isinstance(refused, Conflict) else 422) if refused else 200,
    )


def _sentence(text: str) -> str:
    """Text begun with a capital, the rest left as it is (names keep theirs)."""
    return text[:1].upper() + text[1:]
