"""Business case pages in a real browser: charts drawn under our CSP, accessibility, editing a case.

The live app holds the demo, with the seed 002 case as business case 1 (version 2 gives five inputs
ranges). The editing test adds a case of its own, so the demo's case stays as it is for the other tests.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.appraisal.test_business_cases import CASE
from wholeplace.auth.model import Role

from .conftest import LiveApp, sign_in
from .test_funds_browser import collect_errors, describe

DEMO_CASE = "Domestic abuse — integrated early support (Cheshire West and Chester)"
# The stored-case tests' one-year case, over two years.
SMALL_CASE = CASE.replace("name: Hub pilot", "name: {name}").replace("years: 1", "years: 2")


def open_demo_case(page: Page) -> int:
    page.goto("/business-cases")
    page.get_by_role("link", name=DEMO_CASE, exact=True).click()
    page.wait_for_url(re.compile(r"/business-cases/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_the_results_page_draws_its_charts_under_our_csp(page: Page, live_app: LiveApp, results_dir: Path) -> None:
    sign_in(page, live_app.user(Role.VIEWER))
    errors = collect_errors(page)
    open_demo_case(page)
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_CASE)
    expect(page.locator("#flows svg.main-svg").first).to_be_visible()
    expect(page.locator("#flows .barlayer .trace")).to_have_count(2)  # costs and benefits
    # 4 partners pay (victims pay nothing), all 5 gain
    expect(page.locator("#who-gains .sankey-node")).to_have_count(9)
    # the demo's version 2 gives five inputs ranges: one tornado bar each, at P10 and at P90
    expect(page.locator("#tornado .barlayer .point")).to_have_count(10)
    expect(page.locator("#histogram .barlayer .point").first).to_be_visible()
    expect(page.get_by_role("link", name="Edit the case")).to_have_count(0)  # a viewer reads, and does not edit
    page.screenshot(path=results_dir / "business-case-results.png", full_page=True)
    assert not errors, f"Console errors on the results page: {errors}"


def test_an_analyst_adds_a_case_fixes_a_problem_and_saves_a_second_version(
    page: Page, live_app: LiveApp, results_dir: Path
) -> None:
    sign_in(page, live_app.user(Role.ANALYST))
    name = f"E2E hub {uuid.uuid4().hex[:6]}"
    page.goto("/business-cases")
    page.get_by_role("button", name="Add a business case").click()
    page.get_by_label("Case file", exact=True).fill(SMALL_CASE.format(name=name).replace('"0.5"', '"5"'))
    page.get_by_role("button", name="Save and appraise").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("case file, line 14, outcomes[0].success_rate")
    page.screenshot(path=results_dir / "business-case-editor-problem.png", full_page=True)

    page.get_by_label("Case file", exact=True).fill(SMALL_CASE.format(name=name))
    page.get_by_role("button", name="Save and appraise").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Version 1 has been saved")
    # 2 years: £1,000 + £1,000/1.035 = £1,966.18 of costs; £1,500 + £1,500/1.035 = £2,949.28 of benefits;
    # NPV = £2,949.28 - £1,966.18 = £983.10 (each present value is rounded to the penny, then subtracted),
    # shown in whole pounds as a headline figure
    expect(page.locator(".govuk-summary-list")).to_contain_text("+£983")

    page.get_by_role("link", name="Edit the case").click()
    page.get_by_label("Case file", exact=True).fill(
        SMALL_CASE.format(name=name).replace("amount: 1000", "amount: 1200")
    )
    page.get_by_label("What changed (optional)").fill("Hub staff re-costed")
    page.get_by_role("button", name="Save and appraise").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Version 2 has been saved")
    page.get_by_role("link", name="Compare versions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Version 1 and version 2 compared")
    expect(page.locator("tr", has_text="Present value of costs")).to_contain_text("£2,359.42")
    expect(page.locator(".wp-diff--added")).to_contain_text("amount: 1200")
    page.screenshot(path=results_dir / "business-case-compare.png", full_page=True)


def _visit_list(page: Page, live_app: LiveApp) -> None:
    sign_in(page, live_app.user(Role.ANALYST))
    page.goto("/business-cases")


def _visit_results(page: Page, live_app: LiveApp) -> None:
    sign_in(page, live_app.user(Role.ANALYST))
    open_demo_case(page)
    page.wait_for_load_state("networkidle")


def _visit_editor_with_problems(page: Page, live_app: LiveApp) -> None:
    sign_in(page, live_app.user(Role.ANALYST))
    page.goto("/business-cases/new")
    page.get_by_role("button", name="Save and appraise").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()


@pytest.mark.parametrize("visit", [_visit_list, _visit_results, _visit_editor_with_problems])
def test_axe_finds_no_accessibility_violations_on_business_case_pages(
    axe_page: Page, live_app: LiveApp, axe_script: Path, visit: Callable[[Page, LiveApp], None]
) -> None:
    visit(axe_page, live_app)
    axe_page.add_script_tag(path=axe_script)
    violations = axe_page.evaluate("async () => (await axe.run()).violations")
    assert violations == [], f"axe-core on {axe_page.url}:\n{describe(violations)}"


def test_a_finance_officer_writes_a_case_step_by_step_at_375_px(
    axe_page: Page, live_app: LiveApp, axe_script: Path, results_dir: Path
) -> None:
    page = axe_page
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, live_app.user(Role.FINANCE))
    checked: dict[str, tuple[str, int]] = {}  # page title: (axe violations, document width)

    def check(name: str) -> None:
        page.add_script_tag(path=axe_script)
        violations = page.evaluate("async () => (await axe.run()).violations")
        checked[name] = (describe(violations), page.evaluate("document.documentElement.scrollWidth"))

    def continue_to(heading: str) -> None:
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)

    name = f"Guided hub {uuid.uuid4().hex[:6]}"
    page.goto("/business-cases/new")
    page.get_by_role("link", name="Write the case step by step").click()
    check("about")
    continue_to("About the business case")  # nothing typed: refused on every field, and shown again
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name")
    check("about, refused")
    page.fill("#name", name)
    page.fill("#first_year", "2013/14")
    page.fill("#years", "2")
    continue_to("Partners involved")
    check("partners")
    page.fill("#partners", "Essex County Council\nEssex Police")
    continue_to("Costs, and who pays them")
    page.fill("#cost_name", "Hub staff")
    page.select_option("#payer", "Essex County Council")
    page.get_by_label("Revenue", exact=True).check()
    page.fill("#amount-0", "1000")
    page.fill("#amount-1", "1000")
    page.get_by_role("button", name="Add this cost").click()
    expect(page.locator(".govuk-summary-card")).to_contain_text("Hub staff")
    check("costs")
    page.get_by_role("button", name="Continue").click()
    page.fill("#people-0", "10")
    page.fill("#people-1", "10")
    continue_to("Outcomes")
    page.fill("#outcome_name", "Fewer repeat incidents")
    page.fill("#success_rate", "50%")
    page.get_by_role("button", name="Add this outcome").click()
    check("outcomes")
    page.get_by_role("button", name="Continue").click()
    page.select_option("#outcome", label="Fewer repeat incidents")
    page.select_option("#beneficiary", "Essex Police")
    page.get_by_label("Fiscal, cashable", exact=True).check()
    page.fill("#unit_value", "300")
    page.get_by_role("button", name="Add who gains").click()
    expect(page.locator(".govuk-summary-card")).to_contain_text("Essex Police")
    check("who gains")
    page.get_by_role("button", name="Continue").click()
    check("ranges")
    continue_to("Check your answers")
    check("check your answers")
    page.screenshot(path=results_dir / "business-case-guided-check-375px.png", full_page=True)
    page.get_by_role("button", name="Save and appraise").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Version 1 has been saved")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    # The stored-case tests' figures over two years: NPV £2,949.28 - £1,966.18 = £983.10, shown in whole pounds
    expect(page.locator(".govuk-summary-list")).to_contain_text("+£983")
    assert len(checked) == 8
    assert {page_name: found for page_name, found in checked.items() if found != ("", found[1])} == {}
    assert {page_name: width for page_name, (_, width) in checked.items() if width > 375} == {}
