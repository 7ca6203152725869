"""Every cell of the access matrix, on SQLite and PostgreSQL: each role by relation by operation by data category,
for each purpose, decides as the table below says, and each attempt leaves exactly one audit entry.

The table is written out here, row for row as docs/security.md prints it (a test checks the two say the same),
never computed from the code under test. A row may be marked `defect=True` (and † in the document) for an answer
the design asks and the code does not give yet; there are none now.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, replace
from itertools import product
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_organisation, make_user
from wholeplace.audit import AuditEntry, unit_of_work
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
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

# Where the record is held, seen from the user (a member of "own team" in the home partner).
OWN = "own team"
SAME = "same organisation"  # another team of the user's partner
AGREED = "partner with agreement"  # in force, all purposes, every category but offending, no consent needed
NO_AGREEMENT = "partner without agreement"
EXPIRED = "agreement expired"  # as AGREED, but it ended yesterday
WITHDRAWN = "consent withdrawn"  # as AGREED, but it needs consent and the person's newest record withdraws it
GLASS = "break-glass"  # a partner without agreement, whose case the user opened by break-glass (4 hours)
RELATIONS = (OWN, SAME, AGREED, NO_AGREEMENT, EXPIRED, WITHDRAWN, GLASS)
ANY = RELATIONS
HOME = (OWN, SAME)
PARTNERS = (AGREED, NO_AGREEMENT, EXPIRED, WITHDRAWN, GLASS)

CASEWORKERS = (Role.KEY_WORKER, Role.TEAM_MANAGER)
NO_CASEWORK = (Role.ADMIN, Role.FINANCE, Role.PROGRAMME, Role.DECISION_MAKER, Role.VIEWER)
ALL_BUT_ANALYST = (*CASEWORKERS, *NO_CASEWORK)
ALL_BUT_ADMIN = (*CASEWORKERS, Role.ANALYST, Role.FINANCE, Role.PROGRAMME, Role.DECISION_MAKER, Role.VIEWER)

READ, WRITE = (Operation.READ,), (Operation.WRITE,)
READ_WRITE = (Operation.READ, Operation.WRITE)

IDENTITY, CONTACT, RISK, CASEWORK, OFFENDING = (
    DataCategory.IDENTITY,
    DataCategory.CONTACT,
    DataCategory.RISK,
    DataCategory.CASEWORK,
    DataCategory.OFFENDING,
)
ALL = (IDENTITY, CONTACT, RISK, CASEWORK, OFFENDING)
SHARED = (IDENTITY, CONTACT, RISK, CASEWORK)  # what the agreements cover: all but offending
ANALYSABLE = (IDENTITY, RISK, CASEWORK, OFFENDING)  # all but contact
SHARED_ANALYSABLE = (IDENTITY, RISK, CASEWORK)
MATCHING = (IDENTITY, CONTACT)  # who a person is and where they live


@dataclass(frozen=True)
class Expected:
    allowed: bool
    rule: str
    pseudonymised: bool = False


def allowed(rule: str, *, pseudonymised: bool = False) -> Expected:
    return Expected(True, rule, pseudonymised)


def refused(rule: str) -> Expected:
    return Expected(False, rule)


@dataclass(frozen=True)
class Row:
    roles: tuple[Role, ...]
    relations: tuple[str, ...]
    operations: tuple[Operation, ...]
    categories: tuple[DataCategory, ...]
    outcome: Expected
    defect: bool = False  # the design's answer, which the code does not give yet (marked † in the document)


MATRIX: dict[Purpose, tuple[Row, ...]] = {
    Purpose.CASE_MANAGEMENT: (
        Row(CASEWORKERS, (OWN,), READ_WRITE, ALL, allowed("own-team")),
        Row(CASEWORKERS, (SAME,), READ, ALL, allowed("same-organisation")),
        Row((Role.KEY_WORKER,), (SAME,), WRITE, ALL, refused("other-team-write")),
        Row((Role.TEAM_MANAGER,), (SAME,), WRITE, ALL, allowed("same-organisation-manager")),
        Row(CASEWORKERS, (AGREED,), READ, SHARED, allowed("agreement")),
        Row(CASEWORKERS, (AGREED,), WRITE, SHARED, refused("agreement-read-only")),
        Row(CASEWORKERS, (AGREED, EXPIRED, WITHDRAWN), READ_WRITE, (OFFENDING,), refused("no-agreement")),
        Row(CASEWORKERS, (NO_AGREEMENT,), READ_WRITE, ALL, refused("no-agreement")),
        Row(CASEWORKERS, (EXPIRED,), READ_WRITE, SHARED, refused("agreement-expired")),
        Row(CASEWORKERS, (WITHDRAWN,), READ_WRITE, SHARED, refused("consent-not-given")),
        Row(CASEWORKERS, (GLASS,), READ, ALL, allowed("break-glass")),
        Row(CASEWORKERS, (GLASS,), WRITE, ALL, refused("no-agreement")),
        Row((Role.ANALYST,), ANY, READ_WRITE, ALL, refused("analyst-pseudonymised-only")),
        Row(NO_CASEWORK, ANY, READ_WRITE, ALL, refused("no-casework-role")),
    ),
    Purpose.ANALYSIS: (
        Row((Role.ANALYST,), HOME, READ, ANALYSABLE, allowed("analyst-pseudonymised", pseudonymised=True)),
        Row((Role.ANALYST,), (AGREED,), READ, SHARED_ANALYSABLE, allowed("analyst-pseudonymised", pseudonymised=True)),
        Row((Role.ANALYST,), ANY, READ, (CONTACT,), refused("analysis-no-contact")),
        Row((Role.ANALYST,), (NO_AGREEMENT, GLASS), READ, ANALYSABLE, refused("no-agreement")),
        Row((Role.ANALYST,), (AGREED, EXPIRED, WITHDRAWN), READ, (OFFENDING,), refused("no-agreement")),
        Row((Role.ANALYST,), (EXPIRED,), READ, SHARED_ANALYSABLE, refused("agreement-expired")),
        Row((Role.ANALYST,), (WITHDRAWN,), READ, SHARED_ANALYSABLE, refused("consent-not-given")),
        Row((Role.ANALYST,), ANY, WRITE, ALL, refused("analysis-read-only")),
        Row(ALL_BUT_ANALYST, ANY, READ_WRITE, ALL, refused("analysis-analysts-only")),
    ),
    Purpose.DATA_MATCHING: (
        Row((Role.ANALYST,), HOME, READ, MATCHING, allowed("data-matching")),
        Row((Role.ANALYST,), (AGREED,), READ, MATCHING, allowed("data-matching")),
        Row((Role.ANALYST,), ANY, READ, (RISK, CASEWORK, OFFENDING), refused("data-matching-identity-only")),
        Row((Role.ANALYST,), (NO_AGREEMENT, GLASS), READ, MATCHING, refused("no-agreement")),
        Row((Role.ANALYST,), (EXPIRED,), READ, MATCHING, refused("agreement-expired")),
        Row((Role.ANALYST,), (WITHDRAWN,), READ, MATCHING, refused("consent-not-given")),
        Row((Role.ANALYST,), ANY, WRITE, ALL, refused("data-matching-read-only")),
        Row(ALL_BUT_ANALYST, ANY, READ_WRITE, ALL, refused("data-matching-analysts-only")),
    ),
    Purpose.SUBJECT_ACCESS: (
        Row((Role.ADMIN,), HOME, READ, ALL, allowed("subject-access")),
        Row((Role.ADMIN,), ANY, WRITE, ALL, refused("subject-access-read-only")),
        Row((Role.ADMIN,), PARTNERS, READ, ALL, refused("subject-access-own-organisation")),
        Row(ALL_BUT_ADMIN, ANY, READ_WRITE, ALL, refused("subject-access-admins-only")),
    ),
}
CELLS_PER_PURPOSE = 8 * 7 * 2 * 5  # roles x relations x operations x categories

Cell = tuple[Purpose, Role, str, Operation, DataCategory]


def expand(table: dict[Purpose, tuple[Row, ...]]) -> dict[Cell, Row]:
    """Each cell with the row that gives it; every cell exactly once, none missing."""
    cells: dict[Cell, Row] = {}
    for purpose, rows in table.items():
        for row in rows:
            for role, relation, operation, category in product(
                row.roles, row.relations, row.operations, row.categories
            ):
                cell = (purpose, role, relation, operation, category)
                assert cell not in cells, f"{cell} is given twice"
                cells[cell] = row
        given = sum(1 for cell in cells if cell[0] is purpose)
        assert given == CELLS_PER_PURPOSE, f"{purpose}: {given} cells given, {CELLS_PER_PURPOSE} needed"
    return cells


EXPECTED = expand(MATRIX)


def test_the_table_gives_every_cell_exactly_once() -> None:
    assert len(EXPECTED) == 4 * 8 * 7 * 2 * 5 == 2240
    assert not any(row.defect for row in EXPECTED.values())  # every cell the design asks for, the code gives


# --- docs/security.md prints the same table ---

ROLE_WORDS = {role.value.replace("_", " "): role for role in Role}
PURPOSE_HEADINGS = {"case management": Purpose.CASE_MANAGEMENT, "analysis": Purpose.ANALYSIS}
PURPOSE_HEADINGS["subject access"] = Purpose.SUBJECT_ACCESS
PURPOSE_HEADINGS["data matching"] = Purpose.DATA_MATCHING


def _words(text: str, names: dict[str, object]) -> list[str]:
    parts = [part.strip() for part in text.split(",")]
    if parts == ["any"]:
        return list(names)
    unknown = [part for part in parts if part not in names]
    assert not unknown, f"docs/security.md names {unknown}, which the matrix does not know"
    return parts


def _categories(text: str) -> tuple[DataCategory, ...]:
    if text == "all":
        return ALL
    if text.startswith("all but "):
        return tuple(category for category in ALL if category.value != text.removeprefix("all but "))
    return tuple(DataCategory(part.strip()) for part in text.split(","))


def documented_matrix() -> dict[Purpose, tuple[Row, ...]]:
    """The tables under '#### Purpose: ...' in docs/security.md, read as rows."""
    tables: dict[Purpose, list[Row]] = {}
    purpose: Purpose | None = None
    for line in SECURITY.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = re.fullmatch(r"#### Purpose: (.+)", line)
            purpose = PURPOSE_HEADINGS[heading[1]] if heading else None
            continue
        if purpose is None or not line.startswith("| ") or line.startswith(("| roles", "|---")):
            continue
        roles, relations, operations, categories, outcome, rule = [cell.strip() for cell in line.strip("|").split("|")]
        row = Row(
            roles=tuple(ROLE_WORDS[word] for word in _words(roles, ROLE_WORDS)),
            relations=tuple(_words(relations, dict.fromkeys(RELATIONS))),
            operations=tuple(Operation(word) for word in _words(operations, dict.fromkeys(("read", "write")))),
            categories=_categories(categories),
            outcome=Expected(outcome.startswith("allowed"), rule, "pseudonymised" in outcome),
            defect=outcome.endswith("†"),
        )
        tables.setdefault(purpose, []).append(row)
    return {purpose: tuple(rows) for purpose, rows in tables.items()}


def _said(row: Row) -> str:
    return f"{'allowed' if row.outcome.allowed else 'refused'} by {row.outcome.rule}{' †' if row.defect else ''}"


def test_docs_security_md_prints_this_table() -> None:
    documented = expand(documented_matrix())
    assert len(documented) == len(EXPECTED) == 2240
    differences = [
        f"{'/'.join(str(part) for part in cell)}: docs {_said(documented[cell])}, here {_said(EXPECTED[cell])}"
        for cell in EXPECTED
        if (documented[cell].outcome, documented[cell].defect) != (EXPECTED[cell].outcome, EXPECTED[cell].defect)
    ]
    assert not differences, "\n".join(differences)


def test_docs_security_md_lists_every_rule_the_code_can_give_once() -> None:
    source = Path(access.__file__).read_text(encoding="utf-8")
    in_code = re.findall(r'_(?:allowed|refused)\(\s*"([a-z-]+)"', source)
    section = SECURITY.read_text(encoding="utf-8").split("### The rules, in the order they are tried")[1]
    in_docs = re.findall(r"^\| \d+ \| `([a-z-]+)` \|", section.split("\n### ")[0], flags=re.MULTILINE)
    assert len(in_code) == len(set(in_code)) == 27
    assert sorted(in_docs) == sorted(in_code)
    # and every rule the matrix expects is one of them
    assert {row.outcome.rule for row in EXPECTED.values()} <= set(in_code)


# --- the world the cells are walked in ---


@dataclass(frozen=True)
class World:
    actors: dict[Role, Actor]  # one user per role, each in the home partner's own team
    scopes: dict[str, dict[DataCategory, Scope]]  # a case for each relation, by category
    teams: dict[str, int]  # the team holding each relation's case
    organisations: dict[str, int]


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
    session.add(
        SharingAgreement(
            title=f"{ours.name} and {theirs.name}",
            purposes=",".join(purpose.value for purpose in Purpose),
            categories=",".join(category.value for category in SHARED),
            lawful_basis="Crime and Disorder Act 1998 s115; UK GDPR art. 6(1)(e) and 9(2)(g)",
            dpia_reference="DPIA-SYN-1",
            starts_on=today - dt.timedelta(days=400),
            ends_on=today - dt.timedelta(days=1) if ended else None,
            needs_consent=consent,
            created_by="test",
            parties=[AgreementParty(organisation_id=ours.id), AgreementParty(organisation_id=theirs.id)],
        )
    )
    session.flush()


def _consent(session: Session, person_id: int, status: ConsentStatus, days_ago: int, *purposes: Purpose) -> None:
    session.add(
        Consent(
            person_id=person_id,
            status=status,
            purposes=",".join(purpose.value for purpose in purposes or tuple(Purpose)),
            recorded_on=dt.date.today() - dt.timedelta(days=days_ago),
            recorded_by="test",
        )
    )
    session.flush()


def build_world(session: Session) -> World:
    """The user's partner with two teams, and five other partners, one for each relation beyond it."""
    home = make_organisation(session, "Synthetic Council", "XX-SYN-HOME", OrganisationKind.UNITARY_AUTHORITY)
    partners = {
        relation: make_organisation(session, f"Synthetic {relation}", f"XX-SYN-{n}", OrganisationKind.VOLUNTARY_SECTOR)
        for n, relation in enumerate(PARTNERS)
    }
    own, other = Team(organisation_id=home.id, name="Own team"), Team(organisation_id=home.id, name="Other team")
    theirs = {relation: Team(organisation_id=org.id, name="Their team") for relation, org in partners.items()}
    session.add_all([own, other, *theirs.values()])
    session.flush()
    users = {role: make_user(session, role, email=f"{role.value}@home.example", organisation=home) for role in Role}
    session.add_all(TeamMember(team_id=own.id, user_id=user.id) for user in users.values())
    _agreement(session, home, partners[AGREED])
    _agreement(session, home, partners[EXPIRED], ended=True)
    _agreement(session, home, partners[WITHDRAWN], consent=True)
    held = {OWN: (home, own), SAME: (home, other)}
    held |= {relation: (partners[relation], theirs[relation]) for relation in partners}
    scopes: dict[str, dict[DataCategory, Scope]] = {}
    for relation, (organisation, team) in held.items():
        case, person = _case(session, organisation, team, relation.replace(" ", "-"))
        scopes[relation] = {
            category: Scope("case", case.id, organisation.id, team.id, category, case.id, (person.id,))
            for category in ALL
        }
        if relation == WITHDRAWN:  # given a month ago, withdrawn two days ago: the withdrawal is in force
            _consent(session, person.id, ConsentStatus.GIVEN, 30)
            _consent(session, person.id, ConsentStatus.WITHDRAWN, 2)
        if relation == GLASS:
            session.add_all(
                BreakGlass(
                    user_id=user.id,
                    case_id=case.id,
                    reason="Police at the door, child at risk",
                    expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=4),
                )
                for user in users.values()
            )
    session.flush()
    return World(
        actors={role: Actor.of(user) for role, user in users.items()},
        scopes=scopes,
        teams={relation: team.id for relation, (_, team) in held.items()},
        organisations={relation: organisation.id for relation, (organisation, _) in held.items()},
    )


