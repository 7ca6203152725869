"""Use cases of stored business cases: add one, save a new version, list, read, appraise, compare versions.

A case is saved only if its file reads without a problem and appraises; every problem names the line and
key, and nothing is stored. Saving a version names the version it was edited from, so two people editing
at once cannot overwrite each other's work unseen.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.appraisal import engine
from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.model import BusinessCase, BusinessCaseVersion
from wholeplace.auth.actor import Actor, require
from wholeplace.money import LARGEST_POUNDS, FinancialYear, Money
from wholeplace.paging import Page, paginate
from wholeplace.partners.model import Organisation
from wholeplace.problems import AccessRefused, Conflict, InvalidInput, NotFound, Problem, Refusal

SOURCE_NAME = "case file"  # how problems name the text a user typed or uploaded


@dataclass(frozen=True)
class Appraised:
    """A version read back into a case and appraised."""

    version: BusinessCaseVersion
    case: engine.Case
    appraisal: engine.Appraisal


def read_source(source: str) -> engine.Case:
    """The case in a file's text, or InvalidInput with every problem, each naming line and key path."""
    if not source.strip():
        raise InvalidInput([Problem(SOURCE_NAME, "The case file is empty: paste or upload a case in YAML or JSON")])
    case, problems = read_case(source, SOURCE_NAME)
    if problems:
        raise InvalidInput(problems)
    assert case is not None
    if problems := figures_past_the_largest(engine.appraise(case)):
        raise InvalidInput(problems)
    return case


def figures_past_the_largest(results: engine.Appraisal) -> list[Problem]:
    """The present values a service can keep are at most £10 trillion (`money.LARGEST_POUNDS`), as amounts read are:
    a cohort of millions times a unit value of billions would otherwise overflow the stored figures."""
    largest = Money(LARGEST_POUNDS * 100)
    figures = (("Present value of costs", results.pv_costs), ("Present value of benefits", results.pv_benefits_total))
    return [
        Problem(SOURCE_NAME, f"{label} comes to {amount}, more than {largest}: check the amounts, people and values")
        for label, amount in figures
        if abs(amount.pence) > largest.pence
    ]


def add_case(session: Session, actor: Actor, *, source: str, note: str = "") -> BusinessCase:
    """A new business case whose first version is this file."""
    require(actor, "business_cases.edit", object_type="business_case")
    case = read_source(source)
    business_case = BusinessCase(name=case.name, created_by=actor.label, organisation_id=actor.organisation_id)
    session.add(business_case)
    version = _version(business_case, 1, source, note, case, actor)
    session.flush()
    audit.record(
        session, actor, "business_case.added", object_type="business_case", object_id=business_case.id, name=case.name
    )
    assert version.number == 1
    return business_case


def save_version(
    session: Session, actor: Actor, *, case_id: int, source: str, based_on: int, note: str = ""
) -> BusinessCaseVersion:
    """A new version of the case, edited from version `based_on`; refused if someone saved another since."""
    require(actor, "business_cases.edit", object_type="business_case", object_id=case_id)
    business_case = _get(session, case_id)
    check_may_edit(session, business_case, actor)
    current = business_case.current
    if based_on != current.number:
        raise Conflict(
            f"Version {current.number} was saved by {current.created_by} after the version {based_on} you edited. "
            "Open the case again, and make your change to the newest version"
        )
    if source == current.source:
        raise InvalidInput([Problem("source", f"Nothing has changed since version {current.number}")])
    case = read_source(source)
    business_case.name = case.name
    version = _version(business_case, current.number + 1, source, note, case, actor)
    session.flush()
    audit.record(
        session,
        actor,
        "business_case.version_saved",
        object_type="business_case",
        object_id=case_id,
        version=version.number,
    )
    return version


def why_not_edit(session: Session, business_case: BusinessCase, actor: Actor) -> str | None:
    """Why this user may not change the case, or None: only users of the partner that added it, or of a
    partner the case itself names, may. The console (no user) may always."""
    if actor.user_id is None or actor.organisation_id == business_case.organisation_id:
        return None
    organisation = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    if organisation is not None and organisation.name in engine.case_partners(
        read_source(business_case.current.source)
    ):
        return None
    owner = business_case.organisation.name if business_case.organisation else "the partners it names"
    return f"{business_case.name} belongs to {owner}: only their users can change it"


def check_may_edit(session: Session, business_case: BusinessCase, actor: Actor) -> None:
    """Refuse (and audit) a user who may not change this case; see `why_not_edit`."""
    require(actor, "business_cases.edit", object_type="business_case", object_id=business_case.id)
    if (reason := why_not_edit(session, business_case, actor)) is not None:
        refusal = Refusal(actor, "business_cases.edit", "business_case", str(business_case.id), reason)
        raise AccessRefused(reason, refusal)


