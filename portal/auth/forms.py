"""Sign-in form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(message=_l("Enter the email address of your staff account."))],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=1024, message=_l("This password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
