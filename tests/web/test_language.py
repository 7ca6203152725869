"""The pages speak the user's language: on every page of the demo, no word "seed", no ledger account path, no
ISO date in the visible text, and a footer without the crown or the Open Government Licence.

The walk signs in as the demo's administrator and follows links from the home page, opening one page of every
route it meets (the first address found for each); pages the administrator may not open (the person index, a
family's case) are walked again as the analyst and the key workers who may. Downloads are not pages and are
skipped. It runs once, on SQLite: the words on a page do not depend on the database under it.
"""

from __future__ import annotations

import html
import logging
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.routing import compile_path

from tests.factories import sign_in
from tests.web.routes import served_routes
from wholeplace.db import make_engine, session_factory
from wholeplace.settings import Settings
from wholeplace.web.app import create_app

# Who walks, in turn: each opens the pages the ones before could not.
WALKERS = (
    ("admin@demo.wholeplace.test", "admin-demo-2013"),
    ("analyst@demo.wholeplace.test", "analyst-demo-2013"),
    ("north.key.worker@demo.wholeplace.test", "casework-demo-2013"),
    ("gateway.worker@demo.wholeplace.test", "casework-demo-2013"),
)
SEED = re.compile(r"\bseeds?\b", re.IGNORECASE)
# A ledger path, "Themes:Reducing Re-offending" or "Themes: Reducing Re-offending"; "Returned: Link Workers" and
# "Spent: Link Workers" are how account_name says money spent or given back, so only the bare form counts there.
ACCOUNT_PATH = re.compile(
    r"\b(?:(?:Themes|Contributions|Pool|Spend|Returned):\w|(?:Themes|Contributions|Pool|Spend): \w)"
)
# A date as 2013-03-20; a reference that holds one ("ECC/SAFER-ESSEX/2011-03-10") is a name, not a date shown.
ISO_DATE = re.compile(r"(?<![/\w-])20\d\d-\d\d-\d\d\b")
CONSOLE_LABEL = re.compile(r"\bconsole:\w")  # how a record names a command run at the server: "the console (root)"
CROWN = ("govuk-footer__crown", "govuk-footer__copyright-logo", "Crown copyright", "Open Government Licence")


@dataclass
class Walk:
    pages: dict[str, str] = field(default_factory=dict)  # route -> the address walked for it
    problems: list[str] = field(default_factory=list)


def visible_text(page: str) -> str:
    """What a reader sees: tags, scripts, styles and what is typed into a box left out."""
    page = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def check(url: str, page: str) -> list[str]:
    text = visible_text(page)
    found = []
    rules = (
        ("the word seed", SEED),
        ("an account path", ACCOUNT_PATH),
        ("an ISO date", ISO_DATE),
        ("a console label", CONSOLE_LABEL),
    )
    for rule, pattern in rules:
        found += [f"{url}: {rule}: …{text[max(0, m.start() - 50) : m.end() + 30]}…" for m in pattern.finditer(text)]
    found += [f"{url}: the footer shows {mark}" for mark in CROWN if mark in page]
    if "© the partners of the Essex partnership" not in text:
        found.append(f"{url}: the footer does not say whose records these are")
    return found


@pytest.fixture(scope="module")
def walk(sqlite_demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    path = tmp_path_factory.mktemp("language") / "demo.db"
    shutil.copy(sqlite_demo_template, path)
    engine = make_engine(f"sqlite:///{path}")
    app = create_app(Settings(database_url=f"sqlite:///{path}"), session_factory(engine))
    routes = [
        (served.path, compile_path(served.path)[0])
        for served in served_routes(app)
        if "GET" in served.methods and served.dependant is not None and not served.path.startswith("/api/")
    ]
    walked = Walk()
    quiet = logging.getLogger("wholeplace.requests")
    quiet.disabled = True
    try:
        for email, password in WALKERS:
            with TestClient(app) as client:
                sign_in(client, email, password)
                _walk_as(client, routes, walked)
    finally:
        quiet.disabled = False
        engine.dispose()
    yield walked


def _walk_as(client: TestClient, routes: list[tuple[str, re.Pattern[str]]], walked: Walk) -> None:
    """Breadth first from the home page, one address per route, each route at most once per walker."""
    queue, tried = ["/"], set()
    while queue:
        url = queue.pop(0)
        route = next((path for path, pattern in routes if pattern.match(url.split("?")[0])), None)
        if route is None or route in tried:
            continue
        tried.add(route)
        response = client.get(url)
        if response.status_code != 200 or not response.headers["content-type"].startswith("text/html"):
            continue
        if route not in walked.pages:  # a page an earlier walker opened is only followed for its links
            walked.pages[route] = url
            walked.problems += check(url, response.text)
        queue += [html.unescape(href) for href in re.findall(r'href="(/[^"#]*)"', response.text)]


def test_no_page_says_seed_shows_a_ledger_path_or_an_iso_date_or_a_crown(walk: Walk) -> None:
    assert walk.problems == [], "\n".join(walk.problems)


def test_the_walk_opened_a_page_of_every_route_it_could(walk: Walk) -> None:
    # 73 routes serve a page the demo links to (downloads and the sign-in page apart); a new page changes this
    assert len(walk.pages) == 73, sorted(walk.pages)
