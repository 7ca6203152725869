"""`wholeplace linkage`: synthetic extracts, linking a folder of extracts, and judging a linkage against the truth.

`synth`, `link` and `evaluate` need no database: they read and write files, so an analyst can try the model on
any machine. `import`, `run` and `review` work on the index in the database (linkage/index_cli.py).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from wholeplace.cli_support import out, refuse
from wholeplace.files.csv_writer import write_csv
from wholeplace.linkage import evaluate, matching, pipeline, synth
from wholeplace.linkage.extracts import ExtractReading, SourceRecord
from wholeplace.linkage.index_cli import register
from wholeplace.linkage.quality import recall_table
from wholeplace.problems import InvalidInput, Problem

linkage_app = typer.Typer(help="One person across agencies' records: the master person index.", no_args_is_help=True)
register(linkage_app)
T = TypeVar("T")


@contextmanager
def progress_bar() -> Iterator[pipeline.Step]:
    """A Rich progress bar, one task per stage, as `pipeline.Step` reports them."""
    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn()
    ) as bar:

        def step(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        yield step


@linkage_app.command("synth")
def synth_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write extracts/ and truth.csv into")],
    people: Annotated[int, typer.Option("--people", min=1, max=5_000_000, help="How many synthetic people")] = 1000,
    agencies: Annotated[int, typer.Option("--agencies", min=1, max=11, help="How many agencies (up to 11)")] = 11,
    seed: Annotated[int, typer.Option("--seed", help="The seed: it changes the people and the corruption")] = 2013,
) -> None:
    """Write synthetic agency extracts of overlapping people, with the truth, for trying the linkage."""
    with progress_bar() as step:
        summary = synth.write_synthetic_extracts(
            out_dir, people=people, agencies=agencies, seed=seed, progress=lambda done: step("People", done, people)
        )
    out.print(f"{summary.records:,} records of {summary.people:,} synthetic people in {out_dir / 'extracts'}")
    out.print(f"The truth: {out_dir / 'truth.csv'}")


@linkage_app.command("link")
def link_command(
    extracts: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Folder of .csv or .xlsx extracts")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for clusters.csv, pairs.csv and model.json")],
    threshold: Annotated[
        float, typer.Option("--threshold", min=0.5, max=0.999999, help="Match probability that makes a link")
    ] = pipeline.DEFAULT_THRESHOLD,
    model_file: Annotated[
        Path | None, typer.Option("--model", exists=True, dir_okay=False, help="Reuse a saved model.json")
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous", exists=True, dir_okay=False, help="An earlier clusters.csv whose identifiers to keep"
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for sampling random pairs when training")] = 2013,
) -> None:
    """Link a folder of agency extracts: OUT/clusters.csv has one row per record with its person identifier."""
    started = time.perf_counter()
    try:
        model = matching.Model.load(model_file) if model_file else None
    except ValueError as error:
        refuse([Problem(str(model_file), str(error))])
    earlier, issued = read_previous(previous) if previous else ({}, 0)
    try:
        with progress_bar() as step:
            readings = pipeline.read_folder(extracts, today=date.today(), step=step)
            records: list[SourceRecord] = [record for reading in readings for record in reading.records]
            linked = pipeline.link_records(
                records, seed=seed, threshold=threshold, model=model, previous=earlier, issued=issued, step=step
            )
            pipeline.write_outputs(linked, out_dir)
    except InvalidInput as error:
        refuse(error.problems)
    unusable = sum(len(reading.unusable) for reading in readings)
    people = len(set(linked.assignment.person_ids.values()))
    out.print(f"{len(records):,} records from {len(readings)} extracts linked into {people:,} people")
    write_unusable(readings, out_dir / "unusable.csv")
    out.print(f"{unusable:,} rows could not be used: listed in {out_dir / 'unusable.csv'}")
    if model and model.trained_on and model.trained_on != matching.fingerprint(records):
        out.print("The model was trained on other data (its fingerprint differs); reused as asked.")
    out.print(f"Took {time.perf_counter() - started:.1f} s. Written: {out_dir / 'clusters.csv'}")


def read_previous(path: Path) -> tuple[dict[tuple[str, str], str], int]:
    """An earlier clusters.csv, and how many identifiers had been issued by then."""
    clusters = read_or_refuse(evaluate.read_clusters, path)
    numbers = [int(person_id.split("-")[1]) for person_id in clusters.values() if person_id.count("-") == 2]
    return dict(clusters), max(numbers, default=0)


def write_unusable(readings: tuple[ExtractReading, ...], path: Path) -> None:
    rows = ([problem.where, problem.message] for reading in readings for problem in reading.unusable)
    write_csv(path, ["where", "reason"], rows)


@linkage_app.command("evaluate")
def evaluate_command(
    clusters_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="clusters.csv from `link`")],
    truth_file: Annotated[Path, typer.Option("--truth", exists=True, dir_okay=False, help="truth.csv from `synth`")],
    charts: Annotated[Path | None, typer.Option("--charts", help="Where to write the charts (HTML)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON")] = False,
) -> None:
    """Pairwise and cluster precision, recall and F1 against the truth, beside the exact-match baseline's."""
    predicted = read_or_refuse(evaluate.read_clusters, clusters_file)
    truth = read_or_refuse(evaluate.read_truth, truth_file)
    for problem in evaluate.coverage_problems(predicted, truth):  # scored on the records in both, said aloud
        out.print(f"Note: {problem}")
    baseline_file = clusters_file.with_name("baseline.csv")
    baseline = read_or_refuse(evaluate.read_clusters, baseline_file) if baseline_file.exists() else None
    scores = {"ours": (evaluate.pairwise_scores(predicted, truth), evaluate.cluster_scores(predicted, truth))}
    if baseline is not None:
        scores["exact-match baseline"] = (
            evaluate.pairwise_scores(baseline, truth),
            evaluate.cluster_scores(baseline, truth),
        )
    pairwise = scores["ours"][0]
    pairs_file = clusters_file.with_name("pairs.csv")
    chart_path = charts or clusters_file.with_name("evaluation.html")
    if pairs_file.exists():
        pairs = read_or_refuse(evaluate.read_pairs, pairs_file)
        total_true = pairwise.true_positives + pairwise.false_negatives
        curve = evaluate.threshold_curve(pairs, truth, total_true, [step / 100 for step in range(50, 100)])
        evaluate.write_charts(chart_path, pairs, truth, curve, pairwise, baseline and scores["exact-match baseline"][0])
    groups_file = clusters_file.with_name("groups.csv")
    recall = recall_table(predicted, truth, read_groups(groups_file)) if groups_file.exists() else []
    if as_json:
        report = {
            name: {"pairwise": scores_json(pair), "cluster": scores_json(whole)}
            for name, (pair, whole) in scores.items()
        }
        report["recall_by_group"] = {name: {"records": n, "recall": share} for name, n, share in recall}  # type: ignore[assignment]
        print(json.dumps(report, indent=2))
        return
    table = Table("Linkage", "Measure", "Precision", "Recall", "F1", title="Linkage against the truth")
    for name, (pair, whole) in scores.items():
        for measure, found in (("pairwise", pair), ("cluster", whole)):
            table.add_row(name, measure, f"{found.precision:.4f}", f"{found.recall:.4f}", f"{found.f1:.4f}")
    out.print(table)
    if recall:
        by_group = Table("Who", "Records with true partners", "Partners found", title="Who the linkage fails")
        for name, records, share in recall:
            by_group.add_row(name, f"{records:,}", f"{share:.2%}")
        out.print(by_group)
    if pairs_file.exists():
        out.print(f"Charts: {chart_path}")


def read_or_refuse(reader: Callable[[Path], tuple[T, list[Problem]]], path: Path) -> T:
    found, problems = reader(path)
    if problems:
        refuse(problems)
    return found


def read_groups(path: Path) -> dict[tuple[str, str], frozenset[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            (row["agency"], row["agency_ref"]): frozenset(filter(None, row["groups"].split("; ")))
            for row in csv.DictReader(handle)
        }


def scores_json(scores: evaluate.Scores) -> dict[str, float | int]:
    return {
        "precision": scores.precision,
        "recall": scores.recall,
        "f1": scores.f1,
        "true_positives": scores.true_positives,
        "false_positives": scores.false_positives,
        "false_negatives": scores.false_negatives,
    }
