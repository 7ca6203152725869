"""Synthetic extracts from the agencies of one place (Essex), with the truth, for testing the linkage.

Every person is made up, drawn from the seed with Faker's en_GB name tables (and, for about 8% of people, those of
other locales); the same seed always writes the same bytes, and another seed other people and other corruption.
Each agency knows a person at its own rate, by age and sex, writes dates, sex, names and postcodes in its own style,
spoils some records in the ways real extracts are spoilt (`synth_corruption`), and holds some people twice. Pure:
no database, no web, no clock. `docs/linkage-synthetic.md` describes the files, the kinds of corruption and rates.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import import_module
from pathlib import Path
from random import Random

from faker import Faker
from faker.providers.person.en_GB import Provider as EnglishNames

from wholeplace.linkage.synth_corruption import (
    RATES,
    REFERENCE_DATE,
    Entry,
    Person,
    age_on_reference_date,
    corrupted_entry,
    eligible_kinds,
)

EXTRACT_HEADER = "agency_ref,given_name,surname,other_names,date_of_birth,sex,postcode,address"
TRUTH_HEADER = "agency,agency_ref,true_person_id"
# Besides the kinds of corruption: extra records for an agency's duplicates, and the agencies' own forms.
CORRUPTION_KINDS = (*RATES, "agency_duplicate", "accents_stripped", "no_fixed_abode_placeholder", "stray_spaces")
FOREIGN_NAMES_RATE = 0.08
NO_FIXED_ABODE_RATE = 0.02
DOUBLE_SURNAME_RATE = 0.03
BIRTH_SURNAME_RATE = 0.30  # of women aged 22 and over: their surname came by marriage
HIGH_NEED_RATE = 0.06  # people known to many services, whom a whole-place approach is for
HIGH_NEED_FACTOR = 4.0
DUPLICATE_RATE = 0.03  # of an agency's people, held twice under two references
STRAY_SPACE_RATE = 0.05  # of the records of an agency whose system keeps stray spaces
# Locales with names from communities living in Essex, and which of their tables hold men's and women's surnames.
FOREIGN_LOCALES = {
    "pl_PL": ("unisex_last_names", "unisex_last_names"),
    "ro_RO": ("last_names", "last_names"),
    "tr_TR": ("last_names", "last_names"),
    "lv_LV": ("last_names_male", "last_names_female"),
    "cs_CZ": ("last_names_male", "last_names_female"),
    "hu_HU": ("last_names", "last_names"),
    "pt_PT": ("last_names", "last_names"),
    "yo_NG": ("last_names_male", "last_names_female"),
    "tw_GH": ("last_names_male", "last_names_female"),
}
# Postcode districts of Essex and the town each address line names.
DISTRICTS = {
    "CO1": "Colchester", "CO2": "Colchester", "CO4": "Colchester", "CO5": "Tiptree", "CO7": "Brightlingsea",
    "CO9": "Halstead", "CO12": "Harwich", "CO14": "Walton-on-the-Naze", "CO15": "Clacton-on-Sea",
    "CO16": "Clacton-on-Sea", "CM1": "Chelmsford", "CM2": "Chelmsford", "CM7": "Braintree", "CM8": "Witham",
    "CM9": "Maldon", "CM12": "Billericay", "CM14": "Brentwood", "CM16": "Epping", "CM20": "Harlow",
    "CM24": "Stansted", "CB10": "Saffron Walden", "CB11": "Saffron Walden", "SS0": "Westcliff-on-Sea",
    "SS1": "Southend-on-Sea", "SS4": "Rochford", "SS6": "Rayleigh", "SS7": "Benfleet", "SS8": "Canvey Island",
    "SS13": "Basildon", "SS14": "Basildon", "SS16": "Basildon", "SS17": "Stanford-le-Hope", "RM16": "Grays",
    "RM17": "Grays", "RM18": "Tilbury", "IG10": "Loughton", "EN9": "Waltham Abbey",
}  # fmt: skip
# Faker's en_GB street suffixes are American (Canyon, Expressway); these are the ones Essex streets have.
STREET_TYPES = ("Road", "Street", "Lane", "Close", "Avenue", "Drive", "Way", "Crescent", "Gardens", "Grove", "Court")
COMMON_STREETS = (
    "Church", "Station", "High", "Mill", "Park", "London", "Victoria", "Harbour", "Queens", "Kings", "Manor", "Grange",
    "Orchard", "Meadow", "Chapel", "School", "Windmill", "Marine", "Pier", "Rectory",
)  # fmt: skip
AGES = range(96)  # on the reference date: evenly to 79, fewer each year after
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # Royal Mail: the inward code never uses C, I, K, M, O or V
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DATE_WRITERS: dict[str, Callable[[date], str]] = {
    "%d/%m/%Y": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "%Y-%m-%d": lambda d: f"{d.year}-{d.month:02d}-{d.day:02d}",
    "%d-%b-%Y": lambda d: f"{d.day:02d}-{MONTHS[d.month - 1]}-{d.year}",
    "%d.%m.%Y": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "%Y%m%d": lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
}
NO_FIXED_ABODE_FORMS = (("ZZ99 3VZ", ""), ("", "NFA"), ("", "No fixed abode"))  # NHS Data Dictionary pseudo-postcode
# Letters that carry no separable accent, so NFKD alone would drop them (dotless i, l with stroke, sharp s).
ASCII_LETTERS = str.maketrans(
    {"\u0131": "i", "\u0130": "I", "ł": "l", "Ł": "L", "ß": "ss", "ø": "o", "Ø": "O", "đ": "d"}
)


@dataclass(frozen=True)
class SynthSummary:
    """What was written: `people` counts those known to at least one agency (the people in the truth)."""

    people: int
    records: int
    records_per_agency: dict[str, int]
    corruption: dict[str, int]  # records suffering each kind, plus duplicates and the agencies' own forms
    records_with_several_corruptions: int
    seed: int


@dataclass(frozen=True)
class Agency:
    """One agency of the place: whom it knows (rate by age band) and how its system writes a record."""

    slug: str
    name: str
    reference: Callable[[int], str | None]  # the agency's reference for a serial number; None skips the number
    coverage: tuple[tuple[int, float, float], ...]  # (up to age, men's rate, women's rate), bands ascending
    date_format: str
    sex_codes: tuple[str, str]  # men, women
    case: str  # "upper", "title" or "as keyed"
    postcode_space: bool | None  # None: sometimes
    ascii_only: bool  # the system strips accents
    stray_spaces: bool

    def rates(self) -> tuple[list[float], list[float]]:
        """The chance of knowing a man and a woman, by age 0 to 95."""
        bands = [band for band, _, _ in self.coverage]
        rows = [self.coverage[bisect.bisect_left(bands, age)] for age in AGES]
        return [men for _, men, _ in rows], [women for _, _, women in rows]


def nhs_number(serial: int) -> str | None:
    """A 10-digit NHS-style number with its modulus 11 check digit; None where the check digit would be 10."""
    body = f"{400_000_000 + serial:09d}"
    check = 11 - sum(int(digit) * weight for digit, weight in zip(body, range(10, 1, -1), strict=True)) % 11
    return None if check == 10 else body + str(check % 11)


AGENCIES: tuple[Agency, ...] = (
    Agency("essex-gp-register", "GP practices' registers (Essex shared care record)", "GP{:09d}".format,
           ((95, 0.93, 0.95),), "%d/%m/%Y", ("M", "F"), "title", True, False, False),
    Agency("mse-nhs-trust", "Mid and South Essex NHS Foundation Trust", nhs_number,
           ((4, 0.75, 0.75), (64, 0.60, 0.70), (95, 0.85, 0.85)), "%Y-%m-%d", ("1", "2"), "upper", True, True, False),
    Agency("ecc-childrens-care", "Essex County Council children's social care", "CSC{:07d}".format,
           ((17, 0.10, 0.10), (21, 0.03, 0.03), (95, 0.0, 0.0)), "%d/%m/%Y", ("Male", "Female"), "as keyed", True,
           False, True),
    Agency("ecc-adult-care", "Essex County Council adult social care", "ASC{:07d}".format,
           ((17, 0.0, 0.0), (64, 0.03, 0.03), (79, 0.12, 0.12), (95, 0.35, 0.40)), "%d-%b-%Y", ("Male", "Female"),
           "title", True, True, False),
    Agency("essex-district-housing", "Essex district councils' housing register", "HSG{:08d}".format,
           ((17, 0.0, 0.0), (95, 0.20, 0.22)), "%d.%m.%Y", ("M", "F"), "as keyed", None, True, True),
    Agency("essex-police", "Essex Police", "ECP{:08d}".format,
           ((9, 0.0, 0.0), (95, 0.12, 0.06)), "%Y%m%d", ("M", "F"), "upper", False, True, False),
    Agency("essex-education", "Essex County Council education (school census)", "E881{:09d}".format,
           ((3, 0.0, 0.0), (16, 0.95, 0.95), (18, 0.50, 0.50), (95, 0.0, 0.0)), "%d.%m.%Y", ("M", "F"), "title",
           True, False, False),
    Agency("essex-probation", "Probation Service, Essex", "E{:06d}".format,
           ((17, 0.0, 0.0), (95, 0.035, 0.006)), "%d/%m/%Y", ("Male", "Female"), "upper", True, True, False),
    Agency("essex-fire-rescue", "Essex County Fire and Rescue Service (safe and well visits)", "EFR{:07d}".format,
           ((64, 0.03, 0.03), (95, 0.10, 0.10)), "%Y-%m-%d", ("M", "F"), "title", None, True, False),
    Agency("essex-youth-offending", "Essex Youth Offending Service", "YOS{:06d}".format,
           ((9, 0.0, 0.0), (17, 0.04, 0.015), (95, 0.0, 0.0)), "%d-%b-%Y", ("M", "F"), "upper", True, True, False),
    Agency("essex-da-service", "Essex domestic abuse service (voluntary sector)", "DA-{:06d}".format,
           ((15, 0.0, 0.0), (95, 0.005, 0.03)), "%d/%m/%Y", ("Male", "Female"), "as keyed", None, False, True),
)  # fmt: skip


class NameTable:
    """Names to draw from, with their weights (equal where the table gives none)."""

    def __init__(self, names: Mapping[str, float] | Sequence[str]) -> None:
        weighted = dict(names) if isinstance(names, Mapping) else dict.fromkeys(names, 1.0)
        self.names = list(weighted)
        self.cumulative = list(itertools.accumulate(weighted.values()))

    def draw(self, rng: Random) -> str:
        return self.names[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(frozen=True)
class Names:
    """One locale's men's and women's given names and surnames."""

    given: tuple[NameTable, NameTable]
    surnames: tuple[NameTable, NameTable]

    @classmethod
    def of(cls, locale: str, men_surnames: str, women_surnames: str) -> Names:
        provider = EnglishNames if locale == "en_GB" else import_module(f"faker.providers.person.{locale}").Provider
        return cls(
            given=(NameTable(provider.first_names_male), NameTable(provider.first_names_female)),
            surnames=(NameTable(getattr(provider, men_surnames)), NameTable(getattr(provider, women_surnames))),
        )


