"""Dashboard figures: the national picture, one force, one pillar across forces.

Every figure comes from grouped SQL (a handful of queries per page, never a loop over the
whole plan in Python). Each dashboard is a list of `Table`s: the page shows them, the charts
are drawn from them (services.charts) and the exports write them (services.exports), so a
chart, its table and its download always carry the same numbers.

"% complete" is complete ÷ (actions − closed as not needed): an action closed because it was
not needed is neither done nor outstanding. "Overdue" is an open action past its current due
date. RAG is the computed RAG (services.snapshots.rag_expression); a declared RAG that differs
is listed as a disagreement.

The heavy national figures (force × pillar grid and the trend) are a JSON payload kept in the
settings table under CACHE_KEY, refreshed by the scheduler's daily job and by an admin.
The payload is for all forces; cohort and country filters are applied to it on reading.
Each worker process also keeps the tables (and whatever the page derives from them: charts,
HTML) built from one cached payload, keyed by the cache row's update time, so a national page
costs one small query plus the live disagreements until the cache is refreshed. A force's
dashboard is kept the same way, keyed by its plan's version (services.page_cache).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, DueDateChange, Force, Milestone, Pillar, ProgressSnapshot, Setting, User
from improvement_tracker.models.evidence import Evidence
from improvement_tracker.models.plans import CLOSED_STATUSES, STATUSES
from improvement_tracker.services import page_cache
from improvement_tracker.services.rag import RAG_LABELS, compute_rag, is_overdue
from improvement_tracker.services.snapshots import rag_expression
from improvement_tracker.services.status import STATUS_LABELS

CACHE_KEY = "dashboard_cache:national"
TREND_WEEKS = 52
TOP_N = 10
RAGS = ("red", "amber", "green")
COHORT_LABELS = {"pathfinder": "Pathfinder (2021)", "expansion_2022": "Expansion (2022)",
                 "national_2023": "National (2023)"}
COUNTRY_LABELS = {"england": "England", "wales": "Wales"}

Link = tuple[str, dict[str, Any]]  # (endpoint, url arguments): resolved with url_for by the template


@dataclass
class Table:
    """One table of a dashboard: shown on the page, drawn as a chart, downloaded as CSV/XLSX."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[dict[int, Link]] = field(default_factory=list)  # per row: column → link
    numeric: frozenset[int] = frozenset()  # columns shown right-aligned
    # Rendered forms of the table, kept while the table is (see data_tables.table_html).
    rendered: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def add(self, row: list[Any], links: dict[int, Link] | None = None) -> None:
        self.rows.append(row)
        self.links.append(links or {})

    def column(self, index: int) -> list[Any]:
        return [row[index] for row in self.rows]


def percent(done: int, base: int) -> int | None:
    """Whole per cent, halves rounded up; None when there is nothing to complete."""
    if not base:
        return None
    return (200 * done + base) // (2 * base)


