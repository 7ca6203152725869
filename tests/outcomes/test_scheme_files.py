"""A payment-by-results scheme loaded from its file, and its cohort, outcomes and relapses imported from a table,
on both databases: all or nothing, every problem named by file, key or row and column.

The demo loads its families scheme this way (demo/outcomes/families-pbr.yaml); these tests load it again and
bring it up to date, refuse broken files, and import a small set of records into it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.business_dates import today
from wholeplace.cli import app
from wholeplace.demo.outcomes import DATA
from wholeplace.outcomes import scheme_files, schemes
from wholeplace.outcomes.model import (
    CohortMember,
    Indicator,
    Measurement,
    OutcomeRecord,
    RelapseRecord,
    Scheme,
    SchemeOutcome,
)
from wholeplace.outcomes.periods import Period
from wholeplace.partners.model import Area
from wholeplace.problems import AccessRefused, InvalidInput

PROGRAMME = Actor(None, "programme.manager@essex.example", None, frozenset({Role.PROGRAMME}))
VIEWER = Actor(None, "viewer@essex.example", None, frozenset({Role.VIEWER}))
CONSOLE_ACTOR = Actor.console()
FINANCE_ACTOR = Actor(None, "finance.officer@essex.example", None, frozenset({Role.FINANCE}))
DEMO_SCHEME = (DATA / "families-pbr.yaml").read_text(encoding="utf-8")
HEADER = "record,unit,person,date,outcome,source,case_reference\n"


def scheme(session: Session) -> Scheme:
    return session.scalars(select(Scheme).where(Scheme.code == "families-pbr")).one()


def held(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model))
        for model in (CohortMember, OutcomeRecord, RelapseRecord)
    )


def test_the_demo_scheme_loads_again_as_an_update_and_keeps_its_tariffs(demo_session: Session) -> None:
    before = demo_session.scalar(select(func.count()).select_from(SchemeOutcome))
    changed = DEMO_SCHEME.replace('tariff: "800"', 'tariff: "850"').replace("holding_months: 6", "holding_months: 9")
    loaded = scheme_files.load_scheme(demo_session, PROGRAMME, text=changed, filename="families-pbr.yaml")
    assert loaded.id == scheme(demo_session).id  # the same scheme, brought up to date by its code
    assert demo_session.scalar(select(func.count()).select_from(SchemeOutcome)) == before == 3
    tariffs = {outcome.code: outcome.tariff_pence for outcome in loaded.outcomes}
    assert tariffs == {"crime-school": 700_00, "progress-to-work": 100_00, "work": 850_00}
    # £1,600 written with a thousands separator; savings by partner in pence
    assert (loaded.holding_months, loaded.cap_per_unit_pence, loaded.attachment_fee_pence) == (9, 1_600_00, 400_00)
    crime = next(outcome for outcome in loaded.outcomes if outcome.code == "crime-school")
    assert crime.savings_pence == {"Essex Police": 2_400_00, "Essex County Council": 1_900_00}


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            ("fund: families-pbr-2025-27", "fund: families-2030"),
            "families-pbr.yaml, fund: There is no fund with the code families-2030",
        ),
        (
            ("pay_from: Themes:Families with Complex Needs:Payment by Results", "pay_from: Pool:Unallocated"),
            "families-pbr.yaml, pay_from: Pool:Unallocated is not a theme or project of "
            "Families with complex needs, payment by results",
        ),
        (('tariff: "700"', 'tariff: "seven hundred"'), "families-pbr.yaml, outcomes[0].tariff: "),
        (("evidence: case_outcomes", "evidence: measurements"), "families-pbr.yaml, outcomes[0]: A scheme paid on"),
        (("unit: family", "unit: household"), "families-pbr.yaml, unit: Input should be 'family', 'person' or 'area'"),
        (("code: work", "code: crime-school"), "families-pbr.yaml, outcomes: Give each outcome its own code"),
    ],
)
def test_a_broken_scheme_file_is_refused_naming_the_key_and_changes_nothing(
    demo_session: Session, edit: tuple[str, str], problem: str
) -> None:
    old, new = edit
    assert old in DEMO_SCHEME
    before = [(outcome.code, outcome.tariff_pence) for outcome in scheme(demo_session).outcomes]
    with pytest.raises(InvalidInput) as refused:
        scheme_files.load_scheme(
            demo_session, PROGRAMME, text=DEMO_SCHEME.replace(old, new), filename="families-pbr.yaml"
        )
    assert any(str(found).startswith(problem) for found in refused.value.problems), refused.value.problems
    demo_session.expire_all()
    assert [(outcome.code, outcome.tariff_pence) for outcome in scheme(demo_session).outcomes] == before


def test_a_viewer_may_not_load_a_scheme(demo_session: Session) -> None:
    with pytest.raises(AccessRefused):
        scheme_files.load_scheme(demo_session, VIEWER, text=DEMO_SCHEME, filename="families-pbr.yaml")


def test_members_outcomes_and_relapses_are_imported_together(demo_session: Session) -> None:
    before = held(demo_session)
    text = HEADER + (
        "member,FAM-TEST-1,SYN-P-9001,2026-01-05,,,FAM-TEST-1\n"
        "member,FAM-TEST-1,SYN-P-9002,2026-01-05,,,FAM-TEST-1\n"
        "outcome,FAM-TEST-1,,2026-03-02,crime-school,Case FAM-TEST-1: attendance 95% at review,\n"
        "relapse,FAM-TEST-1,SYN-P-9002,2026-04-11,,Police call-out to the home,\n"
    )
    report = scheme_files.import_records(
        demo_session, PROGRAMME, scheme=scheme(demo_session), data=text.encode(), filename="march.csv"
    )
    assert (report.members, report.outcomes, report.relapses) == (2, 1, 1)
    assert held(demo_session) == (before[0] + 2, before[1] + 1, before[2] + 1)
    outcome = demo_session.scalars(select(OutcomeRecord).where(OutcomeRecord.unit_ref == "FAM-TEST-1")).one()
    assert (outcome.outcome_code, outcome.achieved_on, outcome.source) == (
        "crime-school",
        dt.date(2026, 3, 2),
        "Case FAM-TEST-1: attendance 95% at review",
    )


def test_a_records_file_with_any_bad_row_is_refused_row_by_row_and_nothing_is_written(demo_session: Session) -> None:
    before = held(demo_session)
    tomorrow = today() + dt.timedelta(days=1)
    text = HEADER + (
        "member,FAM-TEST-2,SYN-P-9101,2026-01-05,,,\n"  # good
        "outcome,FAM-NOBODY,,2026-02-01,crime-school,,\n"  # row 3: a family not in the cohort
        "outcome,FAM-TEST-2,,2026-02-01,tidy-garden,,\n"  # row 4: not an outcome of the scheme
        f"outcome,FAM-TEST-2,,{tomorrow},work,,\n"  # row 5: in the future
        "member,FAM-TEST-2,SYN-P-9101,2026-01-06,,,\n"  # row 6: the same person twice
        "visit,FAM-TEST-2,,2026-02-01,,,\n"  # row 7: not a kind of record
        "relapse,FAM-TEST-2,,31/02/2026,,,\n"  # row 8: no person, and not a date
    )
    with pytest.raises(InvalidInput) as refused:
        scheme_files.import_records(
            demo_session, PROGRAMME, scheme=scheme(demo_session), data=text.encode(), filename="feb.csv"
        )
    assert [str(problem) for problem in refused.value.problems] == [
        "feb.csv, row 3, column 'unit': FAM-NOBODY is not in the cohort: add its members first",
        "feb.csv, row 4, column 'outcome': 'tidy-garden' is not an outcome of the scheme. "
        "Outcomes: crime-school, progress-to-work, work",
        "feb.csv, row 5, column 'date': The date cannot be in the future",
        "feb.csv, row 6, column 'person': SYN-P-9101 is already in the cohort",
        "feb.csv, row 7, column 'record': 'visit' is not a record: write member, outcome or relapse",
        "feb.csv, row 8, column 'date': '31/02/2026' is not a date. Write it like 2026-03-31",
        "feb.csv, row 8, column 'person': Enter the person's reference",
    ]
    assert held(demo_session) == before


def test_the_records_command_imports_a_file_and_refuses_a_bad_one(demo_console: object, tmp_path: Path) -> None:
    good, bad = tmp_path / "april.csv", tmp_path / "may.csv"
    good.write_text(HEADER + "member,FAM-TEST-3,SYN-P-9201,2026-04-01,,,\n", encoding="utf-8")
    bad.write_text(HEADER + "outcome,FAM-NOBODY,,2026-05-01,work,,\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["outcomes", "records", "families-pbr", str(good)])
    assert (result.exit_code, result.output) == (0, "Imported april.csv: 1 members, 0 outcomes, 0 relapses\n")
    result = runner.invoke(app, ["outcomes", "records", "families-pbr", str(bad)])
    assert result.exit_code == 1
    assert "may.csv, row 2, column 'unit': FAM-NOBODY is not in the cohort: add its members first" in result.output


AREA_SCHEME = """\
code: districts-families
name: Districts paid for families turned around
unit: area
evidence: measurements
fund: wecb-2013-14
pay_from: Themes:Strengthening Communities
holding_months: 0
decision_maker: Police and Crime Commissioner for Essex
outcomes:
  - code: ten-a-quarter
    name: Ten or more families turned around in a quarter
    tariff: "1,000"
    indicator: families-turned-around
    threshold: 10
