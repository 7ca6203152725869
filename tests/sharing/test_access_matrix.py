"""Every cell of the access matrix in docs/security.md, on SQLite and PostgreSQL: each role by relation by operation
by data category, for each purpose, decides as the document says, and each attempt leaves exactly one audit entry.

The expected outcomes are read from the document's tables, so the document and the code cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_organisation, make_user
from wholeplace.audit import AuditEntry, unit_of_work
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.cases.model import Case, CaseKind, CaseMember, CaseRole, Person
from wholeplace.partners.model import Organisation, OrganisationKind, Team, TeamMember
from wholeplace.problems import AccessRefused
from wholeplace.sharing import access
from wholeplace.sharing.access import Scope
from wholeplace.sharing.model import (
    AgreementParty,
    BreakGlass,
    Consent,
    ConsentStatus,
    DataCategory,
    Operation,
    Purpose,
    SharingAgreement,
)

SECURITY = Path(__file__).resolve().parents[2] / "docs" / "security.md"
RELATIONS = (
    "own team",
    "same organisation",
    "partner with agreement",
    "partner without agreement",
    "agreement expired",
    "consent withdrawn",
    "break-glass",
)
ROLE_NAMES = {role.value.replace("_", " "): role for role in Role}
CATEGORIES = tuple(DataCategory)
PURPOSE_HEADINGS = {
    "case management": Purpose.CASE_MANAGEMENT,
    "analysis": Purpose.ANALYSIS,
    "subject access": Purpose.SUBJECT_ACCESS,
}
CELLS_PER_PURPOSE = len(Role) * len(RELATIONS) * len(Operation) * len(DataCategory)


@dataclass(frozen=True)
class Expected:
    allowed: bool
    pseudonymised: bool
    rule: str


Cell = tuple[Purpose, Role, str, Operation, DataCategory]


def _categories(text: str) -> list[DataCategory]:
    if text == "all":
        return list(CATEGORIES)
    if text.startswith("all but "):
        return [category for category in CATEGORIES if category.value != text.removeprefix("all but ")]
    return [DataCategory(text)]


def _split(text: str, names: dict[str, object] | tuple[str, ...]) -> list[str]:
    parts = [part.strip() for part in text.split(",")]
    if parts == ["any"]:
        return list(names)
    unknown = [part for part in parts if part not in names]
    assert not unknown, f"docs/security.md names {unknown}, which the matrix does not know"
    return parts


def expected_matrix() -> dict[Cell, Expected]:
    """The matrix as docs/security.md writes it; every cell once, none missing."""
    matrix: dict[Cell, Expected] = {}
    purpose: Purpose | None = None
    for line in SECURITY.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"#### Purpose: (.+)", line)
        if heading:
            purpose = PURPOSE_HEADINGS[heading[1]]
            continue
        if purpose is None or not line.startswith("| ") or line.startswith("| roles") or line.startswith("|---"):
            continue
        roles, relations, operations, categories, outcome, rule = [cell.strip() for cell in line.strip("|").split("|")]
        expected = Expected(outcome.startswith("allowed"), "pseudonymised" in outcome, rule)
        for role, relation, operation, category in product(
            _split(roles, ROLE_NAMES),
            _split(relations, RELATIONS),
            [Operation(op) for op in _split(operations, ("read", "write"))],
            _categories(categories),
        ):
            cell = (purpose, ROLE_NAMES[role], relation, operation, category)
            assert cell not in matrix, f"docs/security.md gives {cell} twice"
            matrix[cell] = expected
    for purpose_named in PURPOSE_HEADINGS.values():
        written = sum(1 for cell in matrix if cell[0] is purpose_named)
        assert written == CELLS_PER_PURPOSE, f"{purpose_named}: {written} cells written, {CELLS_PER_PURPOSE} needed"
    return matrix


def test_the_document_gives_every_cell_exactly_once() -> None:
    assert len(expected_matrix()) == 3 * 8 * 7 * 2 * 5 == 1680


@dataclass(frozen=True)
class World:
    users: dict[Role, User]
    scopes: dict[str, dict[DataCategory, Scope]]


def _case(session: Session, organisation: Organisation, team: Team, name: str) -> tuple[Case, Person]:
    person = Person(
        pseudonym=f"P-{organisation.id}-{team.id}",
        given_name=name,
        family_name="Synthetic",
        organisation_id=organisation.id,
    )
    session.add(person)
    session.flush()
    case = Case(
        reference=f"DA-{organisation.id}-{team.id}",
        kind=CaseKind.DOMESTIC_ABUSE_VICTIM,
        organisation_id=organisation.id,
        team_id=team.id,
        opened_on=dt.date(2026, 1, 5),
        members=[CaseMember(person_id=person.id, role=CaseRole.VICTIM)],
    )
    session.add(case)
    session.flush()
    return case, person


def _agreement(
    session: Session, ours: Organisation, theirs: Organisation, *, ended: bool = False, consent: bool = False
) -> None:
    today = dt.date.today()
    agreement = SharingAgreement(
        title=f"{ours.name} and {theirs.name}",
        purposes=",".join(purpose.value for purpose in Purpose),
        categories=",".join(c.value for c in DataCategory if c is not DataCategory.OFFENDING),
        lawful_basis="Crime and Disorder Act 1998 s115; UK GDPR art. 6(1)(e) and 9(2)(g)",
        dpia_reference="DPIA-SYN-1",
        starts_on=today - dt.timedelta(days=400),
        ends_on=today - dt.timedelta(days=1) if ended else None,
        needs_consent=consent,
        created_by="test",
        parties=[AgreementParty(organisation_id=ours.id), AgreementParty(organisation_id=theirs.id)],
    )
    session.add(agreement)
    session.flush()


def build_world(session: Session) -> World:
    """The user's partner with two teams, and five other partners, one for each relation beyond it."""
    home = make_organisation(session, "Synthetic Council", "XX-SYN-HOME", OrganisationKind.UNITARY_AUTHORITY)
    partners = {
        relation: make_organisation(session, f"Synthetic {relation}", f"XX-SYN-{n}", OrganisationKind.VOLUNTARY_SECTOR)
        for n, relation in enumerate(RELATIONS[2:])
    }
    own, other = Team(organisation_id=home.id, name="Own team"), Team(organisation_id=home.id, name="Other team")
    teams = {relation: Team(organisation_id=org.id, name="Their team") for relation, org in partners.items()}
    session.add_all([own, other, *teams.values()])
    session.flush()
    users = {}
    for role in Role:
        users[role] = make_user(session, role, email=f"{role.value}@home.example", organisation=home)
        session.add(TeamMember(team_id=own.id, user_id=users[role].id))
    _agreement(session, home, partners["partner with agreement"])
    _agreement(session, home, partners["agreement expired"], ended=True)
    _agreement(session, home, partners["consent withdrawn"], consent=True)
    held = {"own team": (home, own), "same organisation": (home, other)}
    held |= {relation: (org, teams[relation]) for relation, org in partners.items()}
    scopes: dict[str, dict[DataCategory, Scope]] = {}
    for relation, (organisation, team) in held.items():
        case, person = _case(session, organisation, team, relation.replace(" ", "-"))
        scopes[relation] = {
            category: Scope("case", case.id, organisation.id, team.id, category, case.id, (person.id,))
            for category in CATEGORIES
        }
        if relation == "consent withdrawn":
            for status, day in ((ConsentStatus.GIVEN, 30), (ConsentStatus.WITHDRAWN, 2)):
                session.add(
                    Consent(
                        person_id=person.id,
                        status=status,
                        purposes=",".join(p.value for p in Purpose),
                        recorded_on=dt.date.today() - dt.timedelta(days=day),
                        recorded_by="test",
                    )
                )
        if relation == "break-glass":
            for user in users.values():
                session.add(
                    BreakGlass(
                        user_id=user.id,
                        case_id=case.id,
                        reason="Police at the door, child at risk",
                        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=4),
                    )
                )
    session.flush()
    return World(users, scopes)


