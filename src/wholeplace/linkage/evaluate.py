"""How well a linkage matched the truth: pairwise and cluster precision, recall and F1, a threshold curve, charts.

Pairwise measures count pairs of records: a true positive is a pair in one predicted cluster and in one true
cluster. They come from cluster sizes (a cluster of n records holds n(n-1)/2 pairs) and the sizes of the
clusters' intersections, so a million records take a second or two rather than a listing of every pair. Cluster
measures count whole clusters reproduced exactly, the stricter view a person index needs. Both score only the
records present in both files; `coverage_problems` says how many were left out.

When a denominator is zero, precision and recall are 1.0 (nothing was claimed, so nothing was claimed wrongly;
nothing was there to find, so nothing was missed) and F1 is 0.0 only when precision and recall are both 0.
Pure: files in, figures out; no database, no clock.
"""

from __future__ import annotations

import csv
import html
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from wholeplace.problems import Problem

RecordKey = tuple[str, str]  # (agency, agency reference)
CLUSTER_COLUMNS = ("agency", "agency_ref", "person_id")
TRUTH_COLUMNS = ("agency", "agency_ref", "true_person_id")
PAIR_COLUMNS = ("agency_l", "agency_ref_l", "agency_r", "agency_ref_r", "match_weight", "match_probability")
EXAMPLES_SHOWN = 5  # records named when some are in one file and not the other
TITLE = "How well the linkage matched the truth"


@dataclass(frozen=True)
class Scores:
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float
    recall: float
    f1: float

    @classmethod
    def from_counts(cls, true_positives: int, false_positives: int, false_negatives: int) -> Scores:
        """Precision, recall and F1 from the counts, 1.0 for a measure whose denominator is 0 (see the module)."""
        claimed = true_positives + false_positives
        wanted = true_positives + false_negatives
        precision = true_positives / claimed if claimed else 1.0
        recall = true_positives / wanted if wanted else 1.0
        both = precision + recall
        f1 = 2 * precision * recall / both if both else 0.0
        return cls(true_positives, false_positives, false_negatives, precision, recall, f1)


class ScoredPair(NamedTuple):
    """Two records and how alike splink found them.

    A named tuple rather than a frozen dataclass because pairs.csv can hold millions of rows: the cycle collector
    stops tracking a tuple of tuples, strings and floats, which made reading a quarter faster.
    """

    left: RecordKey
    right: RecordKey
    match_weight: float
    match_probability: float


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    links: int  # scored pairs at or above the threshold
    true_links: int  # of those, pairs of the same person
    precision: float
    recall: float


