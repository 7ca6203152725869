"""Anchors of the audit chain kept outside the database, so that rewinding the chain's end shows.

`audit_head` catches entries cut off the end, but someone who can drop the triggers can also rewind
the head. An anchor is the head at a moment (sequence number and hash), signed with a key that is
kept away from the database (HMAC-SHA256), written to a file the operator stores elsewhere. Verifying
against it checks that the entry it names is still there with the same hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.audit import GENESIS, AuditEntry, AuditHead, ChainBreak, verify
from wholeplace.db import utcnow
from wholeplace.problems import InvalidInput, Problem

FIELDS = ("seq", "hash", "at")


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: dt.datetime

    def signed(self, key: str) -> dict[str, object]:
        return {**self._fields(), "signature": _signature(self._fields(), key)}

    def _fields(self) -> dict[str, object]:
        return {"seq": self.seq, "hash": self.hash, "at": self.at.isoformat()}


def _signature(fields: dict[str, object], key: str) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def take_anchor(session: Session) -> Anchor:
    """The head of the chain now."""
    head = session.get(AuditHead, 1)
    return Anchor(seq=0 if head is None else head.seq, hash=GENESIS if head is None else head.hash, at=utcnow())


def read_anchor(text: str, filename: str, key: str) -> Anchor:
    """An anchor file read back; refused when it is not one or its signature does not match the key."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput([Problem(f"{filename}, line {error.lineno}", "The anchor file is not JSON")]) from None
    if not isinstance(data, dict) or set(data) != {*FIELDS, "signature"}:
        raise InvalidInput([Problem(filename, "Not an audit anchor: it needs seq, hash, at and signature")])
    fields = {name: data[name] for name in FIELDS}
    if not hmac.compare_digest(str(data["signature"]), _signature(fields, key)):
        raise InvalidInput(
            [
                Problem(
                    f"{filename}, field 'signature'",
                    "The signature does not match: the file was changed or the key differs",
                )
            ]
        )
    try:
        return Anchor(seq=int(data["seq"]), hash=str(data["hash"]), at=dt.datetime.fromisoformat(str(data["at"])))
    except ValueError as error:
        raise InvalidInput([Problem(filename, f"The anchor's fields are not valid: {error}")]) from None


def verify_with_anchor(session: Session, anchor: Anchor) -> ChainBreak | None:
    """The first break in the chain, or a rewound or rewritten end that the anchor remembers."""
    if (chain_break := verify(session)) is not None:
        return chain_break
    if anchor.seq == 0:
        return None
    entry = session.scalars(select(AuditEntry).where(AuditEntry.seq == anchor.seq)).first()
    when = anchor.at.strftime("%-d %B %Y %H:%M UTC")
    if entry is None:
        return ChainBreak(None, None, f"entry {anchor.seq}, seen by the anchor of {when}, is gone: the end was cut off")
    if entry.hash != anchor.hash:
        return ChainBreak(entry.seq, entry.id, f"differs from the anchor of {when}: the chain was rewritten")
    return None
