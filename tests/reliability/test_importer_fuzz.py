"""Every importer against hostile files, on both databases: a clean refusal or a clean import, nothing else.

The importers: partners (CSV), allocation plans (YAML), business cases (YAML, and the xlsx workbook), unit costs
(CSV), linkage extracts (CSV), risk checklist definitions and completed checklists (YAML). The outcomes
importers have their own such test (tests/outcomes/test_hostile_imports.py).

Each importer is fed a fixed list of nasty files (empty, binary junk, UTF-16, deep nesting, YAML anchors that
expand without bound, `!!python` tags, and a file with one nasty value (formulas, right-to-left and zero-width
characters, 1e309, NaN, -0, three decimal places in money, NUL, 400 digits) in every field), then files
hypothesis makes by planting nasty values in single fields of a good file and by cutting and splicing its
bytes. Each must be refused with problems that say where and why (`InvalidInput`), or import; any other
exception fails the test. A refused import has written nothing, counted before it is rolled back; each takes
under 5 seconds. A 50 MB file is refused by size by each importer's command before it is read (the
`max_upload_mb` limit, 10 MB by default), in bounded time and memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from wholeplace.appraisal import service as appraisal_service
from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.case_writer import write_case
from wholeplace.appraisal.model import BusinessCase, BusinessCaseVersion
from wholeplace.appraisal.unit_costs import read_library_file, shipped_library
from wholeplace.appraisal.workbook import write_workbook
from wholeplace.appraisal.workbook_import import read_workbook
from wholeplace.audit import AuditEntry
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import User
from wholeplace.cases.checklists import load_checklist, read_answers_file
from wholeplace.cli import app
from wholeplace.funds import plan
from wholeplace.linkage import index
from wholeplace.linkage.model import LinkageExtract, LinkageRecord
from wholeplace.partners import service as partners_service
from wholeplace.partners.model import Organisation
from wholeplace.problems import InvalidInput, Problem
from wholeplace.settings import get_settings

SRC = Path(plan.__file__).resolve().parents[1]
CONSOLE = Actor.console()
ANALYST = "analyst@demo.wholeplace.test"
SECONDS = 5.0


def text_of(data: bytes, filename: str) -> str:
    """The file's text, as the command and the pages read it (cli_support.read_text): UTF-8, or refused."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput([Problem(filename, "The file is not UTF-8 text: save it as UTF-8")]) from None


def refused_unless_clean(found: Any) -> Any:
    """A pure reader's (value, problems) as the services see it: InvalidInput when there is any problem."""
    value, problems = found
    if problems:
        raise InvalidInput(problems)
    return value


def import_partners(session: Session, data: bytes, filename: str) -> None:
    partners_service.import_organisations(session, CONSOLE, text=text_of(data, filename), filename=filename)


def read_allocation_plan(session: Session, data: bytes, filename: str) -> None:
    plan.allocate(refused_unless_clean(plan.read_plan(text_of(data, filename), filename)))


def add_business_case(session: Session, data: bytes, filename: str) -> None:
    appraisal_service.add_case(session, CONSOLE, source=text_of(data, filename))


def add_business_case_workbook(session: Session, data: bytes, filename: str) -> None:
    case = refused_unless_clean(read_workbook(data, filename))
    appraisal_service.add_case(session, CONSOLE, source=write_case(case))


def read_unit_costs(session: Session, data: bytes, filename: str) -> None:
    refused_unless_clean(read_library_file(data, filename, price_years=shipped_library().deflators.keys()))


def import_linkage_extract(session: Session, data: bytes, filename: str) -> None:
    police = session.scalars(select(Organisation).where(Organisation.identifier == "GB-LAE-ESS")).one()
    analyst = session.scalars(select(User).where(User.email == ANALYST)).one()
    index.import_extract(
        session,
        Actor.of(analyst),
        data=data,
        filename=filename,
        organisation_id=police.id,
        source="fuzzed-agency",
        received_on=dt.date(2026, 11, 30),
    )


def read_checklist(session: Session, data: bytes, filename: str) -> None:
    load_checklist(text_of(data, filename), filename)


def read_checklist_answers(session: Session, data: bytes, filename: str) -> None:
    read_answers_file(text_of(data, filename), filename)


def partners_file() -> bytes:
    return (SRC / "demo" / "partners.csv").read_bytes()


def plan_file() -> bytes:
    return (SRC / "demo" / "csf-2011-12.yaml").read_bytes()


def case_file() -> bytes:
    return (SRC / "demo" / "cases" / "domestic-abuse-hub.yaml").read_bytes()


def case_workbook() -> bytes:
    case = refused_unless_clean(read_case(case_file().decode(), "case.yaml"))
    return write_workbook(case)


