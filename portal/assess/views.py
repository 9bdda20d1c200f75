"""`/assess/`: compacts, scorecards with uncertainty, tier decisions, plans and assessor data.

Assessors read aggregates only: nothing here opens sealed content.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal.assess import data_kinds, service
from portal.assess.charts import Interval, TrendPoint, interval_chart, trend_chart
from portal.assess.compact_views import register_compact_pages
from portal.assess.compacts_admin import plan_diff
from portal.assess.export_views import KIND_LABELS, register_export_pages
from portal.assess.forms import AssessorDataForm, DecisionForm, PlanChangeForm, WithdrawForm
from portal.assess.periods import BadPeriod, Period
from portal.assess.plan_sections import register_plan_sections, rules_form
from portal.assess.plans import plan_rules
from portal.assess.scorecard_view import scorecard_extras
from portal.assess.scoring import NoPlan, compute_scorecard, current_plan
from portal.config import Config
from portal.domain.catalogue import EXPOSURE_LABELS, INDICATOR_CODES, EstimatorKind, indicator
from portal.domain.models import (
    AssessorDatum,
    Compact,
    MonitoringPlan,
    Role,
    Scorecard,
    TierDecision,
)
from portal.domain.models.base import today
from portal.domain.scoring import PlanRuleError
from portal.i18n.locale import direction
from portal.i18n.markers import N_
from portal.i18n.templating import current_language, format_estimate, indicator_name
from portal.ledger import queries as ledger_queries
from portal.web.lookups import compact_or_404, signed_in_user
from portal.web.services import db, services


def _period() -> Period:
    try:
        return Period.parse(request.args.get("period") or str(dt.date.today().year))
    except BadPeriod:
        abort(400)


def _latest(compact: Compact, period: Period) -> Scorecard | None:
    return db().scalar(
        select(Scorecard)
        .where(Scorecard.compact_id == compact.id, Scorecard.period == str(period))
        .order_by(Scorecard.id.desc())
        .limit(1)
    )


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("assess", __name__, url_prefix="/assess")
    bp.add_app_template_global(_data_kind_label, "data_kind_label")

    @bp.route("/")
    def compacts() -> str:
        rows = db().scalars(select(Compact).order_by(Compact.country)).all()
        return render_template("assess/compacts.html", compacts=rows)

    @bp.route("/compacts/<slug>")
    def scorecard(slug: str) -> str:
        compact = compact_or_404(slug)
        period = _period()
        card = _latest(compact, period)
        context: dict[str, Any] = {
            "compact": compact,
            "period": period,
            "card": card,
            "decision_form": DecisionForm(tier=str(compact.current_tier)),
            "export_kinds": KIND_LABELS,
            # Overrides of the assistance gate are shown where the tier is decided (issue 11).
            "overrides": ledger_queries.overrides(db(), compact, limit=20),
            "endowment": ledger_queries.endowment_totals(db(), compact),
        }
        if card is not None:
            rtl = direction(current_language()) == "rtl"
            entries = sorted(card.entries, key=lambda e: INDICATOR_CODES.index(e.indicator_code))
            context["entries"] = entries
            context["chart"] = interval_chart(
                [
                    Interval(
                        e.indicator_code,
                        e.estimate,
                        e.lower,
                        e.upper,
                        e.threshold,
                        e.state,
                        unit=unit_label(e.indicator_code),
                        bound=UNIT_BOUNDS.get(indicator(e.indicator_code).estimator),
                    )
                    for e in entries
                ],
                # A keyword makes gettext format the sentence, so "90%%" reads "90%".
                title=gettext("Estimates with 90%% intervals against pass thresholds", level=90),
                rtl=rtl,
                fmt=format_estimate,
            )
            context["trends"] = _trends(compact, period, rtl)
            context["extras"] = scorecard_extras(db(), compact, card, today())
            context["decisions"] = (
                db()
                .scalars(
                    select(TierDecision)
                    .where(TierDecision.compact_id == compact.id)
                    .order_by(TierDecision.id.desc())
                    .limit(10)
                )
                .all()
            )
        try:
            context["plan"] = current_plan(db(), compact)
        except NoPlan:
            context["plan"] = None
        return render_template("assess/scorecard.html", **context)

    def _trends(compact: Compact, period: Period, rtl: bool) -> dict[str, str]:
        quarters = [Period(period.year, q) for q in (1, 2, 3, 4)]
        cards = {str(q): _latest(compact, q) for q in quarters}
        plan = current_plan(db(), compact)
        baselines = {i.indicator_code: i for i in plan.indicators}
        charts = {}
        for code in INDICATOR_CODES:
            points = []
            for q in quarters:
                card = cards[str(q)]
                entry = (
                    next((e for e in card.entries if e.indicator_code == code), None)
                    if card
                    else None
                )
                points.append(TrendPoint(f"Q{q.quarter}", entry.estimate if entry else None))
            if not any(p.value is not None for p in points):
                continue
            item = baselines.get(code)
            target = (item.annual_targets or {}).get(str(period.year)) if item else None
            charts[code] = trend_chart(
                points,
                title=gettext("%(code)s by quarter of %(year)s", code=code, year=period.year),
                baseline=item.baseline if item else None,
                target=float(target) if target is not None else None,
                rtl=rtl,
                fmt=format_estimate,
            )
        return charts

    @bp.route("/compacts/<slug>/compute", methods=["POST"])
    def compute(slug: str) -> BaseResponse:
        compact = compact_or_404(slug)
        period = _period()
        try:
            compute_scorecard(db(), compact, period, today=today())
        except NoPlan:
            flash(gettext("This compact has no monitoring plan yet."), "error")
            return redirect(url_for("assess.scorecard", slug=slug, period=str(period)))
        db().commit()
        flash(gettext("The scorecard was computed from the verified incidents."), "info")
        return redirect(url_for("assess.scorecard", slug=slug, period=str(period)))

    @bp.route("/compacts/<slug>/decision", methods=["POST"])
    def decide(slug: str) -> BaseResponse:
        compact = compact_or_404(slug)
        period = _period()
        card = _latest(compact, period)
        form = DecisionForm()
        if card is None or not form.validate_on_submit():
            flash(
                gettext("Write the reasons for the decision (a few sentences at least)."), "error"
            )
            return redirect(url_for("assess.scorecard", slug=slug, period=str(period)))
        _decision, queued = service.record_decision(
            db(),
            signed_in_user(),
            compact,
            card,
            int(form.tier.data),
            form.justification.data or "",
        )
        db().commit()
        services().dispatcher.dispatch(queued)
        flash(gettext("The decision is recorded."), "info")
        return redirect(url_for("assess.scorecard", slug=slug, period=str(period)))

    @bp.route("/compacts/<slug>/plan", methods=["GET", "POST"])
    def plan(slug: str) -> str | tuple[str, int] | BaseResponse:
        compact = compact_or_404(slug)
        form = PlanChangeForm()
        form.indicator.choices = [(c, f"{c} · {indicator_name(c)}") for c in INDICATOR_CODES]
        if request.method == "POST":
            if not signed_in_user().has_role(Role.ADMIN):
                abort(403)
            if form.validate_on_submit():
                change = service.PlanChange(
                    indicator_code=form.indicator.data,
                    baseline=_f(form.baseline.data),
                    target_year=form.target_year.data,
                    target=_f(form.target.data),
                    threshold=_f(form.threshold.data),
                    threshold_source=form.threshold_source.data or None,
                    data_source=form.data_source.data or None,
                    last_quality_review=form.last_quality_review.data,
                )
                try:
                    created = service.new_plan_version(
                        db(), signed_in_user(), compact, change, form.note.data or ""
                    )
                except service.AssessmentError as error:
                    db().rollback()
                    form.form_errors.append(_plan_error(error.field))
                except NoPlan:
                    db().rollback()
                    form.form_errors.append(gettext("This change cannot be made to the plan."))
                else:
                    db().commit()
                    flash(
                        gettext("Plan version %(version)s saved.", version=created.version), "info"
                    )
                    return redirect(url_for("assess.plan", slug=slug))
        versions = (
            db()
            .scalars(
                select(MonitoringPlan)
                .where(MonitoringPlan.compact_id == compact.id)
                .order_by(MonitoringPlan.version.desc())
            )
            .all()
        )
        shown = request.args.get("version", type=int)
        selected = next(
            (v for v in versions if v.version == shown), versions[0] if versions else None
        )
        status = 400 if form.errors or form.form_errors else 200
        rules, rules_error = None, False
        if selected is not None:
            try:
                rules = plan_rules(selected)
            except PlanRuleError:
                rules_error = True
        previous = next(
            (v for v in versions if selected is not None and v.version == selected.version - 1),
            None,
        )
        rules_change = rules_form(compact) if versions else None
        return render_template(
            "assess/plan.html",
            compact=compact,
            versions=versions,
            selected=selected,
            form=form,
            rules=rules,
            rules_error=rules_error,
            diff=plan_diff(previous, selected) if selected is not None and previous else [],
            previous=previous,
            rules_form=rules_change,
        ), status

    @bp.route("/compacts/<slug>/data", methods=["GET", "POST"])
    def data(slug: str) -> str | tuple[str, int] | BaseResponse:
        compact = compact_or_404(slug)
        form = AssessorDataForm()
        code = (form.indicator.data if request.method == "POST" else None) or request.args.get(
            "indicator", ""
        )
        replaces = request.args.get("replaces", type=int) if request.method == "GET" else None
        if request.method == "POST" and form.replaces.data:
            replaces = int(form.replaces.data) if form.replaces.data.isdigit() else -1
        kinds = data_kinds.VALID_KINDS.get(code, ())
        form.kind.choices = [(k, gettext(data_kinds.KIND_LABELS[k])) for k in kinds]
        if request.method == "GET":
            form.indicator.data = code
            form.replaces.data = str(replaces or "")
            if replaces:
                _prefill(form, compact, replaces)
        if form.validate_on_submit():
            raw = {
                "successes": form.successes.data or "",
                "failures": form.failures.data or "",
                "scores": form.scores.data or "",
                "items": form.items.data or "",
                "groups": form.groups.data or "",
            }
            try:
                service.add_assessor_datum(
                    db(),
                    signed_in_user(),
                    compact,
                    code,
                    form.period.data or "",
                    form.kind.data or "",
                    raw,
                    form.provenance.data or "",
                    replaces=replaces,
                )
            except data_kinds.DataError as error:
                db().rollback()
                form.form_errors.append(_data_error(error))
            else:
                db().commit()
                flash(gettext("The data is recorded with its source."), "info")
                return redirect(url_for("assess.data", slug=slug))
        elif request.method == "POST" and code not in data_kinds.ENTERABLE:
            form.form_errors.append(
                _data_error(data_kinds.DataError("indicator", "", {}))
                if code not in data_kinds.VALID_KINDS
                else _data_error(
                    data_kinds.DataError(
                        "indicator",
                        "%(code)s is scored from verified reports only: there is no data to "
                        "enter for it.",
                        {"code": code},
                    )
                )
            )
        status = 400 if form.errors or form.form_errors else 200
        return render_template(
            "assess/data.html",
            compact=compact,
            form=form,
            code=code if code in data_kinds.ENTERABLE else None,
            kinds=kinds,
            enterable=data_kinds.ENTERABLE,
            reports_only=[c for c, k in data_kinds.VALID_KINDS.items() if not k],
            entries=_entries(compact),
            replaces=replaces,
            withdraw_form=WithdrawForm(),
        ), status

    @bp.route("/compacts/<slug>/data/<int:entry_id>/withdraw", methods=["POST"])
    def data_withdraw(slug: str, entry_id: int) -> BaseResponse:
        compact = compact_or_404(slug)
        form = WithdrawForm()
        if not form.validate_on_submit():
            flash(gettext("Say why the entry is withdrawn, and who says so."), "error")
            return redirect(url_for("assess.data", slug=slug, replaces=entry_id))
        try:
            service.withdraw_assessor_datum(
                db(), signed_in_user(), compact, entry_id, form.provenance.data or ""
            )
        except data_kinds.DataError as error:
            db().rollback()
            flash(_data_error(error), "error")
            return redirect(url_for("assess.data", slug=slug))
        db().commit()
        flash(gettext("The entry is withdrawn; it no longer counts on the scorecard."), "info")
        return redirect(url_for("assess.data", slug=slug))

    def _prefill(form: AssessorDataForm, compact: Compact, entry_id: int) -> None:
        entry = db().get(AssessorDatum, entry_id)
        if entry is None or entry.compact_id != compact.id:
            return
        values = entry.values or {}
        form.indicator.data = entry.indicator_code
        form.period.data = entry.period
        form.kind.data = values.get("kind")
        form.successes.data = _plain(values.get("successes"))
        form.failures.data = _plain(values.get("failures"))
        form.scores.data = ", ".join(_plain(v) for v in values.get("scores", []))
        form.items.data = _plain(values.get("items"))
        form.groups.data = "\n".join(
            f"{g['group']}, {g['force_count']}, {_plain(round(g['population_share'] * 100, 4))}"
            for g in values.get("groups", [])
            if isinstance(g, dict) and {"group", "force_count", "population_share"} <= set(g)
        )

    def _entries(compact: Compact) -> list[dict[str, Any]]:
        rows = (
            db()
            .scalars(
                select(AssessorDatum)
                .where(AssessorDatum.compact_id == compact.id)
                .order_by(AssessorDatum.id.desc())
            )
            .all()
        )
        replaced = data_kinds.replaced_ids(rows)
        standing = {r.id for r in data_kinds.standing(rows)}
        return [
            {
                "row": r,
                "kind": (r.values or {}).get("kind"),
                "replaces": (r.values or {}).get("replaces"),
                "state": (
                    "withdrawal"
                    if (r.values or {}).get("kind") == data_kinds.WITHDRAWN
                    else "replaced"
                    if r.id in replaced
                    else "stands"
                    if r.id in standing
                    else "left_out"
                ),
            }
            for r in rows
        ]

    register_export_pages(bp, config)
    register_compact_pages(bp)
    register_plan_sections(bp)
    return bp


def _data_error(error: data_kinds.DataError) -> str:
    """The refusal in the assessor's language, kinds named by their labels."""
    if not error.message:
        return str(gettext("Choose an indicator of the catalogue."))
    params = dict(error.params)
    if "kinds" in params:
        params["kinds"] = "; ".join(gettext(data_kinds.KIND_LABELS[k]) for k in params["kinds"])
    return str(gettext(error.message, **params))


