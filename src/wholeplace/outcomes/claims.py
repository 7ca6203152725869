"""Payment by results: which outcomes a scheme pays for in a claim period, line by line, each traceable to
its evidence. Pure: no database, no clock.

The rules are of the kind the national families programme used (docs/outcomes.md):
- an attachment fee, where the scheme has one, is paid once per unit (family or person) once attached;
- an outcome counts only once it has held for the scheme's holding period after it was achieved, judged at
  the end of the claim period;
- a relapse of any member of the unit within that holding period withdraws the unit's claim for it;
- evidence a spot check found wanting is never paid on again (new evidence may be);
- a unit is paid once per outcome, over every claim ever made, and only for outcomes achieved once it joined
  the scheme (when its first member was attached);
- a unit's payments never pass the cap per case, nor the scheme's payments its cap: a line that would is cut
  to what is left, and one with nothing left is capped at nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from wholeplace.money import Money, apportion

ATTACHMENT = "attachment"


class LineStatus(StrEnum):
    PAYABLE = "payable"
    CAPPED = "capped"  # cut by a cap; `amount` is what is left to pay
    WITHDRAWN = "withdrawn"  # a relapse within the holding period
    NOT_YET = "not_yet"  # achieved, but not held long enough by the end of the period
    ALREADY_PAID = "already_paid"
    NOT_ELIGIBLE = "not_eligible"  # before the unit joined, or an outcome the scheme does not pay for
    REVERSED = "reversed"  # a spot check failed


PAYING = (LineStatus.PAYABLE, LineStatus.CAPPED)


@dataclass(frozen=True)
class Rules:
    tariffs: Mapping[str, Money] = field(hash=False)  # outcome code -> what one achieved outcome pays
    attachment_fee: Money | None = None
    cap_per_unit: Money | None = None
    cap_scheme: Money | None = None
    holding_months: int = 6


@dataclass(frozen=True)
class Member:
    unit: str  # the family (or the person, in a scheme that pays per person)
    person: str
    attached_on: dt.date


@dataclass(frozen=True)
class Evidence:
    id: int
    unit: str
    outcome: str
    achieved_on: dt.date
    source: str  # "case 2013-0042 closed", "measurement: NEET, Tendring, Jul 2013"


@dataclass(frozen=True)
class Relapse:
    id: int
    unit: str
    person: str
    occurred_on: dt.date
    what: str


@dataclass(frozen=True)
class Paid:
    """What earlier claims already paid: the (unit, outcome) pairs, and the money by unit and in all; and the
    evidence a spot check found wanting (unit, outcome, evidence id; None for an attachment), never paid on."""

    outcomes: frozenset[tuple[str, str]] = frozenset()
    by_unit: Mapping[str, Money] = field(default_factory=dict, hash=False)
    total: Money = field(default_factory=lambda: Money(0))
    failed: frozenset[tuple[str, str, int | None]] = frozenset()


@dataclass(frozen=True)
class Line:
    unit: str
    outcome: str  # an outcome code, or ATTACHMENT
    tariff: Money
    amount: Money  # what this claim pays for the line: 0 unless payable or capped
    status: LineStatus
    reason: str
    evidence_id: int | None = None  # None for an attachment fee
    relapse_id: int | None = None


@dataclass(frozen=True)
class Claim:
    period_end: dt.date
    lines: tuple[Line, ...]

    @property
    def total(self) -> Money:
        return Money.total(line.amount for line in self.lines if line.status in PAYING)


def holds_until(achieved_on: dt.date, months: int) -> dt.date:
    """The day an outcome has held for the holding period (six months from 15 August is 15 February; from
    31 August, the last day of February)."""
    index = achieved_on.year * 12 + achieved_on.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(achieved_on.day, calendar.monthrange(year, month + 1)[1]))


def compute_claim(
    rules: Rules,
    *,
    period_end: dt.date,
    members: Sequence[Member],
    evidence: Iterable[Evidence],
    relapses: Iterable[Relapse],
    paid: Paid = Paid(),
) -> Claim:
    """Every line a claim for the period to `period_end` holds, in a fixed order, caps applied in that order."""
    attached: dict[str, dt.date] = {}
    for member in members:  # a unit joins when its first member does
        attached[member.unit] = min(member.attached_on, attached.get(member.unit, member.attached_on))
    relapses_by_unit: dict[str, list[Relapse]] = {}
    for relapse in sorted(relapses, key=lambda r: (r.occurred_on, r.id)):
        relapses_by_unit.setdefault(relapse.unit, []).append(relapse)
    candidates: list[Line] = []
    for unit, on in sorted(attached.items()):
        if rules.attachment_fee is not None and on <= period_end:
            candidates.append(_attachment(unit, on, rules.attachment_fee, paid))
    for item in sorted(evidence, key=lambda e: (e.unit, e.achieved_on, e.outcome, e.id)):
        if item.unit in attached and attached[item.unit] <= period_end and item.achieved_on <= period_end:
            candidates.append(
                _outcome(item, rules, period_end, attached[item.unit], relapses_by_unit.get(item.unit, []), paid)
            )
    return Claim(period_end, tuple(_apply_caps(candidates, rules, paid)))


def _attachment(unit: str, on: dt.date, fee: Money, paid: Paid) -> Line:
    if (unit, ATTACHMENT, None) in paid.failed:
        return Line(unit, ATTACHMENT, fee, Money(0), LineStatus.NOT_ELIGIBLE, "A spot check found no attachment")
    if (unit, ATTACHMENT) in paid.outcomes:
        return Line(unit, ATTACHMENT, fee, Money(0), LineStatus.ALREADY_PAID, "Attachment fee paid in an earlier claim")
    return Line(unit, ATTACHMENT, fee, fee, LineStatus.PAYABLE, f"Attached on {on:%d %B %Y}")


def _outcome(
    item: Evidence, rules: Rules, period_end: dt.date, attached_on: dt.date, relapses: Sequence[Relapse], paid: Paid
) -> Line:
    tariff = rules.tariffs.get(item.outcome, Money(0))
    held = holds_until(item.achieved_on, rules.holding_months)

    def line(status: LineStatus, reason: str, relapse: Relapse | None = None) -> Line:
        amount = tariff if status is LineStatus.PAYABLE else Money(0)
        return Line(item.unit, item.outcome, tariff, amount, status, reason, item.id, relapse.id if relapse else None)

    if item.outcome not in rules.tariffs:
        return line(LineStatus.NOT_ELIGIBLE, f"The scheme does not pay for '{item.outcome}'")
    if (item.unit, item.outcome, item.id) in paid.failed:
        return line(LineStatus.NOT_ELIGIBLE, "A spot check of an earlier claim found this evidence wanting")
    if item.achieved_on < attached_on:
        return line(LineStatus.NOT_ELIGIBLE, f"Achieved before the {attached_on:%d %B %Y} attachment")
    if (item.unit, item.outcome) in paid.outcomes:
        return line(LineStatus.ALREADY_PAID, "Paid in an earlier claim: a unit is paid once per outcome")
    for relapse in relapses:
        if item.achieved_on < relapse.occurred_on <= held:
            return line(
                LineStatus.WITHDRAWN,
                f"{relapse.what} on {relapse.occurred_on:%d %B %Y}, within {rules.holding_months} months "
                f"of the outcome on {item.achieved_on:%d %B %Y}",
                relapse,
            )
    if held > period_end:
        return line(LineStatus.NOT_YET, f"Holds for {rules.holding_months} months on {held:%d %B %Y}")
    return line(LineStatus.PAYABLE, f"Achieved {item.achieved_on:%d %B %Y}, held to {held:%d %B %Y}")


def _apply_caps(candidates: Sequence[Line], rules: Rules, paid: Paid) -> list[Line]:
    """Cut payable lines to the caps, in order; an outcome paid here is not paid twice in the same claim."""
    by_unit = dict(paid.by_unit)
    scheme_total = paid.total
    seen: set[tuple[str, str]] = set()
    lines = []
    for line in candidates:
        if line.status is LineStatus.PAYABLE and (line.unit, line.outcome) in seen:
            line = _with(line, Money(0), LineStatus.ALREADY_PAID, "Paid by an earlier line of this claim")
        if line.status is LineStatus.PAYABLE:
            seen.add((line.unit, line.outcome))
            room = [line.amount]
            if rules.cap_per_unit is not None:
                room.append(rules.cap_per_unit - by_unit.get(line.unit, Money(0)))
            if rules.cap_scheme is not None:
                room.append(rules.cap_scheme - scheme_total)
            allowed = max(min(room, key=lambda m: m.pence), Money(0), key=lambda m: m.pence)
            if allowed != line.amount:
                line = _with(line, allowed, LineStatus.CAPPED, f"Cut from {line.tariff} to {allowed} by a cap")
            by_unit[line.unit] = by_unit.get(line.unit, Money(0)) + line.amount
            scheme_total += line.amount
        lines.append(line)
    return lines


def _with(line: Line, amount: Money, status: LineStatus, reason: str) -> Line:
    return Line(line.unit, line.outcome, line.tariff, amount, status, reason, line.evidence_id, line.relapse_id)


def savings_returned(savings: Mapping[str, Money], rate: Decimal) -> dict[str, Money]:
    """What each partner would return to the place: `rate` (0.5 for half) of the savings the paid outcomes
    bring it, the total rounded half up to the penny and split by each partner's savings so the parts add up.

    Seed 001 asks for a national formula of this shape; the rate is the scheme's setting, not a published
    figure (docs/outcomes.md).
    """
    partners = [partner for partner, amount in savings.items() if amount.pence > 0]
    whole = sum((savings[partner].pounds for partner in partners), Decimal(0)) * rate
    total = Money.from_pounds(whole.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    parts = apportion(total, [savings[partner].pence for partner in partners]) if partners else []
    return dict(zip(partners, parts, strict=True))
