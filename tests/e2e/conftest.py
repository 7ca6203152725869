"""A live wholeplace on a demo database, and headless chromium to drive it (every test here is `browser`).

The server runs once per test session (per xdist worker) in a background thread. Chromium is Debian's,
never a Playwright download. Where chromium or axe-core is missing the tests skip with the reason,
except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from wholeplace.auth.model import Role
from wholeplace.db import make_engine, session_factory
from wholeplace.demo.load import DemoUser, demo_sign_ins
from wholeplace.settings import Settings
from wholeplace.web.app import create_app

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "test-results"  # gitignored; screenshots for people to look at
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


def unavailable(reason: str) -> None:
    """Skip loudly; under CI a missing browser or tool is a failure, not a skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(f"SKIPPED, NOT TESTED: {reason}")


@dataclass(frozen=True)
class LiveApp:
    url: str
    sessions: sessionmaker[Session]
    users: list[DemoUser]

    def user(self, role: Role) -> DemoUser:
        return next(user for user in self.users if user.role == role)


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("The test server stopped before it started; see its log above")
        if time.monotonic() > deadline:
            raise RuntimeError(f"The test server did not start within {seconds} seconds")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory, sqlite_demo_template: Path) -> Iterator[LiveApp]:
    """The demo programme in a copy of the run's demo file, served on a free port of 127.0.0.1."""
    path = tmp_path_factory.mktemp("e2e") / "wholeplace.db"
    shutil.copy(sqlite_demo_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session:
        users = demo_sign_ins(session)

    # Bind the port here and hand the socket to uvicorn, so no other process can take it in between.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(Settings(database_url=url), sessions)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_until_started(server, thread)
        yield LiveApp(f"http://127.0.0.1:{port}", sessions, users)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        engine.dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    runner = sync_playwright().start()
    yield runner
    runner.stop()


@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless. Never `playwright install`: no browser is downloaded."""
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("chromium is not installed (apt-get install chromium); browser tests did not run")
    browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.exists():
        unavailable(f"axe-core is not installed at {AXE} (run `npm ci`); accessibility checks did not run")
    return AXE


@contextmanager
def _context(chromium: Browser, live_app: LiveApp, **options: object) -> Iterator[BrowserContext]:
    context = chromium.new_context(base_url=live_app.url, **options)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(chromium: Browser, live_app: LiveApp) -> Iterator[Page]:
    """A fresh browser profile (no cookies), obeying the app's Content-Security-Policy."""
    with _context(chromium, live_app) as context:
        yield context.new_page()


@pytest.fixture
def axe_page(chromium: Browser, live_app: LiveApp) -> Iterator[Page]:
    """A fresh profile that lets Playwright inject axe-core as an inline script, which our CSP forbids.

    Bypassing the CSP here changes nothing axe looks at; `test_pages_send_a_content_security_policy`
    checks the policy itself with it in force.
    """
    with _context(chromium, live_app, bypass_csp=True) as context:
        yield context.new_page()


def sign_in(page: Page, user: DemoUser) -> None:
    page.goto("/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", user.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


@pytest.fixture
def admin(page: Page, live_app: LiveApp) -> Page:
    """A page signed in as the demo admin."""
    sign_in(page, live_app.user(Role.ADMIN))
    return page


@pytest.fixture
def results_dir() -> Path:
    RESULTS.mkdir(exist_ok=True)
    return RESULTS
