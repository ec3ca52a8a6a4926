"""The national team's form for a commitment (a draft until it is published)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput
from wtforms import SelectMultipleField

from improvement_tracker.forms.base import EditForm, Form
from improvement_tracker.forms.fields import GovDateField, LongText, Radios, Select, Text, max_length
from improvement_tracker.forms.plans import _chosen, _id, _required
from improvement_tracker.services.commitments import APPLIES_TO_LABELS, TEXT_LIMIT, TITLE_LIMIT
from improvement_tracker.services.reference_data import COHORT_LABELS


class CommitmentForm(EditForm):
    reference = Text("Reference", validators=[_required("a reference, like NC-01"), max_length(20, "Reference")],
                     description="NC, a hyphen and two or three digits, like NC-01. Each force's action carries it")
    title = Text("Title", validators=[_required("a title"), max_length(TITLE_LIMIT, "Title")])
    pillar_id = Select("Pillar", coerce=_id, validate_choice=False, validators=[_chosen("Select a pillar")])
    description = LongText("What every force will do (optional)", validators=[max_length(TEXT_LIMIT, "Description")])
    success_measure = LongText("What does done look like? (optional)",
                               validators=[max_length(TEXT_LIMIT, "Success measure")])
    evidence_expected = LongText("What evidence the national team expects (optional)",
                                 validators=[max_length(TEXT_LIMIT, "Evidence expected")])
    due_date = GovDateField("Due date", required=True, description="For example, 31 3 2027")
    applies_to = Radios("Which forces does it apply to?", choices=list(APPLIES_TO_LABELS.items()),
                        message="Select which forces the commitment applies to")
    cohort = Select("Cohort", choices=[("", "Select a cohort"), *COHORT_LABELS.items()],
                    description="Only when the commitment applies to a cohort")
    force_ids = SelectMultipleField("Forces", coerce=_id, validate_choice=False, widget=GovCheckboxesInput(),
                                    description="Only when the commitment applies to chosen forces")


class PublishForm(Form):
    """Publishing asks for nothing but the press of a button; the token makes two presses one."""


class ChangePublishedForm(EditForm):
    """A published commitment's words and due date: every force's linked action takes them."""

    title = Text("Title", validators=[_required("a title"), max_length(TITLE_LIMIT, "Title")])
    description = LongText("What every force will do (optional)", validators=[max_length(TEXT_LIMIT, "Description")])
    success_measure = LongText("What does done look like? (optional)",
                               validators=[max_length(TEXT_LIMIT, "Success measure")])
    due_date = GovDateField("Due date", required=True, description="For example, 31 3 2027")
    reason = LongText("Why is the commitment changing?", validators=[max_length(2000, "The reason")],
                      description="Every force sees this in its action's history")


class AddForcesForm(Form):
    """Forces that carry a published commitment from now on."""

    force_ids = SelectMultipleField("Which forces should carry it?", coerce=_id, validate_choice=False,
                                    widget=GovCheckboxesInput(),
                                    description="Each force gets the linked action in its plan at once, and its "
                                                "programme managers are emailed")


class RemoveForceForm(Form):
    """A force the national team takes off a published commitment."""

    force_id = Select("Which force no longer needs to do this?", coerce=_id, validate_choice=False,
                      validators=[_chosen("Select a force")])
    reason = LongText("Why does the force no longer need to do this?",
                      validators=[max_length(2000, "The reason")],
                      description="The force keeps its action, closed as not needed with this reason")