def _total(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _overdue(today: date):
    return and_(Action.status.not_in(CLOSED_STATUSES), Action.current_due_date < today)


# --- national: the cacheable payload ------------------------------------------------------

def compute_national_payload(session: Session, today: date) -> dict:
    """Every force × pillar count and the weekly trend: 5 queries, JSON-ready."""
    rag = rag_expression(today)
    forces = [{"id": f.id, "code": f.code, "name": f.name, "cohort": f.cohort, "country": f.country}
              for f in session.execute(select(Force.id, Force.code, Force.name, Force.cohort, Force.country)
                                       .order_by(Force.name))]
    pillars = [{"id": p.id, "code": p.code, "name": p.name}
               for p in session.execute(select(Pillar.id, Pillar.code, Pillar.name).order_by(Pillar.display_order))]
    grid = [
        {"force_id": r[0], "pillar_id": r[1], "actions": r[2], "complete": r[3], "closed": r[4],
         "overdue": r[5], "red": r[6], "amber": r[7], "green": r[8]}
        for r in session.execute(
            select(Action.force_id, Action.pillar_id, func.count(Action.id), _total(Action.status == "complete"),
                   _total(Action.status == "closed_not_needed"), _total(_overdue(today)),
                   _total(rag == "red"), _total(rag == "amber"), _total(rag == "green"))
            .group_by(Action.force_id, Action.pillar_id))
    ]
    latest = session.scalar(select(func.max(ProgressSnapshot.day)).where(ProgressSnapshot.day <= today))
    trend = []
    if latest is not None:
        days = [latest - timedelta(weeks=n) for n in range(TREND_WEEKS, -1, -1)]
        trend = [
            {"day": r[0].isoformat(), "pillar_id": r[1], "cohort": r[2], "country": r[3],
             "complete": int(r[4] or 0), "base": int(r[5] or 0)}
            for r in session.execute(
                select(ProgressSnapshot.day, ProgressSnapshot.pillar_id, Force.cohort, Force.country,
                       func.sum(ProgressSnapshot.complete),
                       func.sum(ProgressSnapshot.actions - ProgressSnapshot.closed_not_needed))
                .join(Force, Force.id == ProgressSnapshot.force_id)
                .where(ProgressSnapshot.day.in_(days))
                .group_by(ProgressSnapshot.day, ProgressSnapshot.pillar_id, Force.cohort, Force.country)
                .order_by(ProgressSnapshot.day))
        ]
    return {"day": today.isoformat(), "forces": forces, "pillars": pillars, "grid": grid, "trend": trend}


def refresh_national_cache(session: Session, today: date, actor: User | None = None) -> dict:
    """Recompute the national payload and keep it (the caller commits)."""
    payload = compute_national_payload(session, today)
    computed_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # naive UTC, as stored elsewhere
    value = {"computed_at": computed_at.isoformat(), "payload": payload}
    row = session.get(Setting, CACHE_KEY)
    if row is None:
        session.add(Setting(key=CACHE_KEY, value=value, updated_by_id=actor.id if actor else None))
    else:
        row.value = value
        row.updated_by_id = actor.id if actor else None
    return value


def national_payload(session: Session, today: date) -> tuple[dict, datetime | None]:
    """Today's cached payload with the time it was computed; computed now (time None) if none."""
    row = session.get(Setting, CACHE_KEY)
    if row is not None and isinstance(row.value, dict) and row.value.get("payload", {}).get("day") == today.isoformat():
        return row.value["payload"], datetime.fromisoformat(row.value["computed_at"])
    return compute_national_payload(session, today), None


# --- national: tables ---------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    cohort: str | None = None
    country: str | None = None

    @classmethod
    def parse(cls, args) -> Filters:
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
    title: str
    tables: dict[str, Table]
    headline: dict[str, Any] = field(default_factory=dict)
    computed_at: datetime | None = None
    # What a page derives from the tables (chart JSON), kept with them when they are kept.
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)


def _headline(cells: list[dict]) -> dict[str, Any]:
    totals = {k: sum(c[k] for c in cells) for k in ("actions", "complete", "closed", "overdue", *RAGS)}
    open_actions = totals["actions"] - totals["complete"] - totals["closed"]
    totals["percent_complete"] = percent(totals["complete"], totals["actions"] - totals["closed"])
    totals["percent_overdue"] = percent(totals["overdue"], open_actions)
    return totals


def _headline_table(headline: dict[str, Any]) -> Table:
    table = Table("headline", "Headline figures", ["Measure", "Value"], numeric=frozenset({1}))
    for label, key in (("Actions", "actions"), ("Complete", "complete"), ("% complete", "percent_complete"),
                       ("Overdue", "overdue"), ("% of open actions overdue", "percent_overdue"),
                       ("Red", "red"), ("Amber", "amber"), ("Green", "green")):
        table.add([label, headline[key] if headline[key] is not None else ""])
    return table


def national(session: Session, today: date, filters: Filters) -> Dashboard:
    """The national dashboard: the cached payload's tables and the current disagreements, both kept per worker."""
    stamp = session.scalar(select(Setting.updated_at).where(Setting.key == CACHE_KEY))
    if stamp is None:
        base = _national_from_payload(session, today, filters)
    else:
        key = ("national", str(session.get_bind().url), stamp, today, tuple(sorted(filters.args.items())))
        base = page_cache.kept.get_or_make(key, lambda: _national_from_payload(session, today, filters))
    # Disagreements are read from the plans as they are now: kept only until any plan changes.
    live = page_cache.kept.get_or_make(
        ("national-disagreements", page_cache.national_version(session), today, tuple(sorted(filters.args.items()))),
        lambda: disagreements(session, today, filters))
    tables = {**base.tables, "rag-disagreements": live}
    return Dashboard(base.title, tables, base.headline, base.computed_at, base.derived)


