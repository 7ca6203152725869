"""Meetings with their numbered actions, in the browser and under /api/v1/meetings.

A board's meeting is recorded as minuted: who met, when and where, the minutes, and numbered actions each with
an owner and a due date (seed 003's "ACTION 1"). Recording and marking an action done go through
`service.record_meeting` and `service.set_action_status`; the checks those leave to their callers (lengths the
columns hold, characters PostgreSQL refuses, a real due date) are made here, so bad input is a field error and
nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wholeplace import business_dates
from wholeplace.auth.actor import Actor, allowed, require
from wholeplace.decisions import service
from wholeplace.decisions.model import ActionStatus, Meeting, MeetingAction
from wholeplace.paging import Page, PageOut, paginate
from wholeplace.plain_text import clean_free_text, clean_name
from wholeplace.problems import InvalidInput, NotFound, Problem
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.form_fields import BudgetDateIn, FormReader
from wholeplace.web.params import PageNumber, PageSize, RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["meetings"])

BODY_LONGEST = 200  # the columns' lengths (decisions/model.py)
PLACE_LONGEST = 200
OWNER_LONGEST = 200
MINUTES_LONGEST = 100_000
ACTION_LONGEST = 4000
MOST_ACTIONS = 100
BLANK_ACTION_ROWS = 3  # empty rows the form offers beyond those filled in


# Reading and checking


@dataclass(frozen=True)
class ActionIn:
    text: str
    owner: str
    due: dt.date | None


@dataclass(frozen=True)
class MeetingDraft:
    body: str
    date: dt.date
    place: str
    minutes: str
    actions: tuple[ActionIn, ...]


def check_meeting(
    body: str, date: dt.date | None, place: str, minutes: str, actions: Sequence[tuple[str, str, dt.date | None]]
) -> tuple[MeetingDraft | None, list[Problem]]:
    """The meeting as it can be stored, or every problem with a field named as the form names it."""
    body, problems = clean_name(body, where="body", label="Board or group", max_length=BODY_LONGEST)
    place, place_problems = (
        clean_name(place, where="place", label="Place", max_length=PLACE_LONGEST) if place.strip() else ("", [])
    )
    minutes, minutes_problems = clean_free_text(minutes, where="minutes", label="Minutes", max_length=MINUTES_LONGEST)
    problems += place_problems + minutes_problems
    if date is None:
        problems.append(Problem("date", "Enter the date of the meeting"))
    if len(actions) > MOST_ACTIONS:
        problems.append(Problem("actions", f"A meeting can have up to {MOST_ACTIONS} actions"))
    checked = []
    for number, (text, owner, due) in enumerate(actions[:MOST_ACTIONS], start=1):
        text, text_problems = clean_free_text(
            text, where=f"actions-{number}-text", label=f"Action {number}", max_length=ACTION_LONGEST
        )
        if not text and not text_problems:
            text_problems.append(Problem(f"actions-{number}-text", f"Enter what action {number} is"))
        owner, owner_problems = clean_name(
            owner, where=f"actions-{number}-owner", label=f"Owner of action {number}", max_length=OWNER_LONGEST
        )
        problems += text_problems + owner_problems
        checked.append(ActionIn(text, owner, due))
    if problems or date is None:
        return None, problems
    return MeetingDraft(body, date, place, minutes, tuple(checked)), []


def read_meeting_form(form: Mapping[str, object]) -> MeetingDraft:
    """A meeting from its form: rows of actions left wholly empty are skipped, and the rest numbered in order."""
    reader = FormReader(form)
    date = reader.date("date", label="Date of the meeting")
    rows = []
    for row in range(1, MOST_ACTIONS + 1):
        prefix = f"actions-{row}"
        text, owner = reader.raw(f"{prefix}-text"), reader.raw(f"{prefix}-owner")
        due_typed = any(reader.raw(f"{prefix}-due-{part}") for part in ("day", "month", "year"))
        if not (text or owner or due_typed):
            continue
        due = reader.date(f"{prefix}-due", label=f"Due date of action {row}", required=False)
        rows.append((row, text, owner, due))
    draft, problems = check_meeting(
        reader.raw("body"), date, reader.raw("place"), reader.raw("minutes"), [(t, o, d) for _, t, o, d in rows]
    )
    # check_meeting numbers the actions it was given; name each problem by the form row it came from
    row_of = {f"actions-{number}-": f"actions-{row}-" for number, (row, *_rest) in enumerate(rows, start=1)}
    problems = [
        Problem(
            next((p.where.replace(k, v, 1) for k, v in row_of.items() if p.where.startswith(k)), p.where), p.message
        )
        for p in problems
    ]
    problems += reader.problems
    if problems or draft is None:
        raise InvalidInput(problems)
    return draft


def record(session: Session, actor: Actor, draft: MeetingDraft) -> Meeting:
    return service.record_meeting(
        session,
        actor,
        body=draft.body,
        date=draft.date,
        place=draft.place,
        minutes=draft.minutes,
        actions=[(action.text, action.owner, action.due) for action in draft.actions],
    )


# Reading meetings back


def list_meetings(session: Session, actor: Actor, *, page: int = 1, page_size: int = 50) -> Page[Meeting]:
    """Meetings, newest first."""
    require(actor, "decisions.view", object_type="meeting")
    return paginate(
        session, select(Meeting).order_by(Meeting.date.desc(), Meeting.id.desc()), page=page, page_size=page_size
    )


def open_actions(session: Session, meeting_ids: Sequence[int]) -> dict[int, int]:
    """How many actions of each meeting are still open."""
    rows = session.execute(
        select(MeetingAction.meeting_id, func.count())
        .where(MeetingAction.meeting_id.in_(list(meeting_ids)), MeetingAction.status == ActionStatus.OPEN)
        .group_by(MeetingAction.meeting_id)
    )
    return {meeting_id: count for meeting_id, count in rows}


def get_meeting(session: Session, actor: Actor, meeting_id: int) -> Meeting:
    require(actor, "decisions.view", object_type="meeting", object_id=meeting_id)
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"There is no meeting {meeting_id}")
    return meeting


def action_of(meeting: Meeting, action_id: int) -> MeetingAction:
    action = next((action for action in meeting.actions if action.id == action_id), None)
    if action is None:
        raise NotFound(f"Meeting {meeting.id} has no action {action_id}")
    return action


# API


class MeetingActionIn(BaseModel):
    text: str = Field(max_length=ACTION_LONGEST, examples=["Circulate the draft business case to partners"])
    owner: str = Field(max_length=OWNER_LONGEST, examples=["Programme Manager"])
    due: BudgetDateIn | None = None


class MeetingIn(BaseModel):
    # "board", not "body": the API's error shape names a request body's fields without the word body
    board: str = Field(max_length=BODY_LONGEST, examples=["Whole Essex Community Budget Programme Board"])
    date: BudgetDateIn
    place: str = Field(default="", max_length=PLACE_LONGEST)
    minutes: str = Field(default="", max_length=MINUTES_LONGEST)
    actions: list[MeetingActionIn] = Field(default=[], max_length=MOST_ACTIONS)


class MeetingActionOut(BaseModel):
    id: int
    number: int
    text: str
    owner: str
    due: dt.date | None
    status: ActionStatus


class MeetingOut(BaseModel):
    id: int
    board: str
    date: dt.date
    place: str
    minutes: str
    actions: list[MeetingActionOut]

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingOut:
        return cls(
            id=meeting.id,
            board=meeting.body,
            date=meeting.date,
            place=meeting.place,
            minutes=meeting.minutes,
            actions=[
                MeetingActionOut(id=a.id, number=a.number, text=a.text, owner=a.owner, due=a.due_date, status=a.status)
                for a in meeting.actions
            ],
        )


class ActionStatusIn(BaseModel):
    status: ActionStatus


@api.get("/meetings", response_model=PageOut[MeetingOut])
def api_list(
    session: DbSession, actor: ApiActor, settings: AppSettings, page: PageNumber = 1, page_size: PageSize = None
) -> PageOut[MeetingOut]:
    """Meetings with their numbered actions, newest first, a page at a time."""
    found = list_meetings(session, actor, page=page, page_size=page_size or settings.page_size)
    return PageOut.of(found, [MeetingOut.of(meeting) for meeting in found.items])


@api.post("/meetings", response_model=MeetingOut, status_code=201)
def api_record(session: DbSession, actor: ApiActor, body: MeetingIn) -> MeetingOut:
    """A meeting as minuted, its actions numbered from 1 in the order given."""
    draft, problems = check_meeting(
        body.board, body.date, body.place, body.minutes, [(a.text, a.owner, a.due) for a in body.actions]
    )
    if draft is None:
        raise InvalidInput([Problem(_api_field(p.where), p.message) for p in problems])
    return MeetingOut.of(record(session, actor, draft))


def _api_field(where: str) -> str:
    """`actions-2-owner` as the API body names it, `actions.1.owner`; the form's `body` is the API's `board`."""
    if not where.startswith("actions-"):
        return "board" if where == "body" else where
    _, number, field = where.split("-", 2)
    return f"actions.{int(number) - 1}.{field}"


@api.get("/meetings/{meeting_id}", response_model=MeetingOut)
def api_get(session: DbSession, actor: ApiActor, meeting_id: RecordId) -> MeetingOut:
    return MeetingOut.of(get_meeting(session, actor, meeting_id))


@api.post("/meetings/{meeting_id}/actions/{action_id}/status", response_model=MeetingActionOut)
def api_set_status(
    session: DbSession, actor: ApiActor, meeting_id: RecordId, action_id: RecordId, body: ActionStatusIn
) -> MeetingActionOut:
    """Mark an action done, or open again."""
    action = action_of(get_meeting(session, actor, meeting_id), action_id)
    action = service.set_action_status(session, actor, action_id=action.id, status=body.status)
    return MeetingActionOut(
        id=action.id,
        number=action.number,
        text=action.text,
        owner=action.owner,
        due=action.due_date,
        status=action.status,
    )


# Pages


@pages.get("/meetings", response_class=HTMLResponse)
def list_page(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, page: PageNumber = 1
) -> HTMLResponse:
    found = list_meetings(session, actor, page=page, page_size=settings.page_size)
    return render(
        request,
        "meetings/list.html",
        {
            "title": "Meetings",
            "found": found,
            "open_actions": open_actions(session, [meeting.id for meeting in found.items]),
            "can_record": allowed(actor, "meetings.manage"),
        },
    )


@pages.get("/meetings/new", response_class=HTMLResponse)
def new_page(request: Request, actor: PageActor) -> HTMLResponse:
    require(actor, "meetings.manage", object_type="meeting")
    return _form(request, {}, BLANK_ACTION_ROWS)


@pages.post("/meetings/new", response_model=None)
def record_page(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    require(actor, "meetings.manage", object_type="meeting")
    try:
        meeting = record(session, actor, read_meeting_form(form))
    except InvalidInput as error:
        values = FormReader(form)
        typed = {str(key): values.raw(str(key)) for key in form}
        filled = max((row for row in range(1, MOST_ACTIONS + 1) if f"actions-{row}-text" in typed), default=0)
        return _form(request, typed, min(MOST_ACTIONS, filled + 1), error.problems)
    return RedirectResponse(f"/meetings/{meeting.id}?recorded=1", status_code=303)


def _form(
    request: Request, values: Mapping[str, str], rows: int, problems: list[Problem] | None = None
) -> HTMLResponse:
    fields = {f"actions-{row}-due": f"actions-{row}-due-day" for row in range(1, rows + 1)} | {"date": "date-day"}
    return render(
        request,
        "meetings/new.html",
        {
            "title": "Record a meeting",
            "values": values,
            "rows": range(1, max(rows, 1) + 1),
            **(error_summary(problems, fields) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@pages.get("/meetings/{meeting_id}", response_class=HTMLResponse)
def meeting_page(
    request: Request, session: DbSession, actor: PageActor, meeting_id: RecordId, recorded: str = ""
) -> HTMLResponse:
    meeting = get_meeting(session, actor, meeting_id)
    return render(
        request,
        "meetings/detail.html",
        {
            "title": f"{meeting.body}, {meeting.date.day} {meeting.date:%B %Y}",
            "meeting": meeting,
            "recorded": bool(recorded),
            "can_manage": allowed(actor, "meetings.manage"),
            "today": business_dates.today(),
        },
    )


@pages.post("/meetings/{meeting_id}/actions/{action_id}/status", response_model=None)
def set_status_page(
    session: DbSession, actor: PageActor, form: CheckedForm, meeting_id: RecordId, action_id: RecordId
) -> Response:
    action = action_of(get_meeting(session, actor, meeting_id), action_id)
    status = {status.value: status for status in ActionStatus}.get(FormReader(form).raw("status"))
    if status is None:
        raise InvalidInput([Problem("status", "Select done or open")])
    service.set_action_status(session, actor, action_id=action.id, status=status)
    return RedirectResponse(f"/meetings/{meeting_id}#action-{action.number}", status_code=303)
