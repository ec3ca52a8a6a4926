"""A table of figures as every page, chart and download sees it.

A dashboard is a set of `Table`s: the page shows each one, a chart is drawn from it
(services.charts) and the download writes it (services.exports), so a chart, its table and its
download always carry the same numbers. Lists that download (a force plan, the reminders sent,
evidence awaiting review) are `Table`s too.

A table is built once (`add` row by row) and then only read: what pages keep between
requests (services.kept) is never changed after it is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

Link = tuple[str, dict[str, Any]]  # (endpoint, url arguments), or the URL once resolved (with_urls)


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[dict[int, Link | str]] = field(default_factory=list)  # per row: column → link
    numeric: frozenset[int] = frozenset()  # columns shown right-aligned

    def add(self, row: list[Any], links: dict[int, Link] | None = None) -> None:
        self.rows.append(row)
        self.links.append(links or {})

    def column(self, index: int) -> list[Any]:
        return [row[index] for row in self.rows]

    def with_urls(self, url_for: Callable[[Link], str]) -> Table:
        """The same table with every link made a URL: worked out once when a page keeps the table,
        not for each of its cells on every request (a national dashboard has hundreds of links)."""
        return replace(self, links=[{i: link if isinstance(link, str) else url_for(link) for i, link in row.items()}
                                    for row in self.links])
