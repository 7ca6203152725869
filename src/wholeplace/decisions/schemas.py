"""JSON shapes of decision records, and the totals a decision page shows under its recommendations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from wholeplace.decisions.engine import FigureCheck
from wholeplace.decisions.model import Decision, DecisionStatus, Recommendation
from wholeplace.decisions.service import Signature
from wholeplace.funds.model import AccountKind
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import InvalidInput, Problem

STATUS_TAGS = {
    DecisionStatus.DRAFT: ("Draft", "govuk-tag--yellow"),
    DecisionStatus.APPROVED: ("Approved", "govuk-tag--green"),
    DecisionStatus.REJECTED: ("Rejected", "govuk-tag--red"),
}


def parse_status(text: str | None) -> DecisionStatus | None:
    if not text:
        return None
    try:
        return DecisionStatus(text)
    except ValueError:
        choices = ", ".join(status.value for status in DecisionStatus)
        raise InvalidInput([Problem("status", f"'{text}' is not a status. Use one of {choices}")]) from None


@dataclass(frozen=True)
class DecisionTotals:
    """A decision's amounts by what they do: paid into the pool, allocated from it, moved between
    accounts or years. A report's 'total' is usually the allocations (PCC/038/13: £272,760)."""

    paid_in: Money
    allocated: Money
    moved: Money

    @classmethod
    def of(cls, decision: Decision) -> DecisionTotals:
        def amounts(kind: str) -> Money:
            return Money.total(Money(item.amount_pence) for item in decision.recommendations if _does(item) == kind)

        return cls(amounts("paid_in"), amounts("allocated"), amounts("moved"))


def _does(item: Recommendation) -> str:
    if item.from_account.kind is AccountKind.CONTRIBUTION:
        return "paid_in"
    if item.from_account.kind is AccountKind.UNALLOCATED and item.to_account.kind in (
        AccountKind.THEME,
        AccountKind.PROJECT,
    ):
        return "allocated"
    return "moved"


class RecommendationOut(BaseModel):
    number: str
    text: str
    amount: str
    from_account: str
    from_year: str
    to_account: str
    to_year: str
    effective_date: dt.date
    stated_fraction: str | None
    fraction_of: str | None

    @classmethod
    def of(cls, item: Recommendation) -> RecommendationOut:
        return cls(
            number=item.number,
            text=item.text,
            amount=Money(item.amount_pence).plain(),
            from_account=item.from_account.path,
            from_year=str(FinancialYear(item.from_year)),
            to_account=item.to_account.path,
            to_year=str(FinancialYear(item.to_year)),
            effective_date=item.effective_date,
            stated_fraction=item.stated_fraction,
            fraction_of=Money(item.fraction_of_pence).plain() if item.fraction_of_pence is not None else None,
        )


class FigureCheckOut(BaseModel):
    what: str
    stated: str
    computed: str
    difference: str | None
    agrees: bool

    @classmethod
    def of(cls, check: FigureCheck) -> FigureCheckOut:
        return cls(
            what=check.what,
            stated=check.stated,
            computed=check.computed,
            difference=check.difference.plain() if check.difference is not None else None,
            agrees=check.agrees,
        )


class DecisionSummaryOut(BaseModel):
    id: int
    reference: str
    fund_id: int
    fund_code: str
    title: str
    report_date: dt.date
    decision_maker: str
    status: str

    @classmethod
    def fields_of(cls, decision: Decision) -> dict[str, object]:
        return {
            "id": decision.id,
            "reference": decision.reference,
            "fund_id": decision.fund_id,
            "fund_code": decision.fund.code,
            "title": decision.title,
            "report_date": decision.report_date,
            "decision_maker": decision.decision_maker,
            "status": decision.status.value,
        }

    @classmethod
    def of(cls, decision: Decision) -> DecisionSummaryOut:
        return cls.model_validate(cls.fields_of(decision))


class TotalsOut(BaseModel):
    paid_in: str
    allocated: str
    moved: str


class DecisionOut(DecisionSummaryOut):
    """A decision record as the report sets it out, with checks on its figures."""

    author: str
    purpose: str
    financial_implications: str
    stated_total: str | None
    publish: bool
    non_publication_reason: str | None
    rejection_reason: str | None
    decided_on: dt.date | None = Field(description="The day the decision maker decided, as the signed record says")
    signed_by: str | None = Field(description="Who signed the decision record")
    recorded_at: dt.datetime | None = Field(description="When the decision was entered here")
    recorded_by: str | None = Field(description="Who entered it here")
    created_by: str
    created_at: dt.datetime
    recommendations: list[RecommendationOut]
    totals: TotalsOut
    checks: list[FigureCheckOut]

    @classmethod
    def of(cls, decision: Decision, checks: list[FigureCheck] | None = None) -> DecisionOut:  # type: ignore[override]
        totals = DecisionTotals.of(decision)
        return cls.model_validate(
            {
                **cls.fields_of(decision),
                "author": decision.author,
                "purpose": decision.purpose,
                "financial_implications": decision.financial_implications,
                "stated_total": Money(decision.stated_total_pence).plain()
                if decision.stated_total_pence is not None
                else None,
                "publish": decision.publish,
                "non_publication_reason": decision.non_publication_reason,
                "rejection_reason": decision.rejection_reason,
                "decided_on": decision.decided_on,
                "signed_by": decision.signed_by,
                "recorded_at": decision.recorded_at,
                "recorded_by": decision.recorded_by,
                "created_by": decision.created_by,
                "created_at": decision.created_at,
                "recommendations": [RecommendationOut.of(item) for item in decision.recommendations],
                "totals": TotalsOut(
                    paid_in=totals.paid_in.plain(), allocated=totals.allocated.plain(), moved=totals.moved.plain()
                ),
                "checks": [FigureCheckOut.of(check) for check in checks or []],
            }
        )


class SignatureIn(BaseModel):
    """The decision's own date and signatory, from the signed record; today and the report's office if left out."""

    model_config = ConfigDict(extra="forbid")

    decided_on: dt.date | None = Field(None, description="The day the decision maker decided, like 2013-07-30")
    signed_by: str | None = Field(None, description="Who signed the decision record")

    def signature(self) -> Signature:
        return Signature(decided_on=self.decided_on, signed_by=self.signed_by)


class RejectIn(SignatureIn):
    reason: str = Field(description="Why the recommendations are not agreed")