def _national_from_payload(session: Session, today: date, filters: Filters) -> Dashboard:
    payload, computed_at = national_payload(session, today)
    forces = [f for f in payload["forces"] if filters.matches(f["cohort"], f["country"])]
    force_ids = {f["id"] for f in forces}
    pillars = payload["pillars"]
    cells = {(c["force_id"], c["pillar_id"]): c for c in payload["grid"] if c["force_id"] in force_ids}
    chosen = list(cells.values())
    headline = _headline(chosen)

    heatmap = Table("completion", "Completion by force and pillar (% of actions complete)",
                    ["Force", *[p["code"] for p in pillars], "All pillars"],
                    numeric=frozenset(range(1, len(pillars) + 2)))
    for f in forces:
        row: list[Any] = [f["name"]]
        links: dict[int, Link] = {0: ("dashboards.force", {"code": f["code"]})}
        done = base = 0
        for i, p in enumerate(pillars, start=1):
            c = cells.get((f["id"], p["id"]))
            if c is None or not c["actions"]:
                row.append("")
                continue
            row.append("" if percent(c["complete"], c["actions"] - c["closed"]) is None
                       else percent(c["complete"], c["actions"] - c["closed"]))
            links[i] = ("plans.force_plan", {"code": f["code"], "pillar": p["code"]})
            done += c["complete"]
            base += c["actions"] - c["closed"]
        row.append("" if percent(done, base) is None else percent(done, base))
        heatmap.add(row, links)

    rag_by_pillar = Table("rag-by-pillar", "Computed RAG of open actions by pillar",
                          ["Pillar", "Red", "Amber", "Green", "Open actions"], numeric=frozenset({1, 2, 3, 4}))
    for p in pillars:
        pc = [c for c in chosen if c["pillar_id"] == p["id"]]
        counts = [sum(c[r] for c in pc) for r in RAGS]
        rag_by_pillar.add([f"{p['code']} {p['name']}", *counts, sum(counts)],
                          {0: ("dashboards.pillar", {"pillar_code": p["code"], **filters.args})})

    by_force: dict[int, dict[str, int]] = {}
    for c in chosen:
        t = by_force.setdefault(c["force_id"], {"overdue": 0, "actions": 0, "red": 0})
        for k in t:
            t[k] += c[k]
    ranked = sorted((f for f in forces if by_force.get(f["id"], {}).get("overdue")),
                    key=lambda f: (-by_force[f["id"]]["overdue"], f["name"]))[:TOP_N]
    most_overdue = Table("most-overdue", f"Forces with the most overdue actions (top {TOP_N})",
                         ["Force", "Overdue actions", "Actions", "Red"], numeric=frozenset({1, 2, 3}))
    for f in ranked:
        t = by_force[f["id"]]
        most_overdue.add([f["name"], t["overdue"], t["actions"], t["red"]],
                         {0: ("plans.force_plan", {"code": f["code"], "overdue": "y"})})

    trend_sum: dict[tuple[str, int], list[int]] = {}
    for r in payload["trend"]:
        if filters.matches(r["cohort"], r["country"]):
            t = trend_sum.setdefault((r["day"], r["pillar_id"]), [0, 0])
            t[0] += r["complete"]
            t[1] += r["base"]
    trend = Table("trend", "Completion by pillar over time, weekly from the daily snapshots (% complete)",
                  ["Week ending", *[p["code"] for p in pillars]], numeric=frozenset(range(1, len(pillars) + 1)))
    for day in sorted({d for d, _ in trend_sum}):
        values = []
        for p in pillars:
            done, base = trend_sum.get((day, p["id"]), (0, 0))
            values.append("" if percent(done, base) is None else percent(done, base))
        trend.add([date.fromisoformat(day), *values])

    tables = {t.name: t for t in (_headline_table(headline), heatmap, rag_by_pillar, most_overdue, trend)}
    return Dashboard("National dashboard", tables, headline, computed_at)


def _disagreements_table() -> Table:
    return Table("rag-disagreements", "Declared RAG different from the computed RAG",
                 ["Action", "Title", "Force", "Pillar", "Declared", "Computed", "Reason given"])


def disagreements(session: Session, today: date, filters: Filters) -> Table:
    """Open actions whose declared RAG differs from the computed one (always live)."""
    rag = rag_expression(today).label("computed")
    query = (select(Action.id, Action.reference, Action.title, Force.code, Force.name, Pillar.code,
                    Action.declared_rag, rag, Action.declared_rag_reason)
             .join(Force, Force.id == Action.force_id).join(Pillar, Pillar.id == Action.pillar_id)
             .where(Action.declared_rag.is_not(None), Action.status.not_in(CLOSED_STATUSES))
             .order_by(Force.name, Action.reference))
    if filters.cohort:
        query = query.where(Force.cohort == filters.cohort)
    if filters.country:
        query = query.where(Force.country == filters.country)
    table = _disagreements_table()
    for action_id, ref, title, _code, force_name, pillar, declared, computed, reason in session.execute(query):
        if declared == computed:
            continue
        table.add([ref, title, force_name, pillar, RAG_LABELS.get(declared, declared),
                   RAG_LABELS.get(computed, ""), reason or ""],
                  {0: ("actions.show", {"action_id": action_id})})
    return table


