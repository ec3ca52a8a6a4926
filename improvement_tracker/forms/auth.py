from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovTextInput
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from improvement_tracker.forms.base import Form


class SignInForm(Form):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your email address"),
                    Length(max=254, message="Email address must be 254 characters or fewer")],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"),
                    Length(max=256, message="Password must be 256 characters or fewer")],
    )


class ConfirmForm(Form):
    """A button that changes something: carries only the CSRF token."""