def _entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def _newest(session: Session) -> AuditEntry:
    return session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()


def _assert_entry(entry: AuditEntry, scope: Scope, purpose: Purpose, operation: Operation, rule: str, ok: bool) -> None:
    detail = json.loads(entry.detail)
    assert entry.action == f"casework.{operation.value}"
    assert (entry.object_type, entry.object_id) == (scope.record_type, str(scope.record_id))
    assert entry.purpose == purpose.value
    assert entry.outcome == ("allowed" if ok else "refused")
    assert (detail["rule"], detail["category"]) == (rule, scope.category.value)


def _got(decision: access.AccessDecision) -> Expected:
    return Expected(decision.allowed, decision.rule, decision.pseudonymised)


# --- the cells ---


@pytest.mark.parametrize("purpose", list(MATRIX), ids=lambda purpose: purpose.value)
def test_every_cell_decides_as_the_table_says_and_leaves_one_audit_entry(session: Session, purpose: Purpose) -> None:
    world = build_world(session)
    walked, mismatches = 0, []
    after = _entries(session)
    for role, relation, operation, category in product(Role, RELATIONS, Operation, ALL):
        row = EXPECTED[(purpose, role, relation, operation, category)]
        scope = world.scopes[relation][category]
        before = after
        decision = access.decide(session, world.actors[role], scope, purpose, operation)
        walked += 1
        after = _entries(session)
        assert after == before + 1, f"{role.value} / {relation} / {operation.value} / {category.value}"
        _assert_entry(_newest(session), scope, purpose, operation, decision.rule, decision.allowed)
        if _got(decision) != row.outcome and not row.defect:
            mismatches.append(f"{role.value} / {relation} / {operation.value} / {category.value}: {_got(decision)}")
    assert walked == CELLS_PER_PURPOSE == 8 * 7 * 2 * 5
    assert not mismatches, "\n".join(mismatches)


