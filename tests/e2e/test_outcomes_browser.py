"""The outcomes pages in a real browser, on the demo's frameworks, grants, benefits and payment by results: the
programme manager reads "Are we on track?", follows Safer Essex to all crime and its charts, submits a grant's
missing return (first with no spend), reads the benefits realised against the domestic abuse business case,
fails a spot check on the draft claim and computes a claim for a new period, and uploads measurements with an
indicator nobody defined. axe-core checks each page on the way, no page logs a console error, and at 375 px no
page scrolls sideways. Every id is found by following links from /outcomes.

The journey runs once for the module. It changes the demo only where no other test looks: the MASH Analyst
grant's missing 2013/14 Q2 return, one line of the draft claim, and a new draft claim for 2026/27 Q3.
Screenshots go to /work/logs/outcomes-*.png, outside the repository, for people to look at.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, LocatorAssertions, Page, expect

from wholeplace.auth.model import Role

from .conftest import LiveApp, sign_in
from .test_funds_browser import describe

SCREENSHOTS = Path("/work/logs")
SAFER_ESSEX = "Safer Essex community safety"
WECB = "Whole Essex Community Budgets"
GRANT = "MASH Analyst"  # the demo has no return from it for 2013/14 Q2
MISSING_QUARTER = "2013/14 Q2"
DA_CASE = "Domestic abuse — integrated early support (Cheshire West and Chester)"
SCHEME = "Families with complex needs: payment by results"
NEW_PERIOD = "2026/27 Q3"  # the demo's claims are for 2025/26 Q4 (paid) and 2026/27 Q2 (draft)
FAILED_CHECK = "No attendance register for the family at the school named (e2e test)"
# One good row and one for an indicator no framework defines: the importer must refuse the whole file.
BAD_CSV = """indicator,area,period,value,source,received_on
All crime,Essex,2014/15,88000,Essex Police (synthetic),2015-05-01
Sheds broken into,Tendring,2014/15,120,Essex Police (synthetic),2015-05-01
"""
PAGES = (
    "overview",
    "framework",
    "indicator",
    "fund",
    "grant",
    "grant-problem",
    "benefits",
    "business-case",
    "scheme",
    "claim",
    "new-claim",
    "import",
    "import-problem",
)
NARROW = 375
CHARTS_DRAWN = "[...document.querySelectorAll('.wp-chart')].every(chart => chart.querySelector('svg.main-svg'))"
NARROW_PAGES = (
    "overview",
    "framework",
    "indicator",
    "fund",
    "grant",
    "benefits",
    "business-case",
    "scheme",
    "claim",
    "import",
)
SHOTS = ("framework", "indicator", "business-case")
# The two forms this journey means to have refused: their pages come back as 422, by design, and Chromium logs
# every 4xx document as a console error. Nothing else is let through.
REFUSED = re.compile(
    r"/outcomes/(grants/\d+/returns|measurements/import): Failed to load resource: the server "
    r"responded with a status of 422 \(Unprocessable Entity\)$"
)


@dataclass
class Journey:
    """What the browser met: each page's address and axe violations, widths at 375 px, every console error."""

    visited: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    violations: dict[str, list[dict]] = field(default_factory=dict)
    widths: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    target_drawn: tuple[str, int] = ("", 0)  # plotly's line path and markers for all crime's target
    stopped: str | None = None  # where and why the journey stopped short, if it did


def pence(text: str) -> int:
    """'£27,500.00' as 2750000."""
    return int(text.strip().lstrip("£").replace(",", "").replace(".", ""))


def heading(page: Page) -> LocatorAssertions:
    return expect(page.get_by_role("heading", level=1))


def _check(page: Page, axe: Path, journey: Journey, name: str) -> None:
    """Run axe-core on the page as it stands and keep what it found; screenshot the pages people should see."""
    page.add_script_tag(path=axe)
    violations, passes = page.evaluate(
        "async () => { const r = await axe.run(); return [r.violations, r.passes.length]; }"
    )
    assert passes > 0, f"axe-core checked nothing on {page.url}"
    journey.violations[name] = violations
    journey.urls[name] = page.url
    if name in SHOTS:
        page.screenshot(path=str(SCREENSHOTS / f"outcomes-{name}.png"), full_page=True)
    journey.visited.append(name)


def _chart_drawn(page: Page, chart: str) -> None:
    expect(page.locator(f"#{chart} svg.main-svg").first).to_be_visible()


