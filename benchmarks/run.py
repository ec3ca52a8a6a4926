"""Load benchmark at national scale: the pages under gunicorn, the daily jobs, an import.

    make bench                                           # PostgreSQL, then SQLite for comparison
    .venv/bin/python benchmarks/run.py --db postgresql --duration 20 --clients 16 --workers 2

For each database it:

1. creates the database if needed, upgrades it and generates the national dataset
   (`flask --app wsgi demo generate --forces 43 --actions-per-force 150 --seed N`; a seed
   already generated is reused, so a second run starts at once);
2. in-process, counts the SQL queries each page issues (the same pages, signed in as the same
   roles) and times the daily reminders computation, the snapshot build and a 2,000-row
   import, undoing what each wrote so that the next run measures the same thing;
3. starts gunicorn (sync workers) on the dataset, signs in one session per client as the role
   each page is for, and for each page runs CLIENTS concurrent clients in a closed loop for
   DURATION seconds (after a short warm-up): p50/p95/p99 latency and requests per second,
   with /healthz measured the same way as the floor;
4. reads each worker's peak resident memory (VmHWM) and checks every target.

It prints a table per database and writes everything to a JSON file. Nothing here is a
pass/fail test: the exit status is 1 when a target is missed, so a run can be scripted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import dataset, load, measures, report  # noqa: E402 - once the repository is on sys.path


def run_database(kind: str, args) -> dict:
    print(f"\n=== {kind} ===")
    env = dataset.existing(kind, args) if args.no_prepare else dataset.prepare(kind, args)
    app = measures.make_app(env)
    per_client = dataset.choose_paths(app, args.seed, args.clients)
    if args.pages:
        wanted = {"/healthz", *args.pages.split(",")}
        per_client = {name: pairs for name, pairs in per_client.items() if name in wanted}
    queries = measures.count_page_queries(app, per_client)
    timings = {} if args.skip_jobs else measures.time_jobs(app, args.seed)
    with app.app_context():
        from improvement_tracker.extensions import db

        db.engine.dispose()

    raw, rss = load.measure(env, per_client, workers=args.workers, threads=args.threads, duration=args.duration,
                            warmup=args.warmup)
    result = report.database_report(kind, raw, queries, timings, rss)
    report.print_report(result)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--forces", type=int, default=43)
    parser.add_argument("--actions-per-force", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker: 1 = sync workers (gunicorn.conf.py's default)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--pages", help="comma-separated page names to measure (default every page)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds measured per page")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unrecorded load per page first")
    parser.add_argument("--skip-jobs", action="store_true", help="measure the pages only")
    parser.add_argument("--no-prepare", action="store_true",
                        help="use the database as it is: no upgrade, no generation (to measure an older checkout)")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results.json"))
    parser.add_argument("--markdown", help="also write the tables as Markdown to this file")
    args = parser.parse_args()

    kinds = ["postgresql", "sqlite"] if args.db == "both" else [args.db]
    started = time.time()
    reports = [run_database(kind, args) for kind in kinds]
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_end": os.getloadavg()},
        "settings": {k: v for k, v in vars(args).items() if k != "output"},
        "seconds": round(time.time() - started),
        "results": reports,
    }
    Path(args.output).write_text(json.dumps(result, indent=2))
    print(f"\nResults written to {args.output}")
    if args.markdown:
        Path(args.markdown).write_text(report.markdown(result))
        print(f"Table written to {args.markdown}")
    return 0 if all(report.all_met(r) for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
