"""Charts: plotly.js and its styles served from the installed plotly package, never from a CDN.

A page carries each Plotly figure as a JSON data block and `static/charts.js` draws it; the figures are
built in Python by each feature (funds/sankey.py, appraisal/charts.py), with a table of the same figures
beside every chart. `chart_assets` gives a page what its <head> and <body> need to load them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import plotly
from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from wholeplace.problems import NotFound
from wholeplace.web.deps import PageActor

pages = APIRouter(include_in_schema=False)
ASSET_CACHE = {"Cache-Control": "private, max-age=86400"}

# plotly.js from the installed Python package: the page loads it from us, never from a CDN.
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"

# plotly.js writes styles into <style> elements it creates, which `style-src 'self'` refuses:
# - its base rules, unless the page has an element with id `plotly.js-style-global` and the class
#   `no-inline-styles` (plotly.js pull request 7109);
# - CSS bundled with its dependencies (maplibre's), unless the page has an element with the id it checks for.
# So we read the same rules out of the installed bundle, serve them as stylesheets, and link each with that id.
BASE_STYLE_ID = "plotly.js-style-global"
_STRING = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
_RULE = re.compile(r"\s*(?:" + _STRING + r"|([A-Za-z_$][\w$]*))\s*:\s*" + _STRING + r"\s*([,}])")
_BUNDLED = re.compile(
    r'if\(!document\.getElementById\("([\w-]+)"\)\)\{var (\w+)=document\.createElement\("style"\);'
    r"\2\.id=\"\1\",\2\.textContent='((?:[^'\\]|\\.)*)'"
)


class PlotlyStylesMissing(RuntimeError):
    """The installed plotly.js no longer holds its styles where we look for them."""


@dataclass(frozen=True)
class Stylesheet:
    name: str  # served at /charts/<name>.css
    element_id: str  # the id plotly.js looks for before it writes a <style> element
    css: str
    classes: str = ""


@cache
def plotly_stylesheets() -> dict[str, Stylesheet]:
    """Every stylesheet plotly.js would otherwise write inline, read out of the installed bundle."""
    bundle = PLOTLY_JS.read_text(encoding="utf-8")
    sheets = [Stylesheet("plotly", BASE_STYLE_ID, _base_rules(bundle), "no-inline-styles")]
    sheets += [
        Stylesheet(f"plotly-bundled-{number}", match[1], _unescape(match[3]) + "\n")
        for number, match in enumerate(_BUNDLED.finditer(bundle), start=1)
    ]
    if bundle.count('createElement("style")') != len(sheets):
        raise PlotlyStylesMissing(f"{PLOTLY_JS} writes <style> elements we do not serve; see web/charts.py")
    return {sheet.name: sheet for sheet in sheets}


def _base_rules(bundle: str) -> str:
    """plotly.js's base rules (its `build/plotcss.js`): selectors use X for the plot, Y for the notifier."""
    start = bundle.find('{"X,X div":')
    if start < 0:
        raise PlotlyStylesMissing(f"No base styles found in {PLOTLY_JS}; see web/charts.py")
    rules, position = [], start + 1
    while match := _RULE.match(bundle, position):
        key = _unescape(next(group for group in match.groups()[:3] if group is not None))
        value = _unescape(match[4] if match[4] is not None else match[5])
        selector = re.sub(r"^,", " ,", key).replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector} {{{value}}}")
        position = match.end()
        if match[6] == "}":
            break
    if not any(".main-svg {position:absolute" in rule for rule in rules):
        raise PlotlyStylesMissing(f"The base styles in {PLOTLY_JS} are not in the shape expected; see web/charts.py")
    return "\n".join(rules) + "\n"


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def chart_assets() -> dict[str, Any]:
    """What a page with charts links: the version (to bust caches) and the stylesheets plotly.js looks for."""
    return {"version": plotly.__version__, "styles": list(plotly_stylesheets().values())}


# Not under /static: that mount answers for every path below it. Signed-in pages are the only ones with charts.
@pages.get("/charts/plotly.min.js")
def plotly_js(actor: PageActor) -> FileResponse:
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers=ASSET_CACHE)


@pages.get("/charts/{name}.css")
def plotly_css(actor: PageActor, name: str) -> Response:
    sheet = plotly_stylesheets().get(name)
    if sheet is None:
        raise NotFound(f"There is no stylesheet {name}")
    return Response(sheet.css, media_type="text/css", headers=ASSET_CACHE)
