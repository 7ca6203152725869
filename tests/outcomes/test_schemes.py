"""Payment-by-results schemes on both databases: a claim computed and stored, spot-checked, submitted as a
decision and paid through the ledger; then the demo's families scheme and its paid claim.

The small scheme here is of the demo's shape (demo/outcomes.py `_families_scheme`): £400 on attachment, £700
for crime and school results, £800 for continuous work, £100 for progress to work, each held for six months; at
most £1,600 a family. Four families, six pieces of evidence and one relapse, dated so that every line is known."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_organisation
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.decisions.service import DecisionIn, RecommendationIn, Signature
from wholeplace.funds import ledger
from wholeplace.funds.model import Account, LedgerTransaction, Posting
from wholeplace.money import FinancialYear, Money
from wholeplace.outcomes import claims, grants, schemes
from wholeplace.outcomes.model import (
    ClaimLineRecord,
    ClaimRecord,
    ClaimStatus,
    CohortMember,
    EvidenceRule,
    OutcomeRecord,
    RelapseRecord,
    Scheme,
    SchemeOutcome,
)
from wholeplace.outcomes.periods import Period
from wholeplace.problems import Conflict, InvalidInput, Problem

FINANCE = Actor(None, "finance.officer@essex.example", None, frozenset({Role.FINANCE}))
MAKER_OFFICE = "Cabinet Member for Children and Families, Essex County Council"
# Decides on paper and records it here, as the demo's console actor does: no user, so no maker-checker rule.
CABINET_MEMBER = Actor(None, "console:cabinet", None, frozenset({Role.DECISION_MAKER}))
PROJECT = "Themes:Families:Payment by Results"
SPEND = "Spend:Families:Payment by Results"
Q4_2024 = Period.parse("2024/25 Q4")  # January to March 2025: the claim period ends 31 March 2025
Q1_2025 = Period.parse("2025/26 Q1")  # April to June 2025: ends 30 June 2025

OUTCOMES = [  # code, name, tariff, savings per outcome (pence) by partner
    ("crime-school", "Crime, anti-social behaviour and school attendance", "700", {"Essex Police": 240_000}),
    ("work", "A family member in continuous work", "800", {"Department for Work and Pensions": 520_000}),
    ("progress-to-work", "Progress to work", "100", {"Department for Work and Pensions": 60_000}),
]
COHORT = [  # family, person, attached on; a family joins when its first member does
    ("FAM-0001", "P-0001", dt.date(2024, 5, 1)),
    ("FAM-0001", "P-0002", dt.date(2024, 5, 20)),
    ("FAM-0002", "P-0003", dt.date(2024, 6, 3)),
    ("FAM-0003", "P-0004", dt.date(2024, 9, 16)),
    ("FAM-0004", "P-0005", dt.date(2025, 1, 10)),
]
EVIDENCE = [  # family, outcome, achieved on, source
    ("FAM-0001", "crime-school", dt.date(2024, 6, 15), "Case FAM-0001: attendance 94% and no offences at review"),
    ("FAM-0001", "work", dt.date(2024, 11, 20), "Case FAM-0001: P-0002 in work, payslips seen"),
    ("FAM-0002", "crime-school", dt.date(2024, 7, 1), "Case FAM-0002: attendance 92% at review"),
    ("FAM-0002", "progress-to-work", dt.date(2024, 10, 20), "Case FAM-0002: P-0003 started a work club"),
    ("FAM-0003", "crime-school", dt.date(2024, 9, 1), "Case FAM-0003: attendance 91% at first review"),
    ("FAM-0003", "progress-to-work", dt.date(2024, 9, 30), "Case FAM-0003: P-0004 on a college course"),
]
RELAPSES = [("FAM-0002", "P-0003", dt.date(2024, 10, 5), "Police call-out to the home")]

# The claim for 2024/25 Q4, to 31 March 2025, line by line (attachment fees first, then evidence by family
# and date):
#    1-4  each family's £400 attachment fee: all four joined by 31 March 2025        4 x £400 = £1,600
#    5    FAM-0001 crime-school, 15 June 2024, held to 15 December 2024: payable      £700
#    6    FAM-0001 work, 20 November 2024, holds only on 20 May 2025: not yet          £0
#    7    FAM-0002 crime-school, 1 July 2024: the call-out of 5 October 2024 falls
#         within its six months: withdrawn                                             £0
#    8    FAM-0002 progress-to-work, 20 October 2024 (after the call-out): holds on
#         20 April 2025: not yet                                                       £0
#    9    FAM-0003 crime-school, 1 September 2024, before it joined on 16 September:
#         not eligible                                                                 £0
#   10    FAM-0003 progress-to-work, 30 September 2024, held to 30 March 2025: payable £100
# Total £1,600 + £700 + £100 = £2,400, in six paying lines (1-5 and 10). FAM-0001 has had £1,100 of its £1,600.
FIRST_CLAIM = [
    ("FAM-0001", "attachment", "payable", 400_00),
    ("FAM-0002", "attachment", "payable", 400_00),
    ("FAM-0003", "attachment", "payable", 400_00),
    ("FAM-0004", "attachment", "payable", 400_00),
    ("FAM-0001", "crime-school", "payable", 700_00),
    ("FAM-0001", "work", "not_yet", 0),
    ("FAM-0002", "crime-school", "withdrawn", 0),
    ("FAM-0002", "progress-to-work", "not_yet", 0),
    ("FAM-0003", "crime-school", "not_eligible", 0),
    ("FAM-0003", "progress-to-work", "payable", 100_00),
]
PAYING_POSITIONS = [1, 2, 3, 4, 5, 10]


def families_scheme(session: Session) -> Scheme:
    """The fund, the decision putting £5,000 a year into the scheme's project, the scheme and its cohort."""
    make_organisation(session)  # Essex County Council, GB-LAE-ESS, holds the fund
    fund = ledger.create_fund(
        session,
        FINANCE,
        code="families-pbr-2024-26",
        name="Families with complex needs, payment by results",
        first_year=FinancialYear(2024),
        last_year=FinancialYear(2025),
        holder_identifier="GB-LAE-ESS",
    )
    setup = decisions.draft_decision(
        session,
        FINANCE,
        fund_id=fund.id,
        draft=DecisionIn(
            reference="ECC/FAM/24/01",
            title="Payment by results for families with complex needs, 2024/25 and 2025/26",
            report_date=dt.date(2024, 4, 2),
            author="Family Solutions Programme Manager",
            decision_maker=MAKER_OFFICE,
            recommendations=[
                line
                for year in (FinancialYear(2024), FinancialYear(2025))
                for line in (
                    RecommendationIn(
                        "1",
                        f"Results payments budget, {year}",
                        Money.parse("5000"),
                        "Contributions:Essex County Council",
                        "Pool:Unallocated",
                        year,
                    ),
                    RecommendationIn(
                        "2", f"Results payments, {year}", Money.parse("5000"), "Pool:Unallocated", PROJECT, year
                    ),
                )
            ],
        ),
    )
    decisions.approve_decision(
        session, CABINET_MEMBER, decision_id=setup.id, signature=Signature(dt.date(2024, 4, 2), MAKER_OFFICE)
    )
    account = session.scalars(select(Account).where(Account.fund_id == fund.id, Account.path == PROJECT)).one()
    scheme = Scheme(
        code="families-pbr",
        name="Families with complex needs: payment by results",
        unit="family",
        evidence_rule=EvidenceRule.CASE_OUTCOMES,
        fund_id=fund.id,
        pay_from_account_id=account.id,
        attachment_fee_pence=400_00,
        cap_per_unit_pence=1_600_00,
        cap_scheme_pence=200_000_00,
        holding_months=6,
        savings_rate=Decimal("0.25"),
        decision_maker=MAKER_OFFICE,
    )
    session.add(scheme)
    session.flush()
    for code, name, tariff, savings in OUTCOMES:
        session.add(
            SchemeOutcome(
                scheme_id=scheme.id, code=code, name=name, tariff_pence=Money.parse(tariff).pence, savings_pence=savings
            )
        )
    for family, person, attached in COHORT:
        session.add(CohortMember(scheme_id=scheme.id, unit_ref=family, person_ref=person, attached_on=attached))
    for family, outcome, achieved, source in EVIDENCE:
        session.add(
            OutcomeRecord(
                scheme_id=scheme.id,
                unit_ref=family,
                outcome_code=outcome,
                achieved_on=achieved,
                source=source,
                recorded_by="keyworker@essex.example",
            )
        )
    for family, person, occurred, what in RELAPSES:
        session.add(
            RelapseRecord(
                scheme_id=scheme.id,
                unit_ref=family,
                person_ref=person,
                occurred_on=occurred,
                what=what,
                recorded_by="keyworker@essex.example",
            )
        )
    session.flush()
    session.expire(scheme, ["outcomes"])
    return scheme


