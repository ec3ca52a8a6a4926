"""The national team's decisions on a force's linked action, and a force's date proposal."""

from __future__ import annotations

from improvement_tracker.forms.base import Form
from improvement_tracker.forms.fields import GovDateField, LongText, Radios, max_length
from improvement_tracker.services.commitment_reviews import REASON_LIMIT


class CompletionForm(Form):
    decision = Radios("What does the national team decide?",
                      choices=[("confirm", "Confirm the completion"), ("return", "Return it to the force")],
                      message="Select whether to confirm the completion or return it")
    reason = LongText("What does the force still need to do? (only when returning it)",
                      validators=[max_length(REASON_LIMIT, "The reason")])


class ProposalForm(Form):
    proposed_due_date = GovDateField("Proposed due date", required=True, description="For example, 31 3 2027")
    reason = LongText("Why does the force need a later date?", validators=[max_length(REASON_LIMIT, "The reason")])


class DecisionForm(Form):
    decision = Radios("What does the national team decide?",
                      choices=[("agree", "Agree the later date"), ("refuse", "Refuse it")],
                      message="Select whether to agree or refuse the date")
    reason = LongText("Why? (needed when refusing)", validators=[max_length(REASON_LIMIT, "The reason")])
