"""Exports of the demo funds, on SQLite and PostgreSQL: 360Giving, Beancount, the workbook and the PDF report.

The demo holds the two seed decisions: PCC/038/13 allocates £272,760.00 of the PCC's £290,000.00 to six
lines (35,000 + 75,000 + 52,960 + 65,700 + 26,700 + 17,400); the Home Office Community Safety Fund splits
£1,115,160.00 into 15 lines (two drug and alcohol elements, Safer Essex, twelve partnerships).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import account as beancount_account
from beancount.core import data
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.factories import commands_on
from wholeplace.auth.actor import Actor
from wholeplace.cli import app
from wholeplace.db import session_factory
from wholeplace.decisions import report
from wholeplace.files.xlsx import MONEY_FORMAT
from wholeplace.funds import exports, ledger
from wholeplace.money import FinancialYear, Money

DEMO_FUNDS = ("wecb-2013-14", "ho-csf-2011-12")
BEAN_CHECK = Path(sys.executable).parent / "bean-check"


@pytest.fixture
def demo(demo_session: Session) -> Session:
    return demo_session


def wecb_grants(session: Session) -> list[exports.Grant]:
    return exports.grants(exports.load_fund_ledger(session, Actor.console(), "wecb-2013-14"))


def beancount_balances(path: Path) -> dict[str, Decimal]:
    """Each account's balance as Beancount computes it from the file."""
    entries, errors, _options = loader.load_file(str(path))
    assert errors == []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                assert posting.units.currency == "GBP"
                totals[posting.account] += posting.units.number
    return totals


# 360Giving


def test_the_wecb_decision_gives_six_grants_summing_to_its_272760_in_the_360giving_package(demo: Session) -> None:
    text = exports.grants_json(wecb_grants(demo))
    assert '"amountAwarded": 35000.00,' in text  # a JSON number with two decimals, neither a string nor a float
    package = json.loads(text, parse_float=Decimal)
    grants = package["grants"]
    assert len(grants) == 6
    assert sum(grant["amountAwarded"] for grant in grants) == Decimal("272760.00")
    assert [grant["amountAwarded"] for grant in grants] == [
        Decimal(amount) for amount in ("35000.00", "75000.00", "52960.00", "65700.00", "26700.00", "17400.00")
    ]
    required = {"id", "title", "description", "currency", "amountAwarded", "awardDate"}
    required |= {"recipientOrganization", "fundingOrganization"}
    for grant in grants:
        assert required <= grant.keys()
        assert grant["currency"] == "GBP"
        assert grant["awardDate"] == "2013-07-30"
        assert grant["plannedDates"] == [{"startDate": "2013-04-01", "endDate": "2014-03-31"}]
        assert grant["fundingOrganization"] == [
            {"id": "XX-WHOLEPLACE-ESSEX-PCC", "name": "Police and Crime Commissioner for Essex"}
        ]
        assert grant["grantProgramme"] == [{"code": "wecb-2013-14", "title": "Whole Essex Community Budgets"}]
        # The standard requires an identifier and a name for every organisation.
        (recipient,) = grant["recipientOrganization"]
        assert recipient["id"].startswith("360G-wholeplace-wecb-2013-14-") and recipient["name"]
        assert grant["id"].startswith("360G-wholeplace-wecb-2013-14-") and "/" not in grant["id"]
    assert len({grant["id"] for grant in grants}) == 6
    assert grants[1]["title"] == "Link Workers"
    assert grants[1]["recipientOrganization"][0]["name"] == "Reducing Re-offending: Link Workers"


def test_the_360giving_csv_has_the_standard_column_titles_and_the_same_grants(demo: Session) -> None:
    rows = list(csv.reader(io.StringIO(exports.grants_csv(wecb_grants(demo)))))
    assert rows[0] == [
        "Identifier",
        "Title",
        "Description",
        "Currency",
        "Amount Awarded",
        "Award Date",
        "Planned Dates:Start Date",
        "Planned Dates:End Date",
        "Recipient Org:Identifier",
        "Recipient Org:Name",
        "Funding Org:Identifier",
        "Funding Org:Name",
        "Grant Programme:Code",
        "Grant Programme:Title",
    ]
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(records) == 6
    assert sum(Decimal(record["Amount Awarded"]) for record in records) == Decimal("272760.00")
    assert {record["Funding Org:Identifier"] for record in records} == {"XX-WHOLEPLACE-ESSEX-PCC"}
    assert {record["Planned Dates:End Date"] for record in records} == {"2014-03-31"}


