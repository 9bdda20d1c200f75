"""Admin pages for the scoring rules the plan page itself does not hold (issue 12.4): the tier
counts; the hard hurdles' confidence, the intervals and the clocks; the population by region.

One page and one form per section, linked from the plan page, so the plan page stays readable
and a refused value can be shown on its own field (the page answers 400 with the form as sent,
and nothing is saved). Each save is a new plan version through `plans.new_plan_version`, which
validates the whole version with the domain's rules (`PlanRules`, `_checked_exposure`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from portal.assess.compacts_admin import plan_diff
from portal.assess.plan_forms import (
    FRACTION,
    FRACTION_SOURCE,
    NOTE,
    PEOPLE,
    CoverageForm,
    HurdlesForm,
    PopulationSourceForm,
    TierCountsForm,
    coverage_form,
    population_form,
    region_field,
)
from portal.assess.plan_labels import HURDLES, POPULATION, TIERS
from portal.assess.plans import (
    NoPlan,
    PlanEdit,
    PlanEditError,
    current_plan,
    new_plan_version,
    plan_rules,
    region_population,
)
from portal.domain.models import Compact
from portal.domain.scoring import PlanRuleError
from portal.domain.scoring.rules import COVERAGE_COUNTS, FRACTION_CODES
from portal.i18n.markers import N_
from portal.i18n.places import regions
from portal.i18n.templating import current_language
from portal.web.lookups import compact_or_404, signed_in_user
from portal.web.services import db

RISING = N_(
    "Pass counts must rise: tier 1 at most tier 2, tier 2 at most tier 3, and tier 3 at most "
    "16. Lower tier 1 or tier 2, or raise tier 3."
)
SOURCE = N_("Say where the population figures come from (a census, a survey, a year).")
NOT_SAVED = N_("This change cannot be made to the plan.")
COVERAGE_AND_FRACTIONS = N_("Monitoring coverage and reporting fractions")
INTROS = {
    TIERS: N_(
        "How many of the 16 indicators must pass for each tier, and the overlays: the integrity "
        "indicators tier 2 needs, when a unit is flagged, and how many comparable compacts a "
        "peer median needs."
    ),
    HURDLES: N_(
        "How sure a hard-hurdle decision must be, how much probability the intervals shown "
        "hold, how narrow a checklist interval may be, and how long a response may take."
    ),
    POPULATION: N_(
        "The coverage gate adds up the people living in the regions with at least one report "
        "in the period and compares their share of the total with the plan's minimum. Leave a "
        "region empty to give no figure for it."
    ),
}


def _percent(value: float) -> Decimal:
    return Decimal(str(round(value * 100, 4)))


def _share(value: Any) -> float:
    return round(float(value) / 100, 6)


def _show_error(form: Any, where: str) -> None:
    """The domain's refusal on the field it names, as the translated instruction for it."""
    name = where.rpartition(".")[2]
    if where == "tiers.tier1_min_passes":
        form.tier1_min_passes.errors.append(gettext(RISING))
    elif where == "note":
        form.note.errors.append(gettext(NOTE))
    elif where.startswith("reporting_fractions.") and where.endswith(".source"):
        form[f"fraction-source-{where.split('.')[1]}"].errors.append(gettext(FRACTION_SOURCE))
    elif where.startswith("reporting_fractions.") and f"fraction-{where.split('.')[1]}" in form:
        form[f"fraction-{where.split('.')[1]}"].errors.append(gettext(FRACTION))
    elif where == "exposure.population_source":
        form.population_source.errors.append(gettext(SOURCE))
    elif where.startswith("exposure.region_population.") and region_field(name) in form:
        form[region_field(name)].errors.append(gettext(PEOPLE))
    elif name in form and hasattr(form[name], "instruction"):
        form[name].errors.append(str(form[name].instruction))
    else:
        form.form_errors.append(gettext(NOT_SAVED))


def _saved(compact: Compact, form: Any, edit: PlanEdit) -> BaseResponse | None:
    """The new version, or None with the refusal shown on the form (nothing is saved)."""
    previous = current_plan(db(), compact)
    try:
        created = new_plan_version(db(), signed_in_user(), compact, edit)
    except (PlanEditError, PlanRuleError) as error:
        db().rollback()
        _show_error(form, error.field)
        return None
    except NoPlan:
        db().rollback()
        form.form_errors.append(gettext(NOT_SAVED))
        return None
    if not plan_diff(previous, created):
        # A version identical to the one before would only lengthen the list of versions.
        db().rollback()
        flash(gettext("Nothing changed."), "info")
        return redirect(url_for("assess.plan", slug=compact.slug))
    db().commit()
    flash(gettext("Plan version %(version)s saved.", version=created.version), "info")
    return redirect(url_for("assess.plan", slug=compact.slug, version=created.version))


def _page(compact: Compact, section: str, form: Any, **extra: Any) -> tuple[str, int]:
    status = 400 if form.errors or form.form_errors else 200
    version = current_plan(db(), compact).version
    return render_template(
        "assess/plan_section.html",
        compact=compact,
        title=gettext(section),
        intro=gettext(INTROS[section]) if section in INTROS else "",
        form=form,
        version=version,
        **extra,
    ), status


