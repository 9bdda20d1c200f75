"""Which kind of assessor data each indicator takes, how an entry is checked, and which entries
stand (issue 12.6).

The kinds follow the catalogue's estimator and source (shared/domain/indicators.md): a Beta
proportion fed by assessors takes audit counts, a checklist takes raters' scores, IN-1's
dissimilarity takes the force's composition, AD-1 takes audited diverted items, and indicators
scored from verified reports alone take nothing. An entry is checked here before it is stored,
and the scorecard reads only entries that pass the same check, so a wrong row entered before
these checks (or by hand) is left out instead of breaking every recompute of its period.

Entries are never edited: a correction or a withdrawal is a new row that names the row it
replaces (`values["replaces"]`), with its own source; the newest standing row counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from portal.domain.catalogue import INDICATORS, EstimatorKind, Source
from portal.i18n.markers import N_

PROPORTION = "proportion"
CHECKLIST = "checklist"
COMPOSITION = "composition"
DIVERTED_ITEMS = "diverted_items"
WITHDRAWN = "withdrawn"

KINDS: tuple[str, ...] = (PROPORTION, CHECKLIST, COMPOSITION, DIVERTED_ITEMS)

KIND_LABELS: dict[str, str] = {
    PROPORTION: N_("Audit: compliant and non-compliant counts"),
    CHECKLIST: N_("Checklist: one 0–100 score per independent rater"),
    COMPOSITION: N_("Composition: force members and population share per group"),
    DIVERTED_ITEMS: N_("Inventory: supplied items found with others"),
}


def _kinds_for(estimator: EstimatorKind, source: Source, code: str) -> tuple[str, ...]:
    if source is Source.REPORTS:
        return ()
    if estimator is EstimatorKind.BETA_PROPORTION:
        return (PROPORTION,)
    if estimator is EstimatorKind.CHECKLIST:
        return (CHECKLIST,)
    if estimator is EstimatorKind.DISSIMILARITY:
        return (COMPOSITION,)
    if code == "AD-1":
        return (DIVERTED_ITEMS,)
    return ()


VALID_KINDS: dict[str, tuple[str, ...]] = {
    i.code: _kinds_for(i.estimator, i.source, i.code) for i in INDICATORS
}
ENTERABLE: tuple[str, ...] = tuple(code for code, kinds in VALID_KINDS.items() if kinds)


@dataclass(frozen=True)
class DataError(ValueError):
    """An entry refused: `message` is an N_ sentence, `params` fill it, `where` names the field."""

    where: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % dict(self.params) if self.params else self.message


def _number(text: Any, name: str) -> float:
    try:
        value = float(str(text).strip().replace(",", ".").replace("٫", "."))
    except (TypeError, ValueError):
        raise DataError(name, N_("Write numbers only.")) from None
    if not math.isfinite(value):
        raise DataError(name, N_("Write numbers only."))
    return value


def _proportion(raw: Mapping[str, Any]) -> dict[str, Any]:
    successes = _number(raw.get("successes", ""), "successes")
    failures = _number(raw.get("failures", ""), "failures")
    if successes < 0 or failures < 0 or successes + failures == 0:
        raise DataError(
            "successes",
            N_("Give how many were compliant and how many were not (not both zero)."),
        )
    return {"kind": PROPORTION, "successes": successes, "failures": failures}


def _checklist(raw: Mapping[str, Any]) -> dict[str, Any]:
    text = raw.get("scores", "")
    parts = text if isinstance(text, list) else str(text).replace("،", ",").split(",")
    scores = [_number(s, "scores") for s in parts if str(s).strip()]
    if len(scores) < 2:
        raise DataError("scores", N_("A checklist needs scores from at least two raters."))
    if not all(0 <= s <= 100 for s in scores):
        raise DataError("scores", N_("Checklist scores go from 0 to 100."))
    return {"kind": CHECKLIST, "scores": scores}


def _composition(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Lines of "group, members of the force, % of the population"; shares must make 100 %
    (give or take one point, for rounding in the source) and are stored as fractions adding to
    exactly 1, which the dissimilarity estimator needs."""
    given = raw.get("groups", "")
    if isinstance(given, list):
        rows = [(g["group"], g["force_count"], float(g["population_share"]) * 100) for g in given]
    else:
        rows = []
        for line in str(given).splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("،", ",").replace(";", ",").split(",")]
            if len(parts) != 3 or not parts[0]:
                raise DataError(
                    "groups",
                    N_(
                        "Write one group a line: name, members of the force, population share "
                        "in percent."
                    ),
                )
            rows.append((parts[0], parts[1], _number(parts[2].rstrip("%"), "groups")))
    if len(rows) < 2 or len({r[0] for r in rows}) != len(rows):
        raise DataError("groups", N_("Give at least two groups, each named once."))
    counts = []
    for _name, count, _share in rows:
        value = _number(count, "groups")
        if value < 0 or value != int(value):
            raise DataError("groups", N_("Members of the force are whole numbers, 0 or more."))
        counts.append(int(value))
    shares = [share for _n, _c, share in rows]
    if sum(counts) == 0 or any(s < 0 for s in shares):
        raise DataError(
            "groups", N_("Give at least one member of the force and no negative share.")
        )
    total = sum(shares)
    if abs(total - 100.0) > 1.0:
        raise DataError(
            "groups",
            N_("The population shares add up to %(total)s%%; they must make 100%%."),
            {"total": round(total, 2)},
        )
    fractions = [round(s / total, 6) for s in shares]
    fractions[-1] = round(1.0 - sum(fractions[:-1]), 6)
    return {
        "kind": COMPOSITION,
        "groups": [
            {"group": str(name)[:80], "force_count": count, "population_share": share}
            for (name, _c, _s), count, share in zip(rows, counts, fractions, strict=True)
        ],
    }


