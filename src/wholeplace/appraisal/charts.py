"""Plotly figures for a business case's results page: flows by year. Pounds as floats, for drawing only.

The page shows the same figures in a table under each chart; plotly.js is served by web/charts.py.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from wholeplace import figures
from wholeplace.appraisal.engine import Appraisal

COST_COLOUR, BENEFIT_COLOUR, FISCAL_COLOUR = figures.RED, figures.GREEN, figures.BLUE
AXES = {"margin": {"l": 90, "r": 20, "t": 30, "b": 60}}


def flows_figure(appraisal: Appraisal) -> dict[str, Any]:
    """Discounted costs and benefits by year as bars, with the cumulative lines that decide payback."""
    years = [str(flow.year) for flow in appraisal.flows]

    def pounds(values: list[int]) -> list[float]:
        return [value / 100 for value in values]

    figure = go.Figure(
        data=[
            go.Bar(
                name="Costs (present value)",
                x=years,
                y=pounds([flow.pv_costs.pence for flow in appraisal.flows]),
                marker={"color": COST_COLOUR},
                hovertemplate="%{x}: £%{y:,.2f}<extra>Costs</extra>",
            ),
            go.Bar(
                name="Benefits (present value)",
                x=years,
                y=pounds([flow.pv_benefits.pence for flow in appraisal.flows]),
                marker={"color": BENEFIT_COLOUR},
                hovertemplate="%{x}: £%{y:,.2f}<extra>Benefits</extra>",
            ),
            go.Scatter(
                name="Cumulative costs",
                x=years,
                y=pounds([flow.cumulative_pv_costs.pence for flow in appraisal.flows]),
                mode="lines+markers",
                line={"color": COST_COLOUR, "dash": "dot"},
                hovertemplate="%{x}: £%{y:,.2f}<extra>Cumulative costs</extra>",
            ),
            go.Scatter(
                name="Cumulative fiscal benefits",
                x=years,
                y=pounds([flow.cumulative_pv_fiscal_benefits.pence for flow in appraisal.flows]),
                mode="lines+markers",
                line={"color": FISCAL_COLOUR},
                hovertemplate="%{x}: £%{y:,.2f}<extra>Cumulative fiscal benefits</extra>",
            ),
        ],
        layout=figures.layout(
            barmode="group", yaxis={"tickprefix": "£", "tickformat": ",.0f"}, xaxis={"type": "category"}, **AXES
        ),
    )
    return figures.as_dict(figure)
