"""The one shape of a user-facing error: where it is and what to do about it.

Services raise the exceptions here (or a feature's subclass); the web layer maps each type
to an HTTP status in one handler, and the CLI prints `where: message` and exits 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wholeplace.auth.actor import Actor


@dataclass(frozen=True)
class Problem:
    where: str  # "partners.csv, row 7, column 'name'"
    message: str  # "Enter a name"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class WholeplaceError(Exception):
    """A refused act, carrying every reason it was refused."""

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        self.problems = [Problem("", problems)] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


class InvalidInput(WholeplaceError):
    """Input that breaks a rule; nothing was changed."""


class NotFound(WholeplaceError):
    """The record asked for does not exist (or the actor may not know it exists)."""


class Conflict(WholeplaceError):
    """The act clashes with the current state, such as a duplicate identifier."""


class NotSignedIn(WholeplaceError):
    """No valid session or API token came with the request."""


@dataclass(frozen=True)
class Refusal:
    """What to write to the audit trail about a refused act, after its transaction rolls back."""

    actor: Actor
    action: str
    object_type: str | None
    object_id: str | None
    reason: str
    purpose: str | None = None  # why the actor asked, for access to personal data
    detail: dict[str, object] | None = None


class AccessRefused(WholeplaceError):
    """The actor's roles or organisation do not allow the act."""

    def __init__(self, problems: Iterable[Problem] | str, refusal: Refusal | None = None) -> None:
        super().__init__(problems)
        self.refusal = refusal
