"""What is continued: ``G(x, d) = 0`` with its derivatives, monitors and domain.

The engine knows nothing else about the problem: any smooth ``G: R^m x R -> R^m`` works.
"""
from dataclasses import dataclass
from typing import Callable, Optional


@dataclass(frozen=True)
class ContinuationProblem:
    """``G(x, d) = 0`` in float64.

    ``residual(x, d) -> G`` (shape ``(m,)``); ``jacobian(x, d) -> (G_x, G_d)``;
    ``monitors(x, d) -> {label: value}``: continuous test functions (e.g. the smallest
    eigenvalue of each isotypic block) whose sign changes are "stability" events;
    ``domain(x, d) -> None | reason``: a reason ends the branch; ``describe(x, d) -> {name:
    value}``: extra scalars stored with every point.
    """

    residual: Callable
    jacobian: Callable
    monitors: Optional[Callable] = None
    domain: Optional[Callable] = None
    describe: Optional[Callable] = None


@dataclass(frozen=True)
class MPProblem:
    """The same ``G`` in mpmath: ``residual(x, d) -> mp.matrix (m, 1)``,
    ``jacobian(x, d) -> (G_x mp.matrix (m, m), G_d mp.matrix (m, 1))``, at the caller's
    working precision."""

    residual: Callable
    jacobian: Callable
