"""The fund's Sankey chart: money from partners into the pool, on to themes and projects, and what is left.

`flows` lists the chart's links in exact money, so a page can show the same figures as a table;
`figure` turns them into a Plotly figure (pounds as floats, for drawing only, never for sums).
plotly.js and its stylesheet are served from the installed plotly package, never from a CDN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from wholeplace import figures
from wholeplace.funds.engine import FundStatement

NodeKind = Literal["partner", "pool", "theme", "project", "unallocated"]

COLOURS: dict[NodeKind, str] = {
    "partner": figures.BLUE,
    "pool": figures.DARK_GREY,
    "theme": figures.GREEN,
    "project": figures.TURQUOISE,
    "unallocated": figures.MID_GREY,
}


@dataclass(frozen=True)
class Node:
    kind: NodeKind
    name: str
    theme: str | None = None  # a project's theme, so two themes' projects of one name stay apart

    @property
    def label(self) -> str:
        return self.name


Flow = figures.Link[Node]


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
    """The Sankey as a Plotly figure dict. Nodes sit in columns by kind (partners, the pool, themes and the
    unallocated remainder, projects), so a theme without projects stays beside the other themes instead of
    drifting to the right edge."""
    links = flows(statement, pool=pool)
    totals = figures.node_totals(links)
    return figures.sankey(
        _columns(links),
        links,
        label=lambda node: f"{figures.escaped(node.label)}<br>{totals[node]}",
        colour=lambda node: COLOURS[node.kind],
        link_hover=lambda link: (
            f"{figures.escaped(link.source.label)} to {figures.escaped(link.target.label)}: {link.amount}"
        ),
        title=title,
    )


COLUMN_OF: dict[NodeKind, int] = {"partner": 0, "pool": 1, "theme": 2, "unallocated": 2, "project": 3}


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
