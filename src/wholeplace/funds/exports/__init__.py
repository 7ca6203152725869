"""A fund's ledger in the formats others read: 360Giving grants, a Beancount file, a workbook.

One module per format, each a plain function of the records `records.load_fund_ledger` reads, with no
printing and no clock, so the same ledger always gives the same bytes. The decision report (PDF) is
`decisions.report`. Field and account mappings, with their sources, are in docs/funds-exports.md.
"""

from wholeplace.funds.exports.beancount_file import (
    BEANCOUNT_ROOTS,
    beancount_account_names,
    beancount_component,
    beancount_ledger,
)
from wholeplace.funds.exports.records import (
    AccountRecord,
    AssertionRecord,
    FundLedger,
    PostingRecord,
    TransactionRecord,
    load_fund_ledger,
)
from wholeplace.funds.exports.statement_xlsx import XLSX_MEDIA_TYPE, statement_workbook
from wholeplace.funds.exports.three_sixty_giving import (
    DEFAULT_GRANT_PREFIX,
    GRANT_COLUMNS,
    Grant,
    grants,
    grants_csv,
    grants_json,
    grants_package,
)

__all__ = [
    "BEANCOUNT_ROOTS",
    "DEFAULT_GRANT_PREFIX",
    "GRANT_COLUMNS",
    "XLSX_MEDIA_TYPE",
    "AccountRecord",
    "AssertionRecord",
    "FundLedger",
    "Grant",
    "PostingRecord",
    "TransactionRecord",
    "beancount_account_names",
    "beancount_component",
    "beancount_ledger",
    "grants",
    "grants_csv",
    "grants_json",
    "grants_package",
    "load_fund_ledger",
    "statement_workbook",
]
