"""Beancount: the fund's double entry as a plain text ledger that bean-check accepts, with our balances.

Account mappings and their sources: docs/funds-exports.md.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator

from wholeplace.funds.exports.records import AccountRecord, FundLedger
from wholeplace.money import FinancialYear, Money

# Our roots under Beancount's five: contributions run negative, as Beancount's Income does.
BEANCOUNT_ROOTS = {
    "Contributions": "Income:Contributions",
    "Pool": "Assets:Pool",
    "Themes": "Assets:Themes",
    "Spend": "Expenses:Spend",
    "Returned": "Expenses:Returned",
}


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


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
