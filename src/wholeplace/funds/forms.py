"""What the fund forms ask for, read into values the ledger takes: a new fund, a contribution, a spend.

Parsing only, through `web.form_fields.FormReader`: each reader returns the values or raises InvalidInput
naming every field that is wrong. The choices a form offers (partners, decisions, themes and projects) are
passed in by the page, as value -> what it stands for, so a value that was not offered is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wholeplace.funds.contributions import BASIS_LONGEST, BASIS_NEEDED, ContributionKind
from wholeplace.funds.model import Authority
from wholeplace.money import FinancialYear, Money
from wholeplace.plain_text import clean_free_text, clean_name
from wholeplace.problems import InvalidInput, Problem
from wholeplace.web.form_fields import FormReader

FUND_FIELDS = ("code", "name", "first_year", "last_year", "holder")
CONTRIBUTION_FIELDS = ("partner", "amount", "year", "kind", "basis", "decision")
SPEND_FIELDS = ("project", "amount", "year", "description", "payee", "decision", "kind")
DATE_PARTS = ("day", "month", "year")
DESCRIPTION_LONGEST = 300
PAYEE_LONGEST = 90
# The spend form's decision choice that means "the decision that allocated the money to this project".
ALLOCATING_DECISION = "allocating"


def typed(form: Mapping[str, object], fields: Sequence[str], dates: Sequence[str] = ()) -> dict[str, str]:
    """What was typed into each field (and each date's three boxes), to show the form again."""
    reader = FormReader(form)
    boxes = [f"{date}-{part}" for date in dates for part in DATE_PARTS]
    return reader.typed(*fields, *boxes)


@dataclass(frozen=True)
class NewFund:
    code: str
    name: str
    first_year: FinancialYear
    last_year: FinancialYear
    holder_identifier: str


def read_new_fund(form: Mapping[str, object], *, holders: Mapping[str, str]) -> NewFund:
    """A new fund's code, name, years and holder (by identifier, from `holders`: identifier -> name)."""
    reader = FormReader(form)
    code = reader.name("code", label="Code", max_length=40)
    name = reader.name("name", label="Name", max_length=200)
    first_year = reader.budget_year("first_year", label="First financial year")
    last_year = reader.budget_year("last_year", label="Last financial year")
    holder = reader.raw("holder")
    if holder not in holders:
        reader.refuse("holder", "Select the partner that holds the fund")
    if first_year and last_year and last_year < first_year:
        reader.refuse("last_year", "The last year must be the same as or after the first year")
    if reader.problems or first_year is None or last_year is None:
        raise InvalidInput(reader.problems)
    return NewFund(code, name, first_year, last_year, holder)


@dataclass(frozen=True)
class Contribution:
    partner_identifier: str
    amount: Money
    year: FinancialYear
    received_on: dt.date
    kind: ContributionKind
    basis: str
    decision: Authority


def read_contribution(
    form: Mapping[str, object],
    *,
    partners: Mapping[str, str],
    years: Sequence[FinancialYear],
    decisions: Mapping[str, Authority],
) -> Contribution:
    """A contribution: partner, amount, year, date received, cash or in kind (with its basis), decision."""
    reader = FormReader(form)
    partner = reader.raw("partner")
    if partner not in partners:
        reader.refuse("partner", "Select the partner that contributed")
    amount = reader.amount("amount")
    year = reader.budget_year("year", within=years)
    received_on = reader.date("received_on", label="Date received")
    kind = reader.choice("kind", {kind.value: kind for kind in ContributionKind}, message="Select cash or in kind")
    basis = reader.free_text("basis", label="Basis of valuation", max_length=BASIS_LONGEST)
    if kind is ContributionKind.IN_KIND and not basis and "basis" not in {p.where for p in reader.problems}:
        reader.refuse("basis", BASIS_NEEDED)
    decision = reader.choice("decision", decisions, message="Select the approved decision it is received under")
    if reader.problems or not (amount and year and received_on and kind and decision):
        raise InvalidInput(reader.problems)
    return Contribution(partner, amount, year, received_on, kind, basis, decision)


@dataclass(frozen=True)
class Spend:
    project: str  # the account path, "Themes:Reducing Re-offending:Link Workers"
    amount: Money
    year: FinancialYear
    date: dt.date
    description: str
    returned: bool
    decision_choice: str  # ALLOCATING_DECISION or the id of the decision picked


def read_spend(
    form: Mapping[str, object],
    *,
    projects: Mapping[str, str],
    years: Sequence[FinancialYear],
    decision_ids: Sequence[str],
) -> Spend:
    """A spend (or underspend given back) from a theme or project: amount, year, date, what and to whom."""
    reader = FormReader(form)
    project = reader.raw("project")
    if project not in projects:
        reader.refuse("project", "Select the theme or project the money is spent from")
    amount = reader.amount("amount")
    year = reader.budget_year("year", within=years)
    date = reader.date("date", label="Date")
    returned = reader.choice(
        "kind", {"spend": False, "return": True}, message="Select spend, or return underspend to the pool"
    )
    text, problems = spend_text(reader.raw("description"), reader.raw("payee"), returned=returned is True)
    reader.problems += problems
    decision = reader.raw("decision") or ALLOCATING_DECISION
    if decision != ALLOCATING_DECISION and decision not in decision_ids:
        reader.refuse("decision", "Select the approved decision the money is spent under")
    if reader.problems or not (amount and year and date) or returned is None:
        raise InvalidInput(reader.problems)
    return Spend(project, amount, year, date, text, returned, decision)


def spend_text(description: str, payee: str, *, returned: bool) -> tuple[str, list[Problem]]:
    """The ledger's one-line description of a spend, "Analyst salary, Q1 (paid to Essex Police)", and its problems.

    A spend names who was paid; underspend given back to the pool has no payee.
    """
    text, problems = clean_free_text(
        description, where="description", label="Description", max_length=DESCRIPTION_LONGEST
    )
    if not text and not problems:
        problems.append(Problem("description", "Enter a description of what the money was spent on"))
    if returned:
        return " ".join(text.split()), problems
    paid_to, payee_problems = clean_name(payee, where="payee", label="Supplier or payee", max_length=PAYEE_LONGEST)
    return " ".join(f"{text} (paid to {paid_to})".split()), problems + payee_problems
