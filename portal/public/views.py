"""`/public/compacts/…`: the transparency pages, open to anyone, in every language.

Nothing here is per report: tier decisions, indicator states and a protected table of counts.
Draft compacts have no public page (404), like a compact that does not exist.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask.blueprints import BlueprintSetupState
from sqlalchemy import select

from portal.config import Config
from portal.domain.models import Compact, CompactStatus
from portal.ledger.queries import endowment_totals
from portal.provision.demo_story.progress import read_progress
from portal.public import page
from portal.public.service import public_table
from portal.public.settings import EXTENSION, PublicSettings, public_settings
from portal.web.services import db


def _install(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault(EXTENSION, PublicSettings())


def _published(slug: str) -> Compact:
    found = db().scalar(
        select(Compact).where(Compact.slug == slug, Compact.status != CompactStatus.DRAFT)
    )
    if found is None:
        abort(404)
    return found


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("public", __name__, url_prefix="/public")
    bp.record_once(_install)

    @bp.route("/compacts/")
    def compacts() -> str:
        rows = db().scalars(
            select(Compact)
            .where(Compact.status != CompactStatus.DRAFT)
            .order_by(Compact.country, Compact.start_day)
        )
        return render_template("public/compacts.html", compacts=list(rows))

    @bp.route("/compacts/<slug>")
    def compact(slug: str) -> str:
        found = _published(slug)
        settings = public_settings(current_app)
        today = settings.today()
        # While `make run` seeds the demo's story, a visit must not make a release on too few
        # incidents: the story makes it once its data are in (ε is spent once).
        story = read_progress(config.instance_path) if config.demo_mode else None
        shown = public_table(
            db(),
            found,
            settings.schedule,
            today=today,
            rng=settings.rng,
            hold=story is not None and story.state == "running",
        )
        if shown.spent:
            db().commit()
        schedule = settings.schedule
        due = shown.due.quarter_names if shown.due is not None else ()
        allocation = schedule.allocation
        return render_template(
            "public/compact.html",
            compact=found,
            decisions=page.tier_history(db(), found),
            annual=page.latest_annual_states(db(), found),
            release=shown,
            figures=page.figures_view(shown.published, found.country),
            due=[page.period_label(q) for q in due],
            next_release=schedule.next_release_after(found.start_day, found.end_day, today),
            cap=schedule.budget.epsilon_per_quarter.normalize(),
            epsilon=schedule.epsilon_per_release.normalize(),
            smallest_shown=allocation.smallest_shown,
            sources=allocation.min_contributors,
            tier_label=page.tier_label,
            # Money flows are public; recipient units and overrides are not (issue 11).
            endowment=endowment_totals(db(), found),
        )

    return bp
