"""What an administrator does to users: add one with a temporary password, change roles, deactivate and reactivate,
unlock, sign out everywhere, give a new temporary password.

No administrator can lock themselves out: they cannot take away their own admin role or deactivate themselves.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth import service, sessions
from wholeplace.auth.actor import Actor, require
from wholeplace.auth.model import Role, User, UserRole
from wholeplace.paging import Page, paginate
from wholeplace.problems import InvalidInput, NotFound, Problem

# Letters and digits that cannot be mistaken for one another when read aloud or copied by hand (no 0/O, 1/l/I).
_CLEAR = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """Four groups of four clear characters (about 79 bits), such as `k7mq-x2rd-9fhw-p3tc`."""
    return "-".join("".join(secrets.choice(_CLEAR) for _ in range(4)) for _ in range(4))


def list_users(session: Session, actor: Actor, *, page: int, page_size: int) -> Page[User]:
    require(actor, "users.view", object_type="user")
    return paginate(session, select(User).order_by(User.name, User.email), page=page, page_size=page_size)


def get_user(session: Session, actor: Actor, user_id: int) -> User:
    require(actor, "users.view", object_type="user", object_id=user_id)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}")
    return user


def add_user(
    session: Session, actor: Actor, *, email: str, name: str, organisation_identifier: str, roles: Iterable[Role | str]
) -> tuple[User, str]:
    """Add a user with a temporary password, returned once: they must choose their own when they first sign in.

    The administrator never picks the password and never learns the one the user keeps, and no secret travels in
    a link (which would sit in browser history and proxy logs).
    """
    password = temporary_password()
    user = service.create_user(
        session,
        actor,
        email=email,
        name=name,
        organisation_identifier=organisation_identifier,
        roles=roles,
        password=password,
    )
    user.must_change_password = True
    return user, password


@dataclass(frozen=True)
class UserChanges:
    """What to change; None leaves it as it is."""

    roles: list[str] | None = None
    active: bool | None = None
    unlock: bool = False


def change_user(session: Session, actor: Actor, user_id: int, changes: UserChanges) -> User:
    """Change a user's roles, activity or lock, each change audited; all of it, or nothing when one is refused."""
    require(actor, "users.manage", object_type="user", object_id=user_id)
    user = get_user(session, actor, user_id)
    problems: list[Problem] = []
    roles: list[Role] = []
    if changes.roles is not None:
        roles, problems = service.parse_roles(changes.roles)
        if user.id == actor.user_id and Role.ADMIN in user.roles and Role.ADMIN not in roles:
            problems.append(Problem("roles", "You cannot take away your own administrator role"))
    if changes.active is False and user.id == actor.user_id:
        problems.append(Problem("active", "You cannot deactivate yourself"))
    if problems:
        raise InvalidInput(problems)
    if changes.roles is not None:
        _set_roles(session, actor, user, roles)
    if changes.active is not None and changes.active != user.active:
        _set_active(session, actor, user, changes.active)
    if changes.unlock and (user.locked_until is not None or user.failed_sign_ins):
        user.locked_until, user.failed_sign_ins = None, 0
        audit.record(session, actor, "user.unlocked", object_type="user", object_id=user.id, email=user.email)
    session.flush()
    return user


def _set_roles(session: Session, actor: Actor, user: User, roles: list[Role]) -> None:
    before = user.roles
    added, removed = sorted(set(roles) - before), sorted(before - set(roles))
    if not added and not removed:
        return
    user.role_rows = [row for row in user.role_rows if row.role not in removed] + [UserRole(role=r) for r in added]
    audit.record(
        session,
        actor,
        "user.roles_changed",
        object_type="user",
        object_id=user.id,
        email=user.email,
        added=[role.value for role in added],
        removed=[role.value for role in removed],
    )


def _set_active(session: Session, actor: Actor, user: User, active: bool) -> None:
    user.active = active
    ended = 0 if active else sessions.end_every_session(session, user.id)
    action = "user.reactivated" if active else "user.deactivated"
    detail = {} if active else {"sessions_ended": ended}
    audit.record(session, actor, action, object_type="user", object_id=user.id, email=user.email, **detail)


def sign_out_everywhere(session: Session, actor: Actor, user_id: int) -> int:
    """End every session of a user (a lost laptop, a shared computer); returns how many ended."""
    require(actor, "users.manage", object_type="user", object_id=user_id)
    user = get_user(session, actor, user_id)
    ended = sessions.end_every_session(session, user.id)
    audit.record(
        session, actor, "sign_out.everywhere", object_type="user", object_id=user.id, email=user.email, sessions=ended
    )
    return ended


def reset_password(session: Session, actor: Actor, user_id: int) -> tuple[User, str]:
    """Give a user who has forgotten their password a temporary one, returned once; their sessions end and the
    lock, if any, is lifted. They must choose their own password when they next sign in."""
    require(actor, "users.manage", object_type="user", object_id=user_id)
    user = get_user(session, actor, user_id)
    if user.id == actor.user_id:
        raise InvalidInput("Change your own password on Your account, with your current password")
    password = temporary_password()
    user.password_hash = service.PASSWORDS.hasher.hash(password)
    user.must_change_password = True
    user.locked_until, user.failed_sign_ins = None, 0
    ended = sessions.end_every_session(session, user.id)
    audit.record(
        session,
        actor,
        "user.password_reset",
        object_type="user",
        object_id=user.id,
        email=user.email,
        sessions_ended=ended,
    )
    return user, password
