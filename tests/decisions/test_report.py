"""The printed decision report: the decision's own date and signatory, and totals printed once however long it runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session
from weasyprint import HTML

from tests.funds.test_ledger import DECIDER, PCC, contribute, draft, make_fund, move
from wholeplace.decisions import report
from wholeplace.decisions import service as decisions
from wholeplace.web.templating import long_datetime


def page_texts(html: str) -> list[str]:
    """The text laid out on each printed page, in order (as WeasyPrint places it)."""
    texts = []
    for page in HTML(string=html).render().pages:
        boxes = page._page_box.descendants()  # WeasyPrint's own tests read a page's text this way
        texts.append(" ".join(box.text for box in boxes if hasattr(box, "text")))
    return texts


def test_the_report_gives_the_day_decided_and_the_signatory_and_says_when_it_was_recorded(session: Session) -> None:
    fund = make_fund(session)
    decision = contribute(session, fund, "290000")  # approved on its report's day; now one signed in 2013:
    decision = draft(session, fund, move("1000", "Pool:Unallocated", "Themes:Strategic Pool"), reference="PCC/039/13")
    decisions.approve_decision(
        session, DECIDER, decision_id=decision.id, signature=decisions.Signature(dt.date(2013, 7, 30), PCC)
    )

    html = report.decision_report_html(decision)

    assert '<th scope="row">Date of Decision</th><td>30 July 2013</td>' in html
    assert f"Signed: <strong>{PCC}</strong>, on 30 July 2013" in html
    # when it was recorded, in London as on the pages: "on 5 December 2026 at 21:14."
    assert f"Recorded in wholeplace by pcc@essex.example on {long_datetime(decision.recorded_at)}." in html


def test_a_list_that_runs_over_pages_prints_its_totals_once_after_the_last_line(session: Session) -> None:
    fund = make_fund(session)
    contribute(session, fund, "290000")
    lines = [
        move("100", "Pool:Unallocated", f"Themes:Strategic Pool:Project {n:02}", number=f"2.{n}") for n in range(1, 71)
    ]
    decision = draft(session, fund, *lines, reference="PCC/040/13")

    pages = page_texts(report.decision_report_html(decision))

    listing = [n for n, text in enumerate(pages) if "Project " in text]
    assert len(listing) >= 2, "seventy recommendations should run over more than one page"
    totals = [n for n, text in enumerate(pages) if "Allocated from the pool to themes and projects" in text]
    assert totals == [listing[-1]]  # once, on the page with the last line, not under each part of the list
    last_page = pages[listing[-1]]
    assert last_page.index("Project 70") < last_page.index("Allocated from the pool to themes and projects")
