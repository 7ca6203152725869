"""The fund's Sankey chart: money from partners into the pool, on to themes and projects, and what is left.

`flows` lists the chart's links in exact money, so a page can show the same figures as a table;
`figure` turns them into a Plotly figure (pounds as floats, for drawing only, never for sums).
plotly.js and its stylesheet are served from the installed plotly package, never from a CDN.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any, Literal

import plotly.graph_objects as go

from wholeplace.funds.engine import FundStatement
from wholeplace.money import Money

NodeKind = Literal["partner", "pool", "theme", "project", "unallocated"]

# GOV.UK colours (design-system.service.gov.uk/styles/colour): blue, dark grey, green, turquoise, mid grey.
COLOURS: dict[NodeKind, str] = {
    "partner": "#1d70b8",
    "pool": "#505a5f",
    "theme": "#00703c",
    "project": "#28a197",
    "unallocated": "#b1b4b6",
}
LINK_COLOUR = "rgba(80, 90, 95, 0.25)"
FONT = '"GDS Transport", arial, sans-serif'


@dataclass(frozen=True)
class Node:
    kind: NodeKind
    name: str
    theme: str | None = None  # a project's theme, so two themes' projects of one name stay apart

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Flow:
    source: Node
    target: Node
    amount: Money


def flows(statement: FundStatement, *, pool: str = "Pooled fund") -> list[Flow]:
    """Every link of the chart, in pence: partners to the pool, the pool to themes and the unallocated
    remainder, themes to their projects. Money a theme holds beside its projects gets a node of its own."""
    pool_node = Node("pool", pool)
    links = [
        Flow(Node("partner", partner), pool_node, amount)
        for partner, amount in statement.contributed_by_partner
        if amount.pence > 0
    ]
    for theme, allocated, lines in statement.themes():
        theme_node = Node("theme", theme)
        if allocated.pence > 0:
            links.append(Flow(pool_node, theme_node, allocated))
        has_projects = any(line.project for line in lines)
        for line in lines:
            if line.allocated.pence <= 0 or not (line.project or has_projects):
                continue
            name = line.project or f"{theme}: not yet given to a project"
            links.append(Flow(theme_node, Node("project", name, theme), line.allocated))
    if statement.unallocated.pence > 0:
        links.append(Flow(pool_node, Node("unallocated", "Unallocated"), statement.unallocated))
    return links


def figure(statement: FundStatement, *, pool: str = "Pooled fund", title: str = "") -> dict[str, Any]:
    """The Sankey as a Plotly figure dict (`data` and `layout`), ready for `Plotly.newPlot`.

    Nodes sit in columns by kind (partners, the pool, themes and the unallocated remainder, projects),
    so a theme without projects stays beside the other themes instead of drifting to the right edge.
    plotly.js orders the links at each node from its own first layout and keeps that order when nodes
    are placed by x and y; `align="left"` makes that first layout put nodes in the same columns as ours,
    so the links do not cross.
    """
    links = flows(statement, pool=pool)
    totals = _node_totals(links)
    columns = _columns(links)
    height = max(420, 56 * max((len(nodes) for nodes in columns), default=1) + 40)
    positions = _positions(columns, totals, pad=PAD / height)
    nodes = {node: index for index, node in enumerate(positions)}
    sankey = go.Sankey(
        arrangement="snap",
        valueformat=",.2f",
        node={
            # plotly.js reads labels as a little HTML (<br>, <b>, <a>): names are escaped to show as written.
            "label": [f"{_escaped(node.label)}<br>{totals[node]}" for node in nodes],
            "color": [COLOURS[node.kind] for node in nodes],
            "align": "left",
            "x": [positions[node][0] for node in nodes],
            "y": [positions[node][1] for node in nodes],
            "pad": PAD,
            "thickness": 16,
            "line": {"color": "#ffffff", "width": 1},
            "hovertemplate": "%{label}<extra></extra>",
        },
        link={
            "source": [nodes[link.source] for link in links],
            "target": [nodes[link.target] for link in links],
            "value": [float(link.amount.pounds) for link in links],
            "color": LINK_COLOUR,
            "customdata": [[_escaped(link.source.label), _escaped(link.target.label)] for link in links],
            "hovertemplate": "%{customdata[0]} to %{customdata[1]}: £%{value:,.2f}<extra></extra>",
        },
    )
    chart = go.Figure(
        data=[sankey],
        layout=go.Layout(
            template="none",
            title={"text": title} if title else None,
            font={"family": FONT, "size": 14, "color": "#0b0c0c"},
            margin={"l": 10, "r": 10, "t": 60 if title else 30, "b": 30},
            height=height,
            paper_bgcolor="#ffffff",
        ),
    )
    result: dict[str, Any] = json.loads(chart.to_json())
    return result


PAD = 24  # pixels between nodes in a column
COLUMN_OF: dict[NodeKind, int] = {"partner": 0, "pool": 1, "theme": 2, "unallocated": 2, "project": 3}


def _escaped(name: str) -> str:
    return html.escape(name, quote=False)


def _node_totals(links: list[Flow]) -> dict[Node, Money]:
    """What passes through each node: the larger of what flows in and what flows out."""
    into: dict[Node, Money] = {}
    out: dict[Node, Money] = {}
    for link in links:
        into[link.target] = into.get(link.target, Money(0)) + link.amount
        out[link.source] = out.get(link.source, Money(0)) + link.amount
    return {node: max(into.get(node, Money(0)), out.get(node, Money(0))) for node in {*into, *out}}


def _columns(links: list[Flow]) -> list[list[Node]]:
    """Nodes by column, each column in the order the flows name them; empty columns dropped."""
    columns: list[list[Node]] = [[] for _ in range(max(COLUMN_OF.values()) + 1)]
    for link in links:
        for node in (link.source, link.target):
            column = columns[COLUMN_OF[node.kind]]
            if node not in column:
                column.append(node)
    for column in columns:  # the unallocated remainder goes under the themes
        column.sort(key=lambda node: node.kind == "unallocated")
    return [column for column in columns if column]


def _positions(columns: list[list[Node]], totals: dict[Node, Money], *, pad: float) -> dict[Node, tuple[float, float]]:
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
