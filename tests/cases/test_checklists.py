"""The risk checklists at their edges, their invariants, a partnership's own checklist and the answers file."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wholeplace.cases.checklists import Answers, available_checklists, load_checklist, read_answers_file, score
from wholeplace.problems import InvalidInput

DASH = available_checklists()["dash-ric"]
FAMILY = available_checklists()["family-needs"]


def dash_answers(yes: int, *, not_known: int = 0) -> dict[int, str]:
    """The first `yes` questions answered yes, the next `not_known` not known, the rest no."""
    return {
        number: "yes" if number <= yes else "not known" if number <= yes + not_known else "no"
        for number in range(1, 25)
    }


def refusals(refused: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(problem.where, problem.message) for problem in refused.value.problems]


def test_the_dash_checklist_ships_24_questions_answered_yes_no_or_not_known() -> None:
    assert sorted(DASH.questions) == list(range(1, 25))
    assert [question.number for question in DASH.question_list] == list(range(1, 25))
    assert DASH.answers == ("yes", "no", "not known") and DASH.scoring_answer == "yes"
    assert (DASH.version, DASH.source.publisher, DASH.source.year) == ("2009", "SafeLives (formerly CAADA)", 2009)
    assert DASH.levels == ("standard", "medium", "high")


def test_the_dash_medium_band_is_labelled_a_local_rule_and_high_the_published_threshold() -> None:
    assert dict(DASH.thresholds.starts_at) == {"standard": 0, "medium": 10, "high": 14}
    assert DASH.thresholds.local_rules == frozenset({"medium"})
    assert "local rule" in DASH.thresholds.basis["medium"] and "published" in DASH.thresholds.basis["high"]
    assert (DASH.marac_level, DASH.marac_police_callouts) == ("high", 3)


def test_14_yes_is_high_and_meets_marac_as_visible_high_risk() -> None:
    result = score(DASH, dash_answers(14))
    assert (result.level, result.computed_level, result.yes_count, result.marac) == ("high", "high", 14, True)
    assert result.marac_criteria == ("visible high risk",)
    assert result.reasons == (
        "14 of 24 questions answered yes: 14 or more is high risk (SafeLives Dash risk identification checklist, 2009)",
        "Meets the MARAC referral criteria: visible high risk",
    )


def test_13_yes_is_medium_and_does_not_meet_marac() -> None:
    result = score(DASH, dash_answers(13))
    assert (result.level, result.marac, result.marac_criteria) == ("medium", False, ())
    assert result.reasons[0] == (
        "13 of 24 questions answered yes: 10 to 13 is medium risk, a documented local rule "
        "(SafeLives Dash risk identification checklist, 2009)"
    )


def test_judgement_with_a_reason_raises_13_yes_to_high_and_meets_marac_by_professional_judgement() -> None:
    raised = score(DASH, dash_answers(13), judgement="high", judgement_reason="Threats to kill since the assessment")
    assert (raised.computed_level, raised.level, raised.marac) == ("medium", "high", True)
    assert raised.marac_criteria == ("professional judgement",)
    assert (
        raised.reasons[1]
        == "Professional judgement raised the level from medium to high: Threats to kill since the assessment"
    )


def test_judgement_without_a_reason_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        score(DASH, dash_answers(13), judgement="high", judgement_reason="  ")
    assert refusals(refused) == [("judgement_reason", "Give the reason for the professional judgement")]


def test_judgement_lowering_high_to_medium_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        score(DASH, dash_answers(14), judgement="medium", judgement_reason="She feels safer now")
    assert refusals(refused) == [("judgement", "Professional judgement can raise the level, never lower it")]


def test_judgement_equal_to_the_computed_level_changes_nothing_and_needs_no_reason() -> None:
    assert score(DASH, dash_answers(11), judgement="medium") == score(DASH, dash_answers(11))


def test_judgement_that_is_not_a_level_of_the_checklist_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        score(DASH, dash_answers(3), judgement="low", judgement_reason="Seen at home")
    assert refusals(refused) == [("judgement", "'low' is not a level: use standard, medium, high")]


def test_9_yes_is_standard_and_10_is_medium() -> None:
    nine, ten = score(DASH, dash_answers(9)), score(DASH, dash_answers(10))
    assert (nine.level, nine.marac, ten.level, ten.marac) == ("standard", False, "medium", False)
    assert nine.reasons[0].startswith("9 of 24 questions answered yes: 9 or fewer is standard risk (")


def test_3_police_callouts_in_12_months_meet_marac_at_standard_level() -> None:
    result = score(DASH, dash_answers(2), police_callouts_12_months=3)
    assert (result.level, result.marac, result.marac_criteria) == ("standard", True, ("potential escalation",))
    assert (
        "3 police call-outs in the last 12 months: 3 or more meets the MARAC referral criteria (potential escalation)"
        in result.reasons
    )


def test_2_police_callouts_do_not_meet_marac() -> None:
    result = score(DASH, dash_answers(2), police_callouts_12_months=2)
    assert (result.marac, result.marac_criteria, len(result.reasons)) == (False, (), 1)


@pytest.mark.parametrize("callouts", [-1, 2.5, True, "3"])
def test_negative_or_non_integer_callouts_are_refused(callouts: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        score(DASH, dash_answers(2), police_callouts_12_months=callouts)  # type: ignore[arg-type]
    assert refusals(refused) == [("police_callouts_12_months", "Police call-outs must be a whole number, 0 or more")]


def test_an_answer_to_question_25_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInput) as refused:
        score(DASH, dash_answers(5) | {25: "yes"})
    assert refusals(refused) == [("question 25", "There is no question 25: the checklist has questions 1 to 24")]


def test_the_answer_maybe_is_refused_naming_the_question() -> None:
    with pytest.raises(InvalidInput) as refused:
        score(DASH, dash_answers(5) | {7: "maybe"})
    assert refusals(refused) == [("question 7", "'maybe' is not an answer: use yes, no, not known")]


def test_a_missing_answer_is_refused_because_not_known_is_an_answer() -> None:
    answers = dash_answers(5)
    del answers[24], answers[3]
    with pytest.raises(InvalidInput) as refused:
        score(DASH, answers)
    assert refusals(refused) == [("answers", "Answer every question ('not known' is an answer); missing: 3, 24")]


def test_every_fault_is_refused_at_once() -> None:
    answers = {number: "no" for number in range(1, 24)} | {1: "maybe", 25: "yes"}
    with pytest.raises(InvalidInput) as refused:
        score(DASH, answers, police_callouts_12_months=-2, judgement="high")
    assert [where for where, _ in refusals(refused)] == [
        "question 1",
        "question 25",
        "answers",
        "police_callouts_12_months",
        "judgement_reason",
    ]


def test_the_score_counts_not_known_and_every_answered_question() -> None:
    result = score(DASH, dash_answers(4, not_known=6))
    assert (result.yes_count, result.not_known_count, result.answered) == (4, 6, 24)


def test_answers_given_as_one_record_score_as_the_same_answers_given_by_keyword() -> None:
    by_keyword = score(
        DASH, dash_answers(12), police_callouts_12_months=1, judgement="high", judgement_reason="Stalking"
    )
    assert score(DASH, Answers(dash_answers(12), 1, "high", "Stalking")) == by_keyword
    with pytest.raises(TypeError):
        score(DASH, Answers(dash_answers(12)), judgement="high")


answer_lists = st.lists(st.sampled_from(["yes", "no", "not known"]), min_size=24, max_size=24)


def numbered(answers: list[str]) -> dict[int, str]:
    return dict(enumerate(answers, start=1))


@given(answer_lists, st.data())
def test_a_no_becoming_yes_never_lowers_the_level(answers: list[str], data: st.DataObject) -> None:
    noes = [number for number, answer in numbered(answers).items() if answer == "no"]
    if not noes:
        return
    changed = data.draw(st.sampled_from(noes))
    before = score(DASH, numbered(answers)).level
    after = score(DASH, numbered(answers) | {changed: "yes"}).level
    assert DASH.rank(after) >= DASH.rank(before)


@given(answer_lists, st.sampled_from(DASH.levels))
def test_the_level_with_judgement_is_the_higher_of_computed_and_judged(answers: list[str], judged: str) -> None:
    computed = score(DASH, numbered(answers)).computed_level
    if DASH.rank(judged) < DASH.rank(computed):
        with pytest.raises(InvalidInput, match="never lower it"):
            score(DASH, numbered(answers), judgement=judged, judgement_reason="Seen at home")
        return
    judged_score = score(DASH, numbered(answers), judgement=judged, judgement_reason="Seen at home")
    assert judged_score.level == max(computed, judged, key=DASH.rank)


@given(answer_lists)
def test_the_yes_count_is_the_number_of_yes_answers(answers: list[str]) -> None:
    assert score(DASH, numbered(answers)).yes_count == answers.count("yes")


def test_the_family_needs_assessment_scores_low_medium_and_high_and_never_meets_marac() -> None:
    def family(needs: int) -> dict[int, str]:
        return {number: "yes" if number <= needs else "no" for number in range(1, 13)}

    levels = [score(FAMILY, family(needs)).level for needs in (0, 3, 4, 6, 7, 12)]
    assert levels == ["low", "low", "medium", "medium", "high", "high"]
    high = score(FAMILY, family(12), police_callouts_12_months=5)
    assert not high.marac and high.reasons == (
        "12 of 12 questions answered yes: 7 or more is high need, a documented local rule "
        "(Family needs assessment, local version 1)",
    )
    assert "Troubled Families" in FAMILY.source.title and FAMILY.version == "local version 1"


OWN_CHECKLIST = """\
id: dash-ric-local
title: Dash risk identification checklist (our medium band)
version: "2009, local medium 9"
source: {title: Dash RIC, publisher: SafeLives, year: 2009}
answers: [yes, no, not known]
scoring_answer: yes
level_word: risk
levels: [standard, medium, high]
thresholds:
  high: {starts_at: 14}
  medium: {starts_at: 9, local_rule: true}
