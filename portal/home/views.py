"""The landing page: what the portal is, who sees what a reporter sends, how they are protected."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.config import Config
from portal.web.reporter_pages import neutral_routes


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("home", __name__)

    @bp.route("/")
    def landing() -> str:
        return render_template("home/landing.html")

    @neutral_routes(bp, config)("/safety", "help")
    def about_safety() -> str:
        return render_template("home/safety.html")

    return bp
