"""Flask CLI commands: `flask --app wsgi <command>`.

- ``users create``: make an account (the first admin, typically). The password is read from
  standard input, never from the command line, so it stays out of shell history and `ps`.
- ``seed-demo``: load the five pathfinder forces' demo plans and print the sign-in table.
  Refused in production.
- ``demo generate``: a national-scale dataset for load tests and benchmarks. Refused in production.

Every failure exits non-zero with one line on standard error saying why.
"""

from __future__ import annotations

import sys
from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from improvement_tracker import imports_cli, outcomes_cli
from improvement_tracker.demo import pathfinders
from improvement_tracker.demo.accounts import DemoAccount
from improvement_tracker.extensions import db
from improvement_tracker.models.users import FORCE_ROLES, ROLES
from improvement_tracker.security import ROLE_LABELS
from improvement_tracker.services import users
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.inputs import has_control_characters


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = (sys.stdin.read() if sys.stdin is not None else "").rstrip("\r\n")
        if "\n" in password or "\r" in password:
            raise click.ClickException("The password must be on one line")
        return password
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    raise click.ClickException("Give the password on standard input with --password-stdin")


def _sign_in_table(accounts: list[DemoAccount], password: str) -> str:
    rows = [("Role", "Force", "Email")]
    rows += [(ROLE_LABELS.get(a.role, a.role), a.force_code or "-", a.email) for a in accounts]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{role:<{widths[0]}}  {force:<{widths[1]}}  {email}" for role, force, email in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    lines.append(f"Password for every demo account: {password}")
    return "\n".join(lines)


