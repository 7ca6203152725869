"""Judging a linkage against the truth: pairwise and cluster measures worked by hand, the count from cluster sizes
against counting every pair, the threshold curve, the problems a file can have, and the charts opened offline."""

from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wholeplace.linkage.evaluate import (
    CurvePoint,
    ScoredPair,
    Scores,
    cluster_scores,
    coverage_problems,
    exact_baseline,
    pairwise_scores,
    read_clusters,
    read_pairs,
    read_truth,
    threshold_curve,
    write_charts,
)
from wholeplace.problems import Problem

A, B, C, D, E, F = (("social care", ref) for ref in ("SC-a", "SC-b", "SC-c", "SC-d", "SC-e", "SC-f"))
PREDICTED = {A: "WP-1", B: "WP-1", C: "WP-1", D: "WP-2", E: "WP-3", F: "WP-3"}  # {a,b,c} {d} {e,f}
TRUTH = {A: "P1", B: "P1", C: "P2", D: "P2", E: "P3", F: "P3"}  # {a,b} {c,d} {e,f}


def test_pairwise_measures_worked_by_hand() -> None:
    scores = pairwise_scores(PREDICTED, TRUTH)
    # Predicted pairs ab, ac, bc, ef; true pairs ab, cd, ef. Right: ab, ef. Wrong: ac, bc. Missed: cd.
    # Precision 2/4, recall 2/3, F1 = 2 * 1/2 * 2/3 / (1/2 + 2/3) = (2/3) / (7/6) = 4/7.
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == (2, 2, 1)
    assert scores.precision == 0.5
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.f1 == pytest.approx(4 / 7)


def test_a_perfect_linkage_scores_one() -> None:
    scores = pairwise_scores(TRUTH, TRUTH)
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == (3, 0, 0)
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)


def test_empty_denominators_score_one_for_precision_and_recall() -> None:
    # All singletons against all singletons: no pair claimed, none to find; nothing wrong, nothing missed.
    singletons = {A: "1", B: "2"}
    assert pairwise_scores(singletons, singletons) == Scores(0, 0, 0, 1.0, 1.0, 1.0)
    # Nothing claimed but one pair to find: precision 1.0 (no wrong claim), recall 0, so F1 0.
    assert pairwise_scores(singletons, {A: "P", B: "P"}) == Scores(0, 0, 1, 1.0, 0.0, 0.0)


def test_only_records_in_both_are_scored_and_the_rest_are_reported() -> None:
    predicted = {**PREDICTED, ("police", "PN-9"): "WP-1"}
    truth = {key: person for key, person in TRUTH.items() if key != F}
    # Scored on a..e: predicted ab, ac, bc; true ab, cd. TP 1 (ab), FP 2, FN 1.
    scores = pairwise_scores(predicted, truth)
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == (1, 2, 1)
    assert [str(problem) for problem in coverage_problems(predicted, truth)] == [
        "clusters.csv: 2 records are not in truth.csv and are left out of the scores: social care SC-f, police PN-9"
    ]


def test_coverage_names_the_first_few_of_many_missing_records() -> None:
    truth = {("health", f"NHS-{n}"): str(n) for n in range(1200)}
    [problem] = coverage_problems({}, truth)
    assert problem.where == "truth.csv"
    assert problem.message.startswith("1,200 records are not in clusters.csv")
    assert problem.message.endswith("health NHS-0, health NHS-1, health NHS-2, health NHS-3, health NHS-4, and others")


partitions = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=0, max_size=30)


@given(partitions)
def test_the_count_from_cluster_sizes_equals_counting_every_pair(labels: list[tuple[int, int]]) -> None:
    predicted = {("x", str(n)): str(ours) for n, (ours, _) in enumerate(labels)}
    truth = {("x", str(n)): str(theirs) for n, (_, theirs) in enumerate(labels)}
    pairs = list(combinations(predicted, 2))
    claimed = {pair for pair in pairs if predicted[pair[0]] == predicted[pair[1]]}
    wanted = {pair for pair in pairs if truth[pair[0]] == truth[pair[1]]}
    scores = pairwise_scores(predicted, truth)
    assert scores.true_positives == len(claimed & wanted)
    assert scores.false_positives == len(claimed - wanted)
    assert scores.false_negatives == len(wanted - claimed)


@given(partitions)
def test_cluster_scores_equal_comparing_record_sets(labels: list[tuple[int, int]]) -> None:
    predicted = {("x", str(n)): str(ours) for n, (ours, _) in enumerate(labels)}
    truth = {("x", str(n)): str(theirs) for n, (_, theirs) in enumerate(labels)}

    def clusters(assignment: dict[tuple[str, str], str]) -> set[frozenset[tuple[str, str]]]:
        return {frozenset(key for key in assignment if assignment[key] == label) for label in assignment.values()}

    ours, theirs = clusters(predicted), clusters(truth)
    scores = cluster_scores(predicted, truth)
    assert scores.true_positives == len(ours & theirs)
    assert scores.false_positives == len(ours - theirs)
    assert scores.false_negatives == len(theirs - ours)


