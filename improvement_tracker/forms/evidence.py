"""Forms for evidence: upload, review, withdraw, purge, and the sign-off page's evidence reason."""

from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms import MultipleFileField
from wtforms.validators import InputRequired

from improvement_tracker.forms.base import Form
from improvement_tracker.forms.fields import LongText, Radios, Select, max_length
from improvement_tracker.forms.plans import TransitionForm
from improvement_tracker.services.evidence import MAX_DESCRIPTION_LENGTH
from improvement_tracker.services.inputs import whole_number


def _id(value) -> int:
    return whole_number(value) or 0


class UploadForm(Form):
    # Checked by the service (type from the bytes, size, names, duplicates), not by WTForms.
    files = MultipleFileField("Upload files", widget=GovFileInput(multiple=True))
    description = LongText("Describe the evidence",
                           validators=[InputRequired(message="Enter a short description of the evidence"),
                                       max_length(MAX_DESCRIPTION_LENGTH, "Description")],
                           description="For example, training attendance register for March 2026")
    milestone_id = Select("Which milestone is it for? (optional)", coerce=_id, validate_choice=False)


class ReviewForm(Form):
    decision = Radios("Do you accept this evidence?",
                      choices=[("accepted", "Yes, accept it"), ("rejected", "No, reject it")],
                      message="Select whether you accept or reject the evidence")
    # Revealed by "No, reject it" (a conditional reveal): the service requires it when rejecting.
    reason = LongText("If you reject it, why?", validators=[max_length(2000, "Reason")],
                      description="The owner will see this")

    def validate(self, extra_validators=None) -> bool:
        if self.decision.data == "accepted":
            # Whatever was left in the hidden reason box is not read, checked or kept.
            self.reason.data, self.reason.raw_data = "", []
        return super().validate(extra_validators)


class WithdrawForm(Form):
    reason = LongText("Why are you withdrawing this evidence?", validators=[max_length(2000, "Reason")],
                      description="This is kept in the action’s history")


class PurgeForm(Form):
    reason = LongText("Why is the file being deleted?", validators=[max_length(2000, "Reason")],
                      description="For example, it contained personal data about a victim. "
                                  "This is kept in the action’s history")


class SignOffForm(TransitionForm):
    no_evidence_reason = LongText("Why is no evidence needed?", validators=[max_length(2000, "Reason")],
                                  description="This action has no accepted evidence. Say why it can be "
                                              "signed off without any")
