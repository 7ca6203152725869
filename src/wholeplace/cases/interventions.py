"""The menu of interventions (seed 002 §7.5), interventions given to cases with their attendance and whether they
achieved their aim, and the shared outcomes recorded per case (§7.7, the joint outcomes framework).

The catalogue is not about anyone, so it needs no access decision: every signed-in user may read it, so that a team
sees a neighbouring area's cross-boundary services too (refuges, hospital IDVAs: §11). Interventions given to a case
and its outcomes are casework: each read or write of one is one access decision and one audit entry. The API's
shapes of a menu item are at the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.business_dates import today
from wholeplace.cases.access import case_scope, checked_case
from wholeplace.cases.model import (
    Case,
    CaseIntervention,
    CaseOutcome,
    CaseStatus,
    Intervention,
    InterventionKind,
    OutcomeKind,
)
from wholeplace.cases.plans import LARGEST_ID, find_agency
from wholeplace.money import Money, MoneyError
from wholeplace.paging import Page, paginate
from wholeplace.partners.model import Organisation
from wholeplace.plain_text import clean_free_text, clean_name
from wholeplace.problems import AccessRefused, Conflict, InvalidInput, NotFound, Problem, Refusal
from wholeplace.sharing import access, rls
from wholeplace.sharing.model import DataCategory, Operation, Purpose

# Who keeps the menu: those who commission services and those who run the teams that use them.
CATALOGUE_EDITORS = frozenset({Role.ADMIN, Role.PROGRAMME, Role.TEAM_MANAGER})
MOST_UNITS = 10_000  # far past any one case's weeks of refuge or sessions of therapy


@dataclass(frozen=True)
class InterventionIn:
    name: str
    provider: str | int | None  # the providing partner: its identifier or id
    unit_cost: str  # in pounds as people write it: "£1,234.50"
    unit: str  # what the unit cost buys: "per case", "per week", "per session"
    kind: InterventionKind | str | None  # prevention or consequence (seed 002 §6)
    area_served: str
    crosses_boundaries: bool = False
    capacity: int | str | None = None  # places at any one time; None or "" when not limited
    description: str = ""


@dataclass(frozen=True)
class CaseRecord:
    """What a case was given and what it achieved, as its page shows them."""

    case: Case
    given: list[CaseIntervention]
    outcomes: list[CaseOutcome]

    @property
    def cost(self) -> Money:
        return Money.total(Money(item.intervention.unit_cost_pence) * item.units for item in self.given)


def require_editor(actor: Actor) -> None:
    if not actor.roles & CATALOGUE_EDITORS:
        reason = "Only an administrator, a programme manager or a team manager can add to the interventions"
        raise AccessRefused(reason, Refusal(actor, "interventions.add", "intervention", None, reason))


def add_intervention(session: Session, actor: Actor, details: InterventionIn) -> Intervention:
    """A service added to the menu; every problem with the details is reported at once and nothing is written."""
    require_editor(actor)
    problems: list[Problem] = []
    name, found = clean_name(details.name, where="name", label="Name", max_length=200)
    problems += found
    if name and session.scalar(select(Intervention.id).where(func.lower(Intervention.name) == name.lower())):
        problems.append(Problem("name", f"There is already an intervention called '{name}'"))
    provider = find_agency(session, details.provider, problems, "provider")
    cost = _unit_cost(details.unit_cost, problems)
    unit, found = clean_name(details.unit, where="unit", label="Unit", max_length=50)
    problems += [Problem("unit", "Say what the unit cost buys, like per week") if not unit else p for p in found]
    kind = _kind(details.kind, problems)
    area, found = clean_name(details.area_served, where="area_served", label="Area served", max_length=200)
    problems += found
    capacity = _capacity(details.capacity, problems)
    description, found = clean_free_text(details.description, where="description", label="Description", max_length=5000)
    problems += found
    if problems:
        raise InvalidInput(problems)
    assert provider is not None and cost is not None and kind is not None
    intervention = Intervention(
        name=name,
        description=description,
        provider_id=provider.id,
        unit_cost_pence=cost.pence,
        unit=unit,
        kind=kind,
        area_served=area,
        crosses_boundaries=details.crosses_boundaries,
        capacity=capacity,
    )
    session.add(intervention)
    session.flush()
    audit.record(session, actor, "intervention.added", object_type="intervention", object_id=intervention.id, name=name)
    return intervention


def _unit_cost(text: str, problems: list[Problem]) -> Money | None:
    if not text.strip():
        problems.append(Problem("unit_cost", "Enter the unit cost, like £1,234.50"))
        return None
    try:
        cost = Money.parse(text)
    except MoneyError as error:
        problems.append(Problem("unit_cost", str(error)))
        return None
    if cost.pence < 0:
        problems.append(Problem("unit_cost", "The unit cost must be £0.00 or more"))
        return None
    return cost


def _kind(given: InterventionKind | str | None, problems: list[Problem]) -> InterventionKind | None:
    try:
        return InterventionKind(given)
    except ValueError:
        problems.append(Problem("kind", "Say whether the intervention is prevention or deals with consequences"))
        return None


def _capacity(given: int | str | None, problems: list[Problem]) -> int | None:
    text = str(given).strip() if given is not None else ""
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        problems.append(Problem("capacity", "Capacity must be a whole number of places, 1 or more, or left empty"))
        return None
    return int(text)


def list_interventions(
    session: Session,
    actor: Actor,
    *,
    page: int,
    page_size: int,
    kind: InterventionKind | None = None,
    search: str | None = None,
) -> Page[Intervention]:
    """The menu by name; search matches name, provider's name, area and description."""
    provider = aliased(Organisation)
    statement = (
        select(Intervention)
        .join(provider, provider.id == Intervention.provider_id)
        .order_by(Intervention.name, Intervention.id)
    )
    if kind is not None:
        statement = statement.where(Intervention.kind == kind)
    if search and search.strip():
        pattern = f"%{search.strip().lower()}%"
        statement = statement.where(
            or_(
                func.lower(Intervention.name).like(pattern),
                func.lower(provider.name).like(pattern),
                func.lower(Intervention.area_served).like(pattern),
                func.lower(Intervention.description).like(pattern),
            )
        )
    return paginate(session, statement, page=page, page_size=page_size)


