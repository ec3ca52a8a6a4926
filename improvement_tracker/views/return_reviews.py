"""A submitted return: its page (beside the national assessments, with its questions), the national
team's assessment, questions and review, the force's answers, the board paper and the download."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, url_for
from flask_login import login_required
from markupsafe import Markup

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.auth import ConfirmForm
from improvement_tracker.forms.returns import AnswerForm, AssessForm, QuestionForm
from improvement_tracker.models import Force, QuarterlyReturn, ReturnVersion
from improvement_tracker.services import (
    kept,
    outcome_charts,
    reference_admin,
    reporting_periods,
    return_exports,
    return_figures,
    returns,
)
from improvement_tracker.services import return_reviews as reviews
from improvement_tracker.services.exports import FORMATS
from improvement_tracker.views._helpers import commit, edit_page, form_page, me, press, refused
from improvement_tracker.views._scope import version_route

bp = Blueprint("return_reviews", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


PREFIX = "/forces/<code>/returns/<period>/versions/<int:number>"


def _version_url(force: Force, quarterly_return: QuarterlyReturn, version: ReturnVersion, anchor: str = "") -> str:
    return url_for("return_reviews.version", code=force.code, period=reporting_periods.slug(quarterly_return.period),
                   number=version.number) + anchor


def _refusal(message: str | None) -> security.Refusal | None:
    return security.Refusal(message) if message else None


def _write_frozen(frozen: reviews.Frozen) -> dict[str, str]:
    """The markup of what never changes on a version's page: each pillar's words, its figures and
    lists, and what changed since the version before. The same for every viewer."""
    common = {"content": frozen.content, "section_labels": returns.SECTION_LABELS, "labels": returns.ASSESSMENT_LABELS,
              "figure_labels": return_figures.FIGURE_LABELS, "figure_names": return_figures.FIGURES}
    markup = {f"words-{p['code']}": render_template("returns/_version_words.html", words=p, **common)
              for p in frozen.content["pillars"]}
    markup["figures"] = render_template("returns/_version_figures.html",
                                        per_pillar=returns.figures_by_pillar(frozen.content), **common)
    markup["changes"] = render_template("returns/_version_changes.html", frozen=frozen)
    # The chart's JSON only: its <script> carries each response's own CSP nonce, so it is written per
    # request (returns/version.html), never kept.
    markup["outcomes-chart"] = outcome_charts.frozen_rates(frozen.content.get("outcomes", [])) or ""
    return markup


@bp.get(PREFIX)
@version_route(security.may_see_returns)
def version(force: Force, quarterly_return: QuarterlyReturn, version: ReturnVersion):
    user = me()
    frozen = kept.return_version(db.session, quarterly_return, version, _write_frozen)
    page = reviews.version_page(quarterly_return, version, frozen,
                                kept.return_review(db.session, quarterly_return, version))
    reviewer = security.may_review_returns(user)
    return render_template(
        "returns/version.html", force=force, quarterly_return=quarterly_return, period=quarterly_return.period,
        version=version, page=page, content=frozen.content, reviewer=reviewer,
        # Written by Jinja from the frozen content, which escaped every value.
        frozen_markup={name: Markup(html) for name, html in frozen.markup.items()},  # noqa: S704  # nosec B704
        drafter=security.may_draft_return(user, force),
        assess_refusal=reviews.assess_refusal(quarterly_return, version),
        ask_refusal=reviews.ask_refusal(quarterly_return, version),
        review_refusal=page.review_refusal if reviewer else None,
        labels=returns.ASSESSMENT_LABELS)


@bp.route(PREFIX + "/pillars/<pillar>/assess", methods=["GET", "POST"])
@version_route(security.may_review_returns)
def assess(force: Force, quarterly_return: QuarterlyReturn, version: ReturnVersion, pillar: str):
    found = security.pillar_or_404(db.session, pillar)
    back = _version_url(force, quarterly_return, version)
    if (response := refused(_refusal(reviews.assess_refusal(quarterly_return, version)), back)) is not None:
        return response
    stored = reviews.assessments(db.session, version).get(found.code)
    words = next((p for p in returns.content(version)["pillars"] if p["code"] == found.code), None)
    form = AssessForm(obj=stored)

    def save():
        reviews.assess(db.session, quarterly_return, version, found, form.rating.data, form.comment.data or "", me())
        commit(f"Your assessment of {found.code} {found.name} is saved")
        return redirect(back + f"#pillar-{found.code}")

    context = {"force": force, "quarterly_return": quarterly_return, "version": version, "pillar": found,
               "words": words, "labels": returns.ASSESSMENT_LABELS, "back": back}
    if stored is None:
        return form_page(form, "returns/assess.html", save, **context)
    return edit_page(form, "returns/assess.html", save, obj=stored, object_type="return_assessment",
                     noun="assessment", **context)


@bp.route(PREFIX + "/questions/new", methods=["GET", "POST"])
@version_route(security.may_review_returns)
def ask(force: Force, quarterly_return: QuarterlyReturn, version: ReturnVersion):
    back = _version_url(force, quarterly_return, version)
    if (response := refused(_refusal(reviews.ask_refusal(quarterly_return, version)), back)) is not None:
        return response
    pillars = reference_admin.pillars(db.session)
    form = QuestionForm()
    form.pillar.choices = [("", "The whole return")] + [(p.code, f"{p.code} {p.name}") for p in pillars]

    def save():
        chosen = next((p for p in pillars if p.code == form.pillar.data), None)
        question = reviews.ask(db.session, quarterly_return, version, chosen, form.question.data or "", me())
        commit("Your question has been sent to the force's programme managers")
        return redirect(back + f"#question-{question.id}")

    return form_page(form, "returns/ask.html", save, force=force, quarterly_return=quarterly_return,
                     version=version, back=back)


@bp.route(PREFIX + "/questions/<int:question_id>/answer", methods=["GET", "POST"])
@version_route(security.may_draft_return)
def answer(force: Force, quarterly_return: QuarterlyReturn, version: ReturnVersion, question_id: int):
    question = security.question_or_404(db.session, version, question_id)
    back = _version_url(force, quarterly_return, version)
    if (response := refused(_refusal(reviews.answer_refusal(question)), back)) is not None:
        return response
    form = AnswerForm()

    def save():
        reviews.answer(db.session, quarterly_return, question, form.answer.data or "", me())
        commit("Your answer has been sent to the national team")
        return redirect(back + f"#question-{question.id}")

    return form_page(form, "returns/answer.html", save, force=force, quarterly_return=quarterly_return,
                     version=version, question=question, back=back)


@bp.post(PREFIX + "/review")
@version_route(security.may_review_returns)
def review(force: Force, quarterly_return: QuarterlyReturn, version: ReturnVersion):
    def mark():
        reviews.mark_reviewed(db.session, quarterly_return, version, me())
        commit(f"{reporting_periods.label(quarterly_return.period)} return marked reviewed")

    press(ConfirmForm(), mark)
    return redirect(_version_url(force, quarterly_return, version))


@bp.get(PREFIX + "/board-paper")
@version_route(security.may_see_returns)
def board_paper(force: Force, quarterly_return: QuarterlyReturn, version: ReturnVersion):
    """Printed from the frozen record only: next year it gives the same figures and words."""
    content = returns.content(version)
    return render_template("returns/board_paper.html", force=force, quarterly_return=quarterly_return,
                           version=version, content=content, per_pillar=returns.figures_by_pillar(content),
                           labels=returns.ASSESSMENT_LABELS,
                           section_labels=returns.SECTION_LABELS, figure_labels=return_figures.FIGURE_LABELS,
                           figure_names=return_figures.FIGURES, back=_version_url(force, quarterly_return, version))


@bp.get(PREFIX + "/return.xlsx")
@version_route(security.may_see_returns)
def download(force: Force, quarterly_return: QuarterlyReturn, version: ReturnVersion):
    name = f"{force.code}-{reporting_periods.slug(quarterly_return.period)}-return-v{version.number}.xlsx"
    return Response(return_exports.workbook(returns.content(version), version.sha256), headers={
        "Content-Type": FORMATS["xlsx"], "Content-Disposition": f'attachment; filename="{name}"'})
