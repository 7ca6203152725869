"""Reconciling an allocation plan with a published table: differences, missing recipients, stated totals.

Pure: no database, no clock, no printing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wholeplace.files.tables import read_csv_table
from wholeplace.funds.plan import PlanAllocation, PlanPath
from wholeplace.money import Money, MoneyError
from wholeplace.problems import Problem


@dataclass(frozen=True)
class PublishedLine:
    """One row of a published table: a recipient's amount, or a group's (a total the table states)."""

    recipient: str
    amount: Money
    where: str = ""


@dataclass(frozen=True)
class Difference:
    recipient: str
    published: Money
    computed: Money

    @property
    def difference(self) -> Money:
        """Published minus computed: positive when the published figure is higher."""
        return self.published - self.computed


@dataclass(frozen=True)
class TotalCheck:
    """Published amounts in part of the plan against the total stated for that part."""

    of: str
    published_sum: Money
    stated: Money
    stated_by: str  # "the plan gives it", "the published table states", "you gave"

    @property
    def difference(self) -> Money:
        return self.published_sum - self.stated

    @property
    def agrees(self) -> bool:
        return self.published_sum == self.stated


@dataclass(frozen=True)
class Reconciliation:
    plan: str
    differences: tuple[Difference, ...]
    matching: tuple[str, ...]
    missing_from_published: tuple[str, ...]
    not_in_plan: tuple[str, ...]
    totals: tuple[TotalCheck, ...]

    @property
    def agrees(self) -> bool:
        return not (self.differences or self.missing_from_published or self.not_in_plan) and all(
            check.agrees for check in self.totals
        )


def read_published_table(text: str, filename: str) -> tuple[list[PublishedLine], list[Problem]]:
    """The rows of a `recipient,amount` CSV, or every problem naming file, row (the header is row 1) and column.

    Other columns are ignored, so a table copied from a paper can keep its notes.
    """
    table, problems = read_csv_table(text, filename)
    if problems:
        return [], problems
    problems = table.header_problems(("recipient", "amount"))
    if problems:
        return [], problems
    lines: list[PublishedLine] = []
    first_row_of: dict[str, int] = {}
    for record in table.rows:
        row_number, row, where = record.number, table.values(record), table.where(record.number)
        recipient = " ".join(row.get("recipient", "").split())
        amount_text = row.get("amount", "").strip()
        amount = None
        if not recipient:
            problems.append(Problem(f"{where}, column 'recipient'", "Enter a recipient"))
        elif recipient in first_row_of:
            problems.append(
                Problem(
                    f"{where}, column 'recipient'",
                    f"{recipient} is already on row {first_row_of[recipient]}: list each recipient once",
                )
            )
        else:
            first_row_of[recipient] = row_number
        if not amount_text:
            problems.append(Problem(f"{where}, column 'amount'", "Enter an amount"))
        else:
            try:
                amount = Money.parse(amount_text)
            except MoneyError as error:
                problems.append(Problem(f"{where}, column 'amount'", str(error)))
        if recipient and amount is not None:
            lines.append(PublishedLine(recipient, amount, where))
    if not lines and not problems:
        problems.append(Problem(filename, "The file has no amounts in it"))
    return ([] if problems else lines), problems


def reconcile(
    allocation: PlanAllocation, published: Sequence[PublishedLine], stated_total: Money | None = None
) -> Reconciliation:
    """Published amounts beside computed ones, recipients missing on either side, and the published sums.

    A published row names a recipient or a group (by its name, or its path joined with ' / '). A group
    row is a total the table states: the published rows inside the group are checked against it, and
    the group's recipients count as published. Missing recipients are looked for only inside the
    smallest group holding every published row; that group's amount is also the stated total the
    published rows are added up against, unless `stated_total` is given.
    """
    computed: dict[str, Money] = {}
    recipient_paths: dict[str, list[PlanPath]] = {}
    for line in allocation.allocations:
        computed[line.recipient] = computed.get(line.recipient, Money(0)) + line.amount
        recipient_paths.setdefault(line.recipient, []).append(line.path)
    differences, matching, not_in_plan, homes = [], [], [], []
    places: dict[int, list[PlanPath]] = {}  # where each published row sits in the plan
    group_rows: list[tuple[PublishedLine, PlanPath]] = []
    for row in published:
        if row.recipient in computed:
            amount, places[id(row)] = computed[row.recipient], recipient_paths[row.recipient]
            homes += [path[:-1] for path in places[id(row)]]
        elif (group := _group_named(allocation, row.recipient)) is not None:
            amount, places[id(row)] = allocation.group_amounts[group], [group]
            homes.append(group)
            group_rows.append((row, group))
        else:
            not_in_plan.append(row.recipient)
            continue
        if row.amount == amount:
            matching.append(row.recipient)
        else:
            differences.append(Difference(row.recipient, row.amount, amount))
    groups = [group for _, group in group_rows]
    scope = _common_prefix(homes)
    named = {row.recipient for row in published}
    missing = dict.fromkeys(
        line.recipient
        for line in allocation.allocations
        if line.path[: len(scope)] == scope
        and line.recipient not in named
        and not any(_inside(line.path, group) for group in groups)
    )
    stated = allocation.group_amounts[scope] if stated_total is None else stated_total
    in_scope = _outermost(published, places, groups, scope, include_unplaced=True)
    totals = [
        TotalCheck(
            _label(allocation, scope),
            Money.total(row.amount for row in in_scope),
            stated,
            "the plan gives it" if stated_total is None else "you gave",
        )
    ]
    for group_row, group in group_rows:
        if inside := _outermost(published, places, groups, group, include_unplaced=False):
            total = Money.total(row.amount for row in inside)
            totals.append(TotalCheck(_label(allocation, group), total, group_row.amount, "the published table states"))
    return Reconciliation(
        allocation.name, tuple(differences), tuple(matching), tuple(missing), tuple(not_in_plan), tuple(totals)
    )


def _inside(path: PlanPath, group: PlanPath) -> bool:
    return len(path) > len(group) and path[: len(group)] == group


def _outermost(
    rows: Sequence[PublishedLine],
    places: dict[int, list[PlanPath]],
    groups: Sequence[PlanPath],
    container: PlanPath,
    *,
    include_unplaced: bool,
) -> list[PublishedLine]:
    """Published rows inside `container` that no published group inside it already counts."""
    inner = [group for group in groups if _inside(group, container)]
    found = []
    for row in rows:
        if id(row) not in places:
            if include_unplaced:
                found.append(row)
        elif any(
            _inside(path, container) and not any(_inside(path, group) for group in inner) for path in places[id(row)]
        ):
            found.append(row)
    return found


def _group_named(allocation: PlanAllocation, name: str) -> PlanPath | None:
    if name == allocation.name:
        return ()
    by_path = [path for path in allocation.group_amounts if path and " / ".join(path) == name]
    by_name = [path for path in allocation.group_amounts if path and path[-1] == name]
    found = by_path or by_name
    return found[0] if len(found) == 1 else None


def _common_prefix(paths: Sequence[PlanPath]) -> PlanPath:
    if not paths:
        return ()
    prefix = paths[0]
    for path in paths[1:]:
        length = 0
        while length < min(len(prefix), len(path)) and prefix[length] == path[length]:
            length += 1
        prefix = prefix[:length]
    return prefix


def _label(allocation: PlanAllocation, path: PlanPath) -> str:
    return " / ".join(path) if path else allocation.name


def reconciliation_to_json(reconciliation: Reconciliation) -> dict[str, object]:
    return {
        "plan": reconciliation.plan,
        "agrees": reconciliation.agrees,
        "differences": [
            {
                "recipient": line.recipient,
                "published": line.published.plain(),
                "computed": line.computed.plain(),
                "difference": line.difference.plain(),
            }
            for line in reconciliation.differences
        ],
        "matching": list(reconciliation.matching),
        "missing_from_published": list(reconciliation.missing_from_published),
        "not_in_plan": list(reconciliation.not_in_plan),
        "totals": [
            {
                "of": check.of,
                "published_sum": check.published_sum.plain(),
                "stated": check.stated.plain(),
                "stated_by": check.stated_by,
                "difference": check.difference.plain(),
                "agrees": check.agrees,
            }
            for check in reconciliation.totals
        ],
    }
