"""Partner organisations and the areas they serve."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholeplace.db import CLASH, Base, UTCDateTime, enum_of, utcnow


class OrganisationKind(StrEnum):
    COUNTY_COUNCIL = "county_council"
    DISTRICT_COUNCIL = "district_council"
    UNITARY_AUTHORITY = "unitary_authority"
    POLICE_AND_CRIME_COMMISSIONER = "police_and_crime_commissioner"
    POLICE_FORCE = "police_force"
    FIRE = "fire"
    NHS = "nhs"
    PROBATION = "probation"
    CENTRAL_GOVERNMENT = "central_government"
    VOLUNTARY_SECTOR = "voluntary_sector"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    OrganisationKind.COUNTY_COUNCIL: "County council",
    OrganisationKind.DISTRICT_COUNCIL: "District council",
    OrganisationKind.UNITARY_AUTHORITY: "Unitary authority",
    OrganisationKind.POLICE_AND_CRIME_COMMISSIONER: "Police and crime commissioner",
    OrganisationKind.POLICE_FORCE: "Police force",
    OrganisationKind.FIRE: "Fire and rescue",
    OrganisationKind.NHS: "Clinical commissioning group / NHS",
    OrganisationKind.PROBATION: "Probation",
    OrganisationKind.CENTRAL_GOVERNMENT: "Central government department",
    OrganisationKind.VOLUNTARY_SECTOR: "Voluntary sector",
}


class AreaKind(StrEnum):
    COUNTY = "county"
    DISTRICT = "district"
    UNITARY = "unitary"


class Area(Base):
    """A local authority area, named by its ONS GSS code (E10000012 is Essex)."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AreaKind] = mapped_column(enum_of(AreaKind, 20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))

    parent: Mapped[Area | None] = relationship(remote_side=[id])


class Organisation(Base):
    """A partner in the place: a council, the PCC, a police force, health, probation, fire, a charity."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(
        String(100), unique=True, info={CLASH: "A partner with this identifier was added at the same moment"}
    )
    name: Mapped[str] = mapped_column(
        String(200), unique=True, info={CLASH: "A partner with this name was added at the same moment"}
    )
    kind: Mapped[OrganisationKind] = mapped_column(enum_of(OrganisationKind, 40))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], lazy="joined", join_depth=1)
    area: Mapped[Area | None] = relationship(lazy="joined")


class Team(Base):
    """A team inside a partner, such as a locality case management team or the gateway's access team."""

    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id", "name", info={CLASH: "A team with this name was added to the partner at the same moment"}
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    is_gateway: Mapped[bool] = mapped_column(default=False)  # the access team that screens referrals

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    area: Mapped[Area | None] = relationship(lazy="joined")


class TeamMember(Base):
    """A user working in a team; a user may be in several (a manager over two localities)."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
