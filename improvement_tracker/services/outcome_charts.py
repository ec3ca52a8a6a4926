"""The outcome pages' charts, drawn from the tables shown beneath them (services.outcome_pages), in
plotly's figure format as plain dicts like services.charts: each series is named, has its own marker
shape and dash, and the table below gives the same numbers."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from improvement_tracker.services.charts import FONT, SERIES, SYMBOLS, Figure, _figure, _number, to_json
from improvement_tracker.services.outcome_figures import Measure
from improvement_tracker.services.tables import Table

AXIS_TITLES = {"count": "Number in the quarter", "percentage": "%", "days": "Days"}
DASHES = ["solid", "dash", "dot"]

__all__ = ["force_measure", "frozen_rates", "progress", "to_json", "trend"]


def _line(name: str, x: list[str], y: list[Any], index: int, **extra) -> dict:
    return {"type": "scatter", "name": name, "x": x, "y": [_number(v) for v in y], "mode": "lines+markers",
            "line": {"color": SERIES[index % len(SERIES)], "width": 2, "dash": DASHES[index % len(DASHES)]},
            "marker": {"symbol": SYMBOLS[index % len(SYMBOLS)], "size": 7}, **extra}


def force_measure(table: Table, measure: Measure, *, baseline: Decimal | None,
                  with_national: bool) -> Figure:
    """A force's measure quarter by quarter, its 2019 average as a level line and, for a rate or a
    median, England and Wales beside it (a national count is on another scale)."""
    x = table.column(0)
    lines = [_line(table.headers[1], x, table.column(1), 0)]
    if with_national:
        lines.append(_line(table.headers[4], x, table.column(4), 1))
    if baseline is not None:
        lines.append({"type": "scatter", "name": "The force's 2019 average", "x": x,
                      "y": [float(baseline)] * len(x), "mode": "lines",
                      "line": {"color": "#0b0c0c", "width": 2, "dash": "dot"}})
    return _figure(lines, table.title, height=360,
                   yaxis={"title": {"text": AXIS_TITLES[measure.unit]}, "rangemode": "tozero"})


def trend(table: Table, measure: Measure) -> Figure:
    """England and Wales, the pathfinder cohort and the other forces, quarter by quarter."""
    x = table.column(0)
    lines = [_line(name, x, table.column(i), i - 1) for i, name in enumerate(table.headers[1:], start=1)]
    axis = "× the 2019 average" if measure.unit == "count" else AXIS_TITLES[measure.unit]
    return _figure(lines, table.title, height=380, yaxis={"title": {"text": axis}, "rangemode": "tozero"})


def progress(table: Table) -> Figure:
    """Each force's % of plan complete against the change in its charge rate since 2019: one point
    per force, named on hover and in the table below."""
    rows = [r for r in table.rows if r[2] != "" and r[3] != ""]
    point = {"type": "scatter", "mode": "markers", "name": "Forces",
             "x": [r[2] for r in rows], "y": [r[3] for r in rows], "text": [r[0] for r in rows],
             "hovertemplate": "%{text}: %{x}% complete, %{y} points<extra></extra>",
             "marker": {"color": SERIES[0], "size": 9, "symbol": "circle", "line": {"color": "#0b0c0c", "width": 1}}}
    return _figure([point], table.title, height=400, showlegend=False,
                   xaxis={"title": {"text": "% of plan complete", "font": FONT}, "range": [0, 100]},
                   yaxis={"title": {"text": "Charge rate against 2019 (percentage points)"}, "zeroline": True})


def frozen_rates(rows: list[dict]) -> str | None:
    """A submitted return's rates against the force's 2019 average, as JSON, or None when it has no
    rate. Built with plotly's figure API, which validates every property: a version's page writes it
    once and keeps it (services.kept), so its cost is never paid again for that version."""
    import plotly.graph_objects as go

    rates = [r for r in rows if r["unit"] == "percentage" and (r["value"] is not None or r["baseline"] is not None)]
    if not rates:
        return None
    names = [r["name"] for r in rates]

    def bar(label: str, key: str, index: int) -> go.Bar:
        values = [None if r[key] is None else float(r[key]) for r in rates]
        return go.Bar(name=label, x=names, y=values, text=[r[key] or "" for r in rates], textposition="outside",
                      marker={"color": SERIES[index], "line": {"color": "#0b0c0c", "width": 1},
                              "pattern": {"shape": ["", "/"][index], "fgcolor": "#ffffff", "fillmode": "overlay"}})

    figure = go.Figure(data=[bar("The quarter", "value", 0), bar("The force's 2019 average", "baseline", 1)])
    figure.update_layout(barmode="group", font=FONT, height=380, paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
                         margin={"l": 60, "r": 20, "t": 30, "b": 60}, legend={"orientation": "h", "y": -0.2},
                         yaxis={"title": {"text": "%"}, "rangemode": "tozero"},
                         meta={"title": "Rates in the quarter against the 2019 average"})
    return to_json(json.loads(figure.to_json()))
