"""Allocation plans: reading a plan file, splitting it to the penny, reconciling with a published table."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import wholeplace
from wholeplace.funds.plan import (
    GROUP_KEYS,
    PLAN_KEYS,
    RECIPIENT_KEYS,
    Plan,
    PlanAllocation,
    PlanGroup,
    PlanLine,
    allocate,
    read_plan,
    to_json,
)
from wholeplace.funds.reconcile import PublishedLine, read_published_table, reconcile, reconciliation_to_json
from wholeplace.money import Money
from wholeplace.problems import InvalidInput, Problem

DEMO = Path(wholeplace.__file__).parent / "demo"
CSP = ("Remainder", "Community Safety Partnerships")

# ABG allocations in 2010/11, the weights of the CSP split (seed 003, section 7).
ABG_2010_11 = {
    "Basildon": 173120,
    "Braintree": 105989,
    "Brentwood": 83326,
    "Castle Point": 87434,
    "Chelmsford": 116104,
    "Colchester": 121372,
    "Epping Forest": 109893,
    "Harlow": 94984,
    "Maldon": 71877,
    "Rochford": 78818,
    "Tendring": 109918,
    "Uttlesford": 74070,
}


def seed_plan() -> Plan:
    plan, problems = read_plan((DEMO / "csf-2011-12.yaml").read_text(encoding="utf-8"), "csf-2011-12.yaml")
    assert problems == []
    assert plan is not None
    return plan


def seed_published() -> list[PublishedLine]:
    text = (DEMO / "csf-2011-12-published.csv").read_text(encoding="utf-8")
    lines, problems = read_published_table(text, "csf-2011-12-published.csv")
    assert problems == []
    return lines


def problems_in(text: str) -> list[Problem]:
    plan, problems = read_plan(text, "plan.yaml")
    assert plan is None, "a plan with problems must not be read"
    assert problems
    return problems


def amounts(allocation: PlanAllocation) -> dict[str, Money]:
    return {line.recipient: line.amount for line in allocation.allocations}


# The seed: Home Office Community Safety Fund 2011/12 in Essex


def test_the_seed_plan_takes_the_fixed_amounts_off_first_and_splits_the_remainder_by_thirds() -> None:
    allocation = allocate(seed_plan())
    got = amounts(allocation)
    assert allocation.total == Money.parse("£1,115,160.00")
    assert got["Young Persons Treatment Budget"] == Money.parse("253093")
    assert got["DAAT partnership grant"] == Money.parse("100207")
    # 1,115,160 - 253,093 - 100,207 = 761,860 left for Safer Essex and the CSPs.
    assert allocation.group_amounts[("Remainder",)] == Money.parse("761860")
    # 1/3 of 76,186,000p is 25,395,333 1/3p and 2/3 is 50,790,666 2/3p: one penny is left over after
    # rounding down, and it goes to the larger remainder (2/3), so the CSPs get the extra penny.
    assert got["Safer Essex"] == Money.parse("253953.33")
    safer_essex = next(line for line in allocation.allocations if line.recipient == "Safer Essex")
    assert safer_essex.exact_share == Fraction(76186000, 3)
    assert allocation.group_amounts[CSP] == Money.parse("507906.67")
    assert allocation.unallocated == Money(0)
    assert Money.total(got.values()) == allocation.total


def test_each_csp_gets_its_pro_rata_share_of_the_group_within_a_penny_and_they_add_up_to_the_group() -> None:
    allocation = allocate(seed_plan())
    csps = [line for line in allocation.allocations if line.path[:-1] == CSP]
    assert [line.recipient for line in csps] == list(ABG_2010_11)
    group = allocation.group_amounts[CSP]
    for line in csps:
        # Basildon: 50,790,667p x 173,120 / 1,226,905 = 7,166,716.47p
        assert line.exact_share == Fraction(group.pence * ABG_2010_11[line.recipient], sum(ABG_2010_11.values()))
        assert abs(line.amount.pence - line.exact_share) < 1
    assert Money.total(line.amount for line in csps) == group
    # Rounded down the twelve shares make 50,790,661p; the 6 pence left go to the six largest remainders
    # (Harlow .86, Uttlesford .81, Chelmsford .78, Rochford .63, Epping Forest .58, Castle Point .56).
    assert {line.recipient: str(line.amount) for line in csps} == {
        "Basildon": "£71,667.16",
        "Braintree": "£43,876.68",
        "Brentwood": "£34,494.79",
        "Castle Point": "£36,195.40",
        "Chelmsford": "£48,064.03",
        "Colchester": "£50,244.84",
        "Epping Forest": "£45,492.84",
        "Harlow": "£39,320.90",
        "Maldon": "£29,755.20",
        "Rochford": "£32,628.60",
        "Tendring": "£45,503.18",
        "Uttlesford": "£30,663.05",
    }


def test_the_seed_allocation_as_json_has_the_agreed_shape() -> None:
    data = to_json(allocate(seed_plan()))
    assert list(data) == ["name", "total", "allocations", "unallocated"]
    assert data["name"] == "Home Office Community Safety Fund 2011/12"
    assert data["total"] == "1115160.00"
    assert data["unallocated"] == "0.00"
    allocations = data["allocations"]
    assert isinstance(allocations, list)
    assert allocations[:4] == [
        {
            "path": ["Young Persons Treatment Budget"],
            "recipient": "Young Persons Treatment Budget",
            "amount": "253093.00",
        },
        {"path": ["DAAT partnership grant"], "recipient": "DAAT partnership grant", "amount": "100207.00"},
        {"path": ["Remainder", "Safer Essex"], "recipient": "Safer Essex", "amount": "253953.33"},
        {"path": [*CSP, "Basildon"], "recipient": "Basildon", "amount": "71667.16"},
    ]
    assert len(allocations) == 15
    json.dumps(data)  # plain JSON, nothing that needs a custom encoder


def test_the_seed_with_the_34_percent_it_really_used_gives_safer_essex_the_published_259032() -> None:
    text = (DEMO / "csf-2011-12.yaml").read_text(encoding="utf-8")
    text = text.replace('fraction: "1/3"', 'percent: "34"').replace('fraction: "2/3"', 'percent: "66"')
    plan, problems = read_plan(text, "csf.yaml")
    assert problems == [] and plan is not None
    allocation = allocate(plan)
    # 34% of 761,860 = 259,032.40 and 66% = 502,827.60, both whole pence: the paper rounded them to pounds.
    assert amounts(allocation)["Safer Essex"] == Money.parse("259032.40")
    assert allocation.group_amounts[CSP] == Money.parse("502827.60")


def test_reconciling_the_seed_with_its_published_table_shows_every_discrepancy() -> None:
    result = reconcile(allocate(seed_plan()), seed_published())
    differences = {line.recipient: line for line in result.differences}
    safer_essex = differences["Safer Essex"]
    assert (safer_essex.published, safer_essex.computed) == (Money.parse("259032"), Money.parse("253953.33"))
    assert safer_essex.difference == Money.parse("5078.67")  # the "1/3" was 34%
    # The published CSP amounts are shares of £502,828 (2/3 of 761,860 is 507,906.67): Basildon
    # is published at £70,950.51 where the plan's 2/3 gives £71,667.16.
    basildon = differences["Basildon"]
    assert (basildon.published, basildon.computed, basildon.difference) == (
        Money.parse("70950.51"),
        Money.parse("71667.16"),
        Money.parse("-716.65"),
    )
    group = differences["Community Safety Partnerships"]
    assert (group.published, group.computed) == (Money.parse("502828"), Money.parse("507906.67"))
    assert len(result.differences) == 14
    totals = {check.of: check for check in result.totals}
    # The twelve published CSP amounts add up to £502,828.01, a penny more than the table's own total.
    csp_sum = totals["Remainder / Community Safety Partnerships"]
    assert (csp_sum.published_sum, csp_sum.stated) == (Money.parse("502828.01"), Money.parse("502828.00"))
    assert csp_sum.difference == Money(1) and not csp_sum.agrees
    # At the level above, the table's CSP total (502,828, not the twelve rows under it) and Safer Essex's
    # 259,032 add up to the 761,860 left after the drug elements, as the paper says.
    remainder = totals["Remainder"]
    assert (remainder.published_sum, remainder.stated) == (Money.parse("761860"), Money.parse("761860"))
    assert remainder.agrees
    # The drug and alcohol lines are outside the published table's group, so they are not "missing".
    assert result.missing_from_published == ()
    assert result.not_in_plan == ()
    assert result.agrees is False


# Plans that are refused, each with the line and the reason, and nothing allocated


def test_fractions_adding_up_to_more_than_one_are_refused_with_the_line_of_the_first_fraction() -> None:
    problems = problems_in(
        """\
