"""Users, their roles, web sign-in sessions and API tokens."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholeplace.db import CLASH, Base, UTCDateTime, enum_of, utcnow
from wholeplace.partners.model import Organisation


class Role(StrEnum):
    ADMIN = "admin"
    FINANCE = "finance"
    PROGRAMME = "programme"
    ANALYST = "analyst"
    KEY_WORKER = "key_worker"
    TEAM_MANAGER = "team_manager"
    DECISION_MAKER = "decision_maker"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        """The role as people say it, for pages: "Finance officer", not `finance`."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.FINANCE: "Finance officer",
    Role.PROGRAMME: "Programme manager",
    Role.ANALYST: "Analyst",
    Role.KEY_WORKER: "Key worker",
    Role.TEAM_MANAGER: "Team manager",
    Role.DECISION_MAKER: "Decision maker",
    Role.VIEWER: "Viewer",
}


class TokenScope(StrEnum):
    """What an API token may do: `read` only GET (and HEAD, OPTIONS); `write` every method. Roles still apply."""

    READ = "read"
    WRITE = "write"

    @property
    def label(self) -> str:
        return "Read only" if self is TokenScope.READ else "Read and write"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(
        String(254), unique=True, info={CLASH: "A user with this email address was added at the same moment"}
    )
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set with a temporary password an administrator handed over: every page but "Change your password" waits.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    last_signed_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    @property
    def locked(self) -> bool:
        """Locked now by wrong passwords (the lock lifts by itself at `locked_until`)."""
        return self.locked_until is not None and self.locked_until > utcnow()


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_of(Role, 20), primary_key=True)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored.

    It ends at `expires_at` (the absolute limit, set at sign-in) or when unused for the idle limit after
    `last_seen_at`, whichever comes first (settings `session_absolute_hours`, `session_idle_minutes`).
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token for /api/v1, created and revoked by its user; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    scope: Mapped[TokenScope] = mapped_column(enum_of(TokenScope, 10))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def expired(self) -> bool:
        return self.expires_at <= utcnow()
