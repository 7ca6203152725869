"""JSON shapes of partner organisations in the API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from wholeplace.partners.model import Area, Organisation


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identifier: str = Field(description="org-id style identifier, such as GB-LAE-ESS")
    name: str
    kind: str = Field(description="county_council, district_council, police_and_crime_commissioner, ...")
    parent_identifier: str | None = None
    area_code: str | None = Field(default=None, description="ONS code of the area served, such as E10000012")


class OrganisationChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identifier: str | None = None
    name: str | None = None
    kind: str | None = None
    parent_identifier: str | None = None
    area_code: str | None = None


class OrganisationOut(BaseModel):
    id: int
    identifier: str
    name: str
    kind: str
    kind_label: str
    parent_identifier: str | None
    area_code: str | None
    area_name: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, organisation: Organisation) -> OrganisationOut:
        return cls(
            id=organisation.id,
            identifier=organisation.identifier,
            name=organisation.name,
            kind=organisation.kind.value,
            kind_label=organisation.kind.label,
            parent_identifier=organisation.parent.identifier if organisation.parent else None,
            area_code=organisation.area.code if organisation.area else None,
            area_name=organisation.area.name if organisation.area else None,
            created_at=organisation.created_at,
            updated_at=organisation.updated_at,
        )


class AreaOut(BaseModel):
    code: str
    name: str
    kind: str
    parent_code: str | None

    @classmethod
    def of(cls, area: Area) -> AreaOut:
        return cls(
            code=area.code, name=area.name, kind=area.kind.value, parent_code=area.parent.code if area.parent else None
        )