name: Too much
total: "900"
lines:
  - group: Remainder
    lines:
      - recipient: Safer Essex
        fraction: "2/3"
      - recipient: CSPs
        fraction: "2/3"
"""
    )
    assert problems == [
        Problem(
            "plan.yaml, line 7, lines[0].lines[0].fraction",
            "Fractions in group 'Remainder' add up to 4/3; they must add up to 1, or say remainder: unallocated",
        )
    ]


def test_fractions_over_one_are_refused_even_when_the_remainder_may_stay_unallocated() -> None:
    problems = problems_in(
        'name: x\ntotal: "9"\nremainder: unallocated\nlines:\n'
        '  - {recipient: a, fraction: "0.75"}\n  - {recipient: b, fraction: "0.5"}\n'
    )
    assert [problem.message for problem in problems] == [
        "Fractions in the plan add up to 5/4; they must add up to 1 or less"
    ]


def test_a_negative_amount_is_refused() -> None:
    problems = problems_in('name: x\ntotal: "100"\nlines:\n  - recipient: a\n    amount: "-£5"\n')
    assert problems == [Problem("plan.yaml, line 5, lines[0].amount", "Amount must be £0.00 or more")]


def test_an_amount_that_is_not_money_is_refused_with_the_reason_money_gives() -> None:
    problems = problems_in('name: x\ntotal: "100"\nlines:\n  - recipient: a\n    amount: "12.345"\n')
    assert problems == [
        Problem(
            "plan.yaml, line 5, lines[0].amount",
            "'12.345' has more than 2 decimal places. Amounts are in pounds and pence",
        )
    ]


def test_an_unknown_key_is_refused_naming_the_keys_allowed() -> None:
    problems = problems_in('name: x\ntotal: "100"\nlines:\n  - recipient: a\n    amout: "100"\n')
    assert problems[0] == Problem(
        "plan.yaml, line 5, lines[0].amout",
        "'amout' is not a key we know. A recipient line can have: recipient, amount, fraction, percent, weight",
    )


def test_fixed_amounts_above_the_total_are_refused() -> None:
    # 253,093 + 900,000 = 1,153,093, more than 1,115,160.
    problems = problems_in(
        'name: x\ntotal: "1115160"\nlines:\n'
        '  - {recipient: a, amount: "253093"}\n  - {recipient: b, amount: "900000"}\n'
        "  - {group: rest, weights: {c: 1}}\n"
    )
    assert problems == [
        Problem("plan.yaml, line 3, lines", "Fixed amounts add up to £1,153,093.00, more than the £1,115,160.00 total")
    ]


def test_fixed_amounts_above_what_a_group_gets_are_refused_naming_the_group() -> None:
    # The group gets 1/2 of 100 = 50 and its fixed amounts come to 60.
    problems = problems_in(
        'name: x\ntotal: "100"\nlines:\n  - {recipient: a, fraction: "1/2"}\n  - group: g\n    fraction: "1/2"\n'
        '    lines:\n      - {recipient: b, amount: "60"}\n      - {recipient: c}\n'
    )
    assert problems == [
        Problem(
            "plan.yaml, line 7, lines[1].lines", "Fixed amounts add up to £60.00, more than the £50.00 the group has"
        )
    ]


def test_fixed_amounts_that_leave_money_nobody_takes_are_refused() -> None:
    problems = problems_in('name: x\ntotal: "100"\nlines:\n  - {recipient: a, amount: "40"}\n')
    assert problems == [
        Problem(
            "plan.yaml, line 3, lines",
            "Fixed amounts add up to £40.00, less than the £100.00 total: add a line without an amount to take "
            "what is left, or say remainder: unallocated",
        )
    ]


def test_a_remainder_left_unallocated_is_reported_as_unallocated() -> None:
    plan, problems = read_plan(
        'name: x\ntotal: "100"\nremainder: unallocated\nlines:\n  - {recipient: a, fraction: "1/3"}\n', "plan.yaml"
    )
    assert problems == [] and plan is not None
    allocation = allocate(plan)
    # 10,000p split 1/3 : 2/3 is 3,333 1/3 : 6,666 2/3; the spare penny goes to the larger remainder.
    assert amounts(allocation) == {"a": Money.parse("33.33")}
    assert allocation.unallocated == Money.parse("66.67")
    assert allocation.group_unallocated == {(): Money.parse("66.67")}
    assert to_json(allocation)["unallocated"] == "66.67"


@pytest.mark.parametrize(
    ("plan", "where", "message"),
    [
        (
            'name: x\ntotal: "9"\nlines:\n  - {recipient: a, fraction: "1/2"}\n  - {recipient: b, percent: "50"}\n',
            "plan.yaml, line 5, lines[1].percent",
            "The plan mixes fractions and percents: use one or the other",
        ),
        (
            'name: x\ntotal: "9"\nlines:\n  - {recipient: a, percent: "34"}\n  - {recipient: b, percent: "33"}\n',
            "plan.yaml, line 4, lines[0].percent",
            "Percents in the plan add up to 67; they must add up to 100, or say remainder: unallocated",
        ),
        (
            'name: x\ntotal: "9"\nlines:\n  - {recipient: a, percent: "101"}\n',
            "plan.yaml, line 4, lines[0].percent",
            "A percent must be between 0 and 100, not 101",
        ),
        (
            'name: x\ntotal: "9"\nlines:\n  - {recipient: a, fraction: "a third"}\n',
            "plan.yaml, line 4, lines[0].fraction",
            "'a third' is not a fraction. Write it like 1/3 or 0.25",
        ),
        (
            'name: x\ntotal: "9"\nlines:\n  - {recipient: a, fraction: "-1/3"}\n',
            "plan.yaml, line 4, lines[0].fraction",
            "A fraction must be between 0 and 1, not -1/3",
        ),
        (
            'name: x\ntotal: "9"\nlines:\n  - {recipient: a, group: b, amount: "9"}\n',
            "plan.yaml, line 4, lines[0]",
            "A line has a recipient or a group, not both",
        ),
        (
            'name: x\ntotal: "9"\nlines:\n  - {amount: "9"}\n',
            "plan.yaml, line 4, lines[0]",
            "Give the line a recipient (who gets money) or a group (money split further)",
        ),
        (
            'name: x\ntotal: "9"\nweights: {a: 1, b: -2}\n',
            "plan.yaml, line 3, weights.b",
            "A weight must be 0 or more, not -2",
        ),
        (
            'name: x\ntotal: "9"\nweights: {a: 0, b: 0}\n',
            "plan.yaml, line 3, weights.a",
            "Weights in the plan add up to 0: give one a weight above 0",
        ),
        (
            'name: x\ntotal: "9"\nlines:\n  - {recipient: a, weight: "2"}\n  - {recipient: a, weight: "1"}\n',
            "plan.yaml, line 5, lines[1]",
            "'a' is listed twice in the plan: list each one once",
        ),
        (
            'name: x\ntotal: "9"\nweights: {a: 1, a: 2}\n',
            "plan.yaml, line 3, weights.a",
            "'a' is listed twice in the plan: list each one once",
        ),
        (
            'name: x\ntotal: "9"\nlines:\n  - group: g\n    weights: {a: 1}\n    lines:\n      - {recipient: b}\n',
            "plan.yaml, line 5, lines[0].weights",
            "Give group 'g' lines or weights, not both",
        ),
        (
            'name: x\ntotal: "9"\nlines:\n  - {recipient: a, amount: "4", weight: "1"}\n  - {recipient: b}\n',
            "plan.yaml, line 4, lines[0].weight",
            "Give a line one of amount, fraction, percent or weight, not amount and weight",
        ),
        (
            'name: x\ntotal: "9"\nlines:\n  - {recipient: a}\n  - {recipient: b}\n',
            "plan.yaml, line 5, lines[1]",
            "Only one line in the plan can take what is left: give 'b' an amount, a fraction or a weight",
        ),
        (
            'name: x\ntotal: "9"\nlines:\n  - {recipient: a, fraction: "1"}\n  - {recipient: b, weight: "3"}\n',
            "plan.yaml, line 4, lines[0].fraction",
            "Fractions in the plan add up to 1, which leaves nothing for the lines with weights; "
            "they must add up to less than 1",
        ),
        (
            'total: "9"\nweights: {a: 1}\n',
            "plan.yaml, line 1, name",
            "Enter the plan's name, like name: Community Safety Fund 2011/12",
        ),
        (
            "name: x\nweights: {a: 1}\n",
            "plan.yaml, line 1, total",
            "Enter the total the plan splits, like total: 1115160.00",
        ),
        (
            'name: x\ntotal: "9"\nweights: {a: 1}\nremainder: spare\n',
            "plan.yaml, line 4, remainder",
            "Write remainder: unallocated, or leave remainder out ('spare' is not a choice)",
        ),
        (
            "name: x\ntotal: [9]\nweights: {a: 1}\n",
            "plan.yaml, line 2, total",
            "Write the total as one value, not a list or keys",
        ),
        (
            'name: x\ntotal: "9"\nweights: {a: 1}\nname: y\n',
            "plan.yaml, line 4, name",
            "'name' is given twice: give each key once",
        ),
        (
            'name: x\ntotal: "9"\nlines: []\n',
            "plan.yaml, line 3, lines",
            "Give the plan a list of lines, each starting with '- '",
        ),
        (
            'name: x\ntotal: "9"\n',
            "plan.yaml, line 1",
            "Give the plan lines (recipients and groups) or weights (recipient: weight)",
        ),
        (
            'name: x\ntotal: "9"\nlines:\n  - recipient: a\n  - recipient: b\n   amount: 1\n',
            "plan.yaml, line 6",
            "This is not YAML or JSON that can be read: expected <block end>, but found '<block mapping start>'",
        ),
        ("", "plan.yaml", "The plan is empty: give it a name, a total and lines"),
        (
            "name: x\ntotal: 9\nweights:\n  a: &w 1\n  b: *w\n",
            "plan.yaml, line 5",
            "This is not YAML or JSON that can be read: aliases (*) are not allowed: write each value out",
        ),
        ("- a\n- b\n", "plan.yaml, line 1", "A plan must be keys and values, like 'recipient: Basildon'"),
    ],
)
def test_a_plan_that_breaks_a_rule_is_refused_with_where_and_why(plan: str, where: str, message: str) -> None:
    assert Problem(where, message) in problems_in(plan)


def test_every_problem_in_a_plan_is_reported_at_once_in_the_order_of_the_file() -> None:
    problems = problems_in(
        """\
