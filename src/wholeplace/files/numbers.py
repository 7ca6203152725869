"""Numbers as people write them in files, read without ever building a huge integer or a float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from wholeplace.money import Money, MoneyError

MAX_LENGTH = 60
MAX_EXPONENT = 30


def reasonable(text: str) -> bool:
    """Refuse numbers like 1e999999999 before they become integers with a billion digits."""
    if len(text) > MAX_LENGTH:
        return False
    for part in text.replace("%", "").split("/"):
        try:
            number = Decimal(part.strip())
        except InvalidOperation:
            continue
        if number.is_finite() and number and abs(number.adjusted()) > MAX_EXPONENT:
            return False
    return True


def decimal_of(text: str, *, amounts: bool = False) -> Decimal | None:
    """A plain finite number, or None; with `amounts`, also an amount as people write it (£173,120)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        if not amounts:
            return None
        try:
            return Money.parse(text).pounds
        except MoneyError:
            return None
    return value if value.is_finite() else None