def all_interventions(session: Session) -> list[Intervention]:
    return list(session.scalars(select(Intervention).order_by(Intervention.name)))


def give_intervention(
    session: Session,
    actor: Actor,
    case_id: int,
    intervention_id: int | None,
    *,
    started_on: dt.date | None,
    units: int = 1,
    sessions_offered: int = 0,
) -> CaseIntervention:
    """An intervention from the menu given to a case from a day, for a number of its units."""
    problems: list[Problem] = []
    intervention = None
    if intervention_id is None or not 1 <= intervention_id <= LARGEST_ID:
        problems.append(Problem("intervention_id", "Choose an intervention from the menu"))
    elif (intervention := session.get(Intervention, intervention_id)) is None:
        problems.append(Problem("intervention_id", f"There is no intervention {intervention_id} on the menu"))
    if started_on is None:
        problems.append(Problem("started_on", "Enter the date the intervention started"))
    if not 1 <= units <= MOST_UNITS:
        problems.append(Problem("units", f"Units must be a whole number from 1 to {MOST_UNITS:,}"))
    if not 0 <= sessions_offered <= MOST_UNITS:
        problems.append(Problem("sessions_offered", "Sessions offered must be a whole number, 0 or more"))
    if problems:
        raise InvalidInput(problems)
    assert intervention is not None and started_on is not None
    case, _ = checked_case(
        session, actor, case_id, Purpose.CASE_MANAGEMENT, Operation.WRITE, record_type="case_intervention"
    )
    _open(case)
    given = CaseIntervention(
        case_id=case.id,
        intervention_id=intervention.id,
        started_on=started_on,
        units=units,
        sessions_offered=sessions_offered,
        achieved=None,
    )
    session.add(given)
    session.flush()
    audit.record(
        session,
        actor,
        "case.intervention_given",
        object_type="case_intervention",
        object_id=given.id,
        case_id=case.id,
        intervention=intervention.name,
    )
    return given


def record_attendance(
    session: Session, actor: Actor, given_id: int, *, sessions_offered: int, sessions_attended: int
) -> CaseIntervention:
    """How many sessions were offered and attended so far."""
    problems = []
    if not 0 <= sessions_offered <= MOST_UNITS:
        problems.append(Problem("sessions_offered", "Sessions offered must be a whole number, 0 or more"))
    if not 0 <= sessions_attended <= sessions_offered:
        problems.append(Problem("sessions_attended", "Sessions attended must be from 0 to the number offered"))
    if problems:
        raise InvalidInput(problems)
    given = _checked_given(session, actor, given_id)
    given.sessions_offered, given.sessions_attended = sessions_offered, sessions_attended
    session.flush()
    audit.record(
        session,
        actor,
        "case.intervention_attendance",
        object_type="case_intervention",
        object_id=given.id,
        offered=sessions_offered,
        attended=sessions_attended,
    )
    return given


def finish_intervention(
    session: Session,
    actor: Actor,
    given_id: int,
    *,
    ended_on: dt.date | None,
    achieved: bool | None,
    units: int | None = None,
) -> CaseIntervention:
    """The intervention ended on a day, achieving its aim or not, with the units delivered (if they changed)."""
    problems = []
    if ended_on is None:
        problems.append(Problem("ended_on", "Enter the date the intervention ended"))
    elif ended_on > today():
        problems.append(Problem("ended_on", "The date it ended must be today or in the past"))
    if achieved is None:
        problems.append(Problem("achieved", "Say whether the intervention achieved its aim"))
    if units is not None and not 1 <= units <= MOST_UNITS:
        problems.append(Problem("units", f"Units must be a whole number from 1 to {MOST_UNITS:,}"))
    if problems:
        raise InvalidInput(problems)
    assert ended_on is not None
    given = _checked_given(session, actor, given_id)
    if given.achieved is not None:
        raise Conflict("This intervention has already finished")
    if ended_on < given.started_on:
        raise InvalidInput([Problem("ended_on", "The intervention cannot end before it started")])
    given.ended_on, given.achieved = ended_on, achieved
    if units is not None:
        given.units = units
    session.flush()
    audit.record(
        session,
        actor,
        "case.intervention_finished",
        object_type="case_intervention",
        object_id=given.id,
        achieved=achieved,
        units=given.units,
    )
    return given


