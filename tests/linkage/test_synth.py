"""Synthetic agency extracts: the truth matches the files, the seed decides everything, corruption keeps its rates."""

from __future__ import annotations

import csv
import hashlib
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wholeplace.linkage.extracts import read_extract
from wholeplace.linkage.synth import AGENCIES, CORRUPTION_KINDS, SynthSummary, nhs_number, write_synthetic_extracts
from wholeplace.linkage.synth_corruption import GROUPS, RATES, REFERENCE_DATE, choose_kinds, typo, year_typo

DOCS = Path(__file__).resolve().parents[2] / "docs" / "linkage-synthetic.md"
EXTRACT_HEADER = ["agency_ref", "given_name", "surname", "other_names", "date_of_birth", "sex", "postcode", "address"]
# Kinds every record can suffer; the others need something of the person (a short form, a double surname...).
KINDS_FOR_EVERY_RECORD = (
    "name_typo",
    "names_swapped",
    "missing_date_of_birth",
    "placeholder_date_of_birth",
    "year_typo",
    "moved",
    "missing_postcode",
    "missing_sex",
)


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthSummary]:
    out = tmp_path_factory.mktemp("synth")
    return out, write_synthetic_extracts(out, people=2_000, seed=7)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def extracts(out: Path) -> dict[str, list[dict[str, str]]]:
    return {path.stem: read_rows(path) for path in sorted((out / "extracts").glob("*.csv"))}


def digests(out: Path) -> dict[str, str]:
    return {str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest() for path in out.rglob("*.csv")}


def test_eleven_agencies_each_write_an_extract_with_the_exact_header(place: tuple[Path, SynthSummary]) -> None:
    out, summary = place
    files = sorted((out / "extracts").glob("*.csv"))
    assert [path.stem for path in files] == sorted(agency.slug for agency in AGENCIES)
    assert len(files) == 11
    for path in files:
        assert path.read_text(encoding="utf-8").split("\n")[0] == ",".join(EXTRACT_HEADER)
    assert (out / "truth.csv").read_text(encoding="utf-8").split("\n")[0] == "agency,agency_ref,true_person_id"
    assert summary.records_per_agency == {path.stem: len(read_rows(path)) for path in files}


def test_every_truth_row_is_a_record_and_every_record_is_in_the_truth(place: tuple[Path, SynthSummary]) -> None:
    out, summary = place
    truth = read_rows(out / "truth.csv")
    records = {(agency, row["agency_ref"]) for agency, rows in extracts(out).items() for row in rows}
    assert {(row["agency"], row["agency_ref"]) for row in truth} == records
    assert len(truth) == len(records) == summary.records
    assert len({row["true_person_id"] for row in truth}) == summary.people
    assert 1_900 < summary.people <= 2_000  # a few people no agency knows are left out


def test_references_are_unique_within_an_agency_and_in_its_style(place: tuple[Path, SynthSummary]) -> None:
    out, _ = place
    for agency, rows in extracts(out).items():
        references = [row["agency_ref"] for row in rows]
        assert len(set(references)) == len(references), agency
    police = extracts(out)["essex-police"]
    assert all(row["agency_ref"].startswith("ECP") and row["agency_ref"][3:].isdigit() for row in police)
    for row in extracts(out)["mse-nhs-trust"]:
        reference = row["agency_ref"]
        assert len(reference) == 10 and nhs_number(int(reference[:9]) - 400_000_000) == reference


def test_an_nhs_number_carries_its_modulus_11_check_digit() -> None:
    # NHS Data Dictionary's example 943 476 5919: 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299,
    # 299 mod 11 = 2, 11 - 2 = 9
    assert nhs_number(943_476_591 - 400_000_000) == "9434765919"