def test_the_community_safety_fund_gives_fifteen_grants_summing_to_the_whole_grant(demo: Session) -> None:
    found = exports.grants(exports.load_fund_ledger(demo, Actor.console(), "ho-csf-2011-12"))
    assert len(found) == 15
    assert Money.total(grant.amount for grant in found) == Money.parse("1115160")
    assert {grant.funder_identifier for grant in found} == {"GB-LAE-ESS"}


def test_a_reversed_allocation_is_no_longer_a_grant(demo: Session) -> None:
    actor = Actor.console()
    first = wecb_grants(demo)[0]  # the £35,000.00 analyst
    transaction_id = int(first.identifier.rsplit("-", 1)[1])
    decision = report.load_decision(demo, actor, "PCC/038/13")
    with pytest.raises(ledger.NotEnoughMoney):  # £8,750.00 of it is already spent
        ledger.reverse(demo, actor, transaction_id=transaction_id, decision=decision, date=dt.date(2013, 11, 1))
    pool = next(grant for grant in wecb_grants(demo) if grant.title.startswith("Strategic Pool"))  # nothing spent
    ledger.reverse(
        demo,
        actor,
        transaction_id=int(pool.identifier.rsplit("-", 1)[1]),
        decision=decision,
        date=dt.date(2013, 11, 1),
    )
    left = wecb_grants(demo)
    assert len(left) == 5
    assert Money.total(grant.amount for grant in left) == Money.parse("255360")  # 272,760 - 17,400


# Beancount


@pytest.mark.parametrize("code", DEMO_FUNDS)
def test_the_beancount_file_passes_bean_check_and_holds_our_balances_to_the_penny(
    demo: Session, code: str, tmp_path: Path
) -> None:
    actor = Actor.console()
    fund = exports.load_fund_ledger(demo, actor, code)
    path = tmp_path / f"{code}.beancount"
    path.write_text("".join(exports.beancount_ledger(fund)), encoding="utf-8")

    checked = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    names = exports.beancount_account_names(account.path for account in fund.accounts)
    theirs = beancount_balances(path)
    ours = ledger.balances(demo, ledger.fund_by_code(demo, actor, code).id)
    assert {balance.account for balance in ours} == set(names)
    for balance in ours:
        assert theirs.get(names[balance.account], Decimal(0)) == balance.total.pounds, balance.account
    assert sum(theirs.values()) == 0


def test_beancount_names_are_cleaned_component_by_component() -> None:
    names = exports.beancount_account_names(
        [
            "Contributions:Police and Crime Commissioner for Essex",
            "Pool:Unallocated",
            "Themes:Reducing Re-offending",
            "Themes:Reducing Re-offending:Link Workers",
            "Themes:Reducing-Re-offending",
            "Spend:Reducing Re-offending:Link Workers",
            "Returned:Children's Trust",
            "Themes:crème brûlée / 2013",
        ]
    )
    assert names == {
        "Contributions:Police and Crime Commissioner for Essex": (
            "Income:Contributions:Police-and-Crime-Commissioner-for-Essex"
        ),
        "Pool:Unallocated": "Assets:Pool:Unallocated",
        "Returned:Children's Trust": "Expenses:Returned:Childrens-Trust",
        "Spend:Reducing Re-offending:Link Workers": "Expenses:Spend:Reducing-Re-offending:Link-Workers",
        "Themes:Reducing Re-offending": "Assets:Themes:Reducing-Re-offending",
        "Themes:Reducing Re-offending:Link Workers": "Assets:Themes:Reducing-Re-offending:Link-Workers",
        # ' ' sorts before '-', so the spaced name keeps the plain form and this one is the second
        "Themes:Reducing-Re-offending": "Assets:Themes:Reducing-Re-offending-2",
        "Themes:crème brûlée / 2013": "Assets:Themes:Creme-brulee-2013",
    }


