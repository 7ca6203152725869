"""A fund's ledger in the formats others read: 360Giving grants, a Beancount file, a workbook, a PDF report.

Loading is read-only and goes through the ledger's access check (`ledger.fund_by_code`); each format
is then a plain function of the loaded records, with no printing and no clock, so the same ledger
always gives the same bytes. Field and account mappings, with their sources, are in
docs/funds-exports.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.files.csv_writer import CsvValue, csv_dicts
from wholeplace.files.xlsx import BOLD, TITLE, Formula, headings, money, put, total_row
from wholeplace.files.xlsx import MONEY_FORMAT as MONEY_FORMAT  # where callers have found it
from wholeplace.funds import ledger
from wholeplace.funds.engine import FundStatement
from wholeplace.funds.model import (
    UNALLOCATED_PATH,
    Account,
    AccountKind,
    BalanceAssertion,
    Fund,
    LedgerTransaction,
    Posting,
)
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import NotFound, Problem

# ---------------------------------------------------------------------------------------------
# The ledger as plain records


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: int
    path: str
    kind: AccountKind
    organisation_identifier: str | None
    organisation_name: str | None


# Postings and transactions are named tuples, as Beancount's own records are: a million of them load in
# seconds, where frozen dataclasses take several times as long to build.
class PostingRecord(NamedTuple):
    account_id: int
    pence: int
    year: int  # start year of the financial year


class TransactionRecord(NamedTuple):
    id: int
    date: dt.date
    description: str
    decision_reference: str
    decision_title: str
    decision_approved: bool
    reverses_id: int | None
    postings: tuple[PostingRecord, ...]


@dataclass(frozen=True, slots=True)
class AssertionRecord:
    account_id: int
    date: dt.date  # the account holds `pence` at the end of this day
    pence: int


@dataclass(frozen=True)
class FundLedger:
    """One fund's accounts, transactions (by date, then id) and balance assertions."""

    code: str
    name: str
    first_year: FinancialYear
    last_year: FinancialYear
    holder_identifier: str
    holder_name: str
    accounts: tuple[AccountRecord, ...]
    transactions: tuple[TransactionRecord, ...]
    assertions: tuple[AssertionRecord, ...] = ()

    @property
    def years_label(self) -> str:
        return str(self.first_year) if self.first_year == self.last_year else f"{self.first_year} to {self.last_year}"


def load_fund_ledger(session: Session, actor: Actor, code: str) -> FundLedger:
    """Everything a fund's exports need, read in three queries (fast enough for a million postings)."""
    fund = ledger.fund_by_code(session, actor, code)
    accounts = tuple(
        AccountRecord(
            account.id,
            account.path,
            account.kind,
            account.organisation.identifier if account.organisation else None,
            account.organisation.name if account.organisation else None,
        )
        for account in session.scalars(select(Account).where(Account.fund_id == fund.id).order_by(Account.path))
    )
    decision_of = {
        row.id: (row.reference, row.title, row.status is DecisionStatus.APPROVED)
        for row in session.execute(
            select(Decision.id, Decision.reference, Decision.title, Decision.status).where(Decision.fund_id == fund.id)
        )
    }
    rows = session.connection().execute(
        select(
            LedgerTransaction.id,
            LedgerTransaction.date,
            LedgerTransaction.description,
            LedgerTransaction.decision_id,
            LedgerTransaction.reverses_id,
            Posting.account_id,
            Posting.amount_pence,
            Posting.financial_year,
        )
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.fund_id == fund.id)
        .order_by(LedgerTransaction.date, LedgerTransaction.id, Posting.id)
        .execution_options(yield_per=20_000)
    )
    transactions = []
    for _, group in groupby(rows, key=itemgetter(0)):
        lines = list(group)
        transaction_id, date, description, decision_id, reverses_id = lines[0][:5]
        transactions.append(
            TransactionRecord(
                transaction_id,
                date,
                description,
                *decision_of[decision_id],
                reverses_id,
                tuple([PostingRecord(line[5], line[6], line[7]) for line in lines]),
            )
        )
    assertions = tuple(
        AssertionRecord(row.account_id, row.date, int(row.amount_pence))
        for row in session.execute(
            select(BalanceAssertion.account_id, BalanceAssertion.date, BalanceAssertion.amount_pence)
            .join(Account)
            .where(Account.fund_id == fund.id)
            .order_by(BalanceAssertion.date, BalanceAssertion.id)
        )
    )
    return FundLedger(
        fund.code,
        fund.name,
        FinancialYear(fund.first_year),
        FinancialYear(fund.last_year),
        fund.holder.identifier,
        fund.holder.name,
        accounts,
        tuple(transactions),
        assertions,
    )


