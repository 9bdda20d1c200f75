"""Assessment forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
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
    """One entry. The indicator is chosen first; the form then offers only its kind of data."""

    indicator = HiddenField()
    replaces = HiddenField()
    period = StringField(_l("Period (2027 or 2027-Q2)"), validators=[DataRequired()])
    kind = SelectField(_l("Kind of data"), validate_choice=False)
    successes = StringField(_l("Compliant"), validators=[Optional()])
    failures = StringField(_l("Not compliant"), validators=[Optional()])
    scores = StringField(_l("Rater scores, separated by commas"), validators=[Optional()])
    items = StringField(_l("Items found diverted"), validators=[Optional()])
    groups = TextAreaField(
        _l("Groups, one a line: name, members of the force, population share in percent"),
        validators=[Optional(), Length(max=4000)],
    )
    provenance = TextAreaField(
        _l("Where the numbers come from"), validators=[DataRequired(), Length(max=2000)]
    )


class WithdrawForm(FlaskForm):  # type: ignore[misc]
    provenance = TextAreaField(
        _l("Why it is withdrawn, and who says so"),
        validators=[DataRequired(), Length(max=2000)],
    )


class CompactForm(FlaskForm):  # type: ignore[misc]
    country = SelectField(_l("Country"), validators=[InputRequired()])
    partner = StringField(_l("Partner government"), validators=[DataRequired(), Length(max=200)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    start_day = DateField(_l("Start of the term"), validators=[InputRequired()])
    end_day = DateField(_l("End of the term (5 to 10 years later)"), validators=[InputRequired()])
    status = SelectField(_l("Status"), validators=[InputRequired()])
    fragility_band = SelectField(
        _l("Fragility band: compacts of one band are each other's peers"),
        validators=[InputRequired()],
    )
    population = IntegerField(
        _l("Population"), validators=[InputRequired(), NumberRange(min=0, max=2_000_000_000)]
    )
    desks = SelectMultipleField(_l("Desks that verify its reports"), coerce=int)