def unit_costs_file() -> bytes:
    return (SRC / "appraisal" / "data" / "unit_costs.csv").read_bytes()


def extract_file() -> bytes:
    rows = [
        "agency_ref,given_name,surname,other_names,date_of_birth,sex,postcode,address",
        "POL00001,Jo,Bloggs,,12/03/1984,F,CM1 1AA,1 Harbour Road",
        "POL00002,Sam,Smith,Alex,1990-07-01,M,CO15 1AB,2 Harbour Road",
        "POL00003,Lee,Jones,,01-Feb-2001,U,SS1 2CD,3 Harbour Road",
    ]
    return ("\n".join(rows) + "\n").encode()


def checklist_file() -> bytes:
    return (SRC / "cases" / "data" / "family-needs.yaml").read_bytes()


def answers_file() -> bytes:
    answers = "\n".join(f"  {number}: {'yes' if number % 3 else 'no'}" for number in range(1, 25))
    return f"checklist: dash-ric\nanswers:\n{answers}\npolice_callouts_12_months: 3\njudgement: high\n".encode()


@dataclass(frozen=True)
class Importer:
    name: str
    filename: str
    good: Callable[[], bytes]
    run: Callable[[Session, bytes, str], None]
    tables: tuple[type, ...] = ()  # what it writes: counted before and after a refusal

    @property
    def kind(self) -> str:
        return self.filename.rsplit(".", 1)[1]


IMPORTERS = [
    Importer("partners", "partners.csv", partners_file, import_partners, (Organisation, AuditEntry)),
    Importer("allocation plan", "plan.yaml", plan_file, read_allocation_plan),
    Importer("business case", "case.yaml", case_file, add_business_case, (BusinessCase, BusinessCaseVersion)),
    Importer(
        "business case workbook", "case.xlsx", case_workbook, add_business_case_workbook,
        (BusinessCase, BusinessCaseVersion),
    ),
    Importer("unit costs", "unit_costs.csv", unit_costs_file, read_unit_costs),
    Importer(
        "linkage extract", "extract.csv", extract_file, import_linkage_extract,
        (LinkageExtract, LinkageRecord, AuditEntry),
    ),
    Importer("risk checklist", "checklist.yaml", checklist_file, read_checklist),
    Importer("completed checklist", "answers.yaml", answers_file, read_checklist_answers),
]  # fmt: skip
BY_NAME = {importer.name: importer for importer in IMPORTERS}

NASTY_VALUES = [
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-0",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "12.345",
    "1,234.567",
    "\u202eTSET\u202c Partner",
    "Zero\u200bWidth\u200dName\u2060",
    "\ufeffBOM",
    "NUL\x00here",
    "9" * 400,
    "١٢٣",
    "",
]
DEEP = 10_000
STRUCTURAL: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("binary junk", bytes(range(256)) * 64),
    ("UTF-16", "identifier,name\nGB-LAE-ESS,Essex\n".encode("utf-16")),
    ("deep lists", b"[" * DEEP + b"]" * DEEP),
    ("deep keys", b"a: " + b"{a: " * DEEP + b"1" + b"}" * DEEP),
    (
        "billion laughs",
        b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + b"".join(
            f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join([f'*{chr(97 + level)}'] * 9)}]\n".encode()
            for level in range(8)
        ),
    ),
    ("python tag", b"name: !!python/object/apply:os.system ['echo owned']\n"),
    ("python name tag", b"!!python/name:os.system\n"),
    ("not a zip", b"PK\x03\x04 this is not a zip at all"),
]


def counts(session: Session, tables: tuple[type, ...]) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count()).select_from(table)) or 0 for table in tables)


def attempt(session: Session, importer: Importer, data: bytes) -> str:
    """Import inside a savepoint: 'refused' (cleanly, nothing written) or 'imported'; anything else fails."""
    before = counts(session, importer.tables)
    savepoint = session.begin_nested()
    started = time.monotonic()
    try:
        importer.run(session, data, importer.filename)
    except InvalidInput as refused:
        assert refused.problems, "a refusal names its problems"
        assert all(problem.message.strip() for problem in refused.problems)
        assert counts(session, importer.tables) == before, "a refused import wrote rows"
        outcome = "refused"
    else:
        outcome = "imported"
    finally:
        took = time.monotonic() - started
        savepoint.rollback()  # every file starts from the same place
    assert took < SECONDS, f"{importer.name} took {took:.1f} s"
    return outcome


def leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every scalar in a loaded YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for position, value in enumerate(node):
            yield from leaves(value, (*path, position))
    else:
        yield path


