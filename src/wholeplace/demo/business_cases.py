"""The demo's business cases: the case files in demo/cases/, each added once, with a second version."""

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
# Version 2 of the seed 002 case: ranges instead of point estimates, as an evaluation workshop might agree
# them (ILLUSTRATIVE, like the case's other values). Each central value is the version 1 figure, except
# engagement, whose range is centred lower.
RANGES = (
    "Ranges agreed at the evaluation workshop (illustrative)",
    (
        ('    success_rate: "0.35"\n', "    success_rate: {pert: [0.20, 0.35, 0.45]}\n"),
        ('    deadweight: "0.15"\n', "    deadweight: {triangular: [0.05, 0.15, 0.30]}\n"),
        ("    amount: 500000\n", "    amount: {triangular: [450000, 500000, 650000]}\n"),
        ('  engagement: "0.8"\n', "  engagement: {uniform: [0.6, 0.9]}\n"),
        ("        unit_value: 50000 # a year", "        unit_value: {triangular: [35000, 50000, 60000]} # a year"),
    ),
)


def load_demo_business_cases(session: Session, actor: Actor) -> int:
    """Add each demo case not already there (by name); returns how many were added."""
    added = 0
    for filename in DEMO_CASE_FILES:
        source = (CASES / filename).read_text(encoding="utf-8")
        case, _problems = read_case(source, filename)
        assert case is not None, f"the demo case {filename} must read cleanly: run wholeplace appraise on it"
        if session.scalar(select(BusinessCase.id).where(BusinessCase.name == case.name)) is None:
            business_case = service.add_case(
                session, actor, source=source, note="Built from the LGA's board paper on Cheshire West"
            )
            note, edits = RANGES
            for old, new in edits:
                assert source.count(old) == 1, f"the demo edit {old!r} must match one line of {filename}"
                source = source.replace(old, new)
            service.save_version(session, actor, case_id=business_case.id, source=source, based_on=1, note=note)
            added += 1
    return added
