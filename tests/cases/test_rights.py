"""Rights of the person: subject access (JSON and PDF, every read audited with its purpose), rectification with the
old values kept, retention's dry run and erasure that leaves nothing behind but the audit chain. On both
databases. Every name here is made up."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.cases.builders import Place, build_place, refer
from tests.conftest import _empty_postgres
from tests.factories import make_user
from tests.test_cli import database  # noqa: F401  (points the command at the test database)
from wholeplace import audit
from wholeplace.audit import AuditEntry, unit_of_work
from wholeplace.auth.model import Role
from wholeplace.business_dates import today
from wholeplace.cases import casework, gateway, plans, rights
from wholeplace.cases.assessments import record_assessment
from wholeplace.cases.model import (
    Assessment,
    Case,
    CaseKind,
    CaseMember,
    CaseNote,
    CaseRole,
    CaseStatus,
    Household,
    HouseholdMember,
    Person,
    Referral,
    Relationship,
    ScreeningOutcome,
    Sex,
)
from wholeplace.cases.people import PersonDetails, add_person
from wholeplace.cases.rights_cli import retention_app
from wholeplace.db import session_factory
from wholeplace.problems import AccessRefused, InvalidInput, NotFound
from wholeplace.sharing import service as sharing
from wholeplace.sharing.model import Consent, ConsentStatus, Purpose
from wholeplace.sharing.rls import grant_application_role


@dataclass(frozen=True)
class Story:
    case: Case
    victim: int
    perpetrator: int
    other_case: Case
    other: int


def opened(session: Session, place: Place, given: str, family: str, team_id: int, key_worker_id: int) -> Case:
    referral = refer(session, place, given=given, family=family)
    screened = gateway.screen(
        session,
        place.actor(place.gateway_worker),
        referral.id,
        gateway.Screening(
            ScreeningOutcome.CASE_OPENED,
            case_kind=CaseKind.DOMESTIC_ABUSE_VICTIM,
            team_id=team_id,
            key_worker_id=key_worker_id,
        ),
    )
    case = session.get(Case, screened.case_id)
    assert case is not None
    return case


def story(session: Session, place: Place) -> Story:
    """Alex (a victim) in the north team's case with Sam (who harmed her); Chris in a south team case."""
    worker = place.actor(place.key_worker)
    case = opened(session, place, "Alex", "Example", place.north.id, place.key_worker.id)
    victim = case.members[0].person_id
    sam = add_person(session, place.council.id, PersonDetails(given_name="Sam", family_name="Harmer", sex=Sex.MALE))
    casework.add_member(session, worker, case.id, sam.id, CaseRole.PERPETRATOR)
    record_assessment(
        session, worker, case.id, victim, "dash-ric", {n: "yes" if n <= 14 else "no" for n in range(1, 25)}
    )
    plans.add_goal(session, worker, case.id, "Feel safe at home")
    casework.add_note(session, worker, case.id, "Attended the drop-in and asked about a refuge place")
    sharing.record_consent(session, worker, victim, ConsentStatus.GIVEN, [Purpose.MARAC], note="Agreed at the drop-in")
    household = Household(name="The Example household", organisation_id=place.council.id)
    household.members = [HouseholdMember(person_id=victim, relationship_to_lead=Relationship.LEAD_ADULT)]
    session.add(household)
    other_case = opened(session, place, "Chris", "Other", place.south.id, place.south_worker.id)
    session.flush()
    return Story(case, victim, sam.id, other_case, other_case.members[0].person_id)


def subject_entries(session: Session, since: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.seq > since).order_by(AuditEntry.seq)))


def last_seq(session: Session) -> int:
    return session.scalar(select(func.max(AuditEntry.seq))) or 0


