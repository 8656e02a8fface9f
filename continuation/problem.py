"""What is continued: ``G(x, d) = 0`` with its derivatives, monitors and domain.

The engine knows nothing else about the problem: any smooth ``G: R^m x R -> R^m`` works.
The float64 description (:class:`ContinuationProblem`) drives the pseudo-arclength
continuation; the mpmath description (:class:`MPProblem`) of the same ``G`` drives the
arbitrary-precision refinement of the events found along the way.
"""
from dataclasses import dataclass
from collections.abc import Callable

import numpy as np

Vector = np.ndarray


@dataclass(frozen=True)
class ContinuationProblem:
    """``G(x, d) = 0`` in float64, ``x`` in ``R^m``, ``d`` a real parameter.

    ``residual(x, d) -> G`` of shape ``(m,)``.
    ``jacobian(x, d) -> (G_x, G_d)`` of shapes ``(m, m)`` and ``(m,)``.
    ``monitors(x, d) -> {label: value}``: continuous test functions (e.g. the smallest
    eigenvalue of one isotypic block of a Hessian); a sign change of any of them along the
    branch is a ``"stability"`` event carrying its label.
    ``domain(x, d) -> None | reason``: ``None`` if ``(x, d)`` is admissible, otherwise a
    reason (e.g. ``"row collapsed to zero"``) with which the branch ends there.
    ``describe(x, d) -> {name: value}``: extra scalars stored with every point of the branch.
    ``residual_scale(x, d) -> float``: the size of the terms whose cancellation gives ``G``
    (e.g. ``sum |term|`` of the sums that make up each component), so that ``G`` cannot be
    evaluated more accurately than about ``eps * residual_scale`` (``eps`` the float64 unit
    roundoff). Newton then accepts ``max |G| <= max(newton_tol, ROUNDING_ULPS * eps *
    residual_scale)`` (:mod:`.arclength`): without it, an absolute ``newton_tol`` cannot be met
    where the rounding level of ``G`` exceeds it. ``None``: the absolute ``newton_tol`` alone.
    """

    residual: Callable[[Vector, float], Vector]
    jacobian: Callable[[Vector, float], tuple]
    monitors: Callable[[Vector, float], dict] | None = None
    domain: Callable[[Vector, float], str | None] | None = None
    describe: Callable[[Vector, float], dict] | None = None
    residual_scale: Callable[[Vector, float], float] | None = None


@dataclass(frozen=True)
class MPProblem:
    """The same ``G`` in mpmath, evaluated at the caller's (local) working precision.

    ``residual(x, d) -> mp.matrix (m, 1)`` for ``x`` an ``mp.matrix (m, 1)`` and ``d`` an mpf;
    ``jacobian(x, d) -> (G_x mp.matrix (m, m), G_d mp.matrix (m, 1))``.
    """

    residual: Callable
    jacobian: Callable
