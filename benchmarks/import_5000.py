"""Measure a 5,000-row plan import: time and peak memory of each step.

    .venv/bin/python benchmarks/import_5000.py                    # a throwaway SQLite database
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/import_5000.py

The file is the largest the import accepts: one deep dive, 250 findings, 1,250 actions and
3,499 milestones (5,000 rows), written as XLSX by openpyxl. It is checked once (the preview),
then checked and written in one transaction (the confirmation), then checked again as a
re-import that changes nothing. Times are wall clock and CPU; peak memory is Python's own
allocation during the preview (tracemalloc, in a separate pass because it slows everything
down) and the process's maximum resident size at the end (getrusage). Nothing here is a
pass/fail test.
"""

from __future__ import annotations

import os
import resource
import secrets
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.plan_workbook import plan_workbook  # noqa: E402 - once the repository is on sys.path

FINDINGS, MILESTONES = 250, 3499  # and five actions for each finding


def build_file(owner_emails: list[str]) -> bytes:
    start = date(2026, 4, 1)
    return plan_workbook(owner_emails, deep_dive="Benchmark deep dive", period="2022", prefix="BM", findings=FINDINGS,
                         milestones=MILESTONES, start=start, finding_title="Finding number {}",
                         # The due dates as dd/mm/yyyy text, the start dates as dates: the import reads both.
                         due=lambda a: (start + timedelta(days=30 * (a + 1))).strftime("%d/%m/%Y"))


def resident_mib() -> float | None:
    """The process's current resident memory (Linux), to see what the import adds to it."""
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return None
    return int(line.split()[1]) / 1024


def measure(label: str, work, *, memory: bool = False):
    """Wall and CPU time of one step; with memory=True, its peak Python allocation instead (slower)."""
    if memory:
        tracemalloc.start()
    began, cpu = time.perf_counter(), time.process_time()
    result = work()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    if memory:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{label:<46} peak {peak / 1024 / 1024:6.1f} MiB (tracemalloc)")
    else:
        print(f"{label:<46} {elapsed:6.2f} s wall, {cpu:6.2f} s CPU")
    return result


def main() -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from improvement_tracker import create_app
    from improvement_tracker.extensions import db
    from improvement_tracker.models import Force, User
    from improvement_tracker.services import imports, users

    workdir = tempfile.mkdtemp(prefix="import-bench-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["INSTANCE_PATH"] = workdir
    app = create_app({"ENV": {"DATABASE_URL": database_url, "SECRET_KEY": "x" * 40}})
    with app.app_context():
        upgrade()
        force = db.session.scalar(select(Force).where(Force.code == "avon-and-somerset"))
        password = secrets.token_urlsafe(16)
        hashed = users.hash_password(password)
        pm = users.create_user(db.session, email="pm@bench.police.uk", name="Bench PM", role="programme_manager",
                               force_code=force.code, password=password, actor=None, password_hash=hashed)
        owners = [users.create_user(db.session, email=f"owner{n}@bench.police.uk", name=f"Owner {n}",
                                    role="action_owner", force_code=force.code, password=password, actor=None,
                                    password_hash=hashed).email for n in range(20)]
        db.session.commit()
        pm = db.session.get(User, pm.id)

        before = resident_mib()
        data = measure("build the 5,000-row XLSX (openpyxl)", lambda: build_file(owners))
        print(f"file size: {len(data) / 1024:.0f} KiB ({len(data):,} bytes)")

        def preview():
            report = imports.check(db.session, force, data, "bench.xlsx", actor=pm)
            db.session.rollback()
            return report

        report = measure("preview: read and check", preview)
        assert report.ok, report.errors[:5]
        print(f"rows read: {report.rows_read:,}; would do: {report.summary()}")
        measure("preview: read and check", preview, memory=True)

        def confirm():
            checked = imports.check(db.session, force, data, "bench.xlsx", actor=pm)
            imports.apply(db.session, force, checked, actor=pm, create_owners=False)
            db.session.commit()
            return checked

        measure("confirm: check again, write all, commit", confirm)
        again = measure("re-import of the same file: check", preview)
        print(f"re-import would do: {again.summary()}")
        after = resident_mib()
        if before is not None and after is not None:
            print(f"resident memory: {before:.0f} MiB before building the file, {after:.0f} MiB after the import "
                  f"(+{after - before:.0f} MiB)")
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory: {peak_rss:.0f} MiB (getrusage, whole run; the set-up's argon2 password "
          "hash alone takes 64 MiB)")
    print(f"database: {database_url.split('@')[-1]}; load average while running: {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