def _checked_given(session: Session, actor: Actor, given_id: int) -> CaseIntervention:
    rls.enter(session, actor)
    given = session.get(CaseIntervention, given_id)
    case = session.get(Case, given.case_id) if given is not None else None
    if given is None or case is None:
        raise NotFound(f"There is no intervention {given_id} on a case shared with your organisation")
    scope = case_scope(case, DataCategory.CASEWORK, record_type="case_intervention", record_id=given.id)
    access.require(session, actor, scope, Purpose.CASE_MANAGEMENT, Operation.WRITE)
    _open(case)
    return given


def _open(case: Case) -> None:
    if case.status is CaseStatus.CLOSED:
        raise Conflict(f"Case {case.reference} is closed; reopen it to record its interventions and outcomes")


def record_outcome(
    session: Session, actor: Actor, case_id: int, kind: OutcomeKind, achieved: bool | None, recorded_on: dt.date | None
) -> CaseOutcome:
    """Whether the case reached one of the shared outcomes; recording it again corrects it, the old answer kept
    in the audit trail."""
    problems = []
    if achieved is None:
        problems.append(Problem("achieved", "Say whether the outcome was achieved"))
    if recorded_on is None:
        problems.append(Problem("recorded_on", "Enter the date the outcome was known"))
    elif recorded_on > today():
        problems.append(Problem("recorded_on", "The date must be today or in the past"))
    if problems:
        raise InvalidInput(problems)
    assert achieved is not None and recorded_on is not None
    case, _ = checked_case(
        session, actor, case_id, Purpose.CASE_MANAGEMENT, Operation.WRITE, record_type="case_outcome"
    )
    _open(case)
    outcome = session.scalar(select(CaseOutcome).where(CaseOutcome.case_id == case.id, CaseOutcome.kind == kind))
    before = None if outcome is None else {"achieved": outcome.achieved, "recorded_on": outcome.recorded_on}
    if outcome is None:
        outcome = CaseOutcome(case_id=case.id, kind=kind, achieved=achieved, recorded_on=recorded_on)
        session.add(outcome)
    outcome.achieved, outcome.recorded_on, outcome.recorded_by = achieved, recorded_on, actor.label
    session.flush()
    audit.record(
        session,
        actor,
        "case.outcome_recorded",
        object_type="case_outcome",
        object_id=outcome.id,
        case_id=case.id,
        shared_outcome=kind.value,
        achieved=achieved,
        before=before,
    )
    return outcome


def case_record(session: Session, actor: Actor, case_id: int) -> CaseRecord:
    """The interventions given to a case and its outcomes, read as one casework record."""
    case, _ = checked_case(
        session, actor, case_id, Purpose.CASE_MANAGEMENT, Operation.READ, record_type="case_interventions"
    )
    given = session.scalars(
        select(CaseIntervention)
        .where(CaseIntervention.case_id == case.id)
        .order_by(CaseIntervention.started_on.desc(), CaseIntervention.id.desc())
    )
    outcomes = session.scalars(select(CaseOutcome).where(CaseOutcome.case_id == case.id).order_by(CaseOutcome.kind))
    return CaseRecord(case, list(given), list(outcomes))


class InterventionBody(BaseModel):
    """A service to add to the menu, as the API takes it."""

    name: str = Field(max_length=1000)
    provider: str = Field(max_length=200, description="The providing partner's identifier (or id)")
    unit_cost: str = Field(max_length=50, description='In pounds, as people write it: "£1,234.50"')
    unit: str = Field(max_length=1000, description='What the unit cost buys: "per week", "per session"')
    kind: InterventionKind
    area_served: str = Field(max_length=1000)
    crosses_boundaries: bool = False
    capacity: int | None = Field(default=None, ge=1, le=1_000_000, description="Places at any one time")
    description: str = Field(default="", max_length=20000)


class InterventionOut(BaseModel):
    id: int
    name: str
    description: str
    provider: str
    provider_identifier: str
    unit_cost: str  # pounds and pence, two decimals: "1234.50"
    unit: str
    kind: InterventionKind
    area_served: str
    crosses_boundaries: bool
    capacity: int | None

    @classmethod
    def of(cls, item: Intervention) -> InterventionOut:
        return cls(
            id=item.id,
            name=item.name,
            description=item.description,
            provider=item.provider.name,
            provider_identifier=item.provider.identifier,
            unit_cost=Money(item.unit_cost_pence).plain(),
            unit=item.unit,
            kind=item.kind,
            area_served=item.area_served,
            crosses_boundaries=item.crosses_boundaries,
            capacity=item.capacity,
        )
