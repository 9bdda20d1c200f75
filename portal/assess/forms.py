"""Assessment forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class DecisionForm(FlaskForm):  # type: ignore[misc]
    tier = SelectField(
        _l("Tier decided"),
        validators=[InputRequired()],
        choices=[("0", "0"), ("1", "1"), ("2", "2"), ("3", "3")],
    )
    justification = TextAreaField(
        _l("Written justification"),
        validators=[
            DataRequired(_l("Write the reasons for the decision.")),
            Length(min=20, max=10_000, message=_l("Write at least a few sentences.")),
        ],
    )


class PlanChangeForm(FlaskForm):  # type: ignore[misc]
    indicator = SelectField(_l("Indicator"), validators=[InputRequired()])
    baseline = DecimalField(_l("Baseline"), validators=[Optional()])
    target_year = IntegerField(_l("Target year"), validators=[Optional(), NumberRange(2000, 2100)])
    target = DecimalField(_l("Target"), validators=[Optional()])
    threshold = DecimalField(_l("Pass threshold for this compact"), validators=[Optional()])
    threshold_source = StringField(
        _l("Where the threshold comes from"), validators=[Optional(), Length(max=255)]
    )
    data_source = StringField(_l("Data source"), validators=[Optional(), Length(max=255)])
    last_quality_review = DateField(_l("Last data-quality review"), validators=[Optional()])
    note = StringField(_l("Why this change"), validators=[DataRequired(), Length(max=500)])


class AssessorDataForm(FlaskForm):  # type: ignore[misc]
    indicator = SelectField(_l("Indicator"), validators=[InputRequired()])
    period = StringField(_l("Period (2027 or 2027-Q2)"), validators=[DataRequired()])
    kind = SelectField(
        _l("Kind of data"),
        choices=[
            ("proportion", _l("Audit: compliant and non-compliant counts")),
            ("checklist", _l("Checklist: one 0–100 score per independent rater")),
            ("diverted_items", _l("Inventory: supplied items found with others")),
        ],
    )
    successes = DecimalField(_l("Compliant"), validators=[Optional()])
    failures = DecimalField(_l("Not compliant"), validators=[Optional()])
    scores = StringField(_l("Rater scores, separated by commas"), validators=[Optional()])
    items = IntegerField(_l("Items found diverted"), validators=[Optional()])
    provenance = TextAreaField(
        _l("Where the numbers come from"), validators=[DataRequired(), Length(max=2000)]
    )
