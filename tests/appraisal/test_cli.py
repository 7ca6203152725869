"""`wholeplace appraise`: the JSON contract, Rich tables, refusals, the seed 002 demo case, --simulate, --shares,
workbooks in and out, and unit costs from a library file."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import wholeplace
from wholeplace.appraisal import engine, shares_report, workbook
from wholeplace.appraisal.case_file import read_case
from wholeplace.cli import app

DEMO_CASE = Path(wholeplace.__file__).parent / "demo" / "cases" / "domestic-abuse-hub.yaml"
runner = CliRunner()
MONEY = re.compile(r"^-?\d+\.\d{2}$")
RATIO = re.compile(r"^-?\d+\.\d{4}$")
PARTNER_KEYS = ("partner", "pv_costs", "pv_benefits", "net")  # each by_partner row has at least these


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output  # standard output and error, interleaved


def run_apart(*args: str) -> tuple[int, str, str]:
    """The exit code, standard output and standard error, each on its own."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def appraise_json(path: Path) -> dict[str, object]:
    code, output = run("appraise", str(path), "--format", "json")
    assert code == 0, output
    data: dict[str, object] = json.loads(output)
    return data


def assert_contract(data: dict[str, object]) -> None:
    """The keys and formats issue 4, part 2 fixes; more keys may follow them."""
    npv = data["npv"]
    assert isinstance(npv, dict) and set(npv) == {"fiscal", "total"}
    assert all(MONEY.match(npv[key]) for key in npv)
    assert isinstance(data["pv_costs"], str) and MONEY.match(data["pv_costs"])
    benefits = data["pv_benefits"]
    assert isinstance(benefits, dict)
    assert list(benefits) == ["fiscal_cashable", "fiscal_noncashable", "economic", "social"]
    assert all(MONEY.match(value) for value in benefits.values())
    for ratio in ("bcr", "financial_roi"):
        value = data[ratio]
        assert value is None or (isinstance(value, str) and RATIO.match(value))
    payback = data["payback_year"]
    assert payback is None or (isinstance(payback, str) and re.match(r"^\d{4}/\d{2}$", payback))
    partners = data["by_partner"]
    assert isinstance(partners, list) and partners
    for row in partners:
        assert set(PARTNER_KEYS) <= set(row)
        assert all(MONEY.match(row[key]) for key in ("pv_costs", "pv_benefits", "net"))


def test_the_demo_case_from_seed_002_appraises_with_every_required_key() -> None:
    data = appraise_json(DEMO_CASE)
    assert_contract(data)
    assert "simulation" not in data  # only with --simulate
    # The figures the demo case's header comment quotes beside the paper's £7.6m (seed 002 §8).
    assert data["npv"] == {"fiscal": "6975929.99", "total": "11912733.81"}
    assert data["payback_year"] == "2014/15"
    assert (data["bcr"], data["financial_roi"]) == ("2.1587", "1.6785")
    # §8: £2 million a year before optimism bias; confidence grade 3 adds 10%.
    flows = data["flows"]
    assert isinstance(flows, list)
    assert [flow["costs"] for flow in flows] == ["2200000.00"] * 5
    text = DEMO_CASE.read_text(encoding="utf-8")
    assert "£6,975,929.99" in text, "update the demo case's header comment with the computed NPV"


