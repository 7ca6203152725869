"""The rules for a partner's details and for reading a partners CSV; no database here."""

from __future__ import annotations

from wholeplace.partners.engine import OrganisationDraft, check_organisation, read_partners_csv
from wholeplace.partners.model import OrganisationKind
from wholeplace.problems import Problem

ESSEX = {
    "identifier": "GB-LAE-ESS",
    "name": "Essex County Council",
    "kind": "county_council",
    "parent_identifier": "",
    "area_code": "E10000012",
}


def problems_with(**changes: str) -> list[Problem]:
    draft, problems = check_organisation(ESSEX | changes)
    assert draft is None
    return problems


# One organisation's details


def test_a_good_organisation_becomes_a_draft() -> None:
    draft, problems = check_organisation(ESSEX)
    assert problems == []
    assert draft == OrganisationDraft(
        identifier="GB-LAE-ESS",
        name="Essex County Council",
        kind=OrganisationKind.COUNTY_COUNCIL,
        parent_identifier=None,
        area_code="E10000012",
    )


def test_spaces_are_tidied_and_the_area_code_is_put_in_capitals() -> None:
    draft, problems = check_organisation(
        {
            "identifier": " GB-LAE-BAI ",
            "name": "  Basildon   Borough Council ",
            "kind": " district_council ",
            "parent_identifier": " GB-LAE-ESS ",
            "area_code": " e07000066 ",
        }
    )
    assert problems == []
    assert draft == OrganisationDraft(
        "GB-LAE-BAI", "Basildon Borough Council", OrganisationKind.DISTRICT_COUNCIL, "GB-LAE-ESS", "E07000066"
    )


def test_a_kind_can_be_given_by_its_label() -> None:
    draft, problems = check_organisation(ESSEX | {"kind": "County council"})
    assert problems == []
    assert draft is not None and draft.kind is OrganisationKind.COUNTY_COUNCIL


def test_a_blank_name_is_refused() -> None:
    assert problems_with(name="   ") == [Problem("name", "Enter a name")]


def test_a_name_over_200_characters_is_refused() -> None:
    assert problems_with(name="Essex " * 40) == [Problem("name", "Name must be 200 characters or fewer")]


def test_a_blank_identifier_is_refused() -> None:
    assert problems_with(identifier="") == [Problem("identifier", "Enter an identifier, like GB-LAE-ESS")]


def test_an_identifier_that_is_not_org_id_is_refused() -> None:
    assert problems_with(identifier="Essex CC") == [
        Problem(
            "identifier",
            "'Essex CC' is not an org-id identifier: write the list code then the identifier, like GB-LAE-ESS",
        )
    ]


def test_an_unknown_kind_is_refused_with_the_kinds_there_are() -> None:
    assert problems_with(kind="parish council") == [
        Problem(
            "kind",
            "'parish council' is not a kind of organisation. Use one of: county_council, district_council, "
            "unitary_authority, police_and_crime_commissioner, police_force, fire, nhs, probation, "
            "central_government, voluntary_sector",
        )
    ]


def test_a_blank_kind_is_refused() -> None:
    assert problems_with(kind="") == [Problem("kind", "Select the kind of organisation")]


def test_an_organisation_cannot_be_its_own_parent() -> None:
    assert problems_with(parent_identifier="GB-LAE-ESS") == [
        Problem("parent_identifier", "An organisation cannot be its own parent")
    ]


def test_an_area_code_that_is_not_an_ons_code_is_refused() -> None:
    assert problems_with(area_code="E1000001") == [
        Problem("area_code", "'E1000001' is not an ONS area code, like E10000012")
    ]


def test_every_bad_field_is_named_at_once() -> None:
    problems = problems_with(identifier="essex", name="", kind="parish", area_code="Essex")
    assert [problem.where for problem in problems] == ["identifier", "name", "kind", "area_code"]


# A partners CSV


