"""JSON shapes of decision records, and the totals a decision page shows under its recommendations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from wholeplace import business_dates
from wholeplace.auth.model import Role
from wholeplace.decisions import call_in
from wholeplace.decisions.engine import FigureCheck, Shortfall, account_name
from wholeplace.decisions.model import CallIn, Decision, DecisionStatus, Recommendation
from wholeplace.decisions.service import DecisionIn, RecommendationIn, Signature
from wholeplace.funds.model import AccountKind
from wholeplace.money import LARGEST_POUNDS, FinancialYear, Money
from wholeplace.problems import InvalidInput, Problem
from wholeplace.web.params import LARGEST_ID

STATUS_TAGS = {
    DecisionStatus.DRAFT: ("Draft", "govuk-tag--yellow"),
    DecisionStatus.APPROVED: ("Approved", "govuk-tag--green"),
    DecisionStatus.REJECTED: ("Rejected", "govuk-tag--red"),
    DecisionStatus.STOPPED: ("Stopped on call-in", "govuk-tag--orange"),
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
    decision_maker: str = Field(description="The office the report is put to, as the record names it")
    decision_maker_partner_id: int = Field(description="The partner whose users decide it")
    decision_maker_partner: str
    decision_maker_role: Role = Field(description="The role a user of that partner needs to decide it")
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
            "decision_maker_partner_id": decision.decision_maker_partner_id,
            "decision_maker_partner": decision.decision_maker_partner.name,
            "decision_maker_role": decision.decision_maker_role,
            "status": decision.status.value,
        }

    @classmethod
    def of(cls, decision: Decision) -> DecisionSummaryOut:
        return cls.model_validate(cls.fields_of(decision))


class TotalsOut(BaseModel):
    paid_in: str
    allocated: str
    moved: str


class WarningOut(BaseModel):
    """An account the decision's money would overdraw as things stand."""

    account: str = Field(description="The theme, project or pool, by name")
    year: str
    short: str = Field(description="How much more the account would need, in pounds")
    message: str

    @classmethod
    def of(cls, shortfall: Shortfall) -> WarningOut:
        return cls(
            account=account_name(shortfall.account),
            year=str(shortfall.year),
            short=shortfall.short.plain(),
            message=f"Not enough money: {shortfall}",
        )


class CallInOut(BaseModel):
    called_in_by: str
    reason: str
    called_in_on: dt.date
    outcome: str | None
    outcome_on: dt.date | None
    outcome_note: str | None

    @classmethod
    def of(cls, record: CallIn) -> CallInOut:
        return cls(
            called_in_by=record.called_in_by,
            reason=record.reason,
            called_in_on=record.called_in_on,
            outcome=record.outcome.value if record.outcome else None,
            outcome_on=record.outcome_on,
            outcome_note=record.outcome_note,
        )


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
    urgent_reason: str | None = Field(description="Why it was urgent: an urgent decision's money posts at approval")
    call_in_ends_on: dt.date | None = Field(description="The last day it can be called in; its money posts after")
    money_posted_at: dt.datetime | None = Field(description="When its money was posted to the ledger")
    money: str | None = Field(description="Where its money stands, in words")
    call_ins: list[CallInOut]
    warnings: list[WarningOut] = Field(description="Accounts its money would overdraw as things stand")
    created_by: str
    created_at: dt.datetime
    recommendations: list[RecommendationOut]
    totals: TotalsOut
    checks: list[FigureCheckOut]

    @classmethod
    def of(  # type: ignore[override]
        cls, decision: Decision, checks: list[FigureCheck] | None = None, warnings: list[Shortfall] | None = None
    ) -> DecisionOut:
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
                "urgent_reason": decision.urgent_reason,
                "call_in_ends_on": decision.call_in_ends_on,
                "money_posted_at": decision.money_posted_at,
                "money": call_in.money_state(decision, business_dates.today()),
                "call_ins": [CallInOut.of(record) for record in decision.call_ins],
                "warnings": [WarningOut.of(shortfall) for shortfall in warnings or []],
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
    urgent_reason: str | None = Field(
        None, max_length=20_000, description="Why it is urgent: its money then posts at approval, without call-in"
    )

    def signature(self) -> Signature:
        return Signature(decided_on=self.decided_on, signed_by=self.signed_by, urgent_reason=self.urgent_reason)