class Essex:
    """The place: its name tables, streets and postcode districts, from which people and homes are drawn."""

    def __init__(self, seed: int) -> None:
        faker = Faker("en_GB")
        faker.seed_instance(seed)
        roots = [*COMMON_STREETS, *(faker.last_name() for _ in range(600))]
        self.streets = sorted(
            {f"{faker.random_element(roots)} {faker.random_element(STREET_TYPES)}" for _ in range(3000)}
        )
        self.english = Names.of("en_GB", "last_names", "last_names")
        self.foreign = [Names.of(locale, *tables) for locale, tables in FOREIGN_LOCALES.items()]
        self.age_weights = list(itertools.accumulate(1.0 if age < 80 else 0.8 - (age - 80) * 0.045 for age in AGES))

    def new_surname(self, rng: Random) -> str:
        return self.english.surnames[0].draw(rng)

    def new_home(self, rng: Random) -> tuple[str, str]:
        district, town = rng.choice(list(DISTRICTS.items()))
        postcode = f"{district} {rng.randrange(10)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        home = f"{rng.randrange(1, 250)} {rng.choice(self.streets)}, {town}"
        return postcode, f"Flat {rng.randrange(1, 30)}, {home}" if rng.random() < 0.1 else home

    def person(self, rng: Random, number: int) -> Person:
        sex = rng.choice("MF")
        woman = sex == "F"
        born = REFERENCE_DATE - timedelta(
            days=rng.choices(AGES, cum_weights=self.age_weights)[0] * 365 + rng.randrange(365)
        )
        given_names = surnames = self.english
        foreign = rng.random() < FOREIGN_NAMES_RATE
        if foreign:
            locale = rng.choice(self.foreign)
            which = rng.random()
            given_names = locale if which < 0.7 else given_names
            surnames = locale if which >= 0.3 else surnames
        given = given_names.given[woman]
        middles = [given.draw(rng) for _ in range(rng.choices((0, 1, 2), (45, 45, 10))[0])]
        surname = surnames.surnames[woman].draw(rng)
        if rng.random() < DOUBLE_SURNAME_RATE:
            surname += rng.choice("-- ") + self.english.surnames[woman].draw(rng)
        birth_surname = None
        if woman and age_on_reference_date(born) >= 22 and rng.random() < BIRTH_SURNAME_RATE:
            birth_surname = self.new_surname(rng)
            if birth_surname == surname:
                birth_surname = None
            else:
                middles.append(birth_surname)
        no_fixed_abode = rng.random() < NO_FIXED_ABODE_RATE
        postcode, address = ("", "") if no_fixed_abode else self.new_home(rng)
        return Person(
            person_id=f"P{number:07d}",
            sex=sex,
            given_name=given.draw(rng),
            other_names=tuple(middles),
            surname=surname,
            birth_surname=birth_surname,
            date_of_birth=born,
            postcode=postcode,
            address=address,
            no_fixed_abode=no_fixed_abode,
            foreign_names=foreign,
        )


