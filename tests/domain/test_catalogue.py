"""The catalogue says what indicators.md says, and every string a person reads is there."""

import ast
import dataclasses
from pathlib import Path

import pytest

from portal.domain import catalogue
from portal.domain.catalogue import (
    CATALOGUE_VERSION,
    CATEGORIES,
    EXPOSURE_LABELS,
    FORCE_BRANCHES,
    HARD_HURDLES,
    INDICATOR_CODES,
    INDICATORS,
    INFORMATION_CREDIBILITY,
    SEVERITY_LABELS,
    SOURCE_RELIABILITY,
    Direction,
    EstimatorKind,
    Source,
    ThresholdKind,
    hard_hurdles_at,
    indicator,
    reporter_choice,
    reporter_choices,
)


def test_sixteen_indicators_in_seven_named_categories() -> None:
    assert len(INDICATORS) == 16
    assert len(set(INDICATOR_CODES)) == 16
    assert [c.code for c in CATEGORIES] == ["PM", "IN", "IC", "HR", "OA", "AD", "CH"]
    assert {i.category for i in INDICATORS} == set(CATEGORIES)
    assert all(i.code.startswith(i.category.code + "-") for i in INDICATORS)
    assert CATALOGUE_VERSION


def test_hard_hurdles_and_the_tier_they_start_at() -> None:
    assert HARD_HURDLES == ("HR-1", "OA-1", "OA-3", "AD-1")
    assert hard_hurdles_at(1) == ("HR-1", "OA-3")
    assert hard_hurdles_at(2) == ("HR-1", "OA-1", "OA-3", "AD-1")
    assert not indicator("IC-1").is_hard_hurdle


@pytest.mark.parametrize(
    ("code", "estimator", "direction", "source"),
    [
        ("PM-1", EstimatorKind.BETA_PROPORTION, Direction.HIGHER_IS_BETTER, Source.ASSESSOR),
        ("IN-1", EstimatorKind.DISSIMILARITY, Direction.LOWER_IS_BETTER, Source.ASSESSOR),
        ("IN-2", EstimatorKind.RATE_RATIO, Direction.LOWER_IS_BETTER, Source.REPORTS),
        ("IC-3", EstimatorKind.CHECKLIST, Direction.HIGHER_IS_BETTER, Source.ASSESSOR),
        ("HR-1", EstimatorKind.GAMMA_RATE, Direction.LOWER_IS_BETTER, Source.REPORTS),
        ("OA-1", EstimatorKind.BETA_PROPORTION, Direction.HIGHER_IS_BETTER,
         Source.REPORTS_AND_ASSESSOR),
        ("OA-3", EstimatorKind.COUNT, Direction.LOWER_IS_BETTER, Source.REPORTS),
        ("AD-1", EstimatorKind.GAMMA_RATE, Direction.LOWER_IS_BETTER,
         Source.REPORTS_AND_ASSESSOR),
    ],
)
def test_estimators_directions_and_sources_follow_the_table(
    code: str, estimator: EstimatorKind, direction: Direction, source: Source
) -> None:
    item = indicator(code)
    assert (item.estimator, item.direction, item.source) == (estimator, direction, source)


def test_default_pass_rules_follow_the_table() -> None:
    assert indicator("PM-1").pass_rule.value == 0.75
    assert indicator("IN-2").pass_rule.kind is ThresholdKind.UPPER_BOUND
    assert indicator("IN-2").pass_rule.inclusive is False  # "upper bound < 2"
    assert indicator("AD-1").pass_rule.value == 1.0 and indicator("AD-1").pass_rule.inclusive
    assert indicator("OA-3").pass_rule.kind is ThresholdKind.ZERO_COUNT
    ad2 = indicator("AD-2").pass_rule
    assert (ad2.value_for(None), ad2.value_for(2), ad2.value_for(3)) == (0.98, 0.98, 0.995)
    peer = [i.code for i in INDICATORS if i.pass_rule.kind is ThresholdKind.PEER_MEDIAN]
    assert peer == ["IC-1", "HR-2", "CH-1"]


def test_every_rate_has_an_exposure_unit() -> None:
    for item in INDICATORS:
        has_unit = item.exposure_unit is not None
        assert has_unit == (item.estimator is EstimatorKind.GAMMA_RATE), item.code


def test_reporters_can_describe_every_indicator_that_reports_feed() -> None:
    for item in INDICATORS:
        if item.source is not Source.ASSESSOR:
            assert item.reporter_choices, item.code
    keys = [c.key for c in reporter_choices()]
    assert len(keys) == len(set(keys))
    assert reporter_choice("IC-1.checkpoint-money").indicator_code == "IC-1"
    assert "HR-2" in {c.indicator_code for c in reporter_choices() if "judge" in c.text}
    # Descriptions are everyday words, never the codes a reporter would not know.
    assert not any(code in c.text for c in reporter_choices() for code in INDICATOR_CODES)


def test_diversion_reports_ask_for_weapon_markings_and_photo() -> None:
    keys = [q.key for q in indicator("AD-1").reporter_questions]
    assert keys == ["weapon-type", "markings", "photo"]


def test_force_branches_include_not_knowing() -> None:
    keys = [b.key for b in FORCE_BRANCHES]
    assert keys == ["army", "police", "militia", "intelligence", "prison", "unknown"]


def test_grade_scales_carry_the_default_weights() -> None:
    assert {g.letter: g.weight for g in SOURCE_RELIABILITY} == {
        "A": 1.0, "B": 0.8, "C": 0.6, "D": 0.3, "E": 0.05, "F": 0.5,
    }
    assert {g.number: g.weight for g in INFORMATION_CREDIBILITY} == {
        1: 1.0, 2: 0.8, 3: 0.5, 4: 0.2, 5: 0.05, 6: 0.4,
    }


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) for s in _strings(getattr(value, f.name))]
    if isinstance(value, tuple):
        return [s for v in value for s in _strings(v)]
    return []


def test_every_string_is_non_empty_and_trimmed() -> None:
    everything = (
        INDICATORS, CATEGORIES, FORCE_BRANCHES, SOURCE_RELIABILITY, INFORMATION_CREDIBILITY,
        tuple(SEVERITY_LABELS.values()), tuple(EXPOSURE_LABELS.values()),
    )
    strings = _strings(everything)
    assert len(strings) > 150
    assert all(s and s == s.strip() and "  " not in s for s in strings)


def test_unknown_codes_are_refused() -> None:
    with pytest.raises(KeyError):
        indicator("XX-9")
    with pytest.raises(KeyError):
        reporter_choice("HR-1.nothing")


def test_domain_modules_import_neither_web_nor_database() -> None:
    domain = Path(catalogue.__file__).parent
    for path in [domain / "catalogue.py", *sorted((domain / "scoring").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                    node.module or ""
                ]
                assert not any(n.split(".")[0] in {"flask", "sqlalchemy"} for n in names), path
