"""Ledger forms. Amounts and rates are text, parsed to Decimal by portal/ledger/money.py: a
DecimalField would accept "1e3" and locale-dependent commas without saying which it read."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional


class DisbursementForm(FlaskForm):  # type: ignore[misc]
    tranche = StringField(_l("Tranche"), validators=[DataRequired(), Length(max=64)])
    day = DateField(_l("Date of disbursement"), validators=[InputRequired()])
    instrument = SelectField(_l("Instrument"), validators=[InputRequired()])
    category = SelectField(_l("Assistance category"), validators=[InputRequired()])
    recipient_unit = StringField(
        _l("Recipient unit"), validators=[DataRequired(), Length(max=200)]
    )
    gross = StringField(_l("Gross amount"), validators=[DataRequired(), Length(max=40)])
    currency = StringField(_l("Currency (ISO 4217)"), validators=[DataRequired(), Length(3, 3)])
    fx_rate = StringField(
        _l("Exchange rate to the reporting currency"),
        default="1",
        validators=[DataRequired(), Length(max=40)],
    )
    justification = TextAreaField(
        _l("Override justification (assessors only)"),
        validators=[Optional(), Length(max=10_000)],
    )


class CategoryForm(FlaskForm):  # type: ignore[misc]
    code = StringField(_l("Category code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Category name"), validators=[DataRequired(), Length(max=120)])
    min_tier = SelectField(
        _l("Minimum tier"),
        validators=[InputRequired()],
        choices=[("0", "0"), ("1", "1"), ("2", "2"), ("3", "3")],
    )
    note = StringField(_l("Why this change"), validators=[DataRequired(), Length(max=500)])


class ReversalForm(FlaskForm):  # type: ignore[misc]
    reason = StringField(
        _l("Why it is reversed"), validators=[DataRequired(), Length(min=10, max=200)]
    )


class LevyRateForm(FlaskForm):  # type: ignore[misc]
    rate = StringField(_l("Levy rate (0.01 is 1%)"), validators=[DataRequired(), Length(max=20)])
    effective_from = DateField(_l("In force from"), validators=[InputRequired()])
    note = StringField(_l("Where it was decided"), validators=[DataRequired(), Length(max=500)])


class ProposalForm(FlaskForm):  # type: ignore[misc]
    title = StringField(_l("Title of the proposal"), validators=[DataRequired(), Length(max=200)])
    applicant = StringField(_l("Applicant"), validators=[DataRequired(), Length(max=200)])
    applicant_kind = SelectField(_l("Kind of applicant"), validators=[InputRequired()])
    summary = TextAreaField(_l("What the reform will do"), validators=[Length(max=5000)])
    requested = StringField(_l("Amount requested"), validators=[DataRequired(), Length(max=40)])
    indicator = StringField(
        _l("Monitoring indicator"), validators=[DataRequired(), Length(max=200)]
    )
    baseline = StringField(_l("Baseline"), validators=[DataRequired(), Length(max=100)])
    target = StringField(_l("Target"), validators=[DataRequired(), Length(max=100)])


class ReviewForm(FlaskForm):  # type: ignore[misc]
    decision = SelectField(
        _l("Decision"),
        validators=[InputRequired()],
        choices=[("award", _l("Award")), ("decline", _l("Decline"))],
    )
    amount = StringField(_l("Amount awarded"), validators=[Optional(), Length(max=40)])
    note = TextAreaField(_l("Reasons"), validators=[DataRequired(), Length(max=5000)])


class PaymentForm(FlaskForm):  # type: ignore[misc]
    amount = StringField(_l("Amount paid"), validators=[DataRequired(), Length(max=40)])


class IdentifyForm(FlaskForm):  # type: ignore[misc]
    name = StringField(_l("Recipient unit"), validators=[DataRequired(), Length(max=200)])


class ClearForm(FlaskForm):  # type: ignore[misc]
    remediation = TextAreaField(
        _l("Remediation recorded"), validators=[DataRequired(), Length(max=5000)]
    )