def write_synthetic_extracts(
    out_dir: Path, *, people: int, agencies: int = 11, seed: int, progress: Callable[[int], None] | None = None
) -> SynthSummary:
    """Write `extracts/<agency>.csv` for the first `agencies` agencies and `truth.csv`, and say what was written.

    A person no agency knows appears nowhere. `progress` hears how many people are done, every 10,000 and at the end.
    Files of the place's other agencies left in `extracts/` by an earlier run are removed, so the folder holds one run.
    """
    if not 1 <= agencies <= len(AGENCIES):
        raise ValueError(f"Choose between 1 and {len(AGENCIES)} agencies: the synthetic place has {len(AGENCIES)}")
    if people < 0:
        raise ValueError("Choose 0 or more people")
    rng = Random(seed)
    place = Essex(seed)
    chosen = AGENCIES[:agencies]
    coverage = [agency.rates() for agency in chosen]
    rows: list[list[tuple[str, str]]] = [[] for _ in chosen]
    counts: Counter[str] = Counter()
    known = several = 0
    for number in range(1, people + 1):
        person = place.person(rng, number)
        kinds = eligible_kinds(person)
        need = HIGH_NEED_FACTOR if rng.random() < HIGH_NEED_RATE else 1.0
        seen = False
        for agency, rates, agency_rows in zip(chosen, coverage, rows, strict=True):
            if rng.random() >= min(0.95, rates[person.sex == "F"][person.age] * need):
                continue
            seen = True
            copies = 2 if rng.random() < DUPLICATE_RATE else 1
            counts["agency_duplicate"] += copies - 1
            for _ in range(copies):
                entry = corrupted_entry(rng, person, kinds, place)
                counts.update(entry.kinds)
                several += len(entry.kinds) >= 2
                agency_rows.append((person.person_id, render(rng, agency, entry, person, counts)))
        known += seen
        if progress is not None and number % 10_000 == 0:
            progress(number)
    if progress is not None and people % 10_000:
        progress(people)
    write_files(rng, out_dir, chosen, rows)
    return SynthSummary(
        people=known,
        records=sum(len(agency_rows) for agency_rows in rows),
        records_per_agency={agency.slug: len(agency_rows) for agency, agency_rows in zip(chosen, rows, strict=True)},
        corruption={kind: counts[kind] for kind in CORRUPTION_KINDS},
        records_with_several_corruptions=several,
        seed=seed,
    )


