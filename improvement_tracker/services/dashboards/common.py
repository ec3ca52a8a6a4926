"""What every dashboard shares: its shape, the cohort and country filters, the headline figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from improvement_tracker.services.plan_rules import percent, percent_complete
from improvement_tracker.services.reference_data import COHORT_LABELS, COUNTRY_LABELS
from improvement_tracker.services.tables import Table

TOP_N = 10
RAGS = ("red", "amber", "green")
# The counts one cell of a dashboard holds (a force × pillar, a pillar, a force): summed, then divided.
CELL_COUNTS = ("actions", "complete", "closed", "overdue", *RAGS)


@dataclass(frozen=True)
class Filters:
    cohort: str | None = None
    country: str | None = None

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> Filters:
        cohort = args.get("cohort") or None
        country = args.get("country") or None
        return cls(cohort if cohort in COHORT_LABELS else None, country if country in COUNTRY_LABELS else None)

    def matches(self, cohort: str, country: str) -> bool:
        return (self.cohort in (None, cohort)) and (self.country in (None, country))

    @property
    def args(self) -> dict[str, str]:
        return {k: v for k, v in (("cohort", self.cohort), ("country", self.country)) if v}

    @property
    def label(self) -> str:
        parts = [COHORT_LABELS[self.cohort] if self.cohort else None,
                 COUNTRY_LABELS[self.country] if self.country else None]
        return ", ".join(p for p in parts if p) or "All forces"


@dataclass
class Dashboard:
    """A dashboard's tables, headline, chart figures (JSON) and its tables' markup, built together
    and then only read (services.kept adds the figures and markup before keeping it)."""

    title: str
    tables: dict[str, Table]
    headline: dict[str, Any] = field(default_factory=dict)
    computed_at: datetime | None = None
    figures: dict[str, str] = field(default_factory=dict)
    markup: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)


def cell_percent(cell: Mapping[str, int]) -> int | None:
    """% complete of one cell's counts (docs/rules.md#percent-complete)."""
    return percent_complete(complete=cell["complete"], actions=cell["actions"], closed_not_needed=cell["closed"])


def headline(cells: Iterable[Mapping[str, int]]) -> dict[str, Any]:
    """Totals of the cells, then % complete and % of open actions overdue from the totals."""
    cells = list(cells)
    totals: dict[str, Any] = {k: sum(c[k] for c in cells) for k in CELL_COUNTS}
    open_actions = totals["actions"] - totals["complete"] - totals["closed"]
    totals["percent_complete"] = cell_percent(totals)
    totals["percent_overdue"] = percent(totals["overdue"], open_actions)
    return totals


def headline_table(figures: Mapping[str, Any]) -> Table:
    table = Table("headline", "Headline figures", ["Measure", "Value"], numeric=frozenset({1}))
    for label, key in (("Actions", "actions"), ("Complete", "complete"), ("% complete", "percent_complete"),
                       ("Overdue", "overdue"), ("% of open actions overdue", "percent_overdue"),
                       ("Red", "red"), ("Amber", "amber"), ("Green", "green")):
        table.add([label, figures[key] if figures[key] is not None else ""])
    return table


def by_month(table: Table, title: str, *, added: Iterable[int] = (), headers: Mapping[int, str] | None = None,
             month_names: bool = False) -> Table:
    """A weekly table (its first column a date, oldest first) month by month, for a board pack's
    print: each month's last row. The columns in ``added`` are added up over the month's rows
    instead; ``headers`` renames columns; ``month_names`` writes the month ("November 2026") in
    place of its last date. The chart still draws every week; only the printed table is shorter."""
    added = frozenset(added)
    renamed = dict(headers or {})
    months = Table(f"{table.name}-by-month", title, [renamed.get(i, h) for i, h in enumerate(table.headers)],
                   numeric=table.numeric)
    groups: dict[tuple[int, int], list[list[Any]]] = {}
    for row in table.rows:
        day: date = row[0]
        groups.setdefault((day.year, day.month), []).append(row)
    for rows in groups.values():
        last = list(rows[-1])
        for i in added:
            last[i] = sum(r[i] for r in rows if isinstance(r[i], int))
        if month_names:
            last[0] = f"{last[0]:%B %Y}"
        months.add(last)
    return months
