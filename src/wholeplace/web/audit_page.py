"""The audit trail page and /api/v1/audit, for administrators."""

from __future__ import annotations

import datetime as dt
import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from wholeplace import audit
from wholeplace.paging import PageOut
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import PageNumber, PageSize
from wholeplace.web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["audit"])


class AuditEntryOut(BaseModel):
    seq: int
    at: dt.datetime
    actor: str
    organisation_id: int | None
    action: str
    object_type: str | None
    object_id: str | None
    purpose: str | None
    outcome: str
    detail: dict[str, object]
    hash: str

    @classmethod
    def of(cls, entry: audit.AuditEntry) -> AuditEntryOut:
        return cls(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            organisation_id=entry.organisation_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            purpose=entry.purpose,
            outcome=entry.outcome,
            detail=json.loads(entry.detail),
            hash=entry.hash,
        )


@api.get("/audit", response_model=PageOut[AuditEntryOut])
def api_entries(
    session: DbSession,
    actor: ApiActor,
    settings: AppSettings,
    page: PageNumber = 1,
    page_size: PageSize = None,
    action: str | None = None,
) -> PageOut[AuditEntryOut]:
    """Audit entries, newest first."""
    found = audit.list_entries(session, actor, page=page, page_size=page_size or settings.page_size, action=action)
    return PageOut.of(found, [AuditEntryOut.of(entry) for entry in found.items])


@pages.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, page: PageNumber = 1
) -> HTMLResponse:
    # The whole chain is walked on request (the button), not on every view: it grows without limit.
    found = audit.list_entries(session, actor, page=page, page_size=settings.page_size)
    checked = audit.last_verification(session, actor)
    since = audit.entries_since(session, checked.seq) if checked else found.total
    return render(request, "audit.html", {"title": "Audit trail", "found": found, "checked": checked, "since": since})


@pages.post("/audit/verify")
def check_chain(session: DbSession, actor: PageActor, form: CheckedForm) -> RedirectResponse:
    audit.check_chain(session, actor)
    return RedirectResponse("/audit", status_code=303)
