"""Forms for quarterly returns: a pillar's section, submitting, the national team's assessment,
questions and answers, and a period's due date."""

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount
from wtforms import TextAreaField
from wtforms.validators import InputRequired

from improvement_tracker.forms.base import EditForm, Form
from improvement_tracker.forms.fields import GovDateField, Radios, Select, max_length
from improvement_tracker.models.returns import ASSESSMENTS
from improvement_tracker.services.return_reviews import ANSWER_LIMIT, COMMENT_LIMIT, QUESTION_LIMIT
from improvement_tracker.services.returns import ASSESSMENT_LABELS, REASON_LIMIT, SECTION_LABELS, TEXT_LIMITS

ASSESSMENT_CHOICES = [(a, ASSESSMENT_LABELS[a]) for a in ASSESSMENTS]


class CountedText(TextAreaField):
    """A GOV.UK character count: the limit shows as the user types; the server checks it too."""

    widget = GovCharacterCount()

    def __init__(self, label: str, limit: int, *, required: str | None = None, **kwargs):
        validators = [max_length(limit, label)]
        if required:
            validators.insert(0, InputRequired(message=required))
        super().__init__(label, validators=validators, **kwargs)
        self.limit = limit


def _text(name: str, required: str | None = None, **kwargs) -> CountedText:
    return CountedText(SECTION_LABELS[name], TEXT_LIMITS[name], required=required, **kwargs)


class SectionForm(EditForm):
    """A draft may be saved part-filled: submitting is what needs every answer."""

    assessment = Radios(SECTION_LABELS["assessment"], choices=ASSESSMENT_CHOICES,
                        message="Select on track, at risk or off track")
    reason = _text("reason", description="Why you chose this self-assessment")
    progress = _text("progress", description="What the force achieved on this pillar this quarter")
    risks = _text("risks", description="What could stop the plan for this pillar, and what you are doing about it")
    help_needed = _text("help_needed", description="Write “None” if you need no help this quarter")


class SubmitForm(Form):
    reason = CountedText("Why are you correcting this return?", REASON_LIMIT,
                         description="The national team sees this beside what changed")


class AssessForm(EditForm):
    rating = Radios("National assessment", choices=ASSESSMENT_CHOICES, message="Select on track, at risk or off track")
    comment = CountedText("Comment", COMMENT_LIMIT, required="Enter a comment on this pillar",
                          description="The force sees this beside its own assessment")


class QuestionForm(Form):
    pillar = Select("Which pillar is it about?", choices=[])
    question = CountedText("Your question", QUESTION_LIMIT, required="Enter your question")


class AnswerForm(Form):
    answer = CountedText("Your answer", ANSWER_LIMIT, required="Enter your answer")


class PeriodDueDateForm(EditForm):
    returns_due_on = GovDateField("Returns due", required=True, description="For example, 21 10 2026")
