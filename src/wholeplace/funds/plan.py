"""Allocation plans: read a plan file and split its total to the penny (reconcile.py compares with a paper).

A plan is a tree. The top level is a group whose amount is the plan's total; each group splits its amount
between its lines: fixed amounts first, then fractions (or percents) of what remains, then weights over
what is left. Every split goes through `money.apportion`, so each group's parts add up to its amount.
Pure: no database, no clock, no printing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wholeplace.files.numbers import decimal_of, reasonable
from wholeplace.files.reader import LineNumberedReader, child
from wholeplace.money import Money, apportion
from wholeplace.problems import InvalidInput, Problem

PLAN_KEYS = ("name", "total", "lines", "weights", "remainder")
RECIPIENT_KEYS = ("recipient", "amount", "fraction", "percent", "weight")
GROUP_KEYS = ("group", "amount", "fraction", "percent", "weight", "lines", "weights", "remainder")
SHARE_KEYS = ("amount", "fraction", "percent", "weight")
UNALLOCATED = "unallocated"

PlanPath = tuple[str, ...]  # group names, then the recipient


# The plan as read


@dataclass(frozen=True)
class PlanLine:
    """A recipient or a group, and how it takes its part: at most one of amount, fraction, percent, weight.

    A line with none of them takes what is left of its group. `where` and `share_where` name the file
    and line, for messages.
    """

    name: str
    amount: Money | None = None
    fraction: Fraction | None = None
    percent: Decimal | None = None
    weight: Fraction | None = None
    group: PlanGroup | None = None
    where: str = ""
    share_where: str = ""

    @property
    def share(self) -> Fraction | None:
        """The part of what remains after the fixed amounts, from a fraction or a percent."""
        if self.fraction is not None:
            return self.fraction
        return None if self.percent is None else Fraction(self.percent) / 100

    @property
    def takes_what_is_left(self) -> bool:
        """Weighted lines and a line with no share at all split what the fixed amounts and fractions leave."""
        return self.amount is None and self.share is None


@dataclass(frozen=True)
class PlanGroup:
    lines: tuple[PlanLine, ...]
    remainder_unallocated: bool = False
    where: str = ""


@dataclass(frozen=True)
class Plan:
    name: str
    total: Money
    group: PlanGroup


# The plan as allocated


@dataclass(frozen=True)
class Allocation:
    """One recipient's amount; `exact_share` is its unrounded share in pence of what its group has."""

    path: PlanPath
    recipient: str
    amount: Money
    exact_share: Fraction


@dataclass(frozen=True)
class PlanAllocation:
    """Allocations plus unallocated add up to the total exactly; `group_amounts[()]` is the total."""

    name: str
    total: Money
    allocations: tuple[Allocation, ...]
    unallocated: Money
    group_amounts: dict[PlanPath, Money] = field(default_factory=dict, hash=False)
    group_unallocated: dict[PlanPath, Money] = field(default_factory=dict, hash=False)


def read_plan(text: str, filename: str) -> tuple[Plan | None, list[Problem]]:
    """The plan in a YAML or JSON file, or every problem with it, each naming file, line and key."""
    reader = _PlanReader(filename)
    plan = reader.read(text)
    if plan is None or reader.problems:
        return None, reader.problems
    _, problems = _split(plan)
    return (None, problems) if problems else (plan, [])


def check_plan(plan: Plan) -> list[Problem]:
    """Every reason the plan cannot be allocated; empty when it can."""
    problems: list[Problem] = []
    _check_groups(plan.group, "the plan", problems)
    if problems:
        return problems
    return _split(plan)[1]


def allocate(plan: Plan) -> PlanAllocation:
    """Split the plan's total between its recipients so every group adds up to the penny."""
    if problems := check_plan(plan):
        raise InvalidInput(problems)
    allocation, _ = _split(plan)
    assert allocation is not None
    return allocation


def to_json(allocation: PlanAllocation) -> dict[str, object]:
    return {
        "name": allocation.name,
        "total": allocation.total.plain(),
        "allocations": [
            {"path": list(line.path), "recipient": line.recipient, "amount": line.amount.plain()}
            for line in allocation.allocations
        ],
        "unallocated": allocation.unallocated.plain(),
    }


# Checks on one group's lines, the same whether the plan came from a file or from code


def _check_groups(group: PlanGroup, label: str, problems: list[Problem]) -> None:
    problems += _group_problems(group, label)
    for line in group.lines:
        if line.group is not None:
            _check_groups(line.group, f"group '{line.name}'", problems)


