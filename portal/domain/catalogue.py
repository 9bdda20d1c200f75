"""The indicator catalogue: what a compact is judged on, as versioned data.

Everything here is a *default* from `shared/domain/indicators.md`. A compact's plan may override
the numbers (see `portal.domain.scoring.plan`); codes, directions and estimators stay fixed because
the tier rules refer to them by name. Bump `CATALOGUE_VERSION` whenever anything below changes:
every stored scorecard records the version it was computed with and must stay reproducible.

Strings people read are wrapped in `N_` so Babel extracts them; the web layer translates them.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from portal.i18n.markers import N_

# 2026.2: HR-1 has no default threshold (each plan sets it, with its source).
CATALOGUE_VERSION: Final = "2026.2"


class Source(StrEnum):
    REPORTS = "R"
    ASSESSOR = "A"
    REPORTS_AND_ASSESSOR = "R+A"


class EstimatorKind(StrEnum):
    GAMMA_RATE = "gamma_rate"
    BETA_PROPORTION = "beta_proportion"
    DISSIMILARITY = "dissimilarity"
    RATE_RATIO = "rate_ratio"
    CHECKLIST = "checklist"
    COUNT = "count"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class ThresholdKind(StrEnum):
    """How indicators.md words a pass rule.

    Under the interval rule (PASS only when the whole 90% interval is on the good side) an
    absolute threshold is already judged on the interval's worse bound, so UPPER_BOUND and
    LOWER_BOUND evaluate exactly like ABSOLUTE. They stay distinct so the catalogue says what the
    framework says and the UI can word the rule the way the compact's co-designers wrote it.
    """

    ABSOLUTE = "absolute"
    PEER_MEDIAN = "peer_median"
    UPPER_BOUND = "upper_bound"
    LOWER_BOUND = "lower_bound"
    ZERO_COUNT = "zero_count"
    # No universal default: the compact's plan must set the number, with its source.
    PLAN_SET = "plan_set"


class ExposureUnit(StrEnum):
    PER_100K_POPULATION_YEAR = "per_100k_population_year"
    PER_100_OPERATIONS = "per_100_operations"
    PER_1000_ITEMS = "per_1000_items"


class Severity(StrEnum):
    GRAVE = "grave"
    SERIOUS = "serious"
    CONCERN = "concern"


SEVERITY_LABELS: Final[dict[Severity, str]] = {
    Severity.GRAVE: N_("Very serious: someone was killed, tortured, disappeared or raped"),
    Severity.SERIOUS: N_("Serious: someone was hurt, detained, threatened or robbed"),
    Severity.CONCERN: N_("A concern: something wrong that should be looked at"),
}

EXPOSURE_LABELS: Final[dict[ExposureUnit, str]] = {
    ExposureUnit.PER_100K_POPULATION_YEAR: N_("per 100,000 people per year"),
    ExposureUnit.PER_100_OPERATIONS: N_("per 100 operations"),
    ExposureUnit.PER_1000_ITEMS: N_("per 1,000 items delivered"),
}


@dataclass(frozen=True)
class Category:
    code: str
    name: str


@dataclass(frozen=True)
class PassRule:
    """A default pass threshold.

    `value` is None only for PEER_MEDIAN, whose number comes from other compacts at scoring time,
    and PLAN_SET, whose number only the compact's plan can give.
    `inclusive` says whether the threshold itself is on the good side ("≥ 0.75" vs "< 2").
    `by_tier` holds stricter values that apply when a specific tier is tested (AD-2).
    """

    kind: ThresholdKind
    value: float | None = None
    inclusive: bool = True
    by_tier: tuple[tuple[int, float], ...] = ()

    def value_for(self, tier: int | None = None) -> float | None:
        for rule_tier, value in self.by_tier:
            if rule_tier == tier:
                return value
        return self.value


@dataclass(frozen=True)
class ReporterChoice:
    """One plain-language description a reporter can tick; `key` is stable and safe to store."""

    key: str
    indicator_code: str
    text: str
    severity: Severity


@dataclass(frozen=True)
class ReporterQuestion:
    """An extra, always optional question asked when a choice of this indicator is ticked."""

    key: str
    text: str


@dataclass(frozen=True)
class Indicator:
    code: str
    category: Category
    name: str
    measures: str
    source: Source
    estimator: EstimatorKind
    direction: Direction
    pass_rule: PassRule
    exposure_unit: ExposureUnit | None = None
    hurdle_from_tier: int | None = None
    reporter_choices: tuple[ReporterChoice, ...] = ()
    reporter_questions: tuple[ReporterQuestion, ...] = ()

    @property
    def is_hard_hurdle(self) -> bool:
        return self.hurdle_from_tier is not None

    def is_hurdle_at(self, tier: int) -> bool:
        return self.hurdle_from_tier is not None and tier >= self.hurdle_from_tier


PM = Category("PM", N_("Merit and professionalism"))
IN = Category("IN", N_("Inclusion"))
IC = Category("IC", N_("Integrity and corruption"))
HR = Category("HR", N_("Human rights"))
OA = Category("OA", N_("Oversight and accountability"))
AD = Category("AD", N_("Arms and equipment control"))
CH = Category("CH", N_("Civilian harm"))

CATEGORIES: Final[tuple[Category, ...]] = (PM, IN, IC, HR, OA, AD, CH)

_UP, _DOWN = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
_POPULATION = ExposureUnit.PER_100K_POPULATION_YEAR
_GRAVE, _SERIOUS, _CONCERN = Severity.GRAVE, Severity.SERIOUS, Severity.CONCERN


def _choices(code: str, *items: tuple[str, str, Severity]) -> tuple[ReporterChoice, ...]:
    return tuple(ReporterChoice(f"{code}.{slug}", code, text, sev) for slug, text, sev in items)


def _absolute(value: float, *, inclusive: bool = True) -> PassRule:
    return PassRule(ThresholdKind.ABSOLUTE, value, inclusive)


# Peer-median rules read "< peer median": being exactly at the median is not better than peers.
_PEER_MEDIAN = PassRule(ThresholdKind.PEER_MEDIAN, None, inclusive=False)

INDICATORS: Final[tuple[Indicator, ...]] = (
    Indicator(
        "PM-1", PM, N_("Merit-based promotion"),
        N_("Share of audited promotion files that followed the merit rules"),
        Source.ASSESSOR, EstimatorKind.BETA_PROPORTION, _UP, _absolute(0.75),
        # Reports of irregular promotions do not enter the estimate; they point auditors to files.
        reporter_choices=_choices(
            "PM-1",
            ("bought-promotion", N_("Someone was promoted because they paid or knew someone, "
                                    "not because of their work"), _CONCERN),
        ),
    ),
    Indicator(
        "PM-2", PM, N_("Vetting and humanitarian-law training coverage"),
        N_("Share of personnel in assisted units who were vetted and trained"),
        Source.ASSESSOR, EstimatorKind.BETA_PROPORTION, _UP, _absolute(0.90),
    ),
    Indicator(
        "IN-1", IN, N_("Representativeness of the force"),
        N_("How far the make-up of the force is from that of the population (0 = identical)"),
        Source.ASSESSOR, EstimatorKind.DISSIMILARITY, _DOWN, _absolute(0.15),
    ),
    Indicator(
        "IN-2", IN, N_("Identity-targeted abuse"),
        N_("How many times more often the most affected group suffers abuse than everyone else"),
        Source.REPORTS, EstimatorKind.RATE_RATIO, _DOWN,
        PassRule(ThresholdKind.UPPER_BOUND, 2.0, inclusive=False),
        reporter_choices=_choices(
            "IN-2",
            ("targeted-group", N_("People were picked out and hurt because of their tribe, clan, "
                                  "religion or language"), _SERIOUS),
            ("targeted-searches", N_("Only people from one group were stopped, searched or "
                                     "arrested"), _CONCERN),
        ),
    ),
    Indicator(
        "IC-1", IC, N_("Extortion and bribery"),
        N_("Verified extortion and bribery incidents per 100,000 people per year"),
        Source.REPORTS, EstimatorKind.GAMMA_RATE, _DOWN, _PEER_MEDIAN, _POPULATION,
        reporter_choices=_choices(
            "IC-1",
            ("checkpoint-money", N_("Soldiers or police demanded money or goods at a checkpoint"),
             _CONCERN),
            ("paid-for-release", N_("Someone had to pay to be let go, or to get a relative out of "
                                    "detention"), _SERIOUS),
        ),
    ),
    Indicator(
        "IC-2", IC, N_("Payroll integrity (ghost soldiers)"),
        N_("Share of the payroll verified as real, serving personnel"),
        Source.ASSESSOR, EstimatorKind.BETA_PROPORTION, _UP, _absolute(0.90),
    ),
    Indicator(
        "IC-3", IC, N_("Defence transparency"),
        N_("Checklist score from 0 to 100, rated by at least two independent raters"),
        Source.ASSESSOR, EstimatorKind.CHECKLIST, _UP, _absolute(50.0),
    ),
    Indicator(
        "HR-1", HR, N_("Grave violations (killings, torture, disappearance, sexual violence)"),
        N_("Verified grave violations per 100,000 people per year, and units with repeated ones"),
        Source.REPORTS, EstimatorKind.GAMMA_RATE, _DOWN,
        # indicators.md: no universal default. A plan without a number leaves HR-1 INDETERMINATE.
        PassRule(ThresholdKind.PLAN_SET, None, inclusive=False), _POPULATION, hurdle_from_tier=1,
        reporter_choices=_choices(
            "HR-1",
            ("killing", N_("Someone was killed by soldiers, police or armed men working with them"),
             _GRAVE),
            ("torture", N_("Someone was beaten, burned or badly hurt while held, or to make them "
                           "talk"), _GRAVE),
            ("disappeared", N_("Someone was taken away and their family cannot find out where they "
                               "are"), _GRAVE),
            ("sexual-violence", N_("Someone was raped or sexually abused by soldiers, police or "
                                   "their allies"), _GRAVE),
        ),
    ),
    Indicator(
        "HR-2", HR, N_("Arbitrary detention"),
        N_("Verified arbitrary detentions per 100,000 people per year"),
        Source.REPORTS, EstimatorKind.GAMMA_RATE, _DOWN, _PEER_MEDIAN, _POPULATION,
        reporter_choices=_choices(
            "HR-2",
            ("held-no-reason", N_("Someone was held without being told why or taken to a judge"),
             _SERIOUS),
            ("held-too-long", N_("Someone has been locked up for a long time without a trial"),
             _SERIOUS),
        ),
    ),
    Indicator(
        "OA-1", OA, N_("Accountability for abuses"),
        N_("Share of verified grave violations and civilian harm investigated within 90 days"),
        Source.REPORTS_AND_ASSESSOR, EstimatorKind.BETA_PROPORTION, _UP,
        PassRule(ThresholdKind.LOWER_BOUND, 0.5), hurdle_from_tier=2,
        reporter_choices=_choices(
            "OA-1",
            ("complaint-ignored", N_("A complaint about abuse was ignored, or nobody looked into "
                                     "what happened"), _CONCERN),
        ),
    ),
    Indicator(
        "OA-2", OA, N_("Civilian and civil-society oversight"),
        N_("Checklist score from 0 to 100: hearings, budget review, access to detention, "
           "a civil-society seat in compact governance"),
        Source.ASSESSOR, EstimatorKind.CHECKLIST, _UP, _absolute(60.0),
    ),
    Indicator(
        "OA-3", OA, N_("Reprisals against reporters and civil society"),
        N_("Number of verified reprisals graded A–B and 1–2"),
        Source.REPORTS, EstimatorKind.COUNT, _DOWN, PassRule(ThresholdKind.ZERO_COUNT, 0.0),
        hurdle_from_tier=1,
        reporter_choices=_choices(
            "OA-3",
            ("reprisal", N_("Someone was threatened, attacked or arrested for reporting abuse or "
                            "speaking out"), _GRAVE),
            ("group-harassed", N_("A journalist, activist or community group was watched, raided "
                                  "or harassed by the forces"), _SERIOUS),
        ),
    ),
    Indicator(
        "AD-1", AD, N_("Diversion of supplied materiel"),
        N_("Supplied items found outside the authorised user, per 1,000 items delivered"),
        Source.REPORTS_AND_ASSESSOR, EstimatorKind.GAMMA_RATE, _DOWN,
        PassRule(ThresholdKind.UPPER_BOUND, 1.0), ExposureUnit.PER_1000_ITEMS, hurdle_from_tier=2,
        reporter_choices=_choices(
            "AD-1",
            ("turned-up-elsewhere", N_("Weapons or equipment given to the army turned up with "
                                       "others"), _SERIOUS),
            ("sold-off", N_("Soldiers or police were selling weapons, bullets, uniforms or fuel"),
             _SERIOUS),
        ),
        reporter_questions=(
            ReporterQuestion("weapon-type", N_("What kind of weapon or equipment was it?")),
            ReporterQuestion("markings", N_("Any markings or serial number you could see, only if "
                                            "it was safe to look")),
            ReporterQuestion("photo", N_("A photo, only if you can take one without being seen")),
        ),
    ),
    Indicator(
        "AD-2", AD, N_("Stockpile accountability"),
        N_("Share of serialised items accounted for in the last inventory"),
        Source.ASSESSOR, EstimatorKind.BETA_PROPORTION, _UP,
        PassRule(ThresholdKind.ABSOLUTE, 0.98, by_tier=((3, 0.995),)),
    ),
    Indicator(
        "CH-1", CH, N_("Civilian harm in operations"),
        N_("Verified incidents of civilian harm per 100 operations"),
        Source.REPORTS, EstimatorKind.GAMMA_RATE, _DOWN, _PEER_MEDIAN,
        ExposureUnit.PER_100_OPERATIONS,
        reporter_choices=_choices(
            "CH-1",
            ("hit-in-operation", N_("Homes, markets or people were hit during a military or police "
                                    "operation"), _GRAVE),
            ("crossfire", N_("People who were not fighting were hurt in shooting, shelling or an "
                             "air strike"), _GRAVE),
        ),
    ),
    Indicator(
        "CH-2", CH, N_("Response to civilian harm"),
        N_("Share of verified civilian harm acknowledged or investigated within 90 days"),
        Source.REPORTS_AND_ASSESSOR, EstimatorKind.BETA_PROPORTION, _UP, _absolute(0.5),
        reporter_choices=_choices(
            "CH-2",
            ("no-help", N_("People harmed in an operation got no help, apology or investigation"),
             _CONCERN),
        ),
    ),
)

_BY_CODE: Final[dict[str, Indicator]] = {item.code: item for item in INDICATORS}
INDICATOR_CODES: Final[tuple[str, ...]] = tuple(_BY_CODE)
HARD_HURDLES: Final[tuple[str, ...]] = tuple(i.code for i in INDICATORS if i.is_hard_hurdle)


def indicator(code: str) -> Indicator:
    try:
        return _BY_CODE[code]
    except KeyError:
        raise KeyError(f"no indicator {code!r} in catalogue {CATALOGUE_VERSION}") from None


def hard_hurdles_at(tier: int) -> tuple[str, ...]:
    return tuple(i.code for i in INDICATORS if i.is_hurdle_at(tier))


def reporter_choices() -> tuple[ReporterChoice, ...]:
    """Every description a reporter may pick from, grouped by catalogue order."""
    return tuple(choice for item in INDICATORS for choice in item.reporter_choices)


def reporter_choice(key: str) -> ReporterChoice:
    for choice in reporter_choices():
        if choice.key == key:
            return choice
    raise KeyError(f"no reporter choice {key!r} in catalogue {CATALOGUE_VERSION}")


@dataclass(frozen=True)
class ForceBranch:
    key: str
    label: str


FORCE_BRANCHES: Final[tuple[ForceBranch, ...]] = (
    ForceBranch("army", N_("Army or soldiers")),
    ForceBranch("police", N_("Police or gendarmes")),
    ForceBranch("militia", N_("Militia or armed group working with the forces")),
    ForceBranch("intelligence", N_("Intelligence or secret police")),
    ForceBranch("prison", N_("Prison guards")),
    ForceBranch("unknown", N_("Someone else, or I don't know")),
)


@dataclass(frozen=True)
class ReliabilityGrade:
    """Admiralty-scale source reliability; `weight` is the default R in w = R × C."""

    letter: str
    label: str
    weight: float


@dataclass(frozen=True)
class CredibilityGrade:
    """Admiralty-scale information credibility; `weight` is the default C in w = R × C."""

    number: int
    label: str
    weight: float


# F ("cannot be judged") sits above D and E on purpose: an unknown source is not a known-bad one.
SOURCE_RELIABILITY: Final[tuple[ReliabilityGrade, ...]] = (
    ReliabilityGrade("A", N_("Completely reliable"), 1.0),
    ReliabilityGrade("B", N_("Usually reliable"), 0.8),
    ReliabilityGrade("C", N_("Fairly reliable"), 0.6),
    ReliabilityGrade("D", N_("Not usually reliable"), 0.3),
    ReliabilityGrade("E", N_("Unreliable"), 0.05),
    ReliabilityGrade("F", N_("Reliability cannot be judged"), 0.5),
)

INFORMATION_CREDIBILITY: Final[tuple[CredibilityGrade, ...]] = (
    CredibilityGrade(1, N_("Confirmed by other sources"), 1.0),
    CredibilityGrade(2, N_("Probably true"), 0.8),
    CredibilityGrade(3, N_("Possibly true"), 0.5),
    CredibilityGrade(4, N_("Doubtful"), 0.2),
    CredibilityGrade(5, N_("Improbable"), 0.05),
    CredibilityGrade(6, N_("Truth cannot be judged"), 0.4),
)
