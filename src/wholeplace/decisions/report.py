"""A decision's report laid out like the published papers (seed 000, PCC/038/13), as HTML and as PDF.

`load_decision` finds a decision by its reference through the service's access check; the report is a
plain function of the decision, and WeasyPrint prints it with the machine's own fonts, fetching only
`data:` URLs, so a report never reaches the network. What it shows: docs/funds-exports.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.audit import CONSOLE_PREFIX
from wholeplace.auth.actor import Actor
from wholeplace.decisions import service
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.funds.model import UNALLOCATED_PATH
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import NotFound, Problem
from wholeplace.web.templating import console_words, long_datetime


def load_decision(session: Session, actor: Actor, reference: str) -> Decision:
    """A decision by its reference, like PCC/038/13, through the decisions service's access check."""
    decision_id = session.scalar(select(Decision.id).where(Decision.reference == reference.strip()))
    if decision_id is None:
        raise NotFound([Problem("reference", f"There is no decision {reference}")])
    return service.get_decision(session, actor, decision_id)


TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class ReportLine:
    number: str
    text: str
    source: str
    target: str
    years: str
    amount: Money


def _report_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["long_date"] = lambda day: f"{day.day} {day:%B %Y}" if day else ""
    environment.filters["datetime"] = long_datetime  # stored in UTC, shown in London as on the pages
    environment.filters["actor"] = lambda label: console_words(label) if label.startswith(CONSOLE_PREFIX) else label
    return environment


def decision_report_html(decision: Decision, *, classification: str = "Not Protectively Marked") -> str:
    """The decision's report as HTML: purpose, recommendations with amounts, finance, decision, publication."""
    lines = [
        ReportLine(
            item.number,
            item.text,
            item.from_account.path,
            item.to_account.path,
            str(FinancialYear(item.from_year))
            if item.from_year == item.to_year
            else f"{FinancialYear(item.from_year)} to {FinancialYear(item.to_year)}",
            Money(item.amount_pence),
        )
        for item in decision.recommendations
    ]
    into_pool = Money.total(line.amount for line in lines if line.target == UNALLOCATED_PATH)
    from_pool = Money.total(
        line.amount for line in lines if line.source == UNALLOCATED_PATH and line.target.startswith("Themes:")
    )
    return (
        _report_environment()
        .get_template("reports/decision_report.html")
        .render(
            decision=decision,
            classification=classification,
            lines=lines,
            into_pool=into_pool,
            from_pool=from_pool,
            stated_total=Money(decision.stated_total_pence) if decision.stated_total_pence is not None else None,
            checks=service.figure_checks(decision),
            approved=decision.status is DecisionStatus.APPROVED,
            rejected=decision.status is DecisionStatus.REJECTED,
        )
    )


def decision_report_pdf(html: str) -> bytes:
    """The report as PDF. Only data: URLs may be fetched, so a report never reaches the network."""
    from weasyprint import HTML  # imported here: WeasyPrint loads its fonts and libraries on import
    from weasyprint.urls import URLFetcher

    return HTML(string=html, base_url=str(TEMPLATES), url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
