"""`wholeplace linkage synth`, `link` and `evaluate` end to end on files, and bad input refused with reasons."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from wholeplace.cli import app

runner = CliRunner()


def test_synth_link_and_evaluate_beat_the_exact_match_baseline(tmp_path: Path) -> None:
    made = runner.invoke(app, ["linkage", "synth", "--people", "1500", "--seed", "11", "--out", str(tmp_path)])
    assert made.exit_code == 0, made.output
    assert len(list((tmp_path / "extracts").glob("*.csv"))) == 11
    linked = runner.invoke(app, ["linkage", "link", str(tmp_path / "extracts"), "--out", str(tmp_path / "out")])
    assert linked.exit_code == 0, linked.output
    for name in ("clusters.csv", "pairs.csv", "model.json", "baseline.csv", "groups.csv", "unusable.csv"):
        assert (tmp_path / "out" / name).exists(), name
    judged = runner.invoke(
        app,
        [
            "linkage",
            "evaluate",
            str(tmp_path / "out" / "clusters.csv"),
            "--truth",
            str(tmp_path / "truth.csv"),
            "--json",
        ],
    )
    assert judged.exit_code == 0, judged.output
    report = json.loads(judged.output[judged.output.index("{") :])
    ours, baseline = report["ours"]["pairwise"], report["exact-match baseline"]["pairwise"]
    assert ours["f1"] > 0.97 > baseline["f1"]
    assert report["recall_by_group"]["Everyone"]["records"] > 1000
    assert (tmp_path / "out" / "evaluation.html").exists()
    # the same model reused keeps every identifier
    again = runner.invoke(
        app,
        [
            "linkage",
            "link",
            str(tmp_path / "extracts"),
            "--out",
            str(tmp_path / "again"),
            "--model",
            str(tmp_path / "out" / "model.json"),
            "--previous",
            str(tmp_path / "out" / "clusters.csv"),
        ],
    )
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again" / "clusters.csv").read_text() == (tmp_path / "out" / "clusters.csv").read_text()


def test_a_folder_with_a_broken_extract_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "police.csv").write_text("agency_ref,given_name,date_of_birth\nP1,Ann,01/02/1980\n")
    (tmp_path / "photo.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    result = runner.invoke(app, ["linkage", "link", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "photo.csv: The file is not UTF-8 text" in result.output
    assert "police.csv: Map a column to the surname" in result.output or "column 'surname'" in result.output
    assert not (tmp_path / "out").exists()