def summary(claim: ClaimRecord) -> list[tuple[str, str, str, int]]:
    return [(line.unit_ref, line.outcome_code, line.status, line.amount_pence) for line in claim.lines]


def line_at(claim: ClaimRecord, position: int) -> ClaimLineRecord:
    return next(line for line in claim.lines if line.position == position)


def submitted_first_claim(session: Session) -> tuple[ClaimRecord, Decision]:
    """The 2024/25 Q4 claim, sampled, every sampled line passed, and submitted."""
    claim = schemes.make_claim(session, FINANCE, scheme_code="families-pbr", period=Q4_2024)
    for line in schemes.draw_sample(session, FINANCE, claim_id=claim.id):
        schemes.record_check(session, FINANCE, line_id=line.id, passed=True, note="Evidence seen on the case file")
    decision = schemes.submit_claim(
        session, FINANCE, claim_id=claim.id, reference="ECC/FAM/25/04", report_date=dt.date(2025, 5, 6)
    )
    return claim, decision


def test_a_claim_stores_the_lines_the_engine_computes_from_the_schemes_records(session: Session) -> None:
    scheme = families_scheme(session)
    claim = schemes.make_claim(session, FINANCE, scheme_code=scheme.code, period=Q4_2024)
    assert (claim.status, claim.period, claim.created_by) == (ClaimStatus.DRAFT, Q4_2024, FINANCE.label)
    assert summary(claim) == FIRST_CLAIM
    assert claim.total_pence == 2_400_00
    assert [line.position for line in claim.lines] == list(range(1, 11))
    assert [line.position for line in claim.lines if line.paying] == PAYING_POSITIONS
    evidence = {(r.unit_ref, r.outcome_code): r for r in session.scalars(select(OutcomeRecord))}
    [relapse] = session.scalars(select(RelapseRecord)).all()
    # The same records, put to the engine directly: the test's own tables, with the ids the rows were given.
    computed = claims.compute_claim(
        claims.Rules(
            tariffs={code: Money.parse(tariff) for code, _name, tariff, _savings in OUTCOMES},
            attachment_fee=Money.parse("400"),
            cap_per_unit=Money.parse("1600"),
            cap_scheme=Money.parse("200000"),
            holding_months=6,
        ),
        period_end=dt.date(2025, 3, 31),
        members=[claims.Member(family, person, attached) for family, person, attached in COHORT],
        evidence=[
            claims.Evidence(evidence[family, outcome].id, family, outcome, achieved, source)
            for family, outcome, achieved, source in EVIDENCE
        ],
        relapses=[claims.Relapse(relapse.id, *RELAPSES[0])],
    )
    stored = [
        claims.Line(
            line.unit_ref,
            line.outcome_code,
            Money(line.tariff_pence),
            Money(line.amount_pence),
            claims.LineStatus(line.status),
            line.reason,
            line.evidence_id,
            line.relapse_id,
        )
        for line in claim.lines
    ]
    assert stored == list(computed.lines)
    assert Money(claim.total_pence) == computed.total
    # Each line carries its evidence: the withdrawn one the relapse too.
    withdrawn = line_at(claim, 7)
    assert withdrawn.evidence_id == evidence["FAM-0002", "crime-school"].id
    assert withdrawn.relapse_id == relapse.id
    assert withdrawn.reason == (
        "Police call-out to the home on 05 October 2024, within 6 months of the outcome on 01 July 2024"
    )
    assert line_at(claim, 1).evidence_id is None  # an attachment fee has no evidence but the cohort


