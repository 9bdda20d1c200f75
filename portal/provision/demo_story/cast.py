"""Who and where the demo's story happens: per compact, its places, people, forces and arc.

Plain data. Populations are rounded public estimates (census projections), used as the plans'
population by region; units are invented designations that name no real formation; the arcs
(`Arc`) say how each compact's evidence moves over the eight quarters, and so which tiers the
scorecards recommend:

- the Philippines climbs: better audits and investigations take it from tier 1 to tier 2;
- Iraq is held back: a well-documented reprisal against a partner organisation (a hard hurdle,
  and a suspension trigger) stops it in 2026 whatever else passes, and one unit is flagged;
- Niger improves from reform-only to tier 1 as payroll and vetting audits come in;
- Somalia is sparsely monitored: too few reports and partners, so the coverage gate keeps the
  report-fed indicators from passing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final


@dataclass(frozen=True)
class Audit:
    """An assessor-entered value: its level in the first and in the eighth quarter (moving
    evenly in between, with a little noise), and how many files or raters stand behind it."""

    first: float
    last: float
    size: int = 400


@dataclass(frozen=True)
class Arc:
    # Reports about each of the eight quarters (before seasonal variation) and the open quarter.
    reports_per_quarter: int
    open_reports: int
    # Share of reports sent by the partner organisation's member (no receipt: they follow up from
    # their account); the rest are anonymous.
    member_share: float
    # Indicator mix: reporter choice -> weight.
    mix: dict[str, float]
    # Chance that authorities opened an investigation within 90 days of a verified grave
    # violation or civilian-harm incident, in the first and the second year.
    investigated: tuple[float, float]
    audits: dict[str, Audit]
    # Partners attesting their monitoring per year, beside the member's organisation.
    attesting_partners: int
    # Plan-set thresholds (per 100,000 a year; CH-1 per 100 operations) with their sources.
    thresholds: dict[str, float]
    operations: int
    items_delivered: int
    # Quarter indexes (0..7) of the story's verified reprisals.
    reprisal_quarters: tuple[int, ...] = ()
    # A unit with repeated verified grave violations (flagged), and the quarters they fall in.
    flagged_unit: str | None = None
    flagged_quarters: tuple[int, ...] = ()


@dataclass(frozen=True)
class Region:
    code: str
    population: int
    places: tuple[str, ...]
    # Languages reporters there write in, with weights.
    languages: dict[str, float]
    hotspot: float = 1.0


@dataclass(frozen=True)
class Cast:
    country: str
    member_email: str
    member_name: str
    organisation: str  # the member's organisation
    partners: tuple[str, ...]  # organisations that attest their monitoring
    regions: tuple[Region, ...]
    branches: dict[str, float]
    units: tuple[str, ...]
    arc: Arc
    # Reports per calendar month relative to the mean (1.0), January first.
    seasons: tuple[float, ...] = (1.0,) * 12
    population_source: str = ""
    other_regions_population: int = 0
    extra: dict[str, str] = field(default_factory=dict)


_MIX_COMMON: Final = {
    "IC-1.checkpoint-money": 0.22,
    "IC-1.paid-for-release": 0.07,
    "HR-2.held-no-reason": 0.15,
    "HR-1.killing": 0.04,
    "HR-1.torture": 0.06,
    "HR-1.disappeared": 0.04,
    "CH-1.hit-in-operation": 0.10,
    "IN-2.targeted-searches": 0.08,
    "OA-1.complaint-ignored": 0.07,
    "AD-1.turned-up-elsewhere": 0.04,
    "PM-1.bought-promotion": 0.05,
    "OA-3.reprisal": 0.02,
}

_AR, _CKB = {"ar": 1.0}, {"ckb": 0.85, "ar": 0.15}
IRAQ = Cast(
    country="IQ",
    member_email="member@demo.test",
    member_name="Demo Member",
    organisation="Demo Civil Society Network (Iraq)",
    partners=("Tigris Rights Observatory (demo)", "Detainee Families Committee (demo)"),
    regions=(
        Region("IQ-BG", 9_000_000, ("Al-Karkh", "Sadr City", "Al-Adhamiya"), _AR, 1.3),
        Region("IQ-NI", 4_200_000, ("Mosul", "Tal Afar", "Sinjar"), _AR, 1.5),
        Region("IQ-BA", 3_200_000, ("Basra", "Al-Zubair", "Abu Al-Khasib"), _AR),
        Region("IQ-SU", 2_400_000, ("Sulaymaniyah", "Ranya", "Halabja"), _CKB),
        Region("IQ-AR", 2_300_000, ("Erbil", "Koya", "Soran"), _CKB),
        Region("IQ-DQ", 2_300_000, ("Nasiriyah", "Al-Shatra"), _AR),
        Region("IQ-BB", 2_200_000, ("Hilla", "Al-Musayyib"), _AR),
        Region("IQ-AN", 1_900_000, ("Fallujah", "Ramadi", "Al-Qaim"), _AR, 1.4),
        Region("IQ-DI", 1_700_000, ("Baqubah", "Khanaqin"), _AR, 1.3),
        Region("IQ-KI", 1_700_000, ("Kirkuk", "Hawija"), {"ar": 0.6, "ckb": 0.4}, 1.3),
        Region("IQ-SD", 1_700_000, ("Tikrit", "Samarra", "Baiji"), _AR, 1.2),
        Region("IQ-NA", 1_600_000, ("Najaf", "Kufa"), _AR),
        Region("IQ-DA", 1_400_000, ("Duhok", "Zakho"), _CKB),
        Region("IQ-WA", 1_400_000, ("Kut", "Al-Suwaira"), _AR),
        Region("IQ-QA", 1_300_000, ("Diwaniyah",), _AR),
        Region("IQ-KA", 1_300_000, ("Karbala",), _AR),
        Region("IQ-MA", 1_200_000, ("Amarah",), _AR),
        Region("IQ-MU", 900_000, ("Samawah",), _AR),
    ),
    branches={"army": 0.25, "police": 0.35, "militia": 0.2, "intelligence": 0.12, "prison": 0.08},
    units=("Brigade Orion-7", "Checkpoint Company 14", "Regiment 52, 2nd Battalion",
           "Intervention Unit Cedar-3"),
    arc=Arc(
        reports_per_quarter=36,
        open_reports=12,
        member_share=0.8,
        mix=_MIX_COMMON,
        investigated=(0.7, 0.95),
        audits={
            "IN-1": Audit(0.11, 0.08, 3000),
            "PM-1": Audit(0.80, 0.86, 300),
            "PM-2": Audit(0.93, 0.96, 2000),
            "IC-2": Audit(0.93, 0.96, 4000),
            "IC-3": Audit(60, 68),
            "OA-2": Audit(66, 74),
            "AD-2": Audit(0.988, 0.994, 12000),
        },
        attesting_partners=2,
        thresholds={"HR-1": 2.0, "IC-1": 8.0, "HR-2": 6.0, "CH-1": 30.0},
        operations=900,
        items_delivered=60_000,
        reprisal_quarters=(5, 7),
        flagged_unit="Brigade Orion-7",
        flagged_quarters=(2, 3, 3),
    ),
    # Fewer reports in the hottest months and around Arbaeen's pilgrimage traffic.
    seasons=(1.0, 1.05, 1.1, 1.1, 1.05, 0.95, 0.8, 0.85, 0.9, 1.05, 1.05, 1.05),
    population_source="Demo plan: rounded governorate projections (CSO Iraq, 2024 estimates)",
)

SOMALIA = Cast(
    country="SO",
    member_email="member-so@demo.test",
    member_name="Demo Member (Somalia)",
    organisation="Demo Peace and Rights Forum (Somalia)",
    partners=(),
    regions=(
        Region("SO-BN", 3_000_000, ("Hodan", "Wadajir", "Dayniile"), {"so": 0.7, "ar": 0.3}, 1.5),
        Region("SO-SH", 1_600_000, ("Afgooye", "Marka", "Qoryooley"), {"so": 1.0}, 1.4),
        Region("SO-WO", 1_300_000, ("Hargeisa", "Gabiley"), {"so": 0.9, "ar": 0.1}),
        Region("SO-BY", 1_200_000, ("Baidoa", "Buurhakaba"), {"so": 1.0}, 1.2),
        Region("SO-MU", 1_100_000, ("Galkacyo", "Hobyo"), {"so": 1.0}),
        Region("SO-JH", 900_000, ("Kismayo", "Afmadow"), {"so": 0.8, "ar": 0.2}),
        Region("SO-BR", 900_000, ("Bosaso", "Qardho"), {"so": 0.8, "ar": 0.2}),
        Region("SO-SD", 900_000, ("Jowhar", "Balcad"), {"so": 1.0}),
        Region("SO-HI", 800_000, ("Beledweyne", "Bulo Burte"), {"so": 1.0}),
        Region("SO-GE", 800_000, ("Garbahaarey", "Luuq"), {"so": 1.0}),
        Region("SO-TO", 800_000, ("Burco",), {"so": 1.0}),
        Region("SO-AW", 700_000, ("Borama",), {"so": 1.0}),
        Region("SO-GA", 600_000, ("Dhusamareb",), {"so": 1.0}),
        Region("SO-SA", 500_000, ("Erigavo",), {"so": 1.0}),
        Region("SO-BK", 400_000, ("Xuddur",), {"so": 1.0}),
        Region("SO-SO", 400_000, ("Las Anod",), {"so": 1.0}),
        Region("SO-NU", 400_000, ("Garowe",), {"so": 1.0}),
        Region("SO-JD", 400_000, ("Bu'aale",), {"so": 1.0}),
    ),
    branches={"army": 0.35, "police": 0.25, "militia": 0.3, "intelligence": 0.1},
    units=("Mobile Company Acacia-3", "Sector 12 Guard Unit", "District Police Station 5"),
    arc=Arc(
        reports_per_quarter=11,
        open_reports=6,
        member_share=0.75,
        mix=_MIX_COMMON,
        investigated=(0.3, 0.4),
        audits={
            "IN-1": Audit(0.30, 0.26, 1200),
            "PM-1": Audit(0.55, 0.62, 120),
            "PM-2": Audit(0.86, 0.95, 600),
            "IC-2": Audit(0.70, 0.78, 1500),
            "IC-3": Audit(52, 60),
            "OA-2": Audit(38, 52),
            "AD-2": Audit(0.90, 0.94, 3000),
        },
        attesting_partners=0,
        thresholds={"HR-1": 3.0, "IC-1": 8.0, "HR-2": 6.0, "CH-1": 30.0},
        operations=500,
        items_delivered=20_000,
    ),
    # The Gu rains (April-June) and Deyr rains (October-November) cut roads and reports.
    seasons=(1.1, 1.15, 1.1, 0.85, 0.8, 0.85, 1.05, 1.1, 1.1, 0.9, 0.85, 1.05),
    population_source="Demo plan: rounded regional estimates (UNFPA population estimation survey)",
)

_FR, _HA = {"fr": 0.65, "ha": 0.35}, {"ha": 0.7, "fr": 0.3}
NIGER = Cast(
    country="NE",
    member_email="member-ne@demo.test",
    member_name="Demo Member (Niger)",
    organisation="Demo Citizens' Watch Collective (Niger)",
    partners=("Sahel Detention Monitors (demo)", "Collectif des juristes du Sahel (démo)"),
    regions=(
        Region("NE-7", 4_800_000, ("Zinder", "Mirriah", "Magaria"), _HA),
        Region("NE-4", 4_600_000, ("Maradi", "Tessaoua", "Dakoro"), _HA),
        Region("NE-5", 4_500_000, ("Tahoua", "Birni-N'Konni", "Tillia"), _HA, 1.2),
        Region("NE-6", 3_400_000, ("Tillabéri", "Ouallam", "Téra", "Ayorou"), _FR, 1.8),
        Region("NE-3", 2_800_000, ("Dosso", "Gaya"), _FR),
        Region("NE-8", 1_500_000, ("Niamey", "Commune V"), {"fr": 0.8, "ha": 0.2}, 1.2),
        Region("NE-2", 800_000, ("Diffa", "Bosso", "Mainé-Soroa"), _HA, 1.6),
        Region("NE-1", 600_000, ("Agadez", "Arlit"), _FR),
    ),
    branches={"army": 0.45, "police": 0.3, "militia": 0.1, "intelligence": 0.05, "prison": 0.1},
    units=("Bataillon d'intervention Sirius-12", "Escadron mobile Baobab-4",
           "Compagnie spéciale Delta-6"),
    arc=Arc(
        reports_per_quarter=36,
        open_reports=10,
        member_share=0.8,
        mix=_MIX_COMMON,
        investigated=(0.45, 0.7),
        audits={
            "IN-1": Audit(0.21, 0.10, 2500),
            "PM-1": Audit(0.62, 0.86, 250),
            "PM-2": Audit(0.78, 0.96, 1500),
            "IC-2": Audit(0.80, 0.95, 3000),
            "IC-3": Audit(40, 62),
            "OA-2": Audit(50, 72),
            "AD-2": Audit(0.95, 0.99, 8000),
        },
        attesting_partners=2,
        thresholds={"HR-1": 2.5, "IC-1": 10.0, "HR-2": 8.0, "CH-1": 30.0},
        operations=700,
        items_delivered=30_000,
    ),
    # The rainy season (July-September) slows movement, then the dry season's operations.
    seasons=(1.1, 1.1, 1.1, 1.05, 1.0, 0.95, 0.9, 0.85, 0.9, 1.0, 1.05, 1.1),
    population_source="Demo plan: rounded regional projections (INS Niger, 2024)",
)

_FIL, _EN = {"fil": 0.7, "en": 0.3}, {"en": 0.6, "fil": 0.4}
PHILIPPINES = Cast(
    country="PH",
    member_email="member-ph@demo.test",
    member_name="Demo Member (Philippines)",
    organisation="Demo Human Rights Alliance (Philippines)",
    partners=("Mindanao Peace Monitors (demo)", "Detainee Watch Philippines (demo)"),
    regions=(
        Region("PH-00", 13_500_000, ("Quezon City", "Caloocan", "Tondo"), _FIL, 1.0),
        Region("PH-CAV", 4_300_000, ("Dasmariñas", "Bacoor"), _FIL),
        Region("PH-BUL", 3_700_000, ("Malolos", "San Jose del Monte"), _FIL),
        Region("PH-LAG", 3_400_000, ("Calamba", "Santa Rosa"), _FIL),
        Region("PH-CEB", 3_300_000, ("Cebu City", "Mandaue"), _EN),
        Region("PH-RIZ", 3_300_000, ("Antipolo", "Rodriguez"), _FIL),
        Region("PH-PAN", 3_200_000, ("Dagupan", "Urdaneta"), _FIL),
        Region("PH-NEC", 3_200_000, ("Bacolod", "Kabankalan"), _EN),
        Region("PH-BTG", 2_900_000, ("Batangas City", "Lipa"), _FIL),
        Region("PH-PAM", 2_900_000, ("San Fernando", "Angeles"), _FIL),
        Region("PH-DAS", 2_900_000, ("Davao City", "Digos"), _EN, 1.2),
        Region("PH-ILI", 2_400_000, ("Iloilo City", "Passi"), _EN),
        Region("PH-NUE", 2_300_000, ("Cabanatuan", "San Jose"), _FIL),
        Region("PH-CAS", 2_100_000, ("Naga", "Iriga"), _FIL),
        Region("PH-QUE", 2_000_000, ("Lucena", "Tayabas"), _FIL),
        Region("PH-ZAS", 2_000_000, ("Zamboanga", "Pagadian"), _EN, 1.3),
        Region("PH-LEY", 1_800_000, ("Tacloban", "Ormoc"), _EN),
        Region("PH-MGS", 900_000, ("Datu Piang", "Shariff Aguak"), _EN, 2.2),
        Region("PH-MGN", 900_000, ("Datu Odin Sinsuat", "Parang"), _EN, 1.8),
        Region("PH-ISA", 1_700_000, ("Ilagan", "Cauayan"), _FIL),
        Region("PH-MSR", 1_600_000, ("Cagayan de Oro", "Gingoog"), _EN),
        Region("PH-BUK", 1_500_000, ("Malaybalay", "Valencia"), _EN),
        Region("PH-TAR", 1_500_000, ("Tarlac City", "Concepcion"), _FIL),
        Region("PH-NCO", 1_400_000, ("Kidapawan", "Midsayap"), _EN, 1.5),
        Region("PH-LAS", 1_200_000, ("Marawi", "Malabang"), _EN, 2.0),
        Region("PH-SLU", 1_000_000, ("Jolo", "Patikul"), _EN, 2.0),
        Region("PH-SCO", 1_000_000, ("Koronadal", "Polomolok"), _EN),
        Region("PH-ALB", 1_400_000, ("Legazpi", "Tabaco"), _FIL),
        Region("PH-ZAN", 1_100_000, ("Dipolog", "Dapitan"), _EN),
        Region("PH-SAR", 600_000, ("Alabel", "Glan"), _EN),
        Region("PH-BAS", 500_000, ("Isabela City", "Lamitan"), _EN, 1.5),
        Region("PH-PLW", 900_000, ("Puerto Princesa", "Brooke's Point"), _FIL),
    ),
    branches={"army": 0.35, "police": 0.45, "militia": 0.12, "intelligence": 0.08},
    units=("Task Group Kestrel", "Mobile Company Narra-2", "Special Action Platoon 9"),
    arc=Arc(
        reports_per_quarter=44,
        open_reports=12,
        member_share=0.85,
        mix={**_MIX_COMMON, "OA-3.reprisal": 0.0},
        investigated=(0.6, 0.95),
        audits={
            "IN-1": Audit(0.16, 0.06, 4000),
            "PM-1": Audit(0.70, 0.90, 400),
            "PM-2": Audit(0.86, 0.97, 3000),
            "IC-2": Audit(0.88, 0.97, 6000),
            "IC-3": Audit(48, 70),
            "OA-2": Audit(58, 76),
            "AD-2": Audit(0.975, 0.998, 20000),
        },
        attesting_partners=2,
        thresholds={"HR-1": 1.5, "IC-1": 6.0, "HR-2": 4.0, "CH-1": 30.0},
        operations=1600,
        items_delivered=120_000,
    ),
    # Typhoon season (July-October) cuts reporting in the affected provinces.
    seasons=(1.1, 1.1, 1.1, 1.05, 1.0, 1.0, 0.85, 0.85, 0.9, 0.9, 1.05, 1.1),
    population_source="Demo plan: rounded provincial figures (PSA 2020 census, projected)",
    other_regions_population=30_000_000,
)

CASTS: Final[tuple[Cast, ...]] = (IRAQ, SOMALIA, NIGER, PHILIPPINES)


def cast_of(country: str) -> Cast:
    for cast in CASTS:
        if cast.country == country:
            return cast
    raise KeyError(country)