def _csv_rows(path: Path, columns: Sequence[str], problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """Each row's number (the header is row 1, as a spreadsheet shows it) and its values in the order of `columns`.

    Streams the file; whatever stops it being read is added to `problems` and ends the rows.
    """
    name = path.name
    number = 0  # the last row read whole
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [column.strip() for column in next(reader, [])]
            if not any(header):
                problems.append(Problem(name, f"The file is empty. It needs a header row: {','.join(columns)}"))
                return
            missing = [column for column in columns if column not in header]
            for column in missing:
                problems.append(Problem(f"{name}, row 1", f"Add a column named '{column}'"))
            if missing:
                return
            number = 1
            positions = [header.index(column) for column in columns]
            pick = itemgetter(*positions)
            needed = max(positions) + 1
            for number, row in enumerate(reader, start=2):
                if not row:
                    continue  # a blank line holds no record
                if len(row) < needed:
                    problems.append(Problem(f"{name}, row {number}", f"The row has {len(row)} values, not {needed}"))
                    continue
                yield number, list(map(str.strip, pick(row)))
    except UnicodeDecodeError:
        # text is decoded a block at a time, so the bad character is somewhere after the last row read whole
        where = f"{name}, after row {number}" if number > 1 else name
        problems.append(Problem(where, "The file is not UTF-8 text. Save it as CSV UTF-8 and try again"))
    except csv.Error as error:
        problems.append(Problem(f"{name}, row {number + 1}", f"The row cannot be read as CSV: {error}"))
    except OSError as error:
        problems.append(Problem(name, f"The file cannot be opened: {error.strerror or error}"))


def _assignments(path: Path, columns: Sequence[str]) -> tuple[dict[RecordKey, str], list[Problem]]:
    """Each record's cluster from a file of (agency, agency_ref, identifier) rows, each record once."""
    problems: list[Problem] = []
    found: dict[RecordKey, str] = {}
    first_row: dict[RecordKey, int] = {}
    for number, (agency, agency_ref, identifier) in _csv_rows(path, columns, problems):
        where = f"{path.name}, row {number}"
        blanks = [column for column, value in zip(columns, (agency, agency_ref, identifier), strict=True) if not value]
        if blanks:
            problems.extend(Problem(f"{where}, column '{column}'", f"Enter the {column}") for column in blanks)
            continue
        key = (agency, agency_ref)
        if key in found:
            problems.append(Problem(where, f"The record {agency} {agency_ref} is also on row {first_row[key]}"))
            continue
        found[key] = identifier
        first_row[key] = number
    return found, problems


def read_clusters(path: Path) -> tuple[dict[RecordKey, str], list[Problem]]:
    """A linkage's clusters from a CSV file with the columns agency, agency_ref and person_id."""
    return _assignments(path, CLUSTER_COLUMNS)


def read_truth(path: Path) -> tuple[dict[RecordKey, str], list[Problem]]:
    """The true clusters from a CSV file with the columns agency, agency_ref and true_person_id."""
    return _assignments(path, TRUTH_COLUMNS)


def _pair_problems(where: str, values: Sequence[str]) -> Iterator[Problem]:
    """Why a row of pairs.csv cannot be used: the slow path, taken only for a bad row."""
    for column, value in zip(PAIR_COLUMNS, values, strict=True):
        if not value:
            yield Problem(f"{where}, column '{column}'", f"Enter the {column}")
            continue
        try:
            number = float(value) if column in ("match_weight", "match_probability") else 0.0
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            yield Problem(f"{where}, column '{column}'", f"Enter the {column} as a number, such as 0.95")
        elif column == "match_probability" and not 0.0 <= number <= 1.0:
            yield Problem(f"{where}, column '{column}'", "The match_probability must be 0 to 1")


def read_pairs(path: Path) -> tuple[list[ScoredPair], list[Problem]]:
    """Scored pairs from splink's pairs.csv: two records, a match weight, a match probability from 0 to 1."""
    problems: list[Problem] = []
    pairs: list[ScoredPair] = []
    keys: dict[RecordKey, RecordKey] = {}  # one tuple per record however many pairs name it, to save memory
    for number, values in _csv_rows(path, PAIR_COLUMNS, problems):
        agency_l, agency_ref_l, agency_r, agency_ref_r, weight_text, probability_text = values
        try:
            weight, probability = float(weight_text), float(probability_text)
        except ValueError:
            weight = probability = math.nan
        # nan fails every comparison, so a probability that is not a number takes the slow path too
        if agency_l and agency_ref_l and agency_r and agency_ref_r and math.isfinite(weight) and 0 <= probability <= 1:
            left = keys.setdefault((agency_l, agency_ref_l), (agency_l, agency_ref_l))
            right = keys.setdefault((agency_r, agency_ref_r), (agency_r, agency_ref_r))
            pairs.append(ScoredPair(left, right, weight, probability))
        else:
            problems.extend(_pair_problems(f"{path.name}, row {number}", values))
    return pairs, problems


def coverage_problems(
    predicted: Mapping[RecordKey, str],
    truth: Mapping[RecordKey, str],
    *,
    predicted_name: str = "clusters.csv",
    truth_name: str = "truth.csv",
) -> list[Problem]:
    """Records in one file and not the other, with how many and the first few: they are left out of the scores."""
    problems = []
    for name, other, ours, theirs in (
        (predicted_name, truth_name, predicted, truth),
        (truth_name, predicted_name, truth, predicted),
    ):
        extra = [key for key in ours if key not in theirs]
        if extra:
            examples = ", ".join(f"{agency} {agency_ref}" for agency, agency_ref in extra[:EXAMPLES_SHOWN])
            more = ", and others" if len(extra) > EXAMPLES_SHOWN else ""
            problems.append(
                Problem(
                    name, f"{len(extra):,} records are not in {other} and are left out of the scores: {examples}{more}"
                )
            )
    return problems


@dataclass(frozen=True)
class _Contingency:
    """Records in both files counted by predicted cluster, by true cluster, and by each cell of the two: the
    clusters are numbered 0, 1, 2, ... so the counting is NumPy's."""

    predicted_sizes: np.ndarray  # records in each predicted cluster
    true_sizes: np.ndarray  # records in each true cluster
    cell_predicted: np.ndarray  # for each non-empty (predicted, true) cell, its predicted cluster,
    cell_true: np.ndarray  # its true cluster,
    cell_sizes: np.ndarray  # and the records in both


def _numbered(labels: Sequence[str | None]) -> np.ndarray:
    """Each label as a number from 0, in order of first appearance."""
    numbers = {label: number for number, label in enumerate(dict.fromkeys(labels))}
    return np.fromiter(map(numbers.__getitem__, labels), dtype=np.int64, count=len(labels))


def _contingency(predicted: Mapping[RecordKey, str], truth: Mapping[RecordKey, str]) -> _Contingency:
    assigned = list(map(predicted.get, truth))  # map keeps the loop over a million records in C
    true_ids = list(truth.values())
    if None in assigned:  # records the clusters lack are left out of the scores
        true_ids = [true_id for found, true_id in zip(assigned, true_ids, strict=True) if found is not None]
        assigned = [found for found in assigned if found is not None]
    predicted_numbers, true_numbers = _numbered(assigned), _numbered(true_ids)
    true_sizes = np.bincount(true_numbers)
    width = max(len(true_sizes), 1)  # a cell's number is predicted * width + true
    cells, cell_sizes = np.unique(predicted_numbers * width + true_numbers, return_counts=True)
    return _Contingency(np.bincount(predicted_numbers), true_sizes, cells // width, cells % width, cell_sizes)


def _pairs_within(sizes: np.ndarray) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(predicted: Mapping[RecordKey, str], truth: Mapping[RecordKey, str]) -> Scores:
    """Pairwise precision, recall and F1 over every pair of the records in both, counted from cluster sizes.

    A pair is a true positive when one predicted cluster and one true cluster both hold it; a false positive when
    only a predicted cluster does; a false negative when only a true cluster does.
    """
    counts = _contingency(predicted, truth)
    together = _pairs_within(counts.cell_sizes)
    claimed = _pairs_within(counts.predicted_sizes)
    wanted = _pairs_within(counts.true_sizes)
    return Scores.from_counts(together, claimed - together, wanted - together)


def cluster_scores(predicted: Mapping[RecordKey, str], truth: Mapping[RecordKey, str]) -> Scores:
    """The common cluster-level measure: a predicted cluster is right when its records are exactly a true cluster's.

    Precision is exact clusters over predicted clusters, recall exact clusters over true clusters (singletons
    included), over the records in both files.
    """
    counts = _contingency(predicted, truth)
    # A predicted cluster equals a true cluster when one cell holds all the records of both.
    exact = int(
        np.count_nonzero(
            (counts.cell_sizes == counts.predicted_sizes[counts.cell_predicted])
            & (counts.cell_sizes == counts.true_sizes[counts.cell_true])
        )
    )
    return Scores.from_counts(exact, len(counts.predicted_sizes) - exact, len(counts.true_sizes) - exact)


def _same_person(pairs: Sequence[ScoredPair], truth: Mapping[RecordKey, str]) -> np.ndarray:
    """For each pair, whether the truth puts both records in one person (a record it lacks matches no one)."""
    return np.fromiter(
        ((left := truth.get(pair.left)) is not None and left == truth.get(pair.right) for pair in pairs),
        dtype=bool,
        count=len(pairs),
    )


def threshold_curve(
    pairs: Sequence[ScoredPair], truth: Mapping[RecordKey, str], total_true_pairs: int, thresholds: Sequence[float]
) -> list[CurvePoint]:
    """Pairwise precision and recall of the scored pairs at or above each match probability threshold.

    Recall is against all `total_true_pairs` (the true positives and false negatives of `pairwise_scores`), so
    true pairs that blocking never scored count as missed. Each pair should appear once in `pairs`.
    """
    probabilities = np.fromiter((pair.match_probability for pair in pairs), dtype=float, count=len(pairs))
    order = np.argsort(probabilities, kind="stable")
    ascending = probabilities[order]
    # true_below[i]: true links among the i lowest-scored pairs, so those at or above a threshold are the rest
    true_below = np.concatenate(([0], np.cumsum(_same_person(pairs, truth)[order])))
    cut = np.searchsorted(ascending, np.asarray(thresholds, dtype=float), side="left")
    points = []
    for threshold, below in zip(thresholds, cut.tolist(), strict=True):
        links = len(pairs) - below
        true_links = int(true_below[-1] - true_below[below])
        scores = Scores.from_counts(true_links, links - true_links, max(total_true_pairs - true_links, 0))
        points.append(CurvePoint(float(threshold), links, true_links, scores.precision, scores.recall))
    return points


def _weight_histogram(pairs: Sequence[ScoredPair], truth: Mapping[RecordKey, str]) -> go.Figure:
    """Binned here, not in the browser, so millions of pairs make a small file."""
    weights = np.fromiter((pair.match_weight for pair in pairs), dtype=float, count=len(pairs))
    same = _same_person(pairs, truth)
    span = (float(weights.min()), float(weights.max())) if len(weights) else (0.0, 1.0)
    edges = np.histogram_bin_edges(weights, bins=60, range=span if span[0] < span[1] else (span[0] - 1, span[0] + 1))
    middles = (edges[:-1] + edges[1:]) / 2
    figure = go.Figure()
    for name, chosen in (("Same person (true links)", same), ("Different people (false links)", ~same)):
        counts, _ = np.histogram(weights[chosen], bins=edges)
        figure.add_trace(go.Bar(x=middles, y=counts, width=edges[1] - edges[0], name=name, opacity=0.65))
    figure.update_layout(
        title="Match weights of the scored pairs, by what the truth says",
        barmode="overlay",
        xaxis_title="Match weight",
        yaxis={"title": "Pairs (log scale)", "type": "log"},
    )
    return figure


def _curve_chart(curve: Sequence[CurvePoint]) -> go.Figure:
    thresholds = [point.threshold for point in curve]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=thresholds, y=[point.precision for point in curve], name="Precision"))
    figure.add_trace(go.Scatter(x=thresholds, y=[point.recall for point in curve], name="Recall"))
    figure.update_layout(
        title="Precision and recall if pairs at or above each match probability were linked",
        xaxis_title="Match probability threshold",
        yaxis={"title": "Share", "range": [0, 1.02]},
    )
    return figure


