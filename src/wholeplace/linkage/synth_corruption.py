"""How one agency's record of a synthetic person comes to differ from the truth.

Each kind of corruption has its own rate (`RATES`), drawn independently for every record the person is eligible
for. Kinds fall into three groups, by the field they spoil: the name, the date of birth and the address. A record
takes at most one kind from each group, and never all three groups at once, so that a careful linker can still
find the person: real records are rarely wrong in every identifying field together. `docs/linkage-synthetic.md`
says why each kind and rate is realistic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from random import Random
from typing import Protocol

import yaml

REFERENCE_DATE = date(2026, 4, 1)  # ages and dates of birth are fixed against this day, never the clock
PLACEHOLDER_BIRTH = date(1900, 1, 1)  # a system's default when the date of birth was not taken

# Rate per record. Where a kind needs something of the person, the rate is of the records that have it.
RATES: dict[str, float] = {
    "name_typo": 0.03,  # one keying slip in the given or surname; doubled for names from outside English tables
    "nickname": 0.10,  # of records whose given name has short forms: Bill for William
    "married_name": 0.10,  # of records of women aged 18 and over: a surname from before or after a marriage
    "names_swapped": 0.01,  # given name in the surname field and the other way round
    "surname_part": 0.30,  # of records of people with a double surname: one part only
    "missing_date_of_birth": 0.015,
    "placeholder_date_of_birth": 0.005,  # 01/01/1900
    "day_month_swapped": 0.03,  # of records whose day is 12 or under: 05/03 keyed as 03/05
    "year_typo": 0.01,  # one digit of the year
    "moved": 0.06,  # the agency holds an older or newer home: another postcode and address
    "missing_postcode": 0.02,
    "missing_sex": 0.02,
    "missing_other_names": 0.15,  # of records of people with other names
}
GROUPS: dict[str, str] = {
    "name_typo": "name",
    "nickname": "name",
    "married_name": "name",
    "names_swapped": "name",
    "surname_part": "name",
    "missing_date_of_birth": "birth",
    "placeholder_date_of_birth": "birth",
    "day_month_swapped": "birth",
    "year_typo": "birth",
    "moved": "address",
    "missing_postcode": "address",
}
LETTERS = "abcdefghijklmnopqrstuvwxyz"
DOUBLE_SURNAME = re.compile(r"[- ]")


@dataclass(frozen=True)
class Person:
    """The truth about one synthetic person, as every agency would record it if nothing went wrong."""

    person_id: str
    sex: str  # "M" or "F"
    given_name: str
    other_names: tuple[str, ...]  # middle names, then a birth surname where the surname came by marriage
    surname: str
    birth_surname: str | None
    date_of_birth: date
    postcode: str
    address: str
    no_fixed_abode: bool
    foreign_names: bool  # given or surname from outside the English name tables

    @property
    def age(self) -> int:
        return age_on_reference_date(self.date_of_birth)


def age_on_reference_date(born: date) -> int:
    return REFERENCE_DATE.year - born.year - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (born.month, born.day))


@dataclass(slots=True)
class Entry:
    """One agency's record of a person while it is being corrupted; None is a blank field."""

    given_name: str
    surname: str
    other_names: list[str]
    date_of_birth: date | None
    sex: str | None
    postcode: str | None
    address: str
    kinds: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, person: Person) -> Entry:
        return cls(
            given_name=person.given_name,
            surname=person.surname,
            other_names=list(person.other_names),
            date_of_birth=person.date_of_birth,
            sex=person.sex,
            postcode=person.postcode,
            address=person.address,
        )


class Place(Protocol):
    """Where new surnames and homes come from when a record holds a marriage or a move."""

    def new_surname(self, rng: Random) -> str: ...

    def new_home(self, rng: Random) -> tuple[str, str]: ...


@cache
def short_forms() -> dict[str, tuple[str, ...]]:
    """Each canonical given name in title case, with the short forms it goes by."""
    text = resources.files("wholeplace.linkage").joinpath("data/nicknames.yaml").read_text(encoding="utf-8")
    table: dict[str, list[str]] = yaml.safe_load(text)
    return {name.title(): tuple(form.title() for form in forms) for name, forms in table.items()}


def eligible_kinds(person: Person) -> tuple[tuple[str, float], ...]:
    """The kinds of corruption this person's records can suffer, with their rates."""
    rates = dict(RATES)
    if person.foreign_names:
        rates["name_typo"] *= 2  # unfamiliar names are misheard and mistyped more often
    if person.given_name not in short_forms():
        del rates["nickname"]
    if person.sex != "F" or person.age < 18:
        del rates["married_name"]
    if not DOUBLE_SURNAME.search(person.surname):
        del rates["surname_part"]
    born = person.date_of_birth
    if born.day > 12 or born.day == born.month or date(born.year, born.day, born.month) > REFERENCE_DATE:
        del rates["day_month_swapped"]
    if person.no_fixed_abode:
        del rates["moved"], rates["missing_postcode"]
    if not person.other_names:
        del rates["missing_other_names"]
    return tuple(rates.items())


