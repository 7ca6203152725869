"""Running sharing: agreements (administrators only, every problem at once), consent recorded by the holding team's
key worker, break-glass (a reason, a time limit, listed for review) and the oversight of refusals. Both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.cases.builders import Place, build_place
from tests.cases.test_rights import opened
from wholeplace.audit import AuditEntry
from wholeplace.business_dates import today
from wholeplace.cases import casework
from wholeplace.cases.model import Case
from wholeplace.db import utcnow
from wholeplace.problems import AccessRefused, Conflict, InvalidInput, NotFound
from wholeplace.sharing import service
from wholeplace.sharing.model import BreakGlass, Consent, ConsentStatus, DataCategory, Purpose, SharingAgreement

DAY = dt.timedelta(days=1)


def agreement(place: Place, **changes: object) -> service.AgreementIn:
    values: dict[str, object] = {
        "title": "Domestic abuse information sharing agreement",
        "parties": [place.council.id, place.police.id],
        "purposes": [Purpose.CASE_MANAGEMENT, Purpose.MARAC],
        "categories": [DataCategory.IDENTITY, DataCategory.CASEWORK],
        "lawful_basis": "UK GDPR Article 6(1)(e) public task; Article 9(2)(g) substantial public interest",
        "dpia_reference": "DPIA-2014-07",
        "starts_on": today() - DAY,
    }
    return service.AgreementIn(**(values | changes))  # type: ignore[arg-type]


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def police_read(session: Session, place: Place, case: Case) -> None:
    casework.get_case(session, place.actor(place.officer), case.id)


def test_an_administrator_records_an_agreement_that_then_lets_a_partner_read(session: Session) -> None:
    place = build_place(session)
    case = opened(session, place, "Alex", "Example", place.north.id, place.key_worker.id)
    with pytest.raises(AccessRefused, match="No information sharing agreement"):
        police_read(session, place, case)

    made = service.create_agreement(session, place.actor(place.admin), agreement(place))

    assert made.purpose_set == {Purpose.CASE_MANAGEMENT, Purpose.MARAC} and not made.needs_consent
    assert [party.organisation.name for party in made.parties] == [
        "Synthetic Borough Council",
        "Synthetic Constabulary",
    ]
    police_read(session, place, case)
    page = service.list_agreements(session, place.actor(place.officer), page=1, page_size=10)
    assert [item.title for item in page.items] == ["Domestic abuse information sharing agreement"]

    service.end_agreement(session, place.actor(place.admin), made.id, today() - DAY)
    with pytest.raises(AccessRefused, match="is not in force"):
        police_read(session, place, case)


def test_only_an_administrator_records_an_agreement_and_bad_input_is_all_named(session: Session) -> None:
    place = build_place(session)
    with pytest.raises(AccessRefused):
        service.create_agreement(session, place.actor(place.key_worker), agreement(place))
    with pytest.raises(InvalidInput) as refused:
        service.create_agreement(
            session,
            place.actor(place.admin),
            agreement(
                place,
                title=" ",
                parties=[place.police.id, 999_999],
                purposes=["analysis"],
                categories=[],
                lawful_basis="",
                starts_on=today(),
                ends_on=today() - DAY,
            ),
        )
    assert [(p.where, p.message) for p in refused.value.problems] == [
        ("title", "Enter a title"),
        ("lawful_basis", "Enter the lawful basis for sharing"),
        ("purposes", "'analysis' is not one of the choices"),
        ("categories", "Choose at least one of the categories"),
        ("parties", "There is no partner 999999"),
        ("parties", "Your own organisation must be a party to an agreement you record"),
        ("ends_on", "The agreement must end on or after the day it starts"),
    ]
    assert count(session, SharingAgreement) == 0


def test_consent_is_recorded_by_the_holding_teams_key_worker_and_withdrawing_it_stops_sharing(
    session: Session,
) -> None:
    place = build_place(session)
    case = opened(session, place, "Alex", "Example", place.north.id, place.key_worker.id)
    victim = case.members[0].person_id
    service.create_agreement(session, place.actor(place.admin), agreement(place, needs_consent=True))
    with pytest.raises(AccessRefused, match="needs the person's consent"):
        police_read(session, place, case)
    with pytest.raises(AccessRefused, match="Only a key worker of a team holding a case"):
        service.record_consent(session, place.actor(place.south_worker), victim, "given", ["case_management"])

    service.record_consent(session, place.actor(place.key_worker), victim, "given", ["case_management"])
    police_read(session, place, case)
    service.record_consent(
        session, place.actor(place.key_worker), victim, ConsentStatus.WITHDRAWN, [Purpose.CASE_MANAGEMENT]
    )
    with pytest.raises(AccessRefused, match="needs the person's consent"):
        police_read(session, place, case)

    history = service.consent_history(session, place.actor(place.key_worker), victim)
    assert [c.status for c in history.consents] == [ConsentStatus.WITHDRAWN, ConsentStatus.GIVEN] and history.can_record
    with pytest.raises(InvalidInput) as refused:
        service.record_consent(session, place.actor(place.key_worker), victim, "maybe", [], recorded_on=today() + DAY)
    assert [p.where for p in refused.value.problems] == ["status", "purposes", "recorded_on"]
    assert count(session, Consent) == 2


def test_break_glass_without_a_reason_is_refused_and_nothing_is_written(session: Session) -> None:
    place = build_place(session)
    case = opened(session, place, "Alex", "Example", place.north.id, place.key_worker.id)
    with pytest.raises(InvalidInput) as refused:
        service.break_glass(session, place.actor(place.officer), case.id, "   ", hours=48)
    assert [(p.where, p.message) for p in refused.value.problems] == [
        ("reason", "Say why you must open this case now"),
        ("hours", "Choose from 1 to 12 hours"),
    ]
    assert count(session, BreakGlass) == 0
    with pytest.raises(AccessRefused, match="Only key workers and team managers"):
        service.break_glass(session, place.actor(place.analyst), case.id, "Curious")
    with pytest.raises(Conflict, match="You can already read this case"):
        service.break_glass(session, place.actor(place.south_worker), case.id, "Covering for a colleague")
    with pytest.raises(NotFound):
        service.break_glass(session, place.actor(place.officer), 999_999, "Urgent")


def test_break_glass_opens_the_case_until_it_expires_and_stays_on_oversight_until_reviewed(session: Session) -> None:
    place = build_place(session)
    case = opened(session, place, "Alex", "Example", place.north.id, place.key_worker.id)
    with pytest.raises(AccessRefused):
        police_read(session, place, case)

    glass = service.break_glass(
        session, place.actor(place.officer), case.id, "Called to the address tonight; need the risk history"
    )

    assert glass.expires_at - glass.opened_at == dt.timedelta(hours=4)
    police_read(session, place, case)
    found = service.oversight(session, place.actor(place.admin))
    [use] = found.break_glass
    assert (use.user_partner, use.case_reference, use.in_force) == ("Synthetic Constabulary", case.reference, True)
    assert use.reason == "Called to the address tonight; need the risk history"
    assert [r.reason for r in found.refusals.items] == []  # refusals raised here are audited by the unit of work

    glass.expires_at = utcnow() - dt.timedelta(minutes=1)
    session.flush()
    with pytest.raises(AccessRefused, match="No information sharing agreement"):
        police_read(session, place, case)
    assert not service.oversight(session, place.actor(place.admin)).break_glass[0].in_force

    with pytest.raises(AccessRefused):
        service.review_break_glass(session, place.actor(place.manager), glass.id, "Fine")
    with pytest.raises(InvalidInput, match="Write what the review found"):
        service.review_break_glass(session, place.actor(place.admin), glass.id, "")
    service.review_break_glass(session, place.actor(place.admin), glass.id, "Spoke to the officer: justified")
    assert service.oversight(session, place.actor(place.admin)).break_glass == []
    with pytest.raises(Conflict):
        service.review_break_glass(session, place.actor(place.admin), glass.id, "Again")
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("sharing.%"))))
    assert actions == {"sharing.break_glass", "sharing.break_glass_reviewed"}
    assert "need the risk history" not in "".join(session.scalars(select(AuditEntry.detail)))