def test_subject_access_gives_exactly_the_person_and_audits_each_read_with_its_purpose(session: Session) -> None:
    place = build_place(session)
    told = story(session, place)
    before = last_seq(session)

    data = rights.subject_access(session, place.actor(place.admin), told.victim)

    text = json.dumps(data)
    assert data["person"]["given_name"] == "Alex" and data["held_by"] == "Synthetic Borough Council"
    assert "Sam" not in text and "Harmer" not in text and "Chris" not in text  # no one else's record
    [case] = data["cases"]
    assert (case["reference"], case["your_role"]) == (told.case.reference, "victim")
    assert [a["yes_count"] for a in case["assessments"]] == [14] and len(case["marac_referrals"]) == 1
    assert [g["goal"] for g in case["plan"]["goals"]] == ["Feel safe at home"]
    assert [n["text"] for n in case["notes"]] == ["Attended the drop-in and asked about a refuge place"]
    assert [r["from"] for r in data["referrals"]] == ["Synthetic Constabulary"]
    assert data["households"] == [{"name": "The Example household", "relationship_to_lead": "lead adult"}]
    assert [(c["status"], c["note"]) for c in data["consents"]] == [("given", "Agreed at the drop-in")]

    entries = subject_entries(session, before)
    assert entries and {(e.action, e.purpose, e.outcome) for e in entries} == {
        ("casework.read", "subject_access", "allowed")
    }
    read = {(e.object_type, e.object_id) for e in entries}
    assert {("person", str(told.victim)), ("case", str(told.case.id)), ("consent", str(data_id(session)))} <= read
    assert {"assessment", "marac_referral", "plan_goal", "case_note", "referral", "household"} <= {t for t, _ in read}
    assert ("person", str(told.perpetrator)) not in read and ("case", str(told.other_case.id)) not in read
    once = {(e.object_type, e.object_id, json.loads(e.detail)["category"]) for e in entries}
    assert len(once) == len(entries)  # once per record (the person's identity and contact details apart)


def data_id(session: Session) -> int:
    return session.scalar(select(Consent.id)) or 0


def test_only_an_administrator_of_the_holding_partner_answers_a_request(session: Session) -> None:
    place = build_place(session)
    told = story(session, place)
    with pytest.raises(AccessRefused, match="Only an administrator answers a subject access request"):
        rights.subject_access(session, place.actor(place.key_worker), told.victim)
    sam_outside = make_user(session, Role.ADMIN, email="admin@police.example", organisation=place.police)
    with pytest.raises(AccessRefused, match="Each partner answers for the records it holds"):
        rights.subject_access(session, place.actor(sam_outside), told.perpetrator)


def test_the_pdf_is_a_pdf_naming_the_person(session: Session) -> None:
    place = build_place(session)
    told = story(session, place)
    pdf = rights.subject_access_pdf(session, place.actor(place.admin), told.victim)
    assert pdf.startswith(b"%PDF")
    html = rights.subject_access_html(rights.subject_access(session, place.actor(place.admin), told.victim))
    assert "What Synthetic Borough Council holds about Alex Example" in html and "Feel safe at home" in html


def test_find_people_finds_those_the_partner_holds(session: Session) -> None:
    place = build_place(session)
    told = story(session, place)
    found = rights.find_people(session, place.actor(place.admin), "example")
    assert [person.id for person in found] == [told.victim]
    with pytest.raises(InvalidInput, match="Enter a family name"):
        rights.find_people(session, place.actor(place.admin), " ")


def test_rectification_keeps_the_old_values_in_the_audit_entry(session: Session) -> None:
    place = build_place(session)
    told = story(session, place)
    worker = place.actor(place.key_worker)
    born = dt.date(1990, 5, 17)

    person = rights.rectify(
        session,
        worker,
        told.victim,
        {"family_name": "Exampleton", "date_of_birth": born, "postcode": "ch2 2bb"},
        reason="She told us her married name",
    )

    assert (person.family_name, person.date_of_birth, person.postcode) == ("Exampleton", born, "CH2 2BB")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "person.rectified")).one()
    assert json.loads(entry.detail) == {
        "changes": {
            "date_of_birth": {"before": None, "after": "1990-05-17"},
            "family_name": {"before": "Example", "after": "Exampleton"},
            "postcode": {"before": "CH1 1AA", "after": "CH2 2BB"},
        },
        "reason": "She told us her married name",
    }
    assert entry.purpose == "case_management"


