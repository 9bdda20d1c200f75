"""How well duplicate suggestions find the other reports of one event, over many generated sets.

Run: .venv/bin/python bench/duplicates.py [--seeds 10] [--first-seed 20260]
     [--arabic-shares 0,0.33,0.5,0.67]

`tests/desk/test_duplicates.py` files one seed through the product (submission, keyed hashes,
intake, the suggestion query); a single set of 60 events moves recall by a few points from seed to
seed, so this script scores --seeds sets (the test's seed and the ones after it) for each share of
reporters writing names in Arabic script (`tests/desk/events.py`). No database: each account
becomes a transient Report with the keyed hashes a verifier's opening of it computes
(`portal/desk/matching.py`, under a random desk match key): every report counts as opened, as
the suggestions are measured on reports verifiers opened. A report's candidates are those
`suggest_duplicates` selects (the desk's reports within a month either side, the 1,000
nearest in arrival: every one at this size, so the reports sharing a unit or place from beyond
that window never come into it). Ranked by `rank_duplicates`, the
function behind `suggest_duplicates`, and, in the same run, by the baseline: the scoring and the
name hashing before 2026-11-27 (commit 42d1721; points for shared fields, keys of the name as
typed), and the two halves of the change apart. Printed per share: recall of true pairs in the top
5 per seed, then mean, min and max, recall@8, precision@5 and MRR@5 over the seeds. Takes about 4
minutes for 10 seeds and 4 shares (the transient rows' attribute access is most of it).
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.crypto import keyed_hash  # noqa: E402
from portal.desk.duplicates import rank_duplicates  # noqa: E402
from portal.desk.matching import match_hashes  # noqa: E402
from portal.domain.catalogue import reporter_choice  # noqa: E402
from portal.domain.models import Report, ReportIndicator  # noqa: E402
from portal.domain.months import shift_month  # noqa: E402
from portal.jobs.intake import duplicate_fingerprint  # noqa: E402
from tests.desk.events import SHOWN, WIDER, Account, Figures, accounts, measure  # noqa: E402

COUNTRY = "IQ"
WINDOW = 1000  # candidates, as suggest_duplicates: half after the report, the rest before
Ranking = Callable[[Report, Sequence[Report]], list[tuple[float, Report]]]


def keyed(key: bytes, kind: str, *parts: str) -> str | None:
    """As the reporter service: no key for a blank detail."""
    if not parts[-1].strip():
        return None
    return keyed_hash(key, kind, *parts).hex()


def primary(codes: list[str]) -> str:
    """The reporter service's rule: grave violations and reprisals lead."""
    return next((u for u in ("HR-1", "OA-3", "AD-1", "OA-1") if u in codes), codes[0])


def as_reports(generated: list[Account], key: bytes, *, matching: bool) -> list[Report]:
    """Transient rows as submission, intake and a verifier's opening leave them; `matching` makes
    the hashes as opening does (names in their matching form, the product since 2026-11-27),
    otherwise of the names as typed (the baseline)."""
    reports = []
    for n, a in enumerate(generated, 1):
        codes = sorted({reporter_choice(k).indicator_code for k in a.choices})
        report = Report(
            id=n,
            desk_id=1,
            country=COUNTRY,
            region=a.region,
            incident_month=a.month,
            primary_indicator=primary(codes),
            force_branch=a.force,
            language=a.language,
            organisation_id=None,
            created_day=a.received,
            indicators=[ReportIndicator(indicator_code=code) for code in codes],
        )
        exact = a.exact_date.isoformat() if a.exact_date else ""
        if matching:
            payload = {"unit": a.unit, "place": a.place, "exact_date": exact or None}
            for column, value in match_hashes(report, payload, key).items():
                setattr(report, column, value)
        else:
            report.unit_key = keyed(key, "unit", COUNTRY, a.unit)
            report.place_key = keyed(key, "place", a.region, a.place)
            report.day_key = keyed(key, "day", exact)
        report.fingerprint = duplicate_fingerprint(report)
        reports.append(report)
    return reports


