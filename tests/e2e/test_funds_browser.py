"""Fund and decision pages in a real browser: the Sankey drawn under our CSP, accessibility, approving a draft.

The live app holds the demo: WECB (PCC/038/13 approved, DEMO/REPROFILE/1 a draft) and the 2011/12 Community
Safety Fund. Only the last test here changes the demo's money (it approves DEMO/REPROFILE/1); tests that need
a draft of their own make one with a reference nobody else uses.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from wholeplace.audit import unit_of_work
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions import service as decisions
from wholeplace.decisions.service import DecisionIn, RecommendationIn
from wholeplace.funds import ledger
from wholeplace.money import FinancialYear, Money

from .conftest import LiveApp, sign_in

WECB = "Whole Essex Community Budgets"


def collect_errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions from now on (a CSP refusal is a console error)."""
    errors: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", collect)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


def open_wecb(page: Page) -> int:
    """Follow the fund's link from the list; returns its id."""
    page.goto("/funds")
    page.get_by_role("link", name=WECB, exact=True).click()
    page.wait_for_url(re.compile(r"/funds/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(WECB)
    return int(page.url.rsplit("/", 1)[1])


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}; at {[' '.join(node['target']) for node in v['nodes']]}"
        for v in violations
    )


def fresh_draft(live_app: LiveApp) -> int:
    """A draft re-profiling of the Strategic Pool of a reference of its own; returns its id."""
    with unit_of_work(live_app.sessions) as session:
        actor = Actor.console()
        fund = next(f for f in ledger.list_funds(session, actor).items if f.code == "wecb-2013-14")
        draft = decisions.draft_decision(
            session,
            actor,
            fund_id=fund.id,
            draft=DecisionIn(
                reference=f"E2E/{uuid.uuid4().hex[:8]}",
                title="Re-profile part of the Strategic Pool",
                report_date=dt.date(2013, 12, 9),
                author="Programme Manager",
                decision_maker="Police and Crime Commissioner for Essex",
                purpose="Hold £5,000 of the Strategic Pool for 2014/15.",
                recommendations=[
                    RecommendationIn(
                        "1",
                        "Move £5,000 of the Strategic Pool to 2014/15",
                        Money.parse("5000"),
                        "Themes:Strategic Pool",
                        "Themes:Strategic Pool",
                        FinancialYear(2013),
                        FinancialYear(2014),
                    )
                ],
            ),
        )
        return draft.id


def test_the_fund_statement_draws_its_sankey_under_our_csp_with_no_console_errors(
    page: Page, live_app: LiveApp, results_dir: Path
) -> None:
    sign_in(page, live_app.user(Role.DECISION_MAKER))
    errors = collect_errors(page)
    fund_id = open_wecb(page)
    response = page.goto(f"/funds/{fund_id}?as_at=2014-03-31")
    assert response is not None and "style-src 'self';" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")

    expect(page.locator("#sankey svg.main-svg").first).to_be_visible()
    expect(page.locator("#sankey .sankey")).to_have_count(1)
    # partner, pool, 4 themes, unallocated, 4 projects
    expect(page.locator("#sankey .sankey-node")).to_have_count(11)
    expect(page.locator("#sankey .sankey-node").first).to_contain_text("Police and Crime Commissioner for Essex")
    # plotly's own stylesheet, served as a file, is in force: its layers are stacked, not one under another
    assert page.locator("#sankey svg.main-svg").first.evaluate("svg => getComputedStyle(svg).position") == "absolute"
    page.locator("#sankey .sankey-link").first.hover(position={"x": 60, "y": 20})  # clear of the node's label
    expect(page.locator("#sankey .hoverlayer .hovertext")).to_have_count(1)
    expect(page.locator("#sankey .hoverlayer")).to_contain_text("£290,000.00")

    page.locator("#sankey").screenshot(path=results_dir / "fund-sankey.png")
    page.screenshot(path=results_dir / "fund-statement.png", full_page=True)
    assert not errors, f"Console errors on the fund statement: {errors}"


def test_the_decision_page_shows_the_checks_on_its_figures(page: Page, live_app: LiveApp, results_dir: Path) -> None:
    sign_in(page, live_app.user(Role.VIEWER))
    errors = collect_errors(page)
    page.goto("/decisions?status=approved")
    page.get_by_role("link", name="ECC/SAFER-ESSEX/2011-03-10").click()
    checks = page.locator("table", has_text="What is checked")
    expect(checks.locator("tr", has_text="stated as 1/3")).to_contain_text("Differs")
    expect(checks.locator("tr", has_text="against the stated total")).to_contain_text("Agrees")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    page.screenshot(path=results_dir / "decision-approved-csf.png", full_page=True)
    assert not errors, errors