def _one_cell_per_rule() -> list[tuple[Cell, Expected]]:
    """The first cell of each purpose's table that each rule decides (the cells the code gets right)."""
    seen: dict[tuple[Purpose, str], tuple[Cell, Expected]] = {}
    for cell, row in EXPECTED.items():
        if not row.defect:
            seen.setdefault((cell[0], row.outcome.rule), (cell, row.outcome))
    return list(seen.values())


def test_require_records_an_allowed_access_once_and_a_refusal_once_after_the_rollback(
    sessions: sessionmaker[Session],
) -> None:
    with unit_of_work(sessions) as session:
        world = build_world(session)
    sample = _one_cell_per_rule()
    walked = refusals = 0
    for n, ((purpose, role, relation, operation, category), expected) in enumerate(sample):
        scope = world.scopes[relation][category]
        with sessions() as session:
            before = _entries(session)
        pseudonym = f"P-ROLLBACK-{n}"
        if expected.allowed:
            with unit_of_work(sessions) as session:
                decision = access.require(session, world.actors[role], scope, purpose, operation)
            assert _got(decision) == expected
        else:
            with pytest.raises(AccessRefused) as raised, unit_of_work(sessions) as session:
                # something written before the refusal, which the rollback must take away
                home = world.organisations[OWN]
                session.add(Person(pseudonym=pseudonym, given_name="Rolled", family_name="Back", organisation_id=home))
                session.flush()
                access.require(session, world.actors[role], scope, purpose, operation)
            refusal = raised.value.refusal
            assert refusal is not None and refusal.detail is not None and refusal.detail["rule"] == expected.rule
            refusals += 1
        walked += 1
        with sessions() as session:
            assert _entries(session) == before + 1, f"{purpose.value} / {expected.rule}"
            _assert_entry(_newest(session), scope, purpose, operation, expected.rule, expected.allowed)
            assert session.scalar(select(Person.id).where(Person.pseudonym == pseudonym)) is None
    # case management 12 rules (5 allow), analysis 4 (1 allows), subject access 4 (1 allows)
    # analysis and data matching: their own four rules each and the three of sharing under an agreement
    assert walked == 12 + 7 + 7 + 4 == 30
    assert refusals == walked - 5 - 1 - 1 - 1  # allowed: five in case management, one in each other purpose


