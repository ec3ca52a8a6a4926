"""Forms for the plan: deep dives, findings, actions, milestones, updates and status changes."""

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from wtforms import BooleanField
from wtforms.validators import DataRequired, InputRequired

from improvement_tracker.forms.base import EditForm, Form
from improvement_tracker.forms.fields import GovDateField, LongText, Radios, Select, Text, max_length
from improvement_tracker.models.plans import FINDING_TYPES, PRIORITIES, STATUSES
from improvement_tracker.services.inputs import whole_number
from improvement_tracker.services.plans import FINDING_TYPE_LABELS, PRIORITY_LABELS
from improvement_tracker.services.status import STATUS_LABELS

PRIORITY_CHOICES = [(p, PRIORITY_LABELS[p]) for p in PRIORITIES]


def _id(value) -> int:
    """Ids from a select: anything that is not a whole number is 'nothing chosen'."""
    return whole_number(value) or 0


def _chosen(message: str) -> DataRequired:
    """A select whose placeholder ("Select a pillar", id 0) is still chosen: reported with every other
    error on the first submit. (InputRequired passes it: "0" is input.)"""
    return DataRequired(message=message)


def _required(label: str):
    return InputRequired(message=f"Enter {label}")


class DeepDiveForm(EditForm):
    title = Text("Title", validators=[_required("a title"), max_length(200, "Title")],
                 description="For example, Operation Soteria deep dive")
    period = Text("Period", validators=[_required("the period"), max_length(100, "Period")],
                  description="For example, January to June 2022")
    lead = Text("Lead", validators=[_required("who led the deep dive"), max_length(200, "Lead")],
                description="The academic team or person who led it")
    summary = LongText("Summary (optional)", validators=[max_length(10000, "Summary")])


class FindingForm(EditForm):
    pillar_id = Select("Pillar", coerce=_id, validate_choice=False,
                       validators=[_chosen("Select a pillar")])
    reference = Text("Reference", validators=[_required("a reference, like AS-P1-03"),
                                              max_length(40, "Reference")],
                     description="Unique within your force, like AS-P1-03")
    type = Radios("Type of finding", choices=[(t, FINDING_TYPE_LABELS[t]) for t in FINDING_TYPES],
                      message="Select the type of finding")
    title = Text("Title", validators=[_required("a title"), max_length(200, "Title")])
    detail = LongText("Detail (optional)", validators=[max_length(10000, "Detail")])
    priority = Radios("Priority", choices=PRIORITY_CHOICES, default="medium",
                          message="Select a priority")


class ActionForm(EditForm):
    reference = Text("Reference", validators=[_required("a reference"), max_length(40, "Reference")],
                     description="Unique within your force, like AS-P1-03-A")
    title = Text("Title", validators=[_required("a title"), max_length(200, "Title")])
    pillar_id = Select("Pillar", coerce=_id, validate_choice=False,
                       validators=[_chosen("Select a pillar")])
    description = LongText("What will be done (optional)", validators=[max_length(10000, "Description")])
    success_measure = LongText("What does done look like? (optional)",
                               validators=[max_length(5000, "Success measure")],
                               description="The evidence that will show this action is complete")
    owner_id = Select("Owner", coerce=_id, validate_choice=False,
                      validators=[_chosen("Select an owner")],
                      description="Only active users of this force are listed")
    priority = Radios("Priority", choices=PRIORITY_CHOICES, default="medium",
                          message="Select a priority")
    start_date = GovDateField("Start date", description="For example, 1 4 2026. Leave blank if not known")
    due_date = GovDateField("Due date", description="For example, 31 3 2027. Leave blank if not known")


class DueDateForm(Form):
    due_date = GovDateField("New due date", required=True, description="For example, 31 3 2027")
    reason = LongText("Why is the date changing?", validators=[max_length(2000, "Reason")],
                      description="This is kept in the action's re-plan history")


class MilestoneForm(EditForm):
    title = Text("Milestone", validators=[_required("what the milestone is"), max_length(200, "Milestone")])
    due_date = GovDateField("Due date", description="For example, 31 3 2027. Leave blank if not known")


class ProgressUpdateForm(Form):
    text = LongText("What has happened since the last update?",
                    validators=[_required("what has happened since the last update"),
                                max_length(5000, "Update")])


class TransitionForm(Form):
    note = LongText("Note", validators=[max_length(5000, "Note")])


class DeclareRagForm(Form):
    rag = Radios("Declared RAG", choices=[("none", "No declared RAG (use the computed one)"), ("red", "Red"),
                              ("amber", "Amber"), ("green", "Green")],
                     message="Select a RAG status")
    reason = LongText("Why does it differ from the computed RAG?", validators=[max_length(2000, "Reason")])


class PlanFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    pillar = Select("Pillar", choices=[])
    status = Select("Status", choices=[("", "Any status")] + [(s, STATUS_LABELS[s]) for s in STATUSES])
    owner = Select("Owner", choices=[])
    overdue = BooleanField("Overdue only", widget=GovCheckboxInput())
