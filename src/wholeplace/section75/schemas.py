"""JSON shapes of section 75 agreements and settlements. Amounts, shares and dates come in as text with bounded
lengths, and are read by `terms.py` like a form's, so a hostile value gets the same field error everywhere."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from wholeplace.money import FinancialYear
from wholeplace.section75.engine import YearEnd, percent
from wholeplace.section75.model import Agreement
from wholeplace.section75.service import InstalmentRow, schedule

Text = Field(min_length=1, max_length=300)


class InstalmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due_on: str = Field(max_length=20, description="YYYY-MM-DD")
    amount: str = Field(max_length=60, description="In pounds, like 787500.00")


class PartnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner: str = Field(min_length=1, max_length=200, description="The partner's identifier, like GB-LAE-ESS")
    overspend_share: str = Field(max_length=20, description="A percentage, like 60 or 33.33")
    underspend_share: str = Field(max_length=20, description="A percentage, like 50")
    instalments: list[InstalmentIn] = Field(max_length=120)


class AgreementIn(BaseModel):
    """An agreement as signed; the same keys as the YAML file `wholeplace section75 load` reads."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=60)
    title: str = Text
    fund: str = Field(min_length=1, max_length=40, description="The pooled fund's code")
    decision: str = Field(min_length=1, max_length=60, description="The approved decision entering the agreement")
    host: str = Field(min_length=1, max_length=200, description="The host partner's identifier")
    starts_on: str = Field(max_length=20, description="YYYY-MM-DD")
    ends_on: str = Field(max_length=20, description="YYYY-MM-DD")
    signed_on: str = Field(max_length=20, description="YYYY-MM-DD")
    underspend: str = Field("return", max_length=20, description="return or carry_forward")
    partners: list[PartnerIn] = Field(max_length=20)


class SettlementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: str = Field(max_length=20, description="The financial year, like 2025/26")
    reference: str = Field(min_length=1, max_length=60, description="The settlement decision's reference")
    accrued: str = Field("0", max_length=60, description="Expenditure of the year not yet paid from the pool")
    report_date: dt.date | None = Field(None, description="The report's date; today if left out")
    overspend_to: str = Field("Pool:Unallocated", max_length=400, description="Where an overspend is paid")


class InstalmentOut(BaseModel):
    id: int
    partner: str
    financial_year: str
    due_on: dt.date
    amount: str
    received: str
    status: str

    @classmethod
    def of(cls, row: InstalmentRow) -> InstalmentOut:
        return cls(
            id=row.instalment.id,
            partner=row.partner,
            financial_year=str(FinancialYear(row.instalment.financial_year)),
            due_on=row.instalment.due_on,
            amount=row.amount.plain(),
            received=row.received.plain(),
            status=row.status.value,
        )


class PartnerOut(BaseModel):
    partner: str
    identifier: str
    overspend_share: str
    underspend_share: str


class AgreementOut(BaseModel):
    id: int
    reference: str
    title: str
    fund_id: int
    fund_code: str
    host: str
    starts_on: dt.date
    ends_on: dt.date
    signed_on: dt.date
    decision: str
    underspend: str
    partners: list[PartnerOut]
    instalments: list[InstalmentOut] | None = None

    @classmethod
    def of(cls, agreement: Agreement, *, with_instalments: bool = False) -> AgreementOut:
        return cls(
            id=agreement.id,
            reference=agreement.reference,
            title=agreement.title,
            fund_id=agreement.fund_id,
            fund_code=agreement.fund.code,
            host=agreement.host.name,
            starts_on=agreement.starts_on,
            ends_on=agreement.ends_on,
            signed_on=agreement.signed_on,
            decision=agreement.decision.reference,
            underspend=agreement.underspend.value,
            partners=[
                PartnerOut(
                    partner=p.organisation.name,
                    identifier=p.organisation.identifier,
                    overspend_share=percent(p.overspend_share_bp),
                    underspend_share=percent(p.underspend_share_bp),
                )
                for p in agreement.partners
            ],
            instalments=[InstalmentOut.of(row) for row in schedule(agreement)] if with_instalments else None,
        )


class SettlementLineOut(BaseModel):
    partner: str
    share: str
    amount: str


class SettlementOut(BaseModel):
    year: str
    agreed: str
    received: str
    outstanding: str
    spent: str
    accrued: str
    outturn: str
    settled: str
    outcome: str = Field(description="overspend, underspend or balanced")
    amount: str
    lines: list[SettlementLineOut]

    @classmethod
    def of(cls, found: YearEnd) -> SettlementOut:
        return cls(
            year=str(found.year),
            agreed=found.agreed.plain(),
            received=found.received.plain(),
            outstanding=found.outstanding.plain(),
            spent=found.spent.plain(),
            accrued=found.accrued.plain(),
            outturn=found.outturn.plain(),
            settled=found.settled.plain(),
            outcome=found.outcome.value,
            amount=found.amount.plain(),
            lines=[
                SettlementLineOut(partner=line.partner, share=percent(line.share_bp), amount=line.amount.plain())
                for line in found.lines
            ],
        )


class DraftedOut(BaseModel):
    decision_id: int
    reference: str
    status: str