"""


def test_a_scheme_paid_on_measurements_pays_each_area_once_for_a_quarter_at_its_threshold(
    demo_session: Session,
) -> None:
    session = demo_session
    loaded = scheme_files.load_scheme(session, PROGRAMME, text=AREA_SCHEME, filename="districts.yaml")
    districts = session.scalars(select(Area).where(Area.kind == "district").order_by(Area.code)).all()
    records = HEADER + "".join(f"member,{area.code},{area.code},2012-04-01,,,\n" for area in districts)
    scheme_files.import_records(session, PROGRAMME, scheme=loaded, data=records.encode(), filename="districts.csv")
    # every district with a quarter of 10 or more families turned around is paid £1,000, once
    indicator = session.scalars(select(Indicator).where(Indicator.code == "families-turned-around")).one()
    reaching = {
        area.code
        for area in districts
        if any(
            value >= 10
            for value in session.scalars(
                select(Measurement.value).where(
                    Measurement.indicator_id == indicator.id, Measurement.area_id == area.id, Measurement.current
                )
            )
        )
    }
    assert 0 < len(reaching) < len(districts)  # the demo has districts either side of the threshold
    period = Period.parse("2014/15 Q4")
    shown = schemes.compute(session, CONSOLE_ACTOR, loaded, period)  # the console's look: nothing stored
    assert {line.unit for line in shown.lines if line.amount.pence} == reaching
    assert all(line.evidence_id is not None and line.evidence_id < 0 for line in shown.lines)
    assert (
        session.scalar(select(func.count()).select_from(OutcomeRecord).where(OutcomeRecord.scheme_id == loaded.id)) == 0
    )
    claim = schemes.make_claim(session, FINANCE_ACTOR, scheme_code="districts-families", period=period)
    paying = [line for line in claim.lines if line.paying]
    assert {line.unit_ref for line in paying} == reaching
    assert claim.total_pence == 1_000_00 * len(reaching)
    assert all(line.evidence and line.evidence.source.startswith("Measurement ") for line in claim.lines)
