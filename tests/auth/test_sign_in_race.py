"""A sign-in in flight never deadlocks with the same user's page views writing their audit entries.

Sign-in holds the user's row while it checks the password (a third of a second of argon2id). An audit entry names
its user by foreign key, so inserting one takes a key-share lock on that row. Under load on PostgreSQL the two used
to deadlock: the page view held the chain's head and waited for the user's row, the sign-in held the row and
waited for the head. The row is now locked FOR NO KEY UPDATE, which a key-share does not wait for, and the head is
taken last, at commit. On SQLite the page view waits for the sign-in to commit (one writer at a time) instead.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import PASSWORD, make_user
from wholeplace import audit
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.settings import Settings

EMAIL = "officer@essex.example"


def test_a_page_view_writes_its_audit_while_the_same_user_signs_in(
    sessions: sessionmaker[Session], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with audit.unit_of_work(sessions) as session:
        actor = Actor.of(make_user(session, Role.KEY_WORKER, email=EMAIL))
        entries_before = session.scalar(select(func.count()).select_from(audit.AuditEntry))

    checking, release = threading.Event(), threading.Event()
    matches = auth_service._password_matches

    def slow_check(password_hash: str, password: str) -> bool:
        checking.set()  # the user's row is locked by now
        release.wait(timeout=30)
        return matches(password_hash, password)

    monkeypatch.setattr(auth_service, "_password_matches", slow_check)
    outcome: dict[str, object] = {}

    def sign_in() -> None:
        try:
            with audit.unit_of_work(sessions) as session:
                outcome["sign_in"] = auth_service.sign_in(session, settings, email=EMAIL, password=PASSWORD).user
        except Exception as error:  # the test reports it
            outcome["sign_in"] = error

    viewed = threading.Event()

    def view_pages() -> None:
        try:
            with audit.unit_of_work(sessions) as session:
                for case_id in range(1, 51):  # a list of fifty cases, each read recorded
                    audit.record(session, actor, "casework.read", object_type="case", object_id=case_id)
            outcome["view"] = "written"
        except Exception as error:  # the test reports it
            outcome["view"] = error
        viewed.set()

    signing_in = threading.Thread(target=sign_in)
    signing_in.start()
    assert checking.wait(timeout=30)
    viewing = threading.Thread(target=view_pages)
    viewing.start()
    on_postgres = sessions.kw["bind"].dialect.name == "postgresql"
    # PostgreSQL writes the page view's entries while the sign-in still holds the row; SQLite queues the writer.
    viewed_during_sign_in = viewed.wait(timeout=10 if on_postgres else 0.5)
    release.set()
    signing_in.join(timeout=60)
    viewing.join(timeout=60)

    assert outcome["view"] == "written", outcome
    assert getattr(outcome["sign_in"], "email", None) == EMAIL, outcome
    assert viewed_during_sign_in is on_postgres
    with sessions() as session:
        assert audit.verify(session) is None
        entries = session.scalar(select(func.count()).select_from(audit.AuditEntry))
    assert entries == entries_before + 51  # fifty reads and the sign-in
