"""Fixtures the outcomes tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from wholeplace.settings import get_settings


@pytest.fixture
def demo_console(demo_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The demo in the test database, and the `wholeplace` command pointed at it."""
    monkeypatch.setenv("WHOLEPLACE_DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield demo_engine
    get_settings.cache_clear()
