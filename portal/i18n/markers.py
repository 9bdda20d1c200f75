"""Marker for strings that are translated later, at the edge.

The domain layer knows nothing of Flask or the visitor's locale, yet its names (indicator names,
status labels) are read by people. `N_` marks such a string for extraction by Babel and returns it
unchanged; templates and views pass it through `gettext` when rendering.
"""


def N_(message: str) -> str:
    return message
