"""Users, sign-in with lock-out, browser sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.audit import Outcome
from wholeplace.auth.actor import Actor, require
from wholeplace.auth.model import ApiToken, Role, User, UserRole, WebSession
from wholeplace.db import utcnow
from wholeplace.partners.model import Organisation
from wholeplace.plain_text import clean_name
from wholeplace.problems import Conflict, InvalidInput, NotFound, NotSignedIn, Problem
from wholeplace.settings import Settings


class PasswordHashing:
    """The process's argon2 hasher (argon2-cffi's defaults, RFC 9106's second recommended option) and a hash to
    check against when the email is unknown, so that a wrong email costs the same time as a wrong password."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.use(hasher)

    def use(self, hasher: PasswordHasher) -> None:
        """Hash with other parameters from now on (tests use argon2's cheapest, to spend their time on tests)."""
        self.hasher = hasher
        self.dummy_hash = hasher.hash("not a password anyone has")


PASSWORDS = PasswordHashing(PasswordHasher())
MIN_PASSWORD_LENGTH = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "wp_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    organisation_identifier: str,
    roles: Iterable[Role | str],
    password: str,
) -> User:
    """Add a user in a partner organisation with the given roles."""
    require(actor, "users.manage", object_type="user")
    email = email.strip().lower()
    problems = []
    if not _EMAIL.match(email):
        problems.append(Problem("email", "Enter an email address in the correct format, like name@example.org"))
    name, name_problems = clean_name(name, where="name", label="Name", max_length=200)
    problems += name_problems
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(Problem("password", f"Password must be {MIN_PASSWORD_LENGTH} characters or more"))
    requested_roles = list(roles)
    role_values = []
    for role in requested_roles:
        try:
            role_values.append(Role(role))
        except ValueError:
            problems.append(Problem("roles", f"'{role}' is not a role. Roles are: {', '.join(Role)}"))
    if not requested_roles:
        problems.append(Problem("roles", "Select at least one role"))
    organisation = session.scalar(
        select(Organisation).where(Organisation.identifier == organisation_identifier.strip())
    )
    if organisation is None:
        problems.append(Problem("organisation", f"There is no partner with identifier '{organisation_identifier}'"))
    if problems:
        raise InvalidInput(problems)
    if session.scalar(select(User).where(User.email == email)):
        raise Conflict([Problem("email", f"There is already a user with email {email}")])
    assert organisation is not None
    user = User(
        email=email,
        name=name,
        organisation_id=organisation.id,
        password_hash=PASSWORDS.hasher.hash(password),
        role_rows=[UserRole(role=role) for role in sorted(set(role_values))],
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.created",
        object_type="user",
        object_id=user.id,
        email=email,
        roles=sorted(set(role_values)),
    )
    return user


def list_users(session: Session, actor: Actor) -> list[User]:
    require(actor, "users.view", object_type="user")
    return list(session.scalars(select(User).order_by(User.email)))


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    message: str  # shown to the user when user is None


def sign_in(session: Session, settings: Settings, *, email: str, password: str) -> SignInResult:
    """Check a password. Failures count towards a lock-out and, like successes, are audited.

    The result is returned, not raised, so that the failure count and its audit entry commit. Every refusal
    says the same words after the same work (one password hash checked), so that neither the answer nor its
    speed tells a stranger whether an account exists or is locked. The user's row is locked first (and the
    whole transaction on SQLite), so failures at the same moment are counted one after another.
    """
    email = email.strip().lower()
    now = utcnow()
    refused = SignInResult(None, refusal_message(settings))
    user = session.scalar(select(User).where(User.email == email).with_for_update(of=User))
    if user is None:
        _password_matches(PASSWORDS.dummy_hash, password)
        audit.record(
            session, Actor.anonymous(email or "anonymous"), "sign_in", outcome=Outcome.REFUSED, reason="unknown email"
        )
        return refused
    actor = Actor.of(user)
    matches = _password_matches(user.password_hash, password)
    if user.locked_until is not None and user.locked_until > now:
        reason = "account locked"
    elif not user.active or not matches:
        user.failed_sign_ins += 1
        reason = "account inactive" if not user.active else "wrong password"
        if user.failed_sign_ins >= settings.max_failed_sign_ins:
            user.locked_until = now + dt.timedelta(minutes=settings.lockout_minutes)
            user.failed_sign_ins = 0
            reason += "; account locked"
    else:
        user.failed_sign_ins = 0
        user.locked_until = None
        if PASSWORDS.hasher.check_needs_rehash(user.password_hash):
            user.password_hash = PASSWORDS.hasher.hash(password)
        audit.record(session, actor, "sign_in", object_type="user", object_id=user.id)
        return SignInResult(user, "")
    audit.record(
        session, actor, "sign_in", object_type="user", object_id=user.id, outcome=Outcome.REFUSED, reason=reason
    )
    return refused


