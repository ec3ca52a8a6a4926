"""The benchmark's dataset: a database per kind and seed, upgraded and generated through the
real commands, the environment the app runs with on it, and which of its users requests which
page.

The national dataset is generated once per seed (``flask demo generate``) and reused: a second
run starts at once. Everything a run keeps (the SQLite files, uploads, the outbox, a secret
key) is under benchmarks/.data/.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

from improvement_tracker.demo.national_people import DOMAIN

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DATA = ROOT / "benchmarks" / ".data"


def database_url(kind: str, seed: int) -> str:
    if kind == "postgresql":
        base = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
        return f"{base.rstrip('/')}/improvement_tracker_bench_s{seed}"
    return f"sqlite:///{DATA / f'bench-s{seed}.sqlite3'}"


def app_env(kind: str, seed: int) -> dict[str, str]:
    key_file = DATA / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
    return {
        "APP_ENV": "embedded",
        "DATABASE_URL": database_url(kind, seed),
        "SECRET_KEY": key_file.read_text().strip(),
        "UPLOAD_DIR": str(DATA / f"uploads-{kind}-s{seed}"),
        "OUTBOX_DIR": str(DATA / "outbox"),
        "INSTANCE_PATH": str(DATA / "instance"),
        "BASE_URL": "http://127.0.0.1",
    }


def create_postgres_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    server = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{parsed.database}"')


def flask(env: dict[str, str], *args: str) -> str:
    command = [str(VENV_BIN / "flask"), "--app", "wsgi", *args]
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **env},  # noqa: S603 - our own venv's flask
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(kind: str, args) -> dict[str, str]:
    """Create the database if needed, upgrade it and generate the seed's dataset; return the app's environment."""
    DATA.mkdir(parents=True, exist_ok=True)
    env = app_env(kind, args.seed)
    if kind == "postgresql":
        create_postgres_database(env["DATABASE_URL"])
    flask(env, "db", "upgrade")
    started = time.perf_counter()
    output = flask(env, "demo", "generate", "--forces", str(args.forces), "--actions-per-force",
                   str(args.actions_per_force), "--seed", str(args.seed))
    print(f"  dataset ready in {time.perf_counter() - started:.0f} s: "
          f"{output.splitlines()[0]}\n  {output.splitlines()[1]}")
    return env


def existing(kind: str, args) -> dict[str, str]:
    """The app's environment on the database as it is (--no-prepare: no upgrade, no generation)."""
    DATA.mkdir(parents=True, exist_ok=True)
    return app_env(kind, args.seed)


def csrf_token(sign_in_page: str) -> str:
    """The CSRF token of the sign-in form."""
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', sign_in_page) or re.search(
        r'name="csrf_token" value="([^"]+)"', sign_in_page)
    return token.group(1)