class RejectIn(SignatureIn):
    reason: str = Field(description="Why the recommendations are not agreed")


def _amount(text: str) -> Money:
    return Money.parse(text)


def _year(text: str) -> FinancialYear:
    return FinancialYear.parse(text)


def _recent(day: dt.date) -> dt.date:
    if not 2000 <= day.year <= 2099:
        raise ValueError("Enter a date from 2000 to 2099, like 2013-07-30")
    return day


# Pounds with up to two decimals, at most £10 trillion: a 23-digit number, 1e30, NaN or a sign are refused (422).
AmountText = Annotated[
    str,
    Field(pattern=rf"^[0-9]{{1,{len(str(LARGEST_POUNDS))}}}(\.[0-9]{{1,2}})?$", examples=["272760.00"]),
    AfterValidator(_amount),
]
YearText = Annotated[str, Field(pattern=r"^20[0-9]{2}/[0-9]{2}$", examples=["2013/14"]), AfterValidator(_year)]
RecentDate = Annotated[dt.date, AfterValidator(_recent)]


class RecommendationBody(BaseModel):
    """One recommendation: an amount moved from one account of the fund (and year) to another."""

    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=20, examples=["2.2"])
    text: str = Field(min_length=1, max_length=2000)
    amount: AmountText
    from_account: str = Field(
        min_length=1, max_length=400, description="Like Contributions:Essex County Council, Pool:Unallocated"
    )
    to_account: str = Field(min_length=1, max_length=400, description="Like Themes:Domestic Abuse:MASH Analyst")
    from_year: YearText
    to_year: YearText | None = Field(None, description="Another year, for a re-profiling; the same if left out")
    effective_date: RecentDate | None = Field(None, description="When the money moves; the report's date if left out")


class DraftDecisionBody(BaseModel):
    """A draft decision report with its recommendations; nothing moves until it is approved."""

    model_config = ConfigDict(extra="forbid")

    fund_id: int = Field(ge=1, le=LARGEST_ID)
    reference: str = Field(max_length=60, examples=["PCC/038/13"])
    title: str = Field(max_length=300)
    report_date: RecentDate
    author: str = Field("", max_length=200)
    decision_maker: str = Field(
        max_length=200, description="The office it is put to, like Police and Crime Commissioner"
    )
    decision_maker_partner_id: int | None = Field(
        None, ge=1, le=LARGEST_ID, description="The partner whose users decide it; the fund's holder if left out"
    )
    decision_maker_role: Role = Field(Role.DECISION_MAKER, description="decision_maker, or finance")
    purpose: str = Field("", max_length=20_000)
    financial_implications: str = Field("", max_length=20_000)
    stated_total: AmountText | None = None
    publish: bool = True
    non_publication_reason: str | None = Field(None, max_length=20_000)
    recommendations: list[RecommendationBody] = Field(
        default_factory=list,
        max_length=200,
        description="What moves; none for a decision that agrees what its purpose says without moving money",
    )

    def draft(self) -> DecisionIn:
        return DecisionIn(
            reference=self.reference,
            title=self.title,
            report_date=self.report_date,
            author=self.author,
            decision_maker=self.decision_maker,
            decision_maker_partner_id=self.decision_maker_partner_id,
            decision_maker_role=self.decision_maker_role,
            purpose=self.purpose,
            financial_implications=self.financial_implications,
            stated_total=self.stated_total,  # type: ignore[arg-type]  # a Money after validation
            publish=self.publish,
            non_publication_reason=self.non_publication_reason,
            recommendations=[
                RecommendationIn(
                    number=item.number,
                    text=item.text,
                    amount=item.amount,  # type: ignore[arg-type]
                    from_account=item.from_account,
                    to_account=item.to_account,
                    from_year=item.from_year,  # type: ignore[arg-type]
                    to_year=item.to_year,  # type: ignore[arg-type]
                    effective_date=item.effective_date,
                )
                for item in self.recommendations
            ],
        )
