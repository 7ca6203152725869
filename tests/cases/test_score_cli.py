"""`wholeplace cases score`: a completed checklist scored at the console, as JSON or a table; faults name the line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from wholeplace.cases.cli import cases_app


def answers_file(tmp_path: Path, yes: int, extra: str = "") -> Path:
    lines = ["checklist: dash-ric", "answers:"]
    lines += [f"  {number}: {'yes' if number <= yes else 'no'}" for number in range(1, 25)]
    path = tmp_path / "answers.yaml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def test_the_json_of_a_14_yes_file_is_high_risk_and_meets_marac(tmp_path: Path) -> None:
    result = CliRunner().invoke(cases_app, ["score", str(answers_file(tmp_path, 14)), "--format", "json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert set(printed) == {
        "checklist",
        "version",
        "level",
        "computed_level",
        "yes_count",
        "marac",
        "marac_criteria",
        "reasons",
    }
    assert (printed["level"], printed["yes_count"], printed["marac"]) == ("high", 14, True)
    assert (printed["checklist"], printed["version"], printed["marac_criteria"]) == (
        "dash-ric",
        "2009",
        ["visible high risk"],
    )
    assert printed["reasons"][0].startswith("14 of 24 questions answered yes: 14 or more is high risk")


def test_the_table_shows_the_level_call_outs_and_judgement_with_its_reason_as_written(tmp_path: Path) -> None:
    extra = "police_callouts_12_months: 3\njudgement: high\njudgement_reason: Threats [bold]to kill[/bold]\n"
    result = CliRunner().invoke(cases_app, ["score", str(answers_file(tmp_path, 12, extra))])
    assert result.exit_code == 0, result.output
    for shown in ("Level", "high", "Answered yes", "12 of 24", "professional judgement, potential escalation"):
        assert shown in result.stdout
    assert "Threats [bold]to kill[/bold]" in result.stdout  # free text is not taken for Rich markup


def test_a_file_answering_question_31_exits_1_naming_its_line(tmp_path: Path) -> None:
    path = answers_file(tmp_path, 5)
    path.write_text(path.read_text(encoding="utf-8").replace("  9: no", "  31: no"), encoding="utf-8")
    result = CliRunner().invoke(cases_app, ["score", str(path), "--format", "json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        "answers.yaml, line 11, answers.31: There is no question 31: the checklist has questions 1 to 24"
        in result.stderr
    )
    assert (
        "answers.yaml, line 3, answers: Answer every question ('not known' is an answer); missing: 9" in result.stderr
    )


def test_a_file_that_is_not_yaml_exits_1_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("checklist: dash-ric\nanswers:\n  1: [yes\n", encoding="utf-8")
    result = CliRunner().invoke(cases_app, ["score", str(path)])
    assert result.exit_code == 1
    assert "answers.yaml, line 4: This is not YAML or JSON that can be read" in result.stderr