def test_every_kind_of_corruption_occurs_at_about_its_rate(place: tuple[Path, SynthSummary]) -> None:
    _, summary = place
    for kind, count in summary.corruption.items():
        assert count > 0, kind
    for kind in KINDS_FOR_EVERY_RECORD:
        assert 0.5 * RATES[kind] < summary.corruption[kind] / summary.records < 1.6 * RATES[kind], kind
    for kind in set(RATES) - set(KINDS_FOR_EVERY_RECORD):
        assert summary.corruption[kind] / summary.records < 1.6 * RATES[kind], kind
    assert 0.02 < summary.corruption["agency_duplicate"] / summary.records < 0.045


def test_few_records_suffer_two_or_more_corruptions(place: tuple[Path, SynthSummary]) -> None:
    _, summary = place
    assert 0 < summary.records_with_several_corruptions / summary.records < 0.06


def test_some_agency_holds_one_person_twice_under_two_references(place: tuple[Path, SynthSummary]) -> None:
    out, _ = place
    held = Counter((row["agency"], row["true_person_id"]) for row in read_rows(out / "truth.csv"))
    twice = [key for key, count in held.items() if count == 2]
    assert len(twice) == place[1].corruption["agency_duplicate"] > 10


def test_every_record_can_be_read_by_the_extract_reader(place: tuple[Path, SynthSummary]) -> None:
    out, _ = place
    for path in sorted((out / "extracts").glob("*.csv")):
        reading = read_extract(path.read_bytes(), path.name, agency=path.stem, today=REFERENCE_DATE)
        assert reading.unusable == () and reading.problems == (), path.name
        assert len(reading.records) == len(read_rows(path))


def test_agencies_write_dates_sex_and_names_in_their_own_styles(place: tuple[Path, SynthSummary]) -> None:
    out, _ = place
    files = extracts(out)
    police, health = files["essex-police"], files["mse-nhs-trust"]
    assert all(row["surname"] == row["surname"].upper() for row in police)
    assert {row["sex"] for row in police} <= {"M", "F", ""}
    assert {row["sex"] for row in health} == {"1", "2", ""}
    assert all(
        len(row["date_of_birth"]) in (0, 8) and row["date_of_birth"].isdigit() for row in police if row["date_of_birth"]
    )
    assert any("-" in row["date_of_birth"] and row["date_of_birth"][3:6].isalpha() for row in files["ecc-adult-care"])
    assert all(" " not in row["postcode"] for row in police)
    placeholders = [row for rows in files.values() for row in rows if row["postcode"].replace(" ", "") == "ZZ993VZ"]
    placeholders += [row for rows in files.values() for row in rows if row["address"] in ("NFA", "No fixed abode")]
    assert placeholders


def test_names_from_outside_the_english_tables_keep_their_accents_only_where_the_system_can(
    place: tuple[Path, SynthSummary],
) -> None:
    out, _ = place
    files = extracts(out)
    ascii_only = {agency.slug for agency in AGENCIES if agency.ascii_only}
    names = {slug: [row["given_name"] + row["surname"] for row in rows] for slug, rows in files.items()}
    assert all(name.isascii() for slug in ascii_only for name in names[slug])
    assert any(not name.isascii() for slug in set(names) - ascii_only for name in names[slug])


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    write_synthetic_extracts(tmp_path / "a", people=300, seed=11)
    write_synthetic_extracts(tmp_path / "b", people=300, seed=11)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_another_seed_gives_other_people_and_other_corruption(tmp_path: Path) -> None:
    first = write_synthetic_extracts(tmp_path / "a", people=500, seed=1)
    second = write_synthetic_extracts(tmp_path / "b", people=500, seed=2)

    def people(out: Path) -> set[tuple[str, str, str]]:
        return {(row["given_name"], row["surname"], row["date_of_birth"]) for row in extracts(out)["essex-gp-register"]}

    assert len(people(tmp_path / "a") & people(tmp_path / "b")) < 5
    assert first.corruption != second.corruption