def render(rng: Random, agency: Agency, entry: Entry, person: Person, counts: Counter[str]) -> str:
    """The record as the agency's system writes it, without its reference: a CSV line."""
    names = [entry.given_name, entry.surname, " ".join(entry.other_names)]
    if agency.ascii_only and person.foreign_names:
        stripped = [to_ascii(name) for name in names]
        counts["accents_stripped"] += stripped != names
        names = stripped
    if agency.case == "upper":
        names = [name.upper() for name in names]
    elif agency.case == "title":
        names = [name.title() for name in names]
    if agency.stray_spaces and rng.random() < STRAY_SPACE_RATE:
        counts["stray_spaces"] += 1
        field = rng.randrange(2)
        names[field] = rng.choice((" {}", "{} ", "{}  ")).format(names[field])
    born = "" if entry.date_of_birth is None else DATE_WRITERS[agency.date_format](entry.date_of_birth)
    sex = "" if entry.sex is None else agency.sex_codes[entry.sex == "F"]
    postcode, address = entry.postcode or "", entry.address
    if person.no_fixed_abode:
        counts["no_fixed_abode_placeholder"] += 1
        postcode, address = rng.choice(NO_FIXED_ABODE_FORMS)
    if not (rng.random() < 0.5 if agency.postcode_space is None else agency.postcode_space):
        postcode = postcode.replace(" ", "")
    if agency.case == "upper":
        address = address.upper()
    return ",".join(csv_field(value) for value in (*names, born, sex, postcode, address))


