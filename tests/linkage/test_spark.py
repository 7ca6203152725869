"""The same linkage on Spark (local mode) gives the same clusters as on DuckDB: the path for a partnership
that outgrows one machine. Skipped, with the reason, where Java is not installed."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator

import pytest

from tests.linkage.builders import COHORT_SIZE, extract, extracts_of, people
from wholeplace.linkage import matching
from wholeplace.linkage.clustering import cluster
from wholeplace.linkage.extracts import read_extract
from wholeplace.linkage.pipeline import DEFAULT_THRESHOLD, edges_of

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java, which is not installed here")


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    os.environ.setdefault("PYSPARK_PYTHON", shutil.which("python3") or "python3")
    session = (
        SparkSession.builder.master("local[1]")
        .appName("wholeplace-linkage-test")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .getOrCreate()
    )
    session.sparkContext.setCheckpointDir("/tmp/wholeplace-spark-checkpoints")
    yield session
    session.stop()


def test_spark_and_duckdb_find_the_same_people(spark: object) -> None:
    records = [
        record
        for source, rows in extracts_of(people(COHORT_SIZE)).items()
        for record in read_extract(extract(rows), f"{source}.csv", agency=source, today=dt.date(2026, 12, 5)).records
    ]
    data = matching.frame(records, range(len(records)))
    model = matching.train(data, seed=2013)
    on_duckdb = matching.predict(data, model, threshold=0.5)
    on_spark = matching.predict(data, model, threshold=0.5, backend=matching.spark_backend(spark))
    assert len(on_spark) == len(on_duckdb) == COHORT_SIZE  # each person is in two of the three extracts: one pair
    pairs = zip(on_duckdb.unique_id_l, on_duckdb.unique_id_r, strict=True)
    weights = dict(zip(pairs, on_duckdb.match_weight, strict=True))
    for left, right, weight in zip(on_spark.unique_id_l, on_spark.unique_id_r, on_spark.match_weight, strict=True):
        assert weight == pytest.approx(weights[(left, right)], abs=1e-6)
    duck = cluster(range(len(records)), edges_of(on_duckdb), threshold=DEFAULT_THRESHOLD)
    sparked = cluster(range(len(records)), edges_of(on_spark), threshold=DEFAULT_THRESHOLD)
    assert sparked.labels == duck.labels
    assert len(set(duck.labels.values())) == COHORT_SIZE
