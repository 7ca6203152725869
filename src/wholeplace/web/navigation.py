"""The sections of the service: what the top navigation and the home page offer each user.

A section shows only to a user whose roles let them open it. Every section's page is served (a test checks), so
none is shown as if it were live while it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wholeplace.auth.actor import Actor, allowed


@dataclass(frozen=True)
class Section:
    name: str
    href: str
    summary: str  # what the home page says it holds
    permission: str | None = None  # None: every signed-in user may open it


SECTIONS = (
    Section(
        "Funds",
        "/funds",
        "Pooled budgets that partners pay into, held in a double-entry ledger: statements as at any date, and "
        "what each partner put in and where it went.",
    ),
    Section(
        "Decisions",
        "/decisions",
        "The decisions that authorise every movement of money: their recommendations, who signed them and when.",
    ),
    Section(
        "Section 75",
        "/section75",
        "Pooled funds held under a section 75 agreement: each partner's instalments, the agreed shares of any "
        "overspend or underspend, and the year-end settlement.",
        "section75.view",
    ),
    Section("Meetings", "/meetings", "Meetings of the partnership's boards, their decisions and numbered actions."),
    Section(
        "Business cases",
        "/business-cases",
        "Cost-benefit appraisals in the HM Treasury method for local partnerships: who pays, who gains, fair shares "
        "of the cost, uncertainty, and the portfolio.",
    ),
    Section(
        "Outcomes",
        "/outcomes",
        "The joint outcomes framework every partner holds itself to: indicators with baselines, targets and status "
        "by area, grant returns, benefits realised against business cases, and payment by results.",
    ),
    Section(
        "Cases",
        "/cases",
        "Multi-agency casework for victims, perpetrators, families and offenders: one gateway for referrals, a "
        "common risk checklist, MARAC, a key worker and one plan, shared only under information sharing agreements "
        "and consent.",
    ),
    Section(
        "Person index",
        "/linkage",
        "The partners' records of one person found and linked across their systems, for the data and intelligence hub.",
        "linkage.manage",
    ),
    Section(
        "Partners",
        "/partners",
        "The councils, police, health, probation, fire and voluntary sector bodies in the place, and the areas "
        "they serve.",
    ),
    Section("Users", "/admin/users", "Who may sign in, for which partner, and in which roles.", "users.view"),
    Section("Audit", "/audit", "Every sign-in and every change, in words, in a tamper-evident trail.", "audit.view"),
)


def sections_for(actor: Actor | None) -> list[Section]:
    """The sections this user may open."""
    if actor is None:
        return []
    return [section for section in SECTIONS if section.permission is None or allowed(actor, section.permission)]


def navigation_items(sections: list[Section], current_path: str) -> list[dict[str, Any]]:
    """GOV.UK service navigation items, marking the section the page is in."""
    return [
        {
            "href": section.href,
            "text": section.name,
            "active": current_path == section.href or current_path.startswith(section.href + "/"),
        }
        for section in sections
    ]
