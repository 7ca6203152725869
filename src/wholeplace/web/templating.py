"""Jinja2 with GOV.UK Frontend macros, and the context every page gets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from sqlalchemy import select

from wholeplace.audit import CONSOLE_PREFIX
from wholeplace.auth.model import User
from wholeplace.business_dates import LONDON
from wholeplace.money import Money
from wholeplace.problems import Problem
from wholeplace.web.charts import chart_assets
from wholeplace.web.components import govuk_table, govuk_tag
from wholeplace.web.navigation import navigation_items, sections_for

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [
    PACKAGE / "web" / "templates",
    PACKAGE / "partners" / "templates",
    PACKAGE / "auth" / "templates",
    PACKAGE / "funds" / "templates",
    PACKAGE / "decisions" / "templates",
    PACKAGE / "appraisal" / "templates",
    PACKAGE / "cases" / "templates",
    PACKAGE / "sharing" / "templates",
    PACKAGE / "linkage" / "templates",
    PACKAGE / "outcomes" / "templates",
    PACKAGE / "section75" / "templates",
]


def _pounds(pence: int | None) -> str:
    return "" if pence is None else str(Money(pence))


def _whole_pounds(pence: int | None, signed: bool = False) -> str:
    """A headline figure in whole pounds, rounded half up: £1,234 (and +£1,234 with `signed`)."""
    if pence is None:
        return ""
    pounds = (abs(pence) + 50) // 100
    sign = "-" if pence < 0 and pounds else ("+" if signed and pounds else "")
    return f"{sign}£{pounds:,}"


def account_name(path: str) -> str:
    """A ledger account as its users name it: "Themes:Reducing Re-offending:Link Workers" is
    "Link Workers (Reducing Re-offending)", "Contributions:Essex Police" is "Essex Police", "Pool:Unallocated"
    is "Unallocated pool", and money spent or returned from a project says so: "Spent: Link Workers (...)"."""
    root, _, rest = path.partition(":")
    if not rest:
        return path
    if root == "Contributions":
        return rest
    if root == "Pool":
        return f"{rest} pool"
    theme, _, project = rest.partition(":")
    named = f"{project} ({theme})" if project else theme
    if root == "Themes":
        return named
    if root == "Spend":
        return f"Spent: {named}"
    if root == "Returned":
        return f"Returned: {named}"
    return path.replace(":", " / ")


def _in_london(moment: dt.datetime) -> dt.datetime:
    """Times are stored in UTC (a time without a zone is taken as UTC) and shown in London."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(LONDON)


def long_date(day: dt.date | dt.datetime | None) -> str:
    """The one way a date is shown: 5 December 2026 (a moment is shown as its day in London)."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = _in_london(day).date()
    return f"{day.day} {day:%B %Y}"


def long_datetime(moment: dt.datetime | None) -> str:
    """A moment as it was in London: 5 December 2026 at 14:03."""
    if moment is None:
        return ""
    local = _in_london(moment)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def console_words(label: str) -> str:
    """A command run at the server's console, named by the operating-system user who ran it."""
    return f"the console ({label.removeprefix(CONSOLE_PREFIX)})"


@pass_context
def user_name(context: Context, label: str | None) -> str:
    """The name of the user whose label (their email) a record holds, looked up in the request's own database
    session; the console in words; the label itself where no user has it (a user since removed)."""
    if label and label.startswith(CONSOLE_PREFIX):
        return console_words(label)
    session = getattr(context["request"].state, "db_session", None) if "request" in context else None
    if not label or session is None:
        return label or ""
    return session.scalar(select(User.name).where(User.email == label)) or label


def make_environment() -> Environment:
    environment = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader([str(directory) for directory in TEMPLATE_DIRS]),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=False,  # templates ship with the package and change only with a new release (and restart)
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["pounds"] = _pounds
    environment.filters["whole_pounds"] = _whole_pounds
    environment.filters["account_name"] = account_name
    environment.filters["date"] = long_date
    environment.filters["datetime"] = long_datetime
    environment.filters["user_name"] = user_name
    environment.globals["govukTable"] = govuk_table  # the library's markup, rendered faster (web/components.py)
    environment.globals["govukTag"] = govuk_tag
    environment.globals["chart_assets"] = chart_assets
    environment.globals["london"] = LONDON  # times are stored in UTC and shown in London
    return environment


templates = Jinja2Templates(env=make_environment())


def compile_pages() -> int:
    """Compile every page template now (about a second and a half), so that the first people to open each page after
    the server starts do not wait while it compiles; returns how many there are. The decision report's template is
    left out: it is printed with an environment of its own (decisions/report.py)."""
    names = templates.env.list_templates(filter_func=lambda name: name.endswith(".html") and "reports/" not in name)
    for name in names:
        templates.env.get_template(name)
    return len(names)


def error_summary(problems: list[Problem], field_ids: dict[str, str] | None = None) -> dict[str, Any]:
    """Problems as GOV.UK error summary items and per-field messages (`errors[field]`)."""
    field_ids = field_ids or {}
    items = [{"text": p.message, "href": f"#{field_ids.get(p.where, p.where)}" if p.where else None} for p in problems]
    by_field: dict[str, dict[str, str]] = {}
    for problem in problems:
        by_field.setdefault(problem.where, {"text": problem.message})
    return {"error_list": items, "errors": by_field}


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """A page with the signed-in actor, the sections they may open, the CSRF token and the CSP nonce in its context."""
    actor = getattr(request.state, "actor", None)
    sections = sections_for(actor)
    full = {
        "actor": actor,
        "account_name": getattr(request.state, "account_name", None),
        "sections": sections,
        "navigation": navigation_items(sections, request.url.path),
        "partnership": request.app.state.settings.partnership_name,
        "csrf_token": request.state.csrf_token,
        "csp_nonce": request.state.csp_nonce,
        "current_path": request.url.path,
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, full, status_code=status_code)
