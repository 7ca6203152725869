"""The probabilistic model, on splink: which records to compare, how to compare them, and the scores.

The model is Fellegi and Sunter's, as splink implements it: each comparison (given name, surname, date of
birth, postcode, sex) has levels, each level an m probability (how often records of the same person agree
at that level, trained by expectation-maximisation) and a u probability (how often records of different
people do, from random pairs); a pair's match weight is the sum of log2(m/u) over its levels, adjusted
for how common a name is (term frequencies). The backend is DuckDB by default and Spark for data that
outgrows one machine; the same settings run on both. No database of ours and no web here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from wholeplace.linkage.extracts import SourceRecord

# splink narrates every training step and warns of levels the data never showed; our progress bars say what a
# run is doing instead.
logging.getLogger("splink").setLevel(logging.ERROR)
MODEL_FORMAT = "wholeplace-linkage-model/1"
COMPARISONS = ("given_name", "surname", "date_of_birth", "postcode", "sex")
COMPARISON_NAMES = {
    "given_name": "Given name",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "postcode": "Postcode",
    "sex": "Sex",
}
# Pairs are compared only where they agree on one of these: together they catch a person whose name,
# date of birth or address changed, while keeping the comparisons to a few per record.
BLOCKING_RULES = (
    ("dob",),
    ("given_canonical", "surname"),
    ("surname", "postcode"),
    ("given_canonical", "postcode"),
    ("given_canonical", "birth_year", "postcode_district"),
)
# Expectation-maximisation runs twice, each time blocking on what it does not estimate.
TRAINING_BLOCKS = (("given_canonical", "surname"), ("dob",))
DETERMINISTIC_RULE = ("given_canonical", "surname", "dob")
DETERMINISTIC_RECALL = 0.7  # the share of true matches the exact rule is assumed to find (splink's prior)


def comparisons() -> list[Any]:
    """The five comparisons, most specific level first in each."""
    given = cl.CustomComparison(
        output_column_name="given_name",
        comparison_description="Given name",
        comparison_levels=[
            cll.NullLevel("given_name"),
            cll.ExactMatchLevel("given_name", term_frequency_adjustments=True).configure(
                label_for_charts="Given names the same"
            ),
            cll.ExactMatchLevel("given_canonical").configure(
                label_for_charts="Same name, one a short form (Bill, William)"
            ),
            cll.CustomLevel("given_name_l = surname_r AND surname_l = given_name_r", "Given name and surname swapped"),
            cll.JaroWinklerLevel("given_name", 0.92).configure(label_for_charts="Given names nearly the same"),
            cll.JaroWinklerLevel("given_name", 0.8).configure(label_for_charts="Given names alike"),
            cll.ElseLevel().configure(label_for_charts="Given names differ"),
        ],
    )
    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_description="Surname",
        comparison_levels=[
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname", term_frequency_adjustments=True).configure(
                label_for_charts="Surnames the same"
            ),
            cll.CustomLevel("given_name_l = surname_r AND surname_l = given_name_r", "Given name and surname swapped"),
            cll.JaroWinklerLevel("surname", 0.92).configure(label_for_charts="Surnames nearly the same"),
            cll.ArrayIntersectLevel("names", 1).configure(
                label_for_charts="A surname in one is among the other's names (a married or former name)"
            ),
            cll.JaroWinklerLevel("surname", 0.8).configure(label_for_charts="Surnames alike"),
            cll.ElseLevel().configure(label_for_charts="Surnames differ"),
        ],
    )
    birth = cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_description="Date of birth",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob").configure(label_for_charts="Dates of birth the same"),
            cll.CustomLevel(
                "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
                "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
                "Day and month swapped",
                base_dialect_str="duckdb",
            ),
            cll.DamerauLevenshteinLevel("dob", 1).configure(label_for_charts="One digit different (a typing slip)"),
            cll.DamerauLevenshteinLevel("dob", 2).configure(label_for_charts="Two digits different"),
            cll.ElseLevel().configure(label_for_charts="Dates of birth differ"),
        ],
    )
    postcode = cl.CustomComparison(
        output_column_name="postcode",
        comparison_description="Postcode",
        comparison_levels=[
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode").configure(label_for_charts="Postcodes the same"),
            cll.ExactMatchLevel("postcode_sector").configure(label_for_charts="Same postcode sector (CO15 1)"),
            cll.ExactMatchLevel("postcode_district").configure(label_for_charts="Same postcode district (CO15)"),
            cll.ElseLevel().configure(label_for_charts="Postcodes differ"),
        ],
    )
    sex = cl.CustomComparison(
        output_column_name="sex",
        comparison_description="Sex",
        comparison_levels=[
            cll.NullLevel("sex"),
            cll.ExactMatchLevel("sex").configure(label_for_charts="Sex the same"),
            cll.ElseLevel().configure(label_for_charts="Sex differs"),
        ],
    )
    return [given, surname, birth, postcode, sex]


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in BLOCKING_RULES],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,  # the gamma (level) columns, which explain each link
    )


def frame(records: Sequence[SourceRecord], ids: Sequence[int]) -> pd.DataFrame:
    """Records as the columns the model compares; `ids` are the unique ids the predictions refer to."""
    rows = []
    for record_id, record in zip(ids, records, strict=True):
        person = record.person
        dob = person.date_of_birth.isoformat() if person.date_of_birth else None
        names = [person.surname, *(person.other_names or "").split()] if person.surname else []
        rows.append(
            (
                record_id,
                record.agency,
                person.given_name,
                person.given_canonical,
                person.surname,
                names,
                dob,
                dob[:4] if dob else None,
                person.sex,
                person.postcode,
                person.postcode_sector,
                person.postcode_district,
            )
        )
    columns = ["unique_id", "agency", "given_name", "given_canonical", "surname", "names", "dob", "birth_year"]
    return pd.DataFrame(rows, columns=[*columns, "sex", "postcode", "postcode_sector", "postcode_district"])


def fingerprint(records: Sequence[SourceRecord]) -> str:
    """A digest of the records a model was trained on, so a saved model says what data it came from."""
    digest = hashlib.sha256()
    for record in sorted(records, key=lambda r: r.key):
        digest.update(repr((record.key, record.person)).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Model:
    """Trained splink settings, with the fingerprint of the data they were trained on."""

    splink_settings: dict[str, Any]
    trained_on: str
    records: int

    def save(self, path: Path) -> None:
        payload = {"format": MODEL_FORMAT, "trained_on": self.trained_on, "records": self.records}
        path.write_text(json.dumps({**payload, "splink": self.splink_settings}, indent=1, sort_keys=True))

    @classmethod
    def load(cls, path: Path) -> Model:
        """A model saved by `save`. Raises ValueError saying what is wrong with the file."""
        try:
            payload = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{path.name}: not a linkage model we can read ({error})") from None
        if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
            raise ValueError(f"{path.name}: not a wholeplace linkage model (format {MODEL_FORMAT})")
        return cls(payload["splink"], payload["trained_on"], payload["records"])

    def weights(self) -> dict[str, dict[int, tuple[str, float]]]:
        """For each comparison, each level's label and match weight (log2 of m/u), by its gamma value."""
        table: dict[str, dict[int, tuple[str, float]]] = {}
        for comparison in self.splink_settings["comparisons"]:
            levels: dict[int, tuple[str, float]] = {}
            ordered = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
            for gamma, level in zip(range(len(ordered) - 1, -1, -1), ordered, strict=True):
                m, u = level.get("m_probability"), level.get("u_probability")
                weight = math.log2(m / u) if m and u else 0.0
                levels[gamma] = (level.get("label_for_charts", ""), weight)
            table[comparison["output_column_name"]] = levels
        return table


