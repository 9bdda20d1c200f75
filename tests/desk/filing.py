"""What a reporter leaves behind: a filed report and its receipt; dates as reporters give them."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from PIL import Image

from portal.domain.models import Report
from portal.domain.models.base import today


def month_ago(months: int, start: dt.date | None = None) -> dt.date:
    """The first day of the month `months` before `start` (default: this month)."""
    first = (start or today()).replace(day=1)
    index = first.year * 12 + first.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass(frozen=True)
class Filed:
    """A report as the reporter left it: its row and the receipt they wrote down."""

    report: Report
    receipt: str

    @property
    def public_id(self) -> str:
        return self.report.public_id