def test_a_finance_officer_re_profiles_money_into_a_draft_decision(
    page: Page, live_app: LiveApp, results_dir: Path
) -> None:
    sign_in(page, live_app.user(Role.FINANCE))
    fund_id = open_wecb(page)
    page.get_by_role("button", name="Re-profile money").click()
    page.wait_for_url(f"**/funds/{fund_id}/reprofile")
    page.get_by_role("button", name="Create draft decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.locator('a[href="#amount"]')).to_have_text("Enter an amount")
    page.screenshot(path=results_dir / "reprofile-errors.png", full_page=True)

    reference = f"E2E/{uuid.uuid4().hex[:8]}"
    page.select_option("#from_account", "Themes:Reducing Domestic Abuse:Victim Support Pilots")
    page.select_option("#from_year", "2013/14")
    page.select_option("#to_year", "2014/15")
    page.fill("#amount", "32,850")
    page.fill("#reference", reference)
    page.fill("#title", "Re-profile the victim support pilots")
    page.fill("#reason", "The pilots started in January, so half of their year falls in 2014/15.")
    page.get_by_role("button", name="Create draft decision").click()
    page.wait_for_url(re.compile(r"/decisions/\d+\?drafted=1$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"{reference} has been drafted. Nothing moves until a decision maker approves it."
    )
    expect(page.locator(".govuk-tag")).to_have_text("Draft")


def _fund_statement(page: Page, live_app: LiveApp) -> None:
    sign_in(page, live_app.user(Role.DECISION_MAKER))
    page.goto(f"/funds/{open_wecb(page)}")
    page.wait_for_selector("#sankey svg.main-svg")


def _partner_statement(page: Page, live_app: LiveApp) -> None:
    _fund_statement(page, live_app)
    page.get_by_role("link", name="Police and Crime Commissioner for Essex").last.click()
    page.wait_for_url(re.compile(r"/partners/\d+"))


def _date_error(page: Page, live_app: LiveApp) -> None:
    _fund_statement(page, live_app)
    page.fill("#as_at-day", "31")
    page.fill("#as_at-month", "13")
    page.fill("#as_at-year", "2014")
    page.get_by_role("button", name="Show statement").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()


def _funds_list(page: Page, live_app: LiveApp) -> None:
    sign_in(page, live_app.user(Role.VIEWER))
    page.goto("/funds")


def _decisions_list(page: Page, live_app: LiveApp) -> None:
    sign_in(page, live_app.user(Role.VIEWER))
    page.goto("/decisions")


def _draft_decision(page: Page, live_app: LiveApp) -> None:
    sign_in(page, live_app.user(Role.DECISION_MAKER))
    page.goto(f"/decisions/{fresh_draft(live_app)}")
    expect(page.get_by_role("button", name="Approve")).to_be_visible()


def _rejection_without_reason(page: Page, live_app: LiveApp) -> None:
    _draft_decision(page, live_app)
    page.get_by_role("button", name="Reject").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason")


def _reprofile_form(page: Page, live_app: LiveApp) -> None:
    sign_in(page, live_app.user(Role.FINANCE))
    page.goto(f"/funds/{open_wecb(page)}/reprofile")


@pytest.mark.parametrize(
    "visit",
    [
        _fund_statement,
        _partner_statement,
        _date_error,
        _funds_list,
        _decisions_list,
        _draft_decision,
        _rejection_without_reason,
        _reprofile_form,
    ],
    ids=[
        "fund-statement",
        "partner-statement",
        "statement-date-error",
        "funds-list",
        "decisions-list",
        "draft-decision",
        "rejection-without-reason",
        "reprofile-form",
    ],
)
def test_axe_finds_no_accessibility_violations(
    axe_page: Page, live_app: LiveApp, axe_script: Path, visit: Callable[[Page, LiveApp], None]
) -> None:
    visit(axe_page, live_app)
    axe_page.add_script_tag(path=axe_script)
    violations = axe_page.evaluate("async () => (await axe.run()).violations")
    assert violations == [], f"axe-core on {axe_page.url}:\n{describe(violations)}"


def test_the_decision_maker_approves_the_draft_re_profiling_in_the_browser(
    page: Page, live_app: LiveApp, results_dir: Path
) -> None:
    sign_in(page, live_app.user(Role.DECISION_MAKER))
    errors = collect_errors(page)
    fund_id = open_wecb(page)
    page.goto(f"/decisions?fund={fund_id}&status=draft")
    page.get_by_role("link", name="DEMO/REPROFILE/1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Re-profile Link Workers into 2014/15")
    page.screenshot(path=results_dir / "decision-draft.png", full_page=True)

    # Taken as urgent, its money posts at approval instead of waiting out the call-in period (docs/decisions.md).
    page.fill("#urgent_reason", "The grant's conditions need the money moved before the quarter closes")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r"/decisions/\d+\?approved=1$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("DEMO/REPROFILE/1 has been approved.")
    expect(page.locator(".govuk-tag").first).to_have_text("Approved")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    page.screenshot(path=results_dir / "decision-approved.png", full_page=True)

    page.get_by_role("link", name="See the fund statement").click()
    page.wait_for_url(f"**/funds/{fund_id}")
    by_year = page.locator("table", has_text="Financial year")
    expect(by_year.locator("tr", has_text="2014/15")).to_contain_text("£37,500.00")
    expect(page.locator("#sankey .sankey-node")).to_have_count(11)
    page.screenshot(path=results_dir / "fund-statement-after-approval.png", full_page=True)
    assert not errors, errors
