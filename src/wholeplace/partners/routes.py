"""Partner pages and /api/v1/organisations. Thin: parse, call one service function, render."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from wholeplace.auth.actor import Actor, allowed, require
from wholeplace.paging import PageOut
from wholeplace.partners import service
from wholeplace.partners.engine import FIELDS, parse_kind
from wholeplace.partners.model import KIND_LABELS, Organisation
from wholeplace.partners.schemas import AreaOut, OrganisationChanges, OrganisationIn, OrganisationOut
from wholeplace.problems import InvalidInput
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import PageNumber, PageSize, RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["partners"])


@api.get("/organisations", response_model=PageOut[OrganisationOut])
def api_list(
    session: DbSession,
    actor: ApiActor,
    settings: AppSettings,
    page: PageNumber = 1,
    page_size: PageSize = None,
    kind: str | None = None,
    q: str | None = None,
) -> PageOut[OrganisationOut]:
    """Partner organisations by name, a page at a time; filter by kind or search name and identifier."""
    found = service.list_organisations(
        session, actor, page=page, page_size=page_size or settings.page_size, kind=_kind_filter(kind), search=q
    )
    return PageOut.of(found, [OrganisationOut.of(org) for org in found.items])


@api.get("/organisations/{organisation_id}", response_model=OrganisationOut)
def api_get(session: DbSession, actor: ApiActor, organisation_id: RecordId) -> OrganisationOut:
    return OrganisationOut.of(service.get_organisation(session, actor, organisation_id))


@api.post("/organisations", response_model=OrganisationOut, status_code=status.HTTP_201_CREATED)
def api_create(session: DbSession, actor: ApiActor, body: OrganisationIn) -> OrganisationOut:
    return OrganisationOut.of(service.create_organisation(session, actor, body.model_dump()))


@api.patch("/organisations/{organisation_id}", response_model=OrganisationOut)
def api_update(
    session: DbSession, actor: ApiActor, organisation_id: RecordId, body: OrganisationChanges
) -> OrganisationOut:
    changes = body.model_dump(exclude_unset=True)
    return OrganisationOut.of(service.update_organisation(session, actor, organisation_id, changes))


@api.get("/areas", response_model=list[AreaOut])
def api_areas(session: DbSession, actor: ApiActor) -> list[AreaOut]:
    """The local authority areas of the place, with their ONS codes."""
    return [AreaOut.of(area) for area in service.list_areas(session, actor)]


def _kind_filter(kind: str | None):  # type: ignore[no-untyped-def]
    if not kind:
        return None
    parsed = parse_kind(kind)
    if parsed is None:
        raise InvalidInput(f"'{kind}' is not a kind of organisation")
    return parsed


@pages.get("/partners", response_class=HTMLResponse)
def list_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    settings: AppSettings,
    page: PageNumber = 1,
    q: str | None = None,
    kind: str | None = None,
) -> HTMLResponse:
    found = service.list_organisations(
        session, actor, page=page, page_size=settings.page_size, kind=_kind_filter(kind), search=q
    )
    return render(
        request,
        "partners/list.html",
        {
            "title": "Partners",
            "found": found,
            "q": q or "",
            "kind": kind or "",
            "kinds": KIND_LABELS,
            "can_edit": allowed(actor, "partners.edit"),
        },
    )


@pages.get("/partners/new", response_class=HTMLResponse)
def new_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    require(actor, "partners.edit", object_type="organisation")
    return _form(request, session, actor, organisation=None, values={})


@pages.post("/partners/new", response_model=None)
def create(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    values = _form_values(form)
    try:
        with session.begin_nested():
            organisation = service.create_organisation(session, actor, values)
    except InvalidInput as error:
        return _form(request, session, actor, organisation=None, values=values, problems=error)
    return RedirectResponse(f"/partners/{organisation.id}?saved=1", status_code=303)


@pages.get("/partners/{organisation_id}", response_class=HTMLResponse)
def detail_page(request: Request, session: DbSession, actor: PageActor, organisation_id: RecordId) -> HTMLResponse:
    organisation = service.get_organisation(session, actor, organisation_id)
    return render(
        request,
        "partners/detail.html",
        {
            "title": organisation.name,
            "organisation": organisation,
            "children": service.children_of(session, actor, organisation_id),
            "can_edit": allowed(actor, "partners.edit"),
        },
    )


@pages.get("/partners/{organisation_id}/edit", response_class=HTMLResponse)
def edit_page(request: Request, session: DbSession, actor: PageActor, organisation_id: RecordId) -> HTMLResponse:
    require(actor, "partners.edit", object_type="organisation", object_id=organisation_id)
    organisation = service.get_organisation(session, actor, organisation_id)
    values = OrganisationOut.of(organisation).model_dump()
    return _form(request, session, actor, organisation=organisation, values=values)


@pages.post("/partners/{organisation_id}/edit", response_model=None)
def update(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, organisation_id: RecordId
) -> Response:
    values = _form_values(form)
    try:
        with session.begin_nested():
            service.update_organisation(session, actor, organisation_id, values)
    except InvalidInput as error:
        organisation = service.get_organisation(session, actor, organisation_id)
        return _form(request, session, actor, organisation=organisation, values=values, problems=error)
    return RedirectResponse(f"/partners/{organisation_id}?saved=1", status_code=303)


def _form_values(form: FormData) -> dict[str, str | None]:
    return {field: str(form.get(field, "")).strip() or None for field in FIELDS}


def _form(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    organisation: Organisation | None,
    values: dict[str, object],
    problems: InvalidInput | None = None,
) -> HTMLResponse:
    others = service.organisation_choices(session, actor)
    context = error_summary(problems.problems, {"kind": "kind", "area_code": "area_code"}) if problems else {}
    title = f"Change {organisation.name}" if organisation else "Add a partner"
    return render(
        request,
        "partners/form.html",
        {
            "title": title,
            "organisation": organisation,
            "values": values,
            "kinds": KIND_LABELS,
            "parents": [
                (identifier, name)
                for identifier, name in others
                if organisation is None or identifier != organisation.identifier
            ],
            "areas": service.list_areas(session, actor),
            **context,
        },
        status_code=422 if problems else 200,
    )
