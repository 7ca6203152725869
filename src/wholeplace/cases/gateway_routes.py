"""The gateway's pages and /api/v1/referrals: refer someone, the queue, screening. Thin: parse, call, render."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.business_dates import LONDON
from wholeplace.cases import casework, gateway
from wholeplace.cases.access import checked_referral, referral_scope
from wholeplace.cases.model import CaseKind, CaseRole, CaseStatus, ReferralConsent, ScreeningOutcome, Sex, Urgency
from wholeplace.cases.people import PersonDetails, checked_details
from wholeplace.cases.schemas import QueueItemOut, ReferralIn, ReferralOut, ScreeningIn
from wholeplace.paging import PageOut
from wholeplace.partners.model import Organisation, Team, TeamMember
from wholeplace.plain_text import clean_name
from wholeplace.problems import InvalidInput, Problem
from wholeplace.sharing import access
from wholeplace.sharing.model import DataCategory, Operation, Purpose
from wholeplace.web.date_boxes import date_from_boxes
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import PageNumber, PageSize, RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["casework"])

PERSON_FIELDS = ("given_name", "family_name", "other_names", "address", "postcode", "telephone", "email")
REFERRAL_FIELDS = ("referrer", "reason", "concerns", "consent", "urgency", "sex", "reference")


@api.get("/referrals", response_model=PageOut[QueueItemOut])
def api_queue(
    session: DbSession,
    actor: ApiActor,
    settings: AppSettings,
    page: PageNumber = 1,
    page_size: PageSize = None,
    include_screened: bool = False,
) -> PageOut[QueueItemOut]:
    """The gateway queue of the actor's gateway team, oldest first (screened ones too with include_screened)."""
    found = gateway.queue(
        session, actor, page=page, page_size=page_size or settings.page_size, include_screened=include_screened
    )
    return PageOut.of(found, [QueueItemOut.of_item(item) for item in found.items])


@api.post("/referrals", response_model=ReferralOut, status_code=status.HTTP_201_CREATED)
def api_refer(session: DbSession, actor: ApiActor, body: ReferralIn) -> ReferralOut:
    """Refer someone to the gateway from the actor's partner."""
    details = gateway.ReferralDetails(
        referrer=body.referrer,
        reason=body.reason,
        concerns=body.concerns,
        consent=body.consent,
        urgency=body.urgency,
        person=body.person.details() if body.person else None,
        person_id=body.person_id,
    )
    return ReferralOut.of(gateway.record_referral(session, actor, details))


@api.get("/referrals/{referral_id}", response_model=ReferralOut)
def api_referral(session: DbSession, actor: ApiActor, referral_id: RecordId) -> ReferralOut:
    referral, _ = checked_referral(session, actor, referral_id, Purpose.SAFEGUARDING, Operation.READ)
    return ReferralOut.of(referral)


@api.post("/referrals/{referral_id}/screening", response_model=ReferralOut)
def api_screen(session: DbSession, actor: ApiActor, referral_id: RecordId, body: ScreeningIn) -> ReferralOut:
    """The access team's decision on a referral: no further action, signpost, open a case or add to one."""
    return ReferralOut.of(gateway.screen(session, actor, referral_id, gateway.Screening(**body.model_dump())))


@pages.get("/cases/referrals/new", response_class=HTMLResponse)
def new_referral_page(request: Request, actor: PageActor) -> HTMLResponse:
    return _referral_form(request, {"consent": "", "urgency": ""})