def test_fewer_agencies_write_fewer_extracts_and_remove_those_of_an_earlier_run(tmp_path: Path) -> None:
    write_synthetic_extracts(tmp_path, people=50, seed=3)
    summary = write_synthetic_extracts(tmp_path, people=50, seed=3, agencies=2)
    assert sorted(path.stem for path in (tmp_path / "extracts").glob("*.csv")) == sorted(summary.records_per_agency)
    assert list(summary.records_per_agency) == ["essex-gp-register", "mse-nhs-trust"]


@pytest.mark.parametrize("agencies", [0, 12])
def test_agencies_beyond_the_place_are_refused(tmp_path: Path, agencies: int) -> None:
    with pytest.raises(ValueError, match="between 1 and 11 agencies"):
        write_synthetic_extracts(tmp_path, people=10, agencies=agencies, seed=1)


def test_progress_is_heard_every_ten_thousand_people_and_at_the_end(tmp_path: Path) -> None:
    heard: list[int] = []
    write_synthetic_extracts(tmp_path, people=20_500, agencies=1, seed=5, progress=heard.append)
    assert heard == [10_000, 20_000, 20_500]


@settings(max_examples=15, deadline=None)
@given(people=st.integers(0, 40), agencies=st.integers(1, 11), seed=st.integers(0, 2**32))
def test_the_truth_always_matches_the_extracts(people: int, agencies: int, seed: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        summary = write_synthetic_extracts(out, people=people, agencies=agencies, seed=seed)
        truth = read_rows(out / "truth.csv")
        files = extracts(out)
        assert len(files) == agencies
        assert sorted((row["agency"], row["agency_ref"]) for row in truth) == sorted(
            (agency, row["agency_ref"]) for agency, rows in files.items() for row in rows
        )
        assert summary.records == len(truth) and summary.people <= people


def edits_apart(left: str, right: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours."""
    rows = [list(range(len(right) + 1))]
    for i in range(1, len(left) + 1):
        row = [i] + [0] * len(right)
        for j in range(1, len(right) + 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (left[i - 1] != right[j - 1]))
            if i > 1 and j > 1 and left[i - 1] == right[j - 2] and left[i - 2] == right[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


@given(name=st.text(alphabet="abcdefghijklmnopqrstuvwxyzł\u0131é", min_size=2, max_size=12), seed=st.integers(0, 2**32))
def test_a_typo_is_always_one_slip_away_and_keeps_the_first_letter(name: str, seed: int) -> None:
    slipped = typo(Random(seed), name.title())
    assert edits_apart(name.title(), slipped) == 1
    assert slipped[0] == name.title()[0]


@given(born=st.dates(date(1930, 1, 1), REFERENCE_DATE), seed=st.integers(0, 2**32))
def test_a_year_typo_changes_one_digit_of_the_year_and_stays_a_possible_birthday(born: date, seed: int) -> None:
    slipped = year_typo(Random(seed), born)
    assert slipped is not None and slipped <= REFERENCE_DATE
    assert (slipped.month, slipped.day) == (born.month, born.day)
    assert sum(a != b for a, b in zip(str(born.year), str(slipped.year), strict=True)) == 1


@given(seed=st.integers(0, 2**32), no_fixed_abode=st.booleans())
def test_a_record_never_has_its_name_birth_and_address_all_spoilt(seed: int, no_fixed_abode: bool) -> None:
    rng = Random(seed)
    every_kind = tuple((kind, 0.6) for kind in RATES)  # far above the real rates, to reach every combination
    for _ in range(50):
        groups = [
            GROUPS[kind] for kind in choose_kinds(rng, every_kind, no_fixed_abode=no_fixed_abode) if kind in GROUPS
        ]
        assert len(groups) == len(set(groups))
        assert len(set(groups) | ({"address"} if no_fixed_abode else set())) <= 2


def test_the_guide_names_every_agency_and_every_kind_of_corruption() -> None:
    guide = DOCS.read_text(encoding="utf-8")
    named = [f"`{agency.slug}`" for agency in AGENCIES] + [f"`{kind}`" for kind in CORRUPTION_KINDS]
    assert [name for name in named if name not in guide] == []