def test_rectification_refuses_bad_or_unknown_details_and_others_teams(session: Session) -> None:
    place = build_place(session)
    told = story(session, place)
    worker = place.actor(place.key_worker)
    with pytest.raises(InvalidInput) as refused:
        rights.rectify(session, worker, told.victim, {"postcode": "nowhere", "pseudonym": "P-1"})
    assert [p.where for p in refused.value.problems] == ["pseudonym"]
    with pytest.raises(InvalidInput) as refused:
        rights.rectify(session, worker, told.victim, {"postcode": "nowhere", "sex": "unknown"})
    assert sorted(p.where for p in refused.value.problems) == ["postcode", "sex"]
    with pytest.raises(InvalidInput, match="Nothing to correct"):
        rights.rectify(session, worker, told.victim, {"given_name": "Alex"})
    with pytest.raises(AccessRefused):
        rights.rectify(session, place.actor(place.officer), told.other, {"given_name": "Christopher"})


def close(session: Session, place: Place, case: Case, on: dt.date) -> None:
    casework.change_status(session, place.actor(place.manager), case.id, CaseStatus.CLOSED, "Risk reduced")
    case.closed_on = on
    session.flush()


def test_the_dry_run_lists_exactly_the_closed_cases_past_their_period(session: Session) -> None:
    place = build_place(session)
    told = story(session, place)
    long_ago = today() - dt.timedelta(days=7 * 365)
    close(session, place, told.case, long_ago)  # closed 7 years ago: past 6
    recent = opened(session, place, "Robin", "Recent", place.north.id, place.key_worker.id)
    close(session, place, recent, today() - dt.timedelta(days=5 * 365))  # 5 years: kept

    found = rights.retention_dry_run(session, place.actor(place.admin), today())

    assert [(item.record_type, item.reference, item.rule.name) for item in found] == [
        ("case", told.case.reference, "closed-6-years")
    ]
    assert found[0].reason.startswith(f"Closed on {long_ago.day} {long_ago:%B %Y}; domestic abuse victim records")
    assert rights.retention_dry_run(session, place.actor(place.admin), long_ago) == []
    with pytest.raises(AccessRefused):
        rights.retention_dry_run(session, place.actor(place.key_worker), today())


def test_a_family_case_is_kept_until_the_youngest_child_is_25(session: Session) -> None:
    place = build_place(session)
    worker = place.actor(place.key_worker)
    closed_on = today() - dt.timedelta(days=10 * 365)
    child = add_person(
        session, place.council.id, PersonDetails("Kim", "Young", date_of_birth=closed_on - dt.timedelta(days=365 * 10))
    )
    parent = add_person(session, place.council.id, PersonDetails("Pat", "Young"))
    members = {parent.id: CaseRole.OTHER, child.id: CaseRole.CHILD}
    case = casework.open_case(
        session, worker, kind=CaseKind.FAMILY, team_id=place.north.id, key_worker_id=None, members=members
    )
    close(session, place, case, closed_on)
    assert rights.retention_dry_run(session, place.actor(place.admin), today()) == []  # Kim is 20
    kim_25 = dt.date(child.date_of_birth.year + 25, child.date_of_birth.month, child.date_of_birth.day)  # type: ignore[union-attr]
    [item] = rights.retention_dry_run(session, place.actor(place.admin), kim_25)
    assert item.rule.name == "family-6-years-or-child-25" and item.keep_until == kim_25 - dt.timedelta(days=1)


def test_erasure_removes_the_cases_and_their_people_and_leaves_the_chain_whole(session: Session) -> None:
    place = build_place(session)
    told = story(session, place)
    close(session, place, told.case, today() - dt.timedelta(days=7 * 365))
    # Sam is also in a south team case still open: he must stay
    casework.add_member(session, place.actor(place.south_worker), told.other_case.id, told.perpetrator, CaseRole.OTHER)
    case_id, reference = told.case.id, told.case.reference
    rights.subject_access(session, place.actor(place.admin), told.victim)

    with pytest.raises(InvalidInput, match="confirm it"):
        rights.erase(session, place.actor(place.admin), today(), confirm=False)
    erased = rights.erase(session, place.actor(place.admin), today(), confirm=True)

    assert [item.reference for item in erased] == [reference]
    assert session.get(Case, case_id) is None and session.get(Person, told.victim) is None
    assert session.get(Person, told.perpetrator) is not None and session.get(Case, told.other_case.id) is not None
    for model in (Assessment, CaseNote, Consent):
        assert session.scalar(select(func.count()).select_from(model)) == 0, model
    assert session.scalar(select(func.count()).select_from(Household)) == 0
    assert session.scalar(select(func.count()).select_from(Referral).where(Referral.person_id == told.victim)) == 0
    assert session.scalar(select(CaseMember).where(CaseMember.case_id == case_id)) is None
    assert audit.verify(session) is None
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.case_erased")).one()
    assert json.loads(entry.detail) == {"reference": reference, "rule": "closed-6-years"}
    assert "Alex" not in entry.detail
    with pytest.raises(NotFound):
        rights.subject_access(session, place.actor(place.admin), told.victim)
    assert rights.find_people(session, place.actor(place.admin), "Example") == []
    assert rights.retention_dry_run(session, place.actor(place.admin), today()) == []


