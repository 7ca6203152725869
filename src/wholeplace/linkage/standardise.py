"""One agency's spelling of a person, made comparable with every other agency's.

Each field is cleaned the same way whatever its source: names in lower case without punctuation or
accents, a given name also in its canonical form (Bill → william), dates of birth read in the formats
agencies write, UK postcodes in their standard form with sector and district, sex as `m` or `f`. Values
that mean "not known" (a date of birth of 01/01/1900, the no fixed abode postcode ZZ99 3VZ, NFA) become
missing, so that two strangers are never linked by a shared placeholder. Pure: no database, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources

import yaml

# The formats seen in agency extracts, tried in this order; day-first wherever the order is ambiguous,
# as UK systems write it. A two-digit year is refused: 01/02/03 cannot be read without guessing a century.
DATE_FORMATS = (
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d.%m.%Y",
    "%Y%m%d",
    "%Y/%m/%d",
)
EARLIEST_BIRTH = date(1900, 1, 2)  # 01/01/1900 and before are a system's default, not a birthday
PLACEHOLDER_DATES = frozenset({date(1900, 1, 1), date(1901, 1, 1), date(1800, 1, 1)})
# NHS Data Dictionary: ZZ99 3VZ is the pseudo-postcode for no fixed abode; ZZ99 3WZ for not known.
NO_FIXED_ABODE_POSTCODES = frozenset({"ZZ99 3VZ"})
UNKNOWN_POSTCODES = frozenset({"ZZ99 3WZ", "ZZ99 3CZ"})
NO_FIXED_ABODE_WORDS = frozenset({"nfa", "no fixed abode", "no fixed address", "homeless", "of no fixed abode"})
MISSING_WORDS = frozenset({"", "unknown", "not known", "n/a", "na", "none", "null", "nk", "tbc", "-", "?", "refused"})
# Letters Unicode does not decompose into a base letter and an accent: without this, Michał would become micha.
UNDECOMPOSED = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "\u0131": "i",  # dotless i
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "Th",
        "ð": "d",
        "Ð": "D",
        "ŋ": "ng",
    }
)
SEX_CODES = {"m": "m", "male": "m", "1": "m", "f": "f", "female": "f", "2": "f"}
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


@dataclass(frozen=True)
class Person:
    """One extract row, standardised. Fields are None where the agency did not know them."""

    given_name: str | None
    given_canonical: str | None
    surname: str | None
    other_names: str | None
    date_of_birth: date | None
    sex: str | None
    postcode: str | None
    address: str | None
    no_fixed_abode: bool

    @property
    def postcode_sector(self) -> str | None:
        """`CO15 1`: the outward code and the inward code's first digit."""
        return self.postcode[:-2] if self.postcode else None

    @property
    def postcode_district(self) -> str | None:
        """`CO15`: the outward code."""
        return self.postcode.split(" ")[0] if self.postcode else None


class Unreadable(ValueError):
    """A value present in the extract that cannot be read; the message says what to fix."""


def plain(text: str | None) -> str | None:
    """Lower case ASCII words separated by single spaces; None when nothing is left."""
    if text is None:
        return None
    folded = unicodedata.normalize("NFKD", text.translate(UNDECOMPOSED)).encode("ascii", "ignore").decode("ascii")
    folded = folded.lower()
    if folded.strip() in MISSING_WORDS:
        return None
    words = re.sub(r"[^a-z0-9' -]+", " ", folded).replace("'", "").replace("-", " ").split()
    cleaned = " ".join(words)
    return None if cleaned in MISSING_WORDS else cleaned


@cache
def nicknames() -> dict[str, str]:
    """Each short form and each canonical name, mapped to the canonical name."""
    table = yaml.safe_load(resources.files("wholeplace.linkage").joinpath("data/nicknames.yaml").read_text())
    mapping = {name: name for name in table}
    for name, forms in table.items():
        mapping.update(dict.fromkeys(forms, name))
    return mapping


def canonical_given_name(given: str | None) -> str | None:
    """The first given name in its canonical form: `Bill` and `William` both give `william`."""
    if not given:
        return None
    first = given.split(" ")[0]
    return nicknames().get(first, first)


class DateReader:
    """Reads dates of birth as agencies write them, trying first the format that worked last time.

    An extract keeps to one format, so after the first row most dates parse at the first attempt.
    """

    def __init__(self, today: date) -> None:
        self.today = today
        self.formats = list(DATE_FORMATS)

    def __call__(self, text: str | None) -> date | None:
        """The date; None for blank or a placeholder. Raises Unreadable for a value that is not a date."""
        value = (text or "").strip()
        if value.lower() in MISSING_WORDS:
            return None
        value = value.split("T")[0].removesuffix(" 00:00:00")  # a spreadsheet's date-time with no time in it
        for position, pattern in enumerate(self.formats):
            try:
                parsed = datetime.strptime(value, pattern).date()
            except ValueError:
                continue
            if position:
                self.formats.insert(0, self.formats.pop(position))
            if parsed in PLACEHOLDER_DATES or parsed < EARLIEST_BIRTH:
                return None
            if parsed > self.today:
                raise Unreadable(f"'{value}' is after today: a date of birth cannot be in the future")
            return parsed
        raise Unreadable(f"'{value}' is not a date we can read. Write it as 31/12/1980 or 1980-12-31")


def parse_postcode(text: str | None) -> tuple[str | None, bool]:
    """(postcode in its standard form, whether it says no fixed abode). A malformed postcode is missing."""
    squeezed = re.sub(r"[^A-Za-z0-9]", "", text or "").upper()
    if len(squeezed) < 5:
        return None, False
    standard = f"{squeezed[:-3]} {squeezed[-3:]}"
    if standard in NO_FIXED_ABODE_POSTCODES:
        return None, True
    if standard in UNKNOWN_POSTCODES or not POSTCODE.match(squeezed):
        return None, False
    return standard, False


def parse_sex(text: str | None) -> str | None:
    return SEX_CODES.get((text or "").strip().lower())


def standardise(
    *,
    given_name: str | None,
    surname: str | None,
    other_names: str | None = None,
    date_of_birth: str | None = None,
    sex: str | None = None,
    postcode: str | None = None,
    address: str | None = None,
    dates: DateReader,
) -> Person:
    """One row's values as a comparable Person. Raises Unreadable naming the field's problem."""
    postcode_value, postcode_nfa = parse_postcode(postcode)
    address_value = plain(address)
    address_nfa = address_value in NO_FIXED_ABODE_WORDS
    given = plain(given_name)
    return Person(
        given_name=given,
        given_canonical=canonical_given_name(given),
        surname=plain(surname),
        other_names=plain(other_names),
        date_of_birth=dates(date_of_birth),
        sex=parse_sex(sex),
        postcode=postcode_value,
        address=None if address_nfa else address_value,
        no_fixed_abode=postcode_nfa or address_nfa,
    )
