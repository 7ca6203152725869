"""The re-profiling form: move an amount of a fund's allocation to another year or account, as a draft decision.

Parsing only: `ReprofileForm.draft` gives the `DecisionIn` that `service.draft_decision` records, or every
problem with the field it belongs to. The pages are in `fund_pages.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wholeplace.decisions.service import DecisionIn, RecommendationIn
from wholeplace.money import FinancialYear, FinancialYearError, Money, MoneyError
from wholeplace.problems import InvalidInput, Problem

# Where the draft decision service names a problem, and the re-profiling form field it belongs to.
REPROFILE_FIELDS = {
    "recommendations": "amount",
    "recommendations[1].amount": "amount",
    "recommendations[1].from_year": "from_year",
    "recommendations[1].to_year": "to_year",
    "recommendations[1].to_account": "to_account",
    "recommendations[1].from_account": "from_account",
    "recommendations[1].account": "from_account",
    "reference": "reference",
    "title": "title",
}
SAME_ACCOUNT = "same"


@dataclass(frozen=True)
class ReprofileForm:
    """What the re-profiling form asks for: move an amount of an allocation to another year or account."""

    from_account: str
    from_year: str
    to_account: str
    to_year: str
    amount: str
    reference: str
    title: str
    decision_maker: str
    reason: str

    @classmethod
    def of(cls, values: Mapping[str, object]) -> ReprofileForm:
        fields = cls.__dataclass_fields__
        return cls(**{name: str(values.get(name, "") or "").strip() for name in fields})

    def draft(
        self, *, accounts: Sequence[str], years: Sequence[FinancialYear], today: dt.date, author: str
    ) -> DecisionIn:
        """The draft decision this form describes; InvalidInput naming every field that is wrong."""
        problems: list[Problem] = []
        if self.from_account not in accounts:
            problems.append(Problem("from_account", "Select the theme or project to move money from"))
        target = self.from_account if self.to_account in ("", SAME_ACCOUNT) else self.to_account
        if self.to_account not in ("", SAME_ACCOUNT) and self.to_account not in accounts:
            problems.append(Problem("to_account", "Select the theme or project to move money to"))
        from_year = _year(self.from_year, "from_year", "Select the year to move money from", years, problems)
        to_year = _year(self.to_year, "to_year", "Select the year to move money to", years, problems)
        amount = _amount(self.amount, problems)
        if not self.reference:
            problems.append(Problem("reference", "Enter the decision's reference, like PCC/052/13"))
        if not self.title:
            problems.append(Problem("title", "Enter a title"))
        if not self.decision_maker:
            problems.append(Problem("decision_maker", "Enter who decides, like Police and Crime Commissioner"))
        if not self.reason:
            problems.append(Problem("reason", "Enter the reason for re-profiling"))
        if problems or amount is None or from_year is None or to_year is None:
            raise InvalidInput(problems)
        if target == self.from_account:
            text = f"Move {amount} of {_name(target)} from {from_year} to {to_year}"
        else:
            text = f"Move {amount} from {_name(self.from_account)} in {from_year} to {_name(target)} in {to_year}"
        return DecisionIn(
            reference=self.reference,
            title=self.title,
            report_date=today,
            author=author,
            decision_maker=self.decision_maker,
            purpose=self.reason,
            recommendations=[RecommendationIn("1", text, amount, self.from_account, target, from_year, to_year)],
        )


def _name(account: str) -> str:
    return account.removeprefix("Themes:").replace(":", ": ")


def _year(
    text: str, field: str, message: str, years: Sequence[FinancialYear], problems: list[Problem]
) -> FinancialYear | None:
    try:
        year = FinancialYear.parse(text)
    except FinancialYearError:
        problems.append(Problem(field, message))
        return None
    if year not in years:
        problems.append(Problem(field, message))
        return None
    return year


def _amount(text: str, problems: list[Problem]) -> Money | None:
    if not text:
        problems.append(Problem("amount", "Enter an amount"))
        return None
    try:
        amount = Money.parse(text)
    except MoneyError as error:
        problems.append(Problem("amount", str(error)))
        return None
    if amount.pence < 1:
        problems.append(Problem("amount", "Amount must be £0.01 or more"))
        return None
    return amount
