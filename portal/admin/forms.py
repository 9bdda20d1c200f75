"""Admin forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length


class RetryForm(FlaskForm):  # type: ignore[misc]
    # One small form per failed job; the id comes back from the list the admin was shown.
    job_id = HiddenField(validators=[DataRequired(), Length(max=128)])