def refusal_message(settings: Settings) -> str:
    """The one answer to every refused sign-in, which also says how the lock-out works."""
    return (
        f"Enter a correct email address and password. After {settings.max_failed_sign_ins} wrong tries in a row "
        f"an account is locked for {settings.lockout_minutes} minutes: if yours is, wait, or ask an administrator"
    )


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return PASSWORDS.hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def start_session(session: Session, settings: Settings, user: User) -> str:
    """A new browser session for a signed-in user; returns the cookie value."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_digest(token),
            user_id=user.id,
            expires_at=utcnow() + dt.timedelta(hours=settings.session_hours),
        )
    )
    return token


def actor_for_session(session: Session, settings: Settings, token: str | None) -> Actor | None:
    """The signed-in user behind a session cookie, sliding its expiry; None when absent or expired."""
    if not token:
        return None
    web_session = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
    now = utcnow()
    if web_session is None or web_session.expires_at <= now or not web_session.user.active:
        return None
    web_session.expires_at = now + dt.timedelta(hours=settings.session_hours)
    return Actor.of(web_session.user)


def end_session(session: Session, actor: Actor, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))
    audit.record(session, actor, "sign_out", object_type="user", object_id=actor.user_id)


def create_token(session: Session, actor: Actor, *, name: str, for_user: User | None = None) -> tuple[ApiToken, str]:
    """A new API token for the acting user, or made by an administrator for `for_user`.

    The secret is returned once and never stored. The audit trail names who made the token and whose it is.
    """
    owner_id = _token_owner(actor, for_user, "users.manage")
    if not name.strip():
        raise InvalidInput([Problem("name", "Enter a name for the token, such as 'monthly finance export'")])
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=owner_id, name=name.strip(), token_hash=_digest(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor,
        "api_token.created",
        object_type="api_token",
        object_id=token.id,
        name=token.name,
        **({"for_user": for_user.email} if for_user is not None else {}),
    )
    return token, secret


def _token_owner(actor: Actor, for_user: User | None, action: str) -> int:
    """Whose token it is: the actor's own, or, for an administrator acting on their behalf, the user's."""
    if for_user is not None and for_user.id != actor.user_id:
        require(actor, action, object_type="user", object_id=for_user.id)
        return for_user.id
    if actor.user_id is None:
        raise InvalidInput("API tokens belong to a user: sign in as one")
    return actor.user_id


def list_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.created_at.desc()))
    )


def revoke_token(session: Session, actor: Actor, *, token_id: int, for_user: User | None = None) -> ApiToken:
    owner_id = _token_owner(actor, for_user, "users.manage")
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != owner_id:
        whose = "You have" if for_user is None else f"{for_user.email} has"
        raise NotFound(f"{whose} no API token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session,
            actor,
            "api_token.revoked",
            object_type="api_token",
            object_id=token.id,
            **({"for_user": for_user.email} if for_user is not None else {}),
        )
    return token


def actor_for_token(session: Session, bearer: str) -> Actor:
    """The user behind a bearer token, or NotSignedIn."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(bearer)))
    if token is None or token.revoked_at is not None or not token.user.active:
        raise NotSignedIn("The API token is not valid: it is unknown or was revoked")
    token.last_used_at = utcnow()
    return Actor.of(token.user)


def user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound([Problem("email", f"There is no user with email {email}")])
    return user


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0
