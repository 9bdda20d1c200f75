"""Admin forms. Choices (roles, desks, organisations, owners) are filled per request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class RetryForm(FlaskForm):  # type: ignore[misc]
    # One small form per failed job; the id comes back from the list the admin was shown.
    job_id = HiddenField(validators=[DataRequired(), Length(max=128)])


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button that changes something: only the CSRF token travels."""


class Checkboxes(SelectMultipleField):  # type: ignore[misc]
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InviteForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter the person's email address.")),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
        ],
        render_kw={"autocomplete": "off", "inputmode": "email", "spellcheck": "false"},
    )
    display_name = StringField(
        _l("Name"),
        validators=[Length(max=120, message=_l("A name has at most 120 characters."))],
        render_kw={"autocomplete": "off"},
    )
    roles = Checkboxes(
        _l("Roles"), validators=[DataRequired(_l("Choose at least one role."))], coerce=str
    )
    desks = Checkboxes(_l("Desks"), coerce=str)
    organisation = SelectField(_l("Organisation"), validators=[Optional()])


class DeskChoiceForm(FlaskForm):  # type: ignore[misc]
    desk = SelectField(_l("Desk"), validators=[DataRequired(_l("Choose a desk."))])


class OrganisationForm(FlaskForm):  # type: ignore[misc]
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter the organisation's name.")),
            Length(max=200, message=_l("A name has at most 200 characters.")),
        ],
    )
    country = SelectField(_l("Country"), validators=[DataRequired(_l("Choose a country."))])
    verified = BooleanField(_l("Verified by an administrator"))
    contact = TextAreaField(
        _l("Contact details"),
        validators=[Length(max=2000, message=_l("Contact details have at most 2,000 characters."))],
    )


class TokenForm(FlaskForm):  # type: ignore[misc]
    name = StringField(
        _l("What the token is for"),
        validators=[
            DataRequired(_l("Name the token after the script or system that will use it.")),
            Length(max=120, message=_l("A name has at most 120 characters.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    owner = SelectField(_l("Owner"), validators=[DataRequired(_l("Choose the token's owner."))])
    scopes = Checkboxes(
        _l("What it may read"),
        validators=[DataRequired(_l("Choose at least one thing the token may read."))],
        coerce=str,
    )
    days = RadioField(
        _l("Valid for"),
        validators=[DataRequired(_l("Choose how long the token stays valid."))],
        default="90",
    )
