"""Portfolios: the five seed 001 summary tables, the seed 004 claim, the roll-up, refusals, and the command."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

import wholeplace
from tests.appraisal.test_case_file import CONTRACT
from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.engine import Case, appraise
from wholeplace.appraisal.portfolio import (
    Claim,
    NetBenefits,
    NetBenefitSign,
    PublishedCosts,
    SummaryCase,
    Unit,
    check_summary_case,
    present_value_net_benefits,
    read_portfolio_file,
    roll_up,
    to_json,
)
from wholeplace.appraisal.portfolio_cli import portfolio
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import InvalidInput, Problem

CASES = Path(wholeplace.__file__).parent / "demo" / "cases"
WECB = CASES / "wecb"
FBC_FILES = sorted(WECB.glob("fbc*.yaml"))
CLAIM_FILE = WECB / "claim-seed-004.yaml"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "appraisal-portfolio.md"
MONEY = re.compile(r"^-?\d+\.\d{2}$")


def pounds(amount: int) -> Money:
    return Money(amount * 100)


def thousands(amount: int) -> Money:
    return Money(amount * 1000 * 100)


def read(path: Path) -> Case | SummaryCase | Claim:
    record, problems = read_portfolio_file(path.read_text(encoding="utf-8"), path.name)
    assert problems == []
    assert record is not None
    return record


def seed_summaries() -> list[SummaryCase]:
    summaries = [read(path) for path in FBC_FILES]
    assert all(isinstance(summary, SummaryCase) for summary in summaries)
    return summaries  # type: ignore[return-value]


def seed_claim() -> Claim:
    claim = read(CLAIM_FILE)
    assert isinstance(claim, Claim)
    return claim


# The five seed 001 tables, as published


def test_the_five_seed_001_tables_load_with_their_figures_in_pounds_and_a_saving_positive() -> None:
    summaries = seed_summaries()
    assert [summary.name[:4] for summary in summaries] == ["FBC1", "FBC2", "FBC3", "FBC4", "FBC5"]
    assert all(summary.unit is Unit.THOUSANDS for summary in summaries)
    assert all(summary.net_benefit_sign is NetBenefitSign.NEGATIVE for summary in summaries)
    # Seed 001, each slide's "Cost Benefit Analysis" table in £'000: costs as printed; net benefits with the
    # printed sign turned (-87,587 printed is a saving of £87,587,000).
    published = {
        "FBC1": ((716, 946, 3_081), (87_587, 0, 87_587)),
        "FBC2": ((147, 155, 795), (-1_097, 151_406, 150_309)),
        "FBC3": ((189, 328, 0), (-517, 25_174, 24_657)),
        "FBC4": ((260, 398, 21_012), (944, 4_695, 5_639)),
        "FBC5": ((117, 70, 23_276), (32_790, 0, 32_790)),
    }
    for summary in summaries:
        costs, net = published[summary.name[:4]]
        assert summary.costs == PublishedCosts(*(thousands(figure) for figure in costs))
        assert summary.net_benefits == NetBenefits(*(thousands(figure) for figure in net))


def test_each_seed_001_table_adds_up_in_the_paper() -> None:
    for summary in seed_summaries():
        net = summary.net_benefits
        # FBC1: 87,587 + 0; FBC2: -1,097 + 151,406 = 150,309; FBC3: -517 + 25,174 = 24,657;
        # FBC4: 944 + 4,695 = 5,639; FBC5: 32,790 + 0. Exact: no table relies on rounding.
        assert net.cashable + net.non_cashable == net.total, summary.name
        assert check_summary_case(summary) == []


def test_fbc2_and_fbc3_print_their_costs_as_their_cashable_figure_so_net_benefits_are_net_of_costs() -> None:
    fbc2, fbc3 = seed_summaries()[1:3]
    # FBC2: 147 + 155 + 795 = 1,097 printed as cashable +1,097; FBC3: 189 + 328 + 0 = 517 printed as +517.
    assert fbc2.costs.total == thousands(1_097) == -fbc2.net_benefits.cashable
    assert fbc3.costs.total == thousands(517) == -fbc3.net_benefits.cashable


# The roll-up against seed 004 §3.9


def test_the_five_tables_add_up_to_301m_not_the_414m_seed_004_claims() -> None:
    rolled = roll_up(seed_summaries(), [seed_claim()])
    # Costs: 716 + 147 + 189 + 260 + 117 = 1,429; 946 + 155 + 328 + 398 + 70 = 1,897;
    #        3,081 + 795 + 0 + 21,012 + 23,276 = 48,164; in all 1,429 + 1,897 + 48,164 = 51,490 (£'000).
    assert rolled.published.costs == PublishedCosts(thousands(1_429), thousands(1_897), thousands(48_164))
    assert rolled.published.costs.total == thousands(51_490)
    # Cashable: 87,587 - 1,097 - 517 + 944 + 32,790 = 119,707;
    # non-cashable: 0 + 151,406 + 25,174 + 4,695 + 0 = 181,275; total: 119,707 + 181,275 = 300,982 (£'000).
    assert rolled.published.net_benefits == NetBenefits(thousands(119_707), thousands(181_275), thousands(300_982))
    (check,) = rolled.claims
    # Seed 004 §3.9 claims £127m + £287m = £414m. To the nearest £1m the tables give £120m + £181m = £301m.
    assert check.claim.net_benefits == NetBenefits(pounds(127_000_000), pounds(287_000_000), pounds(414_000_000))
    assert not check.agrees
    # The gap: 127,000 - 119,707 = 7,293; 287,000 - 181,275 = 105,725; 414,000 - 300,982 = 113,018 (£'000).
    assert check.gap == NetBenefits(thousands(7_293), thousands(105_725), thousands(113_018))
    assert check.describe() == "claimed £414m, computed £301m (£300,982,000.00): £113m less than claimed"


def test_a_claim_the_tables_meet_to_its_rounding_agrees() -> None:
    # £120m + £181m = £301m is what the tables give to the nearest £1m: 119.707 -> 120, 181.275 -> 181,
    # 300.982 -> 301; each part within £0.5m.
    claim = Claim(
        "Tables to the nearest £1m",
        NetBenefits(*map(pounds, (120_000_000, 181_000_000, 301_000_000))),
        Unit.MILLIONS,
        NetBenefitSign.POSITIVE,
    )
    (check,) = roll_up(seed_summaries(), [claim]).claims
    assert check.agrees
    assert check.describe() == "claimed £301m, computed £301m (£300,982,000.00): the total agrees to the nearest £1m"


def test_a_claim_needs_summary_cases_to_be_checked_against() -> None:
    case, _ = read_case(CONTRACT, "hub.yaml")
    assert case is not None
    with pytest.raises(InvalidInput) as refused:
        roll_up([case], [seed_claim()])
    assert refused.value.problems == [
        Problem("claims", "A claim is checked against summary-only cases: give at least one")
    ]


# Published figures and present values are never added together


def test_full_cases_roll_up_as_present_values_apart_from_the_published_tables() -> None:
    demo = read(CASES / "domestic-abuse-hub.yaml")
    assert isinstance(demo, Case)
    rolled = roll_up([demo, *seed_summaries()])
    assert rolled.published.net_benefits.total == thousands(300_982)  # the tables only
    present = rolled.present_values
    assert present.appraisals == (appraise(demo),)
    # The demo case (docs/appraisal.md): costs £10,280,774.26; cashable benefits £7,188,810.47; all benefits
    # £22,193,508.07. Costs are charged to cashable, as the tables charge them:
    #   cashable 7,188,810.47 - 10,280,774.26 = -3,091,963.79; non-cashable 22,193,508.07 - 7,188,810.47
    #   = 15,004,697.60; total -3,091,963.79 + 15,004,697.60 = 11,912,733.81, the public value NPV.
    expected = NetBenefits(Money(-309196379), Money(1500469760), Money(1191273381))
    assert present_value_net_benefits(present.appraisals[0]) == present.net_benefits == expected
    assert present.costs == Money(1028077426)
    assert present.bcr == Decimal("2.1587")  # 22,193,508.07 / 10,280,774.26
    assert present.not_added is None


def test_the_json_keeps_published_figures_and_present_values_in_separate_sections() -> None:
    demo = read(CASES / "domestic-abuse-hub.yaml")
    assert isinstance(demo, Case)
    data = to_json(roll_up([demo, *seed_summaries()], [seed_claim()]))
    assert list(data) == ["published", "present_value", "claims"]  # no grand total mixing the two
    published, present = data["published"], data["present_value"]
    assert isinstance(published, dict) and isinstance(present, dict)
    assert published["total"] == {
        "costs": {
            "to_march_2013": "1429000.00",
            "to_march_2014": "1897000.00",
            "further_implementation": "48164000.00",
            "total": "51490000.00",
        },
        "net_benefits": {"cashable": "119707000.00", "non_cashable": "181275000.00", "total": "300982000.00"},
    }
    assert present["total"] == {
        "costs": "10280774.26",
        "net_benefits": {"cashable": "-3091963.79", "non_cashable": "15004697.60", "total": "11912733.81"},
        "bcr": "2.1587",
    }
    (case,) = present["cases"]
    assert case["npv"] == {"fiscal": "6975929.99", "total": "11912733.81"}


def test_present_values_to_different_first_years_are_not_added() -> None:
    early, _ = read_case(CONTRACT, "early.yaml")
    later = CONTRACT.replace("first_year: 2013/14", "first_year: 2014/15").replace("2013/14: 260000", "2015/16: 260000")
    late, _ = read_case(later.replace("2013/14: 1160", "2015/16: 1160"), "late.yaml")
    assert early is not None and late is not None
    assert late.first_year == FinancialYear(2014)
    present = roll_up([early, late]).present_values
    assert len(present.appraisals) == 2
    assert (present.costs, present.net_benefits, present.bcr) == (None, None, None)
    assert present.not_added == "Not added: the cases are discounted to different first years (2013/14, 2014/15)"


def test_two_identical_full_cases_double_every_present_value_and_keep_the_bcr() -> None:
    case, _ = read_case(CONTRACT, "hub.yaml")
    assert case is not None
    one = appraise(case)
    present = roll_up([case, case]).present_values
    assert present.costs == one.pv_costs * 2
    assert present.net_benefits is not None and present.net_benefits.total == one.npv_total * 2
    assert present.bcr == one.bcr  # (2B) / (2C) = B / C


# Reading summary files: every refusal names file, line and key path

SUMMARY = """\
name: "FBC4: Community Safety - Reducing Domestic Abuse"
summary:
  unit: "£'000"
  net_benefit_sign: negative
  costs:
    to_march_2013: 260
    to_march_2014: 398
    further_implementation: 21,012
  net_benefits:
    cashable: -944
    non_cashable: -4,695
    total: -5,639
