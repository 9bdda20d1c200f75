"""Every exposure value a plan accepts has a name in words on the plan's diff (issue 12.8)."""

from __future__ import annotations

from flask import Flask

from portal.assess.plan_labels import rule_label


def test_every_exposure_value_is_named(app: Flask) -> None:
    for lang in ("en", "ar"):
        with app.test_request_context(f"/?lang={lang}"):
            for key in ("population", "operations", "items_delivered", "population_source"):
                label = rule_label(f"exposure.{key}", "IQ")
                assert label is not None and "exposure" not in label and "_" not in label
