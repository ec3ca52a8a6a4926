"""What pages keep between requests: the one place where anything is cached.

Each worker process keeps what pages work out from a plan — figures, rows, tables, chart data,
and, where writing it was most of a page's time, markup written once from them that is the same
for every viewer (dashboard tables, a plan page's action tables); never anything of one user's
session (who they are, their forms, their CSRF token) — in a small least-recently-used map whose
entries also expire. Every entry has a named key here, made of the name, the database, the
version of the plans it was worked out from (services.plan_version), today's date and the
page's own arguments. A write to a force's plan bumps its version, so the next reader works the
page out again; the old entry ages out. Pages render what they get here on every request, with
whatever belongs to the request (the user's permissions, forms and their CSRF tokens).

A kept value is only read once kept: nothing may change it (the tests check, by comparing each
value with a copy taken when it was kept). A change made without the services (a hand-edit in
the database) bumps no version and is seen when the entry's time-to-live runs out, so entries
live for minutes, not days.
"""

from __future__ import annotations

import pickle  # nosec B403  # only our own values, pickled and compared in memory (tests), never loaded
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from improvement_tracker.models import Commitment, Force, Pillar, QuarterlyReturn, ReturnVersion, User
from improvement_tracker.services import action_page as action_page_model
from improvement_tracker.services import (
    charts,
    commitment_pages,
    commitment_status,
    dashboards,
    outcome_pages,
    plan_exports,
    plan_queries,
    plan_version,
    return_reviews,
    return_status,
)
from improvement_tracker.services.dashboards import assessments
from improvement_tracker.services.status import STATUS_LABELS
from improvement_tracker.services.tables import Link, Table

T = TypeVar("T")
TTL_SECONDS = 300
MAX_ENTRIES = 256

# The named keys: what each page keeps, and what its entries are keyed by after the name.
NATIONAL_DASHBOARD = "national dashboard"  # payload stamp, today, filters
NATIONAL_DISAGREEMENTS = "national RAG disagreements"  # national version, today, filters
NATIONAL_ASSESSMENTS = "national assessments"  # national version, today, filters
NATIONAL_COMMITMENTS = "national commitments"  # national version, today, filters
PILLAR_VIEW = "pillar view"  # payload stamp, today, pillar, filters
FORCE_DASHBOARD = "force dashboard"  # force version, today
FORCE_ASSESSMENTS = "force assessments"  # force version, today
FORCE_PLAN = "force plan"  # force version, today, filters, page, page size
FORCE_PLAN_EXPORT = "force plan export"  # force version, today, filters
MY_ACTIONS = "my actions"  # force version, owner, today
ACTION_PAGE = "action page"  # force version, action, today
RETURNS_GRID = "national returns"  # national version, today, filters
RETURN_VERSION = "return version"  # the version and its SHA-256: its content never changes
RETURN_REVIEW = "return review"  # force version, the version
NATIONAL_OUTCOMES = "national outcomes"  # national version, today, the quarter and measure asked for
# A force's outcomes page shows England and Wales beside the force: any force's figures change it.
COMMITMENT_PAGE = "commitment page"  # national version, commitment, today, the viewer's force (None: all)
FORCE_OUTCOMES = "force outcomes"  # national version, force, today, every quarter or the recent ones


class ChangedAfterKept(AssertionError):
    """A kept value was changed by a reader (the tests turn this check on)."""


