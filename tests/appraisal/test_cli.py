"""`wholeplace appraise`: the JSON contract, Rich tables, refusals, the seed 002 demo case, and --simulate."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import wholeplace
from wholeplace.cli import app

DEMO_CASE = Path(wholeplace.__file__).parent / "demo" / "cases" / "domestic-abuse-hub.yaml"
runner = CliRunner()
MONEY = re.compile(r"^-?\d+\.\d{2}$")
RATIO = re.compile(r"^-?\d+\.\d{4}$")


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output  # standard output and error, interleaved


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
        assert set(row) == {"partner", "pv_costs", "pv_benefits", "net"}
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
    assert data["by_partner"] == [
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
