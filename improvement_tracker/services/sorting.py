"""Sorting a table by one of its columns from the query string (``?sort=overdue&order=desc``), the same
way for every table users compare: plain links, so it works without JavaScript, and the column's
state for ``aria-sort``. One rule for every list: the chosen column, then the default order to break
ties; empty values last whichever way it goes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class Sorting:
    key: str
    descending: bool
    default: str

    def aria(self, key: str) -> str:
        """What ``aria-sort`` says of a column."""
        if key != self.key:
            return "none"
        return "descending" if self.descending else "ascending"

    def args(self, key: str, first_descending: frozenset[str] = frozenset()) -> dict[str, str]:
        """The query string a column's header links to: the column, the other way round if it is the
        one sorted now, else its natural first order (counts largest first)."""
        descending = not self.descending if key == self.key else key in first_descending
        return {"sort": key, "order": "desc" if descending else "asc"}

    @property
    def active(self) -> dict[str, str]:
        """The current sort as query-string arguments (for pagination and filter links)."""
        return {"sort": self.key, "order": "desc" if self.descending else "asc"}


def parse(args: Mapping[str, str], keys: Sequence[str], default: str, *, descending: bool = False) -> Sorting:
    """The sort asked for, or the default for anything not offered."""
    key = args.get("sort") if args.get("sort") in keys else None
    if key is None:
        return Sorting(default, descending, default)
    return Sorting(key, args.get("order") == "desc", default)


def apply(rows: Sequence[T], sorting: Sorting, values: Mapping[str, Callable[[T], Any]]) -> list[T]:
    """The rows in the chosen order: stable, so rows equal on the chosen column keep the default order;
    a row with no value (None or "") goes last either way."""
    value = values[sorting.key]
    present = [r for r in rows if value(r) not in (None, "")]
    missing = [r for r in rows if value(r) in (None, "")]
    return sorted(present, key=value, reverse=sorting.descending) + missing
