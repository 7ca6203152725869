"""Every route the app serves is guarded: a signed-in actor, a CSRF-checked form, and a role check where one is due.

The walk goes through FastAPI's wrapping of included routers, through mounts and sub-apps, and down the
dependency tree of each route, because a guard such as `PageActor` often sits inside another dependency.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_user, sign_in
from tests.web.routes import served_routes
from wholeplace.audit import AuditEntry
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.settings import Settings
from wholeplace.web import deps
from wholeplace.web.app import create_app
from wholeplace.web.navigation import SECTIONS

# Served to anyone: the sign-in page (GET and POST), GOV.UK Frontend's assets, our static files, the
# OpenAPI description of /api/v1 (it describes the API; every operation in it still needs a token), and the
# health and readiness probes a load balancer calls (they hold no data: web/operations.py).
PUBLIC = {"/sign-in", "/assets", "/static", "/api/v1/openapi.json", "/healthz", "/readyz"}
CHANGES = {"POST", "PUT", "PATCH", "DELETE"}


def _calls(dependant: Dependant | None) -> set[Callable[..., Any]]:
    """Every dependency the route resolves, however deeply nested."""
    if dependant is None:
        return set()
    found: set[Callable[..., Any]] = set()
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            found.add(dependency.call)
        found |= _calls(dependency)
    return found


def unguarded(app: FastAPI) -> list[str]:
    """The paths of routes served without the guard they need: outside PUBLIC, a signed-in actor
    (`_page_actor` for pages, `_api_actor` under /api/); and for every page that changes something,
    a CSRF-checked form. Empty when every route is guarded."""
    found = []
    for route in served_routes(app):
        calls = _calls(route.dependant)
        actor = deps._api_actor if route.path.startswith("/api/") else deps._page_actor
        needs_form = bool(route.methods & CHANGES) and not route.path.startswith("/api/")
        if (route.path not in PUBLIC and actor not in calls) or (needs_form and deps._checked_form not in calls):
            found.append(route.path)
    return found


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)  # no request is made: the database is never opened


def test_every_route_needs_a_signed_in_actor_and_every_form_its_csrf_token(app: FastAPI) -> None:
    # A new route must update this count (and be guarded, or listed in PUBLIC): the pages and API operations
    # of the routers, 2 static mounts, the OpenAPI description and the 2 probes. Should a FastAPI upgrade hide
    # routes from the walk, the count falls and this fails, rather than passing over nothing.
    assert len(served_routes(app)) == 228
    assert unguarded(app) == []


def test_no_page_or_operation_of_ours_runs_on_the_event_loop(app: FastAPI) -> None:
    # A handler written `async def` runs on the process's one event loop: its database work and any reading of a
    # workbook would hold up every other request the process serves. Ours are plain functions, run in threads.
    handlers = [route.dependant.call for route in served_routes(app) if route.dependant is not None]
    ours = [handler for handler in handlers if handler.__module__.startswith("wholeplace.")]
    assert len(handlers) == len(ours) == 225  # the 228 routes but the 2 static mounts and the OpenAPI description
    assert [handler.__qualname__ for handler in ours if inspect.iscoroutinefunction(handler)] == []


def _reviewer(actor: deps.PageActor) -> Actor:
    """The guard one level down, inside a dependency of its own."""
    return actor


def test_every_section_the_navigation_offers_is_a_page_the_app_serves(app: FastAPI) -> None:
    served = {route.path for route in served_routes(app) if "GET" in route.methods}
    hrefs = [section.href for section in SECTIONS]
    assert [href for href in hrefs if href not in served] == []
    assert len(hrefs) == 11, hrefs


def test_the_check_names_a_route_left_unguarded() -> None:
    pages = APIRouter()

    @pages.get("/reviewed")
    def guarded(who: Annotated[Actor, Depends(_reviewer)]) -> None: ...

    @pages.get("/open")
    def left_open(request: Request) -> None: ...

    @pages.post("/checked")
    def form_checked(actor: deps.PageActor, form: deps.CheckedForm) -> None: ...

    @pages.post("/reviewed")
    def form_unchecked(who: Annotated[Actor, Depends(_reviewer)]) -> None: ...

    inner = FastAPI(openapi_url=None)

    @inner.get("/inner")
    def inner_open() -> None: ...

    app = FastAPI(openapi_url=None)
    app.include_router(pages, prefix="/throwaway")
    app.mount("/sub", inner)
    assert len(served_routes(app)) == 5
    # GET /throwaway/reviewed passes through its nested guard; the POST there has no CSRF-checked form.
    assert unguarded(app) == ["/throwaway/open", "/throwaway/reviewed", "/sub/inner"]


# The guard proves only that someone is signed in; what they may do is the role check's business.
FOR_AUTHORS = ["/business-cases/new", "/business-cases/template.xlsx"]  # business_cases.edit, as add_case
FOR_READERS = ["/business-cases/unit-costs"]  # business_cases.view, as the list of cases


def _signed_in_as(client: TestClient, sessions: sessionmaker[Session], *roles: Role) -> TestClient:
    with sessions() as session, session.begin():
        make_user(session, *roles, email="officer@essex.example")
    sign_in(client, "officer@essex.example")
    return client


def _refusals(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "refused")))


def test_a_viewer_cannot_open_the_pages_for_adding_a_business_case(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    viewer = _signed_in_as(client, sessions, Role.VIEWER)
    for path in FOR_AUTHORS:
        page = viewer.get(path)
        assert (page.status_code, "You cannot do this" in page.text) == (403, True), path
    assert viewer.get(FOR_READERS[0]).status_code == 200
    assert _refusals(sessions) == ["business_cases.edit"] * len(FOR_AUTHORS)


def test_a_user_left_with_no_role_cannot_open_any_of_them(client: TestClient, sessions: sessionmaker[Session]) -> None:
    # Every role may view business cases, so only a user whose roles were all taken away is refused the library.
    # Adding a user needs a role, so the test takes them away in the database.
    nobody = _signed_in_as(client, sessions, Role.VIEWER)
    with sessions() as session, session.begin():
        user = session.scalars(select(User)).one()
        user.role_rows.clear()
    for path in FOR_AUTHORS + FOR_READERS:
        assert nobody.get(path).status_code == 403, path


def test_an_analyst_opens_all_of_them(client: TestClient, sessions: sessionmaker[Session]) -> None:
    analyst = _signed_in_as(client, sessions, Role.ANALYST)
    for path in FOR_AUTHORS + FOR_READERS:
        assert analyst.get(path).status_code == 200, path
