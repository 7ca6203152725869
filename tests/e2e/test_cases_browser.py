"""Casework in a real browser: the access team screens a referral into a case, a key worker completes a risk
checklist that meets the MARAC criteria, reads the prefilled MARAC referral and adds an action to the single plan.
axe-core checks each page on the way, no page logs a console error, and each leaves a screenshot in test-results/.

The journey runs once, in a place of its own built inside the live demo (an access team and a locality team of
Thurrock Council's, which the demo cohort does not use, and a referral from the fire service), so it depends on
none of the cohort's names and leaves the demo's queue and partners as they were. Each page's accessibility is its
own test, so a violation on one page is reported without hiding the others.
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, make_user
from wholeplace.audit import unit_of_work
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.business_dates import today as london_today
from wholeplace.cases.gateway import ReferralDetails, record_referral
from wholeplace.cases.model import ReferralConsent, Sex, Urgency
from wholeplace.cases.people import PersonDetails
from wholeplace.demo.load import DemoUser
from wholeplace.partners.model import Organisation, Team, TeamMember

from .conftest import RESULTS, LiveApp, sign_in

# The demo's partners stay as loaded (test_partners_browser counts them), so the place is two of them that the demo
# cohort leaves alone: Thurrock gets an access team and a locality team of its own, and the fire service refers.
# The teams, caseworkers and person are this module's, and made up; nothing here meets the cohort's names.
COUNCIL, COUNCIL_ID = "Thurrock Council", "GB-LAE-THR"
FIRE, FIRE_ID = "Essex County Fire and Rescue Service", "XX-WHOLEPLACE-ESSEX-FIRE"
ACCESS_TEAM = "Thurrock access team"
LOCALITY_TEAM = "Thurrock east locality team"
KEY_WORKER = "Robin Ashdown"
PERSON = "Morgan Fairweather"
ACTION = "Fit a fire-retardant letterbox and smoke alarms"
OWNER = "Watch Manager Okafor"
PAGES = ("queue", "referral", "case", "checklist", "checklist-result", "marac-referral", "plan")


@dataclass(frozen=True)
class Place:
    gateway_worker: DemoUser
    key_worker: DemoUser
    referral: str  # its reference, as the queue shows it


@dataclass
class Journey:
    """What the browser met on the way: each page's axe violations, and every console error."""

    visited: list[str] = field(default_factory=list)
    violations: dict[str, list[dict]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    case_caption: str = ""
    marac_summary: str = ""
    plan_row: list[str] = field(default_factory=list)
    plan_boxes: dict[str, str] = field(default_factory=dict)  # the plan's empty text boxes after saving
    stopped: str | None = None  # where and why the journey stopped short, if it did


def _user(session: Session, email: str, name: str, organisation: Organisation, team: Team | None) -> User:
    user = make_user(session, Role.KEY_WORKER, email=email, organisation=organisation)
    user.name = name  # the factory names everyone "A Officer"; the key worker is chosen by name on screen
    if team is not None:
        session.add(TeamMember(team_id=team.id, user_id=user.id))
    session.flush()
    return user


def _signs_in(user: User, organisation: Organisation) -> DemoUser:
    return DemoUser(Role.KEY_WORKER, user.email, user.name, organisation.identifier, PASSWORD)


def build_place(live_app: LiveApp) -> Place:
    """Thurrock's access and locality teams inside the live demo, and a referral from the fire service."""
    with unit_of_work(live_app.sessions) as session:
        chosen = select(Organisation).where(Organisation.identifier.in_([COUNCIL_ID, FIRE_ID]))
        partners = {organisation.identifier: organisation for organisation in session.scalars(chosen)}
        council, fire = partners[COUNCIL_ID], partners[FIRE_ID]
        assert not session.scalars(select(Team).where(Team.organisation_id == council.id)).all(), (
            f"The demo now has teams in {COUNCIL}: choose another partner for this test's place"
        )
        access = Team(organisation_id=council.id, name=ACCESS_TEAM, is_gateway=True)
        locality = Team(organisation_id=council.id, name=LOCALITY_TEAM)
        session.add_all([access, locality])
        session.flush()
        gateway_worker = _user(session, "access@thurrock-e2e.example", "Kit Brennan", council, access)
        key_worker = _user(session, "east@thurrock-e2e.example", KEY_WORKER, council, locality)
        firefighter = _user(session, "watch.manager@fire-e2e.example", OWNER, fire, None)
        referral = record_referral(
            session,
            Actor.of(firefighter),
            ReferralDetails(
                referrer=OWNER,
                reason="Home fire safety visit: she disclosed threats to set fire to the house",
                concerns="Two children in the home",
                consent=ReferralConsent.GIVEN,
                urgency=Urgency.URGENT,
                gateway_team_id=access.id,  # the demo has a gateway of its own
                person=PersonDetails(
                    given_name="Morgan",
                    family_name="Fairweather",
                    sex=Sex.FEMALE,
                    address="4 Quayside Row, Grays",
                    postcode="rm17 6zz",
                    references={fire.identifier: "HFSV-0001"},
                ),
            ),
        )
        return Place(_signs_in(gateway_worker, council), _signs_in(key_worker, council), referral.reference)


def _check(page: Page, axe: Path, results: Path, name: str, journey: Journey) -> None:
    """Run axe-core on the page as it stands and keep what it found; a screenshot for people to look at."""
    page.add_script_tag(path=axe)
    found = page.evaluate("async () => { const r = await axe.run(); return [r.violations, r.passes.length]; }")
    violations, passes = found
    assert passes > 0, f"axe-core checked nothing on {page.url}"
    journey.violations[name] = violations
    page.screenshot(path=str(results / f"cases-{name}.png"), full_page=True)
    journey.visited.append(name)


def _answer(page: Page, number: int, answer: str) -> None:
    question = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
    question.get_by_label(answer, exact=True).check()


def walk(page: Page, place: Place, axe: Path, results: Path, journey: Journey) -> None:
    # The access team screens the referral into a case in the locality team.
    sign_in(page, place.gateway_worker)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name=f"Gateway queue of {ACCESS_TEAM}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gateway queue")
    row = page.get_by_role("row").filter(has_text=place.referral)
    expect(row).to_contain_text(PERSON)
    expect(row).to_contain_text(FIRE)
    _check(page, axe, results, "queue", journey)

    row.get_by_role("link", name=place.referral).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Referral {place.referral}")
    expect(page.get_by_role("heading", level=2, name="Screen the referral")).to_be_visible()
    _check(page, axe, results, "referral", journey)
    page.get_by_label("Open a case").check()
    page.get_by_label("Kind of case").select_option(label="Domestic abuse victim")
    page.get_by_label("Case management team").select_option(label=LOCALITY_TEAM)
    page.get_by_label("Key worker").select_option(label=f"{KEY_WORKER} ({LOCALITY_TEAM})")
    page.get_by_role("button", name="Save the screening").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    expect(page.get_by_role("heading", level=3, name=f"{PERSON} (victim)")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The key worker completes the checklist with the person: 14 yes meets the MARAC criteria.
    sign_in(page, place.key_worker)
    page.goto(case_url)
    key_worker = page.locator(".govuk-summary-list__row").filter(has_text="Key worker")
    expect(key_worker.get_by_role("definition")).to_have_text(KEY_WORKER)
    journey.case_caption = page.locator(".govuk-caption-l").inner_text()
    _check(page, axe, results, "case", journey)

    page.get_by_role("link", name="Complete a risk checklist").click()
    expect(page.get_by_role("button", name="Score the checklist")).to_be_visible()
    _check(page, axe, results, "checklist", journey)
    for number in range(1, 25):
        _answer(page, number, "Yes" if number <= 14 else "No" if number <= 22 else "Not known")
    page.get_by_label("Police call-outs to the household in the last 12 months (optional)").fill("1")
    page.get_by_role("button", name="Score the checklist").click()
    banner = page.get_by_role("region", name="MARAC")
    expect(banner).to_contain_text("This meets the MARAC referral criteria")
    summary = page.locator(".govuk-summary-list")
    expect(summary.get_by_role("definition").filter(has_text="14 of 24")).to_be_visible()
    _check(page, axe, results, "checklist-result", journey)

    banner.get_by_role("link", name="Review the MARAC referral").click()
    page.wait_for_url(re.compile(r"/cases/marac/referrals/\d+$"))
    prefilled = page.locator(".govuk-summary-list__row").filter(has_text="Summary")
    expect(prefilled).to_contain_text("14 answered yes, level high")
    journey.marac_summary = prefilled.inner_text()
    _check(page, axe, results, "marac-referral", journey)

    # ... back to the case, and an action for the fire service in the single plan.
    page.get_by_role("link", name="Back to the case").click()
    page.wait_for_url(case_url)
    page.get_by_role("link", name="The single plan").click()
    page.wait_for_url(f"{case_url}/plan")
    due = london_today() + dt.timedelta(days=14)
    page.get_by_label("Action", exact=True).fill(ACTION)
    page.get_by_label("Agency that owns it").select_option(label=FIRE)
    page.get_by_label("Owner", exact=True).fill(OWNER)
    due_by = page.get_by_role("group", name=re.compile("^Due by"))
    due_by.get_by_label("Day").fill(str(due.day))
    due_by.get_by_label("Month").fill(str(due.month))
    due_by.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Add action").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=ACTION, exact=True))
    expect(row).to_be_visible()
    journey.plan_row = [cell.strip() for cell in row.get_by_role("cell").all_inner_texts()]
    for label in ("Add a goal", "Action", "What the review found"):
        journey.plan_boxes[label] = page.get_by_label(label, exact=True).input_value()
    _check(page, axe, results, "plan", journey)


@pytest.fixture(scope="module")
def journey(chromium: Browser, live_app: LiveApp, axe_script: Path) -> Iterator[Journey]:
    """The whole journey, walked once for every test of this module."""
    RESULTS.mkdir(exist_ok=True)
    place = build_place(live_app)
    # bypass_csp lets Playwright inject axe-core inline; test_funds_browser checks the policy with it in force.
    context = chromium.new_context(base_url=live_app.url, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    walked = Journey()

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            walked.errors.append(f"{page.url}: {message.text}")

    page.on("console", collect)
    page.on("pageerror", lambda error: walked.errors.append(f"{page.url}: uncaught {error}"))
    try:
        walk(page, place, axe_script, RESULTS, walked)
    except Exception:  # kept for the journey's own test to report, once, rather than as an error of every test
        walked.stopped = f"at {page.url}:\n{traceback.format_exc()}"
        page.screenshot(path=str(RESULTS / "cases-stopped.png"), full_page=True)
    finally:
        context.close()
    yield walked


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}; at {[' '.join(node['target']) for node in v['nodes']]}"
        for v in violations
    )


