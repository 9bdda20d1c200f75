"""Errors raised when scoring inputs break the contract; they are programming errors in the caller,
not conditions to show a reporter, so they carry English developer messages."""


class ScoringInputError(ValueError):
    """Inputs that no correct service could have built (wrong evidence type, negative sums...)."""


class TooFewRatersError(ScoringInputError):
    """A checklist needs at least two independent raters before it says anything."""
