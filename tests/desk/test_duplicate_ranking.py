"""The column-wise ranking (`portal/desk/evidence.py`) gives every candidate the score of the
pairwise rule in docs/desk.md, to the last bit, in the same order.

The rule is restated here one pair at a time, as the ranking did before it worked on columns,
and both are run on random sets that mix every case the rule distinguishes: empty and unknown
fields, names in other languages, batches of one organisation, reports without indicator rows,
ties.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections import Counter
from typing import Any

import pytest

from portal.desk.duplicates import rank_duplicates
from portal.desk.evidence import (
    _SAME_EVENT_GAP,
    ARRIVAL_GAP_BANDS,
    SAME_EVENT_AGREES,
    SECOND_HAND_SHARE,
    UNKNOWN_FORCE,
    VOUCHER_BITS,
    VOUCHERS,
)
from portal.domain.models import Report, ReportIndicator

FIELDS = ("region", "month", "force", "unit", "place", "day")


def told(r: Report) -> dict[str, Any]:
    return {
        "id": r.id,
        "region": r.region,
        "month": r.incident_month,
        "force": None if r.force_branch == UNKNOWN_FORCE else r.force_branch,
        "unit": r.unit_key,
        "place": r.place_key,
        "day": r.day_key,
        "codes": {i.indicator_code for i in r.indicators} or {r.primary_indicator},
        "language": r.language,
        "organisation": r.organisation_id,
        "arrived": r.created_day.toordinal(),
    }


def bits(field: str, agree: bool, chance: float) -> float:
    m = SAME_EVENT_AGREES[field]
    return math.log2(m / chance) if agree else math.log2((1 - m) / (1 - chance))


def pairwise(me: dict[str, Any], everyone: list[dict[str, Any]], other: dict[str, Any]) -> float:
    """The evidence that `other` tells of `me`'s event, u counted among `everyone` but `me`."""
    size = len(everyone) - 1
    tally = Counter(
        (f, t[f]) for t in everyone for f in FIELDS if t[f] is not None and t is not me
    ) + Counter(("indicator", c) for t in everyone if t is not me for c in t["codes"])

    def chance(field: str, value: object) -> float:
        return (tally[(field, value)] + 1) / (size + 2)

    evidence = 0.0
    for field in FIELDS:
        mine, theirs = me[field], other[field]
        if mine is None or theirs is None:
            continue
        if mine == theirs:
            evidence += bits(field, True, chance(field, mine))
        elif field not in ("unit", "place") or me["language"] == other["language"]:
            evidence += bits(field, False, chance(field, mine))
    shared = me["codes"] & other["codes"]
    if shared:
        evidence += bits("indicator", True, min(chance("indicator", c) for c in shared))
    else:
        sharing = sum(1 for t in everyone if t is not me and t["codes"] & me["codes"])
        evidence += bits("indicator", False, (sharing + 1) / (size + 2))
    if me["organisation"] is None or me["organisation"] != other["organisation"]:
        band = bisect.bisect_left(ARRIVAL_GAP_BANDS, abs(me["arrived"] - other["arrived"]))
        in_band = sum(
            1
            for t in everyone
            if t is not me
            and bisect.bisect_left(ARRIVAL_GAP_BANDS, abs(me["arrived"] - t["arrived"])) == band
        )
        evidence += math.log2(
            _SAME_EVENT_GAP[band] / ((in_band + 1) / (size + len(_SAME_EVENT_GAP)))
        )
    return evidence


def by_the_rule(report: Report, candidates: list[Report]) -> list[tuple[float, int]]:
    me, others = told(report), [told(c) for c in candidates]
    everyone = [me, *others]
    direct = {t["id"]: pairwise(me, everyone, t) for t in others}
    by_direct = sorted(others, key=lambda t: (-direct[t["id"]], -t["id"]))
    total = dict(direct)
    for voucher in by_direct[:VOUCHERS]:
        vouched = direct[voucher["id"]]
        if vouched < VOUCHER_BITS:
            continue
        for t in others:
            if t is not voucher:
                link = min(vouched, pairwise(voucher, everyone, t))
                lifted = min(direct[t["id"]] + SECOND_HAND_SHARE * link, vouched)
                total[t["id"]] = max(total[t["id"]], lifted)
    ranked = sorted(others, key=lambda t: (-total[t["id"]], -direct[t["id"]], -t["id"]))
    return [(total[t["id"]], t["id"]) for t in ranked]


def random_set(rng: random.Random, size: int) -> tuple[Report, list[Report]]:
    day = dt.date(2026, 6, 20)

    def one(n: int) -> Report:
        codes = rng.sample(["HR-1", "HR-2", "IC-1", "OA-3", "CH-1"], rng.choice([0, 1, 1, 2]))
        return Report(
            id=n,
            desk_id=1,
            country="IQ",
            region=rng.choice(["IQ-BG", "IQ-NI", "IQ-BA", None]),
            incident_month=dt.date(2026, rng.randint(5, 7), 1),
            primary_indicator=rng.choice(["HR-1", "IC-1"]),
            force_branch=rng.choice(["police", "army", "militia", UNKNOWN_FORCE]),
            language=rng.choice(["en", "ar", "ckb"]),
            organisation_id=rng.choice([None, None, None, 1, 2]),
            created_day=day + dt.timedelta(days=rng.randint(-50, 50)),
            unit_key=rng.choice([None, None, *(f"{k:064x}" for k in range(6))]),
            place_key=rng.choice([None, *(f"{k:064x}" for k in range(10, 30))]),
            day_key=rng.choice([None, None, *(f"{k:064x}" for k in range(40, 45))]),
            indicators=[ReportIndicator(indicator_code=c) for c in codes],
        )

    report, candidates = one(size + 1), [one(n) for n in rng.sample(range(1, size + 1), size)]
    told = ("region", "incident_month", "force_branch", "unit_key", "place_key", "day_key")
    for account in candidates[:3]:  # other accounts of the report's event, so some vouch
        for column in rng.sample(told, 4):
            setattr(account, column, getattr(report, column))
        codes = [i.indicator_code for i in report.indicators]
        account.indicators = [ReportIndicator(indicator_code=c) for c in codes]
    return report, candidates


@pytest.mark.parametrize("seed", range(12))
def test_the_column_wise_ranking_scores_every_candidate_as_the_pairwise_rule(seed: int) -> None:
    rng = random.Random(seed)
    report, candidates = random_set(rng, rng.choice([1, 2, 40, 150, 300]))
    expected = by_the_rule(report, candidates)
    assert len(expected) == len(candidates)
    assert len(candidates) < 40 or any(score > VOUCHER_BITS for score, _ in expected)
    assert [(score, c.id) for score, c in rank_duplicates(report, candidates)] == expected
