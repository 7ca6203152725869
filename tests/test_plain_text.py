"""Names and free text: one form of each letter, nothing invisible, every refusal says where."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wholeplace.plain_text import clean_free_text, clean_name, hidden_characters


def name(text: str) -> tuple[str, list[str]]:
    cleaned, problems = clean_name(text, where="partners.csv, row 3, column 'name'", label="Name", max_length=40)
    return cleaned, [problem.message for problem in problems]


def test_a_right_to_left_override_is_refused_by_name_and_place() -> None:
    _, problems = name("Essex \u202eecilop")
    assert problems == [
        "Name must not contain invisible or control characters: U+202E RIGHT-TO-LEFT OVERRIDE at character 7. "
        "Type it again rather than pasting it"
    ]


def test_zero_width_and_nul_characters_are_counted() -> None:
    _, problems = name("Essex\u200b Po\u200dlice\x00")
    assert problems[0].startswith(
        "Name must not contain invisible or control characters: U+200B ZERO WIDTH SPACE at character 6 and 2 more."
    )


def test_full_width_letters_and_spaces_are_made_plain() -> None:
    assert name("  \uff25\uff53\uff53\uff45\uff58   County\u00a0Council ") == ("Essex County Council", [])


def test_an_empty_or_over_long_name_is_refused() -> None:
    assert name(" \t ")[1] == ["Enter a name"]
    assert name("x" * 41)[1] == ["Name must be 40 characters or fewer"]


def test_free_text_keeps_its_lines_and_tabs_but_not_a_bell() -> None:
    text, problems = clean_free_text("Line one\r\n\tLine two", where="reason", label="Reason", max_length=1000)
    assert (text, problems) == ("Line one\n\tLine two", [])
    _, problems = clean_free_text("ring\x07", where="reason", label="Reason", max_length=1000)
    assert "U+0007 a control character at character 5" in problems[0].message


@given(st.text())
def test_a_name_accepted_holds_nothing_hidden_and_cleaning_it_again_changes_nothing(text: str) -> None:
    cleaned, problems = clean_name(text, where="name", label="Name", max_length=10_000)
    if not problems:
        assert cleaned and hidden_characters(cleaned) == []
        assert cleaned == cleaned.strip() and "  " not in cleaned
        assert clean_name(cleaned, where="name", label="Name", max_length=10_000) == (cleaned, [])


@given(st.text(), st.sampled_from(["\x00", "\u202e", "\u200b", "\u2066", "\ufeff", "\x1b"]), st.integers(0, 50))
def test_a_hidden_character_anywhere_in_a_name_is_always_refused(text: str, hidden: str, at: int) -> None:
    at = min(at, len(text))
    _, problems = clean_name(text[:at] + hidden + text[at:] + "x", where="name", label="Name", max_length=10_000)
    assert any("invisible or control characters" in problem.message for problem in problems)