def register(app: Flask) -> None:
    register_reminders(app)
    register_snapshots(app)
    register_generator(app)
    imports_cli.register(app)
    outcomes_cli.register(app)
    users_group = AppGroup("users", help="Manage user accounts.")

    @users_group.command("create")
    @click.option("--email", required=True, help="The user's email address: they sign in with it.")
    @click.option("--name", required=True, help="The user's full name.")
    @click.option("--role", required=True, metavar="ROLE", help=f"One of: {', '.join(ROLES)}.")
    @click.option("--force", "force_code", metavar="CODE",
                  help="The force's code, like avon-and-somerset (programme managers and action owners).")
    @click.option("--password-stdin", is_flag=True,
                  help="Read the password (12 characters or more) from standard input.")
    def create_user(email: str, name: str, role: str, force_code: str | None, password_stdin: bool) -> None:
        """Create a user account, in one transaction with its audit event."""
        if force_code and role in ROLES and role not in FORCE_ROLES:
            raise click.ClickException(f"A user with the role {role} does not belong to a force: leave out --force")
        password = _read_password(password_stdin)
        if any(has_control_characters(text or "") for text in (email, name, role, force_code, password)):
            raise click.ClickException("The options must not include control characters")
        try:
            user = users.create_user(db.session, email=email, name=name, role=role,
                                     force_code=force_code or None, password=password, actor=None)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        except IntegrityError:  # another process created the same email in the meantime
            db.session.rollback()
            raise click.ClickException("A user with this email address already exists") from None
        click.echo(f"Created {user.role} {user.email}")

    app.cli.add_command(users_group)

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load demo plans for the five pathfinder forces (never in production)."""
        if app.config.get("PRODUCTION"):
            raise click.ClickException(
                "seed-demo is refused in production: the demo accounts share a published password"
            )
        try:
            result = pathfinders.seed(db.session)
            db.session.commit()
        except (ServiceError, ValueError) as error:
            db.session.rollback()
            message = error.message if isinstance(error, ServiceError) else str(error)
            raise click.ClickException(f"The demo data could not be loaded: {message}") from None
        except IntegrityError:
            db.session.rollback()
            raise click.ClickException(
                "The demo data could not be loaded: it clashes with existing data (is another seed-demo running?)"
            ) from None
        counts = result.counts
        if result.created:
            from improvement_tracker.services import clock, snapshots

            # A year of daily snapshots rebuilt from the demo's history, so the trend charts are not empty.
            snapshots.backfill(db.session, clock.today(), 365)
            snapshots.build_live(db.session, clock.today())
            db.session.commit()
            click.echo(
                f"Demo data loaded: {counts['forces']} forces, {counts['findings']} findings, "
                f"{counts['actions']} actions, {counts['milestones']} milestones, "
                f"{counts['progress_updates']} progress updates, {counts.get('outcome_figures', 0)} outcome "
                f"figures, {counts.get('commitments', 0)} national commitments and a year of daily snapshots."
            )
        else:
            click.echo("Demo data already present: nothing added.")
        click.echo("")
        click.echo(_sign_in_table(result.accounts, result.password))


def _day_option(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option, or exit 2 with a one-line reason."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        click.echo(f"Error: {option} must be a date like 2026-11-27, not {value!r}", err=True)
        sys.exit(2)


def register_reminders(app: Flask) -> None:
    """Reminders, the outbox and the scheduler process (each a caller of improvement_tracker.jobs)."""
    from improvement_tracker import jobs, scheduler
    from improvement_tracker.jobs import reminders as reminders_job
    from improvement_tracker.jobs import timetable
    from improvement_tracker.services import clock

    reminders_group = AppGroup("reminders", help="Reminder emails.")

    def items(n: int) -> str:
        return f"{n} item{'s' if n != 1 else ''}"

    @reminders_group.command("run")
    @click.option("--today", "day", metavar="YYYY-MM-DD",
                  help="Run as if it were this day (Europe/London); not then recorded as the 07:00 job's run.")
    @click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
    def run_reminders(day: str | None, dry_run: bool) -> None:
        """The 07:00 job: every reminder due today and, on the week's first run on a working day, the weekly
        summaries; each item claimed once, one digest per person."""
        today = _day_option(day, "--today") or clock.today()
        if dry_run:
            # The same plan the real run queues, less what is already claimed; rolled back, so
            # nothing is written whatever happens.
            planned = reminders_job.preview(jobs.read_only(db.session), today)
            if not planned.working_day:
                click.echo(f"{today} is not a working day in England and Wales: no reminders are sent.")
                return
            for email in planned.emails:
                click.echo(f"{email.recipient_email}: {email.subject} ({items(len(email.claims))})")
                for claim in email.claims:
                    click.echo(f"  {claim.line}")
            click.echo(f"Dry run for {today}: would send {len(planned.emails)} emails to {planned.recipients} "
                       f"recipients ({items(planned.items)}). Nothing was sent or recorded.")
            return
        # Today's run is the 07:00 job's, done by hand (recorded: it counts for /healthz/scheduler).
        report = scheduler.daily_reminders(app, today, trigger="command" if today == clock.today() else None)
        if not report.working_day:
            click.echo(f"{today} is not a working day in England and Wales: no reminders are sent.")
            return
        click.echo(f"Reminders for {today}: {len(report.notifications)} emails to {report.recipients} recipients "
                   f"({items(report.items_queued)}; {len(report.items) - report.items_queued} sent before).")

    outbox_group = AppGroup("outbox", help="The email outbox.")

    @outbox_group.command("send")
    def send_outbox() -> None:
        """Deliver pending emails now."""
        report = scheduler.send_outbox(app)
        click.echo(f"Outbox: {len(report.sent)} sent, {len(report.retrying)} to retry, "
                   f"{len(report.failed) + report.interrupted} failed.")

    scheduler_group = AppGroup("scheduler", help="The one scheduler process.")

    @scheduler_group.command("run", help=f"Run the jobs ({timetable.summary()}; Europe/London). "
                                         "Run exactly one scheduler.")
    def run_scheduler() -> None:
        click.echo("Scheduler running (Europe/London). Ctrl+C to stop.")
        scheduler.run(app)

    for group in (reminders_group, outbox_group, scheduler_group):
        app.cli.add_command(group)


def register_snapshots(app: Flask) -> None:
    """Daily progress snapshots for the trend charts."""
    from improvement_tracker import scheduler
    from improvement_tracker.services import clock, snapshots

    group = AppGroup("snapshots", help="Daily progress snapshots.")

    @group.command("build")
    @click.option("--date", "day", metavar="YYYY-MM-DD",
                  help="The day to record (default today). A past day is rebuilt from the plan's history.")
    @click.option("--backfill", "days", type=click.IntRange(1, 3660), metavar="DAYS",
                  help="Also rebuild this many days before today from history (days recorded live are kept).")
    def build(day: str | None, days: int | None) -> None:
        """Record one row per (day, force, pillar). Safe to rerun: a day's rows are replaced, never doubled."""
        today = clock.today()
        target = _day_option(day, "--date") or today
        if target > today:
            click.echo("Error: --date cannot be in the future", err=True)
            sys.exit(2)
        if days:
            reports = snapshots.backfill(db.session, today, days)
            db.session.commit()
            rebuilt = [r for r in reports if not r.skipped]
            click.echo(f"Rebuilt {len(rebuilt)} past days from history ({len(reports) - len(rebuilt)} kept as "
                       "recorded).")
        if target == today:
            # Today's is the 06:00 job's work: run it as that job, so the run is recorded.
            counts = scheduler.daily_snapshot(app, trigger="command")
            click.echo(f"Snapshot for {target}: {counts['snapshot_rows']} rows (forces × pillars).")
            return
        report = snapshots.build_from_history(db.session, target)
        db.session.commit()
        if report.skipped:
            click.echo(f"{target} was recorded on the day: kept as it is.")
        else:
            click.echo(f"Snapshot for {target}: {report.rows} rows (forces × pillars).")

    app.cli.add_command(group)


