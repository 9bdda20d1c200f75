"""Region names that pycountry (and Debian's iso-codes) do not translate.

ISO 3166-2 names come with translations for many languages, but not Arabic or Central Kurdish,
the languages most Iraqi and many Somali reporters read. A reporter choosing where something
happened must find their governorate under the name they know, in their own script, so the
names of the compacts' regions are kept here for those languages, by subdivision code.

Written by the team from common usage (Iraqi government and press spellings for Iraq; Arabic
press spellings for Somalia). A native reviewer should confirm them, as for the catalogues
(docs/i18n.md). A code missing here falls back to pycountry's name.
"""

from __future__ import annotations

from types import MappingProxyType

_IRAQ_AR = {
    "IQ-AN": "الأنبار",
    "IQ-AR": "أربيل",
    "IQ-BA": "البصرة",
    "IQ-BB": "بابل",
    "IQ-BG": "بغداد",
    "IQ-DA": "دهوك",
    "IQ-DI": "ديالى",
    "IQ-DQ": "ذي قار",
    "IQ-KA": "كربلاء",
    "IQ-KI": "كركوك",
    "IQ-KR": "إقليم كردستان",
    "IQ-MA": "ميسان",
    "IQ-MU": "المثنى",
    "IQ-NA": "النجف",
    "IQ-NI": "نينوى",
    "IQ-QA": "القادسية",
    "IQ-SD": "صلاح الدين",
    "IQ-SU": "السليمانية",
    "IQ-WA": "واسط",
}

_IRAQ_CKB = {
    "IQ-AN": "ئەنبار",
    "IQ-AR": "هەولێر",
    "IQ-BA": "بەسرە",
    "IQ-BB": "بابل",
    "IQ-BG": "بەغدا",
    "IQ-DA": "دهۆک",
    "IQ-DI": "دیالە",
    "IQ-DQ": "زیقار",
    "IQ-KA": "کەربەلا",
    "IQ-KI": "کەرکووک",
    "IQ-KR": "هەرێمی کوردستان",
    "IQ-MA": "مەیسان",
    "IQ-MU": "موسەنا",
    "IQ-NA": "نەجەف",
    "IQ-NI": "نەینەوا",
    "IQ-QA": "قادسیە",
    "IQ-SD": "سەلاحەدین",
    "IQ-SU": "سلێمانی",
    "IQ-WA": "واسیت",
}

_SOMALIA_AR = {
    "SO-AW": "أودل",
    "SO-BK": "باكول",
    "SO-BN": "بنادر",
    "SO-BR": "باري",
    "SO-BY": "باي",
    "SO-GA": "جلجدود",
    "SO-GE": "جدو",
    "SO-HI": "هيران",
    "SO-JD": "جوبا الوسطى",
    "SO-JH": "جوبا السفلى",
    "SO-MU": "مدق",
    "SO-NU": "نوجال",
    "SO-SA": "سناج",
    "SO-SD": "شبيلي الوسطى",
    "SO-SH": "شبيلي السفلى",
    "SO-SO": "سول",
    "SO-TO": "توجدير",
    "SO-WO": "وقويي جلبيد",
}

REGION_NAMES: MappingProxyType[str, MappingProxyType[str, str]] = MappingProxyType(
    {
        "ar": MappingProxyType({**_IRAQ_AR, **_SOMALIA_AR}),
        "ckb": MappingProxyType(_IRAQ_CKB),
    }
)


def local_region_name(code: str, locale: str) -> str | None:
    """The region's name in `locale` when pycountry has none, else None."""
    names = REGION_NAMES.get(locale)
    return names.get(code) if names is not None else None
