"""Plotly figures for the outcomes pages: an indicator's trend with its target line, the districts side by
side, and a business case's forecast beside its realised benefits. Figures as floats, for drawing only; every
chart has a table beside it with the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from wholeplace import figures
from wholeplace.outcomes.benefits import Realisation, Side
from wholeplace.outcomes.progress import StatusRow, TrendPoint
from wholeplace.outcomes.status import Status

STATUS_COLOURS = {
    Status.ON_TRACK: figures.GREEN,
    Status.AT_RISK: "#f47738",  # GOV.UK orange
    Status.OFF_TRACK: figures.RED,
}
AXES = {"margin": {"l": 70, "r": 20, "t": 30, "b": 80}}


def trend_figure(points: Sequence[TrendPoint], unit: str) -> dict[str, Any]:
    """Each period's figure as a line, the target as a dashed step line."""
    periods = [str(point.period) for point in points]
    figure = go.Figure(
        data=[
            go.Scatter(
                name="Measured",
                x=periods,
                y=[float(point.value) if point.value is not None else None for point in points],
                mode="lines+markers",
                line={"color": figures.BLUE},
                hovertemplate=f"%{{x}}: %{{y:,}} {unit}<extra>Measured</extra>",
            ),
            go.Scatter(
                name="Target",
                x=periods,
                y=[float(point.target) if point.target is not None else None for point in points],
                mode="lines+markers",  # a target set for one period only is a point, not a line
                line={"color": figures.DARK_GREY, "dash": "dash", "shape": "hv"},
                hovertemplate=f"%{{x}}: %{{y:,}} {unit}<extra>Target</extra>",
            ),
        ],
        layout=figures.layout(height=360, xaxis={"type": "category"}, yaxis={"title": {"text": unit}}, **AXES),
    )
    return figures.as_dict(figure)


def districts_figure(rows: Sequence[StatusRow], unit: str) -> dict[str, Any]:
    """The latest figure of each area as a bar coloured by its status, with each area's target marked."""
    figure = go.Figure(
        data=[
            go.Bar(
                name="Latest",
                x=[row.area for row in rows],
                y=[float(row.latest) if row.latest is not None else None for row in rows],
                marker={"color": [STATUS_COLOURS.get(row.status, figures.MID_GREY) for row in rows]},
                hovertemplate=f"%{{x}}: %{{y:,}} {unit}<extra></extra>",
            ),
            go.Scatter(
                name="Target",
                x=[row.area for row in rows],
                y=[float(row.target) if row.target is not None else None for row in rows],
                mode="markers",
                marker={"symbol": "line-ew-open", "size": 24, "color": "#0b0c0c", "line": {"width": 3}},
                hovertemplate=f"%{{x}} target: %{{y:,}} {unit}<extra></extra>",
            ),
        ],
        # no legend: a bar's colour is its status (the table beside it says which), the black mark its target
        layout=figures.layout(
            height=400,
            showlegend=False,
            xaxis={"type": "category", "tickangle": -45, "automargin": True},
            yaxis={"title": {"text": unit}},
            **AXES,
        ),
    )
    return figures.as_dict(figure)


def realisation_figure(realisation: Realisation) -> dict[str, Any]:
    """Forecast and realised benefits by year (cashable and non-cashable stacked), with costs as lines."""
    years = [str(row.year) for row in realisation.years]
    money = "%{x}: £%{y:,.0f}<extra>%{fullData.name}</extra>"
    columns = (
        ("Forecast", [row.forecast for row in realisation.years], (figures.BLUE, "#5694ca"), "dot"),
        ("Realised", [row.realised for row in realisation.years], (figures.GREEN, figures.TURQUOISE), "solid"),
    )

    def pounds(sides: Sequence[Side | None], part: str) -> list[float | None]:
        return [getattr(side, part).pence / 100 if side is not None else None for side in sides]

    data: list[go.Bar | go.Scatter] = []
    for label, sides, (cash_colour, other_colour), _dash in columns:
        data += [
            go.Bar(
                name=f"{label} cashable",
                x=years,
                y=pounds(sides, "cashable"),
                offsetgroup=label,
                marker={"color": cash_colour},
                hovertemplate=money,
            ),
            go.Bar(
                name=f"{label} non-cashable",
                x=years,
                y=pounds(sides, "non_cashable"),
                offsetgroup=label,
                base=pounds(sides, "cashable"),
                marker={"color": other_colour},
                hovertemplate=money,
            ),
        ]
    for label, sides, _colours, dash in columns:
        data.append(
            go.Scatter(
                name="Forecast costs" if label == "Forecast" else "Spend",
                x=years,
                y=pounds(sides, "costs"),
                mode="lines+markers",
                line={"color": figures.RED, "dash": dash},
                hovertemplate=money,
            )
        )
    figure = go.Figure(
        data=data,
        layout=figures.layout(
            height=420,
            barmode="group",
            xaxis={"type": "category"},
            yaxis={"tickprefix": "£", "tickformat": ",.0f"},
            margin={"l": 100, "r": 20, "t": 30, "b": 80},
        ),
    )
    return figures.as_dict(figure)
