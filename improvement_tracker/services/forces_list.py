"""The forces list (/forces): every force the user may see with its headline figures, filtered by
cohort, country and computed RAG, and sorted by any of its columns (services.sorting)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from improvement_tracker.models import User
from improvement_tracker.services import plan_queries, sorting
from improvement_tracker.services.plan_queries import ForceSummary
from improvement_tracker.services.reference_data import COHORT_LABELS, COUNTRY_LABELS

# "Forces with red actions": a force with at least one open action of that computed RAG.
RAG_FILTERS = {"red": "Forces with red actions", "amber": "Forces with amber actions",
               "green": "Forces with green actions"}
SORTS = {
    "force": lambda s: s.force.name,
    "cohort": lambda s: COHORT_LABELS[s.force.cohort],
    "actions": lambda s: s.actions,
    "complete": lambda s: s.complete,
    "percent": lambda s: s.percent_complete,
    "overdue": lambda s: s.overdue,
    "blocked": lambda s: s.blocked,
    "red": lambda s: s.red,
}
# Counts sort largest first when their column is first chosen.
LARGEST_FIRST = frozenset({"actions", "complete", "percent", "overdue", "blocked", "red"})


@dataclass(frozen=True)
class ForcesList:
    rows: list[ForceSummary]
    cohort: str
    country: str
    rag: str
    sorting: sorting.Sorting
    of: int  # forces the user may see, before filtering

    @property
    def filters(self) -> dict[str, str]:
        return {k: v for k, v in (("cohort", self.cohort), ("country", self.country), ("rag", self.rag)) if v}

    def sort_args(self, key: str) -> dict[str, str]:
        """A column heading's link: these filters, sorted by that column."""
        return {**self.filters, **self.sorting.args(key, LARGEST_FIRST)}


def forces_list(session: Session, user: User, today: date, args: Mapping[str, str]) -> ForcesList:
    cohort = args.get("cohort", "") if args.get("cohort") in COHORT_LABELS else ""
    country = args.get("country", "") if args.get("country") in COUNTRY_LABELS else ""
    rag = args.get("rag", "") if args.get("rag") in RAG_FILTERS else ""
    every = plan_queries.forces_overview(session, user, today)
    rows = [s for s in every if (not cohort or s.force.cohort == cohort) and (not country or s.force.country == country)
            and (not rag or getattr(s, rag) > 0)]
    chosen = sorting.parse(args, list(SORTS), "force")
    return ForcesList(sorting.apply(rows, chosen, SORTS), cohort, country, rag, chosen, len(every))
