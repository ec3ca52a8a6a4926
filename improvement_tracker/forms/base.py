"""The base of every form: what no field may hold, and the token that makes sending it twice safe."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Length

from improvement_tracker.services import inputs


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


class Form(FlaskForm):
    """A FlaskForm that refuses control characters (NUL included) in any field, so they never reach
    a service, the database or an export (services.inputs has the rule), and that carries a
    one-time token when it is a form that writes (services.submissions)."""

    submission_token = HiddenField(default=new_submission_token, validators=[Length(max=64)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.meta.csrf:  # a GET filter changes nothing
            del self.submission_token

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            texts = [raw for raw in (field.raw_data or ()) if isinstance(raw, str)]
            if any(inputs.has_control_characters(text) for text in texts):
                field.errors = [inputs.CONTROL_CHARACTER_MESSAGE]
                valid = False
        return valid

    def token(self) -> str | None:
        field = getattr(self, "submission_token", None)
        return (field.data or None) if field is not None else None


class EditForm(Form):
    """A form that changes an existing object: it carries the version it was loaded at
    (services.edits), so a save never silently undoes someone else's change."""

    loaded_version = HiddenField()