def test_computing_a_drafts_period_again_replaces_its_lines(session: Session) -> None:
    scheme = families_scheme(session)
    claim = schemes.make_claim(session, FINANCE, scheme_code=scheme.code, period=Q4_2024)
    schemes.draw_sample(session, FINANCE, claim_id=claim.id)
    # A police call-out to FAM-0003 on 1 December 2024 is recorded late: it falls within the six months of its
    # progress to work (30 September 2024 to 30 March 2025), so line 10's £100 is withdrawn: £2,400 - £100.
    session.add(
        RelapseRecord(
            scheme_id=scheme.id,
            unit_ref="FAM-0003",
            person_ref="P-0004",
            occurred_on=dt.date(2024, 12, 1),
            what="Police call-out to the home",
            recorded_by="keyworker@essex.example",
        )
    )
    session.flush()
    again = schemes.make_claim(session, FINANCE, scheme_code=scheme.code, period=Q4_2024)
    assert again.id == claim.id
    assert summary(again) == [*FIRST_CLAIM[:9], ("FAM-0003", "progress-to-work", "withdrawn", 0)]
    assert again.total_pence == 2_300_00
    assert not any(line.sampled for line in again.lines)  # the old sample went with the old lines
    held = session.scalar(select(func.count()).select_from(ClaimLineRecord).where(ClaimLineRecord.claim_id == claim.id))
    assert held == 10
    assert session.scalar(select(func.count()).select_from(ClaimRecord)) == 1


