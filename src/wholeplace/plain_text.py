"""Text typed by people, made safe to store and to show: one form of each letter, nothing invisible.

A name with a right-to-left override shows one thing and sorts as another ("Essex Police" that
reads backwards in part), a zero-width space makes two names that look the same differ, and a NUL
byte is refused by PostgreSQL outright. Names are normalised to NFKC (so a full-width "\\uff25" is "E")
and refused when they hold a control, format or bidirectional character; free text keeps its line
breaks and tabs but is refused the rest.
"""

from __future__ import annotations

import unicodedata

from wholeplace.problems import Problem

# Unicode general categories never wanted in what a person types: controls, format characters
# (zero-width spaces and joiners, bidirectional overrides and isolates, the byte order mark),
# surrogates, private use and unassigned code points.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
FREE_TEXT_CONTROLS = frozenset({"\n", "\r", "\t"})


def hidden_characters(text: str, *, free_text: bool = False) -> list[tuple[int, str]]:
    """Each refused character as (position from 1, its code point and Unicode name)."""
    found = []
    for position, character in enumerate(text, start=1):
        if free_text and character in FREE_TEXT_CONTROLS:
            continue
        if unicodedata.category(character) in REFUSED_CATEGORIES:
            name = unicodedata.name(character, "a control character")
            found.append((position, f"U+{ord(character):04X} {name}"))
    return found


def clean_name(text: str, *, where: str, label: str, max_length: int) -> tuple[str, list[Problem]]:
    """A one-line name, normalised, trimmed and with runs of spaces made one; with every reason to refuse it."""
    normalised = " ".join(unicodedata.normalize("NFKC", text).split())
    problems = _hidden_problems(normalised, where=where, label=label, free_text=False)
    if not normalised:
        article = "an" if label[:1].lower() in "aeiou" else "a"
        problems.append(Problem(where, f"Enter {article} {label.lower()}"))
    elif len(normalised) > max_length:
        problems.append(Problem(where, f"{label} must be {max_length} characters or fewer"))
    return normalised, problems


def clean_free_text(text: str, *, where: str, label: str, max_length: int) -> tuple[str, list[Problem]]:
    """Free text (a reason, minutes, a description): line breaks kept, the rest as for names."""
    normalised = unicodedata.normalize("NFC", text).replace("\r\n", "\n").strip()
    problems = _hidden_problems(normalised, where=where, label=label, free_text=True)
    if len(normalised) > max_length:
        problems.append(Problem(where, f"{label} must be {max_length:,} characters or fewer"))
    return normalised, problems


def _hidden_problems(text: str, *, where: str, label: str, free_text: bool) -> list[Problem]:
    hidden = hidden_characters(text, free_text=free_text)
    if not hidden:
        return []
    position, character = hidden[0]
    more = f" and {len(hidden) - 1} more" if len(hidden) > 1 else ""
    return [
        Problem(
            where,
            f"{label} must not contain invisible or control characters: {character} at character {position}{more}. "
            "Type it again rather than pasting it",
        )
    ]