def baseline_similarity(a: Report, b: Report, key_counts: dict[str, int]) -> float:
    """The scoring of commit 42d1721, for comparison only."""
    score = 0.0
    codes_a = {i.indicator_code for i in a.indicators} or {a.primary_indicator}
    codes_b = {i.indicator_code for i in b.indicators} or {b.primary_indicator}
    shared = codes_a & codes_b
    if shared:
        score += 3 + len(shared) - 1
    if a.region and a.region == b.region:
        score += 3
    if a.incident_month == b.incident_month:
        score += 2
    for mine, theirs, points in (
        (a.unit_key, b.unit_key, 5),
        (a.place_key, b.place_key, 5),
        (a.day_key, b.day_key, 4),
    ):
        if mine and mine == theirs:
            score += points if key_counts.get(mine, 0) <= 3 else points // 2
    if a.fingerprint and a.fingerprint == b.fingerprint and (a.unit_key or a.place_key):
        score += 2
    if a.force_branch == b.force_branch:
        score += 1
    return score


def baseline_ranking(report: Report, candidates: Sequence[Report]) -> list[tuple[float, Report]]:
    key_counts: dict[str, int] = {}
    for c in candidates:
        for key in {c.unit_key, c.place_key, c.day_key} - {None}:
            assert key is not None
            key_counts[key] = key_counts.get(key, 0) + 1
    scored = [(baseline_similarity(report, c, key_counts), c) for c in candidates]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].id))
    return scored


def figures(generated: list[Account], reports: list[Report], ranking: Ranking) -> Figures:
    def suggested(report_id: int) -> list[int]:
        report = reports[report_id - 1]
        low, high = shift_month(report.incident_month, -1), shift_month(report.incident_month, 1)
        in_window = [c for c in reports if c.id != report.id and low <= c.incident_month <= high]
        later = [c for c in in_window if c.id > report.id][: WINDOW // 2]
        earlier = [c for c in reversed(in_window) if c.id < report.id][: WINDOW - len(later)]
        return [c.id for score, c in ranking(report, later + earlier)[:WIDER] if score > 0]

    return measure([(a, r.id) for a, r in zip(generated, reports, strict=True)], suggested)


VARIANTS: tuple[tuple[str, bool, Ranking], ...] = (
    ("baseline (42d1721)", False, baseline_ranking),
    ("matching-form keys only", True, baseline_ranking),
    ("evidence ranking only", False, rank_duplicates),
    ("both (the product)", True, rank_duplicates),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=20260)
    parser.add_argument("--arabic-shares", default="0,0.33,0.5,0.67")
    args = parser.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    key = secrets.token_bytes(32)
    for share in (float(s) for s in args.arabic_shares.split(",")):
        print(f"\nnames in Arabic script: {share:.0%} of reporters, seeds {seeds[0]}-{seeds[-1]}")
        sets = [accounts(seed, arabic_share=share) for seed in seeds]
        rows = {}
        for label, matching, ranking in VARIANTS:
            rows[label] = [
                figures(generated, as_reports(generated, key, matching=matching), ranking)
                for generated in sets
            ]
        for label, results in rows.items():
            recalls = [f.recall for f in results]
            print(
                f"  {label:24s} recall@{SHOWN} mean {statistics.mean(recalls):.3f} "
                f"min {min(recalls):.3f} max {max(recalls):.3f} | "
                f"recall@{WIDER} {statistics.mean(f.recall_wider for f in results):.3f} "
                f"precision@{SHOWN} {statistics.mean(f.precision for f in results):.3f} "
                f"MRR@{SHOWN} {statistics.mean(f.mrr for f in results):.3f} | "
                f"pairs {sum(f.true_pairs for f in results)}"
            )
            print("    per seed: " + " ".join(f"{r:.3f}" for r in recalls))


if __name__ == "__main__":
    main()