def _group_problems(group: PlanGroup, label: str) -> list[Problem]:
    """What is wrong with how one group's lines share its amount (not looking inside sub-groups)."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for line in group.lines:
        if line.name in seen:
            problems.append(Problem(line.where, f"'{line.name}' is listed twice in {label}: list each one once"))
        seen.add(line.name)
    weighted = [line for line in group.lines if line.weight is not None]
    plain = [line for line in group.lines if line.takes_what_is_left and line.weight is None]
    if len(plain) > 1:
        problems.append(
            Problem(
                plain[1].where,
                f"Only one line in {label} can take what is left: give '{plain[1].name}' an amount, "
                "a fraction or a weight",
            )
        )
    elif plain and weighted:
        problems.append(
            Problem(
                plain[0].where,
                f"'{plain[0].name}' has no amount, so it takes what is left of {label}, which the lines "
                "with weights share: give it a weight too",
            )
        )
    if weighted and sum(line.weight or 0 for line in weighted) == 0:
        problems.append(Problem(weighted[0].share_where, f"Weights in {label} add up to 0: give one a weight above 0"))
    return problems + _share_problems(group, label, takers=weighted + plain)


def _share_problems(group: PlanGroup, label: str, takers: Sequence[PlanLine]) -> list[Problem]:
    fractions = [line for line in group.lines if line.fraction is not None]
    percents = [line for line in group.lines if line.percent is not None]
    if fractions and percents:
        message = f"{label[0].upper()}{label[1:]} mixes fractions and percents: use one or the other"
        return [Problem(percents[0].share_where, message)]
    if not (fractions or percents):
        return []
    word, whole = ("Fractions", 1) if fractions else ("Percents", 100)
    added: Fraction | Decimal = (
        sum((line.fraction or Fraction(0) for line in fractions), Fraction(0))
        if fractions
        else sum((line.percent or Decimal(0) for line in percents), Decimal(0))
    )
    shown = str(added) if fractions else format(Decimal(added).normalize(), "f")
    first = (fractions or percents)[0].share_where
    start = f"{word} in {label} add up to {shown}"
    if takers and added >= whole:
        taker = "the lines with weights" if takers[0].weight is not None else f"'{takers[0].name}'"
        return [Problem(first, f"{start}, which leaves nothing for {taker}; they must add up to less than {whole}")]
    if not takers and added > whole and group.remainder_unallocated:
        return [Problem(first, f"{start}; they must add up to {whole} or less")]
    if not takers and added != whole and not group.remainder_unallocated:
        return [Problem(first, f"{start}; they must add up to {whole}, or say remainder: unallocated")]
    return []


# Splitting


@dataclass
class _Split:
    allocations: list[Allocation] = field(default_factory=list)
    group_amounts: dict[PlanPath, Money] = field(default_factory=dict)
    group_unallocated: dict[PlanPath, Money] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _split(plan: Plan) -> tuple[PlanAllocation | None, list[Problem]]:
    """Allocate a plan whose groups passed `_group_problems`; amounts over a group's amount are problems."""
    state = _Split()
    _split_group(plan.group, plan.total, (), state)
    if state.problems:
        return None, state.problems
    unallocated = Money.total(state.group_unallocated.values())
    allocation = PlanAllocation(
        plan.name, plan.total, tuple(state.allocations), unallocated, state.group_amounts, state.group_unallocated
    )
    return allocation, []


def _split_group(group: PlanGroup, amount: Money, path: PlanPath, state: _Split) -> None:
    state.group_amounts[path] = amount
    fixed = Money.total(line.amount for line in group.lines if line.amount is not None)
    has = f"the {amount} the group has" if path else f"the {amount} total"
    if fixed > amount:
        state.problems.append(Problem(group.where, f"Fixed amounts add up to {fixed}, more than {has}"))
        return
    rest = amount - fixed
    shared = [line for line in group.lines if line.amount is None]
    weights = _rest_weights(group, shared)
    if sum(weights) == 0 and rest.pence:
        state.problems.append(
            Problem(
                group.where,
                f"Fixed amounts add up to {fixed}, less than {has}: add a line without an amount to take "
                "what is left, or say remainder: unallocated",
            )
        )
        return
    parts = apportion(rest, weights) if sum(weights) else [Money(0)] * len(weights)
    weight_sum = sum(weights) or 1
    by_line = {
        id(line): (part, rest.pence * weight / weight_sum)
        for line, part, weight in zip(shared, parts[:-1], weights[:-1], strict=True)
    }
    if parts[-1].pence and group.remainder_unallocated:
        state.group_unallocated[path] = parts[-1]
    for line in group.lines:
        part, exact = (line.amount, Fraction(line.amount.pence)) if line.amount is not None else by_line[id(line)]
        if line.group is not None:
            _split_group(line.group, part, (*path, line.name), state)
        else:
            state.allocations.append(Allocation((*path, line.name), line.name, part, exact))