def _data_kind_label(kind: str | None) -> str:
    if kind == data_kinds.WITHDRAWN:
        return str(gettext("Withdrawal"))
    label = data_kinds.KIND_LABELS.get(kind or "")
    return str(gettext(label)) if label else (kind or "—")


UNIT_LABELS = {
    EstimatorKind.BETA_PROPORTION: N_("Share, from 0 to 1"),
    EstimatorKind.CHECKLIST: N_("Checklist score, from 0 to 100"),
    EstimatorKind.DISSIMILARITY: N_("Dissimilarity index, from 0 to 1"),
    EstimatorKind.RATE_RATIO: N_("Rate ratio between groups"),
    EstimatorKind.COUNT: N_("Number of incidents"),
}


UNIT_BOUNDS = {
    EstimatorKind.BETA_PROPORTION: 1.0,
    EstimatorKind.CHECKLIST: 100.0,
    EstimatorKind.DISSIMILARITY: 1.0,
}


def unit_label(code: str) -> str:
    """What an indicator's estimate measures, in the reader's language: its chart group."""
    found = indicator(code)
    if found.estimator is EstimatorKind.GAMMA_RATE:
        if found.exposure_unit is None:
            return str(gettext("Incidents per period"))
        return str(gettext("Rate %(unit)s", unit=gettext(EXPOSURE_LABELS[found.exposure_unit])))
    return str(gettext(UNIT_LABELS[found.estimator]))


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plan_error(field_name: str) -> str:
    if field_name.startswith("thresholds.") and field_name.endswith(".source"):
        return str(gettext("Say where the threshold comes from (a decision, a study, a law)."))
    return str(gettext("This change cannot be made to the plan."))


def _f(value: Any) -> float | None:
    return float(value) if value is not None else None
