"""The demo's business cases: the case files in demo/cases/, each added once as its first version."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.appraisal import service
from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.model import BusinessCase
from wholeplace.auth.actor import Actor

CASES = Path(__file__).resolve().parent / "cases"
DEMO_CASE_FILES = ("domestic-abuse-hub.yaml",)


def load_demo_business_cases(session: Session, actor: Actor) -> int:
    """Add each demo case not already there (by name); returns how many were added."""
    added = 0
    for filename in DEMO_CASE_FILES:
        source = (CASES / filename).read_text(encoding="utf-8")
        case, _problems = read_case(source, filename)
        assert case is not None, f"the demo case {filename} must read cleanly: run wholeplace appraise on it"
        if session.scalar(select(BusinessCase.id).where(BusinessCase.name == case.name)) is None:
            service.add_case(session, actor, source=source, note="Built from seed 002, the LGA board paper")
            added += 1
    return added
