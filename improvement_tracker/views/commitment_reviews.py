"""The national team's decisions on a force's linked action (confirm or return its completion, agree
or refuse a later date) and a force's proposal of a later date."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import login_required

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.commitment_reviews import CompletionForm, DecisionForm, ProposalForm
from improvement_tracker.services import commitment_reviews
from improvement_tracker.views._helpers import commit, form_page, me, refused

bp = Blueprint("commitment_reviews", __name__)
MEMBER = "/commitments/<reference>/forces/<code>"


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


def _member(reference: str, code: str):
    return security.commitment_member_or_404(db.session, me(), reference, code)


def _back(commitment) -> str:
    return url_for("commitments.view", reference=commitment.reference)


@bp.route(MEMBER + "/completion", methods=["GET", "POST"])
def completion(reference: str, code: str):
    commitment, member, action = _member(reference, code)
    security.require(security.may_decide_for_commitments(me()))
    back = _back(commitment)
    refusal = commitment_reviews.completion_refusal(member, action)
    if (response := refused(security.Refusal(refusal) if refusal else None, back)) is not None:
        return response
    form = CompletionForm()

    def save():
        if form.decision.data == "confirm":
            commitment_reviews.confirm(db.session, commitment, member, action, me())
            commit(f"{member.force.name}'s completion of {commitment.reference} confirmed")
        else:
            told = commitment_reviews.return_completion(db.session, commitment, member, action,
                                                        form.reason.data or "", me())
            commit(f"{commitment.reference} returned to {member.force.name}: its action is in progress again "
                   f"and {told} {'person has' if told == 1 else 'people have'} been emailed")
        return redirect(back)

    return form_page(form, "commitments/completion.html", save, commitment=commitment, member=member,
                     action=action, back=back)


@bp.route(MEMBER + "/propose-date", methods=["GET", "POST"])
def propose_date(reference: str, code: str):
    commitment, member, action = _member(reference, code)
    security.require(security.may_propose_commitment_date(me(), member.force))
    back = _back(commitment)
    refusal = commitment_reviews.proposal_refusal(db.session, member, action)
    if (response := refused(security.Refusal(refusal) if refusal else None, back)) is not None:
        return response
    form = ProposalForm()

    def save():
        commitment_reviews.propose(db.session, commitment, member, action, form.proposed_due_date.data,
                                   form.reason.data or "", me())
        commit("Your proposed date has been sent to the national team. The due date stays as it is until "
               "they agree")
        return redirect(back)

    return form_page(form, "commitments/propose_date.html", save, commitment=commitment, member=member,
                     action=action, back=back)


@bp.route("/commitments/<reference>/proposals/<int:proposal_id>", methods=["GET", "POST"])
def decide(reference: str, proposal_id: int):
    commitment = security.commitment_or_404(db.session, me(), reference)
    proposal = security.proposal_or_404(db.session, commitment, proposal_id)
    _, member, action = _member(reference, proposal.member.force.code)  # another force's: not found
    security.require(security.may_decide_for_commitments(me()))
    back = _back(commitment)
    if proposal.state != "pending":
        return refused(security.Refusal("This proposal has already been decided"), back)
    form = DecisionForm()

    def save():
        agree = form.decision.data == "agree"
        commitment_reviews.decide(db.session, commitment, proposal, action, agree, form.reason.data or "", me())
        commit(f"{member.force.name}'s proposed date {'agreed: the due date has moved' if agree else 'refused'}")
        return redirect(back)

    return form_page(form, "commitments/decide.html", save, commitment=commitment, member=member, action=action,
                     proposal=proposal, back=back)
