"""Hostile names go through every export the app has, and none comes out as a live spreadsheet formula.

A partner, fund, theme, decision and business case are named `=HYPERLINK("http://evil.example","x")`, `+1`,
`@SUM(A1)` and `-2` through the real services; then every export is run the way a user runs it (the
`wholeplace` command, or a download from a page). In every workbook no formula holds user text, and every
text cell that starts like a formula carries Excel's quote prefix; in every CSV a text cell that starts
like a formula has a leading apostrophe (OWASP, CSV injection). A structural test keeps the list complete:
every function in src/ that writes a workbook or a CSV is one of the exports walked here.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

import wholeplace
from tests.factories import make_user, sign_in
from wholeplace.appraisal import service as business_cases
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.cli import app
from wholeplace.decisions import service as decisions
from wholeplace.decisions.service import DecisionIn, RecommendationIn
from wholeplace.files.injection import FORMULA_STARTS
from wholeplace.funds import ledger
from wholeplace.money import FinancialYear, Money
from wholeplace.partners import service as partners
from wholeplace.settings import get_settings

LINK = '=HYPERLINK("http://evil.example","x")'
HOSTILE = (LINK, "+1", "@SUM(A1)", "-2")
MARKERS = ("HYPERLINK", "evil.example", "@SUM")  # never inside a formula the app writes
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
SRC = Path(wholeplace.__file__).resolve().parent
Y2013 = FinancialYear(2013)
ADMIN = Actor(None, "admin@essex.example", None, frozenset({Role.ADMIN, Role.FINANCE}))
DECIDER = Actor(None, "pcc@essex.example", None, frozenset({Role.DECISION_MAKER}))
ANALYST = Actor(None, "analyst@essex.example", None, frozenset({Role.ANALYST}))
FUND = "evil-fund"
REFERENCE = "+1/EVIL"
# The theme named LINK is split at its colon like any account path: theme '=HYPERLINK("http', project after it.
THEMES = (f"Themes:{LINK}", "Themes:+1", "Themes:@SUM(A1)", "Themes:-2:=1+1")


def quoted(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML string too


CASE = f"""\
name: {quoted(LINK)}
first_year: 2013/14
years: 2
partners: [{quoted(LINK)}, {quoted("+1")}]
costs:
  - name: {quoted("@SUM(A1)")}
    payer: {quoted(LINK)}
    kind: revenue
    amount: 1000
cohort:
  size: 10
outcomes:
  - name: {quoted("-2")}
    success_rate: "0.5"
    benefits:
      - beneficiary: {quoted("+1")}
        kind: fiscal_cashable
        unit_value: 300
"""
PLAN = f"""\
name: {quoted(LINK)}
total: 1000
lines:
  - recipient: {quoted("+1")}
    amount: 100
  - group: {quoted("-2")}
    weights: {{{quoted("@SUM(A1)")}: 1, {quoted(LINK)}: 1}}
"""
LIBRARY = (
    "name,label,value,price_year,unit,agency,kind,confidence,source,verified,note\n"
    f'evil_cost,"{LINK.replace(chr(34), chr(34) * 2)}",100.00,2013/14,+1,@SUM(A1),fiscal_cashable,,-2,no,=1+1\n'
)


@dataclass(frozen=True)
class Export:
    name: str
    kind: str  # "xlsx", "csv" or "other"
    carries_names: bool  # False for the blank template, which holds no user text
    data: bytes


def build(sessions: sessionmaker[Session]) -> int:
    """The hostile partner, fund, themes, approved decision and business case; returns the case's id."""
    with sessions() as session, session.begin():
        for number, name in enumerate(HOSTILE, start=1):
            partners.create_organisation(
                session, ADMIN, {"identifier": f"XX-WHOLEPLACE-EVIL{number}", "name": name, "kind": "voluntary_sector"}
            )
        fund = ledger.create_fund(
            session,
            ADMIN,
            code=FUND,
            name=LINK,
            first_year=Y2013,
            last_year=Y2013,
            holder_identifier="XX-WHOLEPLACE-EVIL2",  # "+1"
        )
        moves = [
            RecommendationIn("1", "@SUM(A1)", Money(1_000_000), f"Contributions:{LINK}", "Pool:Unallocated", Y2013)
        ]
        moves += [
            RecommendationIn(f"2.{n}", "-2", Money(10_000), "Pool:Unallocated", theme, Y2013)
            for n, theme in enumerate(THEMES, start=1)
        ]
        draft = DecisionIn(REFERENCE, LINK, dt.date(2013, 7, 30), "-2", "@SUM(A1)", moves, purpose=LINK)
        decision = decisions.draft_decision(session, ADMIN, fund_id=fund.id, draft=draft)
        # decided on its report's day in 2013, so its call-in period ended long ago and its money posts now
        signed = decisions.Signature(decided_on=dt.date(2013, 7, 30))
        decisions.approve_decision(session, DECIDER, decision_id=decision.id, signature=signed)
        case_id = business_cases.add_case(session, ANALYST, source=CASE).id
        make_user(session, Role.ANALYST, email="analyst@essex.example")
    return case_id


