"""Agencies' spellings of a person made comparable: names, nicknames, dates, postcodes and placeholders."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wholeplace.linkage.standardise import (
    DateReader,
    Unreadable,
    canonical_given_name,
    nicknames,
    parse_postcode,
    plain,
    standardise,
)

TODAY = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("03/04/1980", date(1980, 4, 3)),
        ("1980-04-03", date(1980, 4, 3)),
        ("03-Apr-1980", date(1980, 4, 3)),
        ("3 April 1980", date(1980, 4, 3)),
        ("03.04.1980", date(1980, 4, 3)),
        ("19800403", date(1980, 4, 3)),
        ("1980-04-03 00:00:00", date(1980, 4, 3)),  # a spreadsheet's date-time
        ("01/01/1900", None),  # a system's default, not a birthday
        ("", None),
        ("Unknown", None),
    ],
)
def test_dates_of_birth_are_read_in_the_formats_agencies_write(written: str, read: date | None) -> None:
    assert DateReader(TODAY)(written) == read


@pytest.mark.parametrize("written", ["31/02/1980", "03/04/80", "yesterday", "1980-13-01"])
def test_a_date_that_cannot_be_read_says_how_to_write_it(written: str) -> None:
    with pytest.raises(Unreadable, match="Write it as 31/12/1980"):
        DateReader(TODAY)(written)


def test_a_date_of_birth_after_today_is_refused() -> None:
    with pytest.raises(Unreadable, match="after today"):
        DateReader(TODAY)("06/12/2026")


def test_the_reader_tries_the_format_that_worked_last_first() -> None:
    reader = DateReader(TODAY)
    reader("1980-04-03")
    assert reader.formats[0] == "%Y-%m-%d"


@pytest.mark.parametrize(
    ("written", "standard", "no_fixed_abode"),
    [
        ("co151ab", "CO15 1AB", False),
        (" CM1  1AA ", "CM1 1AA", False),
        ("SW1A1AA", "SW1A 1AA", False),
        ("ZZ99 3VZ", None, True),  # the NHS pseudo-postcode for no fixed abode
        ("ZZ99 3WZ", None, False),  # not known
        ("12345", None, False),
        ("", None, False),
    ],
)
def test_postcodes_take_their_standard_form(written: str, standard: str | None, no_fixed_abode: bool) -> None:
    assert parse_postcode(written) == (standard, no_fixed_abode)


def test_names_lose_case_accents_and_punctuation() -> None:
    assert plain("  O'BRIEN-Smith ") == "obrien smith"
    assert plain("Zoë") == "zoe"
    assert plain("Michał Øberg-Großmann") == "michal oberg grossmann"  # letters with no decomposition too
    assert plain("N/A") is None


def test_short_forms_of_a_given_name_share_its_canonical_form() -> None:
    assert canonical_given_name("bill") == canonical_given_name("william") == "william"
    assert canonical_given_name("liz") == "elizabeth"
    assert canonical_given_name("zebedee") == "zebedee"  # not in the table: compared as written


def test_no_short_form_stands_for_two_names() -> None:
    table = nicknames()
    assert len(table) > 200
    assert "alex" not in table and "sam" not in table  # ambiguous forms are left out, as the table says


def test_no_fixed_abode_in_the_address_is_missing_not_an_address() -> None:
    person = standardise(given_name="Ann", surname="Lee", address="NFA", postcode="", dates=DateReader(TODAY))
    assert person.address is None and person.no_fixed_abode
    assert person.postcode_sector is None


def test_sector_and_district_come_from_the_postcode() -> None:
    person = standardise(given_name="Ann", surname="Lee", postcode="co15 1ab", dates=DateReader(TODAY))
    assert (person.postcode, person.postcode_sector, person.postcode_district) == ("CO15 1AB", "CO15 1", "CO15")


@given(st.text(max_size=40))
def test_any_text_standardises_to_lower_case_words_or_nothing(text: str) -> None:
    cleaned = plain(text)
    if cleaned is not None:
        assert cleaned == cleaned.strip() and "  " not in cleaned and cleaned.isascii()
        assert cleaned == cleaned.lower() and set(cleaned) <= set("abcdefghijklmnopqrstuvwxyz0123456789 ")
