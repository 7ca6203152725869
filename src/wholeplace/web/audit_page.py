"""The audit trail page and /api/v1/audit, for administrators."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from wholeplace import audit
from wholeplace.business_dates import LONDON
from wholeplace.paging import PageOut
from wholeplace.web import audit_words
from wholeplace.web.audit_words import TOPICS
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.form_fields import FormReader
from wholeplace.web.params import PageNumber, PageSize
from wholeplace.web.templating import error_summary, render

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


FILTER_FIELDS = ("who", "what", "from-day", "from-month", "from-year", "to-day", "to-month", "to-year")


def _filter(reader: FormReader, people: dict[str, str]) -> audit.EntryFilter:
    """What the page's filter asks for; a field that cannot be read leaves its problem in the reader."""
    who = reader.raw("who") and reader.choice(
        "who", {"console": "console", **{key: key for key in people}}, message="Select someone from the list"
    )
    topic = reader.raw("what") and reader.choice("what", TOPICS, message="Select a kind of action from the list")
    since = reader.date("from", label="From", required=False)
    until = reader.date("to", label="To", required=False)
    if since and until and until < since:
        reader.refuse("to", "To must be the same as or after From")
    return audit.EntryFilter(
        action_prefixes=topic or (),
        user_id=int(who.removeprefix("user:")) if who and who.startswith("user:") else None,
        console=who == "console",
        since=None if since is None else dt.datetime.combine(since, dt.time(), LONDON),
        before=None if until is None else dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), LONDON),
    )


@pages.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, page: PageNumber = 1
) -> HTMLResponse:
    # The whole chain is walked on request (the button), not on every view: it grows without limit.
    people = {f"user:{user_id}": label for user_id, label in audit_words.everyone(session)}
    reader = FormReader(request.query_params)
    where = _filter(reader, people)
    if reader.problems:
        where = audit.EntryFilter(user_id=0)  # a filter that cannot be read lists nothing rather than everything
    found = audit.list_entries(session, actor, page=page, page_size=settings.page_size, where=where)
    checked = audit.last_verification(session, actor)
    since = audit.entries_since(session, checked.seq) if checked else found.total
    asked = {name: value for name, value in reader.typed(*FILTER_FIELDS).items() if value}
    return render(
        request,
        "audit.html",
        {
            "title": "Audit trail",
            "found": found,
            "lines": audit_words.lines(session, found.items),
            "checked": checked,
            "checked_by": audit_words.checker(session, checked) if checked else "",
            "since": since,
            "people": people,
            "topics": list(TOPICS),
            "typed": reader.typed(*FILTER_FIELDS),
            "query": urlencode(asked),
            **error_summary(reader.problems, {"from": "from-day", "to": "to-day"}),
        },
        status_code=422 if reader.problems else 200,
    )


@pages.post("/audit/verify")
def check_chain(session: DbSession, actor: PageActor, form: CheckedForm) -> RedirectResponse:
    audit.check_chain(session, actor)
    return RedirectResponse("/audit", status_code=303)