def test_a_referral_screened_without_a_case_goes_six_years_after_screening(session: Session) -> None:
    place = build_place(session)
    referral = refer(session, place, given="Nat", family="Signposted")
    gateway.screen(
        session,
        place.actor(place.gateway_worker),
        referral.id,
        gateway.Screening(ScreeningOutcome.SIGNPOSTED, note="Medium risk: the core offer"),
    )
    person_id, later = referral.person_id, today() + dt.timedelta(days=6 * 366)
    assert rights.retention_dry_run(session, place.actor(place.admin), today()) == []
    [item] = rights.erase(session, place.actor(place.admin), later, confirm=True)
    assert (item.record_type, item.rule.name) == ("referral", "referral-6-years")
    assert session.get(Person, person_id) is None and audit.verify(session) is None


@pytest.mark.postgres
def test_under_row_level_security_erasure_keeps_a_person_another_partner_still_holds(
    postgres_engine: Engine, worker: str
) -> None:
    """As the plain role the app uses, the council cannot see the police's cases; erasure still must not take
    someone who is in one."""
    _empty_postgres(postgres_engine)
    with session_factory(postgres_engine)() as session, session.begin():
        place = build_place(session)
        told = story(session, place)
        close(session, place, told.case, today() - dt.timedelta(days=7 * 365))
        police_case = opened(session, place, "Pol", "Icecase", place.north.id, place.key_worker.id)
        casework.add_member(session, place.actor(place.key_worker), police_case.id, told.perpetrator, CaseRole.OTHER)
        session.execute(
            text("UPDATE cases SET organisation_id = :org, team_id = :team WHERE id = :case"),
            {"org": place.police.id, "team": place.police_team.id, "case": police_case.id},
        )
        admin, case_id = place.actor(place.admin), told.case.id
    role = f"wholeplace_rights_{worker}"
    with postgres_engine.begin() as connection:
        grant_application_role(connection, role)

    with session_factory(postgres_engine)() as session, session.begin():
        session.execute(text(f"SET LOCAL ROLE {role}"))
        erased = rights.erase(session, admin, today(), confirm=True)

    assert [item.record_id for item in erased] == [case_id]
    with session_factory(postgres_engine)() as session:
        assert session.get(Case, case_id) is None and session.get(Person, told.victim) is None
        assert session.get(Person, told.perpetrator) is not None  # still in the police's case
        assert session.get(Case, police_case.id) is not None
        assert audit.verify(session) is None


def test_the_retention_commands_list_then_erase_only_with_confirm(
    database: Engine,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    with unit_of_work(sessions) as session:
        place = build_place(session)
        told = story(session, place)
        close(session, place, told.case, today() - dt.timedelta(days=7 * 365))
        reference = told.case.reference
    runner = CliRunner()

    listed = runner.invoke(retention_app, ["dry-run"])
    assert listed.exit_code == 0, listed.output
    assert reference in listed.output and "Synthetic Borough Council" in listed.output
    assert "Limitation Act 1980" in listed.output and "(local default)" in listed.output
    refused = runner.invoke(retention_app, ["erase"])
    assert refused.exit_code == 1 and "--confirm: Erasure deletes records for good" in refused.output
    assert runner.invoke(retention_app, ["dry-run", "--on", "31/03/2021"]).exit_code == 1

    erased = runner.invoke(retention_app, ["erase", "--confirm"])
    assert erased.exit_code == 0, erased.output
    assert "Erased 1 case and 0 referrals past their retention period" in erased.output
    assert "Nothing is past its retention period" in runner.invoke(retention_app, ["dry-run"]).output
    with sessions() as session:
        assert session.get(Person, told.victim) is None and audit.verify(session) is None
