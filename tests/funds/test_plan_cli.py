"""`wholeplace allocate` and `wholeplace reconcile`: the seed plan in every format, and refusals."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import wholeplace
from wholeplace.cli import app

DEMO = Path(wholeplace.__file__).parent / "demo"
PLAN = str(DEMO / "csf-2011-12.yaml")
PUBLISHED = str(DEMO / "csf-2011-12-published.csv")
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output  # standard output and error, interleaved


def test_allocate_prints_the_seed_plan_as_json() -> None:
    code, output = run("allocate", PLAN, "--format", "json")
    assert code == 0, output
    data = json.loads(output)
    assert (data["name"], data["total"], data["unallocated"]) == (
        "Home Office Community Safety Fund 2011/12",
        "1115160.00",
        "0.00",
    )
    assert {line["recipient"]: line["amount"] for line in data["allocations"]} == {
        "Young Persons Treatment Budget": "253093.00",
        "DAAT partnership grant": "100207.00",
        "Safer Essex": "253953.33",
        "Basildon": "71667.16",
        "Braintree": "43876.68",
        "Brentwood": "34494.79",
        "Castle Point": "36195.40",
        "Chelmsford": "48064.03",
        "Colchester": "50244.84",
        "Epping Forest": "45492.84",
        "Harlow": "39320.90",
        "Maldon": "29755.20",
        "Rochford": "32628.60",
        "Tendring": "45503.18",
        "Uttlesford": "30663.05",
    }
    assert data["allocations"][3]["path"] == ["Remainder", "Community Safety Partnerships", "Basildon"]


def test_allocate_prints_a_table_with_pounds_and_a_total_by_default() -> None:
    code, output = run("allocate", PLAN)
    assert code == 0, output
    for text in ("Home Office Community Safety Fund 2011/12", "Safer Essex", "£253,953.33", "£71,667.16"):
        assert text in output
    assert "Unallocated" in output and "£0.00" in output
    assert "Total" in output and "£1,115,160.00" in output


def test_allocate_prints_csv_with_the_path_joined_by_slashes() -> None:
    code, output = run("allocate", PLAN, "--format", "csv")
    assert code == 0, output
    lines = output.splitlines()
    assert lines[:5] == [
        "path,recipient,amount",
        "Young Persons Treatment Budget,Young Persons Treatment Budget,253093.00",
        "DAAT partnership grant,DAAT partnership grant,100207.00",
        "Remainder / Safer Essex,Safer Essex,253953.33",
        "Remainder / Community Safety Partnerships / Basildon,Basildon,71667.16",
    ]
    assert len(lines) == 16


def test_allocate_lists_what_is_left_unallocated(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text('name: Part\ntotal: "100"\nremainder: unallocated\nlines:\n  - {recipient: a, percent: "25"}\n')
    code, output = run("allocate", str(plan), "--format", "csv")
    assert (code, output) == (0, "path,recipient,amount\na,a,25.00\n,(unallocated),75.00\n")
    code, output = run("allocate", str(plan))
    assert code == 0 and "£75.00" in output


def test_allocate_refuses_a_bad_plan_with_every_problem_and_exit_1(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        'name: Bad\ntotal: "100"\nlines:\n  - {recipient: "[a]", amount: "-1"}\n'
        '  - {recipient: b, fraction: "1/2", colour: red}\n'
    )
    code, output = run("allocate", str(plan), "--format", "json")
    assert code == 1
    assert output.splitlines() == [
        "plan.yaml, line 4, lines[0].amount: Amount must be £0.00 or more",
        "plan.yaml, line 5, lines[1].colour: 'colour' is not a key we know. "
        "A recipient line can have: recipient, amount, fraction, percent, weight",
    ]


def test_allocate_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(b"name: \xa3\n")
    code, output = run("allocate", str(plan))
    assert (code, output) == (1, "plan.yaml: The file is not UTF-8 text: save it as UTF-8\n")


def test_reconcile_shows_the_seeds_published_discrepancies_and_exits_1() -> None:
    code, output = run("reconcile", PLAN, "--published", PUBLISHED)
    assert code == 1, output
    assert "Safer Essex" in output and "£259,032.00" in output and "£253,953.33" in output and "+£5,078.67" in output
    assert "£70,950.51" in output and "£71,667.16" in output and "-£716.65" in output
    assert (
        "Published amounts in Remainder / Community Safety Partnerships add up to £502,828.01: "
        "£0.01 more than the £502,828.00 the published table states." in output
    )
    assert "The published table does not agree with the plan." in output


def test_reconcile_as_json_says_whether_the_table_agrees() -> None:
    code, output = run("reconcile", PLAN, "--published", PUBLISHED, "--format", "json")
    assert code == 1
    data = json.loads(output)
    assert data["agrees"] is False
    assert {
        "recipient": "Safer Essex",
        "published": "259032.00",
        "computed": "253953.33",
        "difference": "5078.67",
    } in data["differences"]


def test_reconcile_exits_0_when_the_published_table_agrees(tmp_path: Path) -> None:
    published = tmp_path / "published.csv"
    published.write_text('recipient,amount\nSafer Essex,"£253,953.33"\nCommunity Safety Partnerships,507906.67\n')
    code, output = run("reconcile", PLAN, "--published", str(published))
    assert code == 0, output
    assert "2 published amounts match the plan." in output
    # The CSP row stands for the twelve CSPs, so none is missing and the two rows make up the remainder.
    assert "Published amounts in Remainder add up to £761,860.00, the total the plan gives it." in output
    assert "The published table agrees with the plan." in output


def test_reconcile_refuses_a_published_table_with_problems(tmp_path: Path) -> None:
    published = tmp_path / "published.csv"
    published.write_text("recipient,amount\nBasildon,seventy\n")
    code, output = run("reconcile", PLAN, "--published", str(published))
    assert code == 1
    assert output.splitlines() == [
        "published.csv, row 2, column 'amount': 'seventy' is not an amount of money. Write it like £1,234.56"
    ]
