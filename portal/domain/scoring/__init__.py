"""Scoring: from pre-aggregated verified evidence to indicator states and a recommended tier.

Pure functions on plain data; no Flask, no SQLAlchemy. A service aggregates in the database (see
`evidence` for the contract), builds `ScoringInputs` and a `ScoringPlan`, then calls
`score_compact(inputs, plan)` and `tier_for(scorecard, history, plan)`.
"""

from portal.domain.scoring.coverage import (
    CRITERION_LABELS,
    Coverage,
    CoverageFigures,
    Criterion,
    CriterionResult,
    judge_coverage,
)
from portal.domain.scoring.errors import ScoringInputError, TooFewRatersError
from portal.domain.scoring.estimators import (
    Estimate,
    beta_proportion,
    checklist_mean,
    dissimilarity,
    exact_count,
    gamma_rate,
    rate_ratio,
)
from portal.domain.scoring.evidence import (
    ChecklistRatings,
    CompositionTally,
    CountTally,
    Evidence,
    Exposure,
    GroupRate,
    GroupRateTally,
    GroupShare,
    ProportionTally,
    RateTally,
    ScoringInputs,
    SuspensionEvidence,
    UnitMonthTally,
)
from portal.domain.scoring.plan import DEFAULT_PLAN, ScoringPlan, TierRules, default_pass_rules
from portal.domain.scoring.reasons import Reason
from portal.domain.scoring.rules import (
    DEFAULT_RULES,
    FRACTION_CODES,
    CoverageMinimum,
    PlanRuleError,
    PlanRules,
    ReportingFraction,
    TierCounts,
)
from portal.domain.scoring.scorecard import (
    Decision,
    IndicatorScore,
    Scorecard,
    flagged_units,
    score_compact,
    score_indicator,
)
from portal.domain.scoring.states import STATE_LABELS, State, judge, peer_median
from portal.domain.scoring.tiers import (
    History,
    RuleOutcome,
    TierAssessment,
    still_counting,
    tier_for,
)
from portal.domain.scoring.weights import (
    incident_weight,
    incident_weights,
    report_weight,
    report_weights,
)

__all__ = [
    "CRITERION_LABELS",
    "DEFAULT_PLAN",
    "DEFAULT_RULES",
    "FRACTION_CODES",
    "STATE_LABELS",
    "ChecklistRatings",
    "CompositionTally",
    "CountTally",
    "Coverage",
    "CoverageFigures",
    "CoverageMinimum",
    "Criterion",
    "CriterionResult",
    "Decision",
    "Estimate",
    "Evidence",
    "Exposure",
    "GroupRate",
    "GroupRateTally",
    "GroupShare",
    "History",
    "IndicatorScore",
    "PlanRuleError",
    "PlanRules",
    "ProportionTally",
    "RateTally",
    "Reason",
    "ReportingFraction",
    "RuleOutcome",
    "Scorecard",
    "ScoringInputError",
    "ScoringInputs",
    "ScoringPlan",
    "State",
    "SuspensionEvidence",
    "TierAssessment",
    "TierCounts",
    "TierRules",
    "TooFewRatersError",
    "UnitMonthTally",
    "beta_proportion",
    "checklist_mean",
    "default_pass_rules",
    "dissimilarity",
    "exact_count",
    "flagged_units",
    "gamma_rate",
    "incident_weight",
    "incident_weights",
    "judge",
    "judge_coverage",
    "peer_median",
    "rate_ratio",
    "report_weight",
    "report_weights",
    "score_compact",
    "score_indicator",
    "still_counting",
    "tier_for",
]
