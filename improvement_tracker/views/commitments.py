"""National commitments: the list, drafting, publishing, and a commitment's page across its forces."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import login_required

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.commitments import (
    AddForcesForm,
    ChangePublishedForm,
    CommitmentForm,
    PublishForm,
    RemoveForceForm,
)
from improvement_tracker.models import Commitment
from improvement_tracker.services import (
    charts,
    clock,
    commitment_members,
    commitment_reviews,
    commitment_snapshots,
    commitment_status,
    commitments,
    kept,
    reference_admin,
)
from improvement_tracker.services.commitments import APPLIES_TO_LABELS, CommitmentFields
from improvement_tracker.services.reference_data import COHORT_LABELS
from improvement_tracker.views._helpers import PRESENTATION, commit, download, edit_page, form_page, me

bp = Blueprint("commitments", __name__)
FORMAT = "<any(csv, xlsx):fmt>"


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


def _listers_only() -> None:
    if not security.may_see_commitments(me()):
        abort(404)


def _setters_only() -> None:
    """Drafting and publishing are the national team's: for anyone else these pages do not exist."""
    if not security.may_set_commitments(me()):
        abort(404)


def _commitment(reference: str) -> Commitment:
    return security.commitment_or_404(db.session, me(), reference)


def _own_force_only() -> int | None:
    """Across the forces for the national team; a programme manager sees their own force's row only."""
    user = me()
    return None if security.may_set_commitments(user) else user.force_id


def _proposes(commitment: Commitment) -> bool:
    """A programme manager may propose a later date for their own force's action."""
    user = me()
    return (user.force is not None and security.may_propose_commitment_date(user, user.force)
            and commitments.applies_to_force(db.session, commitment, user.force_id))


def _to_page(commitment: Commitment):
    return redirect(url_for("commitments.view", reference=commitment.reference))


@bp.get("/commitments")
def index():
    _listers_only()
    user = me()
    national = security.may_set_commitments(user)
    return render_template("commitments/index.html",
                           commitments=commitments.listed(db.session, None if national else user.force_id),
                           may_set=national, applies_to_labels=APPLIES_TO_LABELS, cohorts=COHORT_LABELS)


def _form(obj: Commitment | None = None) -> CommitmentForm:
    form = CommitmentForm(obj=obj)
    form.pillar_id.choices = [(0, "Select a pillar"), *((p.id, f"{p.code} {p.name}")
                                                        for p in reference_admin.pillars(db.session))]
    form.force_ids.choices = [(f.id, f.name) for f in reference_admin.forces(db.session)]
    if obj is not None and request.method != "POST":
        form.force_ids.data = [f.id for f in commitments.applies_to(db.session, obj)] if obj.applies_to == "chosen" \
            else []
        form.cohort.data = obj.cohort or ""
    return form


def _fields(form: CommitmentForm) -> CommitmentFields:
    return CommitmentFields(
        reference=form.reference.data or "", title=form.title.data or "", pillar_id=form.pillar_id.data or None,
        due_date=form.due_date.data, applies_to=form.applies_to.data or "", cohort=form.cohort.data or None,
        force_ids=list(form.force_ids.data or []), description=form.description.data or "",
        success_measure=form.success_measure.data or "", evidence_expected=form.evidence_expected.data or "")


@bp.route("/commitments/new", methods=["GET", "POST"])
def new():
    _setters_only()
    form = _form()

    def save():
        commitment = commitments.save_draft(db.session, None, _fields(form), me())
        commit(f"Draft {commitment.reference} saved. No force's plan changes until you publish it")
        return _to_page(commitment)

    return form_page(form, "commitments/form.html", save, heading="New national commitment",
                     back=url_for("commitments.index"))


@bp.get("/commitments/<reference>")
def view(reference: str):
    _listers_only()
    commitment = _commitment(reference)
    today = clock.today()
    published = commitment.state == "published"
    if not published:
        return render_template(
            "commitments/view.html", commitment=commitment, page=None, today=today,
            may_set=security.may_set_commitments(me()), applies_to_labels=APPLIES_TO_LABELS, cohorts=COHORT_LABELS,
            forces=len(commitments.applies_to(db.session, commitment)),
            publish_refusal=commitments.publish_refusal(db.session, commitment, today))
    force_id = _own_force_only()
    page = kept.commitment_page(db.session, commitment, today, force_id, PRESENTATION)
    # The trend across forces is the national team's: a programme manager sees their own force's row only.
    trend = commitment_snapshots.trend(db.session, commitment) if force_id is None else None
    return render_template(
        "commitments/view.html", commitment=commitment, page=page, across=page.across, dashboard=page,
        today=today, may_set=security.may_set_commitments(me()), applies_to_labels=APPLIES_TO_LABELS,
        cohorts=COHORT_LABELS, forces=page.forces, may_propose=_proposes(commitment), trend=trend,
        figures=charts.commitment_figures({"trend": trend}) if trend else {})


