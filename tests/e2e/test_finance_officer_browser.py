"""A finance officer runs a new pooled fund from set-up to spending, in chromium at 375 px, with a decision maker.

One journey, as issue 17 asks: set up a fund held by the decision maker's partner; draft the decision agreeing the
budget and contributions (it moves no money itself), which the decision maker approves; record a contribution in
cash and one in kind; draft an allocation to a new project, approved after its call-in period so its money posts
at once; record a spend; download the xlsx statement and the decision's PDF. On each page of it axe-core finds no
violation and nothing is wider than the screen. Dates are counted back from the project's today, so the journey
works in any year.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from wholeplace import business_dates
from wholeplace.auth.model import Role
from wholeplace.decisions.call_in import day as long_date
from wholeplace.demo.load import DemoUser
from wholeplace.money import FinancialYear

from .conftest import RESULTS, LiveApp, sign_in
from .test_funds_browser import collect_errors, describe

WIDTH = 375  # a small phone (WCAG 1.4.10 reflow: 320 CSS px plus a margin)
EN_DASH = "\N{EN DASH}"
IN_KIND_BASIS = "1 FTE seconded analyst at £38,000, employer's costs"


@dataclass
class Checker:
    """Runs axe-core and the width check on each page the journey reaches, and remembers which."""

    axe_script: Path
    checked: list[str] = field(default_factory=list)

    def check(self, page: Page, what: str) -> None:
        page.add_script_tag(path=self.axe_script)
        violations = page.evaluate("async () => (await axe.run()).violations")
        assert violations == [], f"axe-core on the {what} ({page.url}):\n{describe(violations)}"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, f"The {what} ({page.url}) is {width} px wide at {WIDTH} px"
        self.checked.append(what)


@dataclass(frozen=True)
class Journey:
    tag: str  # makes the fund's code and the references this run's own
    today: dt.date
    year: FinancialYear  # the fund's first year: the one its money is for

    @property
    def code(self) -> str:
        return f"fo-{self.year.start_year}-{self.tag}"

    def reference(self, number: int) -> str:
        return f"FO/{self.tag}/{number}"

    def days_ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)


@pytest.fixture
def phones(chromium: Browser, live_app: LiveApp) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    """Two people's browsers at 375 px, letting axe-core in as an inline script (the CSP is checked elsewhere)."""
    contexts = [
        chromium.new_context(
            base_url=live_app.url, bypass_csp=True, viewport={"width": WIDTH, "height": 800}, accept_downloads=True
        )
        for _person in ("finance officer", "decision maker")
    ]
    for context in contexts:
        context.set_default_timeout(10_000)
    yield contexts[0], contexts[1]
    for context in contexts:
        context.close()


def fill_date(page: Page, prefix: str, day: dt.date) -> None:
    page.fill(f"#{prefix}-day", str(day.day))
    page.fill(f"#{prefix}-month", str(day.month))
    page.fill(f"#{prefix}-year", str(day.year))


def record_id(page: Page) -> int:
    return int(re.search(r"/(\d+)(?:\?|$)", page.url)[1])  # type: ignore[index]