def region_figures(country: str, figures: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """A version's population by region as (translated region name, people), in name order."""
    if not figures:
        return []
    places = regions(country, current_language())
    known = {p.code for p in places}
    return [(p.name, figures[p.code]) for p in places if p.code in figures] + [
        (code, people) for code, people in sorted(figures.items()) if code not in known
    ]


def rules_form(compact: Compact) -> CoverageForm:
    """The coverage and fractions form, filled with the current version's values."""
    rules = plan_rules(current_plan(db(), compact))
    data: dict[str, Any] = {name: getattr(rules.coverage, name) for name in COVERAGE_COUNTS}
    data["min_population_share"] = _percent(rules.coverage.min_population_share)
    for code in FRACTION_CODES:
        fraction = rules.fraction(code)
        if fraction is not None:
            data[f"fraction-{code}"] = Decimal(str(fraction.value))
            data[f"fraction-source-{code}"] = fraction.source
    return coverage_form(FRACTION_CODES, **data)


def register_plan_sections(bp: Blueprint) -> None:
    bp.add_app_template_global(region_figures, "region_figures")

    # Also posted from the form on the plan page itself; a refusal answers with this page.
    @bp.route("/compacts/<slug>/plan/rules", methods=["GET", "POST"])
    def plan_rules_change(slug: str) -> tuple[str, int] | BaseResponse:
        compact = compact_or_404(slug)
        form = rules_form(compact) if request.method == "GET" else coverage_form(FRACTION_CODES)
        if form.validate_on_submit():
            coverage = {name: form[name].data for name in _names(form) if "-" not in name}
            coverage["min_population_share"] = _share(form.min_population_share.data)
            edit = PlanEdit(
                note=form.note.data or "",
                rules={
                    "coverage": coverage,
                    "reporting_fractions": {
                        code: {
                            "value": float(form[f"fraction-{code}"].data),
                            "source": (form[f"fraction-source-{code}"].data or "").strip(),
                        }
                        for code in FRACTION_CODES
                    },
                },
            )
            if (done := _saved(compact, form, edit)) is not None:
                return done
        return _page(compact, COVERAGE_AND_FRACTIONS, form)

    @bp.route("/compacts/<slug>/plan/tiers", methods=["GET", "POST"])
    def plan_tiers(slug: str) -> tuple[str, int] | BaseResponse:
        compact = compact_or_404(slug)
        form = TierCountsForm()
        if not form.is_submitted():
            counts = plan_rules(current_plan(db(), compact)).tiers
            form.process(data={name: getattr(counts, name) for name in _names(form)})
        elif form.validate():
            edit = PlanEdit(
                note=form.note.data or "",
                rules={"tiers": {name: form[name].data for name in _names(form)}},
            )
            if (done := _saved(compact, form, edit)) is not None:
                return done
        return _page(compact, TIERS, form)

    @bp.route("/compacts/<slug>/plan/hurdles", methods=["GET", "POST"])
    def plan_hurdles(slug: str) -> tuple[str, int] | BaseResponse:
        compact = compact_or_404(slug)
        form = HurdlesForm()
        if not form.is_submitted():
            rules = plan_rules(current_plan(db(), compact))
            form.process(
                data={
                    "hurdle_confidence": _percent(rules.hurdle_confidence),
                    "interval_mass": _percent(rules.interval_mass),
                    "checklist_min_half_width": Decimal(str(rules.checklist_min_half_width)),
                    "response_window_days": rules.response_window_days,
                }
            )
        elif form.validate():
            edit = PlanEdit(
                note=form.note.data or "",
                rules={
                    "hurdle_confidence": _share(form.hurdle_confidence.data),
                    "interval_mass": _share(form.interval_mass.data),
                    "checklist_min_half_width": float(form.checklist_min_half_width.data),
                    "response_window_days": form.response_window_days.data,
                },
            )
            if (done := _saved(compact, form, edit)) is not None:
                return done
        return _page(compact, HURDLES, form)

    @bp.route("/compacts/<slug>/plan/population", methods=["GET", "POST"])
    def plan_population(slug: str) -> tuple[str, int] | BaseResponse:
        compact = compact_or_404(slug)
        places = [(p.code, p.name) for p in regions(compact.country, current_language())]
        form = population_form(places)
        if not form.is_submitted():
            plan = current_plan(db(), compact)
            figures = region_population(plan) or {}
            data: dict[str, Any] = {
                region_field(code): int(figures[code]) for code, _ in places if code in figures
            }
            data["population_source"] = (plan.exposure or {}).get("population_source", "")
            form.process(data=data)
        elif form.validate():
            edit = PlanEdit(
                note=form.note.data or "",
                exposure={
                    "region_population": {
                        code: form[region_field(code)].data for code, _ in places
                    },
                    "population_source": (form.population_source.data or "").strip(),
                },
            )
            if (done := _saved(compact, form, edit)) is not None:
                return done
        fields = [form[region_field(code)] for code, _ in places]
        return _page(compact, POPULATION, form, region_fields=fields)


def _names(form: PopulationSourceForm | TierCountsForm | HurdlesForm | CoverageForm) -> list[str]:
    return [f.name for f in form if hasattr(f, "instruction")]
