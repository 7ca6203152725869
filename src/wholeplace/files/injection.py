"""How text starts when a spreadsheet would run it as a formula (OWASP, CSV injection)."""

from __future__ import annotations

# `=`, `+`, `-` and `@` start a formula in Excel and LibreOffice; a tab or carriage return before them is skipped.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)