name: Several mistakes
total: "1000"
lines:
  - recipient: A
    amount: "-5"
  - recipient: B
    amout: "5"
  - group: G
    lines:
      - {recipient: C, fraction: "2/3"}
      - {recipient: D, fraction: "2/3"}
remainder: maybe
"""
    )
    assert [problem.where for problem in problems] == [
        "plan.yaml, line 5, lines[0].amount",
        "plan.yaml, line 7, lines[1].amout",
        "plan.yaml, line 10, lines[2].lines[0].fraction",
        "plan.yaml, line 12, remainder",
    ]


def test_a_plan_in_json_is_read_like_yaml_with_its_line_numbers() -> None:
    text = '{\n\t"name": "JSON plan",\n\t"total": 100,\n\t"weights": {"a": 1, "b": 2}\n}\n'
    plan, problems = read_plan(text, "plan.json")
    assert problems == [] and plan is not None
    # 10,000p in thirds: 3,333 1/3 and 6,666 2/3; the spare penny goes to b's larger remainder.
    assert amounts(allocate(plan)) == {"a": Money.parse("33.33"), "b": Money.parse("66.67")}
    bad = '{\n  "name": "JSON plan",\n  "total": 100,\n  "weights": {"a": -1}\n}\n'
    assert read_plan(bad, "plan.json")[1] == [
        Problem("plan.json, line 4, weights.a", "A weight must be 0 or more, not -1")
    ]


def test_fixed_amounts_come_first_then_fractions_of_what_remains_then_weights_over_what_is_left() -> None:
    plan, problems = read_plan(
        """\