"""


def problems_in(text: str, filename: str = "fbc4.yaml") -> list[str]:
    record, problems = read_portfolio_file(text, filename)
    assert record is None, "a file with problems must not be read"
    assert problems
    return [str(problem) for problem in problems]


def edited(change: str, to: str, text: str = SUMMARY) -> str:
    assert change in text
    return text.replace(change, to, 1)


def test_a_summary_file_in_json_reads_the_same_as_in_yaml() -> None:
    as_json = json.dumps(yaml.safe_load(SUMMARY.replace(",", "")), indent="\t", ensure_ascii=False)
    assert read_portfolio_file(as_json, "fbc4.json") == read_portfolio_file(SUMMARY, "fbc4.yaml")


def test_a_table_printing_savings_as_positive_numbers_reads_to_the_same_figures() -> None:
    text = edited("net_benefit_sign: negative", "net_benefit_sign: positive")
    text = edited(
        "cashable: -944\n    non_cashable: -4,695\n    total: -5,639",
        "cashable: 944\n    non_cashable: 4,695\n    total: 5,639",
        text,
    )
    positive, _ = read_portfolio_file(text, "fbc4.yaml")
    negative, _ = read_portfolio_file(SUMMARY, "fbc4.yaml")
    assert isinstance(positive, SummaryCase) and isinstance(negative, SummaryCase)
    assert positive.net_benefits == negative.net_benefits == NetBenefits(*map(thousands, (944, 4_695, 5_639)))


def test_a_negative_cost_is_refused() -> None:
    assert problems_in(edited("to_march_2014: 398", "to_march_2014: -398")) == [
        "fbc4.yaml, line 7, summary.costs.to_march_2014: A cost is 0 or more, not -398: summary tables print costs "
        "as positive numbers, whichever way they print net benefits"
    ]


def test_net_benefits_that_do_not_add_up_beyond_rounding_are_refused_in_the_tables_own_figures() -> None:
    # -944 - 4,695 = -5,639; a total of -5,641 is 2 (£2,000) away, more than one unit of £'000 rounding.
    assert problems_in(edited("total: -5,639", "total: -5,641")) == [
        "fbc4.yaml, line 12, summary.net_benefits.total: Cashable (-944) and non-cashable (-4,695) add up to "
        "-5,639, not the total -5,641: more than 1 apart, which rounding to £'000 cannot explain. Check the "
        "figures against the paper"
    ]


def test_net_benefits_one_unit_apart_are_rounding_and_read() -> None:
    # -5,640 is 1 (£1,000) from -5,639: three figures each rounded to £'000 can be that far apart.
    summary, problems = read_portfolio_file(edited("total: -5,639", "total: -5,640"), "fbc4.yaml")
    assert problems == []
    assert isinstance(summary, SummaryCase) and summary.net_benefits.total == thousands(5_640)


def test_in_a_table_in_pounds_a_pound_is_rounding_and_two_pounds_are_not() -> None:
    in_pounds = "name: Small\nsummary:\n  unit: £\n  net_benefit_sign: positive\n  costs:\n    to_march_2013: 10\n"
    in_pounds += "    to_march_2014: 0\n    further_implementation: 0\n  net_benefits:\n"
    in_pounds += "    cashable: 100.40\n    non_cashable: 50.40\n    total: {total}\n"
    # 100.40 + 50.40 = 150.80: 151.80 is £1.00 away, 151.81 is £1.01 away.
    summary, problems = read_portfolio_file(in_pounds.format(total="151.80"), "small.yaml")
    assert problems == [] and isinstance(summary, SummaryCase)
    assert problems_in(in_pounds.format(total="151.81"), "small.yaml")[0].startswith(
        "small.yaml, line 12, summary.net_benefits.total: Cashable (100.4) and non-cashable (50.4) add up to "
        "150.8, not the total 151.81"
    )


@pytest.mark.parametrize(
    ("change", "to", "expected"),
    [
        (
            'unit: "£\'000"',
            "unit: thousands",
            "fbc4.yaml, line 3, summary.unit: The unit is one of £, £'000, £m, not 'thousands'",
        ),
        (
            "net_benefit_sign: negative",
            "net_benefit_sign: minus",
            "fbc4.yaml, line 4, summary.net_benefit_sign: The net benefit sign is one of negative, positive, "
            "not 'minus'",
        ),
        (
            "  net_benefit_sign: negative\n",
            "",
            # A missing key is placed at the first line of the block it belongs in.
            "fbc4.yaml, line 3, summary.net_benefit_sign: Say how the table prints a saving: "
            "net_benefit_sign: negative",
        ),
        (
            "cashable: -944",
            "cashable: about 944",
            "fbc4.yaml, line 10, summary.net_benefits.cashable: Write the figure as the table prints it, like "
            "-87,587, not 'about 944'",
        ),
        (
            "    total: -5,639\n",
            "",
            "fbc4.yaml, line 10, summary.net_benefits.total: Enter total, as the table prints it",
        ),
        (
            "  costs:\n",
            "  costs:\n    total: 21,670\n",
            "fbc4.yaml, line 6, summary.costs.total: 'total' is not a key we know. The costs can have: to_march_2013, "
            "to_march_2014, further_implementation",
        ),
        (
            "summary:\n",
            "costs: []\nsummary:\n",
            "fbc4.yaml, line 2, costs: 'costs' is not a key we know. A summary-only case can have: name, source, "
            "summary",
        ),
    ],
)
def test_single_mistakes_name_their_line_and_key(change: str, to: str, expected: str) -> None:
    assert problems_in(edited(change, to)) == [expected]


def test_a_figure_finer_than_a_penny_is_refused() -> None:
    # 0.000000001 £m is £0.001, a tenth of a penny; 0.0000001 £m is £0.10 and reads.
    text = edited('unit: "£\'000"', "unit: £m").replace("260", "0.000000001")
    assert problems_in(text) == [
        "fbc4.yaml, line 6, summary.costs.to_march_2013: 0.000000001 £m is not a whole number of pence: give "
        "fewer decimal places"
    ]


def test_every_problem_in_a_summary_file_is_reported_at_once() -> None:
    text = edited('unit: "£\'000"', "unit: pence")
    text = edited("to_march_2013: 260", "to_march_2013: lots", text)
    text = edited("    non_cashable: -4,695\n", "", text)
    assert problems_in(text) == [
        "fbc4.yaml, line 3, summary.unit: The unit is one of £, £'000, £m, not 'pence'",
        "fbc4.yaml, line 6, summary.costs.to_march_2013: Write the figure as the table prints it, like -87,587, "
        "not 'lots'",
        "fbc4.yaml, line 10, summary.net_benefits.non_cashable: Enter non_cashable, as the table prints it",
    ]


def test_a_claim_that_does_not_add_up_is_refused() -> None:
    text = CLAIM_FILE.read_text(encoding="utf-8").replace("total: 414", "total: 416")
    problems = problems_in(text, "claim.yaml")
    # 127 + 287 = 414; 416 is 2 (£2m) away.
    assert problems == [
        "claim.yaml, line 19, claim.net_benefits.total: Cashable (127) and non-cashable (287) add up to 414, not "
        "the total 416: more than 1 apart, which rounding to £m cannot explain. Check the figures against the paper"
    ]


def test_a_file_without_summary_or_claim_is_read_as_a_full_case() -> None:
    assert read_portfolio_file(CONTRACT, "hub.yaml") == read_case(CONTRACT, "hub.yaml")


def test_a_summary_case_built_in_code_is_checked_the_same_way() -> None:
    summary = SummaryCase(
        "Built in code",
        PublishedCosts(pounds(-1), pounds(0), pounds(0)),
        NetBenefits(pounds(10), pounds(10), pounds(30)),
        Unit.POUNDS,
        NetBenefitSign.POSITIVE,
    )
    assert [problem.where for problem in check_summary_case(summary)] == [
        "summary.costs.to_march_2013",
        "summary.net_benefits.total",
    ]
    with pytest.raises(InvalidInput):
        roll_up([summary])


# The command


def run(*args: str) -> tuple[int, str]:
    app = typer.Typer()
    app.command()(portfolio)
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_the_command_prints_the_claim_beside_the_computed_total() -> None:
    code, output = run(*map(str, FBC_FILES), str(CLAIM_FILE))
    assert code == 0, output
    assert "claimed £414m, computed £301m (£300,982,000.00): £113m less than claimed" in output
    assert "+£300,982,000.00" in output  # the published total, a saving positive
    assert "undiscounted figures as published, not present values" in output


def test_the_command_prints_json_with_money_as_strings_to_the_penny() -> None:
    code, output = run(
        *map(str, FBC_FILES), str(CLAIM_FILE), str(CASES / "domestic-abuse-hub.yaml"), "--format", "json"
    )
    assert code == 0, output
    data = json.loads(output)
    (claim,) = data["claims"]
    assert claim["claimed"] == {"cashable": "127000000.00", "non_cashable": "287000000.00", "total": "414000000.00"}
    assert claim["computed"]["total"] == "300982000.00"
    assert claim["gap"]["total"] == "113018000.00"
    assert claim["agrees"] is False
    for case in data["published"]["cases"]:
        assert all(MONEY.match(value) for value in [*case["costs"].values(), *case["net_benefits"].values()])
    assert data["present_value"]["cases"][0]["bcr"] == "2.1587"


def test_the_command_reports_every_problem_in_every_file_and_exits_1(tmp_path: Path) -> None:
    bad_summary = tmp_path / "fbc4.yaml"
    bad_summary.write_text(edited("to_march_2014: 398", "to_march_2014: -398"), encoding="utf-8")
    bad_case = tmp_path / "hub.yaml"
    bad_case.write_text(CONTRACT.replace('success_rate: "0.25"', 'success_rate: "1.25"'), encoding="utf-8")
    code, output = run(str(bad_summary), str(bad_case))
    assert code == 1
    assert "fbc4.yaml, line 7, summary.costs.to_march_2014: A cost is 0 or more, not -398" in output
    assert "hub.yaml, line 16, outcomes[0].success_rate: The success rate must be between 0 and 1" in output


# The docs quote the computed figures


def test_the_docs_quote_the_computed_totals_beside_the_claim() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert "claimed £414m, computed £301m (£300,982,000.00): £113m less than claimed" in text
    for figure in ("£119,707,000", "£181,275,000", "£51,490,000", "£113,018,000"):
        assert figure in text, figure
