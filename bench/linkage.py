"""Record linkage on synthetic extracts: ours (splink on DuckDB) against the `recordlinkage` package.

Run it with `.venv/bin/python bench/linkage.py` (`--people`, `--seed`, `--work DIR`, `--million`). It writes
`wholeplace linkage synth` extracts of `--people` synthetic people across 11 agencies with the truth, then on
the same records (read and standardised once, by our reader):

- ours: `pipeline.link_records` (train, score the blocked pairs, cluster at 0.95, identifiers);
- the exact-match baseline (identical given name, surname and date of birth), as common practice links;
- the peer: recordlinkage with its standard blocking (`Index.block`) on date of birth and on given name with
  surname, its string comparisons (Jaro-Winkler at 0.85) for the names and exact ones for date of birth,
  postcode and sex, and its unsupervised probabilistic classifier (`ECMClassifier`, Fellegi-Sunter by
  expectation-maximisation); its links are clustered as connected components, as ours are.

It prints each one's time and pairwise precision, recall and F1, and the ratios. With `--million` it then times
ours alone on synthetic extracts of at least 1,000,000 records (the aim: under 10 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from wholeplace.linkage import evaluate, pipeline
from wholeplace.linkage.clustering import Edge, cluster
from wholeplace.linkage.extracts import SourceRecord
from wholeplace.linkage.synth import write_synthetic_extracts

TODAY = dt.date(2026, 12, 5)


def records_of(folder: Path) -> list[SourceRecord]:
    readings = pipeline.read_folder(folder / "extracts", today=TODAY)
    return [record for reading in readings for record in reading.records]


def ours(records: Sequence[SourceRecord], seed: int) -> tuple[dict[tuple[str, str], str], float]:
    started = time.perf_counter()
    linked = pipeline.link_records(records, seed=seed)
    return dict(linked.assignment.person_ids), time.perf_counter() - started


def peer(records: Sequence[SourceRecord]) -> tuple[dict[tuple[str, str], str], float]:
    import recordlinkage
    from recordlinkage.index import Block

    frame = pd.DataFrame(
        {
            "given_name": [record.person.given_name for record in records],
            "surname": [record.person.surname for record in records],
            "dob": [
                record.person.date_of_birth.isoformat() if record.person.date_of_birth else None for record in records
            ],
            "postcode": [record.person.postcode for record in records],
            "sex": [record.person.sex for record in records],
        }
    )
    started = time.perf_counter()
    indexer = recordlinkage.Index()
    indexer.add(Block("dob"))
    indexer.add(Block(["given_name", "surname"]))
    candidates = indexer.index(frame)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("dob", "dob", label="dob")
    compare.exact("postcode", "postcode", label="postcode")
    compare.exact("sex", "sex", label="sex")
    features = compare.compute(candidates, frame)
    classifier = recordlinkage.ECMClassifier(binarize=0.5)
    links = classifier.fit_predict(features)
    edges = [Edge(int(left), int(right), 1.0) for left, right in links]
    clustered = cluster(range(len(records)), edges, threshold=1.0)
    elapsed = time.perf_counter() - started
    return {records[index].key: str(label) for index, label in clustered.labels.items()}, elapsed


def baseline(records: Sequence[SourceRecord]) -> tuple[dict[tuple[str, str], str], float]:
    started = time.perf_counter()
    found = evaluate.exact_baseline(
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
    return found, time.perf_counter() - started


def line(name: str, scores: evaluate.Scores, seconds: float) -> str:
    return (
        f"{name:<24} {seconds:8.1f} s   precision {scores.precision:.4f}   recall {scores.recall:.4f}   "
        f"F1 {scores.f1:.4f}"
    )


def compare_with_peer(people: int, seed: int, work: Path) -> None:
    started = time.perf_counter()
    summary = write_synthetic_extracts(work, people=people, seed=seed)
    truth, problems = evaluate.read_truth(work / "truth.csv")
    assert not problems, problems
    records = records_of(work)
    prepared = time.perf_counter() - started
    print(
        f"{summary.records:,} records of {people:,} synthetic people in 11 extracts (seed {seed}); "
        f"{len(records):,} usable; written and read in {prepared:.1f} s"
    )
    results = {}
    for name, run in (
        ("ours (splink, DuckDB)", lambda: ours(records, seed)),
        ("exact-match baseline", lambda: baseline(records)),
        ("recordlinkage (ECM)", lambda: peer(records)),
    ):
        clusters, seconds = run()
        scores = evaluate.pairwise_scores(clusters, truth)
        results[name] = (scores, seconds)
        print(line(name, scores, seconds), flush=True)
    (our_scores, our_time), (peer_scores, peer_time) = results["ours (splink, DuckDB)"], results["recordlinkage (ECM)"]
    print(
        f"F1: ours {our_scores.f1:.4f} against recordlinkage {peer_scores.f1:.4f} "
        f"(+{our_scores.f1 - peer_scores.f1:.4f}); against the exact-match baseline "
        f"{results['exact-match baseline'][0].f1:.4f}"
    )
    print(f"Time: recordlinkage takes {peer_time / our_time:.2f}x ours (aim: above 1)")


def million(seed: int, work: Path) -> None:
    people = 450_000
    summary = write_synthetic_extracts(work, people=people, seed=seed)
    while summary.records < 1_000_000:
        people = int(people * 1_000_000 / summary.records) + 1_000
        summary = write_synthetic_extracts(work, people=people, seed=seed)
    started = time.perf_counter()
    records = records_of(work)
    read = time.perf_counter() - started
    clusters, seconds = ours(records, seed)
    truth, _ = evaluate.read_truth(work / "truth.csv")
    scores = evaluate.pairwise_scores(clusters, truth)
    total = read + seconds
    print(
        f"{summary.records:,} records of {people:,} people: read and standardised in {read:.1f} s, linked in "
        f"{seconds:.1f} s; {total / 60:.1f} minutes in all (aim: under 10); F1 {scores.f1:.4f}"
    )


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--work", type=Path, help="Keep the extracts here (default: a temporary folder)")
    parser.add_argument("--million", action="store_true", help="Also time ours on 1,000,000 records")
    arguments = parser.parse_args(argv)
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {TODAY}")
    with tempfile.TemporaryDirectory() as temporary:
        work = arguments.work or Path(temporary)
        compare_with_peer(arguments.people, arguments.seed, work / "peer")
        if arguments.million:
            million(arguments.seed, work / "million")


if __name__ == "__main__":
    main(sys.argv[1:])