def register_generator(app: Flask) -> None:
    """National-scale generated data for benchmarks."""
    from improvement_tracker.demo import national
    from improvement_tracker.services import clock
    from improvement_tracker.services.storage import get_storage

    group = AppGroup("demo", help="Generated data for load tests and benchmarks.")

    @group.command("generate")
    @click.option("--forces", type=click.IntRange(1, 43), default=43, show_default=True,
                  help="How many forces get a plan (in name order).")
    @click.option("--actions-per-force", type=click.IntRange(5, 2000), default=150, show_default=True)
    @click.option("--seed", type=click.IntRange(0, 10**9), default=1, show_default=True,
                  help="The same seed gives the same plans; a seed already generated adds nothing.")
    @click.option("--snapshot-days", type=click.IntRange(0, 3660), default=365, show_default=True,
                  help="Days of daily snapshots to rebuild from the generated history.")
    @click.option("--reminder-days", type=click.IntRange(0, 366), default=21, show_default=True,
                  help="Days of reminders to replay as already sent.")
    def generate(forces: int, actions_per_force: int, seed: int, snapshot_days: int, reminder_days: int) -> None:
        """Generate every force's plan with a year of history, evidence files, reminders and snapshots."""
        if app.config.get("PRODUCTION"):
            raise click.ClickException(
                "demo generate is refused in production: the generated accounts share a published password")
        try:
            result = national.generate(
                db.session, forces=forces, actions_per_force=actions_per_force, seed=seed, today=clock.today(),
                storage=get_storage(), max_upload=app.config["MAX_UPLOAD_MB"] * 1024 * 1024,
                commit=db.session.commit, snapshot_days=snapshot_days, reminder_days=reminder_days,
                progress=lambda message: click.echo(message, err=True))
        except ValueError as error:
            db.session.rollback()
            raise click.ClickException(f"The data could not be generated: {error}") from None
        if result.created:
            took = ", ".join(f"{label} {seconds} s" for label, seconds in result.seconds.items())
            click.echo(f"Generated seed {seed} ({took}).")
        else:
            click.echo(f"Seed {seed} is already generated: nothing added.")
        click.echo("In the database now: " + ", ".join(f"{n:,} {label}" for label, n in result.counts.items()))
        click.echo("")
        for label, email in result.sign_ins:
            click.echo(f"{label:<45} {email}")
        click.echo(f"Password for every generated account: {result.password}")

    app.cli.add_command(group)