class Kept:
    """A small least-recently-used map whose entries also expire (one per worker process)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, ttl: float = TTL_SECONDS, *, check_unchanged: bool = False):
        self.max_entries = max_entries
        self.ttl = ttl
        self.check_unchanged = check_unchanged
        self._entries: OrderedDict[Hashable, tuple[float, Any, bytes | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < self.ttl:
                self._entries.move_to_end(key)
                _, value, copy = entry
                if copy is not None and pickle.dumps(value) != copy:
                    raise ChangedAfterKept(f"the value kept under {key!r} was changed after it was kept")
                return value
        value = make()
        copy = pickle.dumps(value) if self.check_unchanged else None
        with self._lock:
            self._entries[key] = (now, value, copy)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


kept = Kept()


def clear() -> None:
    """Forget everything kept (tests empty the database between them; ids and versions start again)."""
    kept.clear()


def _database(session: Session) -> str:
    return str(session.get_bind().url)


def _args(values: dict[str, Any]) -> tuple:
    return tuple(sorted(values.items()))


@dataclass(frozen=True)
class Presentation:
    """What the page adds to a dashboard's figures before they are kept, the same for every viewer:
    its links as URLs, and each table's GOV.UK markup (a national dashboard has about 2,000 table
    cells; writing them out again for every request cost it a third of its time)."""

    url_for: Callable[[Link], str]
    table_markup: Callable[[Table], str]


def _presented(dashboard: dashboards.Dashboard, present: Presentation,
               figures: Callable[[dict[str, Table]], dict[str, str]]) -> dashboards.Dashboard:
    """The dashboard as kept: links made URLs, charts drawn and tables written out, once."""
    tables = {name: table.with_urls(present.url_for) for name, table in dashboard.tables.items()}
    return replace(dashboard, tables=tables, figures=figures(tables),
                   markup={name: present.table_markup(table) for name, table in tables.items() if table.rows})


# --- national -------------------------------------------------------------------------------

def national_dashboard(session: Session, today: date, filters: dashboards.Filters,
                       present: Presentation) -> dashboards.Dashboard:
    """The stored payload's tables and charts (kept until the payload is refreshed), and the
    RAG disagreements, the latest reviewed assessments and the national commitments read from the
    plans and returns as they are now (each kept until any plan or return changes)."""
    stamp = dashboards.payload_stamp(session)

    def make() -> dashboards.Dashboard:
        return _presented(dashboards.national_dashboard(*dashboards.national_payload(session, today), filters),
                          present, charts.national_figures)

    def live(read: Callable[[], Table]) -> Callable[[], dashboards.Dashboard]:
        def table() -> dashboards.Dashboard:
            made = read()
            return _presented(dashboards.Dashboard(made.title, {made.name: made}), present, lambda tables: {})
        return table

    base = make() if stamp is None else kept.get_or_make(
        (NATIONAL_DASHBOARD, _database(session), stamp, today, _args(filters.args)), make)
    version = plan_version.national_version(session)
    disagreements = kept.get_or_make(
        (NATIONAL_DISAGREEMENTS, _database(session), version, today, _args(filters.args)),
        live(lambda: dashboards.disagreements(session, today, filters)))
    assessed = kept.get_or_make(
        (NATIONAL_ASSESSMENTS, _database(session), version, today, _args(filters.args)),
        live(lambda: assessments.national_table(session, filters)))
    committed = kept.get_or_make(
        (NATIONAL_COMMITMENTS, _database(session), version, today, _args(filters.args)),
        live(lambda: commitment_status.national_table(session, today, filters.cohort, filters.country)))
    return replace(base, tables={**base.tables, **disagreements.tables, **assessed.tables, **committed.tables},
                   markup={**base.markup, **disagreements.markup, **assessed.markup, **committed.markup})


def pillar_view(session: Session, today: date, pillar: Pillar, filters: dashboards.Filters,
                present: Presentation) -> dashboards.Dashboard:
    stamp = dashboards.payload_stamp(session)

    def make() -> dashboards.Dashboard:
        return _presented(dashboards.pillar_view(*dashboards.national_payload(session, today), pillar, filters),
                          present, charts.pillar_figures)

    if stamp is None:
        return make()
    # The pillar's name is part of the page: a renamed pillar is a new entry.
    return kept.get_or_make((PILLAR_VIEW, _database(session), stamp, today, pillar.id, pillar.code, pillar.name,
                             _args(filters.args)), make)


# --- one force ------------------------------------------------------------------------------

def force_page(session: Session, today: date, force: Force,
               present: Presentation) -> tuple[dashboards.Dashboard, assessments.Reviewed | None]:
    """The force dashboard and the force's latest reviewed quarterly return beside it, both kept
    under the force's version (every assessment and review of its returns bumps it)."""
    version = plan_version.force_version(session, force.id)
    reviewed = _force_assessments(session, today, force, version)

    def make() -> dashboards.Dashboard:
        return _presented(dashboards.force_dashboard(session, today, force, reviewed), present,
                          lambda tables: charts.force_figures(tables, list(STATUS_LABELS.values()), today))

    return kept.get_or_make((FORCE_DASHBOARD, _database(session), version, force.id, today), make), reviewed


def force_dashboard(session: Session, today: date, force: Force, present: Presentation) -> dashboards.Dashboard:
    return force_page(session, today, force, present)[0]


def force_assessments(session: Session, today: date, force: Force) -> assessments.Reviewed | None:
    return _force_assessments(session, today, force, plan_version.force_version(session, force.id))


def _force_assessments(session: Session, today: date, force: Force, version: int) -> assessments.Reviewed | None:
    return kept.get_or_make((FORCE_ASSESSMENTS, _database(session), version, force.id, today),
                            lambda: assessments.for_force(session, force))


def force_plan(session: Session, force: Force, args: dict[str, str], *, page: int, page_size: int, today: date,
               write_tables: Callable[[plan_queries.ForcePlan], str]) -> plan_queries.ForcePlan:
    """``args``: the plan's filters as given in the query string (plan_queries.FILTER_NAMES).

    The action tables are the same for every viewer of this page of the plan; ``write_tables``
    writes their markup once, before the page is kept (a plan page shows up to 50 actions).
    """
    def make() -> plan_queries.ForcePlan:
        plan = plan_queries.force_plan(session, force, args, page=page, page_size=page_size, today=today)
        return replace(plan, markup=write_tables(plan))

    return kept.get_or_make(
        (FORCE_PLAN, _database(session), plan_version.force_version(session, force.id), force.id, today,
         _args(args), page, page_size), make)