def load_decision(session: Session, actor: Actor, reference: str) -> Decision:
    """A decision by its reference, like PCC/038/13, through the decisions service's access check."""
    decision_id = session.scalar(select(Decision.id).where(Decision.reference == reference.strip()))
    if decision_id is None:
        raise NotFound([Problem("reference", f"There is no decision {reference}")])
    return decisions.get_decision(session, actor, decision_id)


# ---------------------------------------------------------------------------------------------
# 360Giving: one grant per allocation from the pool, in the standard's package shape

DEFAULT_GRANT_PREFIX = "360G-wholeplace"  # replace with the publisher's registered 360Giving prefix
GRANT_COLUMNS = (
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
)


@dataclass(frozen=True)
class Grant:
    identifier: str
    title: str
    description: str
    amount: Money
    award_date: dt.date
    year: FinancialYear
    recipient_identifier: str
    recipient_name: str
    funder_identifier: str
    funder_name: str
    programme_code: str
    programme_title: str

    def row(self) -> dict[str, CsvValue]:
        """The grant under the standard's flat column titles, as in its spreadsheet template."""
        values: tuple[CsvValue, ...] = (
            self.identifier,
            self.title,
            self.description,
            "GBP",
            self.amount,
            self.award_date.isoformat(),
            self.year.starts.isoformat(),
            self.year.ends.isoformat(),
            self.recipient_identifier,
            self.recipient_name,
            self.funder_identifier,
            self.funder_name,
            self.programme_code,
            self.programme_title,
        )
        return dict(zip(GRANT_COLUMNS, values, strict=True))


def _identifier_part(text: str) -> str:
    """360Giving's identifier guidance: no slashes; spaces and special characters become '_'."""
    return re.sub(r"[^A-Za-z0-9.-]+", "_", _ascii(text)).strip("_") or "_"


def grants(fund: FundLedger, *, prefix: str = DEFAULT_GRANT_PREFIX) -> list[Grant]:
    """Each posting that moves money from the pool to a theme or project under an approved decision.

    A transaction later reversed is left out: the allocation no longer stands. A theme or project with
    no partner organisation gets an internal organisation identifier under the prefix, since the
    standard requires both an identifier and a name for every recipient organisation.
    """
    accounts = {account.id: account for account in fund.accounts}
    pool = next((account.id for account in fund.accounts if account.path == UNALLOCATED_PATH), None)
    reversed_ids = {entry.reverses_id for entry in fund.transactions if entry.reverses_id is not None}
    fund_part = _identifier_part(fund.code)
    found = []
    for entry in fund.transactions:
        if not entry.decision_approved or entry.id in reversed_ids or entry.reverses_id is not None:
            continue
        if not any(posting.account_id == pool and posting.pence < 0 for posting in entry.postings):
            continue
        allocations = [
            posting
            for posting in entry.postings
            if accounts[posting.account_id].kind in (AccountKind.THEME, AccountKind.PROJECT) and posting.pence > 0
        ]
        for number, posting in enumerate(allocations, start=1):
            account = accounts[posting.account_id]
            suffix = "" if number == 1 else f"-{number}"
            name = account.path.removeprefix("Themes:").replace(":", ": ")
            found.append(
                Grant(
                    identifier=f"{prefix}-{fund_part}-{entry.id}{suffix}",
                    title=account.path.rsplit(":", 1)[-1],
                    description=f"{entry.description} (decision {entry.decision_reference}: {entry.decision_title})",
                    amount=Money(posting.pence),
                    award_date=entry.date,
                    year=FinancialYear(posting.year),
                    recipient_identifier=account.organisation_identifier
                    or f"{prefix}-{fund_part}-{_identifier_part(account.path.removeprefix('Themes:'))}",
                    recipient_name=account.organisation_name or name,
                    funder_identifier=fund.holder_identifier,
                    funder_name=fund.holder_name,
                    programme_code=fund.code,
                    programme_title=fund.name,
                )
            )
    return found


