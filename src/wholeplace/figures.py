"""Plotly figures in the house style, shared by every feature's charts: GOV.UK type and colours, and Sankeys
whose nodes sit in columns we choose. Pounds are floats here, for drawing only, never for sums.

The pages draw the figures with web/static/charts.js; a table beside every chart gives the same figures.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import plotly.graph_objects as go

from wholeplace.money import Money

FONT = '"GDS Transport", arial, sans-serif'
# GOV.UK colours (design-system.service.gov.uk/styles/colour).
BLUE, DARK_GREY, GREEN, TURQUOISE, MID_GREY, RED = "#1d70b8", "#505a5f", "#00703c", "#28a197", "#b1b4b6", "#d4351c"
LINK_COLOUR = "rgba(80, 90, 95, 0.25)"
PAD = 24  # pixels between the nodes of a Sankey column

Node = TypeVar("Node", bound=Hashable)


def layout(*, height: int = 420, title: str = "", **extra: Any) -> go.Layout:
    """The house layout: GOV.UK type on white, no Plotly theme."""
    options: dict[str, Any] = {
        "margin": {"l": 10, "r": 10, "t": 60 if title else 30, "b": 30},
        "legend": {"orientation": "h", "y": -0.2},
    }
    return go.Layout(
        template="none",
        title={"text": title} if title else None,
        font={"family": FONT, "size": 14, "color": "#0b0c0c"},
        height=height,
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        **(options | extra),
    )


def as_dict(figure: go.Figure) -> dict[str, Any]:
    """The figure as plain JSON data (`data` and `layout`), ready for `Plotly.newPlot`."""
    result: dict[str, Any] = json.loads(figure.to_json())
    return result


def escaped(name: str) -> str:
    """plotly.js reads labels as a little HTML (<br>, <b>, <a>): names are escaped to show as written."""
    return html.escape(name, quote=False)


@dataclass(frozen=True)
class Link(Generic[Node]):
    source: Node
    target: Node
    amount: Money


def sankey(
    columns: Sequence[Sequence[Node]],
    links: Sequence[Link[Node]],
    *,
    label: Callable[[Node], str],
    colour: Callable[[Node], str],
    link_hover: Callable[[Link[Node]], str],
    title: str = "",
) -> dict[str, Any]:
    """A Sankey whose nodes sit in the given columns, in the given order, sized by what passes through them.

    plotly.js orders the links at each node from its own first layout and keeps that order when nodes
    are placed by x and y; `align="left"` makes that first layout put nodes in the same columns as ours,
    so the links do not cross. Labels and hover texts are HTML to plotly.js: escape names with `escaped`.
    """
    columns = [list(column) for column in columns if column]
    totals = node_totals(links)
    height = max(420, 56 * max((len(column) for column in columns), default=1) + 40)
    positions = _positions(columns, totals, pad=PAD / height)
    index = {node: number for number, node in enumerate(positions)}
    trace = go.Sankey(
        arrangement="snap",
        valueformat=",.2f",
        node={
            "label": [label(node) for node in index],
            "color": [colour(node) for node in index],
            "align": "left",
            "x": [positions[node][0] for node in index],
            "y": [positions[node][1] for node in index],
            "pad": PAD,
            "thickness": 16,
            "line": {"color": "#ffffff", "width": 1},
            "hovertemplate": "%{label}<extra></extra>",
        },
        link={
            "source": [index[link.source] for link in links],
            "target": [index[link.target] for link in links],
            "value": [float(link.amount.pounds) for link in links],
            "color": LINK_COLOUR,
            "customdata": [link_hover(link) for link in links],
            "hovertemplate": "%{customdata}<extra></extra>",
        },
    )
    return as_dict(go.Figure(data=[trace], layout=layout(height=height, title=title)))


def node_totals(links: Sequence[Link[Node]]) -> dict[Node, Money]:
    """What passes through each node: the larger of what flows in and what flows out."""
    into: dict[Node, Money] = {}
    out: dict[Node, Money] = {}
    for link in links:
        into[link.target] = into.get(link.target, Money(0)) + link.amount
        out[link.source] = out.get(link.source, Money(0)) + link.amount
    return {node: max(into.get(node, Money(0)), out.get(node, Money(0))) for node in {*into, *out}}


def _positions(
    columns: Sequence[Sequence[Node]], totals: dict[Node, Money], *, pad: float
) -> dict[Node, tuple[float, float]]:
    """Each node's x (its column) and y (its centre), from 0 to 1, stacked as plotly.js would size them.
    plotly.js wants positions strictly inside (0, 1)."""
    scale = min(
        ((1 - pad * (len(column) - 1)) / max(sum(totals[n].pence for n in column), 1) for column in columns), default=0
    )
    positions: dict[Node, tuple[float, float]] = {}
    for number, column in enumerate(columns):
        x = 0.001 + 0.998 * number / max(len(columns) - 1, 1)
        top = 0.0
        for node in column:
            size = totals[node].pence * scale
            positions[node] = (round(x, 4), round(min(max(top + size / 2, 0.001), 0.999), 4))
            top += size + pad
    return positions