def _rest_weights(group: PlanGroup, shared: Sequence[PlanLine]) -> list[Fraction]:
    """Weights for one apportion of what the fixed amounts leave: each fraction, then the lines taking
    what is left in proportion to their weights, and last whatever stays unallocated.

    One apportion, not one per stage, so every part is within 1p of its exact share of the group.
    """
    fractions = sum((line.share or Fraction(0) for line in shared), Fraction(0))
    takers = [line for line in shared if line.takes_what_is_left]
    taker_weight = sum((Fraction(1) if line.weight is None else line.weight for line in takers), Fraction(0))
    weights = []
    for line in shared:
        if line.share is not None:
            weights.append(line.share)
        else:
            weights.append((1 - fractions) * (1 if line.weight is None else line.weight) / taker_weight)
    left = Fraction(0) if takers or not group.remainder_unallocated else max(1 - fractions, Fraction(0))
    return [*weights, left]


# Reading the file


class _PlanReader(LineNumberedReader):
    """Reads an allocation plan's node tree, collecting every problem with its line and key path."""

    example = "recipient: Basildon"

    def read(self, text: str) -> Plan | None:
        root = self.compose(text, when_empty="The plan is empty: give it a name, a total and lines")
        if root is None:
            return None
        entries = self.mapping(root, "", PLAN_KEYS, "A plan")
        if entries is None:
            return None
        name = total = None
        if "name" not in entries:
            self.refuse(root, "name", "Enter the plan's name, like name: Community Safety Fund 2011/12")
        else:
            name = self.text(entries["name"][1], "name", "the plan's name")
        if "total" not in entries:
            self.refuse(root, "total", "Enter the total the plan splits, like total: 1115160.00")
        else:
            total = self.money(entries["total"][1], "total", "the total")
        group = self.group_body(entries, root, "", "the plan")
        if name is None or total is None:
            return None
        return Plan(name, total, group)

    def number(self, node: Node, path: str, kind: str) -> Fraction | Decimal | None:
        """A fraction (exact, from 1/3 or 0.25), a percent (a decimal, 34 or 34%) or a weight (0 or more)."""
        text = self.scalar(node, path, f"a {kind}")
        if text is None:
            return None
        if not reasonable(text):
            self.refuse(node, path, f"'{text}' has too many digits or too large an exponent to use as a {kind}")
            return None
        if kind == "fraction":
            try:
                fraction = Fraction(text)
            except (ValueError, ZeroDivisionError):
                self.refuse(node, path, f"'{text}' is not a fraction. Write it like 1/3 or 0.25")
                return None
            if not 0 <= fraction <= 1:
                self.refuse(node, path, f"A fraction must be between 0 and 1, not {text}")
                return None
            return fraction
        value = decimal_of(text.removesuffix("%")) if kind == "percent" else decimal_of(text, amounts=True)
        if value is None:
            example = "34 or 33.5" if kind == "percent" else "173120"
            self.refuse(node, path, f"'{text}' is not a {kind}. Write it like {example}")
            return None
        if kind == "percent" and not 0 <= value <= 100:
            self.refuse(node, path, f"A percent must be between 0 and 100, not {text}")
            return None
        if value < 0:
            self.refuse(node, path, f"A weight must be 0 or more, not {text}")
            return None
        return value if kind == "percent" else Fraction(value)

    def line(self, node: Node, path: str) -> PlanLine | None:
        """One line of a group; None when the line itself is wrong (its sub-group's problems are only reported)."""
        keys = set()
        if isinstance(node, MappingNode):
            keys = {key.value for key, _ in node.value if isinstance(key, ScalarNode)}
        if "group" in keys and "recipient" in keys:
            self.refuse(node, path, "A line has a recipient or a group, not both")
            return None
        is_group = "group" in keys
        before = len(self.problems)
        if is_group:
            entries = self.mapping(node, path, GROUP_KEYS, "A group line")
        elif "recipient" in keys:
            entries = self.mapping(node, path, RECIPIENT_KEYS, "A recipient line")
        else:
            self.mapping(node, path, tuple(dict.fromkeys(RECIPIENT_KEYS + GROUP_KEYS)), "A line")
            if isinstance(node, MappingNode):
                self.refuse(node, path, "Give the line a recipient (who gets money) or a group (money split further)")
            return None
        if entries is None:
            return None
        name_key = "group" if is_group else "recipient"
        name = self.text(entries[name_key][1], child(path, name_key), f"the {name_key}'s name")
        given = [key for key in SHARE_KEYS if key in entries]
        if len(given) > 1:
            self.refuse(
                entries[given[1]][0],
                child(path, given[1]),
                f"Give a line one of amount, fraction, percent or weight, not {' and '.join(given)}",
            )
        values: dict[str, Any] = {}
        for key in given:
            where = child(path, key)
            if key == "amount":
                values[key] = self.money(entries[key][1], where, "an amount")
            else:
                values[key] = self.number(entries[key][1], where, key)
        share_where = self.where(entries[given[0]][1], child(path, given[0])) if given else self.where(node, path)
        line_is_wrong = len(self.problems) > before
        group = self.group_body(entries, node, path, f"group '{name}'") if is_group else None
        if line_is_wrong or name is None:
            return None
        return PlanLine(name, group=group, where=self.where(node, path), share_where=share_where, **values)

    def group_body(self, entries: dict[str, tuple[Node, Node]], owner: Node, path: str, label: str) -> PlanGroup:
        remainder = entries.get("remainder", (None, None))[1]
        unallocated = isinstance(remainder, ScalarNode) and remainder.value.strip() == UNALLOCATED
        if "lines" in entries and "weights" in entries:
            key_node = entries["weights"][0]
            self.refuse(key_node, child(path, "weights"), f"Give {label} lines or weights, not both")
            group = PlanGroup((), unallocated, self.where(key_node, child(path, "weights")))
        elif "lines" in entries:
            group = self.lines(entries["lines"], child(path, "lines"), label, unallocated)
        elif "weights" in entries:
            group = self.weights(entries["weights"], child(path, "weights"), label, unallocated)
        else:
            message = f"Give {label} lines (recipients and groups) or weights (recipient: weight)"
            self.refuse(owner, path, message)
            group = PlanGroup((), unallocated, self.where(owner, path))
        # Checked last so that problems come out in the order of the file, where remainder usually ends a group.
        if remainder is not None and not unallocated:
            value = self.scalar(remainder, child(path, "remainder"), "what happens to the remainder")
            if value is not None:
                message = f"Write remainder: unallocated, or leave remainder out ('{value}' is not a choice)"
                self.refuse(remainder, child(path, "remainder"), message)
        return group

    def lines(self, entry: tuple[Node, Node], path: str, label: str, unallocated: bool) -> PlanGroup:
        key_node, node = entry
        where = self.where(key_node, path)
        if not isinstance(node, SequenceNode) or not node.value:
            self.refuse(node, path, f"Give {label} a list of lines, each starting with '- '")
            return PlanGroup((), unallocated, where)
        read = [self.line(item, f"{path}[{index}]") for index, item in enumerate(node.value)]
        group = PlanGroup(tuple(line for line in read if line is not None), unallocated, where)
        if None not in read:
            self.problems += _group_problems(group, label)
        return group

    def weights(self, entry: tuple[Node, Node], path: str, label: str, unallocated: bool) -> PlanGroup:
        key_node, node = entry
        where = self.where(key_node, path)
        if not isinstance(node, MappingNode) or not node.value:
            self.refuse(node, path, f"Give {label} weights as recipient: weight, like {{Basildon: 173120}}")
            return PlanGroup((), unallocated, where)
        before = len(self.problems)
        lines: list[PlanLine] = []
        for name_node, value_node in node.value:
            name = self.scalar(name_node, path, "the recipient's name")
            weight_path = child(path, name or "")
            weight = self.number(value_node, weight_path, "weight")
            if name is not None and weight is not None:
                value_where = self.where(value_node, weight_path)
                recipient = " ".join(name.split())
                lines.append(PlanLine(recipient, weight=Fraction(weight), where=value_where, share_where=value_where))
        group = PlanGroup(tuple(lines), unallocated, where)
        if len(self.problems) == before:
            self.problems += _group_problems(group, label)
        return group
