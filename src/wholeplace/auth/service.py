"""Users, sign-in with lock-out, browser sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.audit import Outcome
from wholeplace.auth import sessions
from wholeplace.auth.actor import Actor, require
from wholeplace.auth.model import ApiToken, Role, TokenScope, User, UserRole
from wholeplace.db import utcnow
from wholeplace.partners.model import Organisation
from wholeplace.plain_text import clean_name, hidden_characters
from wholeplace.problems import AccessRefused, Conflict, InvalidInput, NotFound, NotSignedIn, Problem, Refusal
from wholeplace.settings import Settings


class PasswordHashing:
    """The process's argon2id hasher and a hash to check against when the email is unknown, so that a wrong email
    costs the same time as a wrong password."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.use(hasher)

    def use(self, hasher: PasswordHasher) -> None:
        """Hash with other parameters from now on (tests use argon2's cheapest, to spend their time on tests)."""
        self.hasher = hasher
        self.dummy_hash = hasher.hash("not a password anyone has")


# RFC 9106's second recommended option (64 MiB, 3 passes) with 2 lanes rather than 4: the same memory and work to
# guess a password, spread over the two cores of a small server, where four lanes only queued behind each other
# and held up every other request while one person signed in (110 ms against 133 ms here). Hashes made with other
# parameters are checked as made and replaced at the next sign-in.
PASSWORDS = PasswordHashing(PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=2))
MIN_PASSWORD_LENGTH = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254  # RFC 5321's longest path, and the column's width
TOKEN_PREFIX = "wp_"
TOKEN_DAYS = (30, 90, 365)  # the lifetimes a token may have: a year at most
READING = frozenset({"GET", "HEAD", "OPTIONS"})  # the methods a read-only token may use


def password_problems(password: str, *, where: str = "password") -> list[Problem]:
    """The one rule for every password, whoever sets it (console, administrator, the user): 12 characters or more.

    NCSC and NIST SP 800-63B advise length over composition rules, which people meet with predictable patterns.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return [Problem(where, f"Password must be {MIN_PASSWORD_LENGTH} characters or more")]
    return []


def _email_problems(email: str) -> list[Problem]:
    if len(email) > MAX_EMAIL_LENGTH:
        return [Problem("email", f"Email address must be {MAX_EMAIL_LENGTH} characters or fewer")]
    if not _EMAIL.match(email) or hidden_characters(email):
        return [Problem("email", "Enter an email address in the correct format, like name@example.org")]
    return []


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
    problems = _email_problems(email)
    name, name_problems = clean_name(name, where="name", label="Name", max_length=200)
    problems += name_problems
    problems += password_problems(password)
    role_values, role_problems = parse_roles(roles)
    problems += role_problems
    organisation = _organisation(session, organisation_identifier)
    if organisation is None and not organisation_identifier.strip():
        problems.append(Problem("organisation", "Select a partner"))
    elif organisation is None:
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


def parse_roles(roles: Iterable[Role | str]) -> tuple[list[Role], list[Problem]]:
    """Roles named by their codes, with a problem for each that is not a role and when there are none."""
    requested = list(roles)
    found, problems = [], []
    for role in requested:
        try:
            found.append(Role(role))
        except ValueError:
            problems.append(Problem("roles", f"'{role}' is not a role. Roles are: {', '.join(Role)}"))
    if not requested:
        problems.append(Problem("roles", "Select at least one role"))
    return sorted(set(found)), problems


def _organisation(session: Session, identifier: str) -> Organisation | None:
    identifier = identifier.strip()
    if not identifier or hidden_characters(identifier) or len(identifier) > 100:
        return None
    return session.scalar(select(Organisation).where(Organisation.identifier == identifier))


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
    refused = SignInResult(None, refusal_message(settings))
    user = session.scalar(select(User).where(User.email == email).with_for_update(of=User, key_share=True))
    if user is None:
        _password_matches(PASSWORDS.dummy_hash, password)
        audit.record(
            session, Actor.anonymous(email or "anonymous"), "sign_in", outcome=Outcome.REFUSED, reason="unknown email"
        )
        return refused
    actor = Actor.of(user)
    reason = _check_password(settings, user, password, counting_inactive=True)
    if reason is None:
        user.last_signed_in_at = utcnow()
        audit.record(session, actor, "sign_in", object_type="user", object_id=user.id)
        return SignInResult(user, "")
    audit.record(
        session, actor, "sign_in", object_type="user", object_id=user.id, outcome=Outcome.REFUSED, reason=reason
    )
    return refused


def _check_password(settings: Settings, user: User, password: str, *, counting_inactive: bool) -> str | None:
    """None when the password is the user's and the account is open; else why not, with the failure counted
    (and the account locked at the limit). Always one hash checked, whatever the outcome."""
    now = utcnow()
    matches = _password_matches(user.password_hash, password)
    if user.locked_until is not None and user.locked_until > now:
        return "account locked"
    inactive = counting_inactive and not user.active
    if matches and not inactive:
        user.failed_sign_ins = 0
        user.locked_until = None
        if PASSWORDS.hasher.check_needs_rehash(user.password_hash):
            user.password_hash = PASSWORDS.hasher.hash(password)
        return None
    user.failed_sign_ins += 1
    reason = "account inactive" if inactive else "wrong password"
    if user.failed_sign_ins >= settings.max_failed_sign_ins:
        user.locked_until = now + dt.timedelta(minutes=settings.lockout_minutes)
        user.failed_sign_ins = 0
        reason += "; account locked"
    return reason


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


def sign_out(session: Session, actor: Actor, cookie: str | None) -> None:
    """End this browser's session on the server."""
    sessions.end_session(session, cookie)
    audit.record(session, actor, "sign_out", object_type="user", object_id=actor.user_id)


