"""The national dashboard and the pillar view: every force at once, for oversight.

The heavy figures (every force × pillar count and the weekly trend) are a JSON payload kept in
the settings table under CACHE_KEY, refreshed by the scheduler's daily job and by an admin
(docs/dashboards.md). The payload covers all forces; cohort and country filters are applied to
it on reading. Disagreements between declared and computed RAG are read live.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, Force, Pillar, ProgressSnapshot, Setting, User
from improvement_tracker.services import plan_rules
from improvement_tracker.services.dashboards.common import (
    RAGS,
    TOP_N,
    Dashboard,
    Filters,
    by_month,
    cell_percent,
    headline,
    headline_table,
)
from improvement_tracker.services.plan_rules import RAG_LABELS, completion_base, percent
from improvement_tracker.services.tables import Link, Table

CACHE_KEY = "dashboard_cache:national"
TREND_WEEKS = 52


def _total(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- the payload, precomputed daily -------------------------------------------------------

def compute_national_payload(session: Session, today: date) -> dict:
    """Every force × pillar count and the weekly trend: 5 queries, JSON-ready."""
    rag = plan_rules.rag_sql(today)
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
                   _total(Action.status == "closed_not_needed"), _total(plan_rules.overdue_sql(today)),
                   _total(rag == "red"), _total(rag == "amber"), _total(rag == "green"))
            .group_by(Action.force_id, Action.pillar_id))
    ]
    latest = session.scalar(select(func.max(ProgressSnapshot.day)).where(ProgressSnapshot.day <= today))
    trend = []
    if latest is not None:
        days = [latest - timedelta(weeks=n) for n in range(TREND_WEEKS, -1, -1)]
        base = completion_base(actions=ProgressSnapshot.actions, closed_not_needed=ProgressSnapshot.closed_not_needed)
        trend = [
            {"day": r[0].isoformat(), "pillar_id": r[1], "cohort": r[2], "country": r[3],
             "complete": int(r[4] or 0), "base": int(r[5] or 0)}
            for r in session.execute(
                select(ProgressSnapshot.day, ProgressSnapshot.pillar_id, Force.cohort, Force.country,
                       func.sum(ProgressSnapshot.complete), func.sum(base))
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


def payload_stamp(session: Session) -> datetime | None:
    """When the stored payload was last written: what is worked out from it is kept under this."""
    return session.scalar(select(Setting.updated_at).where(Setting.key == CACHE_KEY))


def national_payload(session: Session, today: date) -> tuple[dict, datetime | None]:
    """Today's stored payload with the time it was computed; computed now (time None) if none."""
    row = session.get(Setting, CACHE_KEY)
    if row is not None and isinstance(row.value, dict) and row.value.get("payload", {}).get("day") == today.isoformat():
        return row.value["payload"], datetime.fromisoformat(row.value["computed_at"])
    return compute_national_payload(session, today), None


# --- the national tables ------------------------------------------------------------------

def _or_blank(value: int | None) -> int | str:
    return "" if value is None else value


def national_dashboard(payload: dict, computed_at: datetime | None, filters: Filters) -> Dashboard:
    """The national dashboard's tables from the payload (the disagreements are added live)."""
    forces = [f for f in payload["forces"] if filters.matches(f["cohort"], f["country"])]
    force_ids = {f["id"] for f in forces}
    pillars = payload["pillars"]
    cells = {(c["force_id"], c["pillar_id"]): c for c in payload["grid"] if c["force_id"] in force_ids}
    chosen = list(cells.values())
    figures = headline(chosen)

    heatmap = Table("completion", "Completion by force and pillar (% of actions complete)",
                    ["Force", *[p["code"] for p in pillars], "All pillars"],
                    numeric=frozenset(range(1, len(pillars) + 2)))
    for f in forces:
        row: list[Any] = [f["name"]]
        links: dict[int, Link] = {0: ("dashboards.force", {"code": f["code"]})}
        mine = []
        for i, p in enumerate(pillars, start=1):
            c = cells.get((f["id"], p["id"]))
            if c is None or not c["actions"]:
                row.append("")
                continue
            row.append(_or_blank(cell_percent(c)))
            links[i] = ("plans.force_plan", {"code": f["code"], "pillar": p["code"]})
            mine.append(c)
        row.append(_or_blank(headline(mine)["percent_complete"]))
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
            values.append(_or_blank(percent(done, base)))
        trend.add([date.fromisoformat(day), *values])

    tables = {t.name: t for t in (headline_table(figures), heatmap, rag_by_pillar, most_overdue, trend)}
    return Dashboard("National dashboard", tables, figures, computed_at)


def trend_by_month(trend: Table) -> Table:
    """The weekly trend's last point in each month: the board pack prints this beside the chart."""
    return by_month(trend, "Completion by pillar over time: the last weekly point of each month (% complete)")


def disagreements_table() -> Table:
    return Table("rag-disagreements", "Declared RAG different from the computed RAG",
                 ["Action", "Title", "Force", "Pillar", "Declared", "Computed", "Reason given"])


def disagreements(session: Session, today: date, filters: Filters) -> Table:
    """Open actions whose declared RAG differs from the computed one, read from the plans as they are."""
    rag = plan_rules.rag_sql(today).label("computed")
    query = (select(Action.id, Action.reference, Action.title, Force.name, Pillar.code,
                    Action.declared_rag, rag, Action.declared_rag_reason)
             .join(Force, Force.id == Action.force_id).join(Pillar, Pillar.id == Action.pillar_id)
             .where(Action.declared_rag.is_not(None), plan_rules.open_sql())
             .order_by(Force.name, Action.reference))
    if filters.cohort:
        query = query.where(Force.cohort == filters.cohort)
    if filters.country:
        query = query.where(Force.country == filters.country)
    table = disagreements_table()
    for action_id, ref, title, force_name, pillar, declared, computed, reason in session.execute(query):
        if declared == computed:
            continue
        table.add([ref, title, force_name, pillar, RAG_LABELS.get(declared, declared),
                   RAG_LABELS.get(computed, ""), reason or ""],
                  {0: ("actions.show", {"action_id": action_id})})
    return table


# --- one pillar across forces, ranked -----------------------------------------------------

def pillar_view(payload: dict, computed_at: datetime | None, pillar: Pillar, filters: Filters) -> Dashboard:
    forces = [f for f in payload["forces"] if filters.matches(f["cohort"], f["country"])]
    cells = {c["force_id"]: c for c in payload["grid"] if c["pillar_id"] == pillar.id}
    ranked = []
    for f in forces:
        c = cells.get(f["id"])
        if c is None or not c["actions"]:
            continue
        ranked.append((f, c, cell_percent(c)))
    ranked.sort(key=lambda x: (-(x[2] if x[2] is not None else -1), x[1]["overdue"], x[0]["name"]))
    table = Table("ranking", f"{pillar.code} {pillar.name}: forces ranked by % complete",
                  ["Rank", "Force", "% complete", "Actions", "Complete", "Overdue", "Red", "Amber", "Green"],
                  numeric=frozenset({0, 2, 3, 4, 5, 6, 7, 8}))
    for rank, (f, c, pct) in enumerate(ranked, start=1):
        table.add([rank, f["name"], _or_blank(pct), c["actions"], c["complete"], c["overdue"],
                   c["red"], c["amber"], c["green"]],
                  {1: ("plans.force_plan", {"code": f["code"], "pillar": pillar.code})})
    return Dashboard(f"{pillar.code} {pillar.name}", {"ranking": table}, headline(c for _, c, _ in ranked),
                     computed_at)
