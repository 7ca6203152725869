"""360Giving: one grant per allocation from the pool, in the standard's package shape (JSON) or its columns (CSV).

Field mappings and their sources: docs/funds-exports.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wholeplace.files.csv_writer import CsvValue, csv_dicts
from wholeplace.funds.exports.records import FundLedger
from wholeplace.funds.model import UNALLOCATED_PATH, AccountKind
from wholeplace.money import FinancialYear, Money

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


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
