"""An agreement's terms read from plain values (a form, a JSON body or a YAML file), every problem named by field.

Pure: no database. Names (fund, decision, partners) stay as given; the service looks them up.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wholeplace.money import FinancialYear, FinancialYearError, Money, MoneyError
from wholeplace.plain_text import clean_name
from wholeplace.problems import Problem
from wholeplace.section75.engine import check_shares, parse_share
from wholeplace.section75.model import UnderspendTreatment

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100  # a year of 14 or 200000 is a typing slip, not an agreement's date
MAX_PARTNERS, MAX_INSTALMENTS = 20, 120
_ISO_DATE = re.compile(r"(?P<year>\d{1,6})-(?P<month>\d{1,2})-(?P<day>\d{1,2})")
_BRITISH_DATE = re.compile(r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{1,6})")
_SCHEDULE_LINE = re.compile(r"^\s*(?P<date>[0-9/-]+)\s*[,;\s]\s*(?P<amount>.+?)\s*$")


@dataclass(frozen=True)
class InstalmentTerms:
    due_on: dt.date
    amount: Money


@dataclass(frozen=True)
class PartnerTerms:
    partner: str  # the organisation's identifier
    overspend_share_bp: int
    underspend_share_bp: int
    instalments: tuple[InstalmentTerms, ...]


@dataclass(frozen=True)
class AgreementTerms:
    reference: str
    title: str
    fund: str  # the fund's code
    decision: str  # the reference of the approved decision entering the agreement
    host: str  # the host partner's identifier
    starts_on: dt.date
    ends_on: dt.date
    signed_on: dt.date
    underspend: UnderspendTreatment
    partners: tuple[PartnerTerms, ...]


def read_date(text: object, where: str, label: str) -> tuple[dt.date | None, list[Problem]]:
    """`2025-04-15` or `15/4/2025`, within this century; anything else a problem naming the field."""
    if isinstance(text, dt.date):
        value: dt.date | None = text
    else:
        cleaned = str(text or "").strip()
        if not cleaned:
            return None, [Problem(where, f"Enter the {label.lower()}, like 2025-04-15")]
        value = None
        match = _ISO_DATE.fullmatch(cleaned) or _BRITISH_DATE.fullmatch(cleaned)
        if match and len(match["year"]) <= 4:
            try:
                value = dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
            except ValueError:
                value = None
        if value is None:
            return None, [Problem(where, f"{label} must be a real date, like 2025-04-15 or 15/4/2025")]
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return None, [Problem(where, f"{label} must be a date from {EARLIEST_YEAR} to {LATEST_YEAR}")]
    return value, []


def read_amount(text: object, where: str) -> tuple[Money | None, list[Problem]]:
    """An amount of £0.01 or more, as people write it."""
    cleaned = str(text if text is not None else "").strip()
    if not cleaned:
        return None, [Problem(where, "Enter an amount, like £787,500")]
    if len(cleaned) > 60:
        return None, [Problem(where, "That is not an amount of money. Write it like £787,500")]
    try:
        amount = Money.parse(cleaned)
    except MoneyError as error:
        return None, [Problem(where, str(error))]
    if amount.pence <= 0:
        return None, [Problem(where, "Amount must be £0.01 or more")]
    return amount, []


def read_schedule_text(text: str, where: str) -> tuple[list[dict[str, str]], list[Problem]]:
    """A schedule typed one instalment a line, `2025-04-15, £787,500`, as the instalments of a body or file."""
    instalments, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _SCHEDULE_LINE.match(line)
        if match is None:
            problems.append(Problem(where, f"Line {number}: write a due date and an amount, like 2025-04-15, £787,500"))
            continue
        instalments.append({"due_on": match["date"], "amount": match["amount"], "line": str(number)})
    return instalments, problems


def _text(values: Mapping[str, object], key: str, label: str, max_length: int) -> tuple[str, list[Problem]]:
    raw = values.get(key)
    text, problems = clean_name(str(raw) if raw is not None else "", where=key, label=label, max_length=max_length)
    if not text and not problems:
        problems = [Problem(key, f"Enter the {label.lower()}")]
    return text, problems


def read_terms(values: Mapping[str, object]) -> tuple[AgreementTerms | None, list[Problem]]:
    """The terms, or None and every problem found: amounts, dates and shares each named by their field."""
    problems: list[Problem] = []
    texts = {}
    for key, label, length in (
        ("reference", "Reference", 60),
        ("title", "Title", 300),
        ("fund", "Fund", 40),
        ("decision", "Decision", 60),
        ("host", "Host partner", 200),
    ):
        texts[key], found = _text(values, key, label, length)
        problems += found
    dates = {}
    for key, label in (("starts_on", "Start date"), ("ends_on", "End date"), ("signed_on", "Date signed")):
        dates[key], found = read_date(values.get(key), key, label)
        problems += found
    if dates["starts_on"] and dates["ends_on"] and dates["ends_on"] < dates["starts_on"]:
        problems.append(Problem("ends_on", "The end date must be after the start date"))
    try:
        underspend = UnderspendTreatment(str(values.get("underspend") or UnderspendTreatment.RETURN.value))
    except ValueError:
        underspend = UnderspendTreatment.RETURN
        problems.append(Problem("underspend", "Choose whether an underspend is returned or carried forward"))
    partners: list[PartnerTerms] = []
    raw_partners = values.get("partners")
    if not isinstance(raw_partners, Sequence) or isinstance(raw_partners, str) or len(raw_partners) < 2:
        problems.append(
            Problem("partners", "Add at least two partners: a section 75 pool has an NHS body and a council")
        )
        raw_partners = raw_partners if isinstance(raw_partners, Sequence) and not isinstance(raw_partners, str) else []
    if len(raw_partners) > MAX_PARTNERS:
        problems.append(Problem("partners", f"An agreement can have at most {MAX_PARTNERS} partners"))
        raw_partners = []
    for position, raw in enumerate(raw_partners, start=1):
        partner, found = _read_partner(raw, f"partners[{position}]")
        problems += found
        if partner is not None:
            partners.append(partner)
    if len(partners) == len(raw_partners) and partners:
        problems += check_shares([p.overspend_share_bp for p in partners], "partners", "overspend")
        problems += check_shares([p.underspend_share_bp for p in partners], "partners", "underspend")
        named = [p.partner for p in partners]
        if len(set(named)) < len(named):
            problems.append(Problem("partners", "Name each partner once"))
        if texts["host"] and texts["host"] not in named:
            problems.append(Problem("host", "The host must be one of the partners"))
    if problems:
        return None, problems
    return (
        AgreementTerms(
            texts["reference"],
            texts["title"],
            texts["fund"],
            texts["decision"],
            texts["host"],
            dates["starts_on"],  # type: ignore[arg-type]
            dates["ends_on"],  # type: ignore[arg-type]
            dates["signed_on"],  # type: ignore[arg-type]
            underspend,
            tuple(partners),
        ),
        [],
    )


def _read_partner(raw: object, where: str) -> tuple[PartnerTerms | None, list[Problem]]:
    if not isinstance(raw, Mapping):
        return None, [Problem(where, "Give each partner as partner, overspend_share, underspend_share, instalments")]
    name, problems = clean_name(
        str(raw.get("partner") or ""), where=f"{where}.partner", label="Partner", max_length=200
    )
    if not name and not problems:
        problems = [Problem(f"{where}.partner", "Choose a partner")]
    shares = {}
    for key in ("overspend_share", "underspend_share"):
        shares[key], found = parse_share(str(raw.get(key) if raw.get(key) is not None else ""), f"{where}.{key}")
        problems += found
    instalments: list[InstalmentTerms] = []
    raw_instalments = raw.get("instalments")
    if not isinstance(raw_instalments, Sequence) or isinstance(raw_instalments, str) or not raw_instalments:
        problems.append(Problem(f"{where}.instalments", "Enter at least one instalment: its due date and amount"))
        raw_instalments = []
    if len(raw_instalments) > MAX_INSTALMENTS:
        problems.append(Problem(f"{where}.instalments", f"A partner can have at most {MAX_INSTALMENTS} instalments"))
        raw_instalments = []
    for number, item in enumerate(raw_instalments, start=1):
        at = f"{where}.instalments[{number}]"
        if not isinstance(item, Mapping):
            problems.append(Problem(at, "Give each instalment as due_on and amount"))
            continue
        prefix = f"Line {item['line']}: " if "line" in item else ""
        due_on, found = read_date(item.get("due_on"), f"{where}.instalments", f"{prefix}Due date")
        amount, amount_found = read_amount(item.get("amount"), f"{where}.instalments")
        problems += found + [Problem(p.where, prefix + p.message) for p in amount_found]
        if due_on is not None and amount is not None:
            instalments.append(InstalmentTerms(due_on, amount))
    if problems:
        return None, problems
    return PartnerTerms(name, shares["overspend_share"], shares["underspend_share"], tuple(instalments)), []  # type: ignore[arg-type]


def read_settlement_inputs(year_text: str, accrued_text: str) -> tuple[FinancialYear | None, Money, list[Problem]]:
    """The year to settle (`2025/26`) and the expenditure not yet paid from the pool (£0.00 or more, default none)."""
    problems = []
    year = None
    try:
        year = FinancialYear.parse(year_text[:20])
    except FinancialYearError as error:
        problems.append(Problem("year", str(error)))
    accrued, text = Money(0), accrued_text.strip()
    if len(text) > 60:
        problems.append(Problem("accrued", "That is not an amount of money. Write it like £212,345.67"))
    elif text:
        try:
            accrued = Money.parse(text)
        except MoneyError as error:
            problems.append(Problem("accrued", str(error)))
        if accrued.pence < 0:
            problems.append(Problem("accrued", "Expenditure not yet paid must be £0.00 or more"))
    return year, accrued, problems
