"""How the engine's figures are rounded for people: whole pence half-up, once, and ratios to 4 decimals.

Pure. Sources: docs/methodology.md.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

from wholeplace.money import Money

WIDE = Context(prec=60)  # wide enough that no amount of pence is rounded before we choose to


def ratio(numerator: Money, denominator: Money) -> Decimal | None:
    """A ratio of two shown amounts to 4 decimals (half-up), so a reader can check it from the figures."""
    if denominator.pence <= 0:
        return None
    exact = WIDE.divide(Decimal(numerator.pence), Decimal(denominator.pence))
    return exact.quantize(Decimal("0.0001"), ROUND_HALF_UP, context=WIDE)


def to_pence(value: float) -> Money:
    """Whole pence, half-up, from a float amount of pence.

    The float is first snapped to a millionth of a penny, so that binary noise in an exact half
    (12.4999999999p for 12.5p) does not decide the rounding.
    """
    return Money(int(rounded(value, "1")))


def rounded(value: float, places: str) -> Decimal:
    """A float rounded half-up to `places` (like "0.000001"), after snapping to a millionth."""
    snapped = Decimal(value).quantize(Decimal("0.000001"), ROUND_HALF_EVEN, context=WIDE)
    return snapped.quantize(Decimal(places), ROUND_HALF_UP, context=WIDE)


def ratio_text(value: Decimal | None) -> str | None:
    """A ratio as JSON gives it: "1.5000", or null."""
    return None if value is None else format(value, "f")