def test_the_sample_is_drawn_the_same_way_every_time_and_only_from_paying_lines(session: Session) -> None:
    scheme = families_scheme(session)
    claim = schemes.make_claim(session, FINANCE, scheme_code=scheme.code, period=Q4_2024)
    # A tenth of six paying lines, and at least one: one line.
    [first] = schemes.draw_sample(session, FINANCE, claim_id=claim.id)
    assert first.position in PAYING_POSITIONS and first.paying
    # The same claim computed afresh (new lines, none sampled) draws the same lines: the draw is seeded by the
    # claim and its number of lines, not by chance. Three of six, so a match by luck would be 1 in 20.
    drawn = []
    for _ in range(2):
        fresh = schemes.make_claim(session, FINANCE, scheme_code=scheme.code, period=Q4_2024)
        assert fresh.id == claim.id and not any(line.sampled for line in fresh.lines)
        three = schemes.draw_sample(session, FINANCE, claim_id=fresh.id, size=3)
        assert all(line.paying for line in three)
        drawn.append([line.position for line in three])
    assert drawn[0] == drawn[1]
    assert set(drawn[0]) <= set(PAYING_POSITIONS)
    # Asking for more lines than are paying is refused; asking for all of them takes every paying line and no
    # other. Lines already drawn are not drawn again: three are left to draw.
    with pytest.raises(InvalidInput) as refused:
        schemes.draw_sample(session, FINANCE, claim_id=fresh.id, size=4)
    assert refused.value.problems == [Problem("size", "Choose between 1 and 3 lines")]
    rest = schemes.draw_sample(session, FINANCE, claim_id=fresh.id, size=3)
    assert sorted(drawn[1] + [line.position for line in rest]) == PAYING_POSITIONS
    assert [line.position for line in fresh.lines if line.sampled] == PAYING_POSITIONS
    assert schemes.draw_sample(session, FINANCE, claim_id=fresh.id) == []  # nothing paying left to draw


def test_a_failed_check_with_a_note_reverses_its_line_and_takes_exactly_its_amount_off(session: Session) -> None:
    scheme = families_scheme(session)
    claim = schemes.make_claim(session, FINANCE, scheme_code=scheme.code, period=Q4_2024)
    schemes.draw_sample(session, FINANCE, claim_id=claim.id, size=6)
    school = line_at(claim, 5)  # FAM-0001 crime-school, £700
    checked = schemes.record_check(
        session, FINANCE, line_id=school.id, passed=False, note="  No school attendance record for the summer term "
    )
    assert (checked.status, checked.amount_pence, checked.check_passed, checked.paying) == ("reversed", 0, False, False)
    assert checked.check_note == "No school attendance record for the summer term"
    assert checked.reason == (
        "Reversed by a spot check: No school attendance record for the summer term (was payable, £700.00)"
    )
    # £2,400 - £700 = £1,700. A passed check changes nothing.
    assert claim.total_pence == 1_700_00
    fee = schemes.record_check(session, FINANCE, line_id=line_at(claim, 1).id, passed=True, note="")
    assert (fee.status, fee.amount_pence, fee.check_passed) == ("payable", 400_00, True)
    assert claim.total_pence == 1_700_00
    assert schemes.line_counts(claim) == {
        "payable": 5,
        "capped": 0,
        "withdrawn": 1,
        "not_yet": 2,
        "already_paid": 0,
        "not_eligible": 1,
        "reversed": 1,
    }


