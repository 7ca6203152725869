"""The form that drafts any decision in the browser: the report's fields and its recommendations, row by row.

Parsing only: `DraftForm.draft` gives the `DecisionIn` that `service.draft_decision` checks and records, or every
problem with the form field it belongs to. Accounts are picked by name (a partner's contribution, the pool, a theme
or project of the fund) or typed as a new theme or project; their paths never show. The pages are in
`drafting_pages.py`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wholeplace.auth.model import Role
from wholeplace.decisions.engine import account_name
from wholeplace.decisions.service import DecisionIn, RecommendationIn
from wholeplace.funds.model import UNALLOCATED_PATH
from wholeplace.money import FinancialYear, FinancialYearError, Money, MoneyError
from wholeplace.problems import InvalidInput, Problem

NEW_ACCOUNT = "new"  # the choice that takes a theme or project typed by name
ROW_FIELDS = ("number", "text", "amount", "from", "from_new", "from_year", "to", "to_new", "to_year")
DATE_PARTS = ("day", "month", "year")
MOST_ROWS = 50
LONGEST_NAME = 150  # a theme or a project typed new: both fit the ledger's 400-character account path
REPORT_FIELDS = (
    "fund_id",
    "reference",
    "title",
    "author",
    "decision_maker",
    "decision_maker_partner_id",
    "decision_maker_role",
    "purpose",
    "financial_implications",
    "publish",
    "non_publication_reason",
)


@dataclass(frozen=True)
class AccountChoice:
    value: str  # the path, sent by the form and never shown
    text: str


def account_choices(partners: Sequence[str], accounts: Sequence[str]) -> list[AccountChoice]:
    """What money can move from or to, by name: partners' contributions, the pool, the fund's themes and projects."""
    choices = [AccountChoice(f"Contributions:{name}", f"{name}'s contribution") for name in partners]
    choices.append(AccountChoice(UNALLOCATED_PATH, "The unallocated pool"))
    choices += [AccountChoice(path, account_name(path)) for path in sorted(accounts) if path.startswith("Themes:")]
    return choices


@dataclass(frozen=True)
class RowValues:
    """One recommendation row as typed, with its row number on the form."""

    row: int
    values: dict[str, str]

    @property
    def empty(self) -> bool:
        return not any(self.values.values())

    def field(self, name: str) -> str:
        return f"rec-{self.row}-{name}"


@dataclass(frozen=True)
class DraftForm:
    """Everything the draft decision form sent, as typed, so a refused form shows it again."""

    values: dict[str, str]
    rows: list[RowValues]

    @classmethod
    def of(cls, form: Mapping[str, object], *, blank_rows: int = 1) -> DraftForm:
        def text(name: str) -> str:
            return str(form.get(name, "") or "").strip()

        values = {name: text(name) for name in REPORT_FIELDS}
        values.update({f"report_date-{part}": text(f"report_date-{part}") for part in DATE_PARTS})
        rows = []
        for row in range(1, MOST_ROWS + 1):
            names = [*ROW_FIELDS, *(f"effective-{part}" for part in DATE_PARTS)]
            typed = RowValues(row, {name: text(f"rec-{row}-{name}") for name in names})
            if not typed.empty:
                rows.append(typed)
        filled = len(rows)
        rows += [
            RowValues(row, {name: "" for name in ROW_FIELDS})
            for row in range(filled + 1, min(filled + blank_rows, MOST_ROWS) + 1)
        ]
        return cls(values, [RowValues(n, r.values) for n, r in enumerate(rows, start=1)])

    def draft(self, *, fund_years: Sequence[FinancialYear]) -> DecisionIn:
        """The draft this form describes; InvalidInput naming every field that is wrong."""
        problems: list[Problem] = []
        report_date = _date(self.values, "report_date", "The date of the report", problems)
        if self.values["fund_id"] == "":
            problems.append(Problem("fund_id", "Select the fund"))
        if not self.values["decision_maker"]:
            problems.append(
                Problem("decision_maker", "Enter the office it is put to, like Police and Crime Commissioner")
            )
        partner_id = _whole_number(self.values["decision_maker_partner_id"])
        if partner_id is None:
            problems.append(Problem("decision_maker_partner_id", "Select the partner whose decision it is"))
        try:
            role = Role(self.values["decision_maker_role"] or Role.DECISION_MAKER.value)
        except ValueError:
            role = Role.DECISION_MAKER
            problems.append(Problem("decision_maker_role", "Select the role that decides it"))
        if self.values["publish"] not in ("yes", "no"):
            problems.append(Problem("publish", "Say whether the report is for publication"))
        filled = [row for row in self.rows if not row.empty]  # none: the service asks for a purpose instead
        recommendations = [_recommendation(row, fund_years, problems) for row in filled]
        if problems:
            raise InvalidInput(problems)
        assert report_date is not None
        return DecisionIn(
            reference=self.values["reference"],
            title=self.values["title"],
            report_date=report_date,
            author=self.values["author"],
            decision_maker=self.values["decision_maker"],
            decision_maker_partner_id=partner_id,
            decision_maker_role=role,
            purpose=self.values["purpose"],
            financial_implications=self.values["financial_implications"],
            publish=self.values["publish"] == "yes",
            non_publication_reason=self.values["non_publication_reason"] or None,
            recommendations=[item for item in recommendations if item is not None],
        )

    def field_of(self, where: str) -> str:
        """The form field a service problem names: `recommendations[2].amount` is the second filled row's amount."""
        if match := re.fullmatch(r"recommendations\[(\d+)\]\.(\w+)", where):
            filled = [row for row in self.rows if not row.empty]
            position, name = int(match[1]), match[2]
            if 1 <= position <= len(filled):
                field = {"amount": "amount", "from_account": "from", "to_account": "to"}.get(name, name)
                return filled[position - 1].field(field)
        if where == "recommendations":
            return "rec-1-amount"
        return where


