"""The home page, and the sections whose features are still to come, each saying what it will hold."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from wholeplace.web.deps import PageActor
from wholeplace.web.templating import render

pages = APIRouter(include_in_schema=False)

COMING = {
    "outcomes": (
        "Outcomes",
        "The joint outcomes framework that all partners hold themselves to.",
        [
            "indicators, baselines and targets, such as 'all crime down 7%'",
            "measurements over time and grant performance monitoring",
            "payment by results",
        ],
    ),
}


@pages.get("/", response_class=HTMLResponse)
def home(request: Request, actor: PageActor) -> HTMLResponse:
    return render(request, "home.html", {"coming": COMING})


def _section(slug: str):  # type: ignore[no-untyped-def]
    title, summary, items = COMING[slug]

    def page(request: Request, actor: PageActor) -> HTMLResponse:
        return render(request, "section.html", {"title": title, "summary": summary, "items": items, "section": slug})

    return page


for _slug in COMING:
    pages.add_api_route(
        f"/{_slug}",
        _section(_slug),
        methods=["GET"],
        response_class=HTMLResponse,
        name=f"section_{_slug.replace('-', '_')}",
    )
