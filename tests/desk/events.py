"""Events and the accounts people give of them: the generated set for duplicate suggestions.

Each event is reported by 2–4 people who remember it differently: a place or unit left out or
written another way, a date remembered a few days off (across a month boundary when the event
was near one), a second thing that happened or another word for the same, another force branch.
Unrelated single reports of the same desk, regions, months, places and units surround them.
`tests/desk/test_duplicates.py` files one seed through the product; `bench/duplicates.py` scores
many seeds. Nothing here knows how suggestions are scored.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from portal.domain.models.base import today
from tests.desk.filing import month_ago

EVENTS = 60
DISTRACTORS = 200
MONTHS = range(2, 8)  # incident months 2 to 7 months ago

REGIONS = ("IQ-BG", "IQ-NI", "IQ-BA", "IQ-AN", "IQ-DI")
# What people report most at a desk: extortion at checkpoints, arrests, then grave violations.
CHOICES = (
    ("IC-1.checkpoint-money", 8),
    ("IC-1.paid-for-release", 3),
    ("HR-2.held-no-reason", 5),
    ("HR-1.torture", 3),
    ("HR-1.killing", 2),
    ("HR-1.disappeared", 2),
    ("CH-1.hit-in-operation", 2),
    ("OA-3.reprisal", 1),
    ("IN-2.targeted-searches", 2),
    ("AD-1.sold-off", 1),
)
FORCES = (("army", 4), ("police", 5), ("militia", 3), ("intelligence", 1), ("unknown", 1))
# The same checkpoints and units come up again and again in unrelated reports too.
PLACES = (
    "Checkpoint 12, Airport Road",
    "Al-Rashid market",
    "Bab al-Moadham bus station",
    "Old bridge checkpoint",
    "Al-Amil camp gate",
    "Hay al-Jihad roundabout",
    "Grain silo checkpoint",
    "Al-Shuhada hospital",
)
UNITS = (
    "54th Brigade",
    "Federal Police 3rd Division",
    "Rapid Response Battalion 2",
    "Emergency Response Division",
    "Border Guard 5th Regiment",
    "Brigade 30 of the PMF",
    "Counter-Terrorism Service 1st Battalion",
    "Highway Police",
)
# The same name as another reporter writes it in Latin script: word order, articles, ordinals,
# but also abbreviations and other words that no normalisation can join.
SPELLINGS = {
    "Checkpoint 12, Airport Road": ("Airport Road checkpoint 12", "Checkpoint No. 12 Airport Rd"),
    "Al-Rashid market": ("Al Rashid market", "Rashid market"),
    "Bab al-Moadham bus station": ("Bab Al Muadham bus station", "Bab al-Moadham garage"),
    "Old bridge checkpoint": ("checkpoint at the old bridge", "Old-bridge checkpoint"),
    "Al-Amil camp gate": ("Amil camp gate", "Al Amil camp main gate"),
    "Hay al-Jihad roundabout": ("Hay al Jihad roundabout", "Jihad roundabout"),
    "Grain silo checkpoint": ("Silo checkpoint", "checkpoint at the grain silos"),
    "Al-Shuhada hospital": ("Shuhada hospital", "Al Shohada hospital"),
    "54th Brigade": ("54 Brigade", "Brigade 54"),
    "Federal Police 3rd Division": ("3rd Federal Police Division", "Federal Police Div. 3"),
    "Rapid Response Battalion 2": ("2nd Rapid Response Battalion", "Rapid Response Bn 2"),
    "Emergency Response Division": ("ERD", "Emergency Response Div."),
    "Border Guard 5th Regiment": ("5th Border Guard Regiment", "Border Guards 5th Rgt"),
    "Brigade 30 of the PMF": ("PMF Brigade 30", "30th Brigade (Hashd)"),
    "Counter-Terrorism Service 1st Battalion": ("CTS 1st Battalion", "1st CTS Battalion"),
    "Highway Police": ("Highways Police", "the highway patrol police"),
}
# The same names written in Arabic script by reporters using the Arabic form: as most write it,
# and in other words. A name in Arabic never hashes like its Latin spelling.
ARABIC = {
    "Checkpoint 12, Airport Road": ("سيطرة ١٢، طريق المطار", "نقطة تفتيش ١٢ طريق المطار"),
    "Al-Rashid market": ("سوق الرشيد", "علوة الرشيد"),
    "Bab al-Moadham bus station": ("كراج باب المعظم", "مرآب باب المعظم"),
    "Old bridge checkpoint": ("سيطرة الجسر القديم", "سيطرة الجسر العتيق"),
    "Al-Amil camp gate": ("بوابة مخيم العامل", "باب مخيم العامل"),
    "Hay al-Jihad roundabout": ("ساحة حي الجهاد", "فلكة حي الجهاد"),
    "Grain silo checkpoint": ("سيطرة السايلو", "سيطرة سايلو الحبوب"),
    "Al-Shuhada hospital": ("مستشفى الشهداء", "مستشفى الشهداء العام"),
    "54th Brigade": ("اللواء ٥٤", "اللواء الرابع والخمسون"),
    "Federal Police 3rd Division": ("الفرقة الثالثة شرطة اتحادية", "فرقة الشرطة الاتحادية الثالثة"),
    "Rapid Response Battalion 2": ("فوج الرد السريع ٢", "الفوج الثاني للرد السريع"),
    "Emergency Response Division": ("فرقة الطوارئ", "قوات الطوارئ"),
    "Border Guard 5th Regiment": ("فوج حرس الحدود ٥", "فوج حرس الحدود الخامس"),
    "Brigade 30 of the PMF": ("اللواء ٣٠ حشد شعبي", "لواء ٣٠ الحشد"),
    "Counter-Terrorism Service 1st Battalion": (
        "جهاز مكافحة الإرهاب الفوج ١",
        "الفوج الأول مكافحة الإرهاب",
    ),
    "Highway Police": ("شرطة الطرق الخارجية", "شرطة الطرق السريعة"),
}


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _as_typed(rng: random.Random, name: str) -> str:
    """Case, spacing and full-width variants of a Latin-script name."""
    variant = rng.choice(("upper", "lower", "spaces", "fullwidth"))
    if variant == "upper":
        return name.upper()
    if variant == "lower":
        return name.lower()
    if variant == "spaces":
        return "  " + name.replace(" ", "  \u00a0") + " "
    return name.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})


def _as_typed_in_arabic(rng: random.Random, name: str) -> str:
    """What Arabic keyboards and habits change: digit script, ta marbuta written as heh, alef
    without hamza, a stretched letter, the Persian or Sorani yeh."""
    variant = rng.choice(("digits", "ta", "alef", "tatweel", "yeh"))
    if variant == "digits":
        return name.translate({0x0660 + d: str(d) for d in range(10)})
    if variant == "ta":
        return name.replace("ة", "ه")
    if variant == "alef":
        return name.replace("إ", "ا").replace("أ", "ا")
    if variant == "tatweel":
        return name.replace("ر", "ر\u0640", 1)
    return name.replace("ي", "ی")


def _recalled(rng: random.Random, name: str, given: float, arabic: bool) -> str:
    """How one reporter gives a place or unit: left out, as written, retyped, or in other words."""
    if rng.random() > given:
        return ""
    roll = rng.random()
    if arabic:
        written, in_other_words = ARABIC[name]
        if roll < 0.55:
            return written
        return _as_typed_in_arabic(rng, written) if roll < 0.85 else in_other_words
    if roll < 0.55:
        return name
    return _as_typed(rng, name) if roll < 0.85 else rng.choice(SPELLINGS[name])


def _delay(rng: random.Random) -> dt.timedelta:
    return dt.timedelta(days=rng.choice((0, 1, 2, 3, 5, 8, 13, 21, 34)))


@dataclass
class Account:
    """One person's account of an event, as they fill in the form."""

    event: int | None
    choices: tuple[str, ...]
    month: dt.date
    region: str
    force: str
    place: str
    unit: str
    exact_date: dt.date | None
    received: dt.date
    language: str = "en"
    noise: list[str] = field(default_factory=list)