def test_a_failed_check_without_a_note_and_a_check_of_a_line_not_drawn_are_refused(session: Session) -> None:
    scheme = families_scheme(session)
    claim = schemes.make_claim(session, FINANCE, scheme_code=scheme.code, period=Q4_2024)
    [drawn] = schemes.draw_sample(session, FINANCE, claim_id=claim.id)
    for note in ("", "   "):
        with pytest.raises(InvalidInput) as refused:
            schemes.record_check(session, FINANCE, line_id=drawn.id, passed=False, note=note)
        assert refused.value.problems == [Problem("note", "Say what the check found")]
    assert (drawn.status, drawn.check_passed) == (FIRST_CLAIM[drawn.position - 1][2], None)
    assert claim.total_pence == 2_400_00
    not_drawn = next(line for line in claim.lines if not line.sampled)
    with pytest.raises(InvalidInput) as refused:
        schemes.record_check(session, FINANCE, line_id=not_drawn.id, passed=True, note="")
    assert refused.value.problems == [Problem("line", "Only a line drawn for a spot check can be checked")]


def test_a_claim_is_not_submitted_while_a_sampled_line_is_unchecked(session: Session) -> None:
    scheme = families_scheme(session)
    claim = schemes.make_claim(session, FINANCE, scheme_code=scheme.code, period=Q4_2024)
    [drawn] = schemes.draw_sample(session, FINANCE, claim_id=claim.id)
    with pytest.raises(InvalidInput) as refused:
        schemes.submit_claim(
            session, FINANCE, claim_id=claim.id, reference="ECC/FAM/25/04", report_date=dt.date(2025, 5, 6)
        )
    assert refused.value.problems == [Problem("lines", f"Check the sampled lines first: {drawn.position}")]
    assert (claim.status, claim.decision_id) == (ClaimStatus.DRAFT, None)


def test_submitting_drafts_the_payment_and_approving_it_posts_it_and_pays_the_claim(session: Session) -> None:
    scheme = families_scheme(session)
    claim, decision = submitted_first_claim(session)
    assert (claim.status, claim.decision_id) == (ClaimStatus.SUBMITTED, decision.id)
    assert (decision.status, decision.reference, decision.decision_maker) == (
        DecisionStatus.DRAFT,
        "ECC/FAM/25/04",
        MAKER_OFFICE,
    )
    assert decision.title == "Families with complex needs: payment by results: payment by results claim for 2024/25 Q4"
    # One recommendation: the claim's £2,400 from the project to its spend, in 2024/25, the year the period ends.
    [pay] = decision.recommendations
    assert (pay.amount_pence, pay.from_account.path, pay.to_account.path, pay.from_year, pay.to_year) == (
        2_400_00,
        PROJECT,
        SPEND,
        2024,
        2024,
    )
    assert pay.from_account.id == scheme.pay_from_account_id
    assert schemes.get_claim(session, FINANCE, claim.id).status is ClaimStatus.SUBMITTED  # until it is approved
    # A draft moves no money.
    project = session.get(Account, scheme.pay_from_account_id)
    assert project is not None
    assert grants.ledger_spend(session, project, up_to=dt.date(2025, 12, 31)) == Money(0)

    [posted] = decisions.approve_decision(
        session, CABINET_MEMBER, decision_id=decision.id, signature=Signature(dt.date(2025, 5, 13), MAKER_OFFICE)
    )
    assert posted.date == dt.date(2025, 5, 6)  # the report's date, the recommendation's effective date
    postings = sorted((p.account.path, p.amount_pence, p.financial_year) for p in posted.postings)
    assert postings == [(SPEND, 2_400_00, 2024), (PROJECT, -2_400_00, 2024)]
    assert sum(amount for _path, amount, _year in postings) == 0
    assert schemes.get_claim(session, FINANCE, claim.id).status is ClaimStatus.PAID
    assert grants.ledger_spend(session, project, up_to=dt.date(2025, 12, 31)) == Money.parse("£2,400.00")
    # The project had £5,000 for 2024/25: £2,600 of it is left.
    left = session.scalar(
        select(func.sum(Posting.amount_pence)).where(Posting.account_id == project.id, Posting.financial_year == 2024)
    )
    assert left == 2_600_00


