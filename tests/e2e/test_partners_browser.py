"""The partner pages in a real browser: listing, changing and refusing a change, accessibility, CSP, sign-out."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from wholeplace.audit import unit_of_work
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.demo.load import DATA
from wholeplace.partners import service

from .conftest import LiveApp, sign_in

# the Essex partners, and the Cheshire ones the outcomes demo adds for the seed 002 case
DEMO_PARTNERS = [
    row["name"]
    for path in (DATA / "partners.csv", DATA / "outcomes" / "cheshire-partners.csv")
    for row in csv.DictReader(path.open(encoding="utf-8"))
]


def open_partner(page: Page, name: str) -> int:
    """Follow the partner's link from the list; returns its id."""
    page.goto("/partners")
    page.get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(re.compile(r"/partners/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    return int(page.url.rsplit("/", 1)[1])


@pytest.fixture
def renamed_later(live_app: LiveApp) -> Iterator[dict[str, int | str]]:
    """Puts back the name of the partner a test renames, so other tests see the demo as loaded."""
    renamed: dict[str, int | str] = {}
    yield renamed
    if renamed:
        with unit_of_work(live_app.sessions) as session:
            service.update_organisation(session, Actor.console(), int(renamed["id"]), {"name": str(renamed["name"])})


def test_admin_sees_every_demo_partner_on_the_list(admin: Page, results_dir: Path) -> None:
    admin.goto("/partners")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Partners")
    expect(admin.locator("caption")).to_contain_text(f"{len(DEMO_PARTNERS)} partners")
    shown = set(admin.locator("table.govuk-table tbody a").all_inner_texts())
    missing = [name for name in DEMO_PARTNERS if name not in shown]
    assert not missing, f"Partners in partners.csv not on the list page: {missing}"
    admin.screenshot(path=results_dir / "partners-list.png", full_page=True)


def test_admin_renames_a_partner_and_the_list_shows_the_new_name(
    admin: Page, renamed_later: dict[str, int | str]
) -> None:
    old_name, new_name = "Maldon District Council", "Maldon District Council (Community Budget)"
    partner_id = open_partner(admin, old_name)
    renamed_later.update(id=partner_id, name=old_name)

    admin.get_by_role("button", name="Change details").click()
    admin.wait_for_url(f"**/partners/{partner_id}/edit")
    expect(admin.locator("#name")).to_have_value(old_name)
    admin.fill("#name", new_name)
    admin.get_by_role("button", name="Save").click()

    admin.wait_for_url(f"**/partners/{partner_id}?saved=1")
    expect(admin.locator(".govuk-notification-banner--success")).to_contain_text(f"{new_name} has been saved.")
    expect(admin.get_by_role("heading", level=1)).to_have_text(new_name)
    admin.goto("/partners")
    expect(admin.get_by_role("link", name=new_name, exact=True)).to_be_visible()
    expect(admin.get_by_role("link", name=old_name, exact=True)).to_have_count(0)


def test_a_blank_name_is_refused_with_an_error_summary_and_changes_nothing(admin: Page, results_dir: Path) -> None:
    name = "Rochford District Council"
    partner_id = open_partner(admin, name)
    admin.goto(f"/partners/{partner_id}/edit")
    admin.fill("#name", "")
    admin.get_by_role("button", name="Save").click()

    summary = admin.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.locator('a[href="#name"]')).to_have_text("Enter a name")
    expect(admin.locator("#name-error")).to_contain_text("Enter a name")
    expect(admin).to_have_title(re.compile(r"^Error: "))
    admin.screenshot(path=results_dir / "partner-form-errors.png", full_page=True)

    summary.locator('a[href="#name"]').click()
    expect(admin.locator("#name")).to_be_focused()
    admin.goto(f"/partners/{partner_id}")
    expect(admin.get_by_role("heading", level=1)).to_have_text(name)


def _sign_in_page(page: Page, live_app: LiveApp) -> None:
    page.goto("/sign-in")


def _partners_list(page: Page, live_app: LiveApp) -> None:
    sign_in(page, live_app.user(Role.ADMIN))
    page.goto("/partners")


def _partner_detail(page: Page, live_app: LiveApp) -> None:
    sign_in(page, live_app.user(Role.ADMIN))
    open_partner(page, "Essex Police")  # has a parent, so the "Part of" link is on the page


def _edit_form(page: Page, live_app: LiveApp) -> None:
    sign_in(page, live_app.user(Role.ADMIN))
    page.goto(f"/partners/{open_partner(page, 'Essex Police')}/edit")


def _edit_form_with_errors(page: Page, live_app: LiveApp) -> None:
    _edit_form(page, live_app)
    page.fill("#name", "")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [" ".join(node["target"]) for node in violation["nodes"]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}; at {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize(
    "visit",
    [_sign_in_page, _partners_list, _partner_detail, _edit_form, _edit_form_with_errors],
    ids=["sign-in", "partners-list", "partner-detail", "edit-form", "edit-form-with-errors"],
)
def test_axe_finds_no_accessibility_violations(
    axe_page: Page, live_app: LiveApp, axe_script: Path, visit: Callable[[Page, LiveApp], None]
) -> None:
    visit(axe_page, live_app)
    axe_page.add_script_tag(path=axe_script)
    violations = axe_page.evaluate("async () => (await axe.run()).violations")
    assert violations == [], f"axe-core on {axe_page.url}:\n{_describe(violations)}"


def test_pages_send_a_content_security_policy_that_the_page_keeps_to(admin: Page) -> None:
    errors: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    admin.on("console", collect)
    admin.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    response = admin.goto("/partners")
    assert response is not None and response.ok
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy
    assert re.search(r"script-src 'self' 'nonce-[^']+'", policy), policy
    admin.wait_for_load_state("networkidle")

    # GOV.UK Frontend's inline script, allowed by its nonce, marks the body; our module script then runs.
    expect(admin.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    csp_errors = [text for text in errors if "Content Security Policy" in text]
    assert not csp_errors, "\n".join(csp_errors)
    assert not errors, f"Console errors on /partners: {errors}"


def test_signing_out_returns_to_sign_in_and_partners_then_needs_sign_in(admin: Page) -> None:
    admin.goto("/partners")
    admin.get_by_role("button", name="Sign out").click()

    admin.wait_for_url("**/sign-in?signed_out=1")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(admin.locator(".govuk-notification-banner--success")).to_contain_text("You have signed out.")
    admin.goto("/partners")
    admin.wait_for_url(re.compile(r"/sign-in\?next=/partners$"))
    expect(admin.locator("#email")).to_be_visible()
