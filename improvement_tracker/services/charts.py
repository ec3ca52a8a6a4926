"""Plotly figures drawn from dashboard tables, handed to the browser as JSON.

Figures are built here (plotly.graph_objects) from the same `Table` the page shows beside the
chart, so the two cannot disagree. The browser draws them with the plotly.js the app serves
(static/src/charts.mjs); no mode bar. RAG is never colour alone: each series is named, labelled
with its numbers and patterned, and every bar has a dark outline against the white background.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import plotly.graph_objects as go

from improvement_tracker.services.dashboards import Link, Table

FONT = {"family": "Arial, sans-serif", "size": 14, "color": "#0b0c0c"}
# GOV.UK colours; each has 3:1 or more against white, and bars carry a black outline.
RAG_STYLE = {"Red": ("#d4351c", "x"), "Amber": ("#f47738", "/"), "Green": ("#00703c", "")}
SERIES = ["#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#b58840", "#0b0c0c", "#f499be", "#28a197"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star"]
OUTLINE = {"color": "#0b0c0c", "width": 1}

UrlFor = Callable[[Link], str]


def _number(value):
    return None if value == "" else value


def _layout(fig: go.Figure, title: str, *, height: int = 420, **extra) -> go.Figure:
    fig.update_layout(template="none", font=FONT, height=height, margin={"l": 60, "r": 20, "t": 30, "b": 60},
                      paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", meta={"title": title},
                      legend={"orientation": "h", "y": -0.2}, **extra)
    return fig


def to_json(fig: go.Figure) -> str:
    """JSON safe inside <script type="application/json">."""
    return fig.to_json().replace("</", "<\\/")


def completion_heatmap(table: Table, url_for: UrlFor) -> go.Figure:
    """Force × pillar % complete; a cell's customdata is the force plan filtered to that pillar."""
    pillar_columns = range(1, len(table.headers) - 1)
    x = [table.headers[i] for i in pillar_columns]
    y = table.column(0)
    z = [[_number(row[i]) for i in pillar_columns] for row in table.rows]
    urls = [[url_for(links[i]) if i in links else "" for i in pillar_columns] for links in table.links]
    text = [["" if v is None else f"{v}%" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        x=x, y=y, z=z, zmin=0, zmax=100, text=text, texttemplate="%{text}", customdata=urls,
        colorscale=[[0, "#f3f2f1"], [0.5, "#8eb8dc"], [1, "#1d70b8"]], xgap=2, ygap=2,
        showscale=False,  # its colour bar is drawn with style attributes, which the CSP refuses
        hovertemplate="%{y}, %{x}: %{z}% complete<extra></extra>", hoverongaps=False))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(side="top")
    return _layout(fig, table.title, height=max(260, 26 * len(y) + 90))


def rag_by_pillar(table: Table) -> go.Figure:
    fig = go.Figure()
    labels = [label.split(" ", 1)[0] for label in table.column(0)]
    for i, name in enumerate(("Red", "Amber", "Green"), start=1):
        colour, shape = RAG_STYLE[name]
        fig.add_bar(name=name, x=labels, y=table.column(i), text=table.column(i), textposition="inside",
                    marker={"color": colour, "line": OUTLINE,
                            "pattern": {"shape": shape, "fgcolor": "#ffffff", "fillmode": "overlay"}},
                    insidetextfont={"color": "#ffffff" if name != "Amber" else "#0b0c0c"})
    fig.update_layout(barmode="stack", yaxis={"title": {"text": "Open actions"}})
    return _layout(fig, table.title)


def horizontal_bars(table: Table, value_column: int, axis_title: str, colour: str = "#1d70b8") -> go.Figure:
    y = table.column(0)
    values = [_number(v) for v in table.column(value_column)]
    fig = go.Figure(go.Bar(x=values, y=y, orientation="h", text=values, textposition="outside",
                           marker={"color": colour, "line": OUTLINE}, name=table.headers[value_column]))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title={"text": axis_title}, rangemode="tozero")
    return _layout(fig, table.title, height=max(220, 30 * len(y) + 100), showlegend=False)


def trend(table: Table) -> go.Figure:
    fig = go.Figure()
    x = [d.isoformat() if isinstance(d, date) else d for d in table.column(0)]
    for i, code in enumerate(table.headers[1:], start=1):
        fig.add_scatter(name=code, x=x, y=[_number(v) for v in table.column(i)], mode="lines+markers",
                        line={"color": SERIES[(i - 1) % len(SERIES)], "width": 2},
                        marker={"symbol": SYMBOLS[(i - 1) % len(SYMBOLS)], "size": 6})
    fig.update_yaxes(title={"text": "% complete"}, range=[0, 100])
    return _layout(fig, table.title)


def status_by_pillar(table: Table, statuses: list[str]) -> go.Figure:
    fig = go.Figure()
    labels = [label.split(" ", 1)[0] for label in table.column(0)]
    for i, status in enumerate(statuses, start=1):
        fig.add_bar(name=status, x=labels, y=table.column(i), text=table.column(i), textposition="inside",
                    marker={"color": SERIES[(i - 1) % len(SERIES)], "line": OUTLINE})
    fig.update_layout(barmode="stack", yaxis={"title": {"text": "Actions"}})
    return _layout(fig, table.title)


def burn_up(table: Table, today: date) -> go.Figure:
    x = [d.isoformat() for d in table.column(0)]
    fig = go.Figure()
    fig.add_scatter(name="Planned to date", x=x, y=table.column(3), mode="lines+markers", line_shape="hv",
                    line={"color": "#1d70b8", "dash": "dash", "width": 2}, marker={"symbol": "circle"})
    fig.add_scatter(name="Done to date", x=x, y=table.column(4), mode="lines+markers", line_shape="hv",
                    line={"color": "#00703c", "width": 3}, marker={"symbol": "square"})
    fig.add_shape(type="line", xref="x", yref="paper", x0=today.isoformat(), x1=today.isoformat(), y0=0, y1=1,
                  line={"color": "#0b0c0c", "width": 2, "dash": "dot"})
    fig.add_annotation(x=today.isoformat(), xref="x", y=1, yref="paper", text=f"Today ({today:%-d %b %Y})",
                       showarrow=False, yanchor="bottom", font=FONT)
    fig.update_yaxes(title={"text": "Milestones"}, rangemode="tozero")
    return _layout(fig, table.title)


# --- which chart goes with which table ----------------------------------------------------

def national_figures(tables: dict[str, Table], url_for: UrlFor) -> dict[str, str]:
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


def pillar_figures(tables: dict[str, Table]) -> dict[str, str]:
    table = tables["ranking"]
    if not table.rows:
        return {}
    ranked = Table(table.name, table.title, ["Force", "% complete"],
                   rows=[[row[1], row[2]] for row in table.rows])
    return {"ranking": to_json(horizontal_bars(ranked, 1, "% complete"))}
