"""What the public release shows: the share of figures published and their margins, per volume.

Run: .venv/bin/python bench/public_release.py [--years 2] [--runs 200] [--seed 2026]

The demo data has no verified incident yet, so this generates representative synthetic
compacts shaped like Iraq's: its 18 governorates weighted by population (rounded 2024
estimates, millions) plus "Region not recorded" (5% of incidents), incidents Poisson per
region × quarter at a given yearly volume. Each compact then goes through the real release
code: the schedule's hierarchy (`ReleaseSchedule.releases`: each half-year, then the year),
`noisy_figures` with the default ε and allocation, and the audit across releases (`protect`),
in the order the releases fall due. Printed per volume: the share of region figures and of
totals shown, the share hidden by the audit (withheld), the printed margins, and the observed
90% error of the shown figures against the truth (reconciliation included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from portal.domain.disclosure import ReleaseKey
from portal.domain.disclosure.linkage import Aggregate
from portal.domain.disclosure.noisy import AreaCounts, Hidden, noisy_figures
from portal.public.counts import UNKNOWN_REGION, table_regions
from portal.public.schedule import ReleaseSchedule
from portal.public.service import protect, release_aggregates

POPULATION = {
    "IQ-BG": 8.8, "IQ-NI": 4.0, "IQ-BA": 3.2, "IQ-DQ": 2.3, "IQ-BB": 2.2, "IQ-SU": 2.2,
    "IQ-AN": 1.9, "IQ-AR": 1.9, "IQ-DI": 1.7, "IQ-KI": 1.7, "IQ-SD": 1.7, "IQ-NA": 1.5,
    "IQ-WA": 1.4, "IQ-DA": 1.4, "IQ-KA": 1.3, "IQ-QA": 1.3, "IQ-MA": 1.1, "IQ-MU": 0.8,
}
VOLUMES = (100, 300, 1000, 3000, 10000)  # verified incidents per year


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    schedule = ReleaseSchedule()
    regions = table_regions("IQ")
    known = sum(POPULATION.values())
    weights = np.array(
        [0.05 if r == UNKNOWN_REGION else 0.95 * POPULATION[r] / known for r in regions]
    )
    start, end = dt.date(2026, 1, 1), dt.date(2025 + args.years, 12, 31)
    releases = schedule.releases(start, end)
    rng = np.random.default_rng(args.seed)
    print(f"ε per release {schedule.epsilon_per_release}, per quarter (and per year) "
          f"{schedule.budget.epsilon_per_quarter}; {len(releases)} releases over "
          f"{args.years} years; {args.runs} synthetic compacts per volume")
    print(f"{'incidents/yr':>12} {'regions shown':>14} {'totals shown':>13} {'withheld':>9} "
          f"{'margin reg/tot':>15} {'90% error reg/tot':>18}")
    for volume in VOLUMES:
        shown = figures = totals_shown = withheld = 0
        errors_region: list[float] = []
        errors_total: list[float] = []
        margins = (0, 0)
        for _ in range(args.runs):
            quarters = [str(q) for r in releases for q in r.quarters]
            cells = {
                (region, q): int(n)
                for q in sorted(set(quarters))
                for region, n in zip(regions, rng.poisson(weights * volume / 4), strict=True)
            }
            past: list[Aggregate] = []
            for n, scheduled in enumerate(releases):
                names = scheduled.quarter_names
                counts = tuple(sum(cells[r, q] for q in names) for r in regions)
                exact = AreaCounts(regions, counts, counts, sum(counts))
                made = noisy_figures(exact, schedule.epsilon_per_release, schedule.allocation, rng)
                key = ReleaseKey("c", "ALL", regions, names)
                guarded = protect(past, key, made, cells, protection=schedule.protection)
                if guarded is None:
                    figures += len(regions) + 1
                    continue
                past += release_aggregates(f"r{n}", key, None, guarded)
                margins = (guarded.region_level.interval, guarded.total_level.interval)
                for figure, truth in zip(guarded.regions, counts, strict=True):
                    figures += 1
                    if figure.value is not None:
                        shown += 1
                        errors_region.append(abs(figure.value - truth))
                    withheld += figure.hidden is Hidden.WITHHELD
                figures += 1
                if guarded.total.value is not None:
                    shown += 1
                    totals_shown += 1
                    errors_total.append(abs(guarded.total.value - sum(counts)))
                withheld += guarded.total.hidden is Hidden.WITHHELD
        region_figures = figures - args.runs * len(releases)
        region_shown = shown - totals_shown
        e_region = np.quantile(errors_region, 0.9) if errors_region else float("nan")
        e_total = np.quantile(errors_total, 0.9) if errors_total else float("nan")
        print(
            f"{volume:>12} {region_shown / region_figures:>13.0%} "
            f"{totals_shown / (args.runs * len(releases)):>13.0%} {withheld / figures:>9.1%} "
            f"{f'±{margins[0]} / ±{margins[1]}':>15} {f'±{e_region:.0f} / ±{e_total:.0f}':>18}"
        )


if __name__ == "__main__":
    main()
