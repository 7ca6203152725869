"""The gateway: referrals from any partner, the queue oldest first with age against target and who knows the
person, screening to a case; bad referrals refused with nothing written. On both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.cases.builders import build_place, refer
from wholeplace.audit import AuditEntry
from wholeplace.cases import casework, gateway
from wholeplace.cases.model import (
    Case,
    CaseKind,
    CaseRole,
    Person,
    Referral,
    ReferralConsent,
    ScreeningOutcome,
    Urgency,
)
from wholeplace.cases.people import PersonDetails
from wholeplace.problems import Conflict, InvalidInput


def test_a_referral_lands_in_the_queue_oldest_first_with_who_knows_the_person(session: Session) -> None:
    place = build_place(session)
    first = refer(session, place, given="Alex")
    second = refer(session, place, given="Sam", urgency=Urgency.IMMEDIATE)
    first.received_at -= dt.timedelta(hours=30)  # arrived yesterday: past its 24-hour target
    session.flush()

    page = gateway.queue(session, place.actor(place.gateway_worker), page=1, page_size=10)

    assert [item.referral.id for item in page.items] == [first.id, second.id]
    assert page.items[0].overdue and not page.items[1].overdue
    assert page.items[0].age_hours == pytest.approx(30, abs=0.1)
    assert first.target_hours == 24 and second.target_hours == 4
    assert page.items[0].known_to == ("Synthetic Constabulary",)
    assert first.person.postcode == "CH1 1AA"


def test_screening_opens_a_case_in_a_locality_team_with_a_key_worker(session: Session) -> None:
    place = build_place(session)
    referral = refer(session, place)
    screened = gateway.screen(
        session,
        place.actor(place.gateway_worker),
        referral.id,
        gateway.Screening(
            ScreeningOutcome.CASE_OPENED,
            note="High risk indicators",
            case_kind=CaseKind.DOMESTIC_ABUSE_VICTIM,
            team_id=place.north.id,
            key_worker_id=place.key_worker.id,
        ),
    )
    case = session.get(Case, screened.case_id)
    assert case is not None and case.team_id == place.north.id and case.key_worker_id == place.key_worker.id
    assert [(m.person_id, m.role) for m in case.members] == [(referral.person_id, CaseRole.VICTIM)]
    assert case.reference.startswith("DA-")
    assert casework.get_case(session, place.actor(place.key_worker), case.id).id == case.id
    with pytest.raises(Conflict, match="already screened"):
        gateway.screen(
            session, place.actor(place.gateway_worker), referral.id, gateway.Screening(ScreeningOutcome.SIGNPOSTED)
        )


def test_a_referral_with_a_birth_date_in_the_future_is_refused_and_nothing_is_written(session: Session) -> None:
    place = build_place(session)
    before = (
        session.scalar(select(func.count()).select_from(Person)),
        session.scalar(select(func.count()).select_from(AuditEntry)),
    )
    with pytest.raises(InvalidInput) as refused:
        gateway.record_referral(
            session,
            place.actor(place.officer),
            gateway.ReferralDetails(
                referrer="PC Synthetic",
                reason="Concern for welfare",
                concerns="",
                consent=ReferralConsent.NOT_ASKED,
                urgency=Urgency.ROUTINE,
                person=PersonDetails(
                    given_name="Jo", family_name="Future", date_of_birth=dt.date.today() + dt.timedelta(days=2)
                ),
            ),
        )
    assert [(p.where, p.message) for p in refused.value.problems] == [
        ("person.date_of_birth", "Date of birth must be today or in the past")
    ]
    after = (
        session.scalar(select(func.count()).select_from(Person)),
        session.scalar(select(func.count()).select_from(AuditEntry)),
    )
    assert after == before
    assert session.scalar(select(func.count()).select_from(Referral)) == 0
