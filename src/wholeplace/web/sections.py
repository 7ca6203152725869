"""The home page: each section of the service and what it holds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from wholeplace.web.deps import PageActor
from wholeplace.web.templating import render

pages = APIRouter(include_in_schema=False)


@pages.get("/", response_class=HTMLResponse)
def home(request: Request, actor: PageActor) -> HTMLResponse:
    return render(request, "home.html")