def test_screen_assess_refer_to_marac_and_plan_in_the_browser(journey: Journey) -> None:
    assert journey.stopped is None, f"The journey stopped {journey.stopped}"
    assert journey.visited == list(PAGES)
    assert journey.case_caption == f"Domestic abuse victim case · {LOCALITY_TEAM}, {COUNCIL}", journey.case_caption
    assert "level high" in journey.marac_summary
    assert "Police call-outs in the last 12 months: 1." in journey.marac_summary
    assert journey.plan_row[:3] == [ACTION, FIRE, OWNER], journey.plan_row


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violations_on_the_way(journey: Journey, name: str) -> None:
    assert name in journey.violations, f"The journey stopped before the {name} page {journey.stopped}"
    violations = journey.violations[name]
    assert violations == [], f"axe-core on the {name} page:\n{describe(violations)}"


def test_the_plans_empty_boxes_are_empty_after_saving_an_action(journey: Journey) -> None:
    if "plan" not in journey.visited:
        pytest.fail(f"The journey stopped before the plan {journey.stopped}")
    assert journey.plan_boxes == {"Add a goal": "", "Action": "", "What the review found": ""}


def test_the_marac_summary_names_the_checklist_in_words(journey: Journey) -> None:
    assert "marac-referral" in journey.visited, f"The journey stopped before the MARAC referral {journey.stopped}"
    assert "dash-ric" not in journey.marac_summary, journey.marac_summary


def test_no_page_logs_a_console_error(journey: Journey) -> None:
    assert journey.visited, f"The journey stopped before the first page {journey.stopped}"
    assert journey.errors == []