def grants_package(found: Sequence[Grant]) -> dict[str, Any]:
    """The 360Giving JSON package: `{"grants": [...]}`, amounts as exact Decimals."""
    return {
        "grants": [
            {
                "id": grant.identifier,
                "title": grant.title,
                "description": grant.description,
                "currency": "GBP",
                "amountAwarded": grant.amount.pounds,
                "awardDate": grant.award_date.isoformat(),
                "plannedDates": [{"startDate": grant.year.starts.isoformat(), "endDate": grant.year.ends.isoformat()}],
                "recipientOrganization": [{"id": grant.recipient_identifier, "name": grant.recipient_name}],
                "fundingOrganization": [{"id": grant.funder_identifier, "name": grant.funder_name}],
                "grantProgramme": [{"code": grant.programme_code, "title": grant.programme_title}],
            }
            for grant in found
        ]
    }


_QUOTED_AMOUNT = re.compile(r'"amountAwarded": "(-?\d+\.\d{2})"')


def grants_json(found: Sequence[Grant]) -> str:
    """The package as JSON text; amounts are JSON numbers with two decimals (35000.00), never floats."""
    package = grants_package(found)
    for grant in package["grants"]:
        grant["amountAwarded"] = f"{grant['amountAwarded']:.2f}"
    # Keys are ours and escaped quotes cannot match, so only the amounts are unquoted.
    return _QUOTED_AMOUNT.sub(r'"amountAwarded": \1', json.dumps(package, indent=2, ensure_ascii=False)) + "\n"


def grants_csv(found: Sequence[Grant]) -> str:
    """One row per grant under the standard's column titles; text that would run as a formula is quoted."""
    return csv_dicts(GRANT_COLUMNS, (grant.row() for grant in found))


# ---------------------------------------------------------------------------------------------
# Beancount: the same double entry, checked by bean-check