def _entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


@pytest.mark.parametrize("purpose", list(PURPOSE_HEADINGS.values()), ids=lambda purpose: purpose.value)
def test_every_cell_decides_as_documented_and_leaves_one_audit_entry(session: Session, purpose: Purpose) -> None:
    matrix = expected_matrix()
    world = build_world(session)
    walked, mismatches = 0, []
    for role, relation, operation, category in product(Role, RELATIONS, Operation, CATEGORIES):
        expected = matrix[(purpose, role, relation, operation, category)]
        before = _entries(session)
        decision = access.decide(
            session, Actor.of(world.users[role]), world.scopes[relation][category], purpose, operation
        )
        walked += 1
        got = Expected(decision.allowed, decision.pseudonymised, decision.rule)
        if got != expected:
            mismatches.append(f"{role.value} / {relation} / {operation.value} / {category.value}: {got} != {expected}")
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert _entries(session) == before + 1
        assert entry is not None and entry.action == f"casework.{operation.value}" and entry.purpose == purpose.value
        assert entry.outcome == ("allowed" if decision.allowed else "refused")
        assert f'"rule": "{decision.rule}"' in entry.detail
    assert walked == CELLS_PER_PURPOSE == 560
    assert not mismatches, "\n".join(mismatches)


def test_a_refusal_through_require_survives_the_rollback_as_one_entry(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        world = build_world(session)
        officer = Actor.of(world.users[Role.KEY_WORKER])
        before = _entries(session)
    refused = world.scopes["partner without agreement"][DataCategory.RISK]
    with pytest.raises(AccessRefused, match="No information sharing agreement"), unit_of_work(sessions) as session:
        access.require(session, officer, refused, Purpose.CASE_MANAGEMENT, Operation.READ)
    with unit_of_work(sessions) as session:
        access.require(
            session, officer, world.scopes["own team"][DataCategory.RISK], Purpose.CASE_MANAGEMENT, Operation.WRITE
        )
    with sessions() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq)).all()
        assert [(e.action, e.outcome, e.purpose) for e in entries] == [
            ("casework.read", "refused", "case_management"),
            ("casework.write", "allowed", "case_management"),
        ]
        assert '"rule": "no-agreement"' in entries[0].detail