def _scores_table(scores: Scores, baseline: Scores | None) -> str:
    rows = [("This linkage", scores), *([("Exact-match baseline", baseline)] if baseline else [])]
    cells = "".join(
        f"<tr><th scope='row'>{html.escape(name)}</th><td>{found.precision:.4f}</td><td>{found.recall:.4f}</td>"
        f"<td>{found.f1:.4f}</td><td>{found.true_positives:,}</td><td>{found.false_positives:,}</td>"
        f"<td>{found.false_negatives:,}</td></tr>"
        for name, found in rows
    )
    return (
        "<table><caption>Pairwise scores against the truth</caption><thead><tr><th scope='col'>Linkage</th>"
        "<th scope='col'>Precision</th><th scope='col'>Recall</th><th scope='col'>F1</th>"
        "<th scope='col'>True links</th><th scope='col'>False links</th><th scope='col'>Missed links</th>"
        f"</tr></thead><tbody>{cells}</tbody></table>"
    )


def write_charts(
    path: Path,
    pairs: Sequence[ScoredPair],
    truth: Mapping[RecordKey, str],
    curve: Sequence[CurvePoint],
    scores: Scores,
    baseline: Scores | None,
) -> None:
    """One HTML file an analyst opens offline: the scores, the weight histogram, precision and recall by threshold.

    plotly.js is written into the file itself, so it needs no network.
    """
    histogram = _weight_histogram(pairs, truth).to_html(include_plotlyjs=True, full_html=False)
    curve_chart = _curve_chart(curve).to_html(include_plotlyjs=False, full_html=False)
    style = (
        "body{font-family:Arial,sans-serif;margin:2em;color:#0b0c0c}"
        "table{border-collapse:collapse;margin-bottom:2em}th,td{border-bottom:1px solid #b1b4b6;padding:.4em .8em}"
        "td{text-align:right;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:bold}"
    )
    path.write_text(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{TITLE}</title><style>{style}</style>"
        f"</head><body><h1>{TITLE}</h1>{_scores_table(scores, baseline)}{histogram}{curve_chart}</body></html>",
        encoding="utf-8",
    )


def exact_baseline(records: Sequence[tuple[RecordKey, str | None, str | None, str | None]]) -> dict[RecordKey, str]:
    """The common-practice deterministic linkage: records with the same given name, surname and date of birth, all
    present, are one person; a record missing any of them stands alone. Identifiers are numbered in input order.
    """
    clusters: dict[RecordKey, str] = {}
    issued: dict[tuple[str, str, str], str] = {}
    for position, (key, given_name, surname, date_of_birth) in enumerate(records, start=1):
        if given_name and surname and date_of_birth:
            identity = (given_name, surname, date_of_birth)
            clusters[key] = issued.setdefault(identity, f"baseline-{len(issued) + 1}")
        else:
            clusters[key] = f"baseline-alone-{position}"
    return clusters
