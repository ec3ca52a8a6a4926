"""Forms for loading outcome figures from a file: the upload, and the confirmation of a checked file."""

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms import HiddenField

from improvement_tracker.forms.base import Form
from improvement_tracker.forms.fields import LongText, max_length
from improvement_tracker.services.imports.workbook import MAX_FILE_LABEL
from improvement_tracker.services.outcome_import import MAX_ROWS, REASON_LIMIT


class OutcomeUploadForm(Form):
    file = FileField(
        "Upload the file of figures",
        widget=GovFileInput(),
        validators=[FileRequired(message="Select a file of figures to load")],
        description=f"A CSV file or an Excel workbook (.xlsx), smaller than {MAX_FILE_LABEL}, with up to "
                    f"{MAX_ROWS:,} rows",
    )


class ConfirmOutcomeImportForm(Form):
    # What the user checked: if the figures stored or the file changed since, the preview is shown again.
    digest = HiddenField()
    # Asked only when the file revises published figures; the view says when it is missing.
    reason = LongText("Why are these published figures being revised?",
                      validators=[max_length(REASON_LIMIT, "The reason")],
                      description="Kept in each force's history beside what changed, for example "
                                  "\u201cThe force corrected its recorded offences after an audit\u201d")
