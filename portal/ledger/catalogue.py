"""The assistance catalogue and the levy rates: versioned data, never code (indicators.md).

Both start from the defaults below, written on first use so that a fresh database, the demo and
every test read the same version 1; an admin changes them only by adding a version.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import audit
from portal.domain.models import AssistanceCatalogue, LevyRate, User
from portal.i18n.markers import N_

# indicators.md, Tiers: what each tier's evidence supports.
DEFAULT_CATEGORIES: tuple[dict[str, Any], ...] = (
    {"code": "reform_training", "name": "Institutional reform and training", "min_tier": 0},
    {"code": "non_lethal", "name": "Non-lethal equipment", "min_tier": 1},
    {"code": "light_lethal", "name": "Light lethal", "min_tier": 2},
    {"code": "sophisticated", "name": "Sophisticated systems", "min_tier": 3},
)
# The default categories' names, translated on display; an admin's own names are shown as written.
CATEGORY_LABELS = {
    "reform_training": N_("Institutional reform and training"),
    "non_lethal": N_("Non-lethal equipment"),
    "light_lethal": N_("Light lethal"),
    "sophisticated": N_("Sophisticated systems"),
}
DEFAULT_LEVY_RATE = Decimal("0.01")
# Before any real disbursement: the default rate covers every day a disbursement can carry.
DEFAULT_LEVY_FROM = dt.date(2000, 1, 1)
MAX_LEVY_RATE = Decimal("0.1")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


class CatalogueError(ValueError):
    """A catalogue or rate change an admin must correct; `message` is an N_ source string."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    min_tier: int


def current_catalogue(session: Session) -> AssistanceCatalogue:
    found = session.scalar(
        select(AssistanceCatalogue).order_by(AssistanceCatalogue.version.desc()).limit(1)
    )
    if found is None:
        _write_default(
            session,
            AssistanceCatalogue(
                version=1, categories=[dict(c) for c in DEFAULT_CATEGORIES], note="indicators.md"
            ),
        )
        return current_catalogue(session)
    return found


def _write_default(session: Session, row: AssistanceCatalogue | LevyRate) -> None:
    """Write a version 1 on first use; if another first use wrote it meanwhile, keep theirs."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        pass


def categories(catalogue: AssistanceCatalogue) -> list[Category]:
    return [
        Category(str(c["code"]), str(c["name"]), int(c["min_tier"])) for c in catalogue.categories
    ]


def change_category(
    session: Session, user: User, code: str, name: str, min_tier: int, note: str
) -> AssistanceCatalogue:
    """A new catalogue version with one category added or changed (audit-logged)."""
    code = code.strip().lower()
    name = " ".join(name.split())
    if not _CODE.match(code):
        raise CatalogueError(
            N_("A category code is 2 to 32 lower-case letters, digits or underscores.")
        )
    if not name or len(name) > 120:
        raise CatalogueError(N_("Give the category a name (up to 120 characters)."))
    if min_tier not in (0, 1, 2, 3):
        raise CatalogueError(N_("The minimum tier is 0, 1, 2 or 3."))
    if len(note.strip()) < 5:
        raise CatalogueError(N_("Say why the catalogue changes."))
    current = current_catalogue(session)
    rows = [dict(c) for c in current.categories if c["code"] != code]
    rows.append({"code": code, "name": name, "min_tier": min_tier})
    rows.sort(key=lambda c: (int(c["min_tier"]), str(c["code"])))
    created = AssistanceCatalogue(
        version=current.version + 1, categories=rows, note=note.strip(), created_by_id=user.id
    )
    session.add(created)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="ledger.catalogue_changed",
        object_type="assistance_catalogue",
        object_id=str(created.version),
        detail={"code": code, "min_tier": min_tier},
    )
    return created


def levy_rates(session: Session) -> list[LevyRate]:
    """Every rate version, oldest first (the default written on first use)."""
    rows = list(session.scalars(select(LevyRate).order_by(LevyRate.effective_from)).all())
    if not rows:
        _write_default(
            session,
            LevyRate(
                version=1, rate=DEFAULT_LEVY_RATE, effective_from=DEFAULT_LEVY_FROM,
                note="indicators.md (e.g. 1%)",
            ),
        )
        rows = list(session.scalars(select(LevyRate).order_by(LevyRate.effective_from)).all())
    return rows


def rate_in_force(session: Session, day: dt.date) -> LevyRate:
    """The rate version whose period holds `day`: from its start to the next one's."""
    found = None
    for rate in levy_rates(session):
        if rate.effective_from <= day:
            found = rate
    if found is None:
        raise CatalogueError(N_("No levy rate is in force on that day."))
    return found


def add_levy_rate(
    session: Session, user: User, rate: Decimal, effective_from: dt.date, note: str,
    *, last_disbursement_day: dt.date | None,
) -> LevyRate:
    """A new rate version. It may not start on or before a day already levied: the rate a
    recorded disbursement paid must stay the rate in force on its day, or reconciliation lies."""
    if not Decimal(0) < rate <= MAX_LEVY_RATE:
        raise CatalogueError(N_("The levy rate is a fraction above 0 and at most 0.1 (10%)."))
    if len(note.strip()) < 5:
        raise CatalogueError(N_("Say where the new rate was decided."))
    rows = levy_rates(session)
    if effective_from <= rows[-1].effective_from or (
        last_disbursement_day is not None and effective_from <= last_disbursement_day
    ):
        raise CatalogueError(
            N_("A new rate must start after the current rate's start and after the last "
               "recorded disbursement.")
        )
    created = LevyRate(
        version=max(r.version for r in rows) + 1, rate=rate, effective_from=effective_from,
        note=note.strip(), created_by_id=user.id,
    )
    session.add(created)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="ledger.levy_rate_added",
        object_type="levy_rate",
        object_id=str(created.version),
        detail={"rate": str(rate), "effective_from": effective_from.isoformat()},
    )
    return created
