"""Decision records that authorise money, and meetings with their numbered actions."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholeplace.auth.model import Role
from wholeplace.db import CLASH, Base, UTCDateTime, enum_of, utcnow
from wholeplace.funds.model import Account, Fund
from wholeplace.partners.model import Organisation


class DecisionStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    REJECTED = "rejected"
    STOPPED = "stopped"  # approved, then called in and referred back or overturned: its money never moves


class Decision(Base):
    """A report put to a decision maker, like the PCC's PCC/038/13: approving it posts its money."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(
        String(60), unique=True, info={CLASH: "Another decision with this reference was saved at the same moment"}
    )
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    report_date: Mapped[dt.date] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(200))
    decision_maker: Mapped[str] = mapped_column(String(200))  # the office, e.g. "Police and Crime Commissioner"
    # Who may decide it here: a user of this partner holding this role (the office above is its title on paper).
    decision_maker_partner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    decision_maker_role: Mapped[Role] = mapped_column(enum_of(Role, 20), default=Role.DECISION_MAKER)
    purpose: Mapped[str] = mapped_column(Text, default="")
    financial_implications: Mapped[str] = mapped_column(Text, default="")
    stated_total_pence: Mapped[int | None] = mapped_column(BigInteger)  # the total the report states
    publish: Mapped[bool] = mapped_column(default=True)
    non_publication_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[DecisionStatus] = mapped_column(enum_of(DecisionStatus, 10), default=DecisionStatus.DRAFT)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # What the signed record says: the day the decision maker decided, and who signed it ...
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    signed_by: Mapped[str | None] = mapped_column(String(200))
    # ... and when and by whom that was entered here, which may be years later.
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str | None] = mapped_column(String(254))
    # Call-in: an approved decision's money posts once the period ends without a call-in, or at once when urgent.
    urgent_reason: Mapped[str | None] = mapped_column(Text)
    call_in_ends_on: Mapped[dt.date | None] = mapped_column(Date)
    money_posted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(254))
    # the user who drafted it, who may not also decide it (none when drafted at the console or by the demo)
    drafted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    fund: Mapped[Fund] = relationship(lazy="joined", innerjoin=True)
    decision_maker_partner: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    call_ins: Mapped[list[CallIn]] = relationship(
        back_populates="decision", lazy="selectin", order_by="CallIn.id", cascade="all, delete-orphan"
    )
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="decision", lazy="selectin", order_by="Recommendation.position", cascade="all, delete-orphan"
    )

    @property
    def approved(self) -> bool:
        """Whether money may be posted under it (what the ledger asks): approved and in force, its call-in period
        over (or urgent) and its own money posted. During the period nothing moves under it, not even a
        contribution or a spend citing it, since a call-in may still stop it."""
        return self.status is DecisionStatus.APPROVED and self.money_posted_at is not None


class CallInOutcome(StrEnum):
    UPHELD = "upheld"  # no further action: the decision stands and its money posts
    REFERRED_BACK = "referred_back"  # back to the decision maker to reconsider: this decision's money never moves
    REJECTED = "rejected"  # overturned: its money never moves


class CallIn(Base):
    """Scrutiny members calling a decision in before its money moves, and what came of it."""

    __tablename__ = "decision_call_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    called_in_by: Mapped[str] = mapped_column(String(300))  # "Councillors A Smith and B Jones"
    reason: Mapped[str] = mapped_column(Text)
    called_in_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(254))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[CallInOutcome | None] = mapped_column(enum_of(CallInOutcome, 20))
    outcome_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome_note: Mapped[str | None] = mapped_column(Text)
    outcome_recorded_by: Mapped[str | None] = mapped_column(String(254))

    decision: Mapped[Decision] = relationship(back_populates="call_ins")


class Recommendation(Base):
    """One line of a decision: an amount moved from one account (and year) to another."""

    __tablename__ = "recommendations"
    __table_args__ = (UniqueConstraint("decision_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    position: Mapped[int]
    number: Mapped[str] = mapped_column(String(20))  # as the report numbers it: "2.2"
    text: Mapped[str] = mapped_column(Text)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    from_account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id"))
    to_account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id"))
    from_year: Mapped[int]
    to_year: Mapped[int]
    effective_date: Mapped[dt.date] = mapped_column(Date)
    stated_fraction: Mapped[str | None] = mapped_column(String(20))  # "1/3" or "34%" as the report states it
    fraction_of_pence: Mapped[int | None] = mapped_column(BigInteger)  # the amount the fraction is of

    decision: Mapped[Decision] = relationship(back_populates="recommendations")
    from_account: Mapped[Account] = relationship(foreign_keys=[from_account_id], lazy="joined", innerjoin=True)
    to_account: Mapped[Account] = relationship(foreign_keys=[to_account_id], lazy="joined", innerjoin=True)


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(200))  # "Safer Essex"
    date: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    actions: Mapped[list[MeetingAction]] = relationship(
        back_populates="meeting", lazy="selectin", order_by="MeetingAction.number", cascade="all, delete-orphan"
    )


class MeetingAction(Base):
    """A numbered action from the minutes, as in seed 003's 'ACTION 1'."""

    __tablename__ = "meeting_actions"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(enum_of(ActionStatus, 10), default=ActionStatus.OPEN)

    meeting: Mapped[Meeting] = relationship(back_populates="actions")