# Our roots under Beancount's five: contributions run negative, as Beancount's Income does.
BEANCOUNT_ROOTS = {
    "Contributions": "Income:Contributions",
    "Pool": "Assets:Pool",
    "Themes": "Assets:Themes",
    "Spend": "Expenses:Spend",
    "Returned": "Expenses:Returned",
}


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def beancount_component(name: str) -> str:
    """A name as one Beancount account component: 'Reducing Re-offending' -> 'Reducing-Re-offending'."""
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", re.sub(r"['\u2019]", "", _ascii(name))).strip("-")
    return (cleaned[:1].upper() + cleaned[1:]) if cleaned else "X"


def beancount_account_names(paths: Iterable[str]) -> dict[str, str]:
    """Our account paths to distinct valid Beancount accounts, keeping the tree.

    Components are cleaned one level at a time; siblings that clean to the same name get -2, -3, ...
    in the sorted order of our paths, so the same accounts always get the same names.
    """
    mapped: dict[str, str] = {}
    used: set[str] = set()
    wanted = sorted(set(paths))
    for path in wanted:
        parts = path.split(":")
        for depth in range(1, len(parts) + 1):
            ours = ":".join(parts[:depth])
            if ours in mapped:
                continue
            if depth == 1:
                mapped[ours] = BEANCOUNT_ROOTS[parts[0]]
                continue
            base = f"{mapped[':'.join(parts[: depth - 1])]}:{beancount_component(parts[depth - 1])}"
            name, copy = base, 1
            while name in used:
                copy += 1
                name = f"{base}-{copy}"
            used.add(name)
            mapped[ours] = name
    return {path: mapped[path] for path in wanted}


def _string(text: str) -> str:
    return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _tag(reference: str) -> str:
    return "#" + (re.sub(r"[^A-Za-z0-9\-_/.]+", "-", reference).strip("-") or "decision")


def _amount(pence: int) -> str:
    return f"{Money(pence).plain()} GBP"


def beancount_ledger(fund: FundLedger) -> Iterator[str]:
    """The fund as a Beancount file, in chunks: the header and opens, one per transaction, the assertions.

    So a caller can show progress: there are len(fund.transactions) + 2 chunks.
    """
    names = beancount_account_names(account.path for account in fund.accounts)
    by_id = {account.id: account for account in fund.accounts}
    first_day = min([fund.first_year.starts, *(entry.date for entry in fund.transactions)])
    header = [
        f"; {fund.name} ({fund.code}), {fund.years_label}, held by {fund.holder_name}.",
        "; Exported from the wholeplace fund ledger; each transaction cites the decision that authorised it.",
        f"option {_string('title')} {_string(f'{fund.name} ({fund.code})')}",
        'option "operating_currency" "GBP"',
        "",
        f"{first_day} commodity GBP",
        "",
    ]
    for account in sorted(fund.accounts, key=lambda a: names[a.path]):
        header.append(f"{first_day} open {names[account.path]} GBP")
        header.append(f"  wholeplace_path: {_string(account.path)}")
        if account.organisation_identifier:
            header.append(f"  organisation: {_string(account.organisation_identifier)}")
    yield "\n".join(header) + "\n"
    for entry in fund.transactions:
        lines = [
            "",
            f"{entry.date} * {_string(entry.description)} {_tag(entry.decision_reference)}",
            f"  decision: {_string(entry.decision_reference)}",
            f"  wholeplace_transaction: {entry.id}",
        ]
        if entry.reverses_id is not None:
            lines.append(f"  reverses: {entry.reverses_id}")
        for posting in entry.postings:
            lines.append(f"  {names[by_id[posting.account_id].path]}  {_amount(posting.pence)}")
            lines.append(f"    financial_year: {_string(str(FinancialYear(posting.year)))}")
        yield "\n".join(lines) + "\n"
    yield _beancount_assertions(fund, names, by_id)


def _beancount_assertions(fund: FundLedger, names: dict[str, str], by_id: dict[int, AccountRecord]) -> str:
    """Our assertions hold at the end of a day, Beancount's at its start: so the day after.

    Beancount's balance also counts sub-accounts, so an assertion on an account with children
    (a theme with projects) is written as a comment only.
    """
    parents = {name.rsplit(":", 1)[0] for name in names.values()}
    lines = [""] if fund.assertions else []
    for assertion in fund.assertions:
        account = names[by_id[assertion.account_id].path]
        directive = f"{assertion.date + dt.timedelta(days=1)} balance {account}  {_amount(assertion.pence)}"
        lines.append(f"; {directive}  (also counts sub-accounts in Beancount)" if account in parents else directive)
    return "\n".join(lines) + ("\n" if lines else "")


# ---------------------------------------------------------------------------------------------
# Excel: the fund statement as a workbook with live totals


def _sheet_header(sheet: Any, title: str, fund: Fund, statement: FundStatement) -> int:
    """Fund, years, as-at date and the source of the figures; returns the next free row."""
    put(sheet, 1, 1, f"{fund.name} ({fund.code}): {title}", font=TITLE)
    put(sheet, 2, 1, f"Financial years {fund.years_label}, held by {fund.holder.name}")
    put(sheet, 3, 1, f"As at the end of {statement.as_at:%d %B %Y}")
    put(
        sheet,
        4,
        1,
        "Source: the wholeplace fund ledger; every figure is a sum of postings dated on or before the "
        "as-at date, and every posting cites the approved decision that authorised it.",
    )
    return 6


def _table(sheet: Any, row: int, titles: Sequence[str], widths: Sequence[int]) -> int:
    headings(sheet, row, titles, widths)
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)
    return row + 1


