"""Scoring: from pre-aggregated verified evidence to indicator states and a recommended tier.

Pure functions on plain data; no Flask, no SQLAlchemy. A service aggregates in the database (see
`evidence` for the contract), builds `ScoringInputs` and a `ScoringPlan`, then calls
`score_compact(inputs, plan)` and `tier_for(scorecard, history, plan)`.
"""

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
from portal.domain.scoring.scorecard import (
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
    "DEFAULT_PLAN",
    "STATE_LABELS",
    "ChecklistRatings",
    "CompositionTally",
    "CountTally",
    "Estimate",
    "Evidence",
    "Exposure",
    "GroupRate",
    "GroupRateTally",
    "GroupShare",
    "History",
    "IndicatorScore",
    "ProportionTally",
    "RateTally",
    "Reason",
    "RuleOutcome",
    "Scorecard",
    "ScoringInputError",
    "ScoringInputs",
    "ScoringPlan",
    "State",
    "SuspensionEvidence",
    "TierAssessment",
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
    "peer_median",
    "rate_ratio",
    "report_weight",
    "report_weights",
    "score_compact",
    "score_indicator",
    "still_counting",
    "tier_for",
]
