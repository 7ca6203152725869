"""Business cases kept in the database: each save is a new numbered version, so any two can be compared."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholeplace.db import CLASH, Base, UTCDateTime, utcnow
from wholeplace.partners.model import Organisation


class BusinessCase(Base):
    """A business case put to the partners. Its figures live in its versions; the newest is the current one."""

    __tablename__ = "business_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))  # the current version's name, for lists
    # the partner whose user added it; its users, and those of the partners the case names, may edit it
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    versions: Mapped[list[BusinessCaseVersion]] = relationship(
        back_populates="business_case",
        lazy="selectin",
        order_by="BusinessCaseVersion.number",
        cascade="all, delete-orphan",
    )

    @property
    def current(self) -> BusinessCaseVersion:
        return self.versions[-1]


class BusinessCaseVersion(Base):
    """The case file as saved, with the headline figures it gave then (kept so lists and diffs need no rerun)."""

    __tablename__ = "business_case_versions"
    __table_args__ = (
        UniqueConstraint(
            "business_case_id",
            "number",
            info={
                CLASH: "Someone else saved a new version of this case at the same moment. "
                "Open the case again, and make your change to the newest version"
            },
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_case_id: Mapped[int] = mapped_column(ForeignKey("business_cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    source: Mapped[str] = mapped_column(Text)  # the case file, YAML or JSON, exactly as saved
    note: Mapped[str] = mapped_column(Text, default="")  # what changed, in the author's words
    pv_costs_pence: Mapped[int] = mapped_column(BigInteger)
    pv_benefits_pence: Mapped[int] = mapped_column(BigInteger)
    npv_fiscal_pence: Mapped[int] = mapped_column(BigInteger)
    npv_total_pence: Mapped[int] = mapped_column(BigInteger)
    bcr: Mapped[str | None] = mapped_column(String(20))  # 4 decimals as text, as the appraisal gives it
    payback_year: Mapped[int | None]  # the financial year's start year
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    business_case: Mapped[BusinessCase] = relationship(back_populates="versions")
