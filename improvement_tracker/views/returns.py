"""Quarterly returns, the force's side and the national list: the returns grid, a force's quarters,
drafting a return pillar by pillar, submitting and correcting it, and the periods' due dates."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.auth import ConfirmForm
from improvement_tracker.forms.returns import PeriodDueDateForm, SectionForm, SubmitForm
from improvement_tracker.models import Force, Pillar, QuarterlyReturn, ReportingPeriod
from improvement_tracker.services import (
    clock,
    kept,
    outcomes,
    reporting_periods,
    return_figures,
    return_status,
    returns,
)
from improvement_tracker.services.dashboards import Filters
from improvement_tracker.services.reference_data import COHORT_LABELS, COUNTRY_LABELS
from improvement_tracker.views._helpers import commit, download, edit_page, form_page, me, press, refused
from improvement_tracker.views._scope import force_route, period_route, return_route

bp = Blueprint("returns", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


def _national_only() -> None:
    """The national returns grid is for oversight and administrators; for anyone else it does not exist."""
    if not security.may_review_returns(me()):
        abort(404)


def _to_return(force: Force, period: ReportingPeriod):
    return redirect(url_for("returns.view", code=force.code, period=reporting_periods.slug(period)))


# --- the national grid and a force's quarters -------------------------------------------------

@bp.get("/returns")
def national():
    _national_only()
    filters = Filters.parse(request.args)
    labels = return_status.STATUS_LABELS

    def write(grid: return_status.Grid) -> str:
        return render_template(
            "returns/_national_tables.html", grid=grid, labels=labels, tags=return_status.STATUS_TAG_CLASSES,
            statuses=return_status.STATUSES,
            count_headers=["Quarter", *({"text": labels[s], "format": "numeric"} for s in return_status.STATUSES)],
            grid_headers=["Force", *(reporting_periods.label(p) for p in grid.periods)])

    page = kept.returns_grid(db.session, clock.today(), filters, write)
    return render_template("returns/national.html", periods_shown=page.periods_shown,
                           tables_markup=Markup(page.markup),  # noqa: S704  # nosec B704  # Jinja escaped it
                           filters=filters, cohorts=COHORT_LABELS, countries=COUNTRY_LABELS)


@bp.get("/returns.<any(csv, xlsx):fmt>")
def national_export(fmt: str):
    _national_only()
    grid = return_status.national_grid(db.session, clock.today(), Filters.parse(request.args))
    return download(grid.table, fmt, "quarterly-returns")


@bp.get("/forces/<code>/returns")
@force_route(security.may_see_returns)
def force_returns(force: Force):
    return render_template("returns/force.html", force=force,
                           quarters=return_status.force_quarters(db.session, force, clock.today()),
                           labels=return_status.STATUS_LABELS, tags=return_status.STATUS_TAG_CLASSES)


# --- one return ---------------------------------------------------------------------------

@bp.get("/forces/<code>/returns/<period>")
@period_route(security.may_see_returns)
def view(force: Force, period: ReportingPeriod):
    user, today = me(), clock.today()
    quarterly_return = returns.find(db.session, force, period)
    latest = quarterly_return.versions[-1] if quarterly_return and quarterly_return.versions else None
    drafting = (quarterly_return is not None and quarterly_return.state != "submitted"
                and security.may_read_drafts(user, force))
    return render_template(
        "returns/view.html", force=force, period=period, quarterly_return=quarterly_return, latest=latest,
        status=return_status.status_of(quarterly_return, latest, period, today), labels=return_status.STATUS_LABELS,
        tags=return_status.STATUS_TAG_CLASSES, may_draft=security.may_draft_return(user, force),
        start_refusal=returns.start_refusal(period, today), drafting=drafting,
        sections=returns.sections(db.session, quarterly_return) if drafting else [],
        figures=return_figures.quarter_figures(db.session, force, period, today) if drafting else None,
        submit_refusal=returns.submit_refusal(quarterly_return, today) if quarterly_return else None,
        assessment_labels=returns.ASSESSMENT_LABELS, missing=returns.missing, today=today,
        figure_labels=return_figures.FIGURE_LABELS, figure_names=return_figures.FIGURES,
        outcome_rows=outcomes.for_return(db.session, force, period) if drafting else [],
        may_enter_outcomes=security.may_enter_outcomes(user, force))


@bp.post("/forces/<code>/returns/<period>/start")
@period_route(security.may_draft_return)
def start(force: Force, period: ReportingPeriod):
    def begin():
        returns.start(db.session, force, period, me(), clock.today())
        commit(f"You have started the {reporting_periods.label(period)} return")

    press(ConfirmForm(), begin)
    return _to_return(force, period)


def _pillar(code: str) -> Pillar:
    return security.pillar_or_404(db.session, code)


@bp.route("/forces/<code>/returns/<period>/pillars/<pillar>", methods=["GET", "POST"])
@return_route(security.may_draft_return)
def section(force: Force, quarterly_return: QuarterlyReturn, pillar: str):
    found = _pillar(pillar)
    period = quarterly_return.period
    back = url_for("returns.view", code=force.code, period=reporting_periods.slug(period))
    if (response := refused(_state_refusal(quarterly_return), back)) is not None:
        return response
    stored = next(s for s in returns.sections(db.session, quarterly_return) if s.pillar_id == found.id)
    form = SectionForm(obj=stored)

    def save():
        returns.save_section(db.session, quarterly_return, found, returns.SectionFields(
            assessment=form.assessment.data, reason=form.reason.data or "", progress=form.progress.data or "",
            risks=form.risks.data or "", help_needed=form.help_needed.data or ""), me())
        commit(f"{found.code} {found.name} saved")
        return redirect(back + f"#pillar-{found.code}")

    context = {"force": force, "period": period, "pillar": found, "back": back}
    if stored.id is None:
        return form_page(form, "returns/section.html", save, **context)
    current = {name: getattr(stored, name) for name in returns.SECTION_LABELS}
    return edit_page(form, "returns/section.html", save, obj=stored, object_type="return_section",
                     noun="part of the return", current=current, **context)


def _state_refusal(quarterly_return: QuarterlyReturn) -> security.Refusal | None:
    refusal = returns.edit_refusal(quarterly_return)
    return security.Refusal(refusal) if refusal else None


@bp.route("/forces/<code>/returns/<period>/submit", methods=["GET", "POST"])
@return_route(security.may_draft_return)
def submit(force: Force, quarterly_return: QuarterlyReturn):
    period, today = quarterly_return.period, clock.today()
    back = url_for("returns.view", code=force.code, period=reporting_periods.slug(period))
    refusal = returns.submit_refusal(quarterly_return, today)
    if (response := refused(security.Refusal(refusal) if refusal else None, back)) is not None:
        return response
    form = SubmitForm()
    correcting = quarterly_return.latest_version > 0
    problems = returns.submit_problems(db.session, quarterly_return)
    links = {}
    if request.method == "POST" and problems:
        # Each unfinished pillar is named in the error summary, linking to its part of the page.
        form.validate_on_submit()
        for pillar, gaps in problems:
            message = returns.unfinished_message(pillar, gaps)
            form.form_errors.append(message)
            links[message] = f"#pillar-{pillar.code}"
        form.form_error_links = links
        return render_template("returns/submit.html", form=form, force=force, period=period,
                               quarterly_return=quarterly_return, problems=problems, correcting=correcting,
                               back=back)

    def save():
        version = returns.submit(db.session, quarterly_return, me(), today,
                                 (form.reason.data or "") if correcting else None)
        commit(f"{reporting_periods.label(period)} return submitted: version {version.number}")
        return redirect(url_for("return_reviews.version", code=force.code, period=reporting_periods.slug(period),
                                number=version.number))

    return form_page(form, "returns/submit.html", save, force=force, period=period,
                     quarterly_return=quarterly_return, problems=problems, correcting=correcting, back=back)


@bp.post("/forces/<code>/returns/<period>/correct")
@return_route(security.may_draft_return)
def correct(force: Force, quarterly_return: QuarterlyReturn):
    def begin():
        returns.start_correction(db.session, quarterly_return, me())
        commit("You can now correct the return. Resubmit it with a reason when you have finished")

    press(ConfirmForm(), begin)
    return _to_return(force, quarterly_return.period)


# --- periods and their due dates (administrators) ----------------------------------------------

def _admin_only() -> None:
    """Like every administration page: for anyone else it does not exist."""
    if not security.may_set_due_dates(me()):
        abort(404)


@bp.get("/returns/periods")
def periods():
    _admin_only()
    return render_template("returns/periods.html", periods=reporting_periods.every(db.session),
                           label=reporting_periods.label, months=reporting_periods.months,
                           slug=reporting_periods.slug)


@bp.route("/returns/periods/<period>/due-date", methods=["GET", "POST"])
def period_due_date(period: str):
    _admin_only()
    found = security.period_or_404(db.session, period)
    form = PeriodDueDateForm(obj=found)

    def save():
        reporting_periods.change_due_date(db.session, found, form.returns_due_on.data, me())
        commit(f"{reporting_periods.label(found)} returns are now due on "
               f"{reporting_periods.in_words(form.returns_due_on.data)}")
        return redirect(url_for("returns.periods"))

    return edit_page(form, "returns/period_due_date.html", save, obj=found, object_type="reporting_period",
                     noun="period", period=found, label=reporting_periods.label(found),
                     months=reporting_periods.months(found))

