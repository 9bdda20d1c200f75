"""Compact assessment: plans, scoring evidence, scorecards, tier decisions, exports."""
