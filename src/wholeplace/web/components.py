"""GOV.UK Frontend's table and tag, rendered in Python with the same markup as its Jinja macros.

The library's macros call a macro per cell for attributes and build each cell's attributes as a string: a table of
a fund statement took six milliseconds to render, and a business case's results, with ten tables, nineteen. These
take the same parameters (those our pages use: no `attributes`) and give the same HTML, a tenth of the time:
tests/web/test_components.py proves them equal to the library's macros for any table or tag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape


def govuk_table(params: Mapping[str, Any]) -> Markup:
    """As `govukTable` of GOV.UK Frontend: caption, head, rows of cells, and the first cell of a row as its header."""
    _refuse_attributes("govukTable", params)
    parts = [f'<table class="govuk-table{_classes(params.get("classes"))}">']
    if caption := params.get("caption"):
        parts.append(
            f'<caption class="govuk-table__caption{_classes(params.get("captionClasses"))}">{escape(caption)}</caption>'
        )
    if head := params.get("head"):
        parts.append('<thead class="govuk-table__head"><tr class="govuk-table__row">')
        parts.extend(_cell("th", 'scope="col" ', "govuk-table__header", item) for item in head)
        parts.append("</tr></thead>")
    parts.append('<tbody class="govuk-table__body">')
    first_is_header = bool(params.get("firstCellIsHeader"))
    for row in params.get("rows") or ():
        if row:
            parts.append('<tr class="govuk-table__row">')
            parts.extend(_row(row, first_is_header))
            parts.append("</tr>")
    parts.append("</tbody></table>")
    return Markup("".join(parts))


def govuk_tag(params: Mapping[str, Any]) -> Markup:
    """As `govukTag` of GOV.UK Frontend: a short status in a coloured box."""
    _refuse_attributes("govukTag", params)
    html = params.get("html")
    content = Markup(str(html).strip()) if html else _text(params)
    return Markup(f'<strong class="govuk-tag{_classes(params.get("classes"))}">{content}</strong>')


def _row(row: Sequence[Mapping[str, Any]], first_is_header: bool) -> list[str]:
    cells = []
    for number, cell in enumerate(row):
        _refuse_attributes("govukTable", cell)
        if number == 0 and first_is_header:
            # the library gives a row's header its classes but never a format
            cells.append(_cell("th", 'scope="row" ', "govuk-table__header", {**cell, "format": None}))
        else:
            cells.append(_cell("td", "", "govuk-table__cell", cell))
    return cells


def _cell(tag: str, scope: str, base: str, cell: Mapping[str, Any]) -> str:
    formatted = f" {base}--{escape(cell['format'])}" if cell.get("format") else ""
    classes = base + formatted + _classes(cell.get("classes"))
    spans = "".join(f' {span}="{escape(cell[span])}"' for span in ("colspan", "rowspan") if cell.get(span))
    html = cell.get("html")
    content = Markup(html) if html else _text(cell)
    return f'<{tag} {scope}class="{classes}"{spans}>{content}</{tag}>'


def _text(params: Mapping[str, Any]) -> Markup:
    """The text, escaped; none given shows nothing, but a None given shows as "None", as in the library's macros."""
    return escape(params["text"]) if "text" in params else Markup("")


def _classes(classes: object) -> str:
    return f" {escape(classes)}" if classes else ""


def _refuse_attributes(component: str, params: Mapping[str, Any]) -> None:
    # The library renders attributes by rules of its own (optional, boolean): none of our pages passes any.
    if params.get("attributes"):
        raise ValueError(f"{component} here takes no attributes: use the library's macro for them")
