"""People in casework: their details checked and cleaned, a stable pseudonym, and each partner's reference."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.business_dates import today
from wholeplace.cases.model import AgencyReference, Person, Sex
from wholeplace.partners.model import Organisation
from wholeplace.plain_text import clean_free_text, clean_name
from wholeplace.problems import InvalidInput, Problem

# The shape of a UK postcode: outward code (area, district) and inward code (sector, unit).
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
OLDEST_PERSON_YEARS = 125


@dataclass(frozen=True)
class PersonDetails:
    """What a user types about a person; `where` prefixes name each field in problems ("person.given_name")."""

    given_name: str
    family_name: str
    other_names: str = ""
    date_of_birth: dt.date | None = None
    sex: Sex = Sex.NOT_KNOWN
    address: str = ""
    postcode: str = ""
    telephone: str = ""
    email: str = ""
    references: dict[str, str] = field(default_factory=dict)  # partner identifier -> that partner's reference


def normal_postcode(text: str) -> str | None:
    """'cm1 1aa' as 'CM1 1AA'; None when it is not the shape of a UK postcode."""
    match = POSTCODE.match(" ".join(text.upper().split()))
    return None if match is None else f"{match[1]} {match[2]}"


def checked_details(details: PersonDetails, *, prefix: str = "") -> tuple[PersonDetails, list[Problem]]:
    """The details cleaned, with every reason to refuse them, each naming its field."""
    problems: list[Problem] = []

    def name(value: str, key: str, label: str, *, required: bool = True, max_length: int = 100) -> str:
        if not required and not value.strip():
            return ""
        cleaned, found = clean_name(value, where=f"{prefix}{key}", label=label, max_length=max_length)
        problems.extend(found)
        return cleaned

    def free(value: str, key: str, label: str, max_length: int) -> str:
        cleaned, found = clean_free_text(value, where=f"{prefix}{key}", label=label, max_length=max_length)
        problems.extend(found)
        return cleaned

    given = name(details.given_name, "given_name", "Given name")
    family = name(details.family_name, "family_name", "Family name")
    other = free(details.other_names, "other_names", "Other names", 1000)
    address = free(details.address, "address", "Address", 500)
    telephone = name(details.telephone, "telephone", "Telephone", required=False, max_length=40)
    email = name(details.email, "email", "Email", required=False, max_length=254)
    postcode = ""
    if details.postcode.strip():
        postcode = normal_postcode(details.postcode) or ""
        if not postcode:
            problems.append(Problem(f"{prefix}postcode", "Enter a real postcode, like CM1 1QH"))
    born = details.date_of_birth
    if born is not None:
        now = today()
        if born > now:
            problems.append(Problem(f"{prefix}date_of_birth", "Date of birth must be today or in the past"))
        elif now.year - born.year > OLDEST_PERSON_YEARS:
            problems.append(
                Problem(f"{prefix}date_of_birth", f"Date of birth must be within the last {OLDEST_PERSON_YEARS} years")
            )
    references = {}
    for identifier, reference in details.references.items():
        cleaned = name(reference, f"references.{identifier}", "Reference", required=False)
        if cleaned:
            references[identifier] = cleaned
    cleaned_details = PersonDetails(
        given, family, other, born, details.sex, address, postcode, telephone, email, references
    )
    return cleaned_details, problems


def new_pseudonym(session: Session) -> str:
    """A random, meaningless and stable name for analysts: it says nothing about the person and never changes."""
    while True:
        candidate = f"P-{secrets.token_hex(4).upper()}"
        if session.scalar(select(Person.id).where(Person.pseudonym == candidate)) is None:
            return candidate


def add_person(session: Session, organisation_id: int, details: PersonDetails) -> Person:
    """Store checked details (see `checked_details`) as a new person recorded by this partner."""
    person = Person(
        pseudonym=new_pseudonym(session),
        given_name=details.given_name,
        family_name=details.family_name,
        other_names=details.other_names,
        date_of_birth=details.date_of_birth,
        sex=details.sex,
        address=details.address,
        postcode=details.postcode,
        telephone=details.telephone,
        email=details.email,
        organisation_id=organisation_id,
    )
    session.add(person)
    session.flush()
    add_references(session, person, details.references)
    return person


def add_references(session: Session, person: Person, references: dict[str, str]) -> None:
    """Record each partner's reference for the person; an unknown partner or a reference in use is refused."""
    problems = []
    for identifier, reference in references.items():
        organisation = session.scalar(select(Organisation).where(Organisation.identifier == identifier))
        if organisation is None:
            problems.append(
                Problem(f"references.{identifier}", f"There is no partner with the identifier {identifier}")
            )
            continue
        taken = session.scalar(
            select(AgencyReference).where(
                AgencyReference.organisation_id == organisation.id, AgencyReference.reference == reference
            )
        )
        if taken is not None and taken.person_id != person.id:
            problems.append(
                Problem(f"references.{identifier}", f"{organisation.name} already uses {reference} for someone else")
            )
        elif taken is None:
            person.references.append(AgencyReference(organisation_id=organisation.id, reference=reference))
    if problems:
        raise InvalidInput(problems)
    session.flush()


def year_of_birth(person: Person) -> int | None:
    return None if person.date_of_birth is None else person.date_of_birth.year
