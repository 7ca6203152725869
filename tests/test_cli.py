"""The `wholeplace` command on both databases: users, tokens, partners import, audit verify, demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from tests.factories import commands_on
from wholeplace.audit import AuditEntry
from wholeplace.auth.model import ApiToken
from wholeplace.cli import app
from wholeplace.partners.model import Organisation

runner = CliRunner()


@pytest.fixture
def database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Point the command at the test database, as WHOLEPLACE_DATABASE_URL does for a user."""
    with commands_on(engine, monkeypatch) as database:
        yield database


@pytest.fixture
def demo_database(demo_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The command pointed at a copy of the loaded demo (loaded once per run, not by each test)."""
    with commands_on(demo_engine, monkeypatch) as database:
        yield database


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.output  # standard output and error, interleaved


def count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_demo_loads_once_and_a_second_load_adds_nothing(database: Engine) -> None:
    code, output = run("demo", "load")
    assert code == 0, output
    assert "admin@demo.wholeplace.test" in output and "admin-demo-2013" in output
    partners = count(database, Organisation)
    assert partners == 29  # 25 in Essex, and the 4 Cheshire partners of the seed 002 case
    code, output = run("demo", "load")
    assert code == 0, output
    assert count(database, Organisation) == partners


def test_a_partners_csv_with_problems_is_refused_row_by_row_and_changes_nothing(
    database: Engine, tmp_path: Path
) -> None:
    csv_file = tmp_path / "partners.csv"
    csv_file.write_text(
        "identifier,name\nGB-LAE-TEN,Tendring District Council\nGB-LAE-TEN,Tendring again\nGB-LAE-BAI,\n"
    )
    code, output = run("partners", "import", str(csv_file))
    assert code == 1
    assert output.splitlines() == [
        "partners.csv, row 1: The column 'kind' is missing",
        "partners.csv, row 3, column 'identifier': GB-LAE-TEN is already on row 2: list each partner once",
        "partners.csv, row 4, column 'name': Enter a name",
    ]
    assert count(database, Organisation) == 0


def test_a_good_partners_csv_is_imported_and_listed(database: Engine, tmp_path: Path) -> None:
    csv_file = tmp_path / "partners.csv"
    csv_file.write_text("identifier,name,kind\nGB-LAE-TEN,Tendring District Council,district_council\n")
    assert run("partners", "import", str(csv_file)) == (0, "Imported partners.csv: 1 partners created, 0 updated\n")
    code, output = run("partners", "list")
    assert code == 0 and "Tendring District Council" in output and "1 partners" in output


def test_a_user_is_created_and_given_a_token(database: Engine, tmp_path: Path) -> None:
    csv_file = tmp_path / "partners.csv"
    csv_file.write_text("identifier,name,kind\nGB-LAE-ESS,Essex County Council,county_council\n")
    run("partners", "import", str(csv_file))
    code, output = run(
        "users",
        "create",
        "Finance@Essex.example",
        "--name",
        "Finance Officer",
        "--organisation",
        "GB-LAE-ESS",
        "--role",
        "finance",
        "--role",
        "viewer",
        "--password",
        "a long enough password",
    )
    assert code == 0, output
    assert "Created finance@essex.example in Essex County Council with roles finance, viewer" in output
    code, output = run("users", "token", "finance@essex.example", "--name", "monthly export")
    assert code == 0
    assert output.strip().splitlines()[-1].startswith("wp_")
    assert "Token 1 'monthly export' for finance@essex.example: read and write, until " in output
    code, output = run("users", "token", "finance@essex.example", "--name", "viewer", "--scope", "read", "--days", "30")
    assert code == 0 and "Token 2 'viewer' for finance@essex.example: read only, until " in output
    with database.connect() as connection:
        made = connection.execute(select(ApiToken).where(ApiToken.id == 2)).one()
    assert round((made.expires_at - made.created_at).total_seconds() / 86400) == 30
    code, output = run("users", "token", "finance@essex.example", "--name", "x", "--days", "7")
    assert (code, output) == (1, "days: Select how long the token lasts: 30, 90 or 365 days\n")
    code, output = run("users", "token", "finance@essex.example", "--name", "x", "--scope", "everything")
    assert code == 2 and "everything" in output and "read" in output, output
    code, output = run("users", "revoke-token", "finance@essex.example", "1")
    assert (code, output) == (0, "Revoked token 1 'monthly export' of finance@essex.example\n")
    # the console operator made and revoked the token; the trail says so, and whose token it was
    with database.connect() as connection:
        made = connection.execute(
            select(AuditEntry.actor, AuditEntry.detail)
            .where(AuditEntry.action.like("api_token.%"))
            .order_by(AuditEntry.seq)
        ).all()
    assert [(actor.startswith("console:"), json.loads(detail).get("for_user")) for actor, detail in made] == [
        (True, "finance@essex.example"),  # the token made for writing
        (True, "finance@essex.example"),  # the read-only one
        (True, "finance@essex.example"),  # the first revoked
    ]


def test_a_user_with_a_short_password_is_refused(database: Engine) -> None:
    code, output = run(
        "users",
        "create",
        "x@essex.example",
        "--name",
        "X",
        "--organisation",
        "GB-LAE-ESS",
        "--role",
        "admin",
        "--password",
        "short",
    )
    assert code == 1
    assert "password: Password must be 12 characters or more" in output
    assert "organisation: There is no partner with identifier 'GB-LAE-ESS'" in output


def test_audit_verify_passes_an_intact_chain_and_names_a_tampered_entry(demo_database: Engine) -> None:
    database = demo_database
    code, output = run("audit", "verify")
    assert code == 0 and "The audit chain is intact" in output
    with database.begin() as connection:
        if database.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_entries_no_update"))
        connection.execute(text("UPDATE audit_entries SET outcome = 'refused' WHERE seq = 2"))
        if database.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
    code, output = run("audit", "verify")
    with database.connect() as connection:
        entry_id = connection.execute(select(AuditEntry.id).where(AuditEntry.seq == 2)).scalar_one()
    assert code == 1
    assert f"The audit chain is broken at entry 2 (id {entry_id}): its contents were changed" in output


def test_allocating_into_a_fund_with_a_year_that_is_not_one_is_refused_naming_the_option(
    database: Engine, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text('name: Underspend\ntotal: "100"\nlines:\n  - recipient: Strategic Pool\n    fraction: "1"\n')
    code, output = run("allocate", str(plan), "--into", "wecb-2013-14", "--reference", "PLAN/1", "--year", "2013-14")
    assert code == 1
    assert output.startswith("--year: ") and "2013/14" in output and "Traceback" not in output


def test_a_decision_is_approved_at_the_console_with_its_own_date_and_signatory(demo_database: Engine) -> None:
    approve = ("decisions", "approve", "DEMO/REPROFILE/1", "--as", "decision.maker@demo.wholeplace.test")
    code, output = run(*approve, "--decided-on", "2 December 2013")
    assert (code, output) == (1, "--decided-on: 2 December 2013 is not a date written like 2013-07-30\n")
    code, output = run(*approve, "--decided-on", "2013-12-02", "--signed-by", "Police and Crime Commissioner for Essex")
    assert (code, output) == (0, "Approved DEMO/REPROFILE/1, decided on 2 December 2013: 1 transaction posted\n")


def test_a_plan_with_a_total_past_what_the_ledger_holds_is_refused_naming_its_line(
    database: Engine, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.yaml"
    total = "1" + "0" * 26  # 10^26 pounds
    plan.write_text(f'name: Too much\ntotal: "{total}"\nlines:\n  - recipient: Pool\n    fraction: "1"\n')
    code, output = run("allocate", str(plan), "--into", "wecb-2013-14", "--reference", "PLAN/1")
    assert code == 1 and "Traceback" not in output
    assert output.startswith("plan.yaml, line 2") and "the largest amount this service holds" in output, output
