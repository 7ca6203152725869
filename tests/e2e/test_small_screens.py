"""Every page of the demo at 375 px wide in chromium: none scrolls sideways (WCAG 1.4.10, reflow) and none logs a
console error.

One browser, a context per walker. Each walker signs in and follows links from where its work starts, opening
one page of every route it meets (the first address found for it); a walker opens in the browser only the routes
no one before it has walked, and reads the others without drawing them, for their links. Pages no link leads to
(a referrer's confirmation, break-glass, a subject access answer) get their address from the demo's data; the
walk adds a business case its programme manager's partner may edit, as the demo's one case names partners no
demo user works for. Downloads, plotly's files and the health probes are not pages: every other GET route the
app serves must be walked, so a new page cannot escape.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import APIResponse, Browser, BrowserContext, ConsoleMessage, Page, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.routing import compile_path

from tests.web.routes import served_routes
from wholeplace.appraisal import service as appraisal
from wholeplace.appraisal.model import BusinessCase
from wholeplace.audit import unit_of_work
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import User
from wholeplace.cases.model import Case, Person, Referral
from wholeplace.demo.load import DemoUser
from wholeplace.settings import Settings
from wholeplace.web.app import create_app

from .conftest import LiveApp, sign_in
from .test_business_cases_browser import SMALL_CASE

NARROW = 375
ADMIN = "admin@demo.wholeplace.test"
PROGRAMME = "programme@demo.wholeplace.test"
CASE_TO_EDIT = "A case its partner edits at 375 px (e2e)"
# Files, plotly's script and styles, and the probes for machines: an address ending in a file's extension, or these.
PROBES = {"/healthz", "/readyz"}
NOT_A_PAGE = re.compile(r"\.\w+$")
CHARTS_DRAWN = "[...document.querySelectorAll('.wp-chart')].every(chart => chart.querySelector('svg.main-svg'))"


@dataclass(frozen=True)
class Walker:
    email: str
    starts: tuple[str, ...]  # where its work starts; it follows links under these only
    addresses: Callable[[Session], list[str]] = lambda session: []  # its pages that no link leads to


def _admin_addresses(session: Session) -> list[str]:
    admin = session.scalar(select(User).where(User.email == ADMIN))
    assert admin is not None
    referral = session.scalars(select(Referral).order_by(Referral.id)).first()
    case = session.scalars(select(Case).order_by(Case.id)).first()
    held = session.scalars(select(Person).where(Person.organisation_id == admin.organisation_id).order_by(Person.id))
    person = held.first()
    assert referral is not None and case is not None and person is not None, "The demo has no casework"
    return [
        f"/cases/referrals/sent?reference={referral.reference}&urgency={referral.urgency.value}",
        f"/cases/{case.id}/break-glass",
        f"/cases/people/{person.id}/subject-access",
    ]


def _programme_addresses(session: Session) -> list[str]:
    """The demo's one business case names Cheshire's partners, whom no demo user works for: the walk adds one."""
    user = session.scalar(select(User).where(User.email == PROGRAMME))
    assert user is not None
    case = session.scalar(select(BusinessCase).where(BusinessCase.name == CASE_TO_EDIT))
    if case is None:
        case = appraisal.add_case(session, Actor.of(user), source=SMALL_CASE.format(name=CASE_TO_EDIT))
    return [f"/business-cases/{case.id}/edit", f"/business-cases/{case.id}/guided"]


# Who walks, in turn: each opens the pages the ones before could not.
WALKERS = (
    Walker(ADMIN, ("/",), _admin_addresses),
    Walker("analyst@demo.wholeplace.test", ("/linkage", "/cases/interventions")),
    Walker("north.key.worker@demo.wholeplace.test", ("/cases",)),
    Walker("gateway.worker@demo.wholeplace.test", ("/cases", "/linkage/referrals")),
    Walker(PROGRAMME, ("/business-cases",), _programme_addresses),
    Walker("finance@demo.wholeplace.test", ("/funds",)),  # records spending
)


@dataclass
class Walk:
    pages: list[str] = field(default_factory=list)  # the HTML GET routes, downloads and probes apart
    skipped: list[str] = field(default_factory=list)  # downloads, plotly's files, probes
    widths: dict[str, tuple[str, int]] = field(default_factory=dict)  # route -> (address walked, scrollWidth)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Routes:
    """The app's GET routes outside the API, and which route an address belongs to."""

    def __init__(self, live_app: LiveApp) -> None:
        app = create_app(Settings(), live_app.sessions)  # a second instance, for its routes only
        paths = sorted(
            {
                served.path
                for served in served_routes(app)
                if "GET" in served.methods and served.dependant is not None and not served.path.startswith("/api/")
            }
        )
        self.sessions = live_app.sessions
        self.patterns = [(path, compile_path(path)[0]) for path in paths]
        self.skipped = [path for path in paths if path in PROBES or NOT_A_PAGE.search(path)]
        self.pages = [path for path in paths if path not in self.skipped]

    def of(self, address: str) -> str | None:
        path = address.split("?")[0]
        return next((route for route, pattern in self.patterns if pattern.match(path)), None)


