"""The person index's pages and /api/v1/linkage: overview, extracts, runs, review, people, and the gateway's view.

Thin: parse, call the service, render. Every record shown has been through `sharing` (review.view_records,
gateway.known_to), which audits each decision.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from starlette.datastructures import UploadFile

from wholeplace.auth.actor import require
from wholeplace.business_dates import today
from wholeplace.linkage import gateway, index, review
from wholeplace.linkage.extracts import FIELD_NAMES, FIELDS
from wholeplace.linkage.identifiers import PREFIX
from wholeplace.linkage.model import IndexPerson, LinkageExtract, LinkageRecord, LinkageRun, PersonStatus, Verdict
from wholeplace.linkage.quality_report import quality
from wholeplace.linkage.schemas import (
    DecisionIn,
    DecisionOut,
    KnownToOut,
    PairOut,
    PairReviewOut,
    PersonOut,
    RecordOut,
    RunIn,
    RunOut,
    WithdrawIn,
)
from wholeplace.paging import PageOut
from wholeplace.partners.model import Organisation
from wholeplace.problems import InvalidInput, NotFound, Problem
from wholeplace.web.date_boxes import date_from_boxes
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import PageNumber, PageSize, RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["linkage"])

MAX_EXTRACT = 200_000_000  # bytes: an agency's whole register of people, as CSV
PersonId = Annotated[str, Path(pattern=rf"^{PREFIX}-\d{{7}}-\d$", max_length=20)]


# --- overview and extracts ---


@pages.get("/linkage", response_class=HTMLResponse)
def overview(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    require(actor, "linkage.manage", object_type="linkage")
    counts = dict(session.execute(select(IndexPerson.status, func.count()).group_by(IndexPerson.status)).all())
    extracts = session.scalars(select(LinkageExtract).order_by(LinkageExtract.id.desc()).limit(50)).all()
    return render(
        request,
        "linkage/overview.html",
        {
            "title": "Person index",
            "records": session.scalar(select(func.count()).select_from(LinkageRecord)) or 0,
            "pending": session.scalar(select(func.count()).select_from(LinkageRecord).where(LinkageRecord.pending))
            or 0,
            "published": counts.get(PersonStatus.PUBLISHED, 0),
            "held": counts.get(PersonStatus.HELD, 0),
            "retired": counts.get(PersonStatus.RETIRED, 0),
            "to_review": review.queue(session, actor, page=1, page_size=1).total,
            "runs": session.scalars(select(LinkageRun).order_by(LinkageRun.id.desc()).limit(5)).all(),
            "extracts": extracts,
            "agencies": review.organisation_names(session, {extract.organisation_id for extract in extracts}),
            "quality": quality(session),
        },
    )


@pages.get("/linkage/extracts/new", response_class=HTMLResponse)
def new_extract_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    require(actor, "linkage.manage", object_type="linkage_extract")
    return _extract_form(request, session, {"mapping": {}})


@pages.post("/linkage/extracts/new", response_model=None)
def import_extract_page(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    values = {name: str(form.get(name, "")).strip() for name in ("organisation_id", "source")}
    mapping = {name: str(form.get(f"column-{name}", "")).strip() for name in FIELDS}
    upload = form.get("upload")
    try:
        received = date_from_boxes(
            "received_on",
            "Date received",
            str(form.get("received_on-day", "")),
            str(form.get("received_on-month", "")),
            str(form.get("received_on-year", "")),
        )
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput([Problem("upload", "Choose the extract file (.csv or .xlsx)")])
        data = upload.file.read(MAX_EXTRACT + 1)
        if len(data) > MAX_EXTRACT:
            raise InvalidInput([Problem("upload", "The file is larger than 200 MB: split it by date of birth")])
        organisation_id = int(values["organisation_id"]) if values["organisation_id"].isdigit() else 0
        result = index.import_extract(
            session,
            actor,
            data=data,
            filename=upload.filename,
            organisation_id=organisation_id,
            source=values["source"],
            received_on=received,
            mapping={name: column or name for name, column in mapping.items()},
        )
    except InvalidInput as error:
        found = [Problem(_field(problem.where), problem.message) for problem in error.problems]
        return _extract_form(request, session, {**values, "mapping": mapping}, found)
    return RedirectResponse(f"/linkage/extracts/{result.extract.id}?imported=1", status_code=303)


def _field(where: str) -> str:
    """A problem inside the file is shown against the upload; the form's own fields keep their names."""
    return where if where in {"organisation_id", "source", "received_on", "upload", "agency"} else "upload"


