"""Payment by results: what a claim pays, line by line. Worked examples of each rule (the attachment fee, the
holding period, relapses, what earlier claims paid, the caps), then the invariants over random cohorts."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from wholeplace.money import Money
from wholeplace.outcomes.claims import (
    ATTACHMENT,
    PAYING,
    Claim,
    Evidence,
    Line,
    LineStatus,
    Member,
    Paid,
    Relapse,
    Rules,
    compute_claim,
    holds_until,
    savings_returned,
)

# A troubled families scheme of the national programme's shape (the figures are illustrative): £1,000 on
# attachment, then £800 for school attendance back over 90%, £800 for offending down by a third and £1,200 for
# continuous employment, each once it has held for six months.
SCHOOL, OFFENDING, WORK = "school_attendance", "offending_down", "continuous_employment"
TARIFFS = {SCHOOL: Money.parse("£800"), OFFENDING: Money.parse("£800"), WORK: Money.parse("£1,200")}
RULES = Rules(tariffs=TARIFFS, attachment_fee=Money.parse("£1,000"), holding_months=6)
Q3_END = dt.date(2013, 12, 31)  # 2013/14 Q3
Q4_END = dt.date(2014, 3, 31)  # 2013/14 Q4

# The Hewitts: mother, son and daughter, attached on 3 June 2013. The Okafors: father and son, 10 June 2013.
HEWITTS = [
    Member("F-0042", "Dawn Hewitt", dt.date(2013, 6, 3)),
    Member("F-0042", "Ryan Hewitt", dt.date(2013, 6, 3)),
    Member("F-0042", "Kayleigh Hewitt", dt.date(2013, 6, 3)),
]
OKAFORS = [
    Member("F-0057", "Daniel Okafor", dt.date(2013, 6, 10)),
    Member("F-0057", "Joel Okafor", dt.date(2013, 6, 10)),
]
COHORT = HEWITTS + OKAFORS


def school(evidence_id: int, unit: str, achieved_on: dt.date) -> Evidence:
    return Evidence(evidence_id, unit, SCHOOL, achieved_on, f"case {unit} school attendance over 90%")


def line_for(claim: Claim, unit: str, outcome: str) -> Line:
    [line] = [line for line in claim.lines if (line.unit, line.outcome) == (unit, outcome)]
    return line


# Worked examples


def test_a_family_is_paid_its_attachment_fee_once_however_many_members_it_has() -> None:
    claim = compute_claim(RULES, period_end=Q3_END, members=COHORT, evidence=[], relapses=[])
    assert [(line.unit, line.outcome, line.amount, line.status) for line in claim.lines] == [
        ("F-0042", ATTACHMENT, Money.parse("£1,000"), LineStatus.PAYABLE),
        ("F-0057", ATTACHMENT, Money.parse("£1,000"), LineStatus.PAYABLE),
    ]
    assert line_for(claim, "F-0042", ATTACHMENT).reason == "Attached on 03 June 2013"
    assert line_for(claim, "F-0042", ATTACHMENT).evidence_id is None
    assert claim.total == Money.parse("£2,000")  # two families x £1,000


def test_a_family_attached_after_the_period_is_not_yet_paid_its_attachment_fee() -> None:
    later = [Member("F-0063", "Lee Marsh", dt.date(2014, 1, 6))]
    claim = compute_claim(RULES, period_end=Q3_END, members=later, evidence=[], relapses=[])
    assert claim.lines == ()


def test_a_scheme_without_an_attachment_fee_pays_outcomes_only() -> None:
    rules = Rules(tariffs=TARIFFS, holding_months=6)
    claim = compute_claim(
        rules, period_end=Q4_END, members=HEWITTS, evidence=[school(1, "F-0042", dt.date(2013, 7, 1))], relapses=[]
    )
    assert [(line.outcome, line.amount) for line in claim.lines] == [(SCHOOL, Money.parse("£800"))]


def test_six_months_from_a_day_is_the_same_day_or_the_last_day_of_a_shorter_month() -> None:
    assert holds_until(dt.date(2013, 8, 15), 6) == dt.date(2014, 2, 15)
    assert holds_until(dt.date(2013, 8, 31), 6) == dt.date(2014, 2, 28)  # February 2014 has 28 days
    assert holds_until(dt.date(2015, 8, 31), 6) == dt.date(2016, 2, 29)  # 2016 is a leap year
    assert holds_until(dt.date(2013, 12, 31), 3) == dt.date(2014, 3, 31)
    assert holds_until(dt.date(2013, 10, 31), 1) == dt.date(2013, 11, 30)
    assert holds_until(dt.date(2013, 7, 1), 12) == dt.date(2014, 7, 1)
    assert holds_until(dt.date(2013, 7, 1), 0) == dt.date(2013, 7, 1)


def test_an_outcome_counts_only_once_it_has_held_for_six_months_by_the_end_of_the_period() -> None:
    # Achieved 15 August 2013, so it holds on 15 February 2014: not in the Q3 claim, paid in the Q4 claim.
    evidence = [school(11, "F-0042", dt.date(2013, 8, 15))]
    q3 = compute_claim(RULES, period_end=Q3_END, members=HEWITTS, evidence=evidence, relapses=[])
    waiting = line_for(q3, "F-0042", SCHOOL)
    assert (waiting.status, waiting.amount) == (LineStatus.NOT_YET, Money(0))
    assert waiting.reason == "Holds for 6 months on 15 February 2014"
    assert waiting.evidence_id == 11
    q4 = compute_claim(RULES, period_end=Q4_END, members=HEWITTS, evidence=evidence, relapses=[])
    paid = line_for(q4, "F-0042", SCHOOL)
    assert (paid.status, paid.amount, paid.evidence_id) == (LineStatus.PAYABLE, Money.parse("£800"), 11)
    assert paid.reason == "Achieved 15 August 2013, held to 15 February 2014"


def test_the_day_the_holding_period_ends_is_the_first_day_it_can_be_claimed() -> None:
    evidence = [school(11, "F-0042", dt.date(2013, 8, 15))]
    day_before = compute_claim(RULES, period_end=dt.date(2014, 2, 14), members=HEWITTS, evidence=evidence, relapses=[])
    on_the_day = compute_claim(RULES, period_end=dt.date(2014, 2, 15), members=HEWITTS, evidence=evidence, relapses=[])
    assert line_for(day_before, "F-0042", SCHOOL).status is LineStatus.NOT_YET
    assert line_for(on_the_day, "F-0042", SCHOOL).status is LineStatus.PAYABLE


def test_a_relapse_of_any_member_within_the_holding_period_withdraws_the_familys_outcome() -> None:
    # Ryan's school attendance came back on 15 August 2013; his sister Kayleigh was excluded on 2 December 2013,
    # inside the six months to 15 February 2014: the family's school attendance line is withdrawn.
    evidence = [school(11, "F-0042", dt.date(2013, 8, 15))]
    relapse = Relapse(7, "F-0042", "Kayleigh Hewitt", dt.date(2013, 12, 2), "Permanent exclusion")
    claim = compute_claim(RULES, period_end=Q4_END, members=HEWITTS, evidence=evidence, relapses=[relapse])
    withdrawn = line_for(claim, "F-0042", SCHOOL)
    assert (withdrawn.status, withdrawn.amount, withdrawn.relapse_id) == (LineStatus.WITHDRAWN, Money(0), 7)
    assert withdrawn.reason == (
        "Permanent exclusion on 02 December 2013, within 6 months of the outcome on 15 August 2013"
    )
    assert claim.total == Money.parse("£1,000")  # the attachment fee only


def test_a_relapse_on_the_last_day_of_the_holding_period_still_withdraws_the_outcome() -> None:
    evidence = [school(11, "F-0042", dt.date(2013, 8, 15))]
    relapse = Relapse(7, "F-0042", "Dawn Hewitt", dt.date(2014, 2, 15), "Caution for shoplifting")
    claim = compute_claim(RULES, period_end=Q4_END, members=HEWITTS, evidence=evidence, relapses=[relapse])
    assert line_for(claim, "F-0042", SCHOOL).status is LineStatus.WITHDRAWN


def test_a_relapse_after_the_holding_period_or_before_the_outcome_does_not_withdraw_it() -> None:
    evidence = [school(11, "F-0042", dt.date(2013, 8, 15))]
    relapses = [
        Relapse(7, "F-0042", "Ryan Hewitt", dt.date(2014, 2, 16), "Fixed-term exclusion"),  # a day after it held
        Relapse(8, "F-0042", "Ryan Hewitt", dt.date(2013, 7, 1), "Fixed-term exclusion"),  # before it was achieved
    ]
    claim = compute_claim(RULES, period_end=Q4_END, members=HEWITTS, evidence=evidence, relapses=relapses)
    line = line_for(claim, "F-0042", SCHOOL)
    assert (line.status, line.amount, line.relapse_id) == (LineStatus.PAYABLE, Money.parse("£800"), None)


def test_a_relapse_in_another_family_does_not_touch_this_one() -> None:
    evidence = [school(11, "F-0042", dt.date(2013, 8, 15))]
    relapse = Relapse(7, "F-0057", "Joel Okafor", dt.date(2013, 12, 2), "Arrest")
    claim = compute_claim(RULES, period_end=Q4_END, members=COHORT, evidence=evidence, relapses=[relapse])
    assert line_for(claim, "F-0042", SCHOOL).status is LineStatus.PAYABLE


def test_what_earlier_claims_paid_is_not_paid_again() -> None:
    # The Q3 claim paid the Hewitts' attachment fee and school attendance: £1,000 + £800 = £1,800.
    paid = Paid(
        outcomes=frozenset({("F-0042", ATTACHMENT), ("F-0042", SCHOOL)}),
        by_unit={"F-0042": Money.parse("£1,800")},
        total=Money.parse("£1,800"),
    )
    evidence = [
        school(11, "F-0042", dt.date(2013, 6, 20)),
        Evidence(12, "F-0042", OFFENDING, dt.date(2013, 7, 1), "police national computer, Jul 2013"),
    ]
    claim = compute_claim(RULES, period_end=Q4_END, members=HEWITTS, evidence=evidence, relapses=[], paid=paid)
    assert [(line.outcome, line.status, line.amount) for line in claim.lines] == [
        (ATTACHMENT, LineStatus.ALREADY_PAID, Money(0)),
        (SCHOOL, LineStatus.ALREADY_PAID, Money(0)),
        (OFFENDING, LineStatus.PAYABLE, Money.parse("£800")),
    ]
    assert line_for(claim, "F-0042", ATTACHMENT).reason == "Attachment fee paid in an earlier claim"
    assert claim.total == Money.parse("£800")


def test_the_same_outcome_evidenced_twice_in_a_period_is_paid_once() -> None:
    evidence = [school(11, "F-0042", dt.date(2013, 6, 20)), school(14, "F-0042", dt.date(2013, 9, 2))]
    claim = compute_claim(RULES, period_end=Q4_END, members=HEWITTS, evidence=evidence, relapses=[])
    lines = [line for line in claim.lines if line.outcome == SCHOOL]
    assert [(line.evidence_id, line.status, line.amount) for line in lines] == [
        (11, LineStatus.PAYABLE, Money.parse("£800")),
        (14, LineStatus.ALREADY_PAID, Money(0)),
    ]
    assert lines[1].reason == "Paid by an earlier line of this claim"


def test_evidence_after_the_period_or_for_a_family_outside_the_cohort_makes_no_line() -> None:
    evidence = [school(11, "F-0042", dt.date(2014, 4, 1)), school(12, "F-0099", dt.date(2013, 6, 20))]
    claim = compute_claim(RULES, period_end=Q4_END, members=HEWITTS, evidence=evidence, relapses=[])
    assert [line.outcome for line in claim.lines] == [ATTACHMENT]


def test_caps_per_family_and_per_scheme_cut_lines_in_order() -> None:
    # Caps of £2,000 a family and £3,000 for the scheme. Attachment fees come first, then each family's
    # outcomes in the order achieved:
    #   Hewitts attachment  £1,000  family £1,000  scheme £1,000
    #   Okafors attachment  £1,000  family £1,000  scheme £2,000
    #   Hewitts school        £800  family £1,800  scheme £2,800
    #   Hewitts offending     £800  cut to £2,000 - £1,800 = £200: family £2,000, scheme £3,000
    #   Okafors school        £800  cut to £3,000 - £3,000 = £0 by the scheme's cap
    rules = Rules(
        tariffs=TARIFFS,
        attachment_fee=Money.parse("£1,000"),
        cap_per_unit=Money.parse("£2,000"),
        cap_scheme=Money.parse("£3,000"),
        holding_months=6,
    )
    evidence = [
        school(11, "F-0042", dt.date(2013, 6, 20)),
        Evidence(12, "F-0042", OFFENDING, dt.date(2013, 7, 1), "police national computer, Jul 2013"),
        school(13, "F-0057", dt.date(2013, 6, 25)),
    ]
    claim = compute_claim(rules, period_end=Q4_END, members=COHORT, evidence=evidence, relapses=[])
    assert [(line.unit, line.outcome, line.status, line.amount) for line in claim.lines] == [
        ("F-0042", ATTACHMENT, LineStatus.PAYABLE, Money.parse("£1,000")),
        ("F-0057", ATTACHMENT, LineStatus.PAYABLE, Money.parse("£1,000")),
        ("F-0042", SCHOOL, LineStatus.PAYABLE, Money.parse("£800")),
        ("F-0042", OFFENDING, LineStatus.CAPPED, Money.parse("£200")),
        ("F-0057", SCHOOL, LineStatus.CAPPED, Money(0)),
    ]
    assert line_for(claim, "F-0042", OFFENDING).reason == "Cut from £800.00 to £200.00 by a cap"
    assert line_for(claim, "F-0057", SCHOOL).reason == "Cut from £800.00 to £0.00 by a cap"
    assert claim.total == Money.parse("£3,000")


def test_the_caps_count_what_earlier_claims_paid() -> None:
    # Earlier claims paid the Hewitts £1,500 and the scheme £2,600 in all; caps £2,000 and £3,000 leave
    # £500 for the family and £400 for the scheme: the school line is cut to £400.
    rules = Rules(
        tariffs=TARIFFS, cap_per_unit=Money.parse("£2,000"), cap_scheme=Money.parse("£3,000"), holding_months=6
    )
    paid = Paid(frozenset({("F-0042", WORK)}), {"F-0042": Money.parse("£1,500")}, Money.parse("£2,600"))
    evidence = [school(11, "F-0042", dt.date(2013, 6, 20))]
    claim = compute_claim(rules, period_end=Q4_END, members=HEWITTS, evidence=evidence, relapses=[], paid=paid)
    line = line_for(claim, "F-0042", SCHOOL)
    assert (line.status, line.amount) == (LineStatus.CAPPED, Money.parse("£400"))


def test_savings_returned_are_the_rate_of_the_savings_rounded_once_and_split_to_add_up() -> None:
    # £10,000.01 + £5,000.00 = £15,000.01 saved; half is £7,500.005, rounded half up to £7,500.01 = 750,001p.
    # Split 1,000,001 : 500,000 -> 500,000.83p and 250,000.17p; the penny left goes to the larger remainder.
    # The NHS saved nothing and probation's figure is a loss: neither returns anything nor is listed.
    savings = {
        "Essex Police": Money.parse("£10,000.01"),
        "Essex County Council": Money.parse("£5,000.00"),
        "NHS North East Essex CCG": Money(0),
        "Essex Probation": Money.parse("-£1.00"),
    }
    returned = savings_returned(savings, Decimal("0.5"))
    assert returned == {"Essex Police": Money.parse("£5,000.01"), "Essex County Council": Money.parse("£2,500.00")}


def test_savings_returned_round_half_up_before_the_split() -> None:
    # 1p + 2p = 3p; half is 1.5p, rounded half up to 2p, split 1 : 2 as 0.67p and 1.33p -> 1p and 1p.
    # 1p alone: half is 0.5p, rounded half up to 1p (rounding half to even would give 0p).
    assert savings_returned({"Police": Money(1), "Council": Money(2)}, Decimal("0.5")) == {
        "Police": Money(1),
        "Council": Money(1),
    }
    assert savings_returned({"Police": Money(1)}, Decimal("0.5")) == {"Police": Money(1)}
    assert savings_returned({}, Decimal("0.5")) == {}


# Invariants over random cohorts, evidence, relapses, tariffs, caps and earlier claims

CODES = (SCHOOL, OFFENDING, WORK)
days = st.dates(min_value=dt.date(2013, 4, 1), max_value=dt.date(2015, 3, 31))
pence = st.integers(min_value=0, max_value=150_000)


@st.composite
def schemes(draw: st.DrawFn) -> tuple[Rules, dt.date, list[Member], list[Evidence], list[Relapse], Paid]:
    families = [f"F-{number:04d}" for number in range(1, draw(st.integers(1, 6)) + 1)]
    members = [
        Member(family, f"{family} member {index}", draw(days))
        for family in families
        for index in range(draw(st.integers(1, 4)))
    ]
    units = st.sampled_from([*families, "F-9999"])  # F-9999 is not in the cohort
    codes = st.sampled_from([*CODES, "unknown_outcome"])
    evidence = [
        Evidence(number, draw(units), draw(codes), draw(days), f"record {number}")
        for number in range(1, draw(st.integers(0, 14)) + 1)
    ]
    relapses = [
        Relapse(number, draw(units), "someone", draw(days), "arrest")
        for number in range(1, draw(st.integers(0, 8)) + 1)
    ]
    rules = Rules(
        tariffs={code: Money(draw(pence)) for code in draw(st.sets(st.sampled_from(CODES)))},
        attachment_fee=draw(st.none() | pence.map(Money)),
        cap_per_unit=draw(st.none() | st.integers(0, 400_000).map(Money)),
        cap_scheme=draw(st.none() | st.integers(0, 1_000_000).map(Money)),
        holding_months=draw(st.integers(0, 12)),
    )
    pairs = st.tuples(st.sampled_from(families), st.sampled_from([*CODES, ATTACHMENT]))
    earlier = draw(st.sets(pairs, max_size=4))
    by_unit = {unit: Money(draw(pence)) for unit in {unit for unit, _ in earlier}}
    paid = Paid(frozenset(earlier), by_unit, Money.total(by_unit.values()) + Money(draw(pence)))
    return rules, draw(days), members, evidence, relapses, paid


@settings(max_examples=200, deadline=None)
@given(scheme=schemes())
def test_a_claim_never_pays_twice_nor_past_a_cap_nor_a_withdrawn_outcome_and_adds_up(
    scheme: tuple[Rules, dt.date, list[Member], list[Evidence], list[Relapse], Paid],
) -> None:
    rules, period_end, members, evidence, relapses, paid = scheme
    claim = compute_claim(
        rules, period_end=period_end, members=members, evidence=evidence, relapses=relapses, paid=paid
    )
    paying = [line for line in claim.lines if line.status in PAYING]

    # Paid once: no (unit, outcome) twice in this claim, and none that an earlier claim paid.
    pairs = [(line.unit, line.outcome) for line in paying]
    assert len(pairs) == len(set(pairs))
    assert not set(pairs) & paid.outcomes

    # Never past the caps, counting what earlier claims paid (nothing more once a cap is already passed).
    if rules.cap_per_unit is not None:
        for unit in {line.unit for line in paying}:
            room = max(rules.cap_per_unit.pence - paid.by_unit.get(unit, Money(0)).pence, 0)
            assert sum(line.amount.pence for line in paying if line.unit == unit) <= room
    if rules.cap_scheme is not None:
        assert claim.total.pence <= max(rules.cap_scheme.pence - paid.total.pence, 0)

    # A relapse in the family within the holding period of an outcome: that outcome's line does not pay.
    by_id = {item.id: item for item in evidence}
    for line in paying:
        if line.outcome == ATTACHMENT:
            continue
        assert line.evidence_id is not None
        achieved = by_id[line.evidence_id].achieved_on
        held = holds_until(achieved, rules.holding_months)
        assert held <= period_end
        assert not [r for r in relapses if r.unit == line.unit and achieved < r.occurred_on <= held]

    # The total is the paying lines' amounts; each pays at most its tariff; the others pay nothing.
    assert claim.total == Money.total(line.amount for line in paying)
    assert all(0 <= line.amount.pence <= line.tariff.pence for line in paying)
    assert all(line.amount == Money(0) for line in claim.lines if line.status not in PAYING)
    assert all(line.amount == line.tariff for line in claim.lines if line.status is LineStatus.PAYABLE)

    # Every paying line is an attachment fee of a family in the cohort, or points at evidence for its outcome.
    cohort = {member.unit for member in members}
    for line in paying:
        assert line.unit in cohort
        if line.outcome == ATTACHMENT:
            assert line.evidence_id is None and rules.attachment_fee is not None
        else:
            assert line.evidence_id is not None
            item = by_id[line.evidence_id]
            assert (item.unit, item.outcome) == (line.unit, line.outcome)
            assert item.achieved_on <= period_end


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31)), months=st.integers(0, 60))
def test_an_outcome_holds_on_the_same_day_months_later_or_the_last_day_of_a_shorter_month(
    day: dt.date, months: int
) -> None:
    held = holds_until(day, months)
    assert (held.year * 12 + held.month) - (day.year * 12 + day.month) == months
    last_day = calendar.monthrange(held.year, held.month)[1]
    assert held.day == min(day.day, last_day)


@settings(max_examples=200, deadline=None)
@given(
    savings=st.dictionaries(
        st.sampled_from(["Essex Police", "Essex County Council", "NHS", "Probation", "Fire"]),
        st.integers(-500_000, 10**9).map(Money),
    ),
    rate=st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False),
)
def test_savings_returned_add_up_to_the_rate_of_the_savings_rounded_once(
    savings: dict[str, Money], rate: Decimal
) -> None:
    returned = savings_returned(savings, rate)
    saved = {partner: amount for partner, amount in savings.items() if amount.pence > 0}
    whole = (sum(amount.pounds for amount in saved.values()) * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert list(returned) == list(saved)
    assert sum(part.pounds for part in returned.values()) == whole
    total_saved = sum(amount.pence for amount in saved.values())
    for partner, part in returned.items():
        exact = Fraction(int(whole * 100)) * saved[partner].pence / total_saved
        assert abs(part.pence - exact) < 1  # each part within a penny of its exact share