def sign_out_everywhere(session: Session, actor: Actor) -> int:
    """End every session of the acting user, this browser's included; returns how many ended."""
    if actor.user_id is None:
        raise InvalidInput("Only a user signed in with a password has sessions")
    ended = sessions.end_every_session(session, actor.user_id)
    audit.record(session, actor, "sign_out.everywhere", object_type="user", object_id=actor.user_id, sessions=ended)
    return ended


@dataclass(frozen=True)
class PasswordChange:
    """The new cookie for this browser when the password changed; else the problems, field by field."""

    cookie: str | None
    problems: list[Problem] = field(default_factory=list)


def change_password(
    session: Session, settings: Settings, actor: Actor, *, current: str, new: str, confirm: str, cookie: str | None
) -> PasswordChange:
    """Change the acting user's own password, ending every other session and rotating this one.

    Returned, not raised, like a sign-in: a wrong current password counts towards the lock-out, and that count and
    its audit entry must commit. Reaching the lock also signs the user out everywhere, so that someone guessing
    from a stolen session loses it.
    """
    if actor.user_id is None:
        raise InvalidInput("Only a user signed in with a password can change it")
    user = session.scalar(select(User).where(User.id == actor.user_id).with_for_update(of=User, key_share=True))
    if user is None:
        raise NotFound("Your account no longer exists")
    problems = [] if current else [Problem("current_password", "Enter your current password")]
    problems += password_problems(new, where="new_password")
    if new != confirm:
        problems.append(Problem("confirm_password", "Enter the same new password twice"))
    elif new and new == current:
        problems.append(Problem("new_password", "Enter a new password that is not the same as your current one"))
    if problems:
        return PasswordChange(None, problems)
    if (reason := _check_password(settings, user, current, counting_inactive=False)) is not None:
        audit.record(
            session,
            actor,
            "password.changed",
            object_type="user",
            object_id=user.id,
            outcome=Outcome.REFUSED,
            reason=reason,
        )
        if reason.endswith("; account locked"):  # locked by this very try
            sessions.end_every_session(session, user.id)
        return PasswordChange(None, [Problem("current_password", _wrong_current_message(settings, reason))])
    user.password_hash = PASSWORDS.hasher.hash(new)
    user.must_change_password = False
    ended = sessions.end_every_session(session, user.id)
    others = max(ended - 1, 0) if cookie else ended
    audit.record(session, actor, "password.changed", object_type="user", object_id=user.id, other_sessions_ended=others)
    return PasswordChange(sessions.start_session(session, settings, user))


def _wrong_current_message(settings: Settings, reason: str) -> str:
    if "locked" in reason:
        return (
            f"Your account is locked for {settings.lockout_minutes} minutes after too many wrong passwords. "
            "Sign in again when it has passed, or ask an administrator"
        )
    return "Your current password is not right. Enter it again"


def create_token(
    session: Session,
    actor: Actor,
    *,
    name: str,
    scope: TokenScope | str = TokenScope.WRITE,
    days: int = 90,
    for_user: User | None = None,
) -> tuple[ApiToken, str]:
    """A new API token for the acting user, or made by an administrator for `for_user`.

    It may read only, or read and write (`scope`), and works for `days` days (30, 90 or 365). The secret is
    returned once and never stored. The audit trail names who made the token and whose it is.
    """
    owner_id = _token_owner(actor, for_user, "users.manage")
    name, problems = clean_name(name, where="name", label="Name", max_length=100)
    if problems and not name:
        problems = [Problem("name", "Enter a name for the token, such as 'monthly finance export'")]
    if str(scope) not in {choice.value for choice in TokenScope}:
        problems.append(Problem("scope", "Select what the token may do: read only, or read and write"))
    if days not in TOKEN_DAYS:
        problems.append(Problem("days", "Select how long the token lasts: 30, 90 or 365 days"))
    if problems:
        raise InvalidInput(problems)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=owner_id,
        name=name,
        token_hash=sessions.digest(secret),
        prefix=secret[:10],
        scope=TokenScope(scope),
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor,
        "api_token.created",
        object_type="api_token",
        object_id=token.id,
        name=token.name,
        scope=token.scope.value,
        expires_at=token.expires_at.isoformat(timespec="seconds"),
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


def actor_for_token(session: Session, bearer: str, *, method: str = "GET") -> Actor:
    """The user behind a bearer token, for a request of this HTTP method.

    NotSignedIn when the token is unknown, revoked, expired or its user deactivated (checked on every request, so a
    revocation works at once); AccessRefused when a read-only token asks to change something.
    """
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == sessions.digest(bearer)))
    if token is None or token.revoked_at is not None or not token.user.active:
        raise NotSignedIn("The API token is not valid: it is unknown or was revoked")
    now = utcnow()
    if now >= token.expires_at:
        raise NotSignedIn("The API token has expired. Create a new one on Your account")
    actor = Actor.of(token.user)
    if token.scope is TokenScope.READ and method.upper() not in READING:
        reason = "This API token may only read. Use a token that may read and write to change anything"
        raise AccessRefused(reason, Refusal(actor, "api_token.write", "api_token", str(token.id), reason))
    token.last_used_at = now
    return actor


def user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound([Problem("email", f"There is no user with email {email}")])
    return user


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0