# --- pillar: one pillar across forces, ranked ---------------------------------------------

def pillar_view(session: Session, today: date, pillar: Pillar, filters: Filters) -> Dashboard:
    payload, computed_at = national_payload(session, today)
    forces = [f for f in payload["forces"] if filters.matches(f["cohort"], f["country"])]
    cells = {c["force_id"]: c for c in payload["grid"] if c["pillar_id"] == pillar.id}
    ranked = []
    for f in forces:
        c = cells.get(f["id"])
        if c is None or not c["actions"]:
            continue
        ranked.append((f, c, percent(c["complete"], c["actions"] - c["closed"])))
    ranked.sort(key=lambda x: (-(x[2] if x[2] is not None else -1), x[1]["overdue"], x[0]["name"]))
    table = Table("ranking", f"{pillar.code} {pillar.name}: forces ranked by % complete",
                  ["Rank", "Force", "% complete", "Actions", "Complete", "Overdue", "Red", "Amber", "Green"],
                  numeric=frozenset({0, 2, 3, 4, 5, 6, 7, 8}))
    for rank, (f, c, pct) in enumerate(ranked, start=1):
        table.add([rank, f["name"], "" if pct is None else pct, c["actions"], c["complete"], c["overdue"],
                   c["red"], c["amber"], c["green"]],
                  {1: ("plans.force_plan", {"code": f["code"], "pillar": pillar.code})})
    headline = _headline([c for _, c, _ in ranked])
    return Dashboard(f"{pillar.code} {pillar.name}", {"ranking": table}, headline, computed_at)


# --- one force ----------------------------------------------------------------------------

def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def force(session: Session, today: date, force: Force) -> Dashboard:
    """One force's dashboard, kept per worker until the force's plan changes (services.page_cache)."""
    key = ("force-dashboard", page_cache.plan_version(session, force.id), force.id, today)
    return page_cache.kept.get_or_make(key, lambda: _force_dashboard(session, today, force))


def _force_dashboard(session: Session, today: date, force: Force) -> Dashboard:
    """One force's dashboard from two reads of its plan (actions, milestones) and two small lists.

    A force has a few hundred actions at most: they are read once as plain rows and every table
    is grouped from them here, with the RAG from services.rag's own rules.
    """
    pillars = session.execute(select(Pillar.id, Pillar.code, Pillar.name).order_by(Pillar.display_order)).all()
    actions = session.execute(
        select(Action.id, Action.reference, Action.title, Action.pillar_id, Action.status, Action.current_due_date,
               Action.last_update_at, Action.declared_rag, Action.declared_rag_reason, Action.owner_id, User.name)
        .outerjoin(User, User.id == Action.owner_id).where(Action.force_id == force.id)
        .order_by(Action.reference)).all()
    milestones = session.execute(
        select(Milestone.action_id, Milestone.due_date, Milestone.completed_date)
        .join(Action, Action.id == Milestone.action_id).where(Action.force_id == force.id)).all()
    late_milestones = {m.action_id for m in milestones
                       if m.completed_date is None and m.due_date is not None and m.due_date < today}
    rags = {a.id: compute_rag(status=a.status, due_date=a.current_due_date, last_update_at=a.last_update_at,
                              has_overdue_milestone=a.id in late_milestones, today=today) for a in actions}
    overdue = sorted((a for a in actions if is_overdue(a, today)), key=lambda a: (a.current_due_date, a.reference))
    pillar_codes = {pillar_id: code for pillar_id, code, _ in pillars}

    status = Table("status-by-pillar", "Actions by status and pillar",
                   ["Pillar", *[STATUS_LABELS[s] for s in STATUSES], "Overdue", "Red", "Amber", "Green"],
                   numeric=frozenset(range(1, len(STATUSES) + 5)))
    cells = []
    for pillar_id, code, name in pillars:
        mine = [a for a in actions if a.pillar_id == pillar_id]
        by = {s: sum(1 for a in mine if a.status == s) for s in STATUSES}
        by["overdue"] = sum(1 for a in overdue if a.pillar_id == pillar_id)
        by.update({r: sum(1 for a in mine if rags[a.id] == r) for r in RAGS})
        status.add([f"{code} {name}", *(by[k] for k in (*STATUSES, "overdue", *RAGS))],
                   {0: ("plans.force_plan", {"code": force.code, "pillar": code})})
        cells.append({"actions": len(mine), "complete": by["complete"], "closed": by["closed_not_needed"],
                      "overdue": by["overdue"], **{r: by[r] for r in RAGS}})
    headline = _headline(cells)

    overdue_table = Table("overdue-actions", "Overdue actions, longest overdue first",
                          ["Action", "Title", "Pillar", "Owner", "Due", "Days overdue"], numeric=frozenset({5}))
    for a in overdue:
        overdue_table.add([a.reference, a.title, pillar_codes.get(a.pillar_id, ""), a.name or "No owner",
                           a.current_due_date, (today - a.current_due_date).days],
                          {0: ("actions.show", {"action_id": a.id})})

    owners: dict[int, list] = {}
    for a in overdue:
        if a.owner_id is not None:
            owners.setdefault(a.owner_id, []).append(a)
    ranked = sorted(owners.values(), key=lambda mine: (-len(mine), mine[0].name))[:TOP_N]
    owners_table = Table("owners-most-overdue", f"Owners with the most overdue actions (top {TOP_N})",
                         ["Owner", "Overdue actions", "Longest overdue (days)"], numeric=frozenset({1, 2}))
    for mine in ranked:
        owners_table.add([mine[0].name, len(mine), (today - min(a.current_due_date for a in mine)).days])

    disagree = _disagreements_table()
    for a in actions:
        if a.declared_rag is not None and a.status not in CLOSED_STATUSES and a.declared_rag != rags[a.id]:
            disagree.add([a.reference, a.title, force.name, pillar_codes.get(a.pillar_id, ""),
                          RAG_LABELS.get(a.declared_rag, a.declared_rag), RAG_LABELS.get(rags[a.id], ""),
                          a.declared_rag_reason or ""], {0: ("actions.show", {"action_id": a.id})})

    tables = {t.name: t for t in (
        _headline_table(headline), status, burn_up(milestones), overdue_table,
        evidence_awaiting_review(session, force), owners_table, replanned(session, force), disagree)}
    return Dashboard(f"{force.name} dashboard", tables, headline)


