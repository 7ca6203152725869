"""Browser sessions: a new one at each sign-in, ended by idle time, by age, by signing out or everywhere at once.

The cookie holds a random 256-bit token; the database keeps only its SHA-256, so a copy of the table signs no one
in. `utcnow` is this module's clock: tests move it to prove the expiries without waiting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session

from wholeplace.auth.model import User, WebSession
from wholeplace.db import utcnow
from wholeplace.settings import Settings

# A session's last sight is written when it is older than this, not on every request: idle expiry stays exact to
# the minute, and reading pages does not write a row each time.
LAST_SEEN_STEP = dt.timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, settings: Settings, user: User, *, replacing: str | None = None) -> str:
    """A new session for a user who has just proved who they are; returns the cookie value.

    The session the browser held before (`replacing`: its cookie, signed in or not) is deleted, never carried on,
    so a cookie planted before sign-in is worth nothing after it.
    """
    now = utcnow()
    if replacing:
        session.execute(delete(WebSession).where(WebSession.token_hash == digest(replacing)))
    session.execute(delete(WebSession).where(WebSession.user_id == user.id, ~_live(settings, now)))  # sweep
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(hours=settings.session_absolute_hours),
        )
    )
    return token


def session_for_cookie(session: Session, settings: Settings, token: str | None) -> WebSession | None:
    """The live session behind a cookie, marked as seen now; None when absent, idle too long, too old or its
    user deactivated. Dead sessions are swept when their user next signs in."""
    if not token:
        return None
    web_session = session.scalar(select(WebSession).where(WebSession.token_hash == digest(token)))
    if web_session is None:
        return None
    now = utcnow()
    idle_until = web_session.last_seen_at + dt.timedelta(minutes=settings.session_idle_minutes)
    if now >= web_session.expires_at or now >= idle_until or not web_session.user.active:
        return None
    if now - web_session.last_seen_at >= LAST_SEEN_STEP:
        web_session.last_seen_at = now
    return web_session


def end_session(session: Session, token: str | None) -> None:
    """Sign one browser out: its session is deleted on the server, not only forgotten by the browser."""
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))


def end_every_session(session: Session, user_id: int) -> int:
    """Sign a user out of every browser; returns how many sessions ended."""
    ended = session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return int(getattr(ended, "rowcount", 0) or 0)


def open_sessions(session: Session, settings: Settings, user_id: int) -> int:
    """How many browsers the user is signed in on now."""
    live = select(func.count()).where(WebSession.user_id == user_id, _live(settings, utcnow()))
    return session.scalar(live) or 0


def _live(settings: Settings, now: dt.datetime) -> ColumnElement[bool]:
    idle_since = now - dt.timedelta(minutes=settings.session_idle_minutes)
    return and_(WebSession.expires_at > now, WebSession.last_seen_at > idle_since)