def _told_date(
    rng: random.Random, day: dt.date, noise: list[str]
) -> tuple[dt.date, dt.date | None]:
    """The month a reporter gives, and the exact date if they give one.

    Half remember the day, and most of them give it as the exact date (a few a day off). The
    others remember roughly when (give or take ten days) and give only the month, which for an
    event near the start or end of a month is often the month before or after.
    """
    exact = None
    if rng.random() < 0.5:
        remembered = day
        if rng.random() < 0.9:
            exact = day
            if rng.random() < 0.15:
                exact = day + dt.timedelta(days=rng.choice((-1, 1)))
                noise.append("day off by one")
    else:
        remembered = day + dt.timedelta(days=round(rng.gauss(0, 10)))
    told_month = remembered.replace(day=1)
    if told_month != day.replace(day=1):
        noise.append("other month")
    return told_month, exact


def _event_accounts(
    rng: random.Random, event: int, months: list[dt.date], arabic_share: float
) -> list[Account]:
    choice = _weighted(rng, CHOICES)
    day = rng.choice(months).replace(day=rng.randint(1, 28))
    region, force = rng.choice(REGIONS), _weighted(rng, FORCES)
    place, unit = rng.choice(PLACES), rng.choice(UNITS)
    accounts = []
    for _ in range(rng.randint(2, 4)):
        noise: list[str] = []
        choices = [choice]
        same_code = [k for k, _ in CHOICES if k != choice and k[:4] == choice[:4]]
        if same_code and rng.random() < 0.2:
            choices = [rng.choice(same_code)]  # another way to say the same thing
        if rng.random() < 0.25:
            other = [k for k, _ in CHOICES if k[:4] != choice[:4]]
            choices.append(rng.choice(other))
            noise.append("second indicator")
        told_month, exact = _told_date(rng, day, noise)
        told_force = force
        if rng.random() < 0.12:
            told_force = rng.choice([f for f, _ in FORCES if f != force])
            noise.append("other force")
        arabic = rng.random() < arabic_share
        told_place = _recalled(rng, place, 0.7, arabic)
        told_unit = _recalled(rng, unit, 0.55, arabic)
        noise += ["no place"] if not told_place else []
        noise += ["no unit"] if not told_unit else []
        # People write in the days after the event, some much later; never before the date or
        # the month they give.
        received = max(day + _delay(rng), told_month, exact or day)
        accounts.append(
            Account(event, tuple(choices), told_month, region, told_force, told_place,
                    told_unit, exact, min(received, today()), "ar" if arabic else "en", noise)
        )  # fmt: skip
    return accounts


