"""Who the linkage fails: match and review rates by agency and group, and recall by group against the truth."""

from __future__ import annotations

from datetime import date

from wholeplace.linkage.quality import (
    Outcome,
    by_agency,
    by_group,
    groups_of,
    outside_name_tables,
    partners_found,
    recall_table,
)
from wholeplace.linkage.standardise import DateReader, standardise

READ = DateReader(date(2026, 12, 5))


def person(given: str, surname: str, **values: str):  # type: ignore[no-untyped-def]
    return standardise(given_name=given, surname=surname, dates=READ, **values)


def test_names_outside_the_english_tables_are_found() -> None:
    assert not outside_name_tables(person("William", "Smith"))
    assert not outside_name_tables(person("Bill", "Harper"))  # a short form in the nickname table
    assert outside_name_tables(person("Agnieszka", "Smith"))
    assert outside_name_tables(person("John", "Wiśniewski"))


def test_groups_of_a_record() -> None:
    assert groups_of(person("Ann", "Lee", address="NFA")) == {"No fixed abode", "No date of birth"}
    assert groups_of(person("Ann", "Lee", date_of_birth="01/02/1980", postcode="CO15 1AB")) == frozenset()


def test_match_and_review_rates_by_agency_and_group() -> None:
    homeless = person("Ann", "Lee", address="NFA", date_of_birth="01/02/1980")
    housed = person("Bob", "Lee", date_of_birth="01/02/1980", postcode="CO15 1AB")
    outcomes = [
        Outcome("police", homeless, matched=False, in_review=True),
        Outcome("police", housed, matched=True, in_review=False),
        Outcome("health", housed, matched=True, in_review=True),
        Outcome("health", homeless, matched=True, in_review=False),
    ]
    agencies = {rate.group: (rate.records, rate.match_rate, rate.review_rate) for rate in by_agency(outcomes)}
    assert agencies == {"health": (2, 1.0, 0.5), "police": (2, 0.5, 0.5)}
    groups = {rate.group: (rate.records, rate.match_rate) for rate in by_group(outcomes)}
    assert groups["Everyone"] == (4, 0.75)
    assert groups["No fixed abode"] == (2, 0.5)
    assert groups["No date of birth"] == (0, 0.0)


def test_recall_by_group_counts_each_records_true_partners_found() -> None:
    # truth: {a1, b1, c1} one person, {a2, b2} another; the linkage missed c1 and joined nothing wrongly
    truth = {("a", "1"): "P", ("b", "1"): "P", ("c", "1"): "P", ("a", "2"): "Q", ("b", "2"): "Q", ("c", "9"): "R"}
    predicted = {("a", "1"): "X", ("b", "1"): "X", ("c", "1"): "Y", ("a", "2"): "Z", ("b", "2"): "Z", ("c", "9"): "W"}
    found = partners_found(predicted, truth)
    assert found == {("a", "1"): (1, 2), ("b", "1"): (1, 2), ("c", "1"): (0, 2), ("a", "2"): (1, 1), ("b", "2"): (1, 1)}
    table = recall_table(predicted, truth, {("c", "1"): frozenset({"No fixed abode"})})
    assert table[0] == ("Everyone", 5, 4 / 8)
    assert table[1] == ("No fixed abode", 1, 0.0)
    assert ("Agency: c", 1, 0.0) in table and ("Agency: a", 2, 2 / 3) in table