ROOTS = st.sampled_from(sorted(exports.BEANCOUNT_ROOTS))
COMPONENT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters=":"), min_size=1, max_size=12)


@given(st.lists(st.tuples(ROOTS, st.lists(COMPONENT, min_size=1, max_size=3)), max_size=12))
def test_any_paths_get_distinct_valid_beancount_names(paths: list[tuple[str, list[str]]]) -> None:
    ours = {":".join([root, *parts]) for root, parts in paths}
    names = exports.beancount_account_names(ours)
    assert set(names) == ours
    assert len(set(names.values())) == len(ours)
    assert all(beancount_account.is_valid(name) for name in names.values())


def test_balance_assertions_become_beancount_balances_the_day_after(demo: Session, tmp_path: Path) -> None:
    actor = Actor.console()
    fund_id = ledger.fund_by_code(demo, actor, "wecb-2013-14").id
    ledger.add_balance_assertion(
        demo, actor, fund_id=fund_id, account="Themes:Strategic Pool", date=dt.date(2013, 7, 30), amount=Money(1740000)
    )
    ledger.add_balance_assertion(  # a theme with projects: Beancount would count the projects too
        demo, actor, fund_id=fund_id, account="Themes:Reducing Re-offending", date=dt.date(2013, 8, 1), amount=Money(0)
    )
    text = "".join(exports.beancount_ledger(exports.load_fund_ledger(demo, actor, "wecb-2013-14")))
    assert "\n2013-07-31 balance Assets:Themes:Strategic-Pool  17400.00 GBP\n" in text
    assert "\n; 2013-08-02 balance Assets:Themes:Reducing-Re-offending  0.00 GBP  (also counts" in text
    path = tmp_path / "wecb.beancount"
    path.write_text(text, encoding="utf-8")
    checked = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


# Excel


def test_the_workbook_holds_money_as_numbers_in_pounds_and_totals_as_formulas(demo: Session, tmp_path: Path) -> None:
    actor = Actor.console()
    fund = ledger.fund_by_code(demo, actor, "wecb-2013-14")
    statement = ledger.statement(demo, actor, fund_id=fund.id, as_at=dt.date(2014, 3, 31))
    path = tmp_path / "wecb.xlsx"
    exports.statement_workbook(fund, statement).save(path)

    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Contributions", "Allocations", "Summary"]
    allocations = workbook["Allocations"]
    header = [cell.value for cell in allocations[1] + allocations[2] + allocations[3] + allocations[4]]
    assert "Whole Essex Community Budgets (wecb-2013-14): allocations" in header
    assert "As at the end of 31 March 2014" in header
    assert any(str(value).startswith("Source: the wholeplace fund ledger") for value in header)

    rows = [row for row in allocations.iter_rows(min_row=7) if row[0].value]
    *lines, total = rows
    assert len(lines) == 6 and total[0].value == "Total"
    for row in lines:
        for cell in row[2:5]:
            assert isinstance(cell.value, int | float) and cell.number_format == MONEY_FORMAT
        assert row[5].value == f"=C{row[5].row}-D{row[5].row}-E{row[5].row}"
    assert sum(row[2].value for row in lines) == 272760
    # the analyst's first quarter and the grants' spend beside their returns (demo/outcomes.py), all by 31 March
    assert sum(row[3].value for row in lines) == 151710
    for cell in total[2:6]:
        assert cell.data_type == "f" and cell.value.startswith("=SUM(") and cell.number_format == MONEY_FORMAT

    contributions = workbook["Contributions"]
    assert [(row[0].value, row[1].value) for row in contributions.iter_rows(min_row=7)] == [
        ("Police and Crime Commissioner for Essex", 290000),
        ("Total", "=SUM(B7:B7)"),
    ]
    summary = {row[0].value: row[1].value for row in workbook["Summary"].iter_rows(min_row=7)}
    assert summary["Unallocated, 2013/14"] == 17240
    assert summary["Contributed"] == "=Contributions!B8"


