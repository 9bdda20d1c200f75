"""A scorecard's reasons read with the figures the table beside them shows (issue 12.8)."""

from __future__ import annotations

from flask import Flask

from portal.i18n.templating import reason_text

MESSAGE = "The whole interval, %(lower)s to %(upper)s, is on the good side of %(threshold)s."


def test_stored_precision_is_not_shown(app: Flask) -> None:
    params = {"lower": 0.828174, "upper": 0.89334, "threshold": 0.75}
    with app.test_request_context("/?lang=en"):
        assert reason_text(MESSAGE, params) == (
            "The whole interval, 0.828 to 0.893, is on the good side of 0.75."
        )
    with app.test_request_context("/?lang=fr"):
        assert "0,828" in reason_text(MESSAGE, params)
