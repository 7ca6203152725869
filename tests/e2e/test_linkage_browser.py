"""The person index in a real browser, on the live demo's index of synthetic people: axe-core finds no
accessibility violation on its pages, and an analyst rules on a pair the model was unsure of and sees the
ruling on the person's page. Screenshots go to test-results/."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from wholeplace.auth.model import Role

from .conftest import RESULTS, LiveApp, sign_in


def _first_pair(page: Page) -> None:
    page.goto("/linkage/review")
    page.get_by_role("link", name=re.compile(r"^Review pair \d+$")).first.click()


def _first_person(page: Page) -> None:
    _first_pair(page)
    page.get_by_role("link", name=re.compile(r"^WP-\d{7}-\d$")).first.click()


VISITS: dict[str, Callable[[Page], None]] = {
    "overview": lambda page: page.goto("/linkage"),
    "review": lambda page: page.goto("/linkage/review"),
    "pair": _first_pair,
    "person": _first_person,
    "import": lambda page: page.goto("/linkage/extracts/new"),
}


@pytest.mark.parametrize("name", list(VISITS))
def test_axe_finds_no_accessibility_violations(axe_page: Page, live_app: LiveApp, axe_script: Path, name: str) -> None:
    sign_in(axe_page, live_app.user(Role.ANALYST))
    VISITS[name](axe_page)
    axe_page.screenshot(path=str(RESULTS / f"linkage-{name}.png"), full_page=True)
    axe_page.add_script_tag(path=axe_script)
    violations = axe_page.evaluate("async () => (await axe.run()).violations")
    assert violations == [], f"axe-core on {axe_page.url}: {[v['id'] for v in violations]}"
    assert len(VISITS) == 5


def test_an_analyst_rules_on_a_pair_and_finds_the_ruling_on_the_persons_page(page: Page, live_app: LiveApp) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_app.user(Role.ANALYST))
    _first_pair(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Are these the same person?")
    reviewed = page.url
    person = page.get_by_role("link", name=re.compile(r"^WP-\d{7}-\d$")).first.inner_text()
    page.get_by_label("The same person").check()
    page.get_by_label("Why").fill("Same address history on the housing register (synthetic)")
    page.get_by_role("button", name="Save and review the next pair").click()
    page.wait_for_url(lambda url: url != reviewed)
    page.goto(f"/linkage/people/{person}")
    expect(page.get_by_text("Same address history on the housing register (synthetic)")).to_be_visible()
    page.screenshot(path=str(RESULTS / "linkage-ruled.png"), full_page=True)
    assert errors == []