def test_a_claim_once_submitted_cannot_be_computed_checked_or_sampled_again(session: Session) -> None:
    families_scheme(session)
    claim, decision = submitted_first_claim(session)
    with pytest.raises(Conflict, match="The claim for 2024/25 Q4 has been submitted: it cannot be computed again"):
        schemes.make_claim(session, FINANCE, scheme_code="families-pbr", period=Q4_2024)
    with pytest.raises(Conflict, match="The claim has been submitted: it can no longer change"):
        schemes.draw_sample(session, FINANCE, claim_id=claim.id)
    with pytest.raises(Conflict, match="The claim has been submitted: it can no longer change"):
        schemes.record_check(session, FINANCE, line_id=line_at(claim, 1).id, passed=False, note="Family not known")
    decisions.approve_decision(
        session, CABINET_MEMBER, decision_id=decision.id, signature=Signature(dt.date(2025, 5, 13), MAKER_OFFICE)
    )
    assert schemes.get_claim(session, FINANCE, claim.id).status is ClaimStatus.PAID
    with pytest.raises(Conflict, match="The claim for 2024/25 Q4 has been paid: it cannot be computed again"):
        schemes.make_claim(session, FINANCE, scheme_code="families-pbr", period=Q4_2024)
    assert summary(claim) == FIRST_CLAIM


def test_a_later_claim_never_pays_an_outcome_an_earlier_claim_paid(session: Session) -> None:
    families_scheme(session)
    first, _decision = submitted_first_claim(session)
    later = schemes.make_claim(session, FINANCE, scheme_code="families-pbr", period=Q1_2025)
    # 2025/26 Q1, to 30 June 2025, with the first claim's £2,400 submitted:
    #    1-4  attachment fees: paid in the first claim                                  already paid
    #    5    FAM-0001 crime-school: paid in the first claim                            already paid
    #    6    FAM-0001 work: held on 20 May 2025, £800, but the family has had £1,100 of
    #         its £1,600 cap: cut to £500                                               capped £500
    #    7    FAM-0002 crime-school: still withdrawn by the call-out                    withdrawn
    #    8    FAM-0002 progress-to-work: held on 20 April 2025                          payable £100
    #    9    FAM-0003 crime-school: still before it joined                             not eligible
    #   10    FAM-0003 progress-to-work: paid in the first claim                        already paid
    # Total £500 + £100 = £600.
    assert summary(later) == [
        ("FAM-0001", "attachment", "already_paid", 0),
        ("FAM-0002", "attachment", "already_paid", 0),
        ("FAM-0003", "attachment", "already_paid", 0),
        ("FAM-0004", "attachment", "already_paid", 0),
        ("FAM-0001", "crime-school", "already_paid", 0),
        ("FAM-0001", "work", "capped", 500_00),
        ("FAM-0002", "crime-school", "withdrawn", 0),
        ("FAM-0002", "progress-to-work", "payable", 100_00),
        ("FAM-0003", "crime-school", "not_eligible", 0),
        ("FAM-0003", "progress-to-work", "already_paid", 0),
    ]
    assert line_at(later, 6).reason == "Cut from £800.00 to £500.00 by a cap"
    assert later.total_pence == 600_00
    paid_first = {(line.unit_ref, line.outcome_code) for line in first.lines if line.paying}
    paid_later = {(line.unit_ref, line.outcome_code) for line in later.lines if line.paying}
    assert paid_first & paid_later == set()


def test_savings_returned_are_a_quarter_of_the_savings_of_the_outcomes_paid(session: Session) -> None:
    scheme = families_scheme(session)
    claim = schemes.make_claim(session, FINANCE, scheme_code=scheme.code, period=Q1_2025)
    # Computed alone (nothing paid before), 2025/26 Q1 pays FAM-0001 crime-school and work and both families'
    # progress to work: Essex Police £2,400; DWP £5,200 + £600 + £600 = £6,400. A quarter: £600 and £1,600.
    returned = schemes.savings_for(scheme, claim.lines)
    assert returned.rate == Decimal("0.25")
    assert returned.savings == {
        "Essex Police": Money.parse("£2,400"),
        "Department for Work and Pensions": Money.parse("£6,400"),
    }
    assert returned.returned == {
        "Essex Police": Money.parse("£600"),
        "Department for Work and Pensions": Money.parse("£1,600"),
    }