# --- the victim-contact rule, and consent that follows the person ---


def test_a_victims_contact_details_are_withheld_from_a_team_working_with_the_perpetrator(session: Session) -> None:
    world = build_world(session)
    own_team, other_team = world.teams[OWN], world.teams[SAME]
    purpose = Purpose.CASE_MANAGEMENT
    before, walked = _entries(session), 0
    for role, relation, operation in product(CASEWORKERS, RELATIONS, Operation):
        actor, scopes = world.actors[role], world.scopes[relation]
        # the actor's team works with the person who harmed them: contact withheld, wherever the record is held
        contact = replace(scopes[CONTACT], protected_from_team_ids=frozenset({own_team}))
        assert access.decide(session, actor, contact, purpose, operation).rule == "victim-contact-withheld"
        # their identity is not withheld: the same answer as without the protection
        identity = replace(scopes[IDENTITY], protected_from_team_ids=frozenset({own_team}))
        unprotected = EXPECTED[(purpose, role, relation, operation, IDENTITY)].outcome
        assert _got(access.decide(session, actor, identity, purpose, operation)) == unprotected
        # protection from a team the actor is not in changes nothing
        elsewhere = replace(scopes[CONTACT], protected_from_team_ids=frozenset({other_team}))
        unprotected = EXPECTED[(purpose, role, relation, operation, CONTACT)].outcome
        assert _got(access.decide(session, actor, elsewhere, purpose, operation)) == unprotected
        walked += 1
    assert walked == 2 * 7 * 2
    assert _entries(session) == before + 3 * walked