def statement_workbook(fund: Fund, statement: FundStatement) -> Workbook:
    """Contributions, allocations by theme and project, and a summary whose totals are live formulas."""
    workbook = Workbook()
    contributions = workbook.active
    contributions.title = "Contributions"
    first = row = _table(
        contributions,
        _sheet_header(contributions, "contributions", fund, statement),
        ("Partner", "Contributed"),
        (48, 18),
    )
    for partner, amount in statement.contributed_by_partner:
        put(contributions, row, 1, partner)
        money(contributions, row, 2, amount)
        row += 1
    row = total_row(row, first)
    put(contributions, row, 1, "Total", font=BOLD)
    money(contributions, row, 2, Formula(f"=SUM(B{first}:B{row - 1})"))
    contributed_total = f"Contributions!B{row}"

    allocations = workbook.create_sheet("Allocations")
    titles = ("Theme", "Project", "Allocated", "Spent", "Returned", "Remaining")
    first = row = _table(
        allocations, _sheet_header(allocations, "allocations", fund, statement), titles, (36, 40, 16, 16, 16, 16)
    )
    for line in statement.lines:
        put(allocations, row, 1, line.theme)
        put(allocations, row, 2, line.project or "")
        for column, amount in ((3, line.allocated), (4, line.spent), (5, line.returned)):
            money(allocations, row, column, amount)
        money(allocations, row, 6, Formula(f"=C{row}-D{row}-E{row}"))
        row += 1
    row = total_row(row, first)
    put(allocations, row, 1, "Total", font=BOLD)
    for column in range(3, 7):
        letter = get_column_letter(column)
        money(allocations, row, column, Formula(f"=SUM({letter}{first}:{letter}{row - 1})"))
    allocated_total = f"Allocations!C{row}"

    summary = workbook.create_sheet("Summary")
    row = _table(summary, _sheet_header(summary, "summary", fund, statement), ("Figure", "Amount"), (48, 18))
    put(summary, row, 1, "Contributed")
    money(summary, row, 2, Formula(f"={contributed_total}"))
    put(summary, row + 1, 1, "Allocated to themes and projects")
    money(summary, row + 1, 2, Formula(f"={allocated_total}"))
    row += 2
    first = row
    for year, amount in statement.unallocated_by_year:
        put(summary, row, 1, f"Unallocated, {year}")
        money(summary, row, 2, amount)
        row += 1
    row = total_row(row, first)
    put(summary, row, 1, "Unallocated", font=BOLD)
    money(summary, row, 2, Formula(f"=SUM(B{first}:B{row - 1})"))
    put(summary, row + 1, 1, "Difference (contributed less allocated less unallocated)")
    money(summary, row + 1, 2, Formula(f"=B{first - 2}-B{first - 1}-B{row}"))
    return workbook


# ---------------------------------------------------------------------------------------------
# PDF: a decision report laid out like the published papers (seed 000, PCC/038/13)

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class ReportLine:
    number: str
    text: str
    source: str
    target: str
    years: str
    amount: Money


def _report_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["long_date"] = lambda day: f"{day.day} {day:%B %Y}" if day else ""
    return environment


def decision_report_html(decision: Decision, *, classification: str = "Not Protectively Marked") -> str:
    """The decision's report as HTML: purpose, recommendations with amounts, finance, decision, publication."""
    lines = [
        ReportLine(
            item.number,
            item.text,
            item.from_account.path,
            item.to_account.path,
            str(FinancialYear(item.from_year))
            if item.from_year == item.to_year
            else f"{FinancialYear(item.from_year)} to {FinancialYear(item.to_year)}",
            Money(item.amount_pence),
        )
        for item in decision.recommendations
    ]
    into_pool = Money.total(line.amount for line in lines if line.target == UNALLOCATED_PATH)
    from_pool = Money.total(
        line.amount for line in lines if line.source == UNALLOCATED_PATH and line.target.startswith("Themes:")
    )
    return (
        _report_environment()
        .get_template("reports/decision_report.html")
        .render(
            decision=decision,
            classification=classification,
            lines=lines,
            into_pool=into_pool,
            from_pool=from_pool,
            stated_total=Money(decision.stated_total_pence) if decision.stated_total_pence is not None else None,
            checks=decisions.figure_checks(decision),
            approved=decision.status is DecisionStatus.APPROVED,
            rejected=decision.status is DecisionStatus.REJECTED,
        )
    )


def decision_report_pdf(html: str) -> bytes:
    """The report as PDF. Only data: URLs may be fetched, so a report never reaches the network."""
    from weasyprint import HTML  # imported here: WeasyPrint loads its fonts and libraries on import
    from weasyprint.urls import URLFetcher

    return HTML(string=html, base_url=str(TEMPLATES), url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
