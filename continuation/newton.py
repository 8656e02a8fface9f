"""The one Newton iteration of the project, for float64 (numpy) and for mpmath numbers.

Every nonlinear solve is ``F(z) = 0`` with Jacobian ``F'(z)``, where ``F`` is the problem's
``G`` optionally followed by one *bordering* linear equation (:class:`Border`)::

    F(z) = [ G(z) ; b . (z - a) - c ],        F'(z) = [ G'(z) ; b^T ]                     (N1)

This covers the pseudo-arclength corrector (``b = t0``, ``a = y_pred``; (A1) of
:mod:`.arclength`), Newton at fixed ``d`` (no border), Newton for ``x(d)`` in mpmath and the
fold-extended system of :mod:`.refine` (``b = (0, 0, l)``, ``c = 1``), and the slice Newton of
``cases.family.newton_at`` (no border, its own convergence test).

The iteration is plain (undamped) Newton, ``z_{k+1} = z_k + dz_k`` with ``F'(z_k) dz_k =
-F(z_k)``: every caller starts close to the solution (a predictor, a converged neighbour, a
float64 point refined in mpmath), where the full step converges quadratically and a damping
rule would only hide a wrong start. Failures are statuses of the returned
:class:`NewtonResult`, never exceptions:

* ``SINGULAR``: the linear solve failed (``numpy.linalg.LinAlgError``; mpmath's
  ``ZeroDivisionError`` "matrix is numerically singular") or gave a non-finite update;
* ``EVALUATION_FAILED``: ``G`` or ``G'`` raised ``ArithmeticError``/``ValueError`` (e.g. a kernel
  refusing a collapsed row, an mpmath domain error) or ``G`` is not finite; the message names
  the error;
* ``MAX_ITERATIONS``: ``max_iter`` updates without convergence.

Convergence is decided by a *test* called after every update as ``test(z, dz, F, k)`` (``F``
the residual at the new ``z`` when the test declares ``needs_residual``, else ``None``; ``k``
the number of updates so far). The default, :class:`StepAndResidual`, is the rule of the
float64 engine (:mod:`.arclength`)::

    converged  <=>  max |dz| <= 1e-14 (1 + max |z|)                          (rounding-level update)
               or   max |dz| <= 1e-7 (1 + max |z|)  and  max |F(z)| <= tol(z)                 (N2)

with ``tol(z) = max(newton_tol, 32 eps residual_scale)`` ((A3) of :mod:`.arclength`). At
least one update is always made; by quadratic convergence the error after an update below
``1e-7`` relative is near its square, i.e. at rounding level. :class:`RoundingLevelUpdate` is
the rule of the mpmath refinement with precision doubling (:mod:`.refine`): at full working
precision ``p``, the update is below ``10^-p`` relative, or the updates, already below
``10^(-p/2)``, stopped decreasing (rounding noise); it needs no residual at the new point,
which saves one full-precision evaluation per solve. A caller may pass its own test
(``cases.family.newton_at``: a metric gradient tolerance) and ``check_start=True`` to test the
start point before any update.

``precision(k)``, if given, returns a context manager entered for update ``k`` (evaluation,
solve and test): :mod:`.refine` raises the working precision there as Newton doubles the
correct digits.
"""
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from .status import Status

__all__ = ["Border", "NewtonResult", "RoundingLevelUpdate", "StepAndResidual", "max_abs", "newton"]

ROUNDOFF = 1e-14
QUADRATIC = 1e-7
_NO_CONTEXT = nullcontext()
EVALUATION_ERRORS = (ArithmeticError, ValueError, np.linalg.LinAlgError)
"""What a problem may raise where it cannot be evaluated; turned into ``EVALUATION_FAILED``.
(``TypeError``, ``AttributeError``... are bugs and propagate.)"""


@dataclass(frozen=True)
class NewtonResult:
    """The last iterate ``x`` (same kind as the start: float array, mpmath matrix or object
    array), ``status``, the number of ``iterations`` (updates made), ``residual_norm`` (``max
    |F(x)|`` at the returned ``x``, border row included; NaN where ``F`` was not evaluated there,
    as with :class:`RoundingLevelUpdate`) and a one-line ``message``."""

    x: Any
    status: Status
    iterations: int
    residual_norm: Any
    message: str

    @property
    def success(self):
        return self.status.success


