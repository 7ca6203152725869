"""Jinja2 with GOV.UK Frontend macros, and the context every page gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape

from wholeplace.business_dates import LONDON
from wholeplace.money import Money
from wholeplace.problems import Problem
from wholeplace.web.charts import chart_assets

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

# The sections of the service, in the order the navigation shows them.
SECTIONS = (
    ("funds", "Funds", "/funds"),
    ("business-cases", "Business cases", "/business-cases"),
    ("outcomes", "Outcomes", "/outcomes"),
    ("cases", "Cases", "/cases"),
    ("linkage", "Person index", "/linkage"),
    ("partners", "Partners", "/partners"),
    ("audit", "Audit", "/audit"),
)


def _pounds(pence: int | None) -> str:
    return "" if pence is None else str(Money(pence))


def _whole_pounds(pence: int | None, signed: bool = False) -> str:
    """A headline figure in whole pounds, rounded half up: £1,234 (and +£1,234 with `signed`)."""
    if pence is None:
        return ""
    pounds = (abs(pence) + 50) // 100
    sign = "-" if pence < 0 and pounds else ("+" if signed and pounds else "")
    return f"{sign}£{pounds:,}"


def sections_nav(current_path: str) -> list[dict[str, Any]]:
    """Service navigation items, marking the section the page is in."""
    return [
        {"href": href, "text": text, "active": current_path == href or current_path.startswith(href + "/")}
        for _slug, text, href in SECTIONS
    ]


def make_environment() -> Environment:
    environment = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader([str(directory) for directory in TEMPLATE_DIRS]),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["pounds"] = _pounds
    environment.filters["whole_pounds"] = _whole_pounds
    environment.globals["sections_nav"] = sections_nav
    environment.globals["chart_assets"] = chart_assets
    environment.globals["london"] = LONDON  # times are stored in UTC and shown in London
    return environment


templates = Jinja2Templates(env=make_environment())


def error_summary(problems: list[Problem], field_ids: dict[str, str] | None = None) -> dict[str, Any]:
    """Problems as GOV.UK error summary items and per-field messages (`errors[field]`)."""
    field_ids = field_ids or {}
    items = [{"text": p.message, "href": f"#{field_ids.get(p.where, p.where)}" if p.where else None} for p in problems]
    by_field: dict[str, dict[str, str]] = {}
    for problem in problems:
        by_field.setdefault(problem.where, {"text": problem.message})
    return {"error_list": items, "errors": by_field}


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """A page with the signed-in actor, the CSRF token and the CSP nonce in its context."""
    full = {
        "actor": getattr(request.state, "actor", None),
        "csrf_token": request.state.csrf_token,
        "csp_nonce": request.state.csp_nonce,
        "current_path": request.url.path,
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, full, status_code=status_code)
