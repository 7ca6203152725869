"""The guided form's draft: the case file written so far, carried from step to step in a signed token.

A draft is the case file's data as YAML holds it (`name`, `first_year`, `costs`, ...), so the case a user builds
step by step is exactly the YAML `case_file.read_case` reads, the same as a pasted or uploaded case. Between
steps it travels in the page's address (`?draft=...`): zlib-compressed JSON, base64url, and an HMAC keyed by
the browser's CSRF token, so a refresh or the back button shows the same step, and a link someone else made
cannot put words into this user's draft. It is bounded in size before it is decompressed. Pure: no database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import yaml

from wholeplace.appraisal.case_file import CASE_KEYS, read_case
from wholeplace.appraisal.case_writer import write_case
from wholeplace.appraisal.distributions import PARAMETERS, Distribution, Shape
from wholeplace.appraisal.labels import Names, label_of
from wholeplace.files.numbers import decimal_of, reasonable
from wholeplace.problems import InvalidInput, Problem

MAX_TOKEN = 12_000  # characters: well inside the 16 KB of headers a server reads, with the rest of the address
MAX_JSON = 200_000  # bytes once decompressed: a case of many costs and outcomes is a few kilobytes
_SIGNATURE = 32  # hex characters of the HMAC kept


class DraftRefused(InvalidInput):
    """A draft token that is not one this browser was given, or too large to carry."""


@dataclass(frozen=True)
class Draft:
    """The case file's data so far, and the stored case it edits (with the version it started from), if any."""

    case: dict[str, Any] = field(default_factory=dict)
    case_id: int | None = None
    based_on: int | None = None

    def changed(self, **values: Any) -> Draft:
        """A new draft with these case file keys set (None removes one), keys kept in the case file's order."""
        merged = {**self.case, **values}
        return replace(self, case={key: merged[key] for key in CASE_KEYS if merged.get(key) is not None})

    def items(self, key: str) -> list[dict[str, Any]]:
        value = self.case.get(key)
        return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

    def yaml(self) -> str:
        """The draft as the case file it stands for."""
        return yaml.safe_dump(self.case, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)

    def years(self) -> list[str]:
        """The financial years of the period, like ['2013/14', '2014/15'], or none before they are given."""
        first, count = self.case.get("first_year"), self.case.get("years")
        if not isinstance(first, str) or not isinstance(count, int) or len(first) != 7 or not first[:4].isdigit():
            return []
        start = int(first[:4])
        return [f"{year}/{(year + 1) % 100:02d}" for year in range(start, start + count)]

    def partners(self) -> list[str]:
        value = self.case.get("partners")
        return [name for name in value if isinstance(name, str)] if isinstance(value, list) else []

    def names(self) -> Names:
        """The names inputs are labelled with (`labels.label_of`)."""
        outcomes = self.items("outcomes")
        return Names(
            costs=tuple(str(cost.get("name", "")) for cost in self.items("costs")),
            outcomes=tuple(str(outcome.get("name", "")) for outcome in outcomes),
            beneficiaries=tuple(
                tuple(str(benefit.get("beneficiary", "")) for benefit in outcome.get("benefits") or [])
                for outcome in outcomes
            ),
        )


def draft_of_source(source: str, *, case_id: int, based_on: int) -> Draft:
    """A stored case's file as a draft to change step by step: written out by `write_case`, so every value is
    in one of the shapes the steps edit (confidence grades and unit cost names become the values they gave)."""
    case, problems = read_case(source, "case file")
    if case is None:
        raise InvalidInput(problems)
    data = yaml.safe_load(write_case(case))
    return Draft(data, case_id, based_on)


# Values as the case file holds them: text for numbers, or {shape: [numbers]} for a range


def central(value: object) -> Decimal | None:
    """The number a value stands for: itself, or its distribution's central value."""
    if isinstance(value, dict) and len(value) == 1:
        ((shape, numbers),) = value.items()
        if shape in PARAMETERS and isinstance(numbers, list) and len(numbers) == len(PARAMETERS[Shape(shape)]):
            parsed = [number_of(number) for number in numbers]
            if all(number is not None for number in parsed):
                return Distribution(Shape(shape), tuple(n for n in parsed if n is not None)).central
        return None
    return number_of(value)


def number_of(value: object) -> Decimal | None:
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return decimal_of(text) if text and reasonable(text) else None


def shown(value: object, *, money: bool = False) -> str:
    """A value for a person: `£1,200` or `0.35`, a range as `triangular 0.2 to 0.45 (0.35 most likely)`."""
    if isinstance(value, dict) and len(value) == 1:
        ((shape, numbers),) = value.items()
        parts = [shown(number, money=money) for number in numbers] if isinstance(numbers, list) else []
        if shape == Shape.NORMAL and len(parts) == 2:
            return f"normal, mean {parts[0]}, standard deviation {parts[1]}"
        if len(parts) == 3:
            return f"{shape} {parts[0]} to {parts[2]} ({parts[1]} most likely)"
        return f"{shape} {parts[0]} to {parts[-1]}" if parts else str(shape)
    number = number_of(value)
    if number is None:
        return str(value)
    return f"£{number:,.2f}".replace(".00", "") if money else format(number.normalize(), "f")


def label(draft: Draft, key_path: str) -> str:
    return label_of(draft.names(), key_path)


# The token


def encode(draft: Draft, key: str) -> str:
    payload = json.dumps({"case": draft.case, "case_id": draft.case_id, "based_on": draft.based_on}, default=str)
    body = base64.urlsafe_b64encode(zlib.compress(payload.encode("utf-8"), 9)).decode("ascii").rstrip("=")
    token = f"{body}.{_sign(body, key)}"
    if len(token) > MAX_TOKEN:
        message = "The case is too large for the guided form: save it, or download it as YAML and use the editor"
        raise DraftRefused([Problem("draft", message)])
    return token


def decode(token: str, key: str) -> Draft:
    """The draft a token carries; `DraftRefused` if it was not signed for this browser or will not read."""
    refused = DraftRefused([Problem("draft", "This draft cannot be read here: start the guided form again")])
    body, _, signature = token.partition(".")
    if not token or len(token) > MAX_TOKEN or not hmac.compare_digest(signature, _sign(body, key)):
        raise refused
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj()
        payload = inflater.decompress(packed, MAX_JSON)
        if inflater.unconsumed_tail:
            raise refused
        data = json.loads(payload)
    except (binascii.Error, zlib.error, ValueError):
        raise refused from None
    if not isinstance(data, dict) or not isinstance(data.get("case"), dict):
        raise refused
    case_id, based_on = data.get("case_id"), data.get("based_on")
    if not all(value is None or (isinstance(value, int) and value > 0) for value in (case_id, based_on)):
        raise refused
    return Draft(data["case"], case_id, based_on)


def _sign(body: str, key: str) -> str:
    return hmac.new(key.encode("utf-8"), body.encode("ascii", "replace"), hashlib.sha256).hexdigest()[:_SIGNATURE]