def test_the_contract_example_prints_the_contract_json(tmp_path: Path) -> None:
    from tests.appraisal.test_case_file import CONTRACT

    case = tmp_path / "hub.yaml"
    case.write_text(CONTRACT, encoding="utf-8")
    data = appraise_json(case)
    assert_contract(data)
    # Worked by hand (see test_engine for the method), at a constant 3.5%:
    #   costs: 286,000 + 437,800 / 1.035 = 286,000 + 422,995.17 = £708,995.17
    #   outcomes: 1,160 x 0.8 x 0.25 x 0.9 x 0.8 = 167.04 a year; at £1,200 with half lost in the second year:
    #     year 0: 167.04 x 1,200 = 200,448; year 1: (83.52 + 167.04) x 1,200 = 300,672; year 2: 83.52 x 1,200 = 100,224
    #     PV = 200,448 + 300,672 / 1.035 + 100,224 / 1.035^2 = 200,448 + 290,504.3478 + 93,560.1764
    #        = 584,512.5243, so £584,512.52
    assert data["pv_costs"] == "708995.17"
    assert data["pv_benefits"] == {
        "fiscal_cashable": "584512.52",
        "fiscal_noncashable": "0.00",
        "economic": "0.00",
        "social": "0.00",
    }
    assert data["npv"] == {"fiscal": "-124482.65", "total": "-124482.65"}
    assert (data["bcr"], data["financial_roi"], data["payback_year"]) == ("0.8244", "0.8244", None)
    partners = data["by_partner"]
    assert isinstance(partners, list)
    assert [{key: row[key] for key in PARTNER_KEYS} for row in partners] == [
        {"partner": "Essex County Council", "pv_costs": "708995.17", "pv_benefits": "0.00", "net": "-708995.17"},
        {"partner": "Essex Police", "pv_costs": "0.00", "pv_benefits": "584512.52", "net": "584512.52"},
    ]


def test_the_table_format_prints_the_summary_partners_and_years() -> None:
    code, output = run("appraise", str(DEMO_CASE))
    assert code == 0, output
    for words in (
        "Net present value, public value",
        "+£11,912,733.81",
        "Who pays, who gains",
        "NHS West Cheshire Clinical Commissioning Group",
        "-£167,276.84",
        "Year by year",
        "2017/18",
        "Discounted payback year (fiscal)",
    ):
        assert words in output


def test_a_case_with_problems_prints_each_with_its_line_and_computes_nothing(tmp_path: Path) -> None:
    case = tmp_path / "bad.yaml"
    case.write_text(
        "name: Bad\nfirst_year: 2013/14\nyears: 2\ncosts:\n"
        "  - {name: Staff, payer: Council, kind: revenue, by_year: {2015/16: 10}}\n",
        encoding="utf-8",
    )
    code, output = run("appraise", str(case), "--format", "json")
    assert code == 1
    assert output.strip() == (
        "bad.yaml, line 5, costs[0].by_year.2015/16: 2015/16 is outside the appraisal period, 2013/14 to 2014/15"
    )


# Uncertainty: --simulate N --seed S

# Three years, no discounting: NPV = 3 x 100 x success x £50 - 3 x amount; centrally 7,500 - 3,000 = £4,500.
UNCERTAIN = """\
name: Uncertain hub
first_year: 2013/14
years: 3
discount_rate: "0"
costs:
  - {name: Hub staff, payer: Council, kind: revenue, amount: {uniform: [800, 1200]}}
cohort: {size: 100}
outcomes:
  - name: Fewer repeat incidents
    success_rate: {triangular: [0.3, 0.5, 0.7]}
    benefits:
      - {beneficiary: Police, kind: fiscal_cashable, unit_value: 50}
"""


def uncertain_case(tmp_path: Path) -> Path:
    case = tmp_path / "uncertain.yaml"
    case.write_text(UNCERTAIN, encoding="utf-8")
    return case