def _money_and_results(page: Page, link: str) -> None:
    page.goto("/outcomes")
    page.get_by_role("main").get_by_role("link", name=link, exact=True).click()


def walk_frameworks(page: Page, axe: Path, journey: Journey) -> None:
    page.goto("/outcomes")
    heading(page).to_have_text("Outcomes")
    expect(page.get_by_role("heading", level=2, name="Are we on track?")).to_be_visible()
    _check(page, axe, journey, "overview")

    page.get_by_role("link", name=SAFER_ESSEX, exact=True).click()
    page.wait_for_url(re.compile(r"/outcomes/frameworks/\d+$"))
    heading(page).to_have_text(SAFER_ESSEX)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="All crime", exact=True))
    cells = row.get_by_role("cell")
    expect(cells.nth(0)).to_have_text("Essex")
    period, latest = cells.nth(1).inner_text().strip(), cells.nth(2).inner_text().strip()
    _check(page, axe, journey, "framework")

    row.get_by_role("link", name="All crime", exact=True).click()
    page.wait_for_url(re.compile(r"/outcomes/indicators/\d+$"))
    heading(page).to_have_text("All crime")
    _chart_drawn(page, "trend")
    traces = page.locator("#trend .scatterlayer .trace")
    expect(traces).to_have_count(2)  # measured, and the target dashed
    target = traces.nth(1)
    journey.target_drawn = (target.locator("path.js-line").get_attribute("d") or "", target.locator(".point").count())
    _chart_drawn(page, "districts")
    expect(page.locator("#districts .barlayer .point")).to_have_count(12)  # Essex's 12 districts
    by_period = page.locator("table", has=page.locator("caption", has_text="All crime, Essex, by period"))

    def measured(year: str) -> LocatorAssertions:
        found = by_period.get_by_role("row").filter(has=page.get_by_role("rowheader", name=year, exact=True))
        return expect(found.get_by_role("cell").first)

    # Safer Essex minutes: all crime fell 7% in 2010/11, from 105,000 (the demo's 2009/10) to 97,650.
    measured("2009/10").to_have_text("105,000")
    measured("2010/11").to_have_text("97,650")
    measured(period).to_have_text(latest)  # the framework's latest figure is the trend's
    districts = page.locator("table", has=page.get_by_role("columnheader", name="District", exact=True))
    latest_by_district = districts.locator("tbody tr td:nth-of-type(2)").all_inner_texts()
    assert len(latest_by_district) == 12
    # The demo splits Essex's figure between its districts to the crime, every year.
    assert sum(int(text.replace(",", "")) for text in latest_by_district) == int(latest.replace(",", ""))
    _check(page, axe, journey, "indicator")


def walk_grant(page: Page, axe: Path, journey: Journey) -> None:
    _money_and_results(page, "Funds")
    page.get_by_role("link", name=WECB, exact=True).click()
    page.get_by_role("link", name="The outcomes its grants serve, and their quarterly returns").click()
    page.wait_for_url(re.compile(r"/outcomes/funds/\d+$"))
    heading(page).to_have_text("Outcomes and grant returns")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=GRANT, exact=True))
    expect(row).to_contain_text("1 missing")
    _check(page, axe, journey, "fund")

    row.get_by_role("link", name=GRANT, exact=True).click()
    page.wait_for_url(re.compile(r"/outcomes/grants/\d+$"))
    heading(page).to_have_text(GRANT)
    quarter = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=MISSING_QUARTER, exact=True))
    expect(quarter).to_contain_text("Missing")
    _check(page, axe, journey, "grant")

    page.get_by_label("Quarter", exact=True).select_option(MISSING_QUARTER)
    page.get_by_role("button", name="Submit the return").click()
    summary = page.locator(".govuk-error-summary")
    message = "Enter the spend to date, for example £18,750.00"
    expect(summary.get_by_role("link", name=message)).to_have_attribute("href", "#spend_to_date")
    expect(page.locator("#spend_to_date-error")).to_contain_text(message)
    expect(page.get_by_label("Quarter", exact=True)).to_have_value(MISSING_QUARTER)
    _check(page, axe, journey, "grant-problem")

    page.get_by_label("Spend to date", exact=True).fill("1,250.00")
    page.get_by_role("button", name="Submit the return").click()
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(f"The return for {MISSING_QUARTER} has been recorded.")
    expect(quarter).to_contain_text("Received late")  # due 30 October 2013, submitted today
    expect(quarter.get_by_role("cell").nth(2)).to_have_text("£1,250.00")