def force_plan_export(session: Session, force: Force, args: dict[str, str], today: date) -> Table:
    """The same table for everyone who may see the plan."""
    def make() -> Table:
        filters = plan_queries.parse_filters(args, plan_queries.pillar_codes(session))
        return plan_exports.force_plan(session, force, filters, today)

    return kept.get_or_make(
        (FORCE_PLAN_EXPORT, _database(session), plan_version.force_version(session, force.id), force.id, today,
         _args(args)), make)


def my_actions(session: Session, user: User, today: date) -> plan_queries.MyActions:
    """Every change to an owner's actions is a change to their force's plan."""
    return kept.get_or_make(
        (MY_ACTIONS, _database(session), plan_version.force_version(session, user.force_id), user.id, user.force_id,
         today),
        lambda: plan_queries.my_actions(session, user, today))


def action_page(session: Session, action_id: int, force_id: int, today: date) -> action_page_model.ActionPage:
    """What the action page shows from the plan, for whoever may see the action."""
    return kept.get_or_make(
        (ACTION_PAGE, _database(session), plan_version.force_version(session, force_id), action_id, today),
        lambda: action_page_model.load(session, action_id, today))


# --- quarterly returns ------------------------------------------------------------------------

def returns_grid(session: Session, today: date, filters: dashboards.Filters,
                 write: Callable[[return_status.Grid], str]) -> return_status.GridPage:
    """The national returns grid's markup, the same for every viewer: kept until any return or plan
    changes (a status is worked out from today too: a return becomes overdue overnight)."""
    def make() -> return_status.GridPage:
        grid = return_status.national_grid(session, today, filters)
        return return_status.GridPage(len(grid.periods), write(grid))

    return kept.get_or_make((RETURNS_GRID, _database(session), plan_version.national_version(session), today,
                             _args(filters.args)), make)


def return_version(session: Session, quarterly_return: QuarterlyReturn, version: ReturnVersion,
                   write: Callable[[return_reviews.Frozen], dict[str, str]]) -> return_reviews.Frozen:
    """A submitted version's content, what changed since the one before, and the markup written from
    them: none of it ever changes (the SHA-256 is in the key, so a content that did is read again)."""
    def make() -> return_reviews.Frozen:
        found = return_reviews.frozen(session, quarterly_return, version)
        return replace(found, markup=write(found))

    return kept.get_or_make((RETURN_VERSION, _database(session), version.id, version.sha256), make)


def return_review(session: Session, quarterly_return: QuarterlyReturn,
                  version: ReturnVersion) -> return_reviews.ReviewState:
    """A version's assessments and questions: kept until the force's plan or returns change (every
    assessment, question, answer and review is an audit event on the force)."""
    return kept.get_or_make((RETURN_REVIEW, _database(session),
                             plan_version.force_version(session, quarterly_return.force_id), version.id),
                            lambda: return_reviews.review_state(session, version))


# --- outcome figures ---------------------------------------------------------------------------

def national_outcomes(session: Session, today: date, args: dict[str, str],
                      present: Presentation) -> outcome_pages.NationalOutcomes:
    """Kept until any force's plan or figures change (every save of figures is an audit event)."""
    def make() -> outcome_pages.NationalOutcomes:
        found = outcome_pages.national(session, today, args)
        return replace(found, page=_presented(found.page, present, lambda tables: found.page.figures))

    return kept.get_or_make((NATIONAL_OUTCOMES, _database(session), plan_version.national_version(session), today,
                             outcome_pages.asked(args)), make)


def force_outcomes(session: Session, today: date, force: Force, present: Presentation,
                   every_quarter: bool = False) -> outcome_pages.ForceOutcomes:
    def make() -> outcome_pages.ForceOutcomes:
        found = outcome_pages.force(session, force, every_quarter)
        return replace(found, page=_presented(found.page, present, lambda tables: found.page.figures))

    return kept.get_or_make((FORCE_OUTCOMES, _database(session), plan_version.national_version(session), force.id,
                             force.name, today, every_quarter), make)


# --- national commitments ----------------------------------------------------------------------

def commitment_page(session: Session, commitment: Commitment, today: date, force_id: int | None,
                    present: Presentation) -> commitment_pages.CommitmentPage:
    """Kept until any plan changes: every write to a linked action, a membership, a confirmation or a
    date proposal is an audit event on its force, and a change to the commitment itself on every force."""
    def make() -> commitment_pages.CommitmentPage:
        found = commitment_pages.published(session, commitment, today, force_id)
        table = found.across.table.with_urls(present.url_for)
        found.across.table = table
        found.markup = {table.name: present.table_markup(table)} if table.rows else {}
        return found

    return kept.get_or_make((COMMITMENT_PAGE, _database(session), plan_version.national_version(session),
                             commitment.id, today, force_id), make)