def test_simulate_adds_a_simulation_object_to_the_json(tmp_path: Path) -> None:
    case = uncertain_case(tmp_path)
    code, output = run("appraise", str(case), "--format", "json", "--simulate", "2000")
    assert code == 0, output
    data = json.loads(output)
    assert data["npv"] == {"fiscal": "4500.00", "total": "4500.00"}  # the central values, as without --simulate
    simulation = data["simulation"]
    assert list(simulation) == [
        "draws",
        "seed",
        "npv_total",
        "npv_fiscal",
        "probability_npv_positive",
        "probability_npv_fiscal_positive",
        "tornado",
        "break_even",
    ]
    assert (simulation["draws"], simulation["seed"]) == (2000, 2013)
    for summary in (simulation["npv_total"], simulation["npv_fiscal"]):
        assert list(summary) == ["mean", "p10", "p50", "p90"]
        assert all(MONEY.match(value) for value in summary.values())
        assert Decimal(summary["p10"]) <= Decimal(summary["p50"]) <= Decimal(summary["p90"])
    # The lowest NPV possible is 15,000 x 0.3 - 3 x 1,200 = £900, so every draw is above zero.
    assert simulation["probability_npv_positive"] == "1.0000"
    assert [bar["input"] for bar in simulation["tornado"]] == ["outcomes[0].success_rate", "costs[0].amount"]
    assert simulation["break_even"][-1] == {
        "input": "outcomes[0].benefits[0].unit_value",
        "label": "Value to Police of each outcome, Fewer repeat incidents",
        "measure": "money",
        "central": "50.00",
        "value": "20.00",  # 3 x 100 x 0.5 x v = 3 x £1,000 at v = £20
    }
    again = run("appraise", str(case), "--format", "json", "--simulate", "2000", "--seed", "2013")
    assert again == (0, output), "the default seed is 2013, and the same seed gives the same figures"
    other = json.loads(run("appraise", str(case), "--format", "json", "--simulate", "2000", "--seed", "7")[1])
    assert other["simulation"]["npv_total"] != simulation["npv_total"]


def test_simulate_prints_the_spread_the_tornado_and_break_even_as_tables(tmp_path: Path) -> None:
    code, output = run("appraise", str(uncertain_case(tmp_path)), "--simulate", "1000", "--seed", "4")
    assert code == 0, output
    for words in (
        "2 inputs are distributions: these figures use central values",
        "Monte Carlo simulation: 1,000 draws, seed 4",
        "Probability NPV > 0",
        "Tornado",
        "Success rate, Fewer repeat incidents",
        "outcomes[0].success_rate",
        "0.3894",
        "+£2,841.00",
        "£3,318.00",
        "Break-even",
        "£20.00",
    ):
        assert words in output


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (["--simulate", "0"], "--simulate: Give from 1 to 1,000,000 draws, not 0"),
        (["--simulate", "1000001"], "--simulate: Give from 1 to 1,000,000 draws, not 1,000,001"),
        (["--simulate", "10", "--seed", "-1"], "--seed: Give the seed as a whole number, 0 or more, not -1"),
        (["--seed", "3"], "--seed: Give --simulate N too: the seed chooses its draws"),
    ],
)
def test_a_simulation_of_no_draws_or_too_many_is_refused(tmp_path: Path, options: list[str], problem: str) -> None:
    code, output = run("appraise", str(uncertain_case(tmp_path)), *options)
    assert (code, output.strip()) == (1, problem)


# Who pays, who gains and fair shares: --shares


def test_shares_adds_who_pays_and_fair_shares_to_the_json() -> None:
    code, output = run("appraise", str(DEMO_CASE), "--format", "json", "--shares")
    assert code == 0, output
    data = json.loads(output)
    case, _ = read_case(DEMO_CASE.read_text(encoding="utf-8"), DEMO_CASE.name)
    assert case is not None
    assert data["shares"] == shares_report.shares_json(engine.appraise(case))
    assert {key: data[key] for key in ("npv", "pv_costs")} == {
        "npv": {"fiscal": "6975929.99", "total": "11912733.81"},
        "pv_costs": "10280774.26",
    }
    fair = data["shares"]["fair_shares"]
    # In proportion to benefits: the cost times each partner's share of all benefits, e.g. the police's
    # 10,280,774.26 x 8,677,790.57 / 22,193,508.07 = 4,019,842.4532, so £4,019,842.45; and the parts add up to
    # the cost: 2,385,725.89 + 4,019,842.45 + 951,442.00 + 636,871.49 + 2,286,892.43 = 10,280,774.26.
    proportional = {share["partner"]: share["contribution"] for share in fair["proportional"]}
    assert proportional["Cheshire Constabulary"] == "4019842.45"
    for proposal in ("proportional", "shapley"):
        assert sum(Decimal(share["contribution"]) for share in fair[proposal]) == Decimal(data["pv_costs"])
        assert all(Decimal(share["net"]) >= 0 for share in fair[proposal])  # nobody out of pocket
    assert "shares" not in appraise_json(DEMO_CASE)  # only with --shares


