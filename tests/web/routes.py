"""Every route the app serves, reached through FastAPI's included routers, for tests that walk them all."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute


@dataclass(frozen=True)
class Served:
    path: str  # as served, with its prefix: /api/v1/funds/{fund_id}
    route: APIRoute


def served_routes(app: FastAPI) -> Iterator[Served]:
    """The app's own APIRoutes with the paths they are served at (static mounts and OpenAPI left out)."""
    for route in app.routes:
        if isinstance(route, APIRoute):
            yield Served(route.path, route)
        included = getattr(route, "original_router", None)  # FastAPI wraps each include_router()
        if included is not None:
            prefix = route.include_context.prefix  # type: ignore[attr-defined]
            for inner in included.routes:
                if isinstance(inner, APIRoute):
                    yield Served(prefix + inner.path, inner)
