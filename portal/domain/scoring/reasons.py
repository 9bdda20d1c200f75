"""Why a score or a tier came out as it did, in words the UI can translate.

A `Reason` carries an `N_`-marked message with `%(name)s` placeholders and the values to put in
them. The domain never formats: the web layer translates the message, formats the numbers for
the reader's locale with Babel, then substitutes (a parameter named `state` holds a `State` value:
show its translated label). Parameters are a sorted tuple so two scorecards computed from the
same inputs compare equal field by field.
"""

from dataclasses import dataclass

ParamValue = str | int | float


@dataclass(frozen=True)
class Reason:
    message: str
    params: tuple[tuple[str, ParamValue], ...] = ()

    def as_dict(self) -> dict[str, ParamValue]:
        return dict(self.params)


def reason(message: str, **params: ParamValue) -> Reason:
    return Reason(message, tuple(sorted(params.items())))