def test_a_good_csv_gives_a_draft_for_each_row_numbered_as_a_spreadsheet_shows_it() -> None:
    text = (
        "identifier,name,kind,parent_identifier,area_code\n"
        "GB-LAE-ESS,Essex County Council,county_council,,E10000012\n"
        "GB-LAE-BAI,Basildon Borough Council,district_council,GB-LAE-ESS,E07000066\n"
        "XX-WHOLEPLACE-ESSEX-PCC,Police and Crime Commissioner for Essex,Police and crime commissioner,,\n"
    )
    drafts, problems = read_partners_csv(text, "partners.csv")
    assert problems == []
    assert drafts == [
        (
            2,
            OrganisationDraft("GB-LAE-ESS", "Essex County Council", OrganisationKind.COUNTY_COUNCIL, None, "E10000012"),
        ),
        (
            3,
            OrganisationDraft(
                "GB-LAE-BAI", "Basildon Borough Council", OrganisationKind.DISTRICT_COUNCIL, "GB-LAE-ESS", "E07000066"
            ),
        ),
        (
            4,
            OrganisationDraft(
                "XX-WHOLEPLACE-ESSEX-PCC",
                "Police and Crime Commissioner for Essex",
                OrganisationKind.POLICE_AND_CRIME_COMMISSIONER,
                None,
                None,
            ),
        ),
    ]


def test_a_csv_with_a_missing_column_a_duplicate_and_a_blank_name_gets_one_problem_for_each() -> None:
    text = (
        "identifier,name,area_code\n"
        "GB-LAE-ESS,Essex County Council,E10000012\n"
        "GB-LAE-BAI,Basildon Borough Council,E07000066\n"
        "GB-LAE-ESS,Essex County Council,E10000012\n"
        "GB-LAE-CHL,,E07000070\n"
    )
    drafts, problems = read_partners_csv(text, "partners.csv")
    assert drafts == []
    assert [str(problem) for problem in problems] == [
        "partners.csv, row 1: The column 'kind' is missing",
        "partners.csv, row 4, column 'identifier': GB-LAE-ESS is already on row 2: list each partner once",
        "partners.csv, row 5, column 'name': Enter a name",
    ]


def test_a_byte_order_mark_before_the_header_is_ignored() -> None:
    text = "\ufeffidentifier,name,kind\nGB-LAE-ESS,Essex County Council,county_council\n"
    drafts, problems = read_partners_csv(text, "partners.csv")
    assert problems == []
    assert [(row, draft.identifier) for row, draft in drafts] == [(2, "GB-LAE-ESS")]


def test_a_row_with_more_cells_than_the_header_is_reported() -> None:
    text = (
        "identifier,name,kind\n"
        "GB-LAE-ESS,Essex County Council,county_council\n"
        "GB-LAE-BAI,Basildon Borough Council,district_council,E07000066\n"
    )
    drafts, problems = read_partners_csv(text, "partners.csv")
    assert [row for row, _ in drafts] == [2]
    assert [str(problem) for problem in problems] == ["partners.csv, row 3: The row has more cells than the header"]


def test_an_unknown_column_is_reported() -> None:
    text = "identifier,name,kind,postcode\nGB-LAE-ESS,Essex County Council,county_council,CM1 1QH\n"
    _, problems = read_partners_csv(text, "partners.csv")
    assert [str(problem) for problem in problems] == [
        "partners.csv, row 1: 'postcode' is not a column we know. "
        "Columns are: identifier, name, kind, parent_identifier, area_code"
    ]


def test_a_bad_cell_names_its_row_and_column() -> None:
    text = (
        "identifier,name,kind,area_code\n"
        "GB-LAE-ESS,Essex County Council,county_council,E10000012\n"
        "GB-LAE-BAI,Basildon Borough Council,parish,E07000066\n"
    )
    drafts, problems = read_partners_csv(text, "essex.csv")
    assert [row for row, _ in drafts] == [2]
    assert [problem.where for problem in problems] == ["essex.csv, row 3, column 'kind'"]


def test_a_file_with_only_a_header_is_reported_as_empty() -> None:
    drafts, problems = read_partners_csv("identifier,name,kind\n", "partners.csv")
    assert drafts == []
    assert [str(problem) for problem in problems] == ["partners.csv: The file has no partners in it"]