@pages.post("/cases/referrals/new", response_model=None)
def refer(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    values = {field: str(form.get(field, "")).strip() for field in PERSON_FIELDS + REFERRAL_FIELDS}
    values |= {part: str(form.get(f"date_of_birth-{part}", "")) for part in ("day", "month", "year")}
    try:
        own = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
        details = _referral_details(values, own.identifier if own else None)
        with session.begin_nested():
            referral = gateway.record_referral(session, actor, details)
    except InvalidInput as error:
        return _referral_form(request, values, error)
    # A partner outside the gateway's organisation may send a referral but not read it back (the gateway holds it
    # from now on), so they get a confirmation that reads nothing; evaluate only routes, the page's read is audited.
    readable = access.evaluate(
        session, actor, referral_scope(referral, DataCategory.IDENTITY), Purpose.SAFEGUARDING, Operation.READ
    )
    if readable.allowed:
        return RedirectResponse(f"/cases/referrals/{referral.id}?sent=1", status_code=303)
    sent = urlencode({"reference": referral.reference, "urgency": referral.urgency.value})
    return RedirectResponse(f"/cases/referrals/sent?{sent}", status_code=303)


@pages.get("/cases/referrals/sent", response_class=HTMLResponse)
def referral_sent(
    request: Request,
    session: DbSession,
    actor: PageActor,
    reference: Annotated[str, Query(pattern=r"^REF-\d{4}-\d{6}$")],
    urgency: Urgency,
) -> HTMLResponse:
    """The confirmation for a referrer: the reference and when it will be screened, nothing read from the record."""
    in_gateway = bool(access.team_ids(session, actor) & {team.id for team in gateway.gateway_teams(session)})
    return render(
        request,
        "cases/referral_sent.html",
        {
            "title": "Referral sent",
            "reference": reference,
            "hours": gateway.SCREENING_TARGET_HOURS[urgency],
            "in_gateway": in_gateway,
        },
    )


def _referral_details(values: dict[str, str], own_identifier: str | None) -> gateway.ReferralDetails:
    problems: list[Problem] = []
    try:
        born = date_from_boxes("person.date_of_birth", "Date of birth", values["day"], values["month"], values["year"])
    except InvalidInput as error:
        problems += error.problems
        born = None
    chosen = {}
    for field, enum, message in (
        ("consent", ReferralConsent, "Say whether the person consented to the referral"),
        ("urgency", Urgency, "Choose how urgent the referral is"),
    ):
        try:
            chosen[field] = enum(values[field])
        except ValueError:
            problems.append(Problem(field, message))
    references = {own_identifier: values["reference"]} if values["reference"] and own_identifier else {}
    person = PersonDetails(
        given_name=values["given_name"],
        family_name=values["family_name"],
        other_names=values["other_names"],
        date_of_birth=born,
        sex=Sex(values["sex"]) if values["sex"] in Sex._value2member_map_ else Sex.NOT_KNOWN,
        address=values["address"],
        postcode=values["postcode"],
        telephone=values["telephone"],
        email=values["email"],
        references=references,
    )
    if problems:
        # The service is not reached, so ask its checks of the person too: the user sees every problem at once.
        problems += checked_details(person, prefix="person.")[1]
        problems += clean_name(values["referrer"], where="referrer", label="Referrer", max_length=200)[1]
        if not values["reason"]:
            problems.append(Problem("reason", "Enter the reason for the referral"))
        raise InvalidInput(problems)
    return gateway.ReferralDetails(
        referrer=values["referrer"],
        reason=values["reason"],
        concerns=values["concerns"],
        consent=chosen["consent"],
        urgency=chosen["urgency"],
        person=person,
    )


def _form_field(where: str) -> str:
    """The form's field for a problem: the service names person fields "person.x" and references by partner."""
    where = where.removeprefix("person.")
    return "reference" if where.startswith("references") else where


# Where the error summary links for fields whose first input is not named after the field.
FIRST_INPUT = {"date_of_birth": "date_of_birth-day"}


def _referral_form(request: Request, values: dict[str, str], problems: InvalidInput | None = None) -> HTMLResponse:
    found = [Problem(_form_field(problem.where), problem.message) for problem in problems.problems] if problems else []
    return render(
        request,
        "cases/referral_new.html",
        {
            "title": "Refer someone to the gateway",
            "values": values,
            "consents": [choice.value for choice in ReferralConsent],
            "urgencies": [(u.value, gateway.SCREENING_TARGET_HOURS[u]) for u in Urgency],
            "sexes": [sex.value for sex in Sex],
            **(error_summary(found, FIRST_INPUT) if found else {}),
        },
        status_code=422 if found else 200,
    )


@pages.get("/cases/gateway", response_class=HTMLResponse)
def queue_page(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, page: PageNumber = 1
) -> HTMLResponse:
    found = gateway.queue(session, actor, page=page, page_size=settings.page_size)
    return render(request, "cases/queue.html", {"title": "Gateway queue", "found": found, "london": LONDON})


@pages.get("/cases/referrals/{referral_id}", response_class=HTMLResponse)
def referral_page(request: Request, session: DbSession, actor: PageActor, referral_id: RecordId) -> HTMLResponse:
    return _referral_page(request, session, actor, referral_id, {})


def _referral_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    referral_id: int,
    values: dict[str, str],
    problems: InvalidInput | None = None,
) -> HTMLResponse:
    referral, _ = checked_referral(session, actor, referral_id, Purpose.SAFEGUARDING, Operation.READ)
    in_gateway = referral.team_id in access.team_ids(session, actor)
    teams = list(
        session.scalars(
            select(Team).where(Team.organisation_id == referral.organisation_id, ~Team.is_gateway).order_by(Team.name)
        )
    )
    workers = session.execute(
        select(User, TeamMember.team_id)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id.in_([team.id for team in teams]), User.active)
        .order_by(User.name)
    ).all()
    key_workers = [(user, team_id) for user, team_id in workers if user.roles & {Role.KEY_WORKER, Role.TEAM_MANAGER}]
    open_cases = casework.open_cases_of_organisation(session, referral.organisation_id) if in_gateway else []
    context = error_summary(problems.problems) if problems else {}
    return render(
        request,
        "cases/referral.html",
        {
            "title": f"Referral {referral.reference}",
            "referral": referral,
            "known_to": gateway.known_to(session, referral.person_id),
            "can_screen": in_gateway and referral.screened_at is None,
            "outcomes": list(ScreeningOutcome),
            "kinds": list(CaseKind),
            "roles": list(CaseRole),
            "teams": teams,
            "key_workers": key_workers,
            "open_cases": open_cases,
            "values": values,
            "sent": request.query_params.get("sent") == "1",
            "open_status": CaseStatus.OPEN,
            "london": LONDON,
            **context,
        },
        status_code=422 if problems else 200,
    )


