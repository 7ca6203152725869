"""Alembic environment: the URL comes from the caller's config or from WHOLEPLACE_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from wholeplace.db import Base, UTCDateTime, make_engine
from wholeplace.models import import_all_models
from wholeplace.settings import get_settings

import_all_models()
config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _render_item(type_: str, item: object, autogen_context) -> str | bool:  # type: ignore[no-untyped-def]
    """Write our column types as plain SQLAlchemy ones, so migrations never import application code."""
    if type_ == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
