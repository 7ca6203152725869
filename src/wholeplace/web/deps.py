"""FastAPI dependencies: the unit of work, the acting user, and CSRF-checked forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from wholeplace.audit import unit_of_work
from wholeplace.auth import service as auth_service
from wholeplace.auth import sessions as auth_sessions
from wholeplace.auth.actor import Actor
from wholeplace.problems import NotSignedIn
from wholeplace.settings import Settings
from wholeplace.web.security import CSRF_FIELD, SESSION_COOKIE, PasswordChangeNeeded, check_csrf

# The pages open to a user who signed in with a temporary password: choosing their own, and signing out.
PASSWORD_FIRST = frozenset({"/account/password", "/sign-out"})


def _db_session(request: Request) -> Iterator[Session]:
    with unit_of_work(request.app.state.sessions) as session:
        request.state.db_session = session  # for the `user_name` filter of the page this request renders
        yield session


# scope="function": commit before the response is sent, so a failed commit is never reported as success.
DbSession = Annotated[Session, Depends(_db_session, scope="function")]


def _settings(request: Request) -> Settings:
    return request.app.state.settings


AppSettings = Annotated[Settings, Depends(_settings)]


def _page_actor(request: Request, session: DbSession, settings: AppSettings) -> Actor:
    web_session = auth_sessions.session_for_cookie(session, settings, request.cookies.get(SESSION_COOKIE))
    if web_session is None:
        raise NotSignedIn("Sign in to continue")
    actor = Actor.of(web_session.user)
    request.state.actor = actor
    request.state.account_name = web_session.user.name  # the header names the user; the email stays out of sight
    if web_session.user.must_change_password and request.url.path not in PASSWORD_FIRST:
        raise PasswordChangeNeeded("Choose your own password to continue")
    return actor


def _api_actor(request: Request, session: DbSession) -> Actor:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise NotSignedIn("Send an API token in the header 'Authorization: Bearer <token>'")
    # The method decides what a read-only token may do; the role checks of each operation still follow.
    actor = auth_service.actor_for_token(session, credentials.strip(), method=request.method)
    request.state.actor = actor  # for the request's log line (web/request_log.py)
    return actor


PageActor = Annotated[Actor, Depends(_page_actor)]
ApiActor = Annotated[Actor, Depends(_api_actor)]


async def _checked_form(request: Request) -> FormData:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    return form


CheckedForm = Annotated[FormData, Depends(_checked_form)]
