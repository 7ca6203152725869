"""Use cases for partner organisations and areas; each takes the session and the Actor first."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor, require
from wholeplace.paging import Page, paginate
from wholeplace.partners.engine import OrganisationDraft, check_organisation, read_partners_csv
from wholeplace.partners.model import Area, Organisation, OrganisationKind
from wholeplace.problems import InvalidInput, NotFound, Problem


def list_organisations(
    session: Session,
    actor: Actor,
    *,
    page: int = 1,
    page_size: int = 50,
    kind: OrganisationKind | None = None,
    search: str | None = None,
) -> Page[Organisation]:
    require(actor, "partners.view", object_type="organisation")
    statement = select(Organisation).order_by(Organisation.name)
    if kind is not None:
        statement = statement.where(Organisation.kind == kind)
    if search and search.strip():
        pattern = f"%{search.strip()}%"
        statement = statement.where(or_(Organisation.name.ilike(pattern), Organisation.identifier.ilike(pattern)))
    return paginate(session, statement, page=page, page_size=page_size)


def organisation_choices(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """Every partner's identifier and name, for a choice of one: a list to pick from must not stop at a page."""
    require(actor, "partners.view", object_type="organisation")
    return [
        (identifier, name)
        for identifier, name in session.execute(
            select(Organisation.identifier, Organisation.name).order_by(Organisation.name)
        )
    ]


def ids_by_name(session: Session, actor: Actor, names: Collection[str]) -> dict[str, int]:
    """The ids of the partners with these names (for links from a statement that names them)."""
    require(actor, "partners.view", object_type="organisation")
    rows = session.execute(select(Organisation.name, Organisation.id).where(Organisation.name.in_(list(names))))
    return {name: organisation_id for name, organisation_id in rows}


def get_organisation(session: Session, actor: Actor, organisation_id: int) -> Organisation:
    require(actor, "partners.view", object_type="organisation", object_id=organisation_id)
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"There is no partner organisation {organisation_id}")
    return organisation


def children_of(session: Session, actor: Actor, organisation_id: int) -> list[Organisation]:
    require(actor, "partners.view", object_type="organisation", object_id=organisation_id)
    return list(
        session.scalars(
            select(Organisation).where(Organisation.parent_id == organisation_id).order_by(Organisation.name)
        )
    )


def list_areas(session: Session, actor: Actor) -> list[Area]:
    require(actor, "partners.view", object_type="area")
    return list(session.scalars(select(Area).order_by(Area.name)))


def create_organisation(session: Session, actor: Actor, values: Mapping[str, str | None]) -> Organisation:
    """Add a partner from form, API or CLI values; InvalidInput names each field at fault."""
    require(actor, "partners.edit", object_type="organisation")
    draft = _checked(values)
    organisation = Organisation()
    _apply(session, organisation, draft, where="")
    session.add(organisation)
    session.flush()
    audit.record(
        session,
        actor,
        "organisation.created",
        object_type="organisation",
        object_id=organisation.id,
        identifier=draft.identifier,
        name=draft.name,
    )
    return organisation


def update_organisation(
    session: Session, actor: Actor, organisation_id: int, changes: Mapping[str, str | None]
) -> Organisation:
    """Change some of a partner's details; fields not given keep their value."""
    require(actor, "partners.edit", object_type="organisation", object_id=organisation_id)
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"There is no partner organisation {organisation_id}")
    before = _values_of(organisation)
    draft = _checked({**before, **changes})
    _apply(session, organisation, draft, where="")
    session.flush()
    changed = {
        field: [before[field], value] for field, value in _values_of(organisation).items() if before[field] != value
    }
    audit.record(
        session, actor, "organisation.updated", object_type="organisation", object_id=organisation.id, changed=changed
    )
    return organisation


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int


def import_organisations(session: Session, actor: Actor, *, text: str, filename: str) -> ImportReport:
    """Create or update partners from a CSV, all or nothing: any problem in any row changes nothing."""
    require(actor, "partners.edit", object_type="organisation")
    drafts, problems = read_partners_csv(text, filename)
    problems += _reference_problems(session, drafts, filename)
    if problems:
        raise InvalidInput(problems)
    existing = {org.identifier: org for org in session.scalars(select(Organisation))}
    created = updated = 0
    # Parents first, so that a row may name a parent that appears further down the file.
    for _row, draft in drafts:
        organisation = existing.get(draft.identifier)
        if organisation is None:
            organisation = existing[draft.identifier] = Organisation()
            session.add(organisation)
            created += 1
        else:
            updated += 1
        organisation.identifier, organisation.name, organisation.kind = draft.identifier, draft.name, draft.kind
    session.flush()
    for row, draft in drafts:
        _apply(session, existing[draft.identifier], draft, where=f"{filename}, row {row}, ")
    session.flush()
    audit.record(
        session,
        actor,
        "organisations.imported",
        object_type="organisation",
        filename=filename,
        created=created,
        updated=updated,
    )
    return ImportReport(created, updated)