def set_up_fund(page: Page, journey: Journey, holder: DemoUser, checker: Checker) -> int:
    page.goto("/funds")
    page.get_by_role("button", name="Set up a fund").click()
    page.wait_for_url("**/funds/new")
    checker.check(page, "fund form")
    page.fill("#name", f"Safer Communities Pooled Budget {journey.tag}")
    page.fill("#code", journey.code)
    page.fill("#first_year", str(journey.year))
    page.fill("#last_year", str(FinancialYear(journey.year.start_year + 1)))
    page.select_option("#holder", holder.organisation)
    page.get_by_role("button", name="Set up fund").click()
    page.wait_for_url(re.compile(r"/funds/\d+\?created=1$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The fund has been set up.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Safer Communities Pooled Budget {journey.tag}")
    return record_id(page)


def fill_report(page: Page, reference: str, title: str, report_date: dt.date, purpose: str) -> None:
    page.fill("#reference", reference)
    page.fill("#title", title)
    fill_date(page, "report_date", report_date)
    page.fill("#purpose", purpose)


def draft_agreement(page: Page, journey: Journey, fund_id: int, checker: Checker) -> int:
    """The decision that agrees the budget and the contributions: no recommendation moves money."""
    page.goto(f"/decisions?fund={fund_id}")
    page.get_by_role("button", name="Draft a decision").click()
    page.wait_for_url(f"**/decisions/new?fund={fund_id}")
    checker.check(page, "decision form")
    fill_report(
        page,
        journey.reference(1),
        f"Pooled budget and partners' contributions for {journey.year}",
        journey.days_ago(40),
        f"Agree the pooled budget and the partners' contributions for {journey.year}: £100,000 in cash from the "
        "Police and Crime Commissioner and an analyst seconded by the county council, valued at £38,000.",
    )
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(re.compile(r"/decisions/\d+\?drafted=1$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"{journey.reference(1)} has been drafted"
    )
    expect(page.get_by_text("None that move money: the decision agrees what its purpose says.")).to_be_visible()
    return record_id(page)


def approve(page: Page, decision_id: int, decided_on: dt.date, checker: Checker, what: str) -> None:
    page.goto(f"/decisions/{decision_id}")
    expect(page.locator(".govuk-tag").first).to_have_text("Draft")
    checker.check(page, f"draft {what}")
    fill_date(page, "decided_on", decided_on)
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"**/decisions/{decision_id}?approved=1")
    expect(page.locator(".govuk-tag").first).to_have_text("Approved")


def record_contributions(
    page: Page, journey: Journey, fund_id: int, agreement_id: int, partners: tuple[str, str], checker: Checker
) -> None:
    """£100,000 in cash from the holder, and £38,000 in kind from another partner: £138,000 in the pool."""
    gifts = [("cash", partners[0], "100,000", ""), ("in_kind", partners[1], "38000", IN_KIND_BASIS)]
    for kind, partner, amount, basis in gifts:
        page.goto(f"/funds/{fund_id}")
        page.get_by_role("button", name="Record a contribution").click()
        page.wait_for_url(f"**/funds/{fund_id}/contributions/new")
        if kind == "cash":
            checker.check(page, "contribution form")
        page.select_option("#partner", partner)
        page.check(f"input[name=kind][value={kind}]")
        if basis:
            page.fill("#basis", basis)
        page.fill("#amount", amount)
        page.select_option("#year", str(journey.year))
        fill_date(page, "received_on", journey.days_ago(30))
        page.select_option("#decision", str(agreement_id))
        if kind == "in_kind":
            page.screenshot(path=RESULTS / "finance-officer-contribution-375.png", full_page=True)
        page.get_by_role("button", name="Record contribution").click()
        page.wait_for_url(f"**/funds/{fund_id}?contributed=1")
    expect(summary_value(page, "Contributed by partners")).to_have_text("£138,000.00")
    in_kind = page.get_by_role("region", name="Contributions in kind")
    expect(in_kind).to_contain_text(IN_KIND_BASIS)
    expect(in_kind).to_contain_text("£38,000.00")


def draft_allocation(page: Page, journey: Journey, fund_id: int, checker: Checker) -> int:
    page.goto(f"/decisions/new?fund={fund_id}")
    fill_report(
        page,
        journey.reference(2),
        "Link Workers for offenders leaving prison",
        journey.days_ago(25),
        "Allocate £60,000 of the pool to Link Workers, a new project under Reducing Re-offending.",
    )
    page.fill("#rec-1-number", "2.1")
    page.fill("#rec-1-text", "Allocate £60,000 to Link Workers")
    page.fill("#rec-1-amount", "60,000")
    page.select_option("#rec-1-from", "Pool:Unallocated")
    page.fill("#rec-1-from_year", str(journey.year))
    page.select_option("#rec-1-to", "new")
    page.fill("#rec-1-to_new", "Reducing Re-offending: Link Workers")
    checker.check(page, "decision form, filled in")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(re.compile(r"/decisions/\d+\?drafted=1$"))
    recommendations = page.get_by_role("region", name="Recommendations, a table")
    expect(recommendations).to_contain_text("Link Workers (Reducing Re-offending)")
    expect(recommendations).to_contain_text("£60,000.00")
    expect(page.locator("#warnings")).to_have_count(0)  # the pool holds £138,000
    return record_id(page)


def record_spend(page: Page, journey: Journey, fund_id: int, checker: Checker) -> None:
    page.goto(f"/funds/{fund_id}")
    page.get_by_role("button", name="Record spending").click()
    page.wait_for_url(f"**/funds/{fund_id}/spend/new")
    checker.check(page, "spend form")
    page.select_option("#project", label="Reducing Re-offending: Link Workers")
    page.check("input[name=kind][value=spend]")
    page.fill("#payee", "Open Road Essex")
    page.fill("#amount", "12,345.67")
    page.select_option("#year", str(journey.year))
    fill_date(page, "date", journey.days_ago(5))
    page.fill("#description", "Link worker salaries, first month")
    page.get_by_role("button", name="Record").click()
    page.wait_for_url(f"**/funds/{fund_id}?spent=1")


def summary_value(page: Page, key: str) -> Locator:
    return page.locator(".govuk-summary-list__row", has=page.get_by_text(key, exact=True)).locator("dd")


def link_workers_row(page: Page) -> list[str]:
    region = page.get_by_role("region", name="Allocated, spent and remaining, a table")
    return region.locator("tr", has_text="Link Workers").locator("td").all_inner_texts()


def download_statement(page: Page, journey: Journey, tmp: Path) -> None:
    with page.expect_download() as downloading:
        page.get_by_role("link", name="This statement as an Excel workbook").click()
    download = downloading.value
    assert journey.code in download.suggested_filename and download.suggested_filename.endswith(".xlsx")
    path = tmp / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path)
    texts = [str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value]
    assert any(IN_KIND_BASIS in text for text in texts), "the in-kind contribution's basis is not in the workbook"
    allocations = workbook["Allocations"]
    rows = [[cell.value for cell in row] for row in allocations.iter_rows()]
    link_workers = next(row for row in rows if row[1] == "Link Workers")
    assert [Decimal(str(value)) for value in link_workers[2:4]] == [Decimal("60000"), Decimal("12345.67")]