def test_shares_prints_the_who_pays_matrix_and_both_proposals_after_the_appraisal() -> None:
    code, output = run("appraise", str(DEMO_CASE), "--shares")
    assert code == 0, output
    order = [
        "Net present value, public value",
        "Year by year",
        "Who pays, who gains (present values)",
        "Out of pocket on a case that is good for the place: NHS West Cheshire Clinical Commissioning Group",
        "Fair shares in proportion to benefits: £10,280,774.26 to share",
        "£4,019,842.45",
        "Fair shares by Shapley value: £10,280,774.26 to share",
    ]
    positions = [output.index(words) for words in order]
    assert positions == sorted(positions)


def test_shares_and_simulate_go_together(tmp_path: Path) -> None:
    case = uncertain_case(tmp_path)
    code, output = run("appraise", str(case), "--format", "json", "--shares", "--simulate", "100")
    assert code == 0, output
    data = json.loads(output)
    assert data["simulation"]["draws"] == 100
    # One partner pays £3,000 and another gains £7,500 at the central values: the proportional rule puts the
    # whole cost on the only partner that gains.
    (police,) = [share for share in data["shares"]["fair_shares"]["proportional"] if share["partner"] == "Police"]
    assert (police["contribution"], police["net"]) == ("3000.00", "4500.00")
    code, output = run("appraise", str(case), "--shares", "--simulate", "100")
    assert code == 0, output
    assert output.index("Fair shares in proportion to benefits") < output.index("Monte Carlo simulation")


# Workbooks: a case read from xlsx, the workings written to xlsx, a blank template


def test_the_workings_written_with_xlsx_read_back_to_the_same_appraisal(tmp_path: Path) -> None:
    book = tmp_path / "hub.xlsx"
    code, written, notes = run_apart("appraise", str(DEMO_CASE), "--xlsx", str(book), "--format", "json")
    assert code == 0, notes
    assert notes == ""  # no distributions, nothing to say
    code, read_back, _ = run_apart("appraise", str(book), "--format", "json")
    assert code == 0
    assert json.loads(read_back) == json.loads(written)
    data = json.loads(read_back)
    assert (data["npv"], data["pv_costs"]) == ({"fiscal": "6975929.99", "total": "11912733.81"}, "10280774.26")
    assert data["pv_benefits"] == {
        "fiscal_cashable": "7188810.47",
        "fiscal_noncashable": "10067893.78",
        "economic": "162546.50",
        "social": "4774257.32",
    }


def test_xlsx_says_the_workbook_holds_central_values_when_the_case_has_distributions(tmp_path: Path) -> None:
    book = tmp_path / "uncertain.xlsx"
    code, output, notes = run_apart("appraise", str(uncertain_case(tmp_path)), "--xlsx", str(book), "--format", "json")
    assert code == 0, notes
    assert notes.strip() == "2 inputs are distributions in the case: uncertain.xlsx holds their central values"
    code, read_back, _ = run_apart("appraise", str(book), "--format", "json")
    # The central values: 3 x 100 x 0.5 x £50 - 3 x £1,000 = £4,500, with or without the distributions.
    assert json.loads(read_back)["npv"] == json.loads(output)["npv"] == {"fiscal": "4500.00", "total": "4500.00"}


def test_template_writes_a_blank_workbook_and_does_nothing_else(tmp_path: Path) -> None:
    blank = tmp_path / "blank.xlsx"
    code, output, notes = run_apart("appraise", "--template", str(blank))
    assert (code, output) == (0, "")
    assert blank.read_bytes() == workbook.template_workbook()
    assert str(blank) in notes
    code, output = run("appraise", str(blank))
    assert code == 1
    assert "blank.xlsx, Inputs!B5: Enter the case's name" in output


