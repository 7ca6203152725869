"""The docs stay true: generated reference pages are fresh and every page the README names exists."""

from __future__ import annotations

import re
from pathlib import Path

from wholeplace.reference import PAGES

ROOT = Path(__file__).resolve().parent.parent


def test_the_generated_reference_pages_are_up_to_date() -> None:
    for relative, generate in PAGES.items():
        assert (ROOT / relative).read_text(encoding="utf-8") == generate(), f"{relative} is stale: run `make docs`"


def test_every_page_the_readme_names_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(docs/[\w./-]+\.md)`", readme))
    assert named, "the README names no documentation"
    assert [page for page in sorted(named) if not (ROOT / page).exists()] == []


def test_the_readme_commands_are_make_targets() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test"):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target


def test_the_readme_demo_sign_ins_are_the_ones_the_demo_creates() -> None:
    from wholeplace.auth.model import Role
    from wholeplace.demo.load import demo_users

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    from wholeplace.demo.cohort_place import PASSWORD, SIGN_INS

    users = {user.email: user.password for user in demo_users(dict.fromkeys(Role, "GB-LAE-ESS"))}
    users |= {sign_in.email: PASSWORD for sign_in in SIGN_INS}  # the caseworkers of the synthetic cohort
    listed = re.findall(r"`([\w.]+@demo\.wholeplace\.test)` \| `([^`]+)`", readme)
    assert len(listed) == 7
    for email, password in listed:
        assert users[email] == password