def download_report(page: Page, journey: Journey, allocation_id: int, tmp: Path) -> None:
    page.goto(f"/decisions/{allocation_id}")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the report as a PDF").click()
    download = downloading.value
    name = download.suggested_filename
    assert journey.code in name and re.sub(r"[^A-Za-z0-9]", "", journey.reference(2)) in re.sub(
        r"[^A-Za-z0-9]", "", name
    )
    assert name.endswith(".pdf")
    path = tmp / "report.pdf"
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")


def test_a_finance_officer_sets_up_a_fund_takes_contributions_allocates_and_spends_with_a_decision_maker(
    phones: tuple[BrowserContext, BrowserContext],
    live_app: LiveApp,
    axe_script: Path,
    results_dir: Path,
    tmp_path: Path,
) -> None:
    today = business_dates.today()
    journey = Journey(uuid.uuid4().hex[:6], today, FinancialYear.of(today - dt.timedelta(days=40)))
    decider_user, finance_user = live_app.user(Role.DECISION_MAKER), live_app.user(Role.FINANCE)
    assert finance_user.organisation != decider_user.organisation  # the county council, and the PCC
    checker = Checker(axe_script)
    finance, decider = phones[0].new_page(), phones[1].new_page()
    errors = {"finance officer": collect_errors(finance), "decision maker": collect_errors(decider)}
    sign_in(finance, finance_user)
    sign_in(decider, decider_user)

    fund_id = set_up_fund(finance, journey, decider_user, checker)

    agreement_id = draft_agreement(finance, journey, fund_id, checker)
    expect(summary_value(finance, "Report by")).to_have_text(finance_user.name)  # a name, not an email
    approve(decider, agreement_id, journey.days_ago(35), checker, "agreement")
    expect(decider.locator(".govuk-notification-banner--success")).to_contain_text("It moves no money itself.")
    expect(decider.locator("#money")).to_have_text(
        f"Approved {EN_DASH} it moves no money itself: it agrees what its purpose says"
    )
    expect(decider.locator("p", has_text=f"agreed this report on {long_date(journey.days_ago(35))}")).to_be_visible()
    decider.screenshot(path=results_dir / "finance-officer-agreement-375.png", full_page=True)

    partners = (decider_user.organisation, finance_user.organisation)
    record_contributions(finance, journey, fund_id, agreement_id, partners, checker)

    allocation_id = draft_allocation(finance, journey, fund_id, checker)
    approve(decider, allocation_id, journey.days_ago(20), checker, "allocation")
    banner = decider.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(f"{journey.reference(2)} has been approved.")
    expect(banner).to_contain_text("Its money has been posted to the ledger.")
    expect(decider.locator("#money")).to_have_text(f"Approved {EN_DASH} money posted on {long_date(today)}")
    checker.check(decider, "approved allocation")
    banner.get_by_role("link", name="See the fund statement").click()
    decider.wait_for_url(f"**/funds/{fund_id}")
    assert link_workers_row(decider) == [
        "Reducing Re-offending",
        "Link Workers",
        "£60,000.00",
        "£0.00",
        "£0.00",
        "£60,000.00",
    ]
    expect(summary_value(decider, "Unallocated")).to_have_text("£78,000.00")

    record_spend(finance, journey, fund_id, checker)
    expect(finance.locator(".govuk-notification-banner")).to_contain_text("The spending has been recorded.")
    expect(summary_value(finance, "Spent")).to_have_text("£12,345.67")
    assert link_workers_row(finance) == [
        "Reducing Re-offending",
        "Link Workers",
        "£60,000.00",
        "£12,345.67",
        "£0.00",
        "£47,654.33",
    ]
    sources = finance.locator("ul.govuk-list--bullet", has_text=journey.reference(1))
    expect(sources.locator("li")).to_have_count(2)  # the agreement the contributions came under, and the allocation
    checker.check(finance, "fund page")
    finance.screenshot(path=results_dir / "finance-officer-fund-375.png", full_page=True)

    download_statement(finance, journey, tmp_path)
    download_report(finance, journey, allocation_id, tmp_path)

    assert checker.checked == [
        "fund form",
        "decision form",
        "draft agreement",
        "contribution form",
        "decision form, filled in",
        "draft allocation",
        "approved allocation",
        "spend form",
        "fund page",
    ]
    assert errors == {"finance officer": [], "decision maker": []}