def test_cluster_measures_count_exact_clusters_by_hand() -> None:
    scores = cluster_scores(PREDICTED, TRUTH)
    # Predicted {a,b,c} {d} {e,f}; true {a,b} {c,d} {e,f}: only {e,f} is exact. Precision 1/3, recall 1/3.
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == (1, 2, 2)
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.recall == pytest.approx(1 / 3)
    # Splitting {a,b,c} into {a,b} {c} makes {a,b} exact too: 2 of 4 predicted, 2 of 3 true.
    split = {**PREDICTED, C: "WP-4"}
    assert cluster_scores(split, TRUTH) == Scores.from_counts(2, 2, 1)


def test_the_curve_counts_pairs_at_or_above_each_threshold() -> None:
    pairs = [
        ScoredPair(A, B, 10.0, 0.99),  # same person
        ScoredPair(E, F, 3.0, 0.8),  # same person
        ScoredPair(A, C, 1.0, 0.6),  # different people
        ScoredPair(B, ("police", "PN-1"), 0.5, 0.55),  # the truth does not know PN-1: not a true link
    ]
    curve = threshold_curve(pairs, TRUTH, 3, [0.5, 0.6, 0.8, 0.995])
    assert curve == [
        CurvePoint(0.5, 4, 2, 0.5, pytest.approx(2 / 3)),
        CurvePoint(0.6, 3, 2, pytest.approx(2 / 3), pytest.approx(2 / 3)),  # 0.6 itself is included
        CurvePoint(0.8, 2, 2, 1.0, pytest.approx(2 / 3)),
        CurvePoint(0.995, 0, 0, 1.0, 0.0),  # nothing linked: nothing linked wrongly
    ]


@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), max_size=40), st.lists(st.floats(0, 1), max_size=8))
def test_recall_never_rises_as_the_threshold_rises(scored: list[tuple[float, bool]], thresholds: list[float]) -> None:
    truth = {("x", str(n)): ("same" if same else f"left-{n}") for n, (_, same) in enumerate(scored)}
    truth |= {("y", str(n)): ("same" if same else f"right-{n}") for n, (_, same) in enumerate(scored)}
    pairs = [ScoredPair(("x", str(n)), ("y", str(n)), 0.0, probability) for n, (probability, _) in enumerate(scored)]
    curve = threshold_curve(pairs, truth, len(pairs), sorted(thresholds))
    recalls = [point.recall for point in curve]
    assert recalls == sorted(recalls, reverse=True)
    assert all(point.links == sum(p >= point.threshold for p, _ in scored) for point in curve)


def test_reading_clusters(tmp_path: Path) -> None:
    path = tmp_path / "clusters.csv"
    # As Excel saves "CSV UTF-8": a byte order mark, and here a blank line and spaces around a value
    path.write_text("agency,agency_ref,person_id\nsocial care,SC-a,WP-1\n\npolice, PN-1 ,WP-1\n", encoding="utf-8-sig")
    assert read_clusters(path) == ({A: "WP-1", ("police", "PN-1"): "WP-1"}, [])


def test_a_repeated_record_names_both_rows(tmp_path: Path) -> None:
    path = tmp_path / "clusters.csv"
    path.write_text(
        "agency,agency_ref,person_id\nsocial care,SC-a,WP-1\nsocial care,SC-b,WP-1\nsocial care,SC-a,WP-2\n"
    )
    clusters, problems = read_clusters(path)
    assert [str(problem) for problem in problems] == [
        "clusters.csv, row 4: The record social care SC-a is also on row 2"
    ]
    assert clusters[A] == "WP-1"


def test_every_problem_in_a_file_is_reported_with_its_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "truth.csv"
    path.write_text("agency,agency_ref,true_person_id\nsocial care,,P1\nsocial care,SC-b\nhealth,NHS-1,\n")
    _, problems = read_truth(path)
    assert [str(problem) for problem in problems] == [
        "truth.csv, row 2, column 'agency_ref': Enter the agency_ref",
        "truth.csv, row 3: The row has 2 values, not 3",
        "truth.csv, row 4, column 'true_person_id': Enter the true_person_id",
    ]


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "truth.csv"
    path.write_text("agency,agency_ref,person_id\nsocial care,SC-a,P1\n")
    assert read_truth(path) == ({}, [Problem("truth.csv, row 1", "Add a column named 'true_person_id'")])