def test_consent_follows_the_person_when_their_case_moves_to_another_partner(session: Session) -> None:
    world = build_world(session)
    key_worker = world.actors[Role.KEY_WORKER]
    at_home = world.scopes[OWN][RISK]
    (person,) = at_home.person_ids

    def rule(scope: Scope, purpose: Purpose = Purpose.CASE_MANAGEMENT) -> str:
        return access.decide(session, key_worker, scope, purpose, Operation.READ).rule

    # recorded while the home team held the case: it does not matter to the team that holds it
    _consent(session, person, ConsentStatus.WITHDRAWN, 10)
    assert rule(at_home) == "own-team"
    # the case moves to the partner whose agreement needs consent: the withdrawal recorded on the person goes too
    moved = replace(at_home, organisation_id=world.organisations[WITHDRAWN], team_id=world.teams[WITHDRAWN])
    assert rule(moved) == "consent-not-given"
    # the person gives consent again, later: the newest record for the purpose is in force
    _consent(session, person, ConsentStatus.GIVEN, 5)
    assert rule(moved) == "agreement"
    # a newer withdrawal for safeguarding alone leaves case management's consent as it was
    _consent(session, person, ConsentStatus.WITHDRAWN, 1, Purpose.SAFEGUARDING)
    assert rule(moved) == "agreement"
    assert rule(moved, Purpose.SAFEGUARDING) == "consent-not-given"
    # moved to a partner whose agreement does not need consent, consent is not asked
    _consent(session, person, ConsentStatus.WITHDRAWN, 0)
    elsewhere = replace(at_home, organisation_id=world.organisations[AGREED], team_id=world.teams[AGREED])
    assert (rule(moved), rule(elsewhere)) == ("consent-not-given", "agreement")
