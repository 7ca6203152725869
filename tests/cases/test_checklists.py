"""The risk checklist at its edges, its invariants, and the `wholeplace cases score` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from wholeplace.cases.checklists import Answers, available_checklists, score
from wholeplace.cli import app
from wholeplace.problems import InvalidInput

DASH = available_checklists()["dash-ric"]
FAMILY = available_checklists()["family-needs"]


def dash(yes: int, **extra: object) -> Answers:
    """`yes` questions answered yes (the first ones), the rest no."""
    answers = {number: "yes" if number <= yes else "no" for number in range(1, 25)}
    return Answers(answers, **extra)  # type: ignore[arg-type]


def test_the_dash_checklist_ships_24_questions_answered_yes_no_or_not_known() -> None:
    assert len(DASH.questions) == 24 and sorted(DASH.questions) == list(range(1, 25))
    assert DASH.answers == ("yes", "no", "not known")
    assert (DASH.starts_at["medium"], DASH.starts_at["high"]) == (10, 14)


def test_14_yes_is_high_and_meets_marac_as_visible_high_risk() -> None:
    result = score(DASH, dash(14))
    assert (result.level, result.computed_level, result.yes_count, result.marac) == ("high", "high", 14, True)
    assert result.marac_criteria == ("visible high risk",)
    assert result.reasons[0].startswith("14 of 24 questions answered yes: 14 or more is high")


def test_13_yes_is_medium_and_judgement_with_a_reason_raises_it_to_high_and_marac() -> None:
    assert (score(DASH, dash(13)).level, score(DASH, dash(13)).marac) == ("medium", False)
    raised = score(DASH, dash(13, judgement="high", judgement_reason="Threats to kill since the assessment"))
    assert (raised.computed_level, raised.level, raised.marac) == ("medium", "high", True)
    assert raised.marac_criteria == ("professional judgement",)
    assert "raised the level from medium to high: Threats to kill" in raised.reasons[1]


def test_judgement_needs_a_reason_and_can_never_lower_a_level() -> None:
    with pytest.raises(InvalidInput, match="Give the reason"):
        score(DASH, dash(13, judgement="high"))
    with pytest.raises(InvalidInput, match="never lower it"):
        score(DASH, dash(14, judgement="medium", judgement_reason="Feels safer"))
    assert score(DASH, dash(14, judgement="high")).level == "high"  # confirming the level needs no reason


def test_9_yes_is_standard_and_10_is_medium() -> None:
    assert score(DASH, dash(9)).level == "standard" and not score(DASH, dash(9)).marac
    assert score(DASH, dash(10)).level == "medium"
    assert score(DASH, dash(9)).reasons[0].startswith("9 of 24 questions answered yes: 9 or fewer is standard")


def test_3_police_callouts_in_12_months_meet_marac_and_2_do_not() -> None:
    three = score(DASH, dash(2, police_callouts_12_months=3))
    assert (three.level, three.marac, three.marac_criteria) == ("standard", True, ("potential escalation",))
    assert not score(DASH, dash(2, police_callouts_12_months=2)).marac


def test_unknown_questions_answers_and_missing_questions_are_refused_naming_each() -> None:
    answers = {number: "no" for number in range(1, 24)} | {25: "yes", 1: "maybe"}
    with pytest.raises(InvalidInput) as refused:
        score(DASH, Answers(answers))
    assert [(p.where, p.message) for p in refused.value.problems] == [
        ("question 1", "'maybe' is not an answer: use yes, no, not known"),
        ("question 25", "There is no question 25: the checklist has questions 1 to 24"),
        ("answers", "Answer every question ('not known' is an answer); missing: 24"),
    ]


answer_sets = st.lists(st.sampled_from(["yes", "no", "not known"]), min_size=24, max_size=24)


@given(answer_sets, st.integers(min_value=0, max_value=23))
def test_a_no_becoming_yes_never_lowers_the_level(answers: list[str], index: int) -> None:
    before = {number: answer for number, answer in enumerate(answers, start=1)}
    after = before | {index + 1: "yes"}
    assert DASH.rank(score(DASH, Answers(after)).level) >= DASH.rank(score(DASH, Answers(before)).level)
    assert score(DASH, Answers(before)).yes_count == answers.count("yes")


@given(answer_sets, st.sampled_from(["standard", "medium", "high"]))
def test_the_level_with_judgement_is_the_higher_of_computed_and_judged(answers: list[str], judged: str) -> None:
    given_answers = {number: answer for number, answer in enumerate(answers, start=1)}
    computed = score(DASH, Answers(given_answers)).level
    if DASH.rank(judged) < DASH.rank(computed):
        with pytest.raises(InvalidInput):
            score(DASH, Answers(given_answers, judgement=judged, judgement_reason="Seen at home"))
        return
    assert score(DASH, Answers(given_answers, judgement=judged, judgement_reason="Seen at home")).level == judged


def test_the_family_needs_assessment_scores_low_medium_and_high() -> None:
    def family(yes: int) -> Answers:
        return Answers({number: "yes" if number <= yes else "no" for number in range(1, 13)})

    assert [score(FAMILY, family(n)).level for n in (3, 4, 6, 7, 12)] == ["low", "medium", "medium", "high", "high"]
    assert not score(FAMILY, family(12)).marac


def _answers_file(tmp_path: Path, yes: int, extra: str = "") -> Path:
    lines = ["checklist: dash-ric", "answers:"]
    lines += [f"  {number}: {'yes' if number <= yes else 'no'}" for number in range(1, 25)]
    path = tmp_path / "answers.yaml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def test_the_score_command_prints_json_with_level_yes_count_marac_and_reasons(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["cases", "score", str(_answers_file(tmp_path, 14)), "--format", "json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert (printed["level"], printed["yes_count"], printed["marac"]) == ("high", 14, True)
    assert printed["reasons"][0].startswith("14 of 24 questions answered yes")


def test_the_score_command_reads_callouts_and_judgement_and_prints_a_table(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, 12, "police_callouts_12_months: 3\njudgement: high\njudgement_reason: Strangled\n")
    result = CliRunner().invoke(app, ["cases", "score", str(path)])
    assert result.exit_code == 0, result.output
    assert "potential escalation" in result.stdout and "professional judgement" in result.stdout


def test_the_score_command_names_the_line_of_a_bad_answer_and_exits_1(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, 5)
    path.write_text(path.read_text().replace("  7: no", "  7: perhaps").replace("  9: no", "  31: no"))
    result = CliRunner().invoke(app, ["cases", "score", str(path)])
    assert result.exit_code == 1
    assert "answers.yaml, line 9, answers.7: 'perhaps' is not an answer" in result.stderr
    assert "answers.yaml, line 11, answers.31: There is no question 31" in result.stderr