Backend = Callable[[pd.DataFrame], tuple[Any, Any]]


def duckdb_backend(data: pd.DataFrame) -> tuple[Any, Any]:
    """(database API, registered table) on an in-memory DuckDB."""
    api = DuckDBAPI()
    return api, api.register(data, dataset_display_name="records")


def spark_backend(spark: Any) -> Backend:
    """The same model on a Spark session (local or a cluster)."""
    from splink import SparkAPI

    def register(data: pd.DataFrame) -> tuple[Any, Any]:
        api = SparkAPI(spark_session=spark)
        return api, api.register(spark.createDataFrame(data), dataset_display_name="records")

    return register


def train(data: pd.DataFrame, *, seed: int, backend: Backend = duckdb_backend, max_pairs: float = 2e6) -> Model:
    """m by expectation-maximisation, u by random sampling (seeded), and the prior from an exact rule."""
    _, table = backend(data)
    linker = Linker(table, settings())
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*DETERMINISTIC_RULE)], recall=DETERMINISTIC_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for block in TRAINING_BLOCKS:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*block))
    return Model(linker.misc.save_model_to_json(), trained_on="", records=len(data))


def predict(data: pd.DataFrame, model: Model, *, threshold: float, backend: Backend = duckdb_backend) -> pd.DataFrame:
    """Every blocked pair at or above the match probability threshold, with its score and levels."""
    _, table = backend(data)
    linker = Linker(table, in_dialect_of(model, table))
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    return predictions.as_pandas_dataframe()


