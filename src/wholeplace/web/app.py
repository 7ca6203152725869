"""The web application: pages under /, the JSON API under /api/v1."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from wholeplace import __version__
from wholeplace.appraisal.routes import api as business_cases_api
from wholeplace.appraisal.routes import pages as business_cases_pages
from wholeplace.auth.routes import api as auth_api
from wholeplace.auth.routes import pages as auth_pages
from wholeplace.cases.routes import api as cases_api
from wholeplace.cases.routes import pages as cases_pages
from wholeplace.db import POOL_SIZE, make_engine, session_factory
from wholeplace.decisions import fund_money, meeting_routes
from wholeplace.decisions.routes import api as decisions_api
from wholeplace.decisions.routes import pages as decisions_pages
from wholeplace.funds.routes import api as funds_api
from wholeplace.funds.routes import pages as funds_pages
from wholeplace.linkage.routes import api as linkage_api
from wholeplace.linkage.routes import pages as linkage_pages
from wholeplace.outcomes.api import api as outcomes_api
from wholeplace.outcomes.money_routes import pages as outcomes_money_pages
from wholeplace.outcomes.routes import pages as outcomes_pages
from wholeplace.partners.routes import api as partners_api
from wholeplace.partners.routes import pages as partners_pages
from wholeplace.section75.api import api as section75_api
from wholeplace.section75.routes import pages as section75_pages
from wholeplace.settings import Settings, get_settings
from wholeplace.sharing.routes import api as sharing_api
from wholeplace.sharing.routes import pages as sharing_pages
from wholeplace.web import audit_page, charts, errors, operations, sections
from wholeplace.web.limits import BodyLimit
from wholeplace.web.request_log import RequestLog, install_json_logging
from wholeplace.web.security import SecurityMiddleware
from wholeplace.web.templating import compile_pages


class AssetsMissing(RuntimeError):
    """GOV.UK Frontend has not been copied into the package's static folder (`make assets`)."""


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    # Pages and API answers run in worker threads that share one interpreter lock and draw on the connection pool:
    # no more at once than the pool holds, so a busy worker queues requests in arrival order instead of opening
    # connections beyond its pool and switching among dozens of threads (anyio's default is 40).
    to_thread.current_default_thread_limiter().total_tokens = POOL_SIZE
    await to_thread.run_sync(compile_pages)
    # What the process holds once started (modules, compiled templates: some 270,000 objects) lives as long as it:
    # set it aside from the garbage collector, whose full collections otherwise walked it all, pausing every
    # request in the process for over 100 ms each time.
    gc.freeze()
    yield


def create_app(settings: Settings | None = None, sessions: sessionmaker[Session] | None = None) -> FastAPI:
    settings = settings or get_settings()
    govuk = settings.static_dir / "govuk"
    if not (govuk / "govuk-frontend.min.css").exists():
        raise AssetsMissing(f"GOV.UK Frontend is not installed in {govuk}: run `make assets`")
    app = FastAPI(
        title="wholeplace",
        version=__version__,
        description="Whole Place Community Budgets: partners, pooled funds, business cases, casework, outcomes.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the stock docs pages load scripts from a CDN
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.sessions = sessions or session_factory(make_engine(settings.database_url))
    app.add_middleware(BodyLimit, max_mb=settings.max_upload_mb)  # inside SecurityMiddleware: its refusals get headers
    app.add_middleware(SecurityMiddleware)
    app.add_middleware(RequestLog)  # outermost: it times the others and logs the status the client gets
    install_json_logging()
    errors.install(app)
    app.mount("/assets", StaticFiles(directory=govuk / "assets"), name="assets")
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    for router in (
        operations.probes,
        auth_pages,
        partners_pages,
        funds_pages,
        decisions_pages,
        fund_money.pages,
        meeting_routes.pages,
        business_cases_pages,
        cases_pages,
        sharing_pages,
        linkage_pages,
        outcomes_pages,
        outcomes_money_pages,
        section75_pages,
        charts.pages,
        sections.pages,
        audit_page.pages,
    ):
        app.include_router(router)
    api_routers = (
        auth_api,
        partners_api,
        funds_api,
        decisions_api,
        fund_money.api,
        meeting_routes.api,
        business_cases_api,
        cases_api,
        sharing_api,
        linkage_api,
        outcomes_api,
        section75_api,
    )
    for router in (*api_routers, audit_page.api):
        app.include_router(router, prefix="/api/v1")
    return app
