"""Plotly figures for a business case's results page: flows by year, the simulated NPVs, the tornado.
Pounds as floats, for drawing only.

The page shows the same figures in a table under each chart; plotly.js is served by web/charts.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from wholeplace import figures
from wholeplace.appraisal.results import Appraisal
from wholeplace.appraisal.uncertainty import Simulation, TornadoBar
from wholeplace.money import Money

COST_COLOUR, BENEFIT_COLOUR, FISCAL_COLOUR = figures.RED, figures.GREEN, figures.BLUE
AXES = {"margin": {"l": 90, "r": 20, "t": 30, "b": 60}}


def flows_figure(appraisal: Appraisal) -> dict[str, Any]:
    """Discounted costs and benefits by year as bars, with the cumulative lines that decide payback."""
    years = [str(flow.year) for flow in appraisal.flows]

    def series(trace: type[go.Bar] | type[go.Scatter], name: str, field: str, **style: Any) -> go.Bar | go.Scatter:
        amounts = [getattr(flow, field).pence / 100 for flow in appraisal.flows]
        return trace(name=name, x=years, y=amounts, hovertemplate=f"%{{x}}: £%{{y:,.2f}}<extra>{name}</extra>", **style)

    line = {"mode": "lines+markers"}
    figure = go.Figure(
        data=[
            series(go.Bar, "Costs (present value)", "pv_costs", marker={"color": COST_COLOUR}),
            series(go.Bar, "Benefits (present value)", "pv_benefits", marker={"color": BENEFIT_COLOUR}),
            series(
                go.Scatter,
                "Cumulative costs",
                "cumulative_pv_costs",
                line={"color": COST_COLOUR, "dash": "dot"},
                **line,
            ),
            series(
                go.Scatter,
                "Cumulative fiscal benefits",
                "cumulative_pv_fiscal_benefits",
                line={"color": FISCAL_COLOUR},
                **line,
            ),
        ],
        layout=figures.layout(
            barmode="group", yaxis={"tickprefix": "£", "tickformat": ",.0f"}, xaxis={"type": "category"}, **AXES
        ),
    )
    return figures.as_dict(figure)


def histogram_figure(simulation: Simulation, *, bins: int = 40) -> dict[str, Any]:
    """The draws' public value NPVs binned, with the P10, P50 and P90 marked: binned here, so the page carries
    a few dozen bars rather than every draw."""
    counts, edges = np.histogram(simulation.total_pence / 100, bins=bins)
    centres = (edges[:-1] + edges[1:]) / 2
    summary = simulation.npv_total
    marks = [("P10", summary.p10), ("P50", summary.p50), ("P90", summary.p90)]
    figure = go.Figure(
        data=[
            go.Bar(
                x=centres.tolist(),
                y=counts.tolist(),
                width=float(edges[1] - edges[0]),
                marker={"color": figures.BLUE},
                name="Draws",
                hovertemplate="NPV around £%{x:,.0f}: %{y} draws<extra></extra>",
            )
        ],
        layout=figures.layout(
            xaxis={"tickprefix": "£", "tickformat": ",.0f", "title": {"text": "Net present value, public value"}},
            yaxis={"title": {"text": "Draws"}},
            shapes=[
                {
                    "type": "line",
                    "x0": float(amount.pounds),
                    "x1": float(amount.pounds),
                    "y0": 0,
                    "y1": 1,
                    "yref": "paper",
                    "line": {"color": figures.DARK_GREY, "dash": "dash"},
                }
                for _, amount in marks
            ],
            annotations=[
                {
                    "x": float(amount.pounds),
                    "y": 1,
                    "yref": "paper",
                    "text": label,
                    "showarrow": False,
                    "yanchor": "bottom",
                }
                for label, amount in marks
            ],
            showlegend=False,
            **AXES,
        ),
    )
    return figures.as_dict(figure)


def tornado_figure(bars: Sequence[TornadoBar], central: Money) -> dict[str, Any]:
    """One bar per uncertain input, from the NPV at its P10 to the NPV at its P90, widest swing at the top,
    around the NPV at central values."""
    ordered = list(reversed(bars))  # plotly draws the first category at the bottom
    base = float(central.pounds)
    names = [bar.label for bar in ordered]

    def trace(name: str, ends: list[Money], colour: str) -> go.Bar:
        return go.Bar(
            name=name,
            y=names,
            x=[float(end.pounds) - base for end in ends],
            base=base,
            orientation="h",
            marker={"color": colour},
            customdata=[str(end) for end in ends],
            hovertemplate="%{y}: NPV %{customdata}<extra>" + name + "</extra>",
        )

    figure = go.Figure(
        data=[
            trace("Input at its P10", [bar.npv_total_at_low for bar in ordered], figures.RED),
            trace("Input at its P90", [bar.npv_total_at_high for bar in ordered], figures.GREEN),
        ],
        layout=figures.layout(
            height=max(260, 60 + 44 * len(ordered)),
            barmode="overlay",
            legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
            xaxis={"tickprefix": "£", "tickformat": ",.0f"},
            yaxis={"type": "category", "automargin": True},
            margin={"l": 20, "r": 20, "t": 50, "b": 40},
        ),
    )
    return figures.as_dict(figure)