@pages.post("/cases/referrals/{referral_id}/screen", response_model=None)
def screen(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, referral_id: RecordId
) -> Response:
    values = {
        key: str(form.get(key, "")).strip()
        for key in ("outcome", "note", "case_kind", "team_id", "key_worker_id", "add_to_case_id", "role")
    }
    try:
        screening = _screening(values)
        with session.begin_nested():
            referral = gateway.screen(session, actor, referral_id, screening)
    except InvalidInput as error:
        return _referral_page(request, session, actor, referral_id, values, error)
    if referral.case_id is not None:
        return RedirectResponse(f"/cases/{referral.case_id}", status_code=303)
    return RedirectResponse("/cases/gateway", status_code=303)


def _screening(values: dict[str, str]) -> gateway.Screening:
    def number(key: str) -> int | None:
        text = values[key]
        if not text:
            return None
        if not text.isdigit() or len(text) > 9:
            raise InvalidInput([Problem(key, "Choose from the list")])
        return int(text)

    if values["outcome"] not in ScreeningOutcome._value2member_map_:
        raise InvalidInput([Problem("outcome", "Choose the outcome of screening")])
    return gateway.Screening(
        outcome=ScreeningOutcome(values["outcome"]),
        note=values["note"],
        case_kind=CaseKind(values["case_kind"]) if values["case_kind"] in CaseKind._value2member_map_ else None,
        team_id=number("team_id"),
        key_worker_id=number("key_worker_id"),
        add_to_case_id=number("add_to_case_id"),
        role=CaseRole(values["role"]) if values["role"] in CaseRole._value2member_map_ else CaseRole.VICTIM,
    )