def _version(
    business_case: BusinessCase, number: int, source: str, note: str, case: engine.Case, actor: Actor
) -> BusinessCaseVersion:
    results = engine.appraise(case)
    version = BusinessCaseVersion(
        number=number,
        source=source,
        note=note.strip(),
        pv_costs_pence=results.pv_costs.pence,
        pv_benefits_pence=results.pv_benefits_total.pence,
        npv_fiscal_pence=results.npv_fiscal.pence,
        npv_total_pence=results.npv_total.pence,
        bcr=None if results.bcr is None else format(results.bcr, "f"),
        payback_year=results.payback_year.start_year if results.payback_year else None,
        created_by=actor.label,
    )
    business_case.versions.append(version)
    return version


def _get(session: Session, case_id: int) -> BusinessCase:
    business_case = session.get(BusinessCase, case_id)
    if business_case is None:
        raise NotFound(f"There is no business case {case_id}")
    return business_case


def get_case(session: Session, actor: Actor, case_id: int) -> BusinessCase:
    require(actor, "business_cases.view", object_type="business_case", object_id=case_id)
    return _get(session, case_id)


def list_cases(session: Session, actor: Actor, *, page: int = 1, page_size: int = 50) -> Page[BusinessCase]:
    require(actor, "business_cases.view", object_type="business_case")
    statement = select(BusinessCase).order_by(BusinessCase.name, BusinessCase.id)
    return paginate(session, statement, page=page, page_size=page_size)


def all_cases(session: Session, actor: Actor) -> list[BusinessCase]:
    """Every business case, by name: the portfolio rolls up all of them."""
    require(actor, "business_cases.view", object_type="business_case")
    return list(session.scalars(select(BusinessCase).order_by(BusinessCase.name, BusinessCase.id)))


def get_version(business_case: BusinessCase, number: int | None) -> BusinessCaseVersion:
    """Version `number` of the case, or the current one when none is asked for."""
    if number is None:
        return business_case.current
    for version in business_case.versions:
        if version.number == number:
            return version
    raise NotFound(
        f"Business case {business_case.id} has no version {number}: it has 1 to {business_case.current.number}"
    )


def appraise_version(version: BusinessCaseVersion) -> Appraised:
    case = read_source(version.source)
    return Appraised(version, case, engine.appraise(case))


# Comparing two versions


@dataclass(frozen=True)
class FigureChange:
    label: str
    before: str
    after: str
    changed: bool


@dataclass(frozen=True)
class SourceLine:
    """A line of the unified diff of two case files: `kind` is 'added', 'removed', 'same' or 'gap'."""

    kind: str
    text: str
    before_number: int | None
    after_number: int | None


@dataclass(frozen=True)
class VersionDiff:
    before: BusinessCaseVersion
    after: BusinessCaseVersion
    figures: tuple[FigureChange, ...]
    lines: tuple[SourceLine, ...]

    @property
    def inputs_changed(self) -> bool:
        return any(line.kind in ("added", "removed") for line in self.lines)


def compare(business_case: BusinessCase, before: int, after: int) -> VersionDiff:
    """What changed between two versions: the lines of the case file, and the headline figures."""
    old, new = get_version(business_case, before), get_version(business_case, after)
    return VersionDiff(old, new, tuple(_figure_changes(old, new)), tuple(_source_lines(old.source, new.source)))


def headline_figures(version: BusinessCaseVersion) -> dict[str, str]:
    """The figures a version recorded when it was saved, as shown to people."""
    payback = version.payback_year
    return {
        "Present value of costs": str(Money(version.pv_costs_pence)),
        "Present value of benefits": str(Money(version.pv_benefits_pence)),
        "Net present value, fiscal": str(Money(version.npv_fiscal_pence)),
        "Net present value, public value": str(Money(version.npv_total_pence)),
        "Benefit-cost ratio": version.bcr or "none (no costs)",
        "Discounted payback year": str(FinancialYear(payback)) if payback is not None else "not within the period",
    }


def _figure_changes(old: BusinessCaseVersion, new: BusinessCaseVersion) -> list[FigureChange]:
    before, after = headline_figures(old), headline_figures(new)
    return [FigureChange(label, before[label], after[label], before[label] != after[label]) for label in before]


def _source_lines(old: str, new: str, context: int = 3) -> list[SourceLine]:
    lines: list[SourceLine] = []
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for group_number, group in enumerate(matcher.get_grouped_opcodes(context)):
        if group_number:
            lines.append(SourceLine("gap", "", None, None))
        for tag, old_start, old_end, new_start, new_end in group:
            if tag == "equal":
                lines += [
                    SourceLine("same", old_lines[i], i + 1, new_start + i - old_start + 1)
                    for i in range(old_start, old_end)
                ]
                continue
            lines += [SourceLine("removed", old_lines[i], i + 1, None) for i in range(old_start, old_end)]
            lines += [SourceLine("added", new_lines[j], None, j + 1) for j in range(new_start, new_end)]
    return lines