@bp.get(f"/commitments/<reference>/forces.{FORMAT}")
def export(reference: str, fmt: str):
    _listers_only()
    commitment = _commitment(reference)
    if commitment.state != "published":
        abort(404)
    return download(commitment_status.across(db.session, commitment, clock.today(), _own_force_only()).table, fmt,
                    f"commitment-{commitment.reference.lower()}")


@bp.get(f"/commitments/<reference>/trend.{FORMAT}")
def export_trend(reference: str, fmt: str):
    _setters_only()
    commitment = _commitment(reference)
    if commitment.state != "published":
        abort(404)
    return download(commitment_snapshots.trend(db.session, commitment), fmt,
                    f"commitment-{commitment.reference.lower()}-trend")


@bp.route("/commitments/<reference>/edit", methods=["GET", "POST"])
def edit(reference: str):
    _setters_only()
    commitment = _commitment(reference)
    if commitment.state != "draft":
        abort(404)  # a published commitment is changed with every force's action, not here
    form = _form(commitment)

    def save():
        commitments.save_draft(db.session, commitment, _fields(form), me())
        commit(f"Draft {commitment.reference} saved")
        return _to_page(commitment)

    return edit_page(form, "commitments/form.html", save, obj=commitment, object_type="commitment",
                     noun="commitment", heading=f"Change draft {commitment.reference}",
                     back=url_for("commitments.view", reference=commitment.reference))


@bp.route("/commitments/<reference>/publish", methods=["GET", "POST"])
def publish(reference: str):
    _setters_only()
    commitment = _commitment(reference)
    back = url_for("commitments.view", reference=commitment.reference)
    if commitment.state != "draft":
        return redirect(back)
    form = PublishForm()

    def save():
        members = commitments.publish(db.session, commitment, me(), clock.today())
        commit(f"{commitment.reference} published: {len(members)} "
               f"force{'s' if len(members) != 1 else ''} now carry it in their plans")
        return redirect(back)

    return form_page(form, "commitments/publish.html", save, commitment=commitment, back=back,
                     forces=commitments.applies_to(db.session, commitment),
                     refusal=commitments.publish_refusal(db.session, commitment, clock.today()))


@bp.route("/commitments/<reference>/change", methods=["GET", "POST"])
def change(reference: str):
    _setters_only()
    commitment = _commitment(reference)
    if commitment.state != "published":
        abort(404)  # a draft is changed as a draft
    form = ChangePublishedForm(obj=commitment)
    back = url_for("commitments.view", reference=commitment.reference)

    def save():
        changed = commitment_reviews.change_published(db.session, commitment, commitment_reviews.PublishedChange(
            title=form.title.data or "", description=form.description.data or "",
            success_measure=form.success_measure.data or "", due_date=form.due_date.data,
            reason=form.reason.data or ""), me())
        commit(f"{commitment.reference} changed: {changed} force{'s' if changed != 1 else ''}' actions now carry it, "
               "and their programme managers have been told")
        return redirect(back)

    return edit_page(form, "commitments/change.html", save, obj=commitment, object_type="commitment",
                     noun="commitment", commitment=commitment, back=back)


def _published(reference: str) -> Commitment:
    _setters_only()
    commitment = _commitment(reference)
    if commitment.state != "published":
        abort(404)  # a draft's forces are chosen on the draft
    return commitment


@bp.route("/commitments/<reference>/forces/add", methods=["GET", "POST"])
def add_forces(reference: str):
    commitment = _published(reference)
    form = AddForcesForm()
    form.force_ids.choices = [(f.id, f.name) for f in commitment_members.addable(db.session, commitment)]
    back = url_for("commitments.view", reference=commitment.reference)

    def save():
        added = commitment_members.add_forces(db.session, commitment, list(form.force_ids.data or []), me())
        commit(f"{', '.join(f.name for f in added)} now carr{'y' if len(added) != 1 else 'ies'} "
               f"{commitment.reference} in {'their plans' if len(added) != 1 else 'its plan'}")
        return redirect(back)

    return form_page(form, "commitments/add_forces.html", save, commitment=commitment, back=back)


@bp.route("/commitments/<reference>/forces/remove", methods=["GET", "POST"])
def remove_force(reference: str):
    commitment = _published(reference)
    form = RemoveForceForm()
    form.force_id.choices = [(0, "Select a force"), *((f.id, f.name) for f in
                                                      commitments.applies_to(db.session, commitment))]
    back = url_for("commitments.view", reference=commitment.reference)

    def save():
        force = commitment_members.remove(db.session, commitment, form.force_id.data, form.reason.data or "", me())
        commit(f"{force.name} no longer carries {commitment.reference}. Its programme managers have been emailed")
        return redirect(back)

    return form_page(form, "commitments/remove_force.html", save, commitment=commitment, back=back)
