"""Desk forms. Choices are filled per request in the verifier's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

MESSAGE_MAX = 10_000


class GradeForm(FlaskForm):  # type: ignore[misc]
    reliability = SelectField(_l("Source reliability"), validators=[InputRequired()])
    credibility = SelectField(_l("Information credibility"), validators=[InputRequired()])


class StatusForm(FlaskForm):  # type: ignore[misc]
    status = SelectField(_l("Move to"), validators=[InputRequired()])


class PriorityForm(FlaskForm):  # type: ignore[misc]
    priority = IntegerField(
        _l("Priority"), validators=[InputRequired(), NumberRange(min=0, max=999)]
    )


class AssignForm(FlaskForm):  # type: ignore[misc]
    assignee = SelectField(_l("Assign to"))


class NoteForm(FlaskForm):  # type: ignore[misc]
    body = TextAreaField(
        _l("Note for the desk (never shown to the reporter)"),
        validators=[DataRequired(_l("Write the note first.")), Length(max=MESSAGE_MAX)],
    )


class QuestionForm(FlaskForm):  # type: ignore[misc]
    body = TextAreaField(
        _l("Question to the reporter"),
        validators=[DataRequired(_l("Write the question first.")), Length(max=MESSAGE_MAX)],
    )


class ClusterStateForm(FlaskForm):  # type: ignore[misc]
    state = SelectField(_l("Verification of the incident"), validators=[InputRequired()])
    mass_casualty = BooleanField(_l("Mass-casualty incident"))
    # OA-1 / CH-2 clocks: the days the authorities responded; empty while nothing is known.
    investigation_opened_day = DateField(
        _l("Day the authorities opened an investigation"), validators=[Optional()]
    )
    harm_acknowledged_day = DateField(
        _l("Day the authorities acknowledged the harm"), validators=[Optional()]
    )


class BulkForm(FlaskForm):  # type: ignore[misc]
    reports = SelectMultipleField(_l("Reports"), validate_choice=False)
    action = SelectField(_l("Action"), validate_choice=False)
