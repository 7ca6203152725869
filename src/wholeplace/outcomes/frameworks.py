"""Defining a framework: its outcomes and their indicators, with baselines and targets by area and period,
from a YAML (or JSON) file, all or nothing. Loading a file again brings the framework up to date by code.

Every problem names the file and the key path (`outcomes[0].indicators[2].frequency`) and says what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor, require
from wholeplace.files.reader import NoAliasLoader
from wholeplace.outcomes.measurements import MAX_FIGURE, Lookup
from wholeplace.outcomes.model import Baseline, Framework, FrameworkOutcome, Indicator, Target
from wholeplace.outcomes.periods import Period, PeriodError, PeriodKind
from wholeplace.paging import Page, paginate
from wholeplace.partners.model import Organisation
from wholeplace.problems import InvalidInput, NotFound, Problem

Code = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$", description="lower case letters, digits and hyphens")


class AreaFigure(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area: str
    period: str
    value: Decimal = Field(gt=-MAX_FIGURE, lt=MAX_FIGURE)


class IndicatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    definition: str = ""
    numerator: str = ""
    denominator: str | None = None
    unit: str = Field(min_length=1, max_length=60)
    higher_is_better: bool
    source: str = ""
    owner: str | None = None
    frequency: Literal["year", "quarter", "month"]
    geographies: list[Literal["county", "district", "team"]] = ["county", "district"]
    on_track_within: Decimal = Field(default=Decimal(0), ge=0, le=1000)
    at_risk_within: Decimal = Field(default=Decimal(5), ge=0, le=1000)
    minimum_count: int | None = Field(default=None, ge=1, le=1_000_000)
    baselines: list[AreaFigure] = []
    targets: list[AreaFigure] = []


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    indicators: list[IndicatorIn] = []


class FrameworkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    source: str = ""
    owner: str | None = None
    outcomes: list[OutcomeIn] = Field(min_length=1)


def read_framework(text: str, filename: str) -> FrameworkIn:
    """The framework a file defines, or InvalidInput naming every problem by file and key path."""
    try:
        data = yaml.load(text, Loader=NoAliasLoader)  # the safe loader, refusing aliases
    except yaml.YAMLError as error:
        raise InvalidInput([Problem(filename, f"This is not YAML or JSON that can be read: {error}")]) from None
    try:
        return FrameworkIn.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(
            [Problem(f"{filename}, {_path(item['loc'])}", item["msg"]) for item in error.errors()]
        ) from None


def _path(loc: Sequence[object]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".") or "top level"


def load_framework(session: Session, actor: Actor, *, text: str, filename: str) -> Framework:
    """Create or bring up to date a framework from its file; nothing changes unless all of it is good."""
    require(actor, "outcomes.manage", object_type="framework")
    given = read_framework(text, filename)
    lookup = Lookup(session)
    owners = _organisations(session)
    problems = _problems(given, lookup, owners, filename) + _taken_codes(session, given, filename)
    if problems:
        raise InvalidInput(problems)
    framework = session.scalar(select(Framework).where(Framework.code == given.code)) or Framework(code=given.code)
    framework.name, framework.description, framework.source = given.name, given.description, given.source
    framework.organisation_id = owners[given.owner.lower()].id if given.owner else None
    session.add(framework)
    session.flush()
    existing = {outcome.name: outcome for outcome in framework.outcomes}
    for position, outcome_in in enumerate(given.outcomes, start=1):
        outcome = existing.get(outcome_in.name) or FrameworkOutcome(framework_id=framework.id, name=outcome_in.name)
        outcome.position, outcome.description = position, outcome_in.description
        session.add(outcome)
        session.flush()
        for indicator_in in outcome_in.indicators:
            _save_indicator(session, outcome, indicator_in, lookup, owners)
    session.flush()
    session.expire(framework)
    audit.record(session, actor, "framework.loaded", object_type="framework", object_id=framework.id, code=given.code)
    return framework


def _problems(given: FrameworkIn, lookup: Lookup, owners: dict[str, Organisation], filename: str) -> list[Problem]:
    problems = []
    if given.owner and given.owner.lower() not in owners:
        problems.append(Problem(f"{filename}, owner", f"'{given.owner}' is not a partner"))
    codes: set[str] = set()
    for o, outcome in enumerate(given.outcomes):
        for i, indicator in enumerate(outcome.indicators):
            where = f"{filename}, outcomes[{o}].indicators[{i}]"
            if indicator.code in codes:
                problems.append(Problem(f"{where}.code", f"The code {indicator.code} is given twice"))
            codes.add(indicator.code)
            if indicator.owner and indicator.owner.lower() not in owners:
                problems.append(Problem(f"{where}.owner", f"'{indicator.owner}' is not a partner"))
            if indicator.at_risk_within < indicator.on_track_within:
                problems.append(
                    Problem(f"{where}.at_risk_within", "The at-risk tolerance must be at least the on-track one")
                )
            for key, figures in (("baselines", indicator.baselines), ("targets", indicator.targets)):
                for f, figure in enumerate(figures):
                    problems += _figure_problems(figure, lookup, PeriodKind(indicator.frequency), f"{where}.{key}[{f}]")
            areas = [figure.area.lower() for figure in indicator.baselines]
            if len(areas) != len(set(areas)):
                problems.append(Problem(f"{where}.baselines", "Give one baseline per area"))
    return problems


def _taken_codes(session: Session, given: FrameworkIn, filename: str) -> list[Problem]:
    """An indicator code another framework holds is refused: loading this file must not take it over."""
    problems = []
    for o, outcome in enumerate(given.outcomes):
        for i, indicator in enumerate(outcome.indicators):
            held = session.scalar(select(Indicator).where(Indicator.code == indicator.code))
            if held is not None and held.outcome.framework.code != given.code:
                problems.append(
                    Problem(
                        f"{filename}, outcomes[{o}].indicators[{i}].code",
                        f"{indicator.code} is an indicator of {held.outcome.framework.name}: "
                        "give this one another code",
                    )
                )
    return problems


def _figure_problems(figure: AreaFigure, lookup: Lookup, kind: PeriodKind, where: str) -> list[Problem]:
    problems = []
    if lookup.area(figure.area) is None:
        problems.append(Problem(f"{where}.area", f"'{figure.area}' is not an area: give its ONS code or name"))
    try:
        period = Period.parse(figure.period)
    except PeriodError as error:
        problems.append(Problem(f"{where}.period", str(error)))
    else:
        if period.kind is not kind:
            problems.append(
                Problem(f"{where}.period", f"The indicator is measured by {kind.value}, not {period.kind.value}")
            )
    return problems


def _save_indicator(
    session: Session, outcome: FrameworkOutcome, given: IndicatorIn, lookup: Lookup, owners: dict[str, Organisation]
) -> None:
    indicator = session.scalar(select(Indicator).where(Indicator.code == given.code)) or Indicator(code=given.code)
    indicator.outcome_id = outcome.id
    for name in ("name", "definition", "numerator", "denominator", "unit", "higher_is_better", "source"):
        setattr(indicator, name, getattr(given, name))
    for name in ("on_track_within", "at_risk_within", "minimum_count"):
        setattr(indicator, name, getattr(given, name))
    indicator.frequency = PeriodKind(given.frequency)
    indicator.geographies = ",".join(given.geographies)
    indicator.organisation_id = owners[given.owner.lower()].id if given.owner else None
    session.add(indicator)
    session.flush()
    for figure in given.baselines:
        area, period = lookup.area(figure.area), Period.parse(figure.period)
        assert area is not None
        baseline = session.scalar(
            select(Baseline).where(Baseline.indicator_id == indicator.id, Baseline.area_id == area.id)
        ) or Baseline(indicator_id=indicator.id, area_id=area.id)
        baseline.period_start, baseline.period_kind, baseline.value = period.starts, period.kind, figure.value
        session.add(baseline)
    for figure in given.targets:
        area, period = lookup.area(figure.area), Period.parse(figure.period)
        assert area is not None
        target = session.scalar(
            select(Target).where(
                Target.indicator_id == indicator.id,
                Target.area_id == area.id,
                Target.period_start == period.starts,
                Target.period_kind == period.kind,
            )
        ) or Target(indicator_id=indicator.id, area_id=area.id, period_start=period.starts, period_kind=period.kind)
        target.value = figure.value
        session.add(target)


def _organisations(session: Session) -> dict[str, Organisation]:
    found: dict[str, Organisation] = {}
    for organisation in session.scalars(select(Organisation)):
        found[organisation.identifier.lower()] = found[organisation.name.lower()] = organisation
    return found


def list_frameworks(session: Session, actor: Actor) -> Sequence[Framework]:
    require(actor, "outcomes.view", object_type="framework")
    return session.scalars(select(Framework).order_by(Framework.name)).all()


def get_framework(session: Session, actor: Actor, framework_id: int) -> Framework:
    require(actor, "outcomes.view", object_type="framework", object_id=framework_id)
    framework = session.get(Framework, framework_id)
    if framework is None:
        raise NotFound(f"There is no framework {framework_id}")
    return framework


def get_indicator(session: Session, actor: Actor, indicator_id: int) -> Indicator:
    require(actor, "outcomes.view", object_type="indicator", object_id=indicator_id)
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound(f"There is no indicator {indicator_id}")
    return indicator


def list_indicators(session: Session, actor: Actor, *, page: int = 1, page_size: int = 50) -> Page[Indicator]:
    require(actor, "outcomes.view", object_type="indicator")
    return paginate(session, select(Indicator).order_by(Indicator.code), page=page, page_size=page_size)