# The demo's families scheme (demo/outcomes.py): a paid claim for 2025/26 Q4 under ECC/FAM/26/02 and a draft
# for 2026/27 Q2. Its cohort's evidence is drawn from a seed against today's date, so these tests check how the
# figures hang together rather than the figures themselves.
DEMO_PROJECT = "Themes:Families with Complex Needs:Payment by Results"
DEMO_SAVINGS = {  # pence per outcome by partner, as demo/outcomes.py FAMILY_OUTCOMES gives them
    "crime-school": {"Essex Police": 2_400_00, "Essex County Council": 1_900_00},
    "work": {"Department for Work and Pensions": 5_200_00},
    "progress-to-work": {"Department for Work and Pensions": 600_00},
}


def demo_claims(session: Session) -> list[ClaimRecord]:
    scheme = schemes.get_scheme(session, FINANCE, "families-pbr")
    return schemes.claims_of(session, FINANCE, scheme)


def test_the_demos_paid_claim_is_its_paying_lines_and_the_ledger_spent_exactly_that(demo_session: Session) -> None:
    session = demo_session
    paid, draft = demo_claims(session)
    assert (str(paid.period), paid.status, str(draft.period), draft.status) == (
        "2025/26 Q4",
        ClaimStatus.PAID,
        "2026/27 Q2",
        ClaimStatus.DRAFT,
    )
    decision = schemes.decision_of(session, paid)
    assert decision is not None
    assert (decision.reference, decision.status) == ("ECC/FAM/26/02", DecisionStatus.APPROVED)
    total = Money(paid.total_pence)
    assert total == Money.total(Money(line.amount_pence) for line in paid.lines if line.status in ("payable", "capped"))
    assert total.pence > 0
    # The first sampled line failed its check (no school attendance record) and is reversed.
    [reversed_line] = [line for line in paid.lines if line.status == "reversed"]
    assert (reversed_line.sampled, reversed_line.check_passed, reversed_line.amount_pence) == (True, False, 0)
    project = session.scalars(
        select(Account).where(Account.fund_id == paid.scheme.fund_id, Account.path == DEMO_PROJECT)
    ).one()
    assert grants.ledger_spend(session, project, up_to=dt.date(2099, 12, 31)) == total
    [payment] = session.scalars(select(LedgerTransaction).where(LedgerTransaction.decision_id == decision.id)).all()
    assert sorted((p.account.path, p.amount_pence) for p in payment.postings) == [
        ("Spend:Families with Complex Needs:Payment by Results", total.pence),
        (DEMO_PROJECT, -total.pence),
    ]
    # Nothing the paid claim paid is paid again by the draft.
    paid_outcomes = {(line.unit_ref, line.outcome_code) for line in paid.lines if line.paying}
    assert not paid_outcomes & {(line.unit_ref, line.outcome_code) for line in draft.lines if line.paying}


def test_the_demos_savings_returned_add_up_to_a_quarter_of_its_savings_rounded_once(demo_session: Session) -> None:
    session = demo_session
    paid, _draft = demo_claims(session)
    result = schemes.savings_for(paid.scheme, paid.lines)
    # By hand: each paying line's outcome saves its partners what FAMILY_OUTCOMES says; attachment fees save
    # nothing, and a reversed line is not paying.
    savings: dict[str, int] = {}
    for line in paid.lines:
        if line.status in ("payable", "capped"):
            for partner, pence in DEMO_SAVINGS.get(line.outcome_code, {}).items():
                savings[partner] = savings.get(partner, 0) + pence
    assert result.savings == {partner: Money(pence) for partner, pence in savings.items()}
    whole = (Decimal(sum(savings.values())) * Decimal("0.25")).quantize(Decimal(1), ROUND_HALF_UP)
    assert Money.total(result.returned.values()) == Money(int(whole))
    assert set(result.returned) == set(savings)