def planted_yaml(good: bytes, value: str, chosen: set[int] | None) -> bytes:
    document = yaml.safe_load(good)
    for number, path in enumerate(leaves(document)):
        if chosen is None or number in chosen:
            owner = document
            for step in path[:-1]:
                owner = owner[step]
            owner[path[-1]] = value
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode("utf-8", errors="surrogatepass")


def planted_csv(good: bytes, value: str, chosen: set[int] | None) -> bytes:
    rows = list(csv.reader(io.StringIO(good.decode("utf-8"))))
    number = 0
    for row in rows[1:]:
        for column in range(len(row)):
            if chosen is None or number in chosen:
                row[column] = value
            number += 1
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8", errors="surrogatepass")


def planted_xlsx(good: bytes, value: str, chosen: set[int] | None) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(good))
    sheet = book.worksheets[0]
    number = 0
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.value is not None and not str(cell.value).startswith("="):
                if chosen is None or number in chosen:
                    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)  # openpyxl cannot write NUL and the like
                number += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


PLANTERS = {"csv": planted_csv, "yaml": planted_yaml, "xlsx": planted_xlsx}


@pytest.fixture
def place(demo_session: Session) -> Session:
    return demo_session


def test_every_importer_reads_its_own_good_file(place: Session) -> None:
    """The good files the fuzzing starts from do import: otherwise every mutation would be refused for the
    same dull reason and the fuzzing would prove nothing."""
    outcomes = {importer.name: attempt(place, importer, importer.good()) for importer in IMPORTERS}
    assert outcomes == {importer.name: "imported" for importer in IMPORTERS}
    assert len(IMPORTERS) == 8


def test_every_importer_refuses_the_fixed_nasty_files_cleanly(place: Session) -> None:
    walked: dict[str, int] = {}
    for importer in IMPORTERS:
        good = importer.good()
        files = [data for _, data in STRUCTURAL]
        files += [PLANTERS[importer.kind](good, value, None) for value in NASTY_VALUES]
        for data in files:
            attempt(place, importer, data)
        walked[importer.name] = len(files)
    assert walked == {importer.name: len(STRUCTURAL) + len(NASTY_VALUES) for importer in IMPORTERS}
    assert sum(walked.values()) == 8 * (9 + 17)


@st.composite
def mutated(draw: st.DrawFn, importer: Importer) -> bytes:
    """A good file with one nasty value in one or two fields, or its bytes cut, doubled or spliced."""
    good = importer.good()
    if draw(st.booleans()):
        value = draw(st.sampled_from(NASTY_VALUES) | st.text(max_size=20))
        chosen = set(draw(st.lists(st.integers(0, 60), min_size=1, max_size=2)))
        return PLANTERS[importer.kind](good, value, chosen)
    start = draw(st.integers(0, len(good)))
    end = draw(st.integers(start, min(len(good), start + 200)))
    middle = draw(st.sampled_from([b"", good[start:end] * 2, draw(st.binary(max_size=30))]))
    return good[:start] + middle + good[end:]


@pytest.mark.parametrize("name", [importer.name for importer in IMPORTERS])
def test_mutated_files_import_or_are_refused_whole(place: Session, name: str) -> None:
    importer = BY_NAME[name]
    outcomes: list[str] = []

    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=mutated(importer))
    def fuzz(data: bytes) -> None:
        outcomes.append(attempt(place, importer, data))

    fuzz()
    assert len(outcomes) >= 12


COMMANDS = {
    "partners": ["partners", "import"],
    "allocation plan": ["allocate"],
    "business case": ["appraise"],
    "business case workbook": ["appraise"],
    "unit costs": ["unit-costs", "check"],
    "linkage extract": ["linkage", "import", "--agency", "GB-LAE-ESS", "--as", ANALYST],
    "risk checklist": ["cases", "score"],
    "completed checklist": ["cases", "score"],
}


def test_a_50_mb_file_is_refused_by_size_before_it_is_read(
    demo_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLEPLACE_DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    refused = 0
    for importer in IMPORTERS:
        big = tmp_path / f"big-{importer.filename}"
        with big.open("wb") as handle:
            handle.truncate(50 * 1024 * 1024)  # 50 MB of NUL bytes, written sparse
        command = COMMANDS[importer.name]
        arguments = [*command[:2], str(big), *command[2:]] if len(command) > 2 else [*command, str(big)]
        tracemalloc.start()
        started = time.monotonic()
        result = CliRunner().invoke(app, arguments)
        took = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert result.exit_code == 1, (importer.name, result.output)
        assert "larger than 10 MB" in result.output, (importer.name, result.output)
        assert took < SECONDS and peak < 20 * 1024 * 1024, (importer.name, took, peak)
        refused += 1
    get_settings.cache_clear()
    assert refused == len(IMPORTERS) == 8