def test_without_a_case_or_with_a_case_and_a_template_the_command_is_refused(tmp_path: Path) -> None:
    assert run("appraise") == (1, "CASE: Give the business case file, or --template OUT.xlsx for a blank workbook\n")
    code, output = run("appraise", str(DEMO_CASE), "--template", str(tmp_path / "blank.xlsx"))
    assert (code, output.strip()) == (
        1,
        "--template: Give --template without a case: it writes a blank workbook and stops",
    )
    assert not (tmp_path / "blank.xlsx").exists()


# Unit costs: --unit-costs

LIBRARY_HEADER = "name,label,value,price_year,unit,agency,kind,confidence,source,verified,note\n"
REFUGE = """\
name: Refuge places
first_year: 2013/14
years: 1
discount_rate: "0"
costs:
  - {name: Refuge staff, payer: Council, kind: revenue, amount: 1000}
cohort: {size: 10}
outcomes:
  - name: Nights in refuge avoided
    success_rate: "0.5"
    benefits:
      - {beneficiary: Council, kind: fiscal_cashable, unit_cost: refuge_night}
"""


def test_unit_costs_from_a_library_file_are_deflated_into_the_case(tmp_path: Path) -> None:
    library = tmp_path / "ours.csv"
    library.write_text(
        LIBRARY_HEADER + "refuge_night,Night in refuge,67.00,2012/13,per night,Council,fiscal_cashable,,Contract,no,\n",
        encoding="utf-8",
    )
    case = tmp_path / "refuge.yaml"
    case.write_text(REFUGE, encoding="utf-8")
    code, output, _ = run_apart("appraise", str(case), "--unit-costs", str(library), "--format", "json")
    assert code == 0
    # £67.00 in 2012/13 prices, in 2013/14 prices (GDP deflators 71.5454 and 73.0337):
    # 6,700p x 73.0337 / 71.5454 = 6,839.37p, so £68.39; 10 x 0.5 = 5 outcomes x £68.39 = £341.95.
    data = json.loads(output)
    assert data["pv_benefits"]["fiscal_cashable"] == "341.95"
    assert data["npv"]["total"] == "-658.05"  # 341.95 - 1,000.00
    code, output = run("appraise", str(case))
    assert (code, output.strip()) == (
        1,
        "refuge.yaml, line 12, outcomes[0].benefits[0].unit_cost: 'refuge_night' is not in the unit cost library. "
        "See the names with `wholeplace unit-costs list`",
    )


def test_a_library_file_with_problems_is_refused_by_row_and_column(tmp_path: Path) -> None:
    library = tmp_path / "ours.csv"
    library.write_text(
        LIBRARY_HEADER + "refuge_night,Night in refuge,67.00,2012/13,per night,Council,cashable,,Contract,no,\n",
        encoding="utf-8",
    )
    case = tmp_path / "refuge.yaml"
    case.write_text(REFUGE, encoding="utf-8")
    code, output = run("appraise", str(case), "--unit-costs", str(library))
    assert code == 1
    assert output.strip() == (
        "ours.csv, row 2, column 'kind': 'cashable' is not a kind of benefit. Use one of: fiscal_cashable, "
        "fiscal_noncashable, economic, social"
    )


def test_shares_on_a_fiscal_basis_ask_nothing_of_a_partner_that_gains_no_money() -> None:
    code, output = run("appraise", str(DEMO_CASE), "--format", "json", "--shares", "--basis", "fiscal")
    assert code == 0, output
    fair = json.loads(output)["shares"]["fair_shares"]
    assert fair["basis"] == "fiscal"
    for rule in ("proportional", "shapley"):
        victims = next(row for row in fair[rule] if row["partner"] == "Victims and their families")
        assert (victims["contribution"], victims["net"]) == ("0.00", "0.00")
        # The four agencies share the whole cost, £10,280,774.26, between them.
        assert sum(Decimal(row["contribution"]) for row in fair[rule]) == Decimal("10280774.26")
