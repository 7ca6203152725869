"""Casework in a real browser, on the demo's synthetic cohort: the access team screens a referral into a case, a
key worker completes a risk checklist that meets the MARAC criteria, reads the prefilled MARAC referral and adds a
plan action. axe-core checks each page on the way, and no page logs a console error."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page, expect

from .conftest import LiveApp, sign_in

GATEWAY = "gateway.worker@demo.wholeplace.test"
NORTH = "north.key.worker@demo.wholeplace.test"


def _user(live_app: LiveApp, email: str):  # type: ignore[no-untyped-def]
    return next(user for user in live_app.users if user.email == email)


def _check(page: Page, axe_script: Path, results_dir: Path, name: str, checked: list[str]) -> None:
    """No accessibility violation on the page as it stands; a screenshot for people to look at."""
    page.add_script_tag(path=axe_script)
    violations = page.evaluate("async () => (await axe.run()).violations")
    described = [f"{v['id']}: {v['help']} at {[' '.join(n['target']) for n in v['nodes']]}" for v in violations]
    assert described == [], f"axe-core on {page.url}"
    page.screenshot(path=str(results_dir / f"cases-{name}.png"), full_page=True)
    checked.append(name)


def test_screen_assess_refer_to_marac_and_plan_in_the_browser(
    axe_page: Page, live_app: LiveApp, axe_script: Path, results_dir: Path
) -> None:
    page, checked, errors = axe_page, [], []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", collect)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))

    # The access team screens the oldest referral into a case in the North Essex locality team.
    sign_in(page, _user(live_app, GATEWAY))
    page.goto("/cases")
    page.get_by_role("link", name=re.compile("Gateway queue of Gateway access team")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gateway queue")
    _check(page, axe_script, results_dir, "queue", checked)
    page.locator("table a").first.click()
    expect(page.get_by_role("heading", level=2, name="Screen the referral")).to_be_visible()
    _check(page, axe_script, results_dir, "referral", checked)
    person = page.locator(".govuk-summary-list__value").first.inner_text()
    page.get_by_label("Open a case").check()
    page.get_by_label("Kind of case").select_option("domestic abuse victim")
    page.get_by_label("Case management team").select_option(label="North Essex locality team")
    page.get_by_label("Key worker").select_option(label="Demo north Essex key worker (North Essex locality team)")
    page.get_by_role("button", name="Save the screening").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    expect(page.get_by_role("heading", level=3, name=f"{person} (victim)")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The key worker completes the checklist: 14 yes meets the MARAC criteria.
    sign_in(page, _user(live_app, NORTH))
    page.goto(case_url)
    _check(page, axe_script, results_dir, "case", checked)
    page.get_by_role("link", name="Complete a risk checklist").click()
    _check(page, axe_script, results_dir, "checklist", checked)
    for number in range(1, 25):
        page.locator(f"#q{number}" if number <= 14 else f"#q{number}-2").check()
    page.get_by_label("Police call-outs to the household in the last 12 months (optional)").fill("1")
    page.get_by_role("button", name="Score the checklist").click()
    expect(page.get_by_text("This meets the MARAC referral criteria: visible high risk.")).to_be_visible()
    expect(page.get_by_text("14 of 24 questions answered yes: 14 or more is high", exact=False)).to_be_visible()
    _check(page, axe_script, results_dir, "checklist-result", checked)
    page.get_by_role("link", name="Review the MARAC referral").click()
    expect(page.get_by_text("14 answered yes, level high", exact=False)).to_be_visible()
    expect(page.get_by_text("Police call-outs in the last 12 months: 1.", exact=False)).to_be_visible()
    _check(page, axe_script, results_dir, "marac-referral", checked)

    # ... and adds an action to the single plan, owned by the police.
    page.goto(case_url + "/plan")
    due = dt.date.today() + dt.timedelta(days=14)
    page.locator("#action-description").fill("Fit a monitored alarm at the home")
    page.locator("#action-agency").select_option(label="Essex Police")
    page.locator("#action-owner").fill("PC Synthetic")
    page.locator("#action-due_on-day").fill(str(due.day))
    page.locator("#action-due_on-month").fill(str(due.month))
    page.locator("#action-due_on-year").fill(str(due.year))
    page.get_by_role("button", name="Add action").click()
    expect(page.get_by_role("cell", name="Fit a monitored alarm at the home", exact=True)).to_be_visible()
    _check(page, axe_script, results_dir, "plan", checked)

    assert checked == ["queue", "referral", "case", "checklist", "checklist-result", "marac-referral", "plan"]
    assert errors == []