def test_an_empty_fund_still_gets_sums_that_refer_to_no_cell_of_their_own(demo: Session) -> None:
    actor = Actor.console()
    fund = ledger.fund_by_code(demo, actor, "wecb-2013-14")
    statement = ledger.statement(demo, actor, fund_id=fund.id, as_at=dt.date(2013, 4, 1))
    workbook = exports.statement_workbook(fund, statement)
    assert workbook["Contributions"]["A8"].value == "Total"
    assert workbook["Contributions"]["B8"].value == "=SUM(B7:B7)"


# PDF


def test_the_decision_report_is_a_pdf_naming_the_reference_and_the_allocated_total(demo: Session) -> None:
    decision = report.load_decision(demo, Actor.console(), "PCC/038/13")
    html = report.decision_report_html(decision)
    pdf = report.decision_report_pdf(html)
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    else:  # poppler is not on this machine: check the HTML that was printed
        text = html
    for expected in ("PCC/038/13", "£272,760.00", "£290,000.00", "2013/14 Whole Essex Community Budgets"):
        assert expected in text
    for expected in ("1. Purpose of report", "2. Recommendations", "3. Financial implications", "4. Decision"):
        assert expected in html
    assert "☒</td>\n    <td>I agree the recommendations to this report" in html
    assert "<td>YES</td>" in html and "<td>None</td>" in html


def test_a_draft_report_shows_no_decision_and_a_reason_not_to_publish(demo: Session) -> None:
    decision = report.load_decision(demo, Actor.console(), "DEMO/REPROFILE/1")
    decision.publish, decision.non_publication_reason = False, "Contains staff details"
    html = report.decision_report_html(decision, classification="Official")
    assert "No decision has been recorded" in html
    assert "☒" not in html
    assert "<td>NO</td>" in html and "Contains staff details" in html and "Official" in html
    assert "2013/14 to 2014/15" in html


# The commands

runner = CliRunner()


@pytest.fixture
def database(demo_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The demo in the test database, and the command pointed at it."""
    with commands_on(demo_engine, monkeypatch) as database:
        yield database


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["funds", "export", *args])
    return result.exit_code, result.output


def test_the_export_commands_write_each_format(database: Engine, tmp_path: Path) -> None:
    code, output = run("360giving", "wecb-2013-14", "--format", "csv")
    assert code == 0, output
    assert output.startswith("Identifier,Title,Description,Currency,Amount Awarded,")
    assert len(output.splitlines()) == 7

    code, output = run("360giving", "wecb-2013-14", "--output", str(tmp_path / "grants.json"))
    assert code == 0, output
    assert "6 grants totalling £272,760.00" in output
    assert len(json.loads((tmp_path / "grants.json").read_text(encoding="utf-8"))["grants"]) == 6

    code, output = run("beancount", "ho-csf-2011-12", "--output", str(tmp_path / "csf.beancount"))
    assert code == 0, output
    checked = subprocess.run([str(BEAN_CHECK), str(tmp_path / "csf.beancount")], capture_output=True, check=False)
    assert checked.returncode == 0

    code, output = run("xlsx", "wecb-2013-14", "--output", str(tmp_path / "s.xlsx"), "--as-at", "2013-12-31")
    assert code == 0, output
    assert "as at 31 December 2013" in output
    assert load_workbook(tmp_path / "s.xlsx")["Allocations"]["A1"].value.startswith("Whole Essex")

    code, output = run("pdf", "PCC/038/13", "--output", str(tmp_path / "report.pdf"))
    assert code == 0, output
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


def test_an_unknown_fund_or_decision_is_refused_by_name(database: Engine, tmp_path: Path) -> None:
    assert run("beancount", "no-such-fund") == (1, "fund: There is no fund with code no-such-fund\n")
    with session_factory(database)() as session, session.begin():
        year = FinancialYear(2015)
        ledger.create_fund(
            session,
            Actor.console(),
            code="empty",
            name="Empty",
            first_year=year,
            last_year=year,
            holder_identifier="GB-LAE-ESS",
        )
    assert run("360giving", "empty") == (1, "fund: empty has no approved allocations from its pool to publish\n")
    code, output = run("pdf", "PCC/999/99", "--output", str(tmp_path / "x.pdf"))
    assert (code, output) == (1, "reference: There is no decision PCC/999/99\n")
    assert not (tmp_path / "x.pdf").exists()
