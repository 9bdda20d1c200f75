"""The landing page: what the portal is, who sees what a reporter sends, how they are protected.

In demo mode it also gives the tour: whom to sign in as to see what, the demo password, the
receipt of a demo report to try the follow-up with, and how far the background seeding is.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from portal.config import Config
from portal.domain.models import IncidentCluster
from portal.provision.demo_story.planner import tour_receipt
from portal.provision.demo_story.progress import read_progress
from portal.web.page_cache import keep_out_of_cache
from portal.web.reporter_pages import neutral_routes
from portal.web.services import db


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("home", __name__)

    @bp.route("/")
    def landing() -> str:
        if not config.demo_mode:
            return render_template("home/landing.html", tour=None)
        progress = read_progress(config.instance_path)
        seeded = db().scalar(select(IncidentCluster.id).limit(1)) is not None
        if not seeded or (progress is not None and progress.state != "done"):
            # The progress and the receipt change as the story is seeded: no cached copy.
            keep_out_of_cache()
        return render_template(
            "home/landing.html",
            tour={
                "password": config.demo_password,
                "receipt": tour_receipt().display().split() if seeded else None,
                "progress": progress if progress and progress.state != "done" else None,
            },
        )

    @neutral_routes(bp, config)("/safety", "help")
    def about_safety() -> str:
        return render_template("home/safety.html")

    return bp