def _extract_form(
    request: Request, session: DbSession, values: dict[str, object], problems: list[Problem] | None = None
) -> HTMLResponse:
    partners = session.scalars(select(Organisation).order_by(Organisation.name)).all()
    found = [Problem("organisation_id" if p.where == "agency" else p.where, p.message) for p in problems or []]
    return render(
        request,
        "linkage/extract_new.html",
        {
            "title": "Import an agency's extract",
            "values": values,
            "partners": partners,
            "fields": [(name, FIELD_NAMES[name]) for name in FIELDS],
            "problems": [problem for problem in found if problem.where == "upload"],
            **(error_summary(found, {"received_on": "received_on-day"}) if found else {}),
        },
        status_code=422 if found else 200,
    )


@pages.get("/linkage/extracts/{extract_id}", response_class=HTMLResponse)
def extract_page(request: Request, session: DbSession, actor: PageActor, extract_id: RecordId) -> HTMLResponse:
    require(actor, "linkage.manage", object_type="linkage_extract", object_id=extract_id)
    extract = session.get(LinkageExtract, extract_id)
    if extract is None:
        raise NotFound(f"There is no extract {extract_id}")
    agency = review.organisation_names(session, {extract.organisation_id})[extract.organisation_id]
    return render(
        request,
        "linkage/extract.html",
        {"title": f"Extract {extract.filename}", "extract": extract, "agency": agency},
    )


# --- runs ---


