"""Result objects of the public API, for notebooks and scripts.

:class:`RefineResult` is modelled on scipy's ``OptimizeResult``: ``success``, ``status`` and
``message`` say at a glance whether everything worked, the rest is the data, and
:meth:`RefineResult.as_dict` gives the JSON-ready form the command line and the report write.
Item access (``result["crossings"]``, ``crossing["d_star"]``) is kept for code written against
the earlier dict return value.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from spurious.continuation.status import Status

__all__ = ["CONVERGED", "Crossing", "RefineResult", "Status", "as_status"]

CONVERGED = Status.CONVERGED
"""The status of a refinement whose requested digits all agree at both working precisions
(equal to the string ``"converged"``: :class:`Status` is a ``str`` enum)."""

_LEGACY = {"newton failed": Status.EVALUATION_FAILED, "not converged": Status.MAX_ITERATIONS}


def as_status(value) -> Status:
    """``value`` (a :class:`Status` or its string value) as a :class:`Status`; the strings of
    earlier versions ``"newton failed"`` and ``"not converged"`` map to ``EVALUATION_FAILED``
    and ``MAX_ITERATIONS``."""
    return _LEGACY[value] if isinstance(value, str) and value in _LEGACY else Status.of(value)


class _ItemAccess:
    """``obj["name"]`` as ``obj.name`` (compatibility with the former dict results)."""

    def __getitem__(self, key: str) -> Any:
        if not isinstance(key, str) or key.startswith("_") or not hasattr(self, key):
            raise KeyError(key)
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in {f.name for f in fields(self)}


@dataclass(frozen=True)
class Crossing(_ItemAccess):
    """One stability change (an eigenvalue of an isotypic block crossing zero), refined.

    ``d_star`` holds only the verified digits (a decimal string, ``""`` on failure);
    ``index_below`` / ``index_above`` are the Morse index as a formula in ``d`` on either side
    ("below" is the smaller ``d``); ``loss`` is at ``d*`` (NaN on failure); ``slope`` is the
    crossing eigenvalue's test function's ``d``-derivative; ``d_star_float`` the float64 event.
    ``status`` is a :class:`Status` (a string is converted; :meth:`as_dict` writes its value),
    ``success`` is ``status.success``.
    """

    d_star: str
    digits_verified: int
    status: Status
    message: str
    representation: str
    loss: float
    params: dict
    slope: float
    transversal: bool
    residual_norm: float
    test_value: float
    d_star_float: float
    index_below: str | None = None
    index_above: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", as_status(self.status))

    @property
    def success(self) -> bool:
        return self.status.success

    def as_dict(self) -> dict:
        """The JSON-ready row (the same keys, in the same order, as the fields)."""
        out = {f.name: (dict(self.params) if f.name == "params" else getattr(self, f.name)) for f in fields(self)}
        out["status"] = self.status.value
        return out

    def __repr__(self) -> str:
        return (f"Crossing(d_star={self.d_star or '?'!s} ({self.digits_verified} digits, {self.status}), "
                f"{self.representation}, index {self.index_below} -> {self.index_above})")


@dataclass(frozen=True, repr=False)
class RefineResult(_ItemAccess):
    """What :func:`spurious.api.refine_case` found.

    Attributes
    ----------
    success : bool
        The continuation reached the lower end of the range and every crossing and fold
        converged to the requested digits (vacuously true when there is none).
    status : Status
        ``CONVERGED`` when ``success``, else ``FAILED`` (the value ``"failed"``); the statuses
        of the parts are in ``crossings[i].status``, ``folds[i]["status"]`` and
        ``branch.status``.
    message : str
        One line: how many crossings converged, and which did not and why.
    case, setting : str
        The family and the setting.
    crossings : list of Crossing
        The stability changes, in increasing ``d``.
    last_crossing_d_star : str or None
        ``d*`` of the last crossing (above it the family is a minimum up to ``d_max``).
    folds, branch_points : list of dict
        Folds (refined) and branch points (float64 only) found along the branch.
    morse_intervals : list of dict
        The Morse index on each interval between stability changes
        (:func:`spurious.api.interval_summary`).
    end_reason : str
        Why the continuation stopped (the branch's ``message``; its ``status`` is
        ``branch.status``).
    branch : Branch
        The continued branch itself (not part of :meth:`as_dict`).
    """

    success: bool
    status: Status
    message: str
    case: str
    setting: str
    crossings: list = field(default_factory=list)
    last_crossing_d_star: str | None = None
    folds: list = field(default_factory=list)
    branch_points: list = field(default_factory=list)
    morse_intervals: list = field(default_factory=list)
    end_reason: str = ""
    branch: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", as_status(self.status))

    def as_dict(self) -> dict:
        """The JSON-ready dict (everything but the branch), as ``refine_case`` returned before."""
        return {"case": self.case, "setting": self.setting,
                "crossings": [c.as_dict() for c in self.crossings],
                "last_crossing_d_star": self.last_crossing_d_star,
                "folds": [dict(f) for f in self.folds], "branch_points": [dict(b) for b in self.branch_points],
                "morse_intervals": [dict(iv) for iv in self.morse_intervals], "end_reason": self.end_reason}

    def __repr__(self) -> str:
        stars = ", ".join(c.d_star or f"~{c.d_star_float:.6g} ({c.status})" for c in self.crossings) or "none"
        return (f"RefineResult(case={self.case!r}, setting={self.setting!r}, success={self.success}, "
                f"d*=[{stars}], folds={len(self.folds)}, branch_points={len(self.branch_points)})")