def _diverted(raw: Mapping[str, Any]) -> dict[str, Any]:
    value = _number(raw.get("items", ""), "items")
    if value < 0 or value != int(value):
        raise DataError("items", N_("Diverted items are a whole number, 0 or more."))
    return {"kind": DIVERTED_ITEMS, "items": int(value)}


_CHECKS = {
    PROPORTION: _proportion,
    CHECKLIST: _checklist,
    COMPOSITION: _composition,
    DIVERTED_ITEMS: _diverted,
}


def check_entry(code: str, kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The values to store for an entry, or `DataError` saying what to change."""
    kinds = VALID_KINDS.get(code)
    if kinds is None:
        raise DataError("indicator", N_("Choose an indicator of the catalogue."))
    if not kinds:
        raise DataError(
            "indicator",
            N_("%(code)s is scored from verified reports only: there is no data to enter for it."),
            {"code": code},
        )
    if kind not in kinds:
        raise DataError(
            "kind",
            N_("%(code)s does not take this kind of data. It takes: %(kinds)s."),
            {"code": code, "kinds": kinds},
        )
    return _CHECKS[kind](raw)


def stands(code: str, values: Mapping[str, Any]) -> bool:
    """Whether a stored entry is one the scorecard can read (the same check as at entry)."""
    kind = values.get("kind")
    if not isinstance(kind, str) or kind not in VALID_KINDS.get(code, ()):
        return False
    try:
        check_entry(code, kind, values)
    except (DataError, KeyError, TypeError, ValueError):
        return False
    return True


def replaced_ids(rows: Iterable[Any]) -> set[int]:
    found: set[int] = set()
    for row in rows:
        replaces = (row.values or {}).get("replaces")
        if isinstance(replaces, int):
            found.add(replaces)
    return found


def standing(rows: Sequence[Any]) -> list[Any]:
    """The rows the scorecard reads: not replaced by a correction or withdrawal, not a
    withdrawal themselves, and readable for their indicator. In the order given."""
    replaced = replaced_ids(rows)
    return [
        row
        for row in rows
        if row.id not in replaced
        and (row.values or {}).get("kind") != WITHDRAWN
        and stands(row.indicator_code, row.values or {})
    ]
