"""Every route the app serves, for tests that walk them all (guards, bounds).

The walk goes through FastAPI's wrapping of included routers and through mounts and sub-apps.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import Mount


@dataclass(frozen=True)
class Served:
    path: str  # as served, with every prefix: /api/v1/funds/{fund_id}
    methods: frozenset[str]  # empty for a mount, which serves whatever its app does
    dependant: Dependant | None  # None where FastAPI resolves no dependencies: a mount, a plain Starlette route


def served_routes(app: FastAPI) -> list[Served]:
    """Every route the app serves, reached through included routers (which FastAPI wraps), mounts and sub-apps."""
    return list(_walk(app.routes, ""))


def _walk(routes: Iterable[Any], prefix: str) -> Iterator[Served]:
    for route in routes:
        if hasattr(route, "effective_candidates"):  # include_router(): the routes as served, prefixes applied
            yield from _walk(route.effective_candidates(), prefix)
        elif hasattr(route, "original_route"):  # one of those: its dependant already holds the include's deps
            if route.dependant is not None:
                yield Served(prefix + route.path, frozenset(route.methods), route.dependant)
            else:
                yield from _walk([route.starlette_route or route.original_route], prefix)
        elif isinstance(route, APIRoute | APIWebSocketRoute):
            yield Served(prefix + route.path, frozenset(getattr(route, "methods", ())), route.dependant)
        elif isinstance(route, Mount) and route.routes:  # a sub-app or a router: walk into it
            yield from _walk(route.routes, prefix + route.path)
        else:  # a mount with no routes of its own (static files), a plain Starlette route
            yield Served(prefix + route.path, frozenset(getattr(route, "methods", None) or ()), None)