@dataclass(frozen=True)
class Border:
    """The bordering equation ``row . (z - anchor) - value = 0`` of (N1) (``anchor`` ``None``:
    ``row . z - value``); ``row`` is appended to the Jacobian."""

    row: Any
    anchor: Any = None
    value: Any = 0


class StepAndResidual:
    """The float64 rule (N2): converged after an update at rounding level, or after an update
    below ``quadratic (1 + max |z|)`` with ``max |F| <= tol``, or ``<= tol_at(z)`` when given
    (the problem-scaled tolerance (A3)); ``tol_at`` is only called when ``tol`` is not met."""

    needs_residual = True

    def __init__(self, tol=1e-11, tol_at=None, roundoff=ROUNDOFF, quadratic=QUADRATIC):
        self.tol, self.tol_at, self.roundoff, self.quadratic = tol, tol_at, roundoff, quadratic

    def __call__(self, z, dz, F, k):
        if dz is None:
            return False
        scale = 1 + max_abs(z)
        size = max_abs(dz)
        if size <= self.roundoff * scale:
            return True
        if size > self.quadratic * scale:
            return False
        g = max_abs(F)
        return g <= self.tol or (self.tol_at is not None and g <= self.tol_at(z))


class RoundingLevelUpdate:
    """The mpmath rule at ``dps`` digits: only updates made at full precision
    (``working_digits(k) == dps``) count; converged when ``|dz| / (1 + |z|) <= 10^-dps`` (max
    norms), or when that size, already below ``10^(-dps/2)``, is no smaller than the previous
    one (rounding noise). Stateful: one instance per solve."""

    needs_residual = False

    def __init__(self, dps, working_digits):
        self.dps, self.working_digits, self.last = dps, working_digits, None

    def __call__(self, z, dz, F, k):
        if self.working_digits(k) != self.dps:
            return False
        size = max_abs(dz) / (1 + max_abs(z))
        if size <= mpmath.mpf(10) ** -self.dps:
            return True
        if self.last is not None and self.last <= size <= mpmath.mpf(10) ** (-self.dps / 2):
            return True
        self.last = size
        return False


# ------------------------------------------------------------------ backends
def _is_float_array(v):
    return type(v) is np.ndarray and v.dtype != object


def max_abs(v):
    """``max |v_i|`` of a float array, an mpmath matrix or an object array/list of numbers."""
    if _is_float_array(v):
        return np.max(np.abs(v))
    if isinstance(v, mpmath.matrix):
        items = (v[i, j] for i in range(v.rows) for j in range(v.cols))
    else:
        items = np.ravel(np.asarray(v, dtype=object))
    return max((abs(e) for e in items), default=mpmath.mpf(0))


def _all_finite(v):
    if _is_float_array(v):
        return bool(np.all(np.isfinite(v)))
    if isinstance(v, mpmath.matrix):
        return all(mpmath.isfinite(v[i, j]) for i in range(v.rows) for j in range(v.cols))
    return all(mpmath.isfinite(e) for e in np.ravel(np.asarray(v, dtype=object)))