def choose_kinds(rng: Random, kinds: tuple[tuple[str, float], ...], *, no_fixed_abode: bool) -> list[str]:
    """The kinds one record suffers: each drawn at its rate, one per group, never name, birth and address at once.

    A person of no fixed abode has no postcode in any record, so their address counts as already spoilt.
    """
    chosen: list[str] = []
    spoilt = {"address"} if no_fixed_abode else set()
    for kind, rate in kinds:
        if rng.random() < rate:
            group = GROUPS.get(kind)
            if group is None:
                chosen.append(kind)
            elif group not in spoilt and len(spoilt) < 2:
                spoilt.add(group)
                chosen.append(kind)
    return chosen


def typo(rng: Random, name: str) -> str:
    """One keying slip after the first letter: a letter inserted, dropped or replaced, or two neighbours swapped."""
    position = rng.randrange(1, len(name))
    slip = rng.randrange(4)
    if slip == 1 and len(name) > 2:
        return name[:position] + name[position + 1 :]
    if slip == 2:
        letter = rng.choice(LETTERS.replace(name[position].lower(), ""))
        return name[:position] + letter + name[position + 1 :]
    if slip == 3 and position + 1 < len(name) and name[position] != name[position + 1]:
        return name[:position] + name[position + 1] + name[position] + name[position + 2 :]
    return name[:position] + rng.choice(LETTERS) + name[position:]


def year_typo(rng: Random, born: date) -> date | None:
    """The date with one digit of the year mistyped, or None where no slip gives a possible date of birth."""
    digits = list(str(born.year))
    for index in (3, 2) if rng.random() < 0.7 else (2, 3):
        options = [digit for digit in "0123456789" if digit != digits[index]]
        rng.shuffle(options)
        for digit in options:
            year = int("".join([*digits[:index], digit, *digits[index + 1 :]]))
            try:
                slipped = born.replace(year=year)
            except ValueError:  # 29 February in a year that has none
                continue
            if PLACEHOLDER_BIRTH < slipped <= REFERENCE_DATE:
                return slipped
    return None


def spoil_name(rng: Random, entry: Entry, person: Person, kind: str, place: Place) -> bool:
    if kind == "name_typo":
        if rng.random() < 0.5:
            entry.given_name = typo(rng, entry.given_name)
        else:
            entry.surname = typo(rng, entry.surname)
    elif kind == "nickname":
        entry.given_name = rng.choice(short_forms()[person.given_name])
    elif kind == "married_name":
        if person.birth_surname:  # the agency knew her before her marriage
            entry.surname = person.birth_surname
            entry.other_names.remove(person.birth_surname)
        else:  # she married since the other agencies last saw her
            entry.surname = place.new_surname(rng)
            if rng.random() < 0.5:
                entry.other_names.append(person.surname)
    elif kind == "names_swapped":
        entry.given_name, entry.surname = entry.surname, entry.given_name
    else:
        entry.surname = rng.choice(DOUBLE_SURNAME.split(person.surname))
    return True


def spoil_birth(rng: Random, entry: Entry, person: Person, kind: str, place: Place) -> bool:
    born = person.date_of_birth
    if kind == "missing_date_of_birth":
        entry.date_of_birth = None
    elif kind == "placeholder_date_of_birth":
        entry.date_of_birth = PLACEHOLDER_BIRTH
    elif kind == "day_month_swapped":
        entry.date_of_birth = date(born.year, born.day, born.month)
    else:
        entry.date_of_birth = year_typo(rng, born) or born
    return entry.date_of_birth != born


def spoil_other(rng: Random, entry: Entry, person: Person, kind: str, place: Place) -> bool:
    if kind == "moved":
        entry.postcode, entry.address = place.new_home(rng)
    elif kind == "missing_postcode":
        entry.postcode = None
    elif kind == "missing_sex":
        entry.sex = None
    else:
        entry.other_names = []
    return True


SPOILERS: dict[str, Callable[[Random, Entry, Person, str, Place], bool]] = {
    "name": spoil_name,
    "birth": spoil_birth,
}


def corrupted_entry(rng: Random, person: Person, kinds: tuple[tuple[str, float], ...], place: Place) -> Entry:
    """One agency's record of the person, with the kinds of corruption it suffered listed in `kinds`."""
    entry = Entry.of(person)
    for kind in choose_kinds(rng, kinds, no_fixed_abode=person.no_fixed_abode):
        spoil = SPOILERS.get(GROUPS.get(kind, ""), spoil_other)
        if spoil(rng, entry, person, kind, place):
            entry.kinds.append(kind)
    return entry
