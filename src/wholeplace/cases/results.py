"""What interventions cost and achieve: cost per case and per family, the share of spend on prevention against
consequences (seed 002 §6 reports 2% against 98%), and success rates by intervention, by provider and by shared
outcome with their counts: the figure the PCC's decision report PCC/038/13 (§4.7) says nobody measures.

`compute` is pure: plain rows in, frozen results out; money is integer pence, never float. `intervention_results`
is the small query layer that reads the rows, one access decision per case read; `ResultsOut` is the API's shape.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.cases.access import case_scope
from wholeplace.cases.model import Case, CaseIntervention, CaseOutcome, InterventionKind, OutcomeKind
from wholeplace.money import Money, apportion
from wholeplace.problems import AccessRefused, Refusal
from wholeplace.sharing import access, rls
from wholeplace.sharing.model import DataCategory, Purpose

# Fewer finished than this and a rate is shown as a count, not a percentage: 1 of 2 is not 50% of anything.
MIN_COUNT = 5
# Who reads the results: analysts (pseudonymised, for analysis) and caseworkers (their own partner's cases).
RESULTS_READERS = frozenset({Role.ANALYST, Role.KEY_WORKER, Role.TEAM_MANAGER})
# Shares of spend are shown to a tenth of a percent, split by largest remainder so that they add up to 100.0%.
SHARE_TENTHS = 1000


@dataclass(frozen=True)
class GivenRow:
    """One intervention given to a case."""

    case_id: int
    family_id: int | None  # the case's household, if it has one
    intervention: str
    provider: str
    kind: InterventionKind
    unit_cost_pence: int
    units: int
    achieved: bool | None  # None while it runs

    @property
    def cost(self) -> Money:
        return Money(self.unit_cost_pence) * self.units


@dataclass(frozen=True)
class OutcomeRow:
    case_id: int
    kind: OutcomeKind
    achieved: bool


def percent_half_up(part: int, whole: int) -> int:
    """`part` of `whole` as a whole percentage, a half rounded up (exact: integers only)."""
    return (200 * part + whole) // (2 * whole)


@dataclass(frozen=True)
class Rate:
    label: str
    achieved: int
    out_of: int  # finished interventions, or outcomes recorded

    @property
    def rated(self) -> bool:
        return self.out_of >= MIN_COUNT

    @property
    def percent(self) -> int | None:
        return percent_half_up(self.achieved, self.out_of) if self.rated else None

    def __str__(self) -> str:
        """'12 of 20 (60%)', or '3 of 4 (too few to rate)'."""
        if not self.out_of:
            return "none finished yet"
        said = f"{self.percent}%" if self.rated else "too few to rate"
        return f"{self.achieved} of {self.out_of} ({said})"


@dataclass(frozen=True)
class Share:
    kind: InterventionKind
    spend: Money
    percent: Decimal  # to one decimal place; the shares add up to exactly 100.0


@dataclass(frozen=True)
class Results:
    total: Money
    cost_by_case: tuple[tuple[int, Money], ...]  # (case id, cost), by case id
    cost_by_family: tuple[tuple[int, Money], ...]  # (household id, cost) for cases in a household
    shares: tuple[Share, ...]  # prevention, then consequence; empty when nothing was spent
    by_intervention: tuple[Rate, ...]
    by_provider: tuple[Rate, ...]
    by_outcome: tuple[Rate, ...]  # every shared outcome, in the framework's order

    @property
    def average_per_case(self) -> Money | None:
        return _average(self.cost_by_case)

    @property
    def average_per_family(self) -> Money | None:
        return _average(self.cost_by_family)


def _average(costs: tuple[tuple[int, Money], ...]) -> Money | None:
    """The mean to the nearest penny, a half penny rounded up."""
    if not costs:
        return None
    total = sum(cost.pence for _, cost in costs)
    return Money((2 * total + len(costs)) // (2 * len(costs)))


def compute(given: Iterable[GivenRow], outcomes: Iterable[OutcomeRow]) -> Results:
    given, outcomes = list(given), list(outcomes)
    by_case: dict[int, int] = defaultdict(int)
    by_family: dict[int, int] = defaultdict(int)
    by_kind: dict[InterventionKind, int] = dict.fromkeys(InterventionKind, 0)
    for row in given:
        by_case[row.case_id] += row.cost.pence
        by_kind[row.kind] += row.cost.pence
        if row.family_id is not None:
            by_family[row.family_id] += row.cost.pence
    total = Money(sum(by_case.values()))
    return Results(
        total=total,
        cost_by_case=tuple((case_id, Money(pence)) for case_id, pence in sorted(by_case.items())),
        cost_by_family=tuple((family_id, Money(pence)) for family_id, pence in sorted(by_family.items())),
        shares=_shares(by_kind) if total.pence else (),
        by_intervention=_rates(given, lambda row: row.intervention),
        by_provider=_rates(given, lambda row: row.provider),
        by_outcome=tuple(
            Rate(
                kind.value,
                sum(1 for row in outcomes if row.kind is kind and row.achieved),
                sum(1 for row in outcomes if row.kind is kind),
            )
            for kind in OutcomeKind
        ),
    )


def _shares(by_kind: dict[InterventionKind, int]) -> tuple[Share, ...]:
    # The same largest-remainder split as money: tenths of a percent that add up to exactly 100.0%.
    tenths = apportion(Money(SHARE_TENTHS), list(by_kind.values()))
    return tuple(
        Share(kind, Money(pence), Decimal(part.pence).scaleb(-1))
        for (kind, pence), part in zip(by_kind.items(), tenths, strict=True)
    )


def _rates(given: list[GivenRow], key: Callable[[GivenRow], str]) -> tuple[Rate, ...]:
    """Achieved out of finished for each name; those given but none finished yet are listed with 0 of 0."""
    achieved: dict[str, int] = defaultdict(int)
    finished: dict[str, int] = defaultdict(int)
    for row in given:
        name = key(row)
        finished[name] += row.achieved is not None
        achieved[name] += row.achieved is True
    return tuple(Rate(name, achieved[name], finished[name]) for name in sorted(finished))


def results_scope(actor: Actor) -> str:
    """Whose cases the figures cover for this actor, in words."""
    if Role.ANALYST in actor.roles:
        return "every case shared with your organisation for analysis (pseudonymised)"
    return "your organisation's cases"


def intervention_results(session: Session, actor: Actor) -> Results:
    """The results over the cases the actor may read: an analyst reads all shared cases for analysis, a key worker
    or team manager their own organisation's cases. Each case is one access decision; the figure, one audit entry."""
    if not actor.roles & RESULTS_READERS:
        reason = "Only analysts, key workers and team managers see what interventions achieve"
        raise AccessRefused(reason, Refusal(actor, "interventions.results", "case_results", None, reason))
    rls.enter(session, actor)
    analyst = Role.ANALYST in actor.roles
    statement = select(Case).where(
        or_(Case.id.in_(select(CaseIntervention.case_id)), Case.id.in_(select(CaseOutcome.case_id)))
    )
    if not analyst:
        statement = statement.where(Case.organisation_id == actor.organisation_id)
    found = list(session.scalars(statement.order_by(Case.id)))
    purpose = Purpose.ANALYSIS if analyst else Purpose.CASE_MANAGEMENT
    scopes = [case_scope(case, DataCategory.CASEWORK, record_type="case_results") for case in found]
    decisions = access.decide_aggregate(session, actor, scopes, purpose, "case_results")
    cases = {case.id: case for case, decision in zip(found, decisions, strict=True) if decision.allowed}
    # the cases by a subquery, not a list of ids: tens of thousands of ids pass SQLite's limit on parameters
    read = statement.with_only_columns(Case.id).scalar_subquery()
    given_rows = session.scalars(select(CaseIntervention).where(CaseIntervention.case_id.in_(read)))
    outcome_rows = session.scalars(select(CaseOutcome).where(CaseOutcome.case_id.in_(read)))
    return compute(
        (
            GivenRow(
                case_id=given.case_id,
                family_id=cases[given.case_id].household_id,
                intervention=given.intervention.name,
                provider=given.intervention.provider.name,
                kind=given.intervention.kind,
                unit_cost_pence=given.intervention.unit_cost_pence,
                units=given.units,
                achieved=given.achieved,
            )
            for given in given_rows
            if given.case_id in cases  # a case the rules refused is left out of the figures
        ),
        (OutcomeRow(o.case_id, o.kind, o.achieved) for o in outcome_rows if o.case_id in cases),
    )


