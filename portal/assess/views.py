"""`/assess/`: compacts, scorecards with uncertainty, tier decisions, plans and assessor data.

Assessors read aggregates only: nothing here opens sealed content.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal.assess import service
from portal.assess.charts import Interval, TrendPoint, interval_chart, trend_chart
from portal.assess.export_views import KIND_LABELS, register_export_pages
from portal.assess.forms import AssessorDataForm, DecisionForm, PlanChangeForm
from portal.assess.periods import BadPeriod, Period
from portal.assess.plans import plan_rules
from portal.assess.scorecard_view import scorecard_extras
from portal.assess.scoring import NoPlan, compute_scorecard, current_plan
from portal.config import Config
from portal.domain.catalogue import INDICATOR_CODES
from portal.domain.models import Compact, MonitoringPlan, Role, Scorecard, TierDecision, User
from portal.domain.models.base import today
from portal.domain.scoring import PlanRuleError
from portal.i18n.locale import direction
from portal.i18n.templating import current_language, indicator_name
from portal.ledger import queries as ledger_queries
from portal.web.services import db, services


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _compact(slug: str) -> Compact:
    found = db().scalar(select(Compact).where(Compact.slug == slug))
    if found is None:
        abort(404)
    return found


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

    @bp.route("/")
    def compacts() -> str:
        rows = db().scalars(select(Compact).order_by(Compact.country)).all()
        return render_template("assess/compacts.html", compacts=rows)

    @bp.route("/compacts/<slug>")
    def scorecard(slug: str) -> str:
        compact = _compact(slug)
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
                    Interval(e.indicator_code, e.estimate, e.lower, e.upper, e.threshold, e.state)
                    for e in entries
                ],
                title=gettext("Estimates with 90%% intervals against pass thresholds"),
                rtl=rtl,
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
            )
        return charts

    @bp.route("/compacts/<slug>/compute", methods=["POST"])
    def compute(slug: str) -> BaseResponse:
        compact = _compact(slug)
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
        compact = _compact(slug)
        period = _period()
        card = _latest(compact, period)
        form = DecisionForm()
        if card is None or not form.validate_on_submit():
            flash(
                gettext("Write the reasons for the decision (a few sentences at least)."), "error"
            )
            return redirect(url_for("assess.scorecard", slug=slug, period=str(period)))
        _decision, queued = service.record_decision(
            db(), _user(), compact, card, int(form.tier.data), form.justification.data or ""
        )
        db().commit()
        services().dispatcher.dispatch(queued)
        flash(gettext("The decision is recorded."), "info")
        return redirect(url_for("assess.scorecard", slug=slug, period=str(period)))

    @bp.route("/compacts/<slug>/plan", methods=["GET", "POST"])
    def plan(slug: str) -> str | tuple[str, int] | BaseResponse:
        compact = _compact(slug)
        form = PlanChangeForm()
        form.indicator.choices = [(c, f"{c} · {indicator_name(c)}") for c in INDICATOR_CODES]
        if request.method == "POST":
            if not _user().has_role(Role.ADMIN):
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
                        db(), _user(), compact, change, form.note.data or ""
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
        return render_template(
            "assess/plan.html", compact=compact, versions=versions, selected=selected, form=form,
            rules=rules, rules_error=rules_error,
        ), status

    @bp.route("/compacts/<slug>/data", methods=["GET", "POST"])
    def data(slug: str) -> str | tuple[str, int] | BaseResponse:
        compact = _compact(slug)
        form = AssessorDataForm()
        form.indicator.choices = [(c, f"{c} · {indicator_name(c)}") for c in INDICATOR_CODES]
        if form.validate_on_submit():
            values: dict[str, Any] = {
                "successes": form.successes.data or 0,
                "failures": form.failures.data or 0,
                "scores": [
                    s for s in (form.scores.data or "").replace("،", ",").split(",") if s.strip()
                ],
                "items": form.items.data or 0,
            }
            try:
                service.add_assessor_datum(
                    db(),
                    _user(),
                    compact,
                    form.indicator.data,
                    form.period.data or "",
                    form.kind.data,
                    values,
                    form.provenance.data or "",
                )
            except (service.AssessmentError, BadPeriod, ValueError):
                db().rollback()
                form.form_errors.append(
                    gettext(
                        "Check the numbers: a checklist needs scores from at least two raters "
                        "(0 to 100), an audit needs counts, and the period looks like 2027 or "
                        "2027-Q2."
                    )
                )
            else:
                db().commit()
                flash(gettext("The data is recorded with its source."), "info")
                return redirect(url_for("assess.data", slug=slug))
        status = 400 if form.errors or form.form_errors else 200
        return render_template("assess/data.html", compact=compact, form=form), status

    register_export_pages(bp, config)
    return bp


def _plan_error(field_name: str) -> str:
    if field_name.startswith("thresholds.") and field_name.endswith(".source"):
        return str(gettext("Say where the threshold comes from (a decision, a study, a law)."))
    return str(gettext("This change cannot be made to the plan."))


def _f(value: Any) -> float | None:
    return float(value) if value is not None else None
