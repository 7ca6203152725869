"""Probes for a load balancer or process manager: /healthz (the process answers) and /readyz (the database does).

Both are public and left out of the OpenAPI description: they hold no data, and a probe cannot sign in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from wholeplace.migrate import MIGRATIONS

probes = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


@lru_cache
def head_revisions() -> frozenset[str]:
    """The revisions this code's migrations end at (one, while migrations keep a single head)."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


@dataclass(frozen=True)
class Readiness:
    database: str  # "sqlite" or "postgresql"
    revisions: frozenset[str]  # where the database's schema is; empty when it was never migrated
    reason: str | None  # None when ready


def readiness(engine: Engine) -> Readiness:
    """Whether the database answers and its schema is at the head revision, and why not when it is not.

    It asks through a bare DBAPI connection: a SQLAlchemy transaction on SQLite begins with BEGIN IMMEDIATE
    (see db.py), and a probe must not queue behind a writer for the write lock.
    """
    database = engine.dialect.name
    try:
        connection = engine.raw_connection()
    except Exception as error:
        log.warning("readyz: the database cannot be reached: %s", type(error).__name__)
        return Readiness(database, frozenset(), "The database cannot be reached")
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT version_num FROM alembic_version")
        revisions = frozenset(row[0] for row in cursor.fetchall())
    except Exception:
        revisions = frozenset()
    finally:
        connection.close()
    heads = head_revisions()
    if revisions == heads:
        return Readiness(database, revisions, None)
    at = ", ".join(sorted(revisions)) or "no revision (never migrated)"
    return Readiness(
        database,
        revisions,
        f"The database schema is at {at}, not {', '.join(sorted(heads))}: run `wholeplace db upgrade`",
    )


@probes.get("/healthz")
def healthz() -> dict[str, str]:
    """The process answers. Touches no database, so a busy database never gets a healthy process restarted."""
    return {"status": "ok"}


@probes.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """200 when the database answers at the head revision; 503 with the reason otherwise."""
    ready = readiness(request.app.state.sessions.kw["bind"])
    if ready.reason is None:
        body = {"status": "ready", "database": ready.database, "revision": ", ".join(sorted(ready.revisions))}
        return JSONResponse(body)
    return JSONResponse({"status": "not ready", "database": ready.database, "reason": ready.reason}, status_code=503)
