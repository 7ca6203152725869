"""JSON shapes of stored business cases and their versions for /api/v1/business-cases."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from wholeplace.appraisal.model import BusinessCase, BusinessCaseVersion
from wholeplace.money import FinancialYear, Money


class BusinessCaseIn(BaseModel):
    source: str = Field(description="The case file, YAML or JSON, as `wholeplace appraise` reads it")
    note: str = Field("", description="What this version is, or what changed")


class VersionIn(BusinessCaseIn):
    based_on: int = Field(description="The version you edited; refused (409) if a newer one has been saved since")


class VersionOut(BaseModel):
    number: int
    note: str
    pv_costs: str
    pv_benefits: str
    npv_fiscal: str
    npv_total: str
    bcr: str | None
    payback_year: str | None
    created_by: str
    created_at: dt.datetime

    @classmethod
    def of(cls, version: BusinessCaseVersion) -> VersionOut:
        return cls(
            number=version.number,
            note=version.note,
            pv_costs=Money(version.pv_costs_pence).plain(),
            pv_benefits=Money(version.pv_benefits_pence).plain(),
            npv_fiscal=Money(version.npv_fiscal_pence).plain(),
            npv_total=Money(version.npv_total_pence).plain(),
            bcr=version.bcr,
            payback_year=None if version.payback_year is None else str(FinancialYear(version.payback_year)),
            created_by=version.created_by,
            created_at=version.created_at,
        )


class BusinessCaseSummaryOut(BaseModel):
    id: int
    name: str
    current: VersionOut

    @classmethod
    def of(cls, business_case: BusinessCase) -> BusinessCaseSummaryOut:
        return cls(id=business_case.id, name=business_case.name, current=VersionOut.of(business_case.current))


class BusinessCaseOut(BusinessCaseSummaryOut):
    source: str = Field(description="The current version's case file")
    versions: list[VersionOut]
    created_by: str
    created_at: dt.datetime

    @classmethod
    def of(cls, business_case: BusinessCase) -> BusinessCaseOut:
        return cls(
            id=business_case.id,
            name=business_case.name,
            current=VersionOut.of(business_case.current),
            source=business_case.current.source,
            versions=[VersionOut.of(version) for version in business_case.versions],
            created_by=business_case.created_by,
            created_at=business_case.created_at,
        )
