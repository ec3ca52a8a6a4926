"""Plotly figures drawn from dashboard tables, handed to the browser as JSON.

Figures are built here from the same `Table` the page shows beside the chart, so the two
cannot disagree. They are plain dicts in plotly's figure format (`{"data": [...], "layout":
{...}}`), not plotly.graph_objects: building and validating graph objects cost 30–40 ms a
page, most of a dashboard's time; the tests check every figure against plotly's schema instead.
The browser draws them with the plotly.js the app serves (static/src/charts.mjs); no mode bar.
RAG is never colour alone: each series is named, labelled with its numbers and patterned, and
every bar has a dark outline against the white background.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from improvement_tracker.services.status import STATUS_LABELS, STATUS_PALETTE
from improvement_tracker.services.tables import Link, Table

FONT = {"family": "Arial, sans-serif", "size": 14, "color": "#0b0c0c"}
# GOV.UK colours; each has 3:1 or more against white, and bars carry a black outline.
RAG_STYLE = {"Red": ("#d4351c", "x"), "Amber": ("#f47738", "/"), "Green": ("#00703c", "")}
# Lines and bars that are not RAG or a status: never red, which means a red RAG.
SERIES = ["#1d70b8", "#0b0c0c", "#4c2c92", "#28a197", "#b58840", "#d53880", "#505a5f", "#00703c"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star"]
OUTLINE = {"color": "#0b0c0c", "width": 1}

UrlFor = Callable[[Link], str]
Figure = dict[str, Any]


def _number(value):
    return None if value == "" else value


def _figure(data: list[dict], title: str, *, height: int = 420, **layout) -> Figure:
    return {"data": data, "layout": {
        "font": FONT, "height": height, "margin": {"l": 60, "r": 20, "t": 30, "b": 60},
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff", "meta": {"title": title},
        "legend": {"orientation": "h", "y": -0.2}, **layout}}


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):  # PostgreSQL's sums
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(fig: Figure) -> str:
    """JSON safe inside <script type="application/json">: no <, > or & at all (as plotly's own
    to_json and Jinja's tojson), since "<!--" and "<script" in a name would put the HTML parser in a
    state where the element no longer ends at its </script>, swallowing the scripts after it."""
    text = json.dumps(fig, separators=(",", ":"), default=_plain)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _href(link: Link | str, url_for: UrlFor | None) -> str:
    """A table's link, made a URL when the table has not been given its URLs yet (Table.with_urls)."""
    if isinstance(link, str):
        return link
    if url_for is None:
        raise ValueError("a link to resolve and no url_for to resolve it with")
    return url_for(link)


def completion_heatmap(table: Table, url_for: UrlFor | None = None) -> Figure:
    """Force × pillar % complete; a cell's customdata is the force plan filtered to that pillar."""
    pillar_columns = range(1, len(table.headers) - 1)
    x = [table.headers[i] for i in pillar_columns]
    y = table.column(0)
    z = [[_number(row[i]) for i in pillar_columns] for row in table.rows]
    urls = [[_href(links[i], url_for) if i in links else "" for i in pillar_columns] for links in table.links]
    text = [["" if v is None else f"{v}%" for v in row] for row in z]
    heatmap = {
        "type": "heatmap", "x": x, "y": y, "z": z, "zmin": 0, "zmax": 100, "text": text,
        "texttemplate": "%{text}", "customdata": urls,
        "colorscale": [[0, "#f3f2f1"], [0.5, "#8eb8dc"], [1, "#1d70b8"]], "xgap": 2, "ygap": 2,
        "showscale": False,  # its colour bar is drawn with style attributes, which the CSP refuses
        "hovertemplate": "%{y}, %{x}: %{z}% complete<extra></extra>", "hoverongaps": False}
    return _figure([heatmap], table.title, height=max(260, 26 * len(y) + 90),
                   yaxis={"autorange": "reversed", "automargin": True}, xaxis={"side": "top"})


def rag_by_pillar(table: Table) -> Figure:
    labels = [label.split(" ", 1)[0] for label in table.column(0)]
    bars = []
    for i, name in enumerate(("Red", "Amber", "Green"), start=1):
        colour, shape = RAG_STYLE[name]
        bars.append({"type": "bar", "name": name, "x": labels, "y": table.column(i), "text": table.column(i),
                     "textposition": "inside",
                     "marker": {"color": colour, "line": OUTLINE,
                                "pattern": {"shape": shape, "fgcolor": "#ffffff", "fillmode": "overlay"}},
                     "insidetextfont": {"color": "#ffffff" if name != "Amber" else "#0b0c0c"}})
    totals = [sum(v for v in values if isinstance(v, int | float))
              for values in zip(*(table.column(i) for i in (1, 2, 3)), strict=True)]
    return _figure(bars, table.title, barmode="stack", yaxis=count_axis(totals, "Open actions"))


def horizontal_bars(table: Table, value_column: int, axis_title: str, colour: str = "#1d70b8") -> Figure:
    y = table.column(0)
    values = [_number(v) for v in table.column(value_column)]
    # The value sits beyond its bar: the axis leaves room for it and it is never cut off.
    bar = {"type": "bar", "x": values, "y": y, "orientation": "h", "text": values, "textposition": "outside",
           "cliponaxis": False, "marker": {"color": colour, "line": OUTLINE}, "name": table.headers[value_column]}
    top = max((v for v in values if isinstance(v, int | float)), default=0)
    return _figure([bar], table.title, height=max(220, 30 * len(y) + 100), showlegend=False,
                   yaxis={"autorange": "reversed", "automargin": True},
                   xaxis={**count_axis(values, axis_title), "range": [0, max(1, top) * 1.15]})


def trend(table: Table, axis: str = "% complete") -> Figure:
    x = [d.isoformat() if isinstance(d, date) else d for d in table.column(0)]
    lines = [{"type": "scatter", "name": code, "x": x, "y": [_number(v) for v in table.column(i)],
              "mode": "lines+markers", "line": {"color": SERIES[(i - 1) % len(SERIES)], "width": 2},
              "marker": {"symbol": SYMBOLS[(i - 1) % len(SYMBOLS)], "size": 6}}
             for i, code in enumerate(table.headers[1:], start=1)]
    return _figure(lines, table.title, yaxis={"title": {"text": axis}, "range": [0, 100]})


def count_axis(values: list, title: str) -> dict[str, Any]:
    """An axis of counts: whole-number ticks (plotly picks 0.5 steps for small counts otherwise)."""
    top = max((v for v in values if isinstance(v, int | float)), default=0)
    axis: dict[str, Any] = {"title": {"text": title}, "rangemode": "tozero", "tickformat": ",d"}
    if top <= 10:
        axis["dtick"] = 1
    elif top <= 20:
        axis["dtick"] = 2
    return axis


def status_by_pillar(table: Table, statuses: list[str]) -> Figure:
    """Actions by status in each pillar, stacked; each status in its tag's colour (STATUS_PALETTE)."""
    labels = [label.split(" ", 1)[0] for label in table.column(0)]
    by_label = {STATUS_LABELS[status]: style for status, style in STATUS_PALETTE.items()}
    bars = []
    for i, status in enumerate(statuses, start=1):
        _, colour, shape = by_label.get(status, ("", SERIES[(i - 1) % len(SERIES)], ""))
        light = colour == "#b1b4b6"
        bars.append({"type": "bar", "name": status, "x": labels, "y": table.column(i), "text": table.column(i),
                     "textposition": "inside", "insidetextfont": {"color": "#0b0c0c" if light else "#ffffff"},
                     "marker": {"color": colour, "line": OUTLINE,
                                "pattern": {"shape": shape, "fgcolor": "#0b0c0c" if light else "#ffffff",
                                            "fillmode": "overlay", "fgopacity": 0.5}}})
    totals = [sum(v for v in values if isinstance(v, int | float))
              for values in zip(*(table.column(i) for i in range(1, len(statuses) + 1)), strict=True)]
    return _figure(bars, table.title, barmode="stack", yaxis=count_axis(totals, "Actions"))


def burn_up(table: Table, today: date) -> Figure:
    x = [d.isoformat() for d in table.column(0)]
    lines = [
        {"type": "scatter", "name": "Planned to date", "x": x, "y": table.column(3), "mode": "lines+markers",
         "line": {"color": "#1d70b8", "dash": "dash", "width": 2, "shape": "hv"}, "marker": {"symbol": "circle"}},
        {"type": "scatter", "name": "Done to date", "x": x, "y": table.column(4), "mode": "lines+markers",
         "line": {"color": "#00703c", "width": 3, "shape": "hv"}, "marker": {"symbol": "square"}},
    ]
    return _figure(
        lines, table.title, yaxis=count_axis([*table.column(3), *table.column(4)], "Milestones"),
        shapes=[{"type": "line", "xref": "x", "yref": "paper", "x0": today.isoformat(), "x1": today.isoformat(),
                 "y0": 0, "y1": 1, "line": {"color": "#0b0c0c", "width": 2, "dash": "dot"}}],
        annotations=[{"x": today.isoformat(), "xref": "x", "y": 1, "yref": "paper",
                      "text": f"Today ({today:%-d %b %Y})", "showarrow": False, "yanchor": "bottom",
                      "font": FONT}])


# --- which chart goes with which table ----------------------------------------------------

def national_figures(tables: dict[str, Table], url_for: UrlFor | None = None) -> dict[str, str]:
    figures = {
        "completion": completion_heatmap(tables["completion"], url_for),
        "rag-by-pillar": rag_by_pillar(tables["rag-by-pillar"]),
        "most-overdue": horizontal_bars(tables["most-overdue"], 1, "Overdue actions", "#d4351c"),
        "trend": trend(tables["trend"]),
    }
    return {name: to_json(fig) for name, fig in figures.items() if tables[name].rows}


def force_figures(tables: dict[str, Table], statuses: list[str], today: date) -> dict[str, str]:
    figures = {
        "status-by-pillar": status_by_pillar(tables["status-by-pillar"], statuses),
        "milestone-burn-up": burn_up(tables["milestone-burn-up"], today),
        "owners-most-overdue": horizontal_bars(tables["owners-most-overdue"], 1, "Overdue actions", "#d4351c"),
    }
    return {name: to_json(fig) for name, fig in figures.items() if tables[name].rows}


def commitment_figures(tables: dict[str, Table]) -> dict[str, str]:
    """A national commitment's completion trend (services.commitment_snapshots.trend)."""
    table = tables["trend"]
    return {"trend": to_json(trend(table, "% of forces"))} if table.rows else {}


def pillar_figures(tables: dict[str, Table]) -> dict[str, str]:
    table = tables["ranking"]
    if not table.rows:
        return {}
    ranked = Table(table.name, table.title, ["Force", "% complete"],
                   rows=[[row[1], row[2]] for row in table.rows])
    return {"ranking": to_json(horizontal_bars(ranked, 1, "% complete"))}
