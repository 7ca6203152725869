"""HTML and script stored in text fields are shown as text, never run: a browser test that fails on any dialog.

Three attacks (a script element, an attribute breaking out into an image with onerror, a javascript: URL) are
stored together in nine text fields of eight kinds of record the demo shows: a partner's name, a fund's name, a
decision's title and purpose, a business case's name (saved as a new version of its file), a case's summary
and a note on it, a meeting's minutes and an indicator's name. The pages showing them are opened in chromium
with the Content-Security-Policy bypassed, so escaping alone must keep the script inert: any dialog fails the
test, each page must show the attack as literal text, and no page may hold an element the attack would have made.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Dialog, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.appraisal import service as appraisal_service
from wholeplace.appraisal.model import BusinessCase
from wholeplace.audit import unit_of_work
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import User
from wholeplace.cases.model import Case, CaseNote
from wholeplace.db import make_engine, session_factory
from wholeplace.decisions.model import Decision, Meeting
from wholeplace.demo.cohort_place import PASSWORD as CASEWORK_PASSWORD
from wholeplace.funds.model import Fund
from wholeplace.outcomes.model import Indicator
from wholeplace.partners.model import Organisation
from wholeplace.settings import Settings
from wholeplace.web.app import create_app

ATTACKS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(2)>', "javascript:alert(3)")
ADMIN = ("admin@demo.wholeplace.test", "admin-demo-2013")
KEY_WORKER = ("north.key.worker@demo.wholeplace.test", CASEWORK_PASSWORD)


def attack(field: str) -> str:
    return f"{field} {' '.join(ATTACKS)}"


@dataclass(frozen=True)
class Planted:
    url: str
    pages: dict[str, tuple[str, tuple[str, str], list[str]]]  # path -> (page name, sign-in, fields it shows)
    fields: list[str]


def plant(session: Session) -> tuple[dict[str, tuple[str, tuple[str, str], list[str]]], list[str]]:
    """Store the attacks in each field; the pages that show them, who may see them, and which fields each shows."""
    partner = session.scalars(select(Organisation).where(Organisation.identifier == "GB-LAE-BAI")).one()
    partner.name = attack("partner name")
    fund = session.scalars(select(Fund).where(Fund.code == "wecb-2013-14")).one()
    fund.name = attack("fund name")
    decision = session.scalars(select(Decision).where(Decision.reference == "PCC/038/13")).one()
    decision.title, decision.purpose = attack("decision title"), attack("decision purpose")
    business_case = session.scalars(select(BusinessCase).order_by(BusinessCase.id)).first()
    assert business_case is not None
    current = business_case.current
    source = current.source.replace(f"name: {business_case.name}\n", f"name: '{attack('business case name')}'\n", 1)
    appraisal_service.save_version(
        session, Actor.console(), case_id=business_case.id, source=source, based_on=current.number
    )
    worker = session.scalars(select(User).where(User.email == KEY_WORKER[0])).one()
    case = session.scalars(select(Case).where(Case.key_worker_id == worker.id).order_by(Case.id)).first()
    assert case is not None
    case.summary = attack("case summary")
    session.add(CaseNote(case_id=case.id, written_by=worker.email, text=attack("case note")))
    meeting = session.scalars(select(Meeting).order_by(Meeting.id)).first()
    assert meeting is not None
    meeting.minutes = attack("meeting minutes")
    indicator = session.scalars(select(Indicator).order_by(Indicator.id)).first()
    assert indicator is not None
    indicator.name = attack("indicator name")
    session.flush()
    pages = {
        f"/partners/{partner.id}": ("partner", ADMIN, ["partner name"]),
        "/partners": ("partners", ADMIN, ["partner name"]),
        f"/funds/{fund.id}": ("fund", ADMIN, ["fund name"]),
        "/funds": ("funds", ADMIN, ["fund name"]),
        f"/decisions/{decision.id}": ("decision", ADMIN, ["decision title", "decision purpose"]),
        "/decisions": ("decisions", ADMIN, ["decision title"]),
        f"/business-cases/{business_case.id}": ("business case", ADMIN, ["business case name"]),
        "/business-cases": ("business cases", ADMIN, ["business case name"]),
        f"/cases/{case.id}": ("case", KEY_WORKER, ["case summary", "case note"]),
        f"/meetings/{meeting.id}": ("meeting", ADMIN, ["meeting minutes"]),
        f"/outcomes/indicators/{indicator.id}": ("indicator", ADMIN, ["indicator name"]),
    }
    fields = [
        "partner name", "fund name", "decision title", "decision purpose", "business case name", "case summary",
        "case note", "meeting minutes", "indicator name",
    ]  # fmt: skip
    return pages, fields


@pytest.fixture(scope="module")
def planted(sqlite_demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planted]:
    """A copy of the demo holding the attacks, served on a free port of 127.0.0.1."""
    path = tmp_path_factory.mktemp("inert") / "wholeplace.db"
    shutil.copy(sqlite_demo_template, path)
    engine = make_engine(f"sqlite:///{path}")
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        pages, fields = plant(session)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    app = create_app(Settings(database_url=f"sqlite:///{path}"), sessions)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=sock.getsockname()[1], log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield Planted(f"http://127.0.0.1:{sock.getsockname()[1]}", pages, fields)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        engine.dispose()


def signed_in(chromium: Browser, planted: Planted, who: tuple[str, str], dialogs: list[str]) -> Page:
    context = chromium.new_context(base_url=planted.url, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()

    def refuse(dialog: Dialog) -> None:
        dialogs.append(f"{page.url}: {dialog.type} {dialog.message}")
        dialog.dismiss()

    page.on("dialog", refuse)
    page.goto("/sign-in")
    page.fill("#email", who[0])
    page.fill("#password", who[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
    return page


def test_script_stored_in_every_text_field_is_shown_as_text_and_never_runs(chromium: Browser, planted: Planted) -> None:
    dialogs: list[str] = []
    shown: set[str] = set()
    pages = {who: signed_in(chromium, planted, who, dialogs) for who in (ADMIN, KEY_WORKER)}
    for path, (name, who, fields) in planted.pages.items():
        page = pages[who]
        response = page.goto(path)
        assert response is not None and response.status == 200, (name, response and response.status)
        page.wait_for_load_state("load")
        for field in fields:
            expect(page.locator("main")).to_contain_text(attack(field))
            shown.add(field)
        made = page.locator(
            "img[src='x'], [onerror], a[href^='javascript'], main script:not([type='application/json'])"
        )
        assert made.count() == 0, (name, [made.nth(i).evaluate("e => e.outerHTML") for i in range(made.count())])
    for page in pages.values():
        page.context.close()
    assert dialogs == []
    assert len(planted.fields) == 9 and shown == set(planted.fields)
    assert len(planted.pages) == 11