def test_a_victims_contact_details_are_withheld_from_a_team_working_with_the_perpetrator(session: Session) -> None:
    world = build_world(session)
    key_worker = Actor.of(world.users[Role.KEY_WORKER])
    own_team = world.scopes["own team"][DataCategory.CONTACT].team_id
    assert own_team is not None
    contact = world.scopes["own team"][DataCategory.CONTACT]
    protected = Scope(**{**contact.__dict__, "protected_from_team_ids": frozenset({own_team})})
    identity = Scope(**{**protected.__dict__, "category": DataCategory.IDENTITY})
    refused = access.decide(session, key_worker, protected, Purpose.CASE_MANAGEMENT, Operation.READ)
    assert (refused.allowed, refused.rule) == (False, "victim-contact-withheld")
    assert access.decide(session, key_worker, identity, Purpose.CASE_MANAGEMENT, Operation.READ).allowed


def test_consent_follows_the_person_when_their_case_moves_to_another_partner(session: Session) -> None:
    world = build_world(session)
    key_worker = Actor.of(world.users[Role.KEY_WORKER])
    needs_consent = world.scopes["consent withdrawn"][DataCategory.RISK]
    agreed = world.scopes["partner with agreement"][DataCategory.RISK]
    (person,) = agreed.person_ids
    session.add(
        Consent(
            person_id=person,
            status=ConsentStatus.GIVEN,
            purposes=Purpose.CASE_MANAGEMENT.value,
            recorded_on=dt.date.today(),
            recorded_by="test",
        )
    )
    session.flush()
    # the person's case moves to the partner whose agreement needs consent: the consent they gave goes with them
    moved = Scope(**{**needs_consent.__dict__, "person_ids": (person,)})
    assert access.decide(session, key_worker, moved, Purpose.CASE_MANAGEMENT, Operation.READ).rule == "agreement"
    # the person who withdrew stays refused there, and a purpose their consent does not cover is refused too
    assert access.decide(session, key_worker, needs_consent, Purpose.CASE_MANAGEMENT, Operation.READ).rule == (
        "consent-not-given"
    )
    assert access.decide(session, key_worker, moved, Purpose.SAFEGUARDING, Operation.READ).rule == "consent-not-given"