def _links(text: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="(/[^"#]*)"', text)]


def _is_page(response: APIResponse | Response | None) -> bool:
    return response is not None and response.ok and response.headers["content-type"].startswith("text/html")


def _draw(page: Page, route: str, address: str, walked: Walk) -> bool:
    """Open the address and measure it; False, with its console errors dropped, if it is not this walker's to
    open (Chromium logs a refused document as a console error; a later walker may open it)."""
    heard: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if message.type == "error":
            heard.append(f"{address}: {message.text}")

    page.on("console", listen)
    try:
        response = page.goto(address)
        if not _is_page(response):
            return False
        page.wait_for_function(CHARTS_DRAWN)  # a chart is only its final width once plotly has drawn it
        walked.widths[route] = (address, page.evaluate("document.documentElement.scrollWidth"))
    finally:
        page.remove_listener("console", listen)
    walked.errors += heard
    return True


def _walk_as(context: BrowserContext, user: DemoUser, walker: Walker, routes: Routes, walked: Walk) -> None:
    """Breadth first from the walker's starts, one address per route, each route at most once per walker."""
    page = context.new_page()
    page.on("pageerror", lambda error: walked.errors.append(f"{page.url}: uncaught {error}"))
    if "/sign-in" not in walked.widths:  # the first walker measures the sign-in page on the way in
        assert _draw(page, "/sign-in", "/sign-in", walked)
    sign_in(page, user)
    with unit_of_work(routes.sessions) as session:
        addresses = walker.addresses(session)
    queue, tried = [*walker.starts, *addresses], set()
    while queue:
        address = queue.pop(0)
        route = routes.of(address)
        if route is None or route in tried or route in routes.skipped:
            continue
        if address not in addresses and not address.startswith(walker.starts):
            continue
        tried.add(route)
        if route in walked.widths:  # drawn already: only its links are wanted
            response = context.request.get(address)
            if _is_page(response):
                queue += _links(response.text())
        elif _draw(page, route, address, walked):
            queue += _links(page.content())
    page.close()


@pytest.fixture(scope="module")
def walk(chromium: Browser, live_app: LiveApp) -> Iterator[Walk]:
    routes = Routes(live_app)
    walked = Walk(pages=routes.pages, skipped=routes.skipped)
    users = {user.email: user for user in live_app.users}
    started = time.monotonic()
    for walker in WALKERS:
        context = chromium.new_context(base_url=live_app.url, viewport={"width": NARROW, "height": 800})
        context.set_default_timeout(10_000)
        try:
            _walk_as(context, users[walker.email], walker, routes, walked)
        finally:
            context.close()
    walked.seconds = time.monotonic() - started
    yield walked


def test_no_page_scrolls_sideways_at_375_px(walk: Walk) -> None:
    wide = [f"{address} is {width} px wide" for address, width in walk.widths.values() if width > NARROW]
    assert wide == [], "\n".join(wide)


def test_no_page_logs_a_console_error(walk: Walk) -> None:
    assert walk.widths, "The walk opened no page"
    assert walk.errors == [], "\n".join(walk.errors)


def test_the_walk_opened_every_page_the_app_serves(walk: Walk) -> None:
    assert sorted(set(walk.pages) - set(walk.widths)) == []
    # 96 GET routes outside the API, 15 of them downloads, plotly's files and probes; a new page changes these
    assert (len(walk.pages) + len(walk.skipped), len(walk.skipped)) == (96, 15), walk.skipped
    assert len(walk.widths) == len(walk.pages) == 81
    print(f"{len(walk.widths)} pages at {NARROW} px in {walk.seconds:.0f} s")
