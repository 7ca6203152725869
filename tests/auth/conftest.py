"""A clock the auth code reads instead of the wall's, so tests move time rather than wait for it."""

from __future__ import annotations

import datetime as dt

import pytest

from wholeplace.auth import model, service, sessions
from wholeplace.db import utcnow


class Clock:
    """Now, as the auth modules see it: starts at the real time and moves only when told."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    for module in (model, service, sessions):
        monkeypatch.setattr(module, "utcnow", clock)
    return clock
