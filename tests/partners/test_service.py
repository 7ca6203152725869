"""Partner use cases on both databases: create, update, import all-or-nothing, paging, permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_organisation
from wholeplace import audit
from wholeplace.audit import AuditEntry
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.demo.load import load_areas
from wholeplace.partners import service
from wholeplace.partners.model import Organisation, OrganisationKind
from wholeplace.problems import AccessRefused, InvalidInput

ADMIN = Actor(None, "admin@essex.example", None, frozenset({Role.ADMIN}))
VIEWER = Actor(None, "viewer@essex.example", None, frozenset({Role.VIEWER}))

GOOD_CSV = """identifier,name,kind,parent_identifier,area_code
XX-WHOLEPLACE-ESSEX-POLICE,Essex Police,police_force,XX-WHOLEPLACE-ESSEX-PCC,
XX-WHOLEPLACE-ESSEX-PCC,Police and Crime Commissioner for Essex,police_and_crime_commissioner,,
GB-LAE-TEN,Tendring District Council,district_council,,E07000076
"""


def count_organisations(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Organisation)) or 0


def test_a_partner_is_created_with_its_parent_and_area_and_audited(session: Session) -> None:
    load_areas(session)
    pcc = service.create_organisation(
        session,
        ADMIN,
        {
            "identifier": "XX-WHOLEPLACE-ESSEX-PCC",
            "name": "Police and Crime Commissioner for Essex",
            "kind": "police_and_crime_commissioner",
        },
    )
    police = service.create_organisation(
        session,
        ADMIN,
        {
            "identifier": "XX-WHOLEPLACE-ESSEX-POLICE",
            "name": "  Essex   Police ",
            "kind": "Police force",
            "parent_identifier": "XX-WHOLEPLACE-ESSEX-PCC",
            "area_code": "e10000012",
        },
    )
    assert police.name == "Essex Police"
    assert police.kind is OrganisationKind.POLICE_FORCE
    assert police.parent is pcc
    assert police.area is not None and police.area.name == "Essex"
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions == ["organisation.created", "organisation.created"]


def test_a_viewer_cannot_create_a_partner(session: Session) -> None:
    with pytest.raises(AccessRefused, match="admin") as refused:
        service.create_organisation(
            session,
            VIEWER,
            {"identifier": "GB-LAE-TEN", "name": "Tendring District Council", "kind": "district_council"},
        )
    assert refused.value.refusal is not None and refused.value.refusal.action == "partners.edit"


def test_a_refused_act_is_audited_even_though_its_transaction_rolls_back(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(AccessRefused), audit.unit_of_work(sessions) as session:
        service.create_organisation(
            session, VIEWER, {"identifier": "GB-LAE-TEN", "name": "Tendring", "kind": "district_council"}
        )
    with sessions() as session:
        entry = session.scalars(select(AuditEntry)).one()
        assert (entry.actor, entry.action, entry.outcome) == ("viewer@essex.example", "partners.edit", "refused")
        assert count_organisations(session) == 0
        assert audit.verify(session) is None


def test_an_update_changes_only_the_fields_given_and_records_what_changed(session: Session) -> None:
    essex = make_organisation(session)
    service.update_organisation(session, ADMIN, essex.id, {"name": "Essex County Council (ECC)"})
    assert (essex.name, essex.identifier, essex.kind) == (
        "Essex County Council (ECC)",
        "GB-LAE-ESS",
        OrganisationKind.COUNTY_COUNCIL,
    )
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "organisation.updated")).one()
    assert '"name": ["Essex County Council", "Essex County Council (ECC)"]' in entry.detail


def test_a_name_already_used_by_another_partner_is_refused(session: Session) -> None:
    make_organisation(session)
    tendring = make_organisation(session, "Tendring District Council", "GB-LAE-TEN", OrganisationKind.DISTRICT_COUNCIL)
    with pytest.raises(InvalidInput) as refused:
        service.update_organisation(session, ADMIN, tendring.id, {"name": "Essex County Council"})
    assert [str(p) for p in refused.value.problems] == ["name: Essex County Council is already used by another partner"]


def test_a_partner_cannot_be_made_part_of_its_own_child(session: Session) -> None:
    pcc = make_organisation(
        session,
        "Police and Crime Commissioner for Essex",
        "XX-WHOLEPLACE-ESSEX-PCC",
        OrganisationKind.POLICE_AND_CRIME_COMMISSIONER,
    )
    service.create_organisation(
        session,
        ADMIN,
        {
            "identifier": "XX-WHOLEPLACE-ESSEX-POLICE",
            "name": "Essex Police",
            "kind": "police_force",
            "parent_identifier": pcc.identifier,
        },
    )
    with pytest.raises(InvalidInput, match="part of this organisation"):
        service.update_organisation(session, ADMIN, pcc.id, {"parent_identifier": "XX-WHOLEPLACE-ESSEX-POLICE"})


def test_an_import_creates_partners_in_any_order_and_updates_known_ones(session: Session) -> None:
    load_areas(session)
    make_organisation(session, "Tendring DC", "GB-LAE-TEN", OrganisationKind.DISTRICT_COUNCIL)
    report = service.import_organisations(session, ADMIN, text=GOOD_CSV, filename="partners.csv")
    assert (report.created, report.updated) == (2, 1)
    police = session.scalars(select(Organisation).where(Organisation.name == "Essex Police")).one()
    assert police.parent is not None and police.parent.identifier == "XX-WHOLEPLACE-ESSEX-PCC"
    tendring = session.scalars(select(Organisation).where(Organisation.identifier == "GB-LAE-TEN")).one()
    assert tendring.name == "Tendring District Council" and tendring.area is not None


def test_an_import_with_any_bad_row_changes_nothing(sessions: sessionmaker[Session]) -> None:
    bad_csv = GOOD_CSV + "GB-LAE-BAI,Basildon Borough Council,district_council,GB-LAE-NOPE,E99999999\n"
    with audit.unit_of_work(sessions) as session:
        load_areas(session)
    with pytest.raises(InvalidInput) as refused, audit.unit_of_work(sessions) as session:
        service.import_organisations(session, ADMIN, text=bad_csv, filename="partners.csv")
    assert [str(p) for p in refused.value.problems] == [
        "partners.csv, row 5, column 'parent_identifier': There is no partner with identifier GB-LAE-NOPE",
        "partners.csv, row 5, column 'area_code': There is no area with ONS code E99999999",
    ]
    with sessions() as session:
        assert count_organisations(session) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_an_import_naming_a_partner_twice_is_refused(session: Session) -> None:
    load_areas(session)
    text = GOOD_CSV.replace("GB-LAE-TEN,Tendring District Council", "GB-LAE-TEN,Essex Police")
    with pytest.raises(InvalidInput) as refused:
        service.import_organisations(session, ADMIN, text=text, filename="p.csv")
    assert [str(p) for p in refused.value.problems] == ["p.csv, row 4, column 'name': Essex Police is already on row 2"]


def test_partners_are_listed_by_name_a_page_at_a_time(session: Session) -> None:
    for number in range(1, 8):
        make_organisation(session, f"Partner {number:02d}", f"XX-TEST-{number}", OrganisationKind.VOLUNTARY_SECTOR)
    first = service.list_organisations(session, VIEWER, page=1, page_size=3)
    last = service.list_organisations(session, VIEWER, page=3, page_size=3)
    assert [org.name for org in first.items] == ["Partner 01", "Partner 02", "Partner 03"]
    assert [org.name for org in last.items] == ["Partner 07"]
    assert (first.total, first.pages, first.has_next, last.has_next) == (7, 3, True, False)
    assert service.list_organisations(session, VIEWER, search="partner 05").total == 1
    assert service.list_organisations(session, VIEWER, kind=OrganisationKind.FIRE).total == 0
