"""Users, sign-in with lock-out, browser sessions and API tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import PASSWORD, make_organisation, make_user
from tests.funds.test_concurrency import run_at_once
from wholeplace import audit
from wholeplace.audit import AuditEntry
from wholeplace.auth import service, sessions
from wholeplace.auth.actor import Actor, allowed, require
from wholeplace.auth.model import ApiToken, Role, User, WebSession
from wholeplace.db import utcnow
from wholeplace.problems import AccessRefused, Conflict, InvalidInput, NotFound, NotSignedIn, Problem, Refusal
from wholeplace.settings import Settings

OFFICER = "officer@essex.example"


def sign_in_entries(session: Session) -> list[tuple[str, str, dict[str, str]]]:
    """Each sign-in audit entry as (actor, outcome, detail), oldest first."""
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in").order_by(AuditEntry.seq))
    return [(entry.actor, entry.outcome, json.loads(entry.detail)) for entry in entries]


# Creating users


def test_a_user_is_created_in_a_partner_with_their_roles(session: Session) -> None:
    make_organisation(session)
    user = service.create_user(
        session,
        Actor.console(),
        email=" Officer@Essex.Example ",
        name="  Alex Officer ",
        organisation_identifier="GB-LAE-ESS",
        roles=["finance", Role.VIEWER],
        password=PASSWORD,
    )
    assert user.email == OFFICER
    assert user.name == "Alex Officer"
    assert user.organisation.identifier == "GB-LAE-ESS"
    assert user.roles == {Role.FINANCE, Role.VIEWER}
    assert PASSWORD not in user.password_hash
    created = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.created")).one()
    assert created.object_id == str(user.id)
    assert json.loads(created.detail) == {"email": OFFICER, "roles": ["finance", "viewer"]}


def test_every_problem_with_a_new_user_is_reported_together(session: Session) -> None:
    make_organisation(session)
    with pytest.raises(InvalidInput) as refused:
        service.create_user(
            session,
            Actor.console(),
            email="officer at essex",
            name="Alex Officer",
            organisation_identifier="GB-LAE-XXX",
            roles=["viewer", "superuser"],
            password="short",
        )
    assert refused.value.problems == [
        Problem("email", "Enter an email address in the correct format, like name@example.org"),
        Problem("password", "Password must be 12 characters or more"),
        Problem(
            "roles",
            "'superuser' is not a role. Roles are: admin, finance, programme, analyst, key_worker, "
            "team_manager, decision_maker, viewer",
        ),
        Problem("organisation", "There is no partner with identifier 'GB-LAE-XXX'"),
    ]
    assert session.scalars(select(User)).all() == []


def test_a_user_with_no_roles_is_refused(session: Session) -> None:
    make_organisation(session)
    with pytest.raises(InvalidInput) as refused:
        service.create_user(
            session,
            Actor.console(),
            email=OFFICER,
            name="Alex Officer",
            organisation_identifier="GB-LAE-ESS",
            roles=[],
            password=PASSWORD,
        )
    assert refused.value.problems == [Problem("roles", "Select at least one role")]


def test_a_second_user_with_the_same_email_is_a_conflict(session: Session) -> None:
    make_user(session, email=OFFICER)
    with pytest.raises(Conflict) as refused:
        make_user(session, email="OFFICER@essex.example")
    assert refused.value.problems == [Problem("email", f"There is already a user with email {OFFICER}")]


def test_only_an_admin_may_create_users(session: Session) -> None:
    viewer = Actor.of(make_user(session, Role.VIEWER))
    with pytest.raises(AccessRefused):
        service.create_user(
            session,
            viewer,
            email="another@essex.example",
            name="Another Officer",
            organisation_identifier="GB-LAE-ESS",
            roles=["admin"],
            password=PASSWORD,
        )


# Signing in


def test_the_right_password_signs_in_and_is_audited(session: Session, settings: Settings) -> None:
    user = make_user(session, email=OFFICER)
    result = service.sign_in(session, settings, email=" Officer@Essex.example", password=PASSWORD)
    assert result.user is user
    assert result.message == ""
    assert sign_in_entries(session) == [(OFFICER, "allowed", {})]


def test_a_wrong_password_is_refused_counted_and_audited(session: Session, settings: Settings) -> None:
    user = make_user(session, email=OFFICER)
    result = service.sign_in(session, settings, email=OFFICER, password="Tr0ub4dor&3")
    assert result.user is None
    assert result.message == service.refusal_message(settings)
    assert user.failed_sign_ins == 1
    assert user.locked_until is None
    assert sign_in_entries(session) == [(OFFICER, "refused", {"reason": "wrong password"})]


def test_a_right_password_after_a_wrong_one_clears_the_count(session: Session, settings: Settings) -> None:
    user = make_user(session, email=OFFICER)
    service.sign_in(session, settings, email=OFFICER, password="Tr0ub4dor&3")
    assert service.sign_in(session, settings, email=OFFICER, password=PASSWORD).user is user
    assert user.failed_sign_ins == 0


def test_three_wrong_passwords_lock_the_account_even_against_the_right_one(
    session: Session, settings: Settings
) -> None:
    user = make_user(session, email=OFFICER)
    results = [service.sign_in(session, settings, email=OFFICER, password="Tr0ub4dor&3") for _ in range(3)]
    assert [result.user for result in results] == [None, None, None]
    assert results[2].message == service.refusal_message(settings)
    assert user.locked_until is not None
    # settings.lockout_minutes is 15: locked until about a quarter of an hour from now.
    assert dt.timedelta(minutes=14) < user.locked_until - utcnow() <= dt.timedelta(minutes=15)

    locked = service.sign_in(session, settings, email=OFFICER, password=PASSWORD)
    assert locked.user is None
    assert locked.message == (
        "Enter a correct email address and password. After 3 wrong tries in a row an account is locked for "
        "15 minutes: if yours is, wait, or ask an administrator"
    )
    assert sign_in_entries(session) == [
        (OFFICER, "refused", {"reason": "wrong password"}),
        (OFFICER, "refused", {"reason": "wrong password"}),
        (OFFICER, "refused", {"reason": "wrong password; account locked"}),
        (OFFICER, "refused", {"reason": "account locked"}),
    ]


def test_the_right_password_works_again_once_the_lock_has_passed(session: Session, settings: Settings) -> None:
    user = make_user(session, email=OFFICER)
    for _ in range(3):
        service.sign_in(session, settings, email=OFFICER, password="Tr0ub4dor&3")
    user.locked_until = utcnow() - dt.timedelta(seconds=1)
    session.flush()
    assert service.sign_in(session, settings, email=OFFICER, password=PASSWORD).user is user
    assert user.locked_until is None


def test_an_unknown_email_is_refused_and_audited(session: Session, settings: Settings) -> None:
    make_user(session, email=OFFICER)
    result = service.sign_in(session, settings, email="stranger@essex.example", password=PASSWORD)
    assert result.user is None
    assert result.message == service.refusal_message(settings)
    assert sign_in_entries(session) == [("stranger@essex.example", "refused", {"reason": "unknown email"})]


def test_a_locked_account_and_an_unknown_email_get_the_same_words_after_the_same_work(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(session, email=OFFICER)
    for _ in range(3):
        service.sign_in(session, settings, email=OFFICER, password="Tr0ub4dor&3")
    checked: list[str] = []
    real = service._password_matches

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash[:9])
        return real(password_hash, password)

    monkeypatch.setattr(service, "_password_matches", counting)
    locked = service.sign_in(session, settings, email=OFFICER, password=PASSWORD)
    unknown = service.sign_in(session, settings, email="stranger@essex.example", password=PASSWORD)
    assert locked == unknown == service.SignInResult(None, service.refusal_message(settings))
    assert checked == ["$argon2id", "$argon2id"]  # one hash checked on each path: the same work, the same time


def test_thirty_wrong_passwords_at_once_are_counted_one_after_another_and_lock_the_account(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sessions() as session, session.begin():
        make_user(session, email=OFFICER)

    def try_wrong(_: int) -> str:
        with audit.unit_of_work(sessions) as session:
            return str(service.sign_in(session, settings, email=OFFICER, password="Tr0ub4dor&3").user)

    assert run_at_once(30, try_wrong) == ["None"] * 30
    with sessions() as session:
        reasons = [detail.get("reason") for _, _, detail in sign_in_entries(session)]
    # settings lock after 3: two wrong, the third locks, and the other 27 meet the lock
    assert reasons == ["wrong password"] * 2 + ["wrong password; account locked"] + ["account locked"] * 27


def test_an_inactive_user_cannot_sign_in(session: Session, settings: Settings) -> None:
    user = make_user(session, email=OFFICER)
    user.active = False
    session.flush()
    assert service.sign_in(session, settings, email=OFFICER, password=PASSWORD).user is None
    assert sign_in_entries(session) == [(OFFICER, "refused", {"reason": "account inactive"})]


# Browser sessions (their promises, with a clock, are in test_sessions.py)


def test_a_session_cookie_leads_back_to_its_user(session: Session, settings: Settings) -> None:
    user = make_user(session, Role.FINANCE, email=OFFICER)
    cookie = sessions.start_session(session, settings, user)
    web_session = sessions.session_for_cookie(session, settings, cookie)
    assert web_session is not None
    assert Actor.of(web_session.user) == Actor(user.id, OFFICER, user.organisation_id, frozenset({Role.FINANCE}))
    stored = session.scalars(select(WebSession)).one()
    assert stored.token_hash == hashlib.sha256(cookie.encode()).hexdigest()


def test_no_cookie_or_an_unknown_cookie_is_no_one(session: Session, settings: Settings) -> None:
    make_user(session, email=OFFICER)
    assert sessions.session_for_cookie(session, settings, None) is None
    assert sessions.session_for_cookie(session, settings, "") is None
    assert sessions.session_for_cookie(session, settings, "not-a-session") is None


def test_signing_out_ends_the_session(session: Session, settings: Settings) -> None:
    user = make_user(session, email=OFFICER)
    cookie = sessions.start_session(session, settings, user)
    service.sign_out(session, Actor.of(user), cookie)
    assert sessions.session_for_cookie(session, settings, cookie) is None
    assert session.scalars(select(WebSession)).all() == []
    sign_out = session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_out")).one()
    assert sign_out.object_id == str(user.id)


# API tokens


def test_an_api_token_leads_back_to_its_user(session: Session) -> None:
    user = make_user(session, Role.ANALYST, email=OFFICER)
    token, secret = service.create_token(session, Actor.of(user), name="monthly finance export")
    assert secret.startswith("wp_")
    assert token.name == "monthly finance export"
    assert token.prefix == secret[:10]
    actor = service.actor_for_token(session, secret)
    assert actor == Actor(user.id, OFFICER, user.organisation_id, frozenset({Role.ANALYST}))
    assert token.last_used_at is not None


def test_only_the_sha256_of_an_api_token_is_stored(session: Session) -> None:
    user = make_user(session, email=OFFICER)
    token, secret = service.create_token(session, Actor.of(user), name="monthly finance export")
    session.flush()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    for table in ("api_tokens", "audit_entries"):
        for row in session.execute(text(f"SELECT * FROM {table}")):
            assert not any(secret in str(value) for value in row), table


def test_an_unknown_api_token_is_refused(session: Session) -> None:
    make_user(session, email=OFFICER)
    with pytest.raises(NotSignedIn):
        service.actor_for_token(session, "wp_" + "x" * 43)


def test_a_blank_token_name_is_refused(session: Session) -> None:
    user = make_user(session, email=OFFICER)
    with pytest.raises(InvalidInput) as refused:
        service.create_token(session, Actor.of(user), name="  ")
    assert [problem.where for problem in refused.value.problems] == ["name"]


def test_the_console_cannot_hold_an_api_token(session: Session) -> None:
    with pytest.raises(InvalidInput, match="API tokens belong to a user"):
        service.create_token(session, Actor.console(), name="monthly finance export")


def test_a_revoked_api_token_is_refused(session: Session) -> None:
    user = make_user(session, email=OFFICER)
    actor = Actor.of(user)
    token, secret = service.create_token(session, actor, name="monthly finance export")
    revoked = service.revoke_token(session, actor, token_id=token.id)
    assert revoked.revoked_at is not None
    with pytest.raises(NotSignedIn):
        service.actor_for_token(session, secret)
    assert session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "api_token")).all() == [
        "api_token.created",
        "api_token.revoked",
    ]


def test_revoking_another_users_token_is_not_found(session: Session) -> None:
    owner = make_user(session, email=OFFICER)
    other = make_user(session, Role.ADMIN, email="admin@essex.example")
    token, secret = service.create_token(session, Actor.of(owner), name="monthly finance export")
    with pytest.raises(NotFound):
        service.revoke_token(session, Actor.of(other), token_id=token.id)
    assert service.actor_for_token(session, secret).user_id == owner.id
    assert session.get(ApiToken, token.id).revoked_at is None


def test_revoking_a_token_that_does_not_exist_is_not_found(session: Session) -> None:
    user = make_user(session, email=OFFICER)
    with pytest.raises(NotFound, match="You have no API token 999"):
        service.revoke_token(session, Actor.of(user), token_id=999)


# Who may do what (auth/actor.py)

VIEWER = Actor(7, "viewer@essex.example", 1, frozenset({Role.VIEWER}))
ADMIN = Actor(8, "admin@essex.example", 1, frozenset({Role.ADMIN}))


def test_a_viewer_editing_partners_is_refused_with_a_refusal_to_audit() -> None:
    with pytest.raises(AccessRefused) as refused:
        require(VIEWER, "partners.edit", object_type="organisation", object_id=12)
    reason = "Only a user with the role admin can do this"
    assert refused.value.problems == [Problem("", reason)]
    assert refused.value.refusal == Refusal(VIEWER, "partners.edit", "organisation", "12", reason)


def test_an_admin_may_edit_partners() -> None:
    assert allowed(ADMIN, "partners.edit")
    require(ADMIN, "partners.edit")


def test_a_viewer_may_view_partners_but_not_edit_them() -> None:
    assert allowed(VIEWER, "partners.view")
    assert not allowed(VIEWER, "partners.edit")


def test_someone_not_signed_in_may_do_nothing() -> None:
    assert not allowed(Actor.anonymous(), "partners.view")
