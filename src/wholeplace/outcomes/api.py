"""/api/v1/indicators, /api/v1/measurements and /api/v1/claims: every list paged."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select

from wholeplace.auth.actor import require
from wholeplace.outcomes import frameworks, measurements, progress, schemes
from wholeplace.outcomes.model import Measurement
from wholeplace.outcomes.schemas import ClaimOut, IndicatorOut, MeasurementIn, MeasurementOut
from wholeplace.paging import PageOut, paginate
from wholeplace.problems import InvalidInput, Problem
from wholeplace.web.deps import ApiActor, AppSettings, DbSession
from wholeplace.web.params import LARGEST_ID, PageNumber, PageSize, RecordId

api = APIRouter(tags=["outcomes"])
OptionalId = Annotated[int | None, Query(ge=1, le=LARGEST_ID)]


@api.get("/indicators", response_model=PageOut[IndicatorOut])
def list_indicators(
    session: DbSession, actor: ApiActor, settings: AppSettings, page: PageNumber = 1, page_size: PageSize = None
) -> PageOut[IndicatorOut]:
    """Every indicator of every framework, by code."""
    found = frameworks.list_indicators(session, actor, page=page, page_size=page_size or settings.page_size)
    return PageOut.of(found, [IndicatorOut.of(indicator) for indicator in found.items])


@api.get("/indicators/{indicator_id}", response_model=IndicatorOut)
def get_indicator(session: DbSession, actor: ApiActor, indicator_id: RecordId) -> IndicatorOut:
    """An indicator with its status in every area: latest figure, baseline, target, status and the rule."""
    indicator = frameworks.get_indicator(session, actor, indicator_id)
    return IndicatorOut.of(indicator, progress.status_rows(session, actor, indicator_id=indicator.id))


@api.get("/measurements", response_model=PageOut[MeasurementOut])
def list_measurements(
    session: DbSession,
    actor: ApiActor,
    settings: AppSettings,
    indicator_id: OptionalId = None,
    area_id: OptionalId = None,
    page: PageNumber = 1,
    page_size: PageSize = None,
) -> PageOut[MeasurementOut]:
    """Measurements, revisions included (`current` marks the newest), by indicator, area and period."""
    require(actor, "outcomes.view", object_type="measurement")
    query = select(Measurement).order_by(
        Measurement.indicator_id, Measurement.area_id, Measurement.period_start, Measurement.revision
    )
    if indicator_id is not None:
        query = query.where(Measurement.indicator_id == indicator_id)
    if area_id is not None:
        query = query.where(Measurement.area_id == area_id)
    found = paginate(session, query, page=page, page_size=page_size or settings.page_size)
    return PageOut.of(found, [MeasurementOut.of(item) for item in found.items])


@api.post("/measurements", response_model=MeasurementOut, status_code=status.HTTP_201_CREATED)
def record_measurement(session: DbSession, actor: ApiActor, body: MeasurementIn) -> MeasurementOut:
    """Record a figure; one for a period that has a figure is a revision, and the figure before is kept."""
    require(actor, "outcomes.measure", object_type="measurement")
    values = body.model_dump()
    figure, problems = measurements.read_figure(measurements.Lookup(session), values, "body")
    if figure is None:
        raise InvalidInput(problems)
    note = body.note.strip()
    recorded = measurements.record(session, actor, replace(figure, note=note))

    if recorded is None:
        raise InvalidInput([Problem("body, value", "This figure is already held for that period: nothing changed")])
    session.flush()
    return MeasurementOut.of(recorded)


@api.get("/claims", response_model=PageOut[ClaimOut])
def list_claims(
    session: DbSession, actor: ApiActor, settings: AppSettings, page: PageNumber = 1, page_size: PageSize = None
) -> PageOut[ClaimOut]:
    """Payment-by-results claims of every scheme, newest period first."""
    found = schemes.list_claims(session, actor, page=page, page_size=page_size or settings.page_size)
    return PageOut.of(found, [ClaimOut.of(claim) for claim in found.items])


@api.get("/claims/{claim_id}", response_model=ClaimOut)
def get_claim(session: DbSession, actor: ApiActor, claim_id: RecordId) -> ClaimOut:
    """A claim with every line, what it pays, why, and the evidence it rests on."""
    return ClaimOut.of(schemes.get_claim(session, actor, claim_id), with_lines=True)