def to_ascii(text: str) -> str:
    """The text as a system without accents keeps it: Łukasz Kovács as Lukasz Kovacs."""
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKD", text.translate(ASCII_LETTERS))
    return "".join(letter for letter in folded if not unicodedata.combining(letter))


def csv_field(value: str) -> str:
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if "," in value or '"' in value else value


def references(rng: Random, agency: Agency) -> Iterator[str]:
    """The agency's references in the order its system issued them: rising, with gaps."""
    serial = rng.randrange(1_000, 200_000)
    while True:
        serial += rng.randrange(1, 4)
        if (reference := agency.reference(serial)) is not None:
            yield reference


def write_files(rng: Random, out_dir: Path, chosen: tuple[Agency, ...], rows: list[list[tuple[str, str]]]) -> None:
    """Each agency's rows in its own order (not the people's), each with a reference, and the truth."""
    extracts = out_dir / "extracts"
    extracts.mkdir(parents=True, exist_ok=True)
    for agency in AGENCIES[len(chosen) :]:
        (extracts / f"{agency.slug}.csv").unlink(missing_ok=True)
    truth = [TRUTH_HEADER]
    for agency, agency_rows in zip(chosen, rows, strict=True):
        rng.shuffle(agency_rows)
        lines = [EXTRACT_HEADER]
        for (person_id, line), reference in zip(agency_rows, references(rng, agency), strict=False):
            lines.append(f"{reference},{line}")
            truth.append(f"{agency.slug},{reference},{person_id}")
        (extracts / f"{agency.slug}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    (out_dir / "truth.csv").write_text("\n".join(truth) + "\n", encoding="utf-8", newline="")