def every_export(client: TestClient, case_id: int, folder: Path) -> Iterator[Export]:
    """Each export, run as a user runs it."""
    runner = CliRunner()

    def command(*args: str) -> None:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, (args, result.output)

    def written(name: str, kind: str, *args: str) -> Export:
        command("funds", "export", *args, "--output", str(folder / name))
        return Export(name, kind, True, (folder / name).read_bytes())

    def download(name: str, kind: str, url: str, *, carries_names: bool = True) -> Export:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text)
        return Export(name, kind, carries_names, response.content)

    yield written("360giving.csv", "csv", "360giving", FUND, "--format", "csv")
    yield written("360giving.json", "other", "360giving", FUND)
    yield written("fund.beancount", "other", "beancount", FUND)
    yield written("statement.xlsx", "xlsx", "xlsx", FUND)
    yield written("decision.pdf", "other", "pdf", REFERENCE)

    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    result = runner.invoke(app, ["allocate", str(folder / "plan.yaml"), "--format", "csv"])
    assert result.exit_code == 0, result.output
    yield Export("allocation.csv", "csv", True, result.stdout.encode())

    (folder / "library.csv").write_text(LIBRARY, encoding="utf-8")
    result = runner.invoke(app, ["unit-costs", "list", "--format", "csv", "--file", str(folder / "library.csv")])
    assert result.exit_code == 0, result.output
    yield Export("unit-costs.csv", "csv", True, result.stdout.encode())

    (folder / "case.yaml").write_text(CASE, encoding="utf-8")
    command("appraise", str(folder / "case.yaml"), "--xlsx", str(folder / "workings-cli.xlsx"))
    yield Export("workings-cli.xlsx", "xlsx", True, (folder / "workings-cli.xlsx").read_bytes())
    command("appraise", "--template", str(folder / "template-cli.xlsx"))
    yield Export("template-cli.xlsx", "xlsx", False, (folder / "template-cli.xlsx").read_bytes())

    sign_in(client, "analyst@essex.example")
    yield download("workings.xlsx", "xlsx", f"/business-cases/{case_id}/versions/1/workings.xlsx")
    yield download("template.xlsx", "xlsx", "/business-cases/template.xlsx", carries_names=False)
    yield download("case.yaml", "other", f"/business-cases/{case_id}/versions/1/case.yaml")
    fund_id = re.search(r'href="/funds/(\d+)"', client.get("/funds").text)[1]  # the one fund built above
    yield download("statement-download.xlsx", "xlsx", f"/funds/{fund_id}/statement.xlsx")