marac: {level: high, police_callouts_12_months: 4}
questions:
""" + "".join(f"  {number}: Question {number}?\n" for number in range(1, 25))


def test_a_partnership_can_load_its_own_checklist_with_its_own_medium_band() -> None:
    own = load_checklist(OWN_CHECKLIST, "ours.yaml")
    assert score(own, dash_answers(9)).level == "medium"
    assert not score(own, dash_answers(2), police_callouts_12_months=3).marac


def test_a_faulty_checklist_definition_is_refused_naming_each_line() -> None:
    faulty = OWN_CHECKLIST.replace("starts_at: 9,", "starts_at: 15,").replace(
        "scoring_answer: yes", "scoring_answer: y"
    )
    with pytest.raises(InvalidInput) as refused:
        load_checklist(faulty + "colour: red\n", "ours.yaml")
    assert refusals(refused) == [
        (
            "ours.yaml, line 38, colour",  # after 13 lines and the 24 questions
            "'colour' is not a key we know. A checklist can have: "
            "id, title, version, source, answers, scoring_answer, levels, thresholds, questions, level_word, marac",
        ),
        ("ours.yaml, line 6, scoring_answer", "Choose one of the answers: yes, no, not known"),
        ("ours.yaml, line 10, thresholds.high.starts_at", "Start high above the level below, at 16 or more"),
    ]


def answers_file(yes: int, extra: str = "") -> str:
    # unquoted yes and no, as people write them: a YAML 1.1 loader would make booleans of them
    lines = ["checklist: dash-ric", "answers:"]
    lines += [f"  {number}: {'yes' if number <= yes else 'no'}" for number in range(1, 25)]
    return "\n".join(lines) + "\n" + extra


def test_an_answers_file_reads_unquoted_yes_and_no_as_words() -> None:
    text = answers_file(14, "police_callouts_12_months: 1\n").replace("  3: yes", '  3: "Not Known"')
    checklist, answers = read_answers_file(text, "answers.yaml")
    assert checklist is DASH and (answers.answers[1], answers.answers[3], answers.answers[24]) == (
        "yes",
        "not known",
        "no",
    )
    assert (score(checklist, answers).yes_count, answers.police_callouts_12_months) == (13, 1)


def test_every_fault_in_an_answers_file_names_its_line() -> None:
    text = answers_file(12, "police_callouts_12_months: 2.5\njudgement: high\ncolour: red\n")
    text = text.replace("  7: yes", "  7: maybe").replace("  24: no\n", "  31: no\n")
    with pytest.raises(InvalidInput) as refused:
        read_answers_file(text, "answers.yaml")
    assert refusals(refused) == [
        (
            "answers.yaml, line 29, colour",
            "'colour' is not a key we know. The file can have: "
            "checklist, answers, police_callouts_12_months, judgement, judgement_reason",
        ),
        ("answers.yaml, line 9, answers.7", "'maybe' is not an answer: use yes, no, not known"),
        ("answers.yaml, line 26, answers.31", "There is no question 31: the checklist has questions 1 to 24"),
        ("answers.yaml, line 27, police_callouts_12_months", "Police call-outs must be a whole number, 0 or more"),
        ("answers.yaml, line 3, answers", "Answer every question ('not known' is an answer); missing: 24"),
        ("answers.yaml, line 28, judgement_reason", "Give the reason for the professional judgement"),
    ]


def test_an_answers_file_for_an_unknown_checklist_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        read_answers_file(answers_file(3).replace("dash-ric", "dash"), "answers.yaml")
    assert refusals(refused) == [
        ("answers.yaml, line 1, checklist", "There is no checklist 'dash'. Known checklists: dash-ric, family-needs")
    ]
