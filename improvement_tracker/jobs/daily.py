"""The nightly and early-morning jobs: the day's snapshots (and the reporting periods ahead),
the national figures, housekeeping."""

from __future__ import annotations

from datetime import date, datetime

from improvement_tracker.jobs import Counts, Transaction, runs
from improvement_tracker.services import dashboards, reporting_periods, snapshots, submissions, users


def snapshot(transaction: Transaction, today: date) -> Counts:
    """Record today's progress snapshot (one row per force and pillar; a rerun replaces them)."""
    with transaction() as session:
        report = snapshots.build_live(session, today)
    return {"snapshot_rows": report.rows}


def ensure_periods(transaction: Transaction, today: date) -> list[str]:
    """Create the reporting periods not yet made, up to the quarter after today's
    (services.reporting_periods.ensure): each exists a quarter before its drafts open, and before
    its returns' reminders are due. Returns the labels of those made ("Q4 2026-27")."""
    with transaction() as session:
        return [reporting_periods.label(p) for p in reporting_periods.ensure(session, today)]


def national_figures(transaction: Transaction, today: date) -> Counts:
    """Precompute the heavy national dashboard figures (after the day's snapshots)."""
    with transaction() as session:
        dashboards.refresh_national_cache(session, today)
    return {}


def housekeeping(transaction: Transaction, now: datetime) -> Counts:
    """Forget what nobody needs any more, so the tables do not only grow: sign-in attempts past
    their use, job runs older than runs.KEEP_RUNS (the newest of each job stays), and forms' one-time
    tokens older than submissions.KEEP_FOR."""
    with transaction() as session:
        attempts = users.prune_login_attempts(session)
        job_runs = runs.prune(session, now)
        tokens = submissions.forget_old(session)
    return {"sign_in_attempts_removed": attempts, "job_runs_removed": job_runs, "form_tokens_removed": tokens}