NOT_UTF8 = "clusters.csv: The file is not UTF-8 text. Save it as CSV UTF-8 and try again"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "clusters.csv: The file is empty. It needs a header row: agency,agency_ref,person_id"),
        (b"\n\n", "clusters.csv: The file is empty. It needs a header row: agency,agency_ref,person_id"),
        ("agency,agency_ref,person_id\n".encode("utf-16"), NOT_UTF8),
        ("agency,agency_ref,person_id\nsocial care,Brontë,WP-1\n".encode("latin-1"), NOT_UTF8),
    ],
    ids=["empty", "blank lines", "UTF-16", "Latin-1"],
)
def test_a_file_that_is_not_utf8_csv_is_a_problem_not_a_traceback(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "clusters.csv"
    path.write_bytes(content)
    clusters, problems = read_clusters(path)
    assert clusters == {}
    assert [str(found) for found in problems] == [problem]


def test_a_bad_character_far_down_a_file_is_placed_after_the_last_row_read(tmp_path: Path) -> None:
    rows = "".join(f"social care,SC-{n},WP-{n}\n" for n in range(2_000))
    path = tmp_path / "clusters.csv"
    path.write_bytes(f"agency,agency_ref,person_id\n{rows}".encode() + "social care,Brontë,WP-0\n".encode("latin-1"))
    _, problems = read_clusters(path)
    [problem] = problems
    assert re.fullmatch(r"clusters\.csv, after row \d+", problem.where)
    assert int(problem.where.rsplit(" ", 1)[1]) <= 2_001  # the bad row is row 2,002
    assert problem.message == "The file is not UTF-8 text. Save it as CSV UTF-8 and try again"


def test_a_row_the_csv_reader_refuses_is_reported_on_its_row(tmp_path: Path) -> None:
    path = tmp_path / "clusters.csv"
    path.write_text(f"agency,agency_ref,person_id\nsocial care,SC-a,WP-1\nsocial care,{'x' * 200_000},WP-1\n")
    clusters, problems = read_clusters(path)
    assert clusters == {A: "WP-1"}
    assert [str(problem) for problem in problems] == [
        "clusters.csv, row 3: The row cannot be read as CSV: field larger than field limit (131072)"
    ]


def test_a_missing_file_is_a_problem(tmp_path: Path) -> None:
    _, problems = read_clusters(tmp_path / "nowhere.csv")
    assert [problem.where for problem in problems] == ["nowhere.csv"]


def test_reading_pairs(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text(
        "agency_l,agency_ref_l,agency_r,agency_ref_r,match_weight,match_probability\n"
        "social care,SC-a,social care,SC-b,12.5,0.9998\n"
        "social care,SC-a,police,PN-1,-3,0.11\n"
        "social care,SC-a,police,PN-2,high,1.2\n"
        "social care,SC-a,police,PN-3,nan,0.5\n"
    )
    pairs, problems = read_pairs(path)
    assert pairs == [ScoredPair(A, B, 12.5, 0.9998), ScoredPair(A, ("police", "PN-1"), -3.0, 0.11)]
    assert pairs[0].left is pairs[1].left  # one tuple per record, however many pairs name it
    assert [str(problem) for problem in problems] == [
        "pairs.csv, row 4, column 'match_weight': Enter the match_weight as a number, such as 0.95",
        "pairs.csv, row 4, column 'match_probability': The match_probability must be 0 to 1",
        "pairs.csv, row 5, column 'match_weight': Enter the match_weight as a number, such as 0.95",
    ]


def test_the_charts_are_one_offline_file_with_both_figures_and_the_scores(tmp_path: Path) -> None:
    pairs = [ScoredPair(A, B, 10.0, 0.99), ScoredPair(E, F, 6.0, 0.9), ScoredPair(A, C, -2.0, 0.2)]
    curve = threshold_curve(pairs, TRUTH, 3, [0.5, 0.9])
    path = tmp_path / "evaluation.html"
    baseline = pairwise_scores(exact_baseline([(key, None, None, None) for key in TRUTH]), TRUTH)
    write_charts(path, pairs, TRUTH, curve, pairwise_scores(PREDICTED, TRUTH), baseline)
    page = path.read_text(encoding="utf-8")
    assert "<title>How well the linkage matched the truth</title>" in page
    assert not re.search(r"<script[^>]*\bsrc=", page)  # no CDN: plotly.js is inside the file
    assert "plotly.js v" in page and len(page) > 1_000_000
    assert page.count('class="plotly-graph-div"') == 2
    for words in ("Same person (true links)", "Different people (false links)", "Precision", "Recall"):
        assert words in page
    assert "<th scope='row'>This linkage</th><td>0.5000</td><td>0.6667</td><td>0.5714</td>" in page
    assert "<th scope='row'>Exact-match baseline</th><td>1.0000</td><td>0.0000</td><td>0.0000</td>" in page


def test_the_charts_without_pairs_or_baseline_still_open(tmp_path: Path) -> None:
    path = tmp_path / "evaluation.html"
    write_charts(path, [], TRUTH, threshold_curve([], TRUTH, 3, [0.5]), pairwise_scores(PREDICTED, TRUTH), None)
    page = path.read_text(encoding="utf-8")
    assert "This linkage" in page and "Exact-match baseline" not in page


def test_the_exact_baseline_joins_only_identical_complete_records() -> None:
    clusters = exact_baseline(
        [
            (A, "ann", "lee", "1980-01-02"),
            (B, "ann", "lee", "1980-01-02"),
            (C, "ann", "lee", None),  # no date of birth: alone
            (D, "ann", "lee", None),
            (E, "ann", "leigh", "1980-01-02"),
            (F, "", "lee", "1980-01-02"),  # an empty given name is missing too
        ]
    )
    assert clusters[A] == clusters[B]
    assert len({clusters[key] for key in (A, C, D, E, F)}) == 5