@pages.post("/linkage/runs", response_model=None)
def run_page(session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    summary = index.run(session, actor, full=form.get("full") == "yes")
    return RedirectResponse(f"/linkage?run={summary.run.id}", status_code=303)


@api.post("/linkage/runs", response_model=RunOut, status_code=status.HTTP_201_CREATED)
def api_run(session: DbSession, actor: ApiActor, body: RunIn) -> RunOut:
    """Link the index: what is new or changed, or everything with a newly trained model (`full`)."""
    summary = index.run(session, actor, full=body.full)
    run = summary.run
    return RunOut(
        id=run.id,
        kind=run.kind,
        records=run.records,
        records_linked=run.records_linked,
        pairs=run.pairs,
        people=run.people,
        events=summary.events,
        held=summary.held,
    )


# --- review ---


@pages.get("/linkage/review", response_class=HTMLResponse)
def review_page(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, page: PageNumber = 1
) -> HTMLResponse:
    found = review.queue(session, actor, page=page, page_size=settings.page_size)
    sources = dict(
        session.execute(
            select(LinkageRecord.id, LinkageRecord.source).where(
                LinkageRecord.id.in_(
                    {pair.record_l_id for pair in found.items} | {pair.record_r_id for pair in found.items}
                )
            )
        ).all()
    )
    return render(
        request,
        "linkage/review.html",
        {"title": "Pairs to review", "found": found, "sources": sources, "held": review.held_people(session, actor)},
    )


@api.get("/linkage/review", response_model=PageOut[PairOut])
def api_review(
    session: DbSession, actor: ApiActor, settings: AppSettings, page: PageNumber = 1, page_size: PageSize = None
) -> PageOut[PairOut]:
    """Pairs the model is unsure of (between the review and link thresholds) with no ruling yet, surest first."""
    found = review.queue(session, actor, page=page, page_size=page_size or settings.page_size)
    return PageOut.of(found, [PairOut.of(pair) for pair in found.items])


def _pair_records(session: DbSession, actor: ApiActor, pair_id: int) -> tuple[PairOut, list[review.RecordView]]:
    pair = review.get_pair(session, actor, pair_id)
    left, right = index.get_record(session, pair.record_l_id), index.get_record(session, pair.record_r_id)
    return PairOut.of(pair), review.view_records(session, actor, [left, right])


@pages.get("/linkage/review/{pair_id}", response_class=HTMLResponse)
def pair_page(request: Request, session: DbSession, actor: PageActor, pair_id: RecordId) -> HTMLResponse:
    return _pair_page(request, session, actor, pair_id)


def _pair_page(
    request: Request, session: DbSession, actor: PageActor, pair_id: int, problems: list[Problem] | None = None
) -> HTMLResponse:
    pair, views = _pair_records(session, actor, pair_id)
    return render(
        request,
        "linkage/pair.html",
        {
            "title": "Are these the same person?",
            "pair": pair,
            "views": views,
            **(error_summary(problems) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@pages.post("/linkage/review/{pair_id}", response_model=None)
def decide_page(
    request: Request, session: DbSession, actor: PageActor, pair_id: RecordId, form: CheckedForm
) -> Response:
    pair = review.get_pair(session, actor, pair_id)
    verdict = str(form.get("verdict", ""))
    try:
        if verdict not in Verdict._value2member_map_:
            raise InvalidInput([Problem("verdict", "Say whether these are the same person or different people")])
        with session.begin_nested():
            review.rule(
                session,
                actor,
                left_id=pair.record_l_id,
                right_id=pair.record_r_id,
                verdict=Verdict(verdict),
                reason=str(form.get("reason", "")),
            )
    except InvalidInput as error:
        return _pair_page(request, session, actor, pair_id, error.problems)
    following = review.queue(session, actor, page=1, page_size=1)
    target = f"/linkage/review/{following.items[0].id}" if following.items else "/linkage/review"
    return RedirectResponse(target, status_code=303)


@api.get("/linkage/review/{pair_id}", response_model=PairReviewOut)
def api_pair(session: DbSession, actor: ApiActor, pair_id: RecordId) -> PairReviewOut:
    """Both records side by side, as the sharing rules let the actor see them, with the comparison levels."""
    pair, views = _pair_records(session, actor, pair_id)
    return PairReviewOut(pair=pair, records=[RecordOut.of(view) for view in views])


@api.post("/linkage/decisions", response_model=DecisionOut, status_code=status.HTTP_201_CREATED)
def api_decide(session: DbSession, actor: ApiActor, body: DecisionIn) -> DecisionOut:
    """Rule that two records are the same person (a must-link) or different people (a cannot-link)."""
    decision, summary = review.rule(
        session,
        actor,
        left_id=body.left_record_id,
        right_id=body.right_record_id,
        verdict=Verdict(body.verdict),
        reason=body.reason,
    )
    return DecisionOut.of(decision, summary.events)


@api.post("/linkage/decisions/{decision_id}/withdraw", response_model=DecisionOut)
def api_withdraw(session: DbSession, actor: ApiActor, decision_id: RecordId, body: WithdrawIn) -> DecisionOut:
    """Withdraw a ruling: the merge or split it made is undone unless the scores alone make it."""
    summary = review.withdraw(session, actor, decision_id=decision_id, reason=body.reason)
    decision = review.get_decision(session, decision_id)
    return DecisionOut.of(decision, summary.events)


@pages.post("/linkage/decisions/{decision_id}/withdraw", response_model=None)
def withdraw_page(session: DbSession, actor: PageActor, decision_id: RecordId, form: CheckedForm) -> Response:
    review.withdraw(session, actor, decision_id=decision_id, reason=str(form.get("reason", "")) or "Withdrawn")
    decision = review.get_decision(session, decision_id)
    person = index.get_record(session, decision.record_l_id).person_id
    return RedirectResponse(f"/linkage/people/{person}", status_code=303)


# --- people ---


def _person(session: DbSession, actor: ApiActor, person_id: str) -> tuple[IndexPerson, list[review.RecordView]]:
    require(actor, "linkage.manage", object_type="linkage_person", object_id=person_id)
    person = session.get(IndexPerson, person_id)
    if person is None:
        raise NotFound(f"There is no person {person_id} in the index")
    return person, review.view_records(session, actor, list(index.records_of(session, person_id)))


@pages.get("/linkage/people/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, session: DbSession, actor: PageActor, person_id: PersonId) -> HTMLResponse:
    person, views = _person(session, actor, person_id)
    ids = [view.record.id for view in views]
    return render(
        request,
        "linkage/person.html",
        {
            "title": f"Person {person_id}",
            "person": person,
            "views": views,
            "links": review.links_among(session, ids),
            "decisions": review.decisions_about(session, ids),
            "history": review.history(session, person_id),
        },
    )


@api.get("/linkage/people/{person_id}", response_model=PersonOut)
def api_person(session: DbSession, actor: ApiActor, person_id: PersonId) -> PersonOut:
    """A person's records (as the actor may see them), status and history of merges and splits."""
    person, views = _person(session, actor, person_id)
    return PersonOut.of(person, views, review.history(session, person_id))


@pages.post("/linkage/people/{person_id}/publish", response_model=None)
def publish_page(session: DbSession, actor: PageActor, person_id: PersonId, form: CheckedForm) -> Response:
    review.publish(session, actor, person_id=person_id, reason=str(form.get("reason", "")))
    return RedirectResponse(f"/linkage/people/{person_id}", status_code=303)


@pages.post("/linkage/records/{record_id}/detach", response_model=None)
def detach_page(session: DbSession, actor: PageActor, record_id: RecordId, form: CheckedForm) -> Response:
    before = index.get_record(session, record_id).person_id
    review.detach(session, actor, record_id=record_id, reason=str(form.get("reason", "")))
    return RedirectResponse(f"/linkage/people/{before}", status_code=303)


# --- the gateway ---


@pages.get("/linkage/referrals/{referral_id}", response_class=HTMLResponse)
def known_to_page(request: Request, session: DbSession, actor: PageActor, referral_id: RecordId) -> HTMLResponse:
    view = gateway.known_to(session, actor, referral_id)
    return render(request, "linkage/known_to.html", {"title": "Who knows this person", "view": view, "today": today()})


@api.get("/linkage/referrals/{referral_id}", response_model=KnownToOut)
def api_known_to(session: DbSession, actor: ApiActor, referral_id: RecordId) -> KnownToOut:
    """The referral's person matched to the index: which agencies know them, and what the sharing rules show."""
    return KnownToOut.of(gateway.known_to(session, actor, referral_id))