class RateOut(BaseModel):
    name: str
    achieved: int
    out_of: int  # finished interventions, or outcomes recorded
    percent: int | None  # None when fewer than MIN_COUNT: too few to rate
    text: str  # "12 of 20 (60%)"

    @classmethod
    def of(cls, rate: Rate) -> RateOut:
        return cls(name=rate.label, achieved=rate.achieved, out_of=rate.out_of, percent=rate.percent, text=str(rate))


class ShareOut(BaseModel):
    kind: InterventionKind
    spend: str  # pounds and pence, two decimals
    percent: str  # to a tenth; the shares add up to 100.0


class ResultsOut(BaseModel):
    """The results as the API gives them; money as strings of pounds and pence, never floats."""

    total_spend: str
    cases: int
    average_per_case: str | None
    families: int
    average_per_family: str | None
    shares: list[ShareOut]
    by_intervention: list[RateOut]
    by_provider: list[RateOut]
    by_outcome: list[RateOut]
    min_count: int = MIN_COUNT

    @classmethod
    def of(cls, found: Results) -> ResultsOut:
        return cls(
            total_spend=found.total.plain(),
            cases=len(found.cost_by_case),
            average_per_case=found.average_per_case.plain() if found.average_per_case else None,
            families=len(found.cost_by_family),
            average_per_family=found.average_per_family.plain() if found.average_per_family else None,
            shares=[ShareOut(kind=s.kind, spend=s.spend.plain(), percent=str(s.percent)) for s in found.shares],
            by_intervention=[RateOut.of(rate) for rate in found.by_intervention],
            by_provider=[RateOut.of(rate) for rate in found.by_provider],
            by_outcome=[RateOut.of(rate) for rate in found.by_outcome],
        )
