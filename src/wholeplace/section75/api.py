"""/api/v1/section75/agreements: list (paged), get, create; an agreement's settlement computed, and drafted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from wholeplace.paging import PageOut
from wholeplace.problems import InvalidInput
from wholeplace.section75 import service, settlement
from wholeplace.section75.schemas import AgreementIn, AgreementOut, DraftedOut, SettlementIn, SettlementOut
from wholeplace.section75.terms import read_settlement_inputs, read_terms
from wholeplace.web.deps import ApiActor, AppSettings, DbSession
from wholeplace.web.params import PageNumber, PageSize, RecordId

api = APIRouter(prefix="/section75", tags=["section75"])
YearQuery = Annotated[str, Query(min_length=1, max_length=20, description="The financial year, like 2025/26")]
AccruedQuery = Annotated[
    str, Query(max_length=60, description="Expenditure of the year not yet paid from the pool, like 212345.67")
]


@api.get("/agreements", response_model=PageOut[AgreementOut])
def list_agreements(
    session: DbSession, actor: ApiActor, settings: AppSettings, page: PageNumber = 1, page_size: PageSize = None
) -> PageOut[AgreementOut]:
    """Section 75 agreements, newest first, with their partners and shares."""
    found = service.list_agreements(session, actor, page=page, page_size=page_size or settings.page_size)
    return PageOut.of(found, [AgreementOut.of(agreement) for agreement in found.items])


@api.get("/agreements/{agreement_id}", response_model=AgreementOut)
def get_agreement(session: DbSession, actor: ApiActor, agreement_id: RecordId) -> AgreementOut:
    """An agreement with every instalment: amount, received and status (due, received, late, part-paid)."""
    return AgreementOut.of(service.get_agreement(session, actor, agreement_id), with_instalments=True)


@api.post("/agreements", response_model=AgreementOut, status_code=status.HTTP_201_CREATED)
def create_agreement(session: DbSession, actor: ApiActor, body: AgreementIn) -> AgreementOut:
    """Record a signed agreement; every bad amount, share or date is named by its field, and nothing is saved."""
    terms, problems = read_terms(body.model_dump())
    if terms is None:
        raise InvalidInput(problems)
    return AgreementOut.of(service.create_agreement(session, actor, terms=terms), with_instalments=True)


@api.get("/agreements/{agreement_id}/settlement", response_model=SettlementOut)
def compute_settlement(
    session: DbSession, actor: ApiActor, agreement_id: RecordId, year: YearQuery, accrued: AccruedQuery = ""
) -> SettlementOut:
    """The year-end settlement as the ledger stands: outturn against agreed contributions, and each share."""
    found_year, found_accrued, problems = read_settlement_inputs(year, accrued)
    if problems or found_year is None:
        raise InvalidInput(problems)
    return SettlementOut.of(
        settlement.compute_settlement(session, actor, agreement_id=agreement_id, year=found_year, accrued=found_accrued)
    )


@api.post("/agreements/{agreement_id}/settlement", response_model=DraftedOut, status_code=status.HTTP_201_CREATED)
def draft_settlement(session: DbSession, actor: ApiActor, agreement_id: RecordId, body: SettlementIn) -> DraftedOut:
    """Draft the decision that settles the year; approving it (`/api/v1/decisions/{id}/approve`) posts it."""
    year, accrued, problems = read_settlement_inputs(body.year, body.accrued)
    if problems or year is None:
        raise InvalidInput(problems)
    decision = settlement.draft_settlement(
        session,
        actor,
        agreement_id=agreement_id,
        year=year,
        reference=body.reference,
        report_date=body.report_date,
        accrued=accrued,
        overspend_to=body.overspend_to,
    )
    return DraftedOut(decision_id=decision.id, reference=decision.reference, status=decision.status.value)