def _distractor(rng: random.Random, months: list[dt.date], arabic_share: float) -> Account:
    day = rng.choice(months).replace(day=rng.randint(1, 28))
    arabic = rng.random() < arabic_share

    def named(names: tuple[str, ...], given: float) -> str:
        if rng.random() >= given:
            return ""
        name = rng.choice(names)
        return ARABIC[name][0] if arabic else name

    return Account(
        None,
        (_weighted(rng, CHOICES),),
        day.replace(day=1),
        rng.choice(REGIONS),
        _weighted(rng, FORCES),
        named(PLACES, 0.6),
        named(UNITS, 0.5),
        day if rng.random() < 0.5 else None,
        min(day + _delay(rng), today()),
        "ar" if arabic else "en",
    )


def accounts(seed: int, *, arabic_share: float = 0.0) -> list[Account]:
    """Every account of the generated set, in the order they reach the desk (ids follow it).

    `arabic_share` of the reporters use the Arabic form and write names in Arabic script.
    """
    rng = random.Random(seed)
    months = [month_ago(n) for n in MONTHS]
    generated = [a for e in range(EVENTS) for a in _event_accounts(rng, e, months, arabic_share)]
    generated += [_distractor(rng, months, arabic_share) for _ in range(DISTRACTORS)]
    generated.sort(key=lambda a: (a.received, rng.random()))
    return generated


SHOWN = 5  # suggestions the desk shows
WIDER = 8  # what showing a few more would find


@dataclass(frozen=True)
class Figures:
    """How the suggestions for the event reports compare with the truth."""

    event_reports: int
    true_pairs: int
    found: int  # ordered true pairs found among the SHOWN suggestions
    found_wider: int  # ... among the first WIDER
    shown: int  # suggestions shown to event reports (fewer than SHOWN when evidence is thin)
    reciprocal_ranks: float  # summed over event reports: 1 / rank of the first true partner
    misses: Counter[str]  # missed pairs by the noise on either side

    @property
    def recall(self) -> float:
        return self.found / self.true_pairs

    @property
    def recall_wider(self) -> float:
        return self.found_wider / self.true_pairs

    @property
    def precision(self) -> float:
        """Share of the SHOWN places holding a true partner (at most ~2/5: events have 2–4)."""
        return self.found / (SHOWN * self.event_reports)

    @property
    def precision_of_shown(self) -> float:
        return self.found / self.shown

    @property
    def mrr(self) -> float:
        """Mean reciprocal rank of the first true partner among the SHOWN (0 when none)."""
        return self.reciprocal_ranks / self.event_reports

    def summary(self) -> str:
        return (
            f"  true ordered pairs {self.true_pairs} among {self.event_reports} event reports; "
            f"found in the top {SHOWN}: {self.found}, in the top {WIDER}: {self.found_wider}\n"
            f"  recall@{SHOWN} {self.recall:.3f}  recall@{WIDER} {self.recall_wider:.3f}  "
            f"precision@{SHOWN} {self.precision:.3f}  precision of shown "
            f"{self.precision_of_shown:.3f}  MRR@{SHOWN} {self.mrr:.3f}\n"
            f"  missed pairs by noise on either side: {dict(self.misses.most_common())}"
        )


def measure(
    filed: Sequence[tuple[Account, int]], suggested: Callable[[int], Sequence[int]]
) -> Figures:
    """`filed` pairs each account with its report id; `suggested(id)` gives at least the first
    WIDER suggested report ids, most alike first."""
    account_of = {report_id: account for account, report_id in filed}
    members: dict[int, set[int]] = {}
    for account, report_id in filed:
        if account.event is not None:
            members.setdefault(account.event, set()).add(report_id)
    event_reports = true = found = found_wider = shown = 0
    reciprocal = 0.0
    misses: Counter[str] = Counter()
    for account, report_id in filed:
        if account.event is None:
            continue
        partners = members[account.event] - {report_id}
        ranked = list(suggested(report_id))[:WIDER]
        event_reports += 1
        true += len(partners)
        found += len(partners & set(ranked[:SHOWN]))
        found_wider += len(partners & set(ranked))
        shown += len(ranked[:SHOWN])
        first = next((n for n, r in enumerate(ranked[:SHOWN], 1) if r in partners), None)
        reciprocal += 1 / first if first else 0.0
        for missed in partners - set(ranked[:SHOWN]):
            other = account_of[missed]
            misses.update(sorted(set(account.noise) | set(other.noise)) or ["no noise"])
    return Figures(event_reports, true, found, found_wider, shown, reciprocal, misses)
