"""Rules for a partner organisation's details and for reading a partners CSV; no database here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from wholeplace.files.tables import csv_records
from wholeplace.partners.model import KIND_LABELS, OrganisationKind
from wholeplace.plain_text import clean_name
from wholeplace.problems import Problem

FIELDS = ("identifier", "name", "kind", "parent_identifier", "area_code")
REQUIRED_COLUMNS = ("identifier", "name", "kind")

# org-id.guide style: a list code (country, then register) and the identifier on that list,
# for example GB-LAE-ESS or GB-COH-01234567.
ORG_ID = re.compile(r"^[A-Z]{2}-[A-Z0-9]{2,}-[A-Za-z0-9][A-Za-z0-9._/-]*$")
ONS_CODE = re.compile(r"^[EWSN]\d{8}$")
_KINDS_BY_WORD = {kind.value: kind for kind in OrganisationKind} | {
    label.lower(): kind for kind, label in KIND_LABELS.items()
}


@dataclass(frozen=True)
class OrganisationDraft:
    identifier: str
    name: str
    kind: OrganisationKind
    parent_identifier: str | None
    area_code: str | None


def parse_kind(text: str) -> OrganisationKind | None:
    return _KINDS_BY_WORD.get(text.strip().lower())


def check_organisation(values: Mapping[str, str | None]) -> tuple[OrganisationDraft | None, list[Problem]]:
    """The organisation these form or CSV values describe, or every problem with them by field."""
    identifier = (values.get("identifier") or "").strip()
    name, name_problems = clean_name(values.get("name") or "", where="name", label="Name", max_length=200)
    kind_text = (values.get("kind") or "").strip()
    parent = (values.get("parent_identifier") or "").strip() or None
    area = (values.get("area_code") or "").strip().upper() or None
    problems = []
    if not identifier:
        problems.append(Problem("identifier", "Enter an identifier, like GB-LAE-ESS"))
    elif not ORG_ID.match(identifier):
        problems.append(
            Problem(
                "identifier",
                f"'{identifier}' is not an org-id identifier: write the list code then the identifier, like GB-LAE-ESS",
            )
        )
    problems += name_problems
    kind = parse_kind(kind_text)
    if not kind_text:
        problems.append(Problem("kind", "Select the kind of organisation"))
    elif kind is None:
        problems.append(
            Problem(
                "kind",
                f"'{kind_text}' is not a kind of organisation. Use one of: "
                + ", ".join(k.value for k in OrganisationKind),
            )
        )
    if parent is not None and parent == identifier:
        problems.append(Problem("parent_identifier", "An organisation cannot be its own parent"))
    if area is not None and not ONS_CODE.match(area):
        problems.append(Problem("area_code", f"'{area}' is not an ONS area code, like E10000012"))
    if problems:
        return None, problems
    assert kind is not None
    return OrganisationDraft(identifier, name, kind, parent, area), []


def read_partners_csv(text: str, filename: str) -> tuple[list[tuple[int, OrganisationDraft]], list[Problem]]:
    """Every partner in a CSV with its row number, and every problem, each naming file, row and field.

    Row 1 is the header, so the first partner is row 2, as a spreadsheet shows it.
    """
    records, unreadable = csv_records(text, filename)
    if unreadable is not None:
        return [], [unreadable]
    header = [column.strip() for column in records[0]] if records else []
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    unknown = [column for column in header if column not in FIELDS]
    repeated = sorted({column for column in header if header.count(column) > 1})
    problems = [Problem(f"{filename}, row 1", f"The column '{column}' is missing") for column in missing]
    problems += [
        Problem(f"{filename}, row 1", f"'{column}' is not a column we know. Columns are: " + ", ".join(FIELDS))
        for column in unknown
    ]
    problems += [Problem(f"{filename}, row 1", f"The column '{column}' appears more than once") for column in repeated]
    drafts: list[tuple[int, OrganisationDraft]] = []
    first_row_of: dict[str, int] = {}
    for row_number, cells in enumerate(records[1:], start=2):
        where = f"{filename}, row {row_number}"
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(Problem(where, "The row has more cells than the header"))
            continue
        row = dict(zip(header, cells, strict=False))
        values = {key: value for key, value in row.items()}
        draft, row_problems = check_organisation(values)
        # A missing column is reported once, above, not again on every row.
        problems += [Problem(f"{where}, column '{p.where}'", p.message) for p in row_problems if p.where not in missing]
        identifier = (values.get("identifier") or "").strip()
        if identifier in first_row_of:
            problems.append(
                Problem(
                    f"{where}, column 'identifier'",
                    f"{identifier} is already on row {first_row_of[identifier]}: list each partner once",
                )
            )
        elif identifier:
            first_row_of[identifier] = row_number
            if draft is not None:
                drafts.append((row_number, draft))
    if not drafts and not problems:
        problems.append(Problem(f"{filename}", "The file has no partners in it"))
    return drafts, problems