def _whole_number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 10 and int(text) >= 1 else None


def _date(values: Mapping[str, str], name: str, label: str, problems: list[Problem]) -> dt.date | None:
    """A date from three boxes, refused unless it is a real date from 2000 to 2099."""
    day, month, year = (values.get(f"{name}-{part}", "") for part in DATE_PARTS)
    if not (day or month or year):
        problems.append(Problem(name, f"Enter {label.lower()}"))
        return None
    if not (day.isdigit() and month.isdigit() and re.fullmatch(r"20\d\d", year)):
        problems.append(Problem(name, f"{label} must be a real date from 2000 to 2099, like 30 7 2013"))
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        problems.append(Problem(name, f"{label} must be a real date, like 30 7 2013"))
        return None


def _account(row: RowValues, side: str, problems: list[Problem]) -> str | None:
    chosen = row.values[side]
    if not chosen:
        problems.append(Problem(row.field(side), f"Select where the money moves {side}"))
        return None
    if chosen != NEW_ACCOUNT:
        return chosen
    typed = [part.strip() for part in row.values[f"{side}_new"].split(":")]
    if not any(typed) or len(typed) > 2 or not all(typed):
        problems.append(
            Problem(
                row.field(f"{side}_new"), "Enter the new theme, or the theme and project, like Domestic Abuse: MASH"
            )
        )
        return None
    if any(len(part) > LONGEST_NAME for part in typed):
        problems.append(Problem(row.field(f"{side}_new"), f"Names must be {LONGEST_NAME} characters or fewer"))
        return None
    return "Themes:" + ":".join(typed)


def _year(row: RowValues, name: str, problems: list[Problem], years: Sequence[FinancialYear]) -> FinancialYear | None:
    text = row.values[name]
    if not text:
        return None
    try:
        year = FinancialYear.parse(text)
    except FinancialYearError:
        problems.append(Problem(row.field(name), f"Enter a financial year like {years[0] if years else '2013/14'}"))
        return None
    return year


def _recommendation(row: RowValues, years: Sequence[FinancialYear], problems: list[Problem]) -> RecommendationIn | None:
    count = len(problems)
    amount: Money | None = None
    if not row.values["amount"]:
        problems.append(Problem(row.field("amount"), "Enter an amount"))
    else:
        try:
            amount = Money.parse(row.values["amount"])
        except MoneyError as error:
            problems.append(Problem(row.field("amount"), str(error)))
        else:
            if amount.pence < 1:
                problems.append(Problem(row.field("amount"), "Amount must be £0.01 or more"))
    if not row.values["text"]:
        problems.append(Problem(row.field("text"), "Enter what the recommendation does"))
    from_account, to_account = _account(row, "from", problems), _account(row, "to", problems)
    from_year = _year(row, "from_year", problems, years)
    if from_year is None and not row.values["from_year"]:
        problems.append(Problem(row.field("from_year"), "Enter the financial year, like 2013/14"))
    to_year = _year(row, "to_year", problems, years)
    effective = None
    if any(row.values.get(f"effective-{part}") for part in DATE_PARTS):
        effective = _date(
            {f"effective-{part}": row.values.get(f"effective-{part}", "") for part in DATE_PARTS},
            "effective",
            "The date the money moves",
            problems,
        )
        problems[count:] = [
            Problem(row.field("effective"), p.message) if p.where == "effective" else p for p in problems[count:]
        ]
    if len(problems) > count or amount is None or from_account is None or to_account is None or from_year is None:
        return None
    return RecommendationIn(
        number=row.values["number"] or str(row.row),
        text=row.values["text"],
        amount=amount,
        from_account=from_account,
        to_account=to_account,
        from_year=from_year,
        to_year=to_year,
        effective_date=effective,
    )
