"""Bracketed root finding shared by the float64 event location and the mpmath refinement."""
from dataclasses import dataclass
from typing import Any

from .newton import EVALUATION_ERRORS
from .status import Status


class EvaluationFailed(Exception):
    """Raised by a function handed to :func:`illinois` that cannot be evaluated at a trial
    point; ``status`` (default ``EVALUATION_FAILED``) is passed on to the :class:`RootResult`
    (e.g. the status of the Newton solve that failed)."""

    def __init__(self, message, status=Status.EVALUATION_FAILED):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RootResult:
    """What :func:`illinois` found: ``root`` (the last trial point, or the end where ``f``
    vanished), ``value`` ``f(root)``, ``iterations``, ``status``, ``message`` and the final
    ``bracket`` ``(a, b)`` (``f(a) f(b) <= 0``), kept on failure too. ``status``:
    ``CONVERGED``; ``NOT_BRACKETED`` (``f(a)``, ``f(b)`` of one sign); ``MAX_ITERATIONS``;
    ``EVALUATION_FAILED`` (or the status carried by :class:`EvaluationFailed`) when ``f``
    could not be evaluated at a trial point -- ``root`` is then the last point evaluated."""

    root: Any
    value: Any
    iterations: int
    status: Status
    message: str
    bracket: tuple

    @property
    def success(self):
        return self.status.success


def illinois(f, a, b, fa, fb, tol, max_iter=200):
    """A zero of ``f`` in a bracket ``[a, b]`` with ``f(a) f(b) <= 0``: Illinois regula falsi.

    The trial point is the secant root ``c = b - f(b) (b - a) / (f(b) - f(a))`` of the current
    bracket; ``c`` replaces the end with the same sign of ``f``, and when the same end is
    replaced twice in a row the value kept at the other end is halved. This removes the
    one-sided stagnation of plain regula falsi: convergence is superlinear (order ~1.44) for a
    simple zero, and the iterates never leave the bracket (a trial point that would, through
    rounding, falls back to the midpoint). Works on floats and on mpmath numbers.

    Stops when ``f`` vanishes at a trial point or when the bracket is narrower than
    ``tol * (1 + |c|)``. Returns a :class:`RootResult`; never raises for a failed evaluation
    (:class:`EvaluationFailed`, ``ArithmeticError``, ``ValueError`` from ``f`` become its status).
    """
    if fa == 0:
        return RootResult(a, fa, 0, Status.CONVERGED, "converged", (a, b))
    if fb == 0:
        return RootResult(b, fb, 0, Status.CONVERGED, "converged", (a, b))
    if (fa > 0) == (fb > 0):
        return RootResult(a, fa, 0, Status.NOT_BRACKETED, Status.NOT_BRACKETED.message, (a, b))
    side, c, fc = 0, a, fa
    for trial in range(1, max_iter + 1):
        c = b - fb * (b - a) / (fb - fa)
        if not (min(a, b) < c < max(a, b)):
            c = (a + b) / 2
        try:
            fc = f(c)
        except EvaluationFailed as err:
            return RootResult(c, None, trial, err.status, str(err), (a, b))
        except EVALUATION_ERRORS as err:
            return RootResult(c, None, trial, Status.EVALUATION_FAILED, str(err) or type(err).__name__, (a, b))
        if fc == 0:
            return RootResult(c, fc, trial, Status.CONVERGED, "converged", (c, c))
        if (fc > 0) == (fa > 0):
            a, fa = c, fc
            if side == -1:
                fb /= 2
            side = -1
        else:
            b, fb = c, fc
            if side == 1:
                fa /= 2
            side = 1
        if abs(b - a) <= tol * (1 + abs(c)):
            return RootResult(c, fc, trial, Status.CONVERGED, "converged", (a, b))
    return RootResult(c, fc, max_iter, Status.MAX_ITERATIONS, f"no convergence in {max_iter} iterations", (a, b))