def walk_benefits(page: Page, axe: Path, journey: Journey) -> None:
    _money_and_results(page, "Benefits realised against business cases")
    heading(page).to_have_text("Benefits realised against business cases")
    expect(page.get_by_role("link", name=DA_CASE, exact=True)).to_be_visible()
    _check(page, axe, journey, "benefits")

    page.get_by_role("link", name=DA_CASE, exact=True).click()
    page.wait_for_url(re.compile(r"/outcomes/business-cases/\d+$"))
    heading(page).to_have_text(DA_CASE)
    _chart_drawn(page, "realisation")
    # forecast and realised, cashable and non-cashable, for each of the case's 5 years; forecast costs and spend
    expect(page.locator("#realisation .barlayer .trace")).to_have_count(4)
    expect(page.locator("#realisation .barlayer .point")).to_have_count(20)
    expect(page.locator("#realisation .scatterlayer .trace")).to_have_count(2)
    _check(page, axe, journey, "business-case")


def walk_claims(page: Page, axe: Path, journey: Journey) -> None:
    _money_and_results(page, SCHEME)
    page.wait_for_url(re.compile(r"/outcomes/schemes/\d+$"))
    heading(page).to_have_text(SCHEME)
    scheme_url = page.url
    _check(page, axe, journey, "scheme")

    page.get_by_role("row").filter(has_text="Draft").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/outcomes/claims/\d+$"))
    heading(page).to_contain_text("Claim for ")
    total = page.locator("p", has_text="the sum of its paying lines").locator("strong:not(.govuk-tag)")
    before = pence(total.inner_text())
    first = page.get_by_role("heading", level=3, name=re.compile(r"^Line \d+: ")).first
    position = first.inner_text().split(":")[0].removeprefix("Line ")  # the first line drawn for a spot check
    line = page.get_by_role("row").filter(has=page.get_by_role("cell", name=position, exact=True))
    pays = pence(line.get_by_role("cell").nth(4).inner_text())
    assert pays > 0, f"The first line drawn, {position}, pays nothing"
    _check(page, axe, journey, "claim")

    check = page.locator("form[action$='/check']").first
    check.get_by_label("No", exact=True).check()
    check.get_by_label("What the check found").fill(FAILED_CHECK)
    check.get_by_role("button", name="Record the check").click()
    expect(page.get_by_text(f"Failed: reversed {FAILED_CHECK}")).to_be_visible()
    expect(line.get_by_role("cell").nth(4)).to_have_text("£0.00")
    expect(line).to_contain_text(f"Reversed: Reversed by a spot check: {FAILED_CHECK}")
    expect(total).to_have_text(f"£{(before - pays) / 100:,.2f}")

    page.goto(scheme_url)
    page.get_by_label("Claim period").fill(NEW_PERIOD)
    page.get_by_role("button", name="Compute the claim").click()
    page.wait_for_url(re.compile(r"/outcomes/claims/\d+$"))
    heading(page).to_have_text(f"Claim for {NEW_PERIOD}")
    expect(page.locator(".govuk-tag").first).to_have_text("Draft")
    _check(page, axe, journey, "new-claim")
    page.get_by_role("link", name=f"Back to {SCHEME}").click()
    expect(page.get_by_role("row").filter(has_text=NEW_PERIOD)).to_contain_text("Draft")


