"""The catalogue of outcome measures: a list, a page per measure with its caveat stated plainly, and
the administrators' change to a measure's words (services.outcome_measures). Action owners see none
of it (a 404), as they see no outcome figures; the change is for administrators, a 404 to others
like every administration page."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import login_required

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.outcome_measures import MeasureWordsForm
from improvement_tracker.models import OutcomeMeasure
from improvement_tracker.services import outcome_measures
from improvement_tracker.views._helpers import commit, edit_page, me

bp = Blueprint("outcome_measures", __name__, url_prefix="/outcomes/measures")


@bp.before_request
@login_required
def _readers_only() -> None:
    if not security.may_read_measures(me()):
        abort(404)


def _measure_or_404(code: str) -> OutcomeMeasure:
    measure = outcome_measures.by_code(db.session, code)
    if measure is None:
        abort(404)
    return measure


def _labels() -> dict:
    return {"unit_labels": outcome_measures.UNIT_LABELS, "better_labels": outcome_measures.BETTER_LABELS}


@bp.get("", endpoint="index")
def index():
    measures = outcome_measures.catalogue(db.session)
    names = {m.code: m.name for m in measures}
    return render_template("outcome_measures/index.html", measures=measures,
                           how_made={m.code: outcome_measures.how_made(m, names) for m in measures}, **_labels())


@bp.get("/<measure>", endpoint="view")
def view(measure: str):
    found = _measure_or_404(measure)
    return render_template("outcome_measures/view.html", measure=found,
                           how_made=outcome_measures.how_made(found, outcome_measures.names(db.session)),
                           may_edit=security.may_edit_measures(me()), **_labels())


@bp.route("/<measure>/edit", methods=["GET", "POST"], endpoint="edit")
def edit(measure: str):
    if not security.may_edit_measures(me()):
        abort(404)
    measure = _measure_or_404(measure)
    form = MeasureWordsForm(obj=measure)

    def save():
        changes = outcome_measures.change_words(
            db.session, measure, {field: form[field].data or "" for field in outcome_measures.WORDS}, me())
        commit(f"The wording of “{measure.name}” was saved" if changes else "Nothing was changed")
        return redirect(url_for("outcome_measures.view", measure=measure.code))

    return edit_page(form, "outcome_measures/edit.html", save, obj=measure, object_type=outcome_measures.OBJECT_TYPE,
                     noun="measure", measure=measure, **_labels())