TRAINED_KEYS = ("m_probability", "u_probability")


def in_dialect_of(model: Model, table: Any) -> dict[str, Any]:
    """The model's settings written in the SQL of the table's backend, with the trained probabilities.

    A saved model holds DuckDB's SQL, where "name" is a column; Spark reads "name" as a string. So the
    settings are written afresh for the backend and the trained values copied level by level.
    """
    if model.splink_settings.get("sql_dialect") == table.db_api.sql_dialect.sql_dialect_str:
        return model.splink_settings
    fresh = Linker(table, settings()).misc.save_model_to_json()
    fresh["probability_two_random_records_match"] = model.splink_settings["probability_two_random_records_match"]
    for comparison, trained in zip(fresh["comparisons"], model.splink_settings["comparisons"], strict=True):
        for level, learnt in zip(comparison["comparison_levels"], trained["comparison_levels"], strict=True):
            level.update({key: learnt[key] for key in TRAINED_KEYS if key in learnt})
    return fresh


def predict_for(data: pd.DataFrame, model: Model, *, targets: set[int], threshold: float) -> pd.DataFrame:
    """Pairs involving the target records only: targets against the rest, and targets among themselves.

    Term frequencies come from all the data, as in a full run, so a target's scores match what a full
    prediction with the same model would give it.
    """
    api, table = duckdb_backend(data)
    linker = Linker(table, model.splink_settings)
    for column in TERM_FREQUENCY_COLUMNS:
        linker.table_management.compute_tf_table(column)
    chosen = data.unique_id.isin(targets)
    new = api.register(data[chosen], dataset_display_name="targets")
    rest = api.register(data[~chosen], dataset_display_name="others")
    found = [
        linker.inference.predict_between(rest, new, threshold_match_probability=threshold).as_pandas_dataframe(),
        linker.inference.predict_within(new, threshold_match_probability=threshold).as_pandas_dataframe(),
    ]
    return pd.concat([frame for frame in found if len(frame)], ignore_index=True) if any(map(len, found)) else found[0]


TERM_FREQUENCY_COLUMNS = ("given_name", "surname")


class Explainer:
    """A scored pair's explanation: for each comparison, the level it met and the weight that level gave."""

    def __init__(self, model: Model) -> None:
        self.levels = model.weights()

    def __call__(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        explanation = []
        for name in COMPARISONS:
            gamma = int(row[f"gamma_{name}"])
            weight = float(row.get(f"mw_{name}", 0.0)) + float(row.get(f"mw_tf_adj_{name}", 0.0) or 0.0)
            label = "Not known in one or both" if gamma == -1 else self.levels[name][gamma][0]
            explanation.append({"comparison": COMPARISON_NAMES[name], "level": label, "weight": round(weight, 2)})
        return explanation
