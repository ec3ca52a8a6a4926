"""The benchmark's results: each page's figures checked against the targets, the jobs' and the
workers' memory likewise, printed as a table per database and written as Markdown (--markdown).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from benchmarks.load import percentile

# The targets (p95 in milliseconds, the rest as named).
P95_NATIONAL_MS = 250
P95_OTHER_MS = 150
MIN_SHARE_OF_HEALTHZ = 0.25
MAX_JOB_SECONDS = {"daily reminders": 5.0, "snapshot build": 5.0, "2,000-row import": 10.0}
MAX_QUERIES = 20
MAX_RSS_MB = 250


@dataclass
class PageResult:
    name: str
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    queries: int | None = None
    share_of_healthz: float | None = None
    checks: dict[str, bool] = field(default_factory=dict)


def database_report(kind: str, raw: dict[str, tuple[list[float], int, float]], queries: dict[str, int],
                    timings: dict[str, float], rss: list[float]) -> dict:
    """One database's results, each checked against its target."""
    pages: list[PageResult] = []
    for name, (latencies, errors, elapsed) in raw.items():
        ms = [x * 1000 for x in latencies]
        pages.append(PageResult(name, len(ms), errors, round(len(ms) / elapsed, 1), round(percentile(ms, 50), 1),
                                round(percentile(ms, 95), 1), round(percentile(ms, 99), 1),
                                queries=queries.get(name)))
    floor = next(p for p in pages if p.name == "/healthz").rps
    for page in pages:
        page.share_of_healthz = round(page.rps / floor, 3) if floor else None
        if page.name == "/healthz":
            continue
        limit = P95_NATIONAL_MS if page.name in ("national dashboard", "national outcomes") else P95_OTHER_MS
        page.checks = {f"p95 < {limit} ms": page.p95_ms < limit,
                       f"throughput ≥ {MIN_SHARE_OF_HEALTHZ:.0%} of /healthz": (page.share_of_healthz or 0)
                       >= MIN_SHARE_OF_HEALTHZ,
                       f"≤ {MAX_QUERIES} queries": page.queries is not None and page.queries <= MAX_QUERIES,
                       "no errors": page.errors == 0}
    jobs = {name: {"seconds": round(seconds, 2), "target_seconds": MAX_JOB_SECONDS[name],
                   "met": seconds < MAX_JOB_SECONDS[name]} for name, seconds in timings.items()}
    memory = {"peak_rss_mb_per_worker": rss, "target_mb": MAX_RSS_MB, "met": bool(rss) and max(rss) < MAX_RSS_MB}
    return {"database": kind, "pages": [asdict(p) for p in pages], "jobs": jobs, "memory": memory}


def print_report(report: dict) -> None:
    print(f"\n{'page':<26} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'÷ healthz':>9} "
          f"{'queries':>7} {'errors':>6}  targets")
    for page in report["pages"]:
        missed = [name for name, ok in page["checks"].items() if not ok]
        verdict = "-" if not page["checks"] else ("met" if not missed else "MISSED: " + "; ".join(missed))
        share = f"{page['share_of_healthz']:.0%}" if page["share_of_healthz"] is not None else "-"
        queries = page["queries"] if page["queries"] is not None else "-"
        print(f"{page['name']:<26} {page['p50_ms']:>8.1f} {page['p95_ms']:>8.1f} {page['p99_ms']:>8.1f} "
              f"{page['rps']:>8.1f} {share:>9} {queries:>7} {page['errors']:>6}  {verdict}")
    for name, job in report["jobs"].items():
        print(f"{name:<26} {job['seconds']:>8.2f} s   (target < {job['target_seconds']:.0f} s: "
              f"{'met' if job['met'] else 'MISSED'})")
    memory = report["memory"]
    print(f"{'peak RSS per worker':<26} {', '.join(f'{m:.0f} MB' for m in memory['peak_rss_mb_per_worker'])}   "
          f"(target < {memory['target_mb']} MB: {'met' if memory['met'] else 'MISSED'})")


def markdown(result: dict) -> str:
    """The results as Markdown tables (benchmarks/RESULTS.md is written with --markdown)."""
    settings = result["settings"]
    kind = "sync workers" if settings["threads"] == 1 else "gthread workers"
    lines = [f"# Benchmark results ({result['when']})", "",
             f"{settings['forces']} forces × {settings['actions_per_force']} actions (seed {settings['seed']}); "
             f"gunicorn with {settings['workers']} {kind}; "
             f"{settings['clients']} concurrent clients for {settings['duration']:.0f} s per page after "
             f"{settings['warmup']:.0f} s of warm-up; {result['machine']['cpus']} CPUs, Python "
             f"{result['machine']['python']}. Produced by `make bench` (benchmarks/run.py).", ""]
    for report in result["results"]:
        lines += [f"## {report['database']}", "",
                  "| page | p50 ms | p95 ms | p99 ms | req/s | ÷ /healthz | queries | errors | targets |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        for page in report["pages"]:
            missed = [name for name, ok in page["checks"].items() if not ok]
            verdict = "–" if not page["checks"] else ("met" if not missed else "MISSED: " + "; ".join(missed))
            lines.append(f"| {page['name']} | {page['p50_ms']:.1f} | {page['p95_ms']:.1f} | {page['p99_ms']:.1f} | "
                         f"{page['rps']:.1f} | {page['share_of_healthz']:.0%} | {page['queries']} | {page['errors']} | "
                         f"{verdict} |")
        lines += ["", "| job | seconds | target |", "|---|---:|---|"]
        lines += [f"| {name} | {job['seconds']:.2f} | < {job['target_seconds']:.0f} s: "
                  f"{'met' if job['met'] else 'MISSED'} |" for name, job in report["jobs"].items()]
        memory = report["memory"]
        peaks = ", ".join(f"{m:.0f} MB" for m in memory["peak_rss_mb_per_worker"])
        lines += ["", f"Peak resident memory per worker: {peaks} "
                  f"(target < {memory['target_mb']} MB: {'met' if memory['met'] else 'MISSED'}).", ""]
    return "\n".join(lines)


def all_met(report: dict) -> bool:
    return (all(all(p["checks"].values()) for p in report["pages"])
            and all(j["met"] for j in report["jobs"].values()) and report["memory"]["met"])