def workbook_problems(export: Export) -> tuple[list[str], int]:
    """Formula cells holding user text, text cells starting like a formula without the quote prefix; and how
    many cells hold hostile text."""
    problems, hostile = [], 0
    for sheet in load_workbook(io.BytesIO(export.data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if not isinstance(value, str):
                    continue
                where = f"{export.name} {sheet.title}!{cell.coordinate}"
                if cell.data_type == "f":
                    if any(marker in value for marker in MARKERS):
                        problems.append(f"{where} is a formula holding user text: {value}")
                    continue
                hostile += any(name in value for name in HOSTILE)
                if value.startswith(FORMULA_STARTS) and not cell.quotePrefix:
                    problems.append(f"{where} starts like a formula without the quote prefix: {value}")
    return problems, hostile


def csv_problems(export: Export) -> tuple[list[str], int]:
    """Text cells starting like a formula; and how many cells hold hostile text made safe."""
    problems, safe = [], 0
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8"), newline="")))
    for number, row in enumerate(rows[1:], start=2):
        for cell in row:
            if cell.startswith(FORMULA_STARTS) and not NUMBER.match(cell):
                problems.append(f"{export.name} row {number}: {cell!r} starts like a formula")
            safe += cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS)
    return problems, safe


@pytest.fixture
def database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The `wholeplace` command pointed at the test database, as WHOLEPLACE_DATABASE_URL does for a user."""
    monkeypatch.setenv("WHOLEPLACE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


def test_hostile_names_come_out_of_every_export_as_text_never_as_a_formula(
    database: Engine, sessions: sessionmaker[Session], client: TestClient, tmp_path: Path
) -> None:
    case_id = build(sessions)
    exports = list(every_export(client, case_id, tmp_path))
    assert len(exports) == 13
    assert sorted(export.name for export in exports) == sorted(EXPORTS_WALKED)
    problems: list[str] = []
    missing: list[str] = []  # an export the hostile names never reached proves nothing
    for export in exports:
        if export.kind == "xlsx":
            found, hostile = workbook_problems(export)
            missing += [] if hostile or not export.carries_names else [export.name]
        elif export.kind == "csv":
            found, hostile = csv_problems(export)
            missing += [] if hostile else [export.name]
        else:
            found = []
            text = export.data.decode("utf-8", errors="replace")
            missing += [] if export.name == "decision.pdf" or "@SUM(A1)" in text else [export.name]
        problems += found
    assert problems == []
    assert missing == []


# Which function in src/ writes each export, through the one xlsx writer or the one CSV writer.
EXPORTS_WALKED = {
    "360giving.csv": "funds/exports/three_sixty_giving.py:grants_csv",
    "360giving.json": "funds/exports/three_sixty_giving.py:grants_json",
    "fund.beancount": "funds/exports/beancount_file.py:beancount_ledger",
    "statement.xlsx": "funds/export_cli.py:xlsx",
    "decision.pdf": "decisions/cli.py:report_pdf",
    "allocation.csv": "funds/plan_cli.py:_allocation_csv",
    "unit-costs.csv": "appraisal/unit_costs_cli.py:_csv",
    "workings-cli.xlsx": "appraisal/workbook.py:write_workbook",
    "template-cli.xlsx": "appraisal/workbook.py:template_workbook",
    "workings.xlsx": "appraisal/workbook.py:write_workbook",
    "template.xlsx": "appraisal/workbook.py:template_workbook",
    "case.yaml": "appraisal/case_writer.py:write_case",
    "statement-download.xlsx": "funds/routes.py:download_statement",
}
WRITERS = {"workbook_bytes", "csv_text", "csv_dicts"}
RAW_WRITERS = {"writer", "DictWriter", "ExcelWriter", "save_workbook"}  # csv, openpyxl: only files/ may call them


def calls_in(path: Path) -> Iterator[tuple[str, str]]:
    """(enclosing top-level function, called name) for every call in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for call in ast.walk(node):
                if isinstance(call, ast.Call):
                    called = call.func
                    yield node.name, called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")


def test_every_function_that_writes_a_workbook_or_a_csv_is_an_export_walked_above() -> None:
    writers, raw = set(), []
    modules = sorted(SRC.rglob("*.py"))
    for path in modules:
        relative = path.relative_to(SRC).as_posix()
        for function, name in calls_in(path):
            if name in WRITERS and not relative.startswith("files/"):
                writers.add(f"{relative}:{function}")
            if name in RAW_WRITERS and not relative.startswith("files/"):
                raw.append(f"{relative}:{function} calls {name}")
            if name == "save" and "xlsx" in function:
                raw.append(f"{relative}:{function} saves a workbook itself")
    assert raw == [], "write spreadsheets through wholeplace.files.xlsx and wholeplace.files.csv_writer"
    walked_writers = {
        "funds/export_cli.py:xlsx",
        "funds/routes.py:download_statement",
        "funds/exports/three_sixty_giving.py:grants_csv",
        "funds/plan_cli.py:_allocation_csv",
        "appraisal/unit_costs_cli.py:_csv",
        "appraisal/workbook.py:write_workbook",
        "appraisal/workbook.py:template_workbook",
    }
    assert walked_writers <= set(EXPORTS_WALKED.values())
    assert writers == walked_writers, "a new export: add it to every_export and EXPORTS_WALKED"