def _checked(values: Mapping[str, str | None]) -> OrganisationDraft:
    draft, problems = check_organisation(values)
    if draft is None:
        raise InvalidInput(problems)
    return draft


def _values_of(organisation: Organisation) -> dict[str, str | None]:
    return {
        "identifier": organisation.identifier,
        "name": organisation.name,
        "kind": organisation.kind.value if organisation.kind else None,
        "parent_identifier": organisation.parent.identifier if organisation.parent else None,
        "area_code": organisation.area.code if organisation.area else None,
    }


def _apply(session: Session, organisation: Organisation, draft: OrganisationDraft, *, where: str) -> None:
    """Set an organisation's fields from a checked draft, resolving parent and area by their codes."""
    problems = []
    clash = session.scalar(
        select(Organisation).where(
            or_(Organisation.identifier == draft.identifier, Organisation.name == draft.name),
            Organisation.id != organisation.id if organisation.id else True,
        )
    )
    if clash is not None:
        field = "identifier" if clash.identifier == draft.identifier else "name"
        value = draft.identifier if field == "identifier" else draft.name
        problems.append(Problem(f"{where}{field}", f"{value} is already used by another partner"))
    parent = None
    if draft.parent_identifier:
        parent = session.scalar(select(Organisation).where(Organisation.identifier == draft.parent_identifier))
        if parent is None:
            problems.append(
                Problem(f"{where}parent_identifier", f"There is no partner with identifier {draft.parent_identifier}")
            )
        elif organisation.id is not None and _is_descendant(parent, organisation.id):
            problems.append(
                Problem(
                    f"{where}parent_identifier",
                    f"{parent.name} is part of this organisation, so it cannot be its parent",
                )
            )
    area = None
    if draft.area_code:
        area = session.scalar(select(Area).where(Area.code == draft.area_code))
        if area is None:
            problems.append(Problem(f"{where}area_code", f"There is no area with ONS code {draft.area_code}"))
    if problems:
        raise InvalidInput(problems)
    organisation.identifier = draft.identifier
    organisation.name = draft.name
    organisation.kind = draft.kind
    organisation.parent = parent
    organisation.area = area


def _is_descendant(candidate: Organisation, ancestor_id: int) -> bool:
    node: Organisation | None = candidate
    while node is not None:
        if node.id == ancestor_id:
            return True
        node = node.parent
    return False


def _reference_problems(
    session: Session, drafts: Sequence[tuple[int, OrganisationDraft]], filename: str
) -> list[Problem]:
    """Parents and areas that exist neither in the file nor in the database; names used twice."""
    known_identifiers = set(session.scalars(select(Organisation.identifier))) | {d.identifier for _, d in drafts}
    known_areas = set(session.scalars(select(Area.code)))
    names_in_db = dict(session.execute(select(Organisation.name, Organisation.identifier)).all())
    problems = []
    first_row_of_name: dict[str, int] = {}
    for row, draft in drafts:
        where = f"{filename}, row {row}, column"
        if draft.parent_identifier and draft.parent_identifier not in known_identifiers:
            problems.append(
                Problem(
                    f"{where} 'parent_identifier'", f"There is no partner with identifier {draft.parent_identifier}"
                )
            )
        if draft.area_code and draft.area_code not in known_areas:
            problems.append(Problem(f"{where} 'area_code'", f"There is no area with ONS code {draft.area_code}"))
        if draft.name in first_row_of_name:
            problems.append(
                Problem(f"{where} 'name'", f"{draft.name} is already on row {first_row_of_name[draft.name]}")
            )
        elif names_in_db.get(draft.name, draft.identifier) != draft.identifier:
            problems.append(
                Problem(f"{where} 'name'", f"{draft.name} is already the name of partner {names_in_db[draft.name]}")
            )
        first_row_of_name.setdefault(draft.name, row)
    return problems