name: Three stages
total: "1000"
lines:
  - {recipient: Fixed, amount: "100"}
  - {recipient: Half, fraction: "0.5"}
  - {recipient: One part, weight: 1}
  - {recipient: Two parts, weight: "£2"}
""",
        "plan.yaml",
    )
    assert problems == [] and plan is not None
    # 1,000 - 100 = 900; half of 900 = 450; the other 450 goes 1 : 2 = 150 : 300.
    assert amounts(allocate(plan)) == {
        "Fixed": Money.parse("100"),
        "Half": Money.parse("450"),
        "One part": Money.parse("150"),
        "Two parts": Money.parse("300"),
    }


def test_a_group_may_have_a_fixed_amount_and_a_line_without_a_share_takes_what_is_left() -> None:
    plan, problems = read_plan(
        'name: x\ntotal: "100"\nlines:\n  - group: g\n    amount: "30"\n    weights: {a: 1, b: 1, c: 1}\n'
        "  - {recipient: rest}\n",
        "plan.yaml",
    )
    assert problems == [] and plan is not None
    allocation = allocate(plan)
    # 30 in three: 10 each. The other 70 goes to the line that takes what is left.
    assert amounts(allocation) == {
        "a": Money.parse("10"),
        "b": Money.parse("10"),
        "c": Money.parse("10"),
        "rest": Money.parse("70"),
    }
    assert allocation.group_amounts == {(): Money.parse("100"), ("g",): Money.parse("30")}


def test_a_plan_built_in_code_with_a_mistake_is_refused_by_allocate() -> None:
    group = PlanGroup((PlanLine("a", fraction=Fraction(1, 2)), PlanLine("b", fraction=Fraction(1, 3))))
    with pytest.raises(InvalidInput, match=r"Fractions in the plan add up to 5/6"):
        allocate(Plan("In code", Money(100), group))


def test_a_plan_built_in_code_splits_like_one_read_from_a_file() -> None:
    group = PlanGroup((PlanLine("a", percent=Decimal("25")), PlanLine("b", percent=Decimal("75"))))
    allocation = allocate(Plan("In code", Money(101), group))
    # 101p at 25 : 75 is 25.25p : 75.75p; the spare penny goes to the larger remainder, b.
    assert amounts(allocation) == {"a": Money(25), "b": Money(76)}


# Invariants over any valid plan


@st.composite
def group_trees(draw: st.DrawFn, depth: int = 0) -> dict[str, object]:
    """A group that passes every rule about its own lines; fixed amounts may still outrun its amount."""
    unallocated = draw(st.booleans())
    body: dict[str, object] = {"remainder": "unallocated"} if unallocated else {}
    if depth >= 2 or draw(st.integers(0, 3)) == 0:
        weights = draw(st.lists(st.integers(0, 10**6), min_size=1, max_size=5))
        weights[0] = weights[0] or 1
        return body | {"weights": {f"w{depth}_{index}": weight for index, weight in enumerate(weights)}}
    kinds = draw(st.lists(st.sampled_from(["amount", "share", "weight", "rest"]), min_size=1, max_size=5))
    if "rest" in kinds:  # one line without a share takes what is left, and then no line has a weight
        kinds = [kind for kind in kinds if kind not in ("rest", "weight")] + ["rest"]
    takers = any(kind in ("weight", "rest") for kind in kinds)
    shares = _shares(draw, kinds.count("share"), leave_some=takers or (unallocated and draw(st.booleans())))
    lines = []
    for index, kind in enumerate(kinds):
        line: dict[str, object] = {}
        if kind == "amount":
            pence = draw(st.integers(0, 50_000))
            line["amount"] = f"{pence // 100}.{pence % 100:02d}" if draw(st.booleans()) else pence // 100
        elif kind == "share":
            line.update(shares.pop())
        elif kind == "weight":
            line["weight"] = draw(st.integers(1, 1000))
        if draw(st.booleans()):
            lines.append({"group": f"g{depth}_{index}"} | line | draw(group_trees(depth + 1)))
        else:
            lines.append({"recipient": f"r{depth}_{index}"} | line)
    return body | {"lines": lines}


def _shares(draw: st.DrawFn, count: int, *, leave_some: bool) -> list[dict[str, str]]:
    """`count` fractions (or percents) adding up to exactly 1 (100), or to less when some must be left."""
    if count == 0:
        return []
    percent = draw(st.booleans())
    whole = 10_000 if percent else draw(st.integers(count + 1, 1000))
    cuts = sorted(draw(st.lists(st.integers(0, whole), min_size=count - 1, max_size=count - 1)))
    end = draw(st.integers(0, whole - 1)) if leave_some else whole
    cuts = [min(cut, end) for cut in cuts]
    parts = [high - low for low, high in zip([0, *cuts], [*cuts, end], strict=True)]
    if percent:
        return [{"percent": str(Decimal(part) / 100)} for part in parts]
    return [{"fraction": f"{part}/{whole}"} for part in parts]


@settings(max_examples=300, deadline=None)
@given(tree=group_trees(), total=st.integers(0, 10**9), as_json=st.booleans())
def test_any_valid_plan_splits_so_every_group_adds_up_to_the_penny(
    tree: dict[str, object], total: int, as_json: bool
) -> None:
    document = {"name": "Random", "total": f"{total // 100}.{total % 100:02d}"} | tree
    text = json.dumps(document, indent=1) if as_json else yaml.safe_dump(document, sort_keys=False)
    plan, problems = read_plan(text, "random.yaml")
    if problems:
        # The only thing the generator cannot rule out is fixed amounts that do not fit their group.
        assert plan is None
        assert all(problem.message.startswith("Fixed amounts add up to") for problem in problems), problems
        return
    assert plan is not None
    allocation = allocate(plan)
    assert Money.total(line.amount for line in allocation.allocations) + allocation.unallocated == allocation.total
    for group, amount in allocation.group_amounts.items():
        recipients = [line.amount for line in allocation.allocations if line.path[:-1] == group]
        groups = [sub for path, sub in allocation.group_amounts.items() if path and path[:-1] == group]
        left = allocation.group_unallocated.get(group, Money(0))
        assert Money.total([*recipients, *groups, left]) == amount, group
    for line in allocation.allocations:
        assert line.amount.pence >= 0
        assert abs(line.amount.pence - line.exact_share) < 1


# Published tables


def test_a_published_table_reads_amounts_as_papers_print_them() -> None:
    lines, problems = read_published_table(
        'Recipient,Amount,Note\nBasildon,"£70,950.51",from the paper\n\nSafer Essex,259032,\n', "pub.csv"
    )
    assert problems == []
    assert lines == [
        PublishedLine("Basildon", Money.parse("70950.51"), "pub.csv, row 2"),
        PublishedLine("Safer Essex", Money.parse("259032"), "pub.csv, row 4"),
    ]


def test_a_published_table_with_problems_names_file_row_and_column_for_each() -> None:
    lines, problems = read_published_table(
        "recipient,amount\nBasildon,£70.950,51\nBasildon,1\n,2\nHarlow,\n", "pub.csv"
    )
    assert lines == []
    assert problems == [
        Problem(
            "pub.csv, row 2, column 'amount'",
            "'£70.950' has more than 2 decimal places. Amounts are in pounds and pence",
        ),
        Problem("pub.csv, row 3, column 'recipient'", "Basildon is already on row 2: list each recipient once"),
        Problem("pub.csv, row 4, column 'recipient'", "Enter a recipient"),
        Problem("pub.csv, row 5, column 'amount'", "Enter an amount"),
    ]


def test_a_published_table_without_the_amount_column_is_refused() -> None:
    assert read_published_table("recipient,value\nBasildon,1\n", "pub.csv") == (
        [],
        [Problem("pub.csv, row 1", "The column 'amount' is missing")],
    )


def test_a_published_table_that_matches_the_plan_agrees() -> None:
    allocation = allocate(seed_plan())
    published = [PublishedLine(line.recipient, line.amount) for line in allocation.allocations]
    result = reconcile(allocation, published)
    assert result.agrees
    assert len(result.matching) == 15 and result.differences == ()
    assert [(check.of, check.published_sum, check.stated) for check in result.totals] == [
        ("Home Office Community Safety Fund 2011/12", Money.parse("1115160"), Money.parse("1115160"))
    ]


def test_recipients_missing_on_either_side_are_listed_and_the_table_does_not_agree() -> None:
    allocation = allocate(seed_plan())
    published = [
        PublishedLine("Basildon", Money.parse("71667.16")),
        PublishedLine("Braintree", Money.parse("43876.68")),
        PublishedLine("Southend", Money.parse("1000")),
    ]
    result = reconcile(allocation, published)
    # Basildon and Braintree are both CSPs, so the other ten CSPs are missing; the rest of the plan is
    # outside the table's group.
    assert result.missing_from_published == tuple(list(ABG_2010_11)[2:])
    assert result.not_in_plan == ("Southend",)
    assert result.matching == ("Basildon", "Braintree")
    assert result.totals[0].of == "Remainder / Community Safety Partnerships"
    assert result.agrees is False


def test_a_stated_total_given_by_the_caller_replaces_the_plans() -> None:
    allocation = allocate(seed_plan())
    published = [line for line in seed_published() if line.recipient in ABG_2010_11]
    result = reconcile(allocation, published, stated_total=Money.parse("502828.00"))
    check = result.totals[0]
    assert (check.published_sum, check.stated, check.stated_by) == (
        Money.parse("502828.01"),
        Money.parse("502828.00"),
        "you gave",
    )
    assert reconciliation_to_json(result)["totals"] == [
        {
            "of": "Remainder / Community Safety Partnerships",
            "published_sum": "502828.01",
            "stated": "502828.00",
            "stated_by": "you gave",
            "difference": "0.01",
            "agrees": False,
        }
    ]


def test_the_user_guide_explains_every_key_a_plan_can_have() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "allocation-plans.md").read_text(encoding="utf-8")
    for key in {*PLAN_KEYS, *RECIPIENT_KEYS, *GROUP_KEYS}:
        assert f"| `{key}` |" in guide, key