def choose_paths(app, seed: int, clients: int) -> dict[str, list[tuple[str, str]]]:
    """(email, path) per client for every page, spread over forces, owners and actions."""
    from sqlalchemy import select

    from improvement_tracker.extensions import db
    from improvement_tracker.models import Action, Commitment, Force, QuarterlyReturn, ReportingPeriod, User
    from improvement_tracker.models.returns import ReturnVersion
    from improvement_tracker.services import reporting_periods

    with app.app_context():
        pms = db.session.execute(select(User.email, Force.code).join(Force, Force.id == User.force_id).where(
            User.role == "programme_manager", User.email.like(f"pm.%.s{seed}@{DOMAIN}"))
            .order_by(Force.name)).all()
        owners = db.session.execute(select(User.id, User.email).where(
            User.role == "action_owner", User.email.like(f"owner1.%.s{seed}@{DOMAIN}")).order_by(User.email)).all()
        oversight = [f"oversight{n}.s{seed}@{DOMAIN}" for n in (1, 2)]
        owner_actions = {owner_id: list(db.session.scalars(select(Action.id).where(Action.owner_id == owner_id)
                                                           .order_by(Action.id).limit(10)))
                         for owner_id, _ in owners[:clients]}
        # Every submitted version of each force's quarterly returns (demo generate writes four quarters).
        return_pages: dict[str, list[str]] = {}
        for code, year, quarter, number in db.session.execute(
                select(Force.code, ReportingPeriod.financial_year, ReportingPeriod.quarter, ReturnVersion.number)
                .join(QuarterlyReturn, QuarterlyReturn.force_id == Force.id)
                .join(ReportingPeriod, ReportingPeriod.id == QuarterlyReturn.period_id)
                .join(ReturnVersion, ReturnVersion.return_id == QuarterlyReturn.id)
                .where(Force.code.in_([code for _, code in pms]))
                .order_by(Force.name, ReportingPeriod.financial_year.desc(), ReportingPeriod.quarter.desc(),
                          ReturnVersion.number.desc())):
            slug = reporting_periods.slug(reporting_periods.Quarter(year, quarter))
            return_pages.setdefault(code, []).append(f"/forces/{code}/returns/{slug}/versions/{number}")
        commitments = list(db.session.scalars(select(Commitment.reference).where(Commitment.state == "published")
                                              .order_by(Commitment.reference)))
    if not commitments:
        sys.exit("the dataset has no national commitments: run `flask demo generate` on it again to add them")
    if not return_pages:
        sys.exit("the dataset has no quarterly returns: run `flask demo generate` on it again to add them")
    every_return_page = [path for paths in return_pages.values() for path in paths]
    per_client: dict[str, list[tuple[str, str]]] = {}
    pick = [pms[n % len(pms)] for n in range(clients)]
    pick_owners = [owners[n % len(owners)] for n in range(clients)]
    per_client["/healthz"] = [("", "/healthz")] * clients
    per_client["national dashboard"] = [(oversight[n % 2], "/dashboards/national") for n in range(clients)]
    per_client["force dashboard"] = [(email, f"/forces/{code}/dashboard") for email, code in pick]
    per_client["force plan, filtered"] = [
        (email, f"/forces/{code}?pillar=P{n % 6 + 1}&status=in_progress") for n, (email, code) in enumerate(pick)]
    per_client["action page"] = [
        (email, ",".join(f"/actions/{a}" for a in owner_actions[owner_id])) for owner_id, email in pick_owners]
    per_client["my actions"] = [(email, "/my-actions") for _, email in pick_owners]
    per_client["CSV export (force plan)"] = [(email, f"/forces/{code}/plan.csv") for email, code in pick]
    per_client["national returns"] = [(oversight[n % 2], "/returns") for n in range(clients)]
    # Each client reads its force's returns in turn (another force's when that one has none submitted).
    per_client["return page"] = [
        (oversight[n % 2], ",".join(return_pages.get(code) or every_return_page[n % len(every_return_page):][:4]))
        for n, (_, code) in enumerate(pick)]
    # The national outcomes page for each measure in turn (oversight), and each force's outcomes page.
    measures = ["charge_rate", "referrals", "phones_returned_24h_share", "median_days_to_charge"]
    per_client["national outcomes"] = [
        (oversight[n % 2], ",".join(f"/outcomes?measure={m}" for m in measures[n % 4:] + measures[:n % 4]))
        for n in range(clients)]
    per_client["force outcomes"] = [(email, f"/forces/{code}/outcomes") for email, code in pick]
    # Each published commitment's page across its forces (oversight), each client starting at another.
    per_client["commitment page"] = [
        (oversight[n % 2], ",".join(f"/commitments/{r}" for r in commitments[n % len(commitments):]
                                    + commitments[:n % len(commitments)]))
        for n in range(clients)]
    # Search (oversight, every force): common words of the generated plans in turn, each client starting at
    # another; "victim training" needs both words, "victim&kind=actions" is one kind's results.
    searches = ["investigators", "victim", "training", "victim+training", "suspect", "victim&kind=actions&page=3"]
    per_client["search"] = [
        (oversight[n % 2], ",".join(f"/search?q={q}" for q in searches[n % 6:] + searches[:n % 6]))
        for n in range(clients)]
    return per_client
