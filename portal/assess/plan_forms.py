"""Forms of the plan's scoring-rule sections an admin edits on their own pages (issue 12.4).

Each field's label says what the number is and its unit; its hint says the allowed range, and
the same sentence is the error when a value is outside it or is not a number at all, so the
admin reads one instruction, translated, whatever went wrong. The ranges are the domain's
(`portal/domain/scoring/rules.py`); the rules that tie fields together (pass counts rising to
tier 3) are left to the domain and shown on the field by the view.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from portal.i18n.markers import N_

PASS_COUNT = N_("Enter a whole number from 1 to 16.")
INTEGRITY_COUNT = N_("Enter a whole number from 1 to 3.")
ONE_OR_MORE = N_("Enter a whole number, 1 or more.")
PERCENT = N_("Enter a percentage from 50 to 99.99.")
POINTS = N_("Enter a number of points from 0 to 50.")
DAYS = N_("Enter a whole number of days from 1 to 730.")
PEOPLE = N_("Enter a number of people, 0 or more, or leave it empty.")
NOTE = N_("Say why the plan changes.")
ZERO_OR_MORE = N_("Enter a whole number, 0 or more.")
SHARE = N_("Enter a percentage from 0 to 100.")
OVERDUE_DAYS = N_("Enter a whole number of days, 1 or more.")
FRACTION = N_("Each reporting fraction is a number above 0 and at most 1.")
FRACTION_SOURCE = N_("Say where each reporting fraction comes from.")


class WholeNumber(IntegerField):  # type: ignore[misc]
    """An integer field whose refusal of "abc" is the field's own translated instruction."""

    data: Any

    def __init__(
        self,
        label: Any,
        message: str,
        low: float,
        high: float | None = None,
        optional: bool = False,
        **kwargs: Any,
    ) -> None:
        self.instruction = _l(message)
        present = Optional() if optional else InputRequired(self.instruction)
        kwargs["validators"] = [present, NumberRange(min=low, max=high, message=self.instruction)]
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(self.instruction) from None

    def post_validate(self, form: Any, validation_stopped: bool) -> None:
        # "abc" fails both the parse and the range with the same sentence: say it once.
        said: list[Any] = list(getattr(self, "errors", []))
        self.errors = list(dict.fromkeys(said))


class Number(WholeNumber):
    """A decimal number; a comma is read as the decimal mark, as many locales write it."""

    widget = TextInput()

    def __init__(self, label: Any, message: str, low: float, high: float, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "dir": "ltr"})
        super().__init__(label, message, low, high, **kwargs)

    def process_data(self, value: Any) -> None:
        # IntegerField would cut a stored 0.1 to 0 before the form is even shown.
        self.data = None if value is None else Decimal(str(value))

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            value = Decimal(valuelist[0].strip().replace(",", "."))
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            self.data = None
            raise ValueError(self.instruction)
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else format(Decimal(self.data).normalize(), "f")


def note_field() -> StringField:
    return StringField(_l("Why this change"), validators=[DataRequired(_l(NOTE)), Length(max=500)])


class TierCountsForm(FlaskForm):  # type: ignore[misc]
    tier1_min_passes = WholeNumber(_l("Tier 1: indicators that pass, at least"), PASS_COUNT, 1, 16)
    tier2_min_passes = WholeNumber(_l("Tier 2: indicators that pass, at least"), PASS_COUNT, 1, 16)
    tier3_min_passes = WholeNumber(_l("Tier 3: indicators that pass, at least"), PASS_COUNT, 1, 16)
    reform_min_passes = WholeNumber(
        _l("Reform track: indicators that pass, at least"), PASS_COUNT, 1, 16
    )
    integrity_min_passes = WholeNumber(
        _l("Tier 2: integrity indicators (IC-1 to IC-3) that pass, at least"),
        INTEGRITY_COUNT,
        1,
        3,
    )
    unit_flag_min_incidents = WholeNumber(
        _l("Unit flag: verified grave-violation incidents of one unit, at least"),
        ONE_OR_MORE,
        1,
    )
    unit_flag_window_months = WholeNumber(
        _l("Unit flag: counted within this many months"), ONE_OR_MORE, 1
    )
    peer_minimum = WholeNumber(
        _l("Peer median: comparable compacts with an estimate, at least"), ONE_OR_MORE, 1
    )
    note = note_field()


class HurdlesForm(FlaskForm):  # type: ignore[misc]
    hurdle_confidence = Number(
        _l("Confidence of the exact bounds that decide the hard hurdles (%)"), PERCENT, 50, 99.99
    )
    interval_mass = Number(
        _l("Probability inside the intervals the scorecard shows (%)"), PERCENT, 50, 99.99
    )
    checklist_min_half_width = Number(
        _l("Narrowest checklist interval, plus or minus (points)"), POINTS, 0, 50
    )
    response_window_days = WholeNumber(
        _l("Days after the incident month within which a response must start (OA-1, CH-2)"),
        DAYS,
        1,
        730,
    )
    note = note_field()


class CoverageForm(FlaskForm):  # type: ignore[misc]
    """The coverage minimum; `coverage_form` adds each report-fed rate's fraction and source."""

    min_reports = WholeNumber(_l("Reports about the period, at least"), ZERO_OR_MORE, 0)
    min_partners = WholeNumber(_l("Partner organisations active, at least"), ZERO_OR_MORE, 0)
    min_population_share = Number(
        _l("Share of the population in regions with a report, at least (%)"), SHARE, 0, 100
    )
    max_unverified_days = WholeNumber(
        _l("Days before an HR-1 or OA-3 report is overdue"), OVERDUE_DAYS, 1
    )
    max_overdue_reports = WholeNumber(_l("Overdue reports allowed"), ZERO_OR_MORE, 0)
    max_disruptions = WholeNumber(
        _l("Suspensions, shutdowns or reprisals allowed"), ZERO_OR_MORE, 0
    )
    note = note_field()


def coverage_form(codes: tuple[str, ...], **data: Any) -> CoverageForm:
    """The coverage form with a fraction and its source per code (`fraction-HR-1`, …)."""

    class WithFractions(CoverageForm):
        pass

    for code in codes:
        # The domain refuses 0 (a rate divided by 0); the form's range lets it say so on the field.
        value = Number(
            _l("%(code)s: share of events that reach the portal (above 0, at most 1)", code=code),
            FRACTION,
            0,
            1,
        )
        source = StringField(
            _l("%(code)s: where this fraction comes from", code=code),
            validators=[DataRequired(_l(FRACTION_SOURCE)), Length(max=500)],
        )
        setattr(WithFractions, f"fraction-{code}", value)
        setattr(WithFractions, f"fraction-source-{code}", source)
    form: CoverageForm = WithFractions(data=data or None)
    return form


class PopulationSourceForm(FlaskForm):  # type: ignore[misc]
    """The fixed part of the population form; the view adds one field per region."""

    population_source = StringField(
        _l("Where the population figures come from"),
        validators=[Optional(), Length(max=255)],
    )
    note = note_field()


def population_form(places: list[tuple[str, str]]) -> PopulationSourceForm:
    """The form with a number field per region, labelled with the region's translated name."""

    class PopulationForm(PopulationSourceForm):
        pass

    for code, name in places:
        # Empty means "no figure for this region", so the field is optional.
        field = WholeNumber(name, PEOPLE, 0, 2_000_000_000, optional=True)
        setattr(PopulationForm, region_field(code), field)
    form: PopulationSourceForm = PopulationForm()
    return form


def region_field(code: str) -> str:
    return "region_" + code.replace("-", "_")
