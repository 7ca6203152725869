"""Who may change a business case: users of the partner that added it, or of a partner the case names."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.appraisal.test_business_cases import CASE, CASE_V2
from tests.factories import make_organisation, make_user, sign_in
from wholeplace.appraisal import service
from wholeplace.appraisal.model import BusinessCase
from wholeplace.audit import AuditEntry
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.partners.model import OrganisationKind
from wholeplace.problems import AccessRefused

# CASE names Essex County Council and Essex Police as its partners.


def analyst_of(session: Session, name: str, identifier: str, kind: OrganisationKind) -> Actor:
    organisation = make_organisation(session, name, identifier, kind)
    email = f"analyst@{identifier.lower()}.example"
    return Actor.of(make_user(session, Role.ANALYST, email=email, organisation=organisation))


def test_a_case_is_changed_only_by_its_owner_or_a_partner_it_names(session: Session) -> None:
    council = analyst_of(session, "Essex County Council", "GB-LAE-ESS", OrganisationKind.COUNTY_COUNCIL)
    police = analyst_of(session, "Essex Police", "XX-ESSEX-POLICE", OrganisationKind.POLICE_FORCE)
    outsider = analyst_of(session, "Thurrock Council", "GB-UKA-THR", OrganisationKind.UNITARY_AUTHORITY)
    case = service.add_case(session, council, source=CASE)
    assert case.organisation_id == council.organisation_id

    with pytest.raises(
        AccessRefused, match="Hub pilot belongs to Essex County Council: only their users can change it"
    ):
        service.save_version(session, outsider, case_id=case.id, source=CASE_V2, based_on=1)
    assert service.why_not_edit(session, case, police) is None  # named in the case
    saved = service.save_version(session, police, case_id=case.id, source=CASE_V2, based_on=1)
    assert (saved.number, saved.created_by) == (2, police.label)


def test_an_outsider_is_refused_the_edit_page_and_the_refusal_is_audited(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        council = analyst_of(session, "Essex County Council", "GB-LAE-ESS", OrganisationKind.COUNTY_COUNCIL)
        analyst_of(session, "Thurrock Council", "GB-UKA-THR", OrganisationKind.UNITARY_AUTHORITY)
        case_id = service.add_case(session, council, source=CASE).id
    sign_in(client, "analyst@gb-uka-thr.example")
    page = client.get(f"/business-cases/{case_id}/edit")
    assert page.status_code == 403
    assert "Hub pilot belongs to Essex County Council: only their users can change it" in page.text
    saved = client.post(
        f"/business-cases/{case_id}/edit",
        data={"source": CASE_V2, "based_on": "1", "csrf_token": client.cookies["wholeplace_csrf"]},
    )
    assert saved.status_code == 403
    with sessions() as session:
        assert len(session.scalars(select(BusinessCase)).one().versions) == 1
        refused = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "business_cases.edit", AuditEntry.outcome == "refused")
        ).all()
        assert refused == ["analyst@gb-uka-thr.example", "analyst@gb-uka-thr.example"]