class _Failure(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


class _Numpy:
    """float64 arrays: ``np.append``/``np.vstack`` for the border, LAPACK for the solve."""

    @staticmethod
    def bordered(F, z, border):
        value = border.row @ (z - border.anchor) if border.anchor is not None else border.row @ z
        return np.append(F, value - border.value if border.value else value)

    @staticmethod
    def bordered_jacobian(J, border):
        return np.vstack([J, border.row[None, :]])

    @staticmethod
    def step(J, F):
        try:
            return np.linalg.solve(J, -F)
        except np.linalg.LinAlgError as err:
            raise _Failure(Status.SINGULAR, f"singular Jacobian ({err})") from None


class _MPMatrix:
    """mpmath column matrices: ``mpmath.lu_solve`` at the working precision."""

    @staticmethod
    def _row_dot(border, z):
        row = border.row
        n = len(row)
        if border.anchor is None:
            return sum(row[i] * z[i] for i in range(n) if row[i] != 0)
        return sum(row[i] * (z[i] - border.anchor[i]) for i in range(n) if row[i] != 0)

    @classmethod
    def bordered(cls, F, z, border):
        n = F.rows
        out = mpmath.matrix(n + 1, 1)
        for i in range(n):
            out[i] = F[i]
        out[n] = cls._row_dot(border, z) - border.value
        return out

    @staticmethod
    def bordered_jacobian(J, border):
        out = mpmath.matrix(J.rows + 1, J.cols)
        for i in range(J.rows):
            for j in range(J.cols):
                out[i, j] = J[i, j]
        for j in range(J.cols):
            out[J.rows, j] = border.row[j]
        return out

    @staticmethod
    def step(J, F):
        try:
            return -mpmath.lu_solve(J, F)
        except ZeroDivisionError as err:
            raise _Failure(Status.SINGULAR, f"singular Jacobian ({err})") from None


class _MPObject(_MPMatrix):
    """numpy object arrays of mpmath numbers (solved through ``mpmath.matrix``)."""

    @classmethod
    def bordered(cls, F, z, border):
        return np.append(np.asarray(F, dtype=object), cls._row_dot(border, z) - border.value)

    @staticmethod
    def bordered_jacobian(J, border):
        return np.vstack([np.asarray(J, dtype=object), np.asarray(border.row, dtype=object)[None, :]])

    @staticmethod
    def step(J, F):
        dz = _MPMatrix.step(mpmath.matrix(np.asarray(J, dtype=object).tolist()),
                            mpmath.matrix([[e] for e in np.ravel(np.asarray(F, dtype=object))]))
        return np.array([dz[i] for i in range(dz.rows)], dtype=object)


def _backend(z):
    if _is_float_array(z):
        return _Numpy
    if isinstance(z, mpmath.matrix):
        return _MPMatrix
    if type(z) is np.ndarray:
        return _MPObject
    raise TypeError(f"newton needs a float64 array, an mpmath matrix or an object array, got {type(z).__name__}")


# ------------------------------------------------------------------ Newton
def newton(residual, jacobian, z0, *, test=None, border=None, max_iter=30, precision=None, check_start=False):
    """Newton on ``residual(z) = 0`` (module docstring); returns a :class:`NewtonResult`.

    ``residual(z)`` and ``jacobian(z)`` evaluate ``G`` and ``G'`` (with a ``border``, ``G'``
    has one column more than ``G`` has rows). ``z0``: a float64 array, an mpmath column
    matrix or an object array of mpmath numbers (``x`` keeps that kind). ``test``: the
    convergence test (default :class:`StepAndResidual`); ``max_iter``: the largest number of
    updates; ``precision(k)``: a context manager for update ``k`` (1, 2, ...);
    ``check_start``: also test ``z0`` itself (with ``dz = None``), so that a start that
    already passes is returned with 0 iterations."""
    if not (isinstance(max_iter, int) and max_iter >= 0):
        raise ValueError(f"max_iter must be a non-negative integer, got {max_iter!r}")
    test = StepAndResidual() if test is None else test
    needs_residual = getattr(test, "needs_residual", True)
    ops = _backend(z0)
    z, done, F = z0, 0, None

    def evaluate(z):
        try:
            F = residual(z)
        except EVALUATION_ERRORS as err:
            raise _Failure(Status.EVALUATION_FAILED, str(err) or type(err).__name__) from None
        if border is not None:
            F = ops.bordered(F, z, border)
        if not _all_finite(F):
            raise _Failure(Status.EVALUATION_FAILED, "the residual is not finite")
        return F

    def result(status, message):
        norm = max_abs(F) if F is not None else float("nan")
        return NewtonResult(z, status, done, norm, message)

    try:
        if check_start:
            F = evaluate(z)
            if test(z, None, F, 0):
                return result(Status.CONVERGED, "converged")
        for k in range(1, max_iter + 1):
            with precision(k) if precision is not None else _NO_CONTEXT:
                if F is None:
                    F = evaluate(z)
                try:
                    J = jacobian(z)
                except EVALUATION_ERRORS as err:
                    raise _Failure(Status.EVALUATION_FAILED, str(err) or type(err).__name__) from None
                if border is not None:
                    J = ops.bordered_jacobian(J, border)
                dz = ops.step(J, F)
                if not _all_finite(dz):
                    raise _Failure(Status.SINGULAR, "non-finite Newton update (numerically singular Jacobian)")
                z, F, done = z + dz, None, k
                if needs_residual:
                    F = evaluate(z)
                if test(z, dz, F, k):
                    return result(Status.CONVERGED, "converged")
    except _Failure as failure:
        return result(failure.status, failure.message)
    return result(Status.MAX_ITERATIONS, f"no convergence in {max_iter} Newton iterations")
