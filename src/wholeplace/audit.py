"""The append-only audit trail, chained by SHA-256 so that any edit, deletion or insertion shows.

Each entry stores the hash of the entry before it and its own hash over its fields and that
link. `verify` walks the chain; the single `audit_head` row records the last sequence number
and hash so that cutting entries off the end shows too. Appending locks the head row, so
concurrent writers queue for their place in the chain instead of forking it.

An entry is written where it is recorded, in the caller's transaction, but takes its place in the chain only as
that transaction commits (`seal`). So the head is locked for the commit alone, not while a page renders, and it is
the last lock any transaction takes: two transactions can never each hold what the other waits for (a deadlock).
For the same reason other rows are locked FOR NO KEY UPDATE, never FOR UPDATE: inserting an entry takes a key-share
lock on its user's row (the foreign key), which FOR UPDATE would block while its holder waited for the head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, event, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, mapped_column, sessionmaker

from wholeplace.auth.actor import Actor, require
from wholeplace.db import Base, UTCDateTime, clash_message, utcnow
from wholeplace.paging import Page, paginate
from wholeplace.problems import AccessRefused, Conflict

GENESIS = "0" * 64
CONSOLE_PREFIX = "console:"  # the label of the operator at the server's console (Actor.console)
# The id of the web request being served (set by web/request_log.py): entries written while serving it name it in
# their detail, so an entry leads to the request's log line. Outside a request (the CLI) it is None and adds nothing.
REQUEST_ID: ContextVar[str | None] = ContextVar("wholeplace_request_id", default=None)


class Outcome(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(254))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    action: Mapped[str] = mapped_column(String(100), index=True)
    object_type: Mapped[str | None] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def fields(self) -> dict[str, Any]:
        """What the hash covers: every column but the surrogate id and the hash itself."""
        return {
            "seq": self.seq,
            "at": self.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_user_id": self.actor_user_id,
            "actor": self.actor,
            "organisation_id": self.organisation_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "purpose": self.purpose,
            "outcome": self.outcome,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
        }

    def computed_hash(self) -> str:
        canonical = json.dumps(self.fields(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class AuditHead(Base):
    """The end of the chain: one row, locked by each writer."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    purpose: str | None = None,
    outcome: Outcome = Outcome.ALLOWED,
    **detail: Any,
) -> AuditEntry:
    """Record one entry in the caller's transaction; it joins the chain when that transaction commits."""
    if (request_id := REQUEST_ID.get()) is not None:
        detail = {"request_id": request_id, **detail}
    entry = AuditEntry(
        at=utcnow(),
        actor_user_id=actor.user_id,
        actor=actor.label,
        organisation_id=actor.organisation_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        purpose=purpose,
        outcome=outcome.value,
        detail=json.dumps(detail, sort_keys=True, default=str),
    )
    # Kept with the innermost transaction open now, so that rolling back a savepoint drops what was recorded in it.
    recorded_in = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_WAITING, []).append((recorded_in, entry))
    return entry


_WAITING = "wholeplace_audit_waiting"  # session.info key: entries recorded in the open transaction, in order
_CHAIN_TABLES = (AuditEntry.__table__, AuditHead.__table__)
_WRITTEN = [column.key for column in AuditEntry.__table__.columns if column.key != "id"]


