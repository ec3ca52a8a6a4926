"""Forms for importing a plan: the upload, and the confirmation of a checked import."""

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovFileInput
from wtforms import HiddenField, SelectMultipleField

from improvement_tracker.forms.base import Form
from improvement_tracker.services.imports.workbook import MAX_FILE_LABEL, MAX_ROWS


class ImportUploadForm(Form):
    file = FileField(
        "Upload your spreadsheet",
        widget=GovFileInput(),
        validators=[FileRequired(message="Select a spreadsheet to import")],
        description=f"An Excel workbook (.xlsx) or a CSV file, smaller than {MAX_FILE_LABEL}, with up to "
                    f"{MAX_ROWS:,} rows",
    )


class ConfirmImportForm(Form):
    # What the user checked: if the plan or the file changed since, the preview is shown again.
    digest = HiddenField()
    owners = SelectMultipleField("Add these people as action owners", widget=GovCheckboxesInput(),
                                 choices=[], validate_choice=False)