def burn_up(milestones) -> Table:
    """Milestones planned (by due date) and done (by completion date), cumulative by week."""
    weeks: dict[date, list[int]] = {}
    for m in milestones:
        if m.due_date is not None:
            weeks.setdefault(week_start(m.due_date), [0, 0])[0] += 1
        if m.completed_date is not None:
            weeks.setdefault(week_start(m.completed_date), [0, 0])[1] += 1
    table = Table("milestone-burn-up", "Milestones planned and done, cumulative, by week",
                  ["Week beginning", "Planned in week", "Done in week", "Planned to date", "Done to date"],
                  numeric=frozenset({1, 2, 3, 4}))
    total_planned = total_done = 0
    for week in sorted(weeks):
        p, d = weeks[week]
        total_planned += p
        total_done += d
        table.add([week, p, d, total_planned, total_done])
    return table


def evidence_awaiting_review(session: Session, force: Force) -> Table:
    rows = session.execute(
        select(Evidence.id, Evidence.original_filename, Evidence.uploaded_at, Action.id, Action.reference,
               User.name)
        .join(Action, Action.id == Evidence.action_id).outerjoin(User, User.id == Evidence.uploaded_by_id)
        .where(Evidence.force_id == force.id, Evidence.review_state == "submitted", Evidence.withdrawn_at.is_(None))
        .order_by(Evidence.uploaded_at, Evidence.id))
    table = Table("evidence-awaiting-review", "Evidence awaiting review, oldest first",
                  ["File", "Action", "Uploaded by", "Uploaded"])
    for evidence_id, filename, uploaded_at, action_id, ref, uploader in rows:
        table.add([filename, ref, uploader or "", uploaded_at.date()],
                  {0: ("evidence.show", {"evidence_id": evidence_id}), 1: ("actions.show", {"action_id": action_id})})
    return table


def replanned(session: Session, force: Force) -> Table:
    moves = (select(DueDateChange.action_id, func.count(DueDateChange.id).label("moves"))
             .group_by(DueDateChange.action_id).subquery())
    rows = session.execute(
        select(Action.id, Action.reference, Action.title, moves.c.moves, Action.original_due_date,
               Action.current_due_date)
        .join(moves, moves.c.action_id == Action.id).where(Action.force_id == force.id)
        .order_by(moves.c.moves.desc(), Action.reference))
    table = Table("replanned-actions", "Re-planned actions: how many times the due date moved",
                  ["Action", "Title", "Times moved", "Original due", "Current due", "Days moved"],
                  numeric=frozenset({2, 5}))
    for action_id, ref, title, n, original, current in rows:
        shift = (current - original).days if current and original else ""
        table.add([ref, title, n, original or "", current or "", shift],
                  {0: ("actions.show", {"action_id": action_id})})
    return table
