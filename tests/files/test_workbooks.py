"""Hostile workbooks are refused quickly and in little memory, each with a reason naming the file and sheet."""

from __future__ import annotations

import io
import resource
import time
import zipfile

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.funds.test_pages import csrf, signed_in
from wholeplace.appraisal.model import BusinessCase
from wholeplace.appraisal.workbook_import import read_workbook
from wholeplace.auth.model import Role
from wholeplace.files.tables import read_table
from wholeplace.files.workbooks import MAX_UNPACKED_MB


def workbook_reaching(cell: str, sheet: str = "Inputs") -> bytes:
    """A few kilobytes: one label in A1 and one value in a far cell."""
    book = Workbook()
    book.active.title = sheet
    book.active["A1"] = "Name"
    book.active[cell] = "x"
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_sheet_reaching_the_last_cell_excel_has_is_refused_in_under_a_second_without_growing() -> None:
    data = workbook_reaching("XFD1048576")
    assert len(data) < 20_000
    before, started = peak_memory_mb(), time.perf_counter()
    case, problems = read_workbook(data, "hostile.xlsx")
    elapsed, grown = time.perf_counter() - started, peak_memory_mb() - before
    assert case is None
    [problem] = problems
    assert problem.where == "hostile.xlsx, sheet 'Inputs'"
    assert problem.message.startswith("The sheet reaches cell XFD1048576: it must fit within A1:")
    assert problem.message.endswith("Delete what lies outside and try again")
    assert elapsed < 1.0 and grown < 200, (elapsed, grown)  # before: minutes and more than 8 GB


def test_a_table_workbook_reaching_past_its_limits_is_refused_naming_the_sheet() -> None:
    _, problems = read_table(workbook_reaching("A200001", sheet="Unit costs"), "costs.xlsx")
    assert [
        str(problem).startswith("costs.xlsx, sheet 'Unit costs': The sheet reaches cell A200001")
        for problem in problems
    ] == [True]


def test_a_zip_that_unpacks_to_more_than_a_workbook_holds_is_refused_before_it_is_read() -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b" " * (MAX_UNPACKED_MB + 1) * 1024 * 1024)
    assert len(data.getvalue()) < 200_000  # a bomb: small packed, large unpacked
    case, problems = read_workbook(data.getvalue(), "bomb.xlsx")
    assert case is None
    assert [str(problem) for problem in problems] == [
        f"bomb.xlsx: The workbook unpacks to {MAX_UNPACKED_MB + 1} MB, more than the {MAX_UNPACKED_MB} MB a workbook "
        "here may hold: keep only the sheets it needs and try again"
    ]


def test_a_workbook_declaring_xml_entities_is_refused_not_expanded() -> None:
    data = io.BytesIO(workbook_reaching("B2"))
    bomb = io.BytesIO()
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    with zipfile.ZipFile(data) as original, zipfile.ZipFile(bomb, "w") as rewritten:
        for item in original.infolist():
            content = original.read(item.filename)
            if item.filename in ("xl/workbook.xml", "xl/worksheets/sheet1.xml"):
                declaration, _, rest = content.partition(b"?>") if content.startswith(b"<?xml") else (b"", b"", content)
                content = declaration + (b"?>" if declaration else b"") + laughs.encode() + rest
            rewritten.writestr(item, content)
    case, problems = read_workbook(bomb.getvalue(), "lol.xlsx")
    assert case is None
    assert [str(problem) for problem in problems] == [
        "lol.xlsx: The workbook declares XML entities, which are refused: save it again"
    ]


def test_an_oversized_workbook_uploaded_as_a_business_case_is_refused_and_nothing_is_stored(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    analyst = signed_in(client, sessions, Role.ANALYST)
    page = analyst.post(
        "/business-cases/new",
        data={"source": "", "csrf_token": csrf(analyst)},
        files={"upload": ("hostile.xlsx", workbook_reaching("XFD1048576"), "application/octet-stream")},
    )
    assert page.status_code == 422
    assert "hostile.xlsx, sheet &#39;Inputs&#39;: The sheet reaches cell XFD1048576" in page.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(BusinessCase)) == 0
