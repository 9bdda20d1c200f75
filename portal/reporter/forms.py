"""The report form: one page of clear fieldsets that works with JavaScript off (DESIGN §11).

Choices are built per request in the reader's language; nothing here stores anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import get_month_names
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.domain.catalogue import FORCE_BRANCHES, INDICATORS
from portal.domain.models import Compact
from portal.domain.models.base import today
from portal.i18n.places import country_name, regions
from portal.reporter.service import latest_local_day

NARRATIVE_MAX = 20_000
SHORT_MAX = 500


class CheckboxList(SelectMultipleField):  # type: ignore[misc]
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReportForm(FlaskForm):  # type: ignore[misc]
    # No CSRF cookie before the first report (docs/security.md, "Forms without a cookie"): the
    # one-time submission token below proves the form is ours and recent, and the view refuses
    # posts from other sites.
    class Meta:
        csrf = False

    submission = HiddenField()
    compact = SelectField(_l("Country"), validators=[InputRequired(_l("Choose the country."))])
    happened = CheckboxList(
        _l("What happened? Tick everything that fits."),
        validators=[DataRequired(_l("Tick at least one thing that happened."))],
    )
    month = SelectField(_l("Month"), validators=[InputRequired(_l("Choose the month."))])
    year = SelectField(_l("Year"), validators=[InputRequired(_l("Choose the year."))])
    exact_date = DateField(_l("Exact date (optional)"), validators=[Optional()])
    region = SelectField(
        _l("Region or province"), validators=[InputRequired(_l("Choose the region."))]
    )
    place = StringField(
        _l("Exact place (optional)"), validators=[Optional(), Length(max=SHORT_MAX)]
    )
    force = RadioField(
        _l("Who did it?"),
        validators=[
            InputRequired(_l("Choose who did it, or \u201cSomeone else, or I don't know\u201d."))
        ],
    )
    unit = StringField(
        _l("Unit, names or ranks (optional)"), validators=[Optional(), Length(max=SHORT_MAX)]
    )
    narrative = TextAreaField(
        _l("What happened, in your own words"),
        validators=[
            DataRequired(_l("Describe what happened, in a few sentences or more.")),
            Length(
                max=NARRATIVE_MAX,
                message=_l("The description is too long. Please shorten it."),
            ),
        ],
    )
    files = MultipleFileField(_l("Photos or documents (optional)"))
    identity = RadioField(_l("Send it as"), default="anonymous")
    contact = StringField(
        _l("How can a verifier reach you safely? (optional)"),
        validators=[Optional(), Length(max=SHORT_MAX)],
    )
    # Honeypot: hidden by the stylesheet, never filled by a person; scripts fill every field.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])

    def fill_choices(self, compacts: list[Compact], locale: str, member_org: str | None) -> None:
        self.compact.choices = [("", gettext("Choose…"))] + [
            (c.public_id, country_name(c.country, locale)) for c in compacts
        ]
        self.happened.choices = [
            (choice.key, gettext(choice.text))
            for item in INDICATORS
            for choice in item.reporter_choices
        ]
        months = get_month_names("wide", locale=locale)
        self.month.choices = [("", gettext("Choose…"))] + [
            (str(n), months[n]) for n in range(1, 13)
        ]
        this_year = today().year
        self.year.choices = [(str(y), str(y)) for y in range(this_year, this_year - 6, -1)]
        # Rendered as one <optgroup> per country by the template (no JavaScript needed to narrow
        # the list); validated flat here and against the chosen country by the service.
        self.region_groups = [
            (country_name(c.country, locale), regions(c.country, locale)) for c in compacts
        ]
        self.region.choices = [("", gettext("Choose…"))] + [
            (p.code, p.name) for _country, places in self.region_groups for p in places
        ]
        self.force.choices = [(b.key, gettext(b.label)) for b in FORCE_BRANCHES]
        identities = [("anonymous", gettext("Anonymous: nobody will know who sent it"))]
        if member_org is not None:
            identities += [
                ("member", gettext("A member of %(org)s", org=member_org)),
                (
                    "member_hidden",
                    gettext(
                        "A member of %(org)s, but show the group's name only to verifiers",
                        org=member_org,
                    ),
                ),
            ]
        self.identity.choices = identities

    def validate_happened(self, field: Any) -> None:
        # As the API: each choice once (a form repeating one 10,000 times is not a report).
        if field.data and len(set(field.data)) != len(field.data):
            raise ValidationError(gettext("Tick each thing that happened only once."))

    def validate_website(self, field: Any) -> None:
        if field.data:
            raise ValidationError(gettext("Leave this field empty."))

    def validate_exact_date(self, field: Any) -> None:
        if field.data and field.data > latest_local_day(today()):
            raise ValidationError(gettext("The date cannot be in the future."))

    def incident_month(self) -> dt.date | None:
        try:
            return dt.date(int(self.year.data), int(self.month.data), 1)
        except (TypeError, ValueError):
            return None


class ReceiptForm(FlaskForm):  # type: ignore[misc]
    class Meta:
        csrf = False  # guarded like the report form, without a cookie

    receipt = StringField(
        _l("Receipt code"),
        validators=[DataRequired(_l("Enter your 16-digit receipt code."))],
        render_kw={
            "inputmode": "numeric",
            "autocomplete": "off",
            "spellcheck": "false",
            "dir": "ltr",
        },
    )


class ReplyForm(FlaskForm):  # type: ignore[misc]
    body = TextAreaField(
        _l("Your answer or new information"),
        validators=[Length(max=NARRATIVE_MAX, message=_l("Please keep your answer shorter."))],
    )
    files = MultipleFileField(_l("Add photos or documents (optional)"))


class OwnReportForm(FlaskForm):  # type: ignore[misc]
    """Which of a member's own reports to open; checked against their sealed list."""

    report = StringField(validators=[DataRequired(), Length(max=64)])
