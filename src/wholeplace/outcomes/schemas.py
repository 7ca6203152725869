"""The outcomes API's shapes: indicators with their status by area, measurements (revisions too), claims."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field

from wholeplace.money import Money
from wholeplace.outcomes.model import ClaimLineRecord, ClaimRecord, Indicator, Measurement
from wholeplace.outcomes.progress import StatusRow


def _figure(value: Decimal | None) -> str | None:
    """A figure as exact text, without the database's trailing zeros: 7.5, not 7.500000."""
    return None if value is None else format(value.normalize(), "f")


class StatusOut(BaseModel):
    area: str = Field(description="ONS code")
    area_name: str
    period: str | None
    latest: str | None
    count: int | None = Field(description="Cases a rate is on")
    baseline: str | None
    target: str | None
    change: str | None
    change_percent: str | None
    to_target: str | None = Field(description="Target less latest: what is still to move, in the indicator's units")
    status: str = Field(description="on_track, at_risk, off_track, too_few, no_target or no_data")
    rule: str

    @classmethod
    def of(cls, row: StatusRow) -> StatusOut:
        percent = row.assessment.change_percent
        return cls(
            area=row.area_code,
            area_name=row.area,
            period=str(row.period) if row.period else None,
            latest=_figure(row.latest),
            count=row.count,
            baseline=_figure(row.baseline),
            target=_figure(row.target),
            change=_figure(row.assessment.change),
            change_percent=_figure(percent.quantize(Decimal("0.01"))) if percent is not None else None,
            to_target=_figure(row.assessment.to_target),
            status=row.status.value,
            rule=row.assessment.rule,
        )


class IndicatorOut(BaseModel):
    id: int
    code: str
    name: str
    framework: str
    outcome: str
    definition: str
    numerator: str
    denominator: str | None
    unit: str
    higher_is_better: bool
    frequency: str
    source: str
    owner: str | None
    on_track_within: str = Field(description="% of target")
    at_risk_within: str = Field(description="% of target")
    minimum_count: int | None
    status: list[StatusOut] | None = None

    @classmethod
    def of(cls, indicator: Indicator, rows: list[StatusRow] | None = None) -> IndicatorOut:
        return cls(
            id=indicator.id,
            code=indicator.code,
            name=indicator.name,
            framework=indicator.outcome.framework.name,
            outcome=indicator.outcome.name,
            definition=indicator.definition,
            numerator=indicator.numerator,
            denominator=indicator.denominator,
            unit=indicator.unit,
            higher_is_better=indicator.higher_is_better,
            frequency=indicator.frequency.value,
            source=indicator.source,
            owner=indicator.organisation.name if indicator.organisation else None,
            on_track_within=_figure(indicator.on_track_within) or "0",
            at_risk_within=_figure(indicator.at_risk_within) or "0",
            minimum_count=indicator.minimum_count,
            status=[StatusOut.of(row) for row in rows] if rows is not None else None,
        )


class MeasurementIn(BaseModel):
    indicator: str = Field(min_length=1, max_length=200, description="The indicator's code or name")
    area: str = Field(min_length=1, max_length=200, description="ONS code or name")
    period: str = Field(min_length=1, max_length=40, description="2013/14, 2013/14 Q2 or 2013-07")
    value: str = Field(min_length=1, max_length=60, description="The figure, as text: 7.5")
    count: str = Field(default="", max_length=20, description="Cases a rate is on")
    source: str = Field(default="", max_length=2000)
    received_on: str = Field(default="", max_length=10, description="YYYY-MM-DD; default today")
    note: str = Field(default="", max_length=2000, description="Why a figure is revised")


class MeasurementOut(BaseModel):
    id: int
    indicator: str
    area: str
    period: str
    value: str
    count: int | None
    source: str
    received_on: dt.date
    revision: int
    current: bool
    note: str
    recorded_by: str

    @classmethod
    def of(cls, item: Measurement) -> MeasurementOut:
        return cls(
            id=item.id,
            indicator=item.indicator.code,
            area=item.area.code,
            period=str(item.period),
            value=_figure(item.value) or "0",
            count=item.count,
            source=item.source,
            received_on=item.received_on,
            revision=item.revision,
            current=item.current,
            note=item.note,
            recorded_by=item.recorded_by,
        )


class ClaimLineOut(BaseModel):
    position: int
    unit: str
    outcome: str
    tariff: str
    amount: str
    status: str
    reason: str
    evidence_id: int | None
    evidence: str | None
    sampled: bool
    check_passed: bool | None

    @classmethod
    def of(cls, line: ClaimLineRecord) -> ClaimLineOut:
        return cls(
            position=line.position,
            unit=line.unit_ref,
            outcome=line.outcome_code,
            tariff=Money(line.tariff_pence).plain(),
            amount=Money(line.amount_pence).plain(),
            status=line.status,
            reason=line.reason,
            evidence_id=line.evidence_id,
            evidence=line.evidence.source if line.evidence else None,
            sampled=line.sampled,
            check_passed=line.check_passed,
        )


class ClaimOut(BaseModel):
    id: int
    scheme: str
    period: str
    status: str
    total: str
    lines_count: int
    decision_id: int | None
    lines: list[ClaimLineOut] | None = None

    @classmethod
    def of(cls, claim: ClaimRecord, *, with_lines: bool = False) -> ClaimOut:
        return cls(
            id=claim.id,
            scheme=claim.scheme.code,
            period=str(claim.period),
            status=claim.status.value,
            total=Money(claim.total_pence).plain(),
            lines_count=len(claim.lines),
            decision_id=claim.decision_id,
            lines=[ClaimLineOut.of(line) for line in claim.lines] if with_lines else None,
        )