def seal(session: Session) -> None:
    """Give the entries recorded in this transaction their places at the end of the chain, in the order recorded.

    Runs as the transaction commits; call it directly only to read back an entry's place before then.
    """
    waiting = session.info.pop(_WAITING, [])
    if not waiting:
        return
    session.flush()  # every other change takes its locks first: the head is the last lock taken
    head = session.execute(select(AuditHead).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    rows = []
    for _, entry in waiting:
        entry.seq, entry.prev_hash = head.seq + 1, head.hash
        entry.hash = entry.computed_hash()
        head.seq, head.hash = entry.seq, entry.hash
        rows.append({column: getattr(entry, column) for column in _WRITTEN})
    session.execute(insert(AuditEntry), rows)  # in bulk: a list of fifty cases writes fifty entries
    session.flush()


@event.listens_for(Session, "before_commit")
def _seal_on_commit(session: Session) -> None:
    seal(session)


# A reading of the trail that need not see the entries its own transaction recorded (a case's history of status
# changes, read while the page's own reads of the case wait to join the chain): it leaves them waiting, and the
# head unlocked, until the commit.
_COMMITTED_ONLY = "wholeplace_audit_committed_only"
COMMITTED_ONLY = {_COMMITTED_ONLY: True}


@event.listens_for(Session, "do_orm_execute")
def _seal_before_reading_the_chain(state: ORMExecuteState) -> None:
    """A transaction that reads the trail after recording in it sees its own entries, in their places."""
    if not (state.is_select and state.session.info.get(_WAITING)):
        return
    if state.execution_options.get(_COMMITTED_ONLY):
        return
    # Entries or the head selected, or counted with select_from: both are known without compiling the statement,
    # which on every query of a page (asking for its FROM list) cost more than the page.
    named = any(mapper.class_ in (AuditEntry, AuditHead) for mapper in state.all_mappers)
    if named or any(source in _CHAIN_TABLES for source in getattr(state.statement, "_from_obj", ())):
        seal(state.session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    """Drop the entries recorded inside the transaction or savepoint that was rolled back."""
    if rolled_back.parent is None:  # the whole transaction: nothing it recorded stays
        session.info.pop(_WAITING, None)
    elif waiting := session.info.get(_WAITING):
        session.info[_WAITING] = [(at, entry) for at, entry in waiting if not _within(at, rolled_back)]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@dataclass(frozen=True)
class ChainBreak:
    seq: int | None
    entry_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"entry {self.seq} (id {self.entry_id})" if self.seq is not None else "end of the chain"
        return f"{where}: {self.reason}"


def verify(session: Session) -> ChainBreak | None:
    """The first place the chain is broken, or None when every entry is as it was written."""
    previous_hash, expected_seq = GENESIS, 1
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        if entry.seq != expected_seq:
            return ChainBreak(entry.seq, entry.id, f"expected entry {expected_seq} here: entries are missing")
        if entry.prev_hash != previous_hash:
            return ChainBreak(entry.seq, entry.id, "does not follow the entry before it: one was deleted or inserted")
        if entry.computed_hash() != entry.hash:
            return ChainBreak(entry.seq, entry.id, "its contents were changed after it was written")
        previous_hash, expected_seq = entry.hash, expected_seq + 1
    head = session.get(AuditHead, 1)
    last_seq = expected_seq - 1
    if head is not None and (head.seq, head.hash) != (last_seq, previous_hash):
        return ChainBreak(None, None, f"the chain ends at entry {last_seq} but {head.seq} were written")
    return None


@dataclass(frozen=True)
class Verification:
    """One walk of the whole chain, as recorded in the chain itself."""

    at: dt.datetime
    by: str
    entries: int
    chain_break: str | None
    seq: int  # the entry that records this walk


VERIFIED = "audit.verified"


def check_chain(session: Session, actor: Actor) -> Verification:
    """Walk the whole chain now and record the result, so the page shows it without walking again."""
    require(actor, "audit.view", object_type="audit")
    chain_break = verify(session)
    entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    entry = record(
        session,
        actor,
        VERIFIED,
        object_type="audit",
        outcome=Outcome.ALLOWED if chain_break is None else Outcome.REFUSED,
        entries=entries,
        chain_break=None if chain_break is None else str(chain_break),
    )
    seal(session)  # the walk's own place in the chain is part of what it reports
    return _verification(entry)


def last_verification(session: Session, actor: Actor) -> Verification | None:
    """The latest recorded walk of the chain, or None when it was never checked."""
    require(actor, "audit.view", object_type="audit")
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == VERIFIED).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return None if entry is None else _verification(entry)


def _verification(entry: AuditEntry) -> Verification:
    detail = json.loads(entry.detail)
    return Verification(
        at=entry.at, by=entry.actor, entries=int(detail["entries"]), chain_break=detail["chain_break"], seq=entry.seq
    )


def entries_since(session: Session, seq: int) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.seq > seq)) or 0


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction that commits at the end or rolls back on error.

    A refused act rolls back whatever the transaction did, then its refusal is recorded in a
    transaction of its own, so the audit trail keeps every refusal. A change that lost a race to a
    uniqueness rule is refused as a Conflict that says so.
    """
    try:
        with factory() as session, session.begin():
            yield session
    except IntegrityError as error:
        message = clash_message(error)
        if message is None:
            raise
        raise Conflict(message) from error
    except AccessRefused as refused:
        if refused.refusal is not None:
            with factory() as session, session.begin():
                refusal = refused.refusal
                record(
                    session,
                    refusal.actor,
                    refusal.action,
                    object_type=refusal.object_type,
                    object_id=refusal.object_id,
                    purpose=refusal.purpose,
                    outcome=Outcome.REFUSED,
                    **{"reason": refusal.reason, **(refusal.detail or {})},
                )
        raise


@dataclass(frozen=True)
class EntryFilter:
    """Which entries to list: by whom, of which actions, and when (London days, both ends included)."""

    action_prefixes: tuple[str, ...] = ()  # any action starting with one of these: "decision." for every decision
    user_id: int | None = None
    console: bool = False  # the operator at the server's console, who has no user account
    since: dt.datetime | None = None
    before: dt.datetime | None = None


def list_entries(
    session: Session,
    actor: Actor,
    *,
    page: int,
    page_size: int,
    action: str | None = None,
    where: EntryFilter = EntryFilter(),
) -> Page[AuditEntry]:
    """The trail, newest first."""
    require(actor, "audit.view", object_type="audit")
    statement = select(AuditEntry).order_by(AuditEntry.seq.desc())
    if action:
        statement = statement.where(AuditEntry.action == action)
    if where.action_prefixes:
        statement = statement.where(
            or_(*(AuditEntry.action.startswith(p, autoescape=True) for p in where.action_prefixes))
        )
    if where.user_id is not None:
        statement = statement.where(AuditEntry.actor_user_id == where.user_id)
    if where.console:
        statement = statement.where(AuditEntry.actor.startswith(CONSOLE_PREFIX, autoescape=True))
    if where.since is not None:
        statement = statement.where(AuditEntry.at >= where.since)
    if where.before is not None:
        statement = statement.where(AuditEntry.at < where.before)
    return paginate(session, statement, page=page, page_size=page_size)
