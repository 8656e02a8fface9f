"""spurious: high-precision continuation of symmetric critical points of two-layer ReLU networks.

Public API (see README.md and :mod:`spurious.api`)::

    import spurious
    fam = spurious.get_case("sd1-i")                    # or spurious.families()
    cp = spurious.critical_point(fam, "fixed", 5.5)     # loss, spectrum, Morse index at real d
    branch = spurious.track(fam, d_from=20, d_to=4.5)   # continuation with events (a Branch)
    res = spurious.refine_case(fam, digits=50)          # a RefineResult: every d* to verified digits

The kernels are in :mod:`spurious.kernels`, the families in :mod:`spurious.cases`, the generic
engine in :mod:`spurious.continuation`, argument checks in :mod:`spurious.validation`. The
names above are imported on first use (``import spurious`` alone does not load Numba).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "get_case": "spurious.api", "families": "spurious.api", "critical_point": "spurious.api",
    "track": "spurious.api", "refine_case": "spurious.api", "integer_table": "spurious.api",
    "event_rows": "spurious.api", "RefineResult": "spurious.results", "Crossing": "spurious.results",
    "Branch": "spurious.continuation", "Family": "spurious.cases", "FamilyError": "spurious.cases",
    "CriticalPoint": "spurious.cases", "certify_point": "spurious.cases.certify",
    "certify_crossings": "spurious.cases.certify", "check_certificate": "spurious.cases.certify",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # pragma: no cover
    from spurious.api import (critical_point, event_rows, families, get_case, integer_table, refine_case,
                              track)
    from spurious.cases import CriticalPoint, Family, FamilyError
    from spurious.cases.certify import certify_crossings, certify_point, check_certificate
    from spurious.continuation import Branch
    from spurious.results import Crossing, RefineResult


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'spurious' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(__all__) | {"__version__"})