def walk_import(page: Page, axe: Path, journey: Journey) -> None:
    page.goto("/outcomes")
    page.get_by_role("button", name="Import measurements").click()
    page.wait_for_url(re.compile(r"/outcomes/measurements/import$"))
    heading(page).to_have_text("Import measurements")
    _check(page, axe, journey, "import")

    upload = {"name": "measurements.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode()}
    page.get_by_label("File of measurements").set_input_files(files=[upload])
    page.get_by_role("button", name="Import the measurements").click()
    problem = "measurements.csv, row 3, column 'indicator': 'Sheds broken into' is not an indicator in any framework"
    expect(page.locator(".govuk-error-summary")).to_contain_text(problem)
    expect(page.get_by_role("heading", level=2, name="Problems in the file")).to_be_visible()
    _check(page, axe, journey, "import-problem")
    page.goto(journey.urls["indicator"])  # the good row was not imported either
    expect(page.get_by_role("rowheader", name="2014/15", exact=True)).to_have_count(0)


def walk(page: Page, live_app: LiveApp, axe: Path, journey: Journey) -> None:
    sign_in(page, live_app.user(Role.PROGRAMME))
    for part in (walk_frameworks, walk_grant, walk_benefits, walk_claims, walk_import):
        part(page, axe, journey)


def measure_widths(page: Page, live_app: LiveApp, journey: Journey) -> None:
    """Each page again at 375 px: its document must be no wider than the screen."""
    sign_in(page, live_app.user(Role.PROGRAMME))
    for name in NARROW_PAGES:
        page.goto(journey.urls[name])
        page.wait_for_function(CHARTS_DRAWN)  # a chart is only its final width once plotly has drawn it
        if name in SHOTS:
            page.screenshot(path=str(SCREENSHOTS / f"outcomes-{name}-{NARROW}px.png"), full_page=True)
        journey.widths[name] = page.evaluate("document.documentElement.scrollWidth")


def _watch(page: Page, journey: Journey) -> None:
    def collect(message: ConsoleMessage) -> None:
        said = f"{page.url}: {message.text}"
        if message.type == "error" and not REFUSED.search(said):
            journey.errors.append(said)

    page.on("console", collect)
    page.on("pageerror", lambda error: journey.errors.append(f"{page.url}: uncaught {error}"))


def _run(context: BrowserContext, journey: Journey, step: str, go: Callable[[Page], None]) -> None:
    page = context.new_page()
    _watch(page, journey)
    try:
        go(page)
    except Exception:  # kept for the journey's own test to report, once, rather than as an error of every test
        journey.stopped = f"{step}, at {page.url}:\n{traceback.format_exc()}"
        page.screenshot(path=str(SCREENSHOTS / "outcomes-stopped.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture(scope="module")
def journey(chromium: Browser, live_app: LiveApp, axe_script: Path) -> Iterator[Journey]:
    """The whole journey, walked once for every test of this module, then its pages again at 375 px."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    walked = Journey()
    # bypass_csp lets Playwright inject axe-core inline; test_funds_browser checks the policy with it in force.
    wide = chromium.new_context(base_url=live_app.url, bypass_csp=True, viewport={"width": 1280, "height": 800})
    wide.set_default_timeout(10_000)
    _run(wide, walked, "walking the pages", lambda page: walk(page, live_app, axe_script, walked))
    if walked.stopped is None:
        narrow = chromium.new_context(base_url=live_app.url, viewport={"width": NARROW, "height": 800})
        narrow.set_default_timeout(10_000)
        _run(narrow, walked, f"at {NARROW} px", lambda page: measure_widths(page, live_app, walked))
    yield walked


def test_the_programme_manager_walks_every_outcomes_page(journey: Journey) -> None:
    assert journey.stopped is None, f"The journey stopped {journey.stopped}"
    assert journey.visited == list(PAGES)
    assert len(journey.visited) == 13


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violations_on_the_way(journey: Journey, name: str) -> None:
    assert name in journey.violations, f"The journey stopped before the {name} page {journey.stopped}"
    violations = journey.violations[name]
    assert violations == [], f"axe-core on the {name} page ({journey.urls[name]}):\n{describe(violations)}"


def test_the_business_case_pages_wide_tables_scroll_from_the_keyboard(journey: Journey) -> None:
    if "business-case" not in journey.violations:  # a failure, not the expected one
        pytest.fail(f"The journey stopped before the business case page {journey.stopped}")
    found = [v for v in journey.violations["business-case"] if v["id"] == "scrollable-region-focusable"]
    assert found == [], describe(found)


def test_the_all_crime_trend_draws_its_target(journey: Journey) -> None:
    if "indicator" not in journey.visited:  # a failure, not the expected one
        pytest.fail(f"The journey stopped before the indicator page {journey.stopped}")
    line, markers = journey.target_drawn
    assert re.search(r"[LHV]", line) or markers > 0, f"No line in the target's path ({line!r}) and no marker"


@pytest.mark.parametrize("name", NARROW_PAGES)
def test_no_page_scrolls_sideways_at_375_px(journey: Journey, name: str) -> None:
    assert name in journey.widths, f"The journey stopped before the {name} page at {NARROW} px {journey.stopped}"
    assert journey.widths[name] <= NARROW, f"{journey.urls[name]} is {journey.widths[name]} px wide at {NARROW} px"


def test_no_page_logs_a_console_error(journey: Journey) -> None:
    assert journey.visited, f"The journey stopped before the first page {journey.stopped}"
    assert journey.errors == []
