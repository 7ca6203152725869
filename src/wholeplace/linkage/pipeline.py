"""A folder of agency extracts to a clustered, identified set of records: the `linkage link` command's work.

Read every extract (refusing the run if any cannot be read), train the model or reuse a saved one,
score the blocked pairs, cluster at the chosen probability and give each cluster a person identifier,
carried over from an earlier run's clusters where one is given. Files in, files out; no database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from wholeplace.files.csv_writer import write_csv
from wholeplace.linkage import matching
from wholeplace.linkage.clustering import Clustering, Edge, cluster
from wholeplace.linkage.evaluate import exact_baseline
from wholeplace.linkage.extracts import ExtractReading, SourceRecord, read_extract
from wholeplace.linkage.identifiers import Assignment, assign
from wholeplace.linkage.quality import groups_of
from wholeplace.problems import InvalidInput, Problem

DEFAULT_THRESHOLD = 0.95  # a link is made at a match probability of 0.95 or more
REVIEW_FROM = 0.5  # pairs from 0.5 up to the threshold go to an analyst
EXTRACT_SUFFIXES = (".csv", ".xlsx")
CLUSTER_HEADER = ("agency", "agency_ref", "person_id")
PAIR_HEADER = ("agency_l", "agency_ref_l", "agency_r", "agency_ref_r", "match_weight", "match_probability")

Step = Callable[[str, int, int], None]  # (what, done, total): for a progress bar


def quiet(what: str, done: int, total: int) -> None:
    """No progress shown."""


@dataclass(frozen=True)
class Linked:
    records: tuple[SourceRecord, ...]
    pairs: pd.DataFrame  # every scored pair at or above REVIEW_FROM, ids index `records`
    clustering: Clustering
    assignment: Assignment[tuple[str, str]]
    model: matching.Model
    readings: tuple[ExtractReading, ...] = field(default=())

    def edges(self) -> list[Edge]:
        return edges_of(self.pairs)


def edges_of(pairs: pd.DataFrame) -> list[Edge]:
    return [
        Edge(int(left), int(right), float(probability))
        for left, right, probability in zip(pairs.unique_id_l, pairs.unique_id_r, pairs.match_probability, strict=True)
    ]


def read_folder(folder: Path, *, today: date, step: Step = quiet) -> tuple[ExtractReading, ...]:
    """Every .csv and .xlsx extract in the folder, each agency named by its file's stem."""
    files = sorted(path for path in folder.iterdir() if path.suffix.lower() in EXTRACT_SUFFIXES)
    if not files:
        raise InvalidInput([Problem(str(folder), "There are no .csv or .xlsx extracts in this folder")])
    readings = []
    for done, path in enumerate(files, start=1):
        readings.append(read_extract(path.read_bytes(), path.name, agency=path.stem, today=today))
        step("Reading extracts", done, len(files))
    if problems := [problem for reading in readings for problem in reading.refused()]:
        raise InvalidInput(problems)
    return tuple(readings)


def link_records(
    records: Sequence[SourceRecord],
    *,
    seed: int,
    threshold: float = DEFAULT_THRESHOLD,
    model: matching.Model | None = None,
    previous: dict[tuple[str, str], str] | None = None,
    issued: int = 0,
    backend: matching.Backend = matching.duckdb_backend,
    step: Step = quiet,
) -> Linked:
    """Train (unless a model is given), predict, cluster and identify the records."""
    data = matching.frame(records, range(len(records)))
    if model is None:
        step("Training the model", 0, 1)
        model = matching.train(data, seed=seed, backend=backend)
        model = matching.Model(model.splink_settings, matching.fingerprint(records), len(records))
        step("Training the model", 1, 1)
    step("Scoring pairs", 0, 1)
    pairs = matching.predict(data, model, threshold=min(REVIEW_FROM, threshold), backend=backend)
    step("Scoring pairs", 1, 1)
    clustering = cluster(range(len(records)), edges_of(pairs), threshold=threshold)
    clusters = {records[index].key: label for index, label in clustering.labels.items()}
    assignment = assign(clusters, previous or {}, issued=issued)
    step("Clustering", 1, 1)
    return Linked(tuple(records), pairs, clustering, assignment, model)


def write_outputs(linked: Linked, out: Path) -> None:
    """OUT/clusters.csv (one row per record), pairs.csv (scored pairs), model.json, groups.csv and baseline.csv."""
    out.mkdir(parents=True, exist_ok=True)
    ids = linked.assignment.person_ids
    write_csv(out / "clusters.csv", CLUSTER_HEADER, ([*key, ids[key]] for key in sorted(r.key for r in linked.records)))
    pairs = linked.pairs
    write_csv(
        out / "pairs.csv",
        PAIR_HEADER,
        (
            [*linked.records[left].key, *linked.records[right].key, Decimal(f"{weight:.4f}"), Decimal(f"{chance:.6f}")]
            for left, right, weight, chance in zip(
                pairs.unique_id_l, pairs.unique_id_r, pairs.match_weight, pairs.match_probability, strict=True
            )
        ),
    )
    linked.model.save(out / "model.json")
    write_groups(linked.records, out / "groups.csv")
    write_baseline(linked.records, out / "baseline.csv")


def write_groups(records: Sequence[SourceRecord], path: Path) -> None:
    """Which groups each record is in (no fixed abode, a name outside the tables...), for recall by group."""
    rows = ([*record.key, "; ".join(sorted(groups_of(record.person)))] for record in records)
    write_csv(path, ["agency", "agency_ref", "groups"], rows)


def write_baseline(records: Sequence[SourceRecord], path: Path) -> None:
    """The common-practice baseline's clusters: exact given name, surname and date of birth."""
    clusters = exact_baseline(
        [
            (
                record.key,
                record.person.given_name,
                record.person.surname,
                record.person.date_of_birth.isoformat() if record.person.date_of_birth else None,
            )
            for record in records
        ]
    )
    write_csv(path, CLUSTER_HEADER, ([*key, person] for key, person in sorted(clusters.items())))
