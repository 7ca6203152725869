"""Section 75 agreements: a pooled fund held under NHS Act 2006 s.75, its partners' instalments and risk shares.

The Partnership Arrangements Regulations 2000 (reg. 7) ask the written agreement to name the host partner
(responsible for the pooled fund's accounts and audit), each partner's contributions and how they vary, and
the arrangements for the fund's management; Better Care Fund agreements add the shares in which partners meet
an overspend and share an underspend. Shares are held in basis points (1/100 of a per cent) so they add up
to exactly 10,000.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholeplace.db import CLASH, Base, UTCDateTime, enum_of, utcnow
from wholeplace.decisions.model import Decision
from wholeplace.funds.model import Fund, LedgerTransaction
from wholeplace.partners.model import Organisation


class UnderspendTreatment(StrEnum):
    """What the agreement does with an underspend: give each partner its share back, or keep it in the pool."""

    RETURN = "return"
    CARRY_FORWARD = "carry_forward"


class Agreement(Base):
    __tablename__ = "s75_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    reference: Mapped[str] = mapped_column(
        String(60), unique=True, info={CLASH: "Another agreement with this reference was saved at the same moment"}
    )
    title: Mapped[str] = mapped_column(String(300))
    host_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # the pooled fund manager's organisation
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    signed_on: Mapped[dt.date] = mapped_column(Date)
    # the approved decision entering the agreement: contributions received under it are posted citing it
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    underspend: Mapped[UnderspendTreatment] = mapped_column(enum_of(UnderspendTreatment, 20))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    fund: Mapped[Fund] = relationship(lazy="joined", innerjoin=True)
    host: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    decision: Mapped[Decision] = relationship(lazy="joined", innerjoin=True)
    partners: Mapped[list[AgreementPartner]] = relationship(
        back_populates="agreement", lazy="selectin", order_by="AgreementPartner.position", cascade="all"
    )
    settlements: Mapped[list[Settlement]] = relationship(
        back_populates="agreement", lazy="selectin", order_by="Settlement.id", cascade="all"
    )


class AgreementPartner(Base):
    """A party to the agreement with its agreed shares of an overspend and of an underspend."""

    __tablename__ = "s75_partners"
    __table_args__ = (UniqueConstraint("agreement_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("s75_agreements.id"), index=True)
    position: Mapped[int]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    overspend_share_bp: Mapped[int]
    underspend_share_bp: Mapped[int]

    agreement: Mapped[Agreement] = relationship(back_populates="partners")
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="partner", lazy="selectin", order_by="Instalment.due_on", cascade="all"
    )


class Instalment(Base):
    """One payment a partner owes the pool: its financial year, due date and amount."""

    __tablename__ = "s75_instalments"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("s75_partners.id"), index=True)
    financial_year: Mapped[int]  # start year of the financial year the contribution is for
    due_on: Mapped[dt.date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(BigInteger)

    partner: Mapped[AgreementPartner] = relationship(back_populates="instalments")
    receipts: Mapped[list[InstalmentReceipt]] = relationship(
        back_populates="instalment", lazy="selectin", order_by="InstalmentReceipt.received_on", cascade="all"
    )


class InstalmentReceipt(Base):
    """Money received against an instalment, and the ledger transaction that recorded it as a contribution."""

    __tablename__ = "s75_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("s75_instalments.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    recorded_by: Mapped[str] = mapped_column(String(254))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    instalment: Mapped[Instalment] = relationship(back_populates="receipts")
    transaction: Mapped[LedgerTransaction] = relationship(lazy="joined", innerjoin=True)


class Settlement(Base):
    """A year-end settlement drafted as a decision: the decision's approval posts it."""

    __tablename__ = "s75_settlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("s75_agreements.id"), index=True)
    financial_year: Mapped[int]
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), unique=True)
    accrued_pence: Mapped[int] = mapped_column(BigInteger)  # expenditure of the year not yet paid from the pool
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="settlements")
    decision: Mapped[Decision] = relationship(lazy="joined", innerjoin=True)
