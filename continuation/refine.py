"""Arbitrary-precision refinement of events located by the float64 continuation (mpmath).

Newton with precision doubling (:func:`solve_at`). Newton roughly doubles the number of
correct digits per iteration, so iteration ``k`` runs at ``min(15 * 2^k, dps)`` digits (plus
10 guard digits) from a float64 start; it has converged at full precision when the update is
below ``10^-dps`` relative, or when the updates, already below ``10^(-dps/2)``, stop
decreasing (rounding noise). Only the last one or two iterations cost full precision.

Zero of a test function (:func:`refine_zero`). ``d*`` in ``[d_lo, d_hi]`` with
``f(d) = tau(x(d), d) = 0``, where ``x(d)`` solves ``G(x, d) = 0`` and ``tau`` is continuous
(e.g. the smallest eigenvalue of one symmetric block of a Hessian). Illinois regula falsi
(:func:`.rootfind.illinois`, superlinear, never leaves the bracket) on ``f``; every ``f``
evaluation solves ``x(d)`` by Newton warm-started from the previous one. This needs only
``G`` and ``G_x`` (no derivatives of ``tau``, no third derivatives of a loss), and each
evaluation is a well-conditioned solve as long as the bracket contains no fold.

Fold (:func:`refine_fold`). At a fold ``G_x`` is singular and ``x(d)`` ceases to exist on one
side, so the curve cannot be sampled across it. Instead Newton solves the regular extended
system (Seydel ch. 5; Govaerts ch. 4) in ``z = (x, d, v)``::

    G(x, d) = 0,     G_x(x, d) v = 0,     l . v = 1          (2m + 1 equations)

with ``l`` the null vector of ``G_x`` at the float64 start. Its Jacobian contains the block
``d(G_x v)/d(x, d)`` (second derivatives of ``G``), taken by central differences of the
analytic ``G_x`` with step ``h = 10^(-p/3)`` at ``p`` working digits: error ``~h^2`` and
rounding ``~10^-p / h`` balance at ``10^(-2p/3)``, so Newton converges (linearly, with that
tiny ratio). This is slower than one Newton solve for ``x(d)``: each iteration costs
``2(m + 1)`` extra Jacobian evaluations and an LU factorisation of size ``2m + 1`` instead of
``m`` (about 8 times the work), and it needs an iteration or two more.

Verification. Each refinement runs twice, independently from the same float64 start, at
``dps1 = digits + 10`` and ``dps2 = 2 digits + 10`` working digits. The reported ``d_star``
consists of the leading significant digits on which the two results agree (see
:mod:`.digits`: rounded at 8 guard digits, then truncated -- never rounded up into the
unverified digits); ``status`` is ``"converged"`` only when all requested digits agree.
These digits are verified, not certified (no interval arithmetic). Failures are statuses
(``"not bracketed"``, ``"newton failed"``, ``"precision disagreement"``, ``"not converged"``
when the root finder hit its iteration cap), never exceptions; invalid arguments raise
``ValueError``. All working precision is local (``mpmath.workdps``).
"""
import math
from dataclasses import dataclass
from typing import NamedTuple

import mpmath

from .digits import common_digits
from .rootfind import EvaluationFailed, illinois

START_DIGITS = 15
GUARD_DIGITS = 10
MAX_NEWTON = 60
MAX_DIGITS = 1000
TRANSVERSAL_ZERO = 1e-6
TRANSVERSAL_FOLD = 1e-8
FOLD_START_DPS = 30


@dataclass(frozen=True)
class RefinedPoint:
    """A refined event.

    ``kind``: ``"zero"`` (of a test function) or ``"fold"``. ``d_star``: the verified digits
    of ``d*`` as a decimal string (``""`` on failure), ``digits_verified`` of them. ``d`` and
    ``x``: the high-precision result (mpf, list of mpf; ``None`` and ``[]`` on failure) and
    ``x_float`` its float64 rounding. ``residual_norm``: ``max |G|`` at the result at
    ``dps_used``. ``test_value``: ``|f(d*)|`` for a zero, ``|G_x v| / |v|`` for a fold.
    ``slope``: ``df/dd`` at ``d*`` for a zero (NaN for a fold, where ``d`` is stationary along
    the curve). ``transversal``: for a zero, ``|slope|`` exceeds ``1e-6`` times the secant
    slope over the bracket (a simple, sign-changing zero); for a fold, the extended system is
    nonsingular at the solution (a nondegenerate, quadratic fold). ``iterations``: Newton
    solves of ``x(d)`` (zero) or Newton iterations of the extended system (fold), over both
    precisions. ``dps_used``: the higher working precision.
    """

    kind: str
    status: str
    message: str
    d_star: str
    digits_verified: int
    d: object
    x: list
    x_float: list
    residual_norm: float
    test_value: float
    slope: float
    transversal: bool
    iterations: int
    dps_used: int


def _norm(v):
    return max((abs(v[i]) for i in range(len(v))), default=mpmath.mpf(0))


def _column(values):
    return mpmath.matrix([mpmath.mpmathify(v) for v in values])


def _newton(system, z0, dps, max_iter=MAX_NEWTON):
    """Newton on ``system(z) -> (F, F')`` with precision doubling (module docstring).

    Returns ``(z, iterations, converged)``; a singular ``F'`` ends the iteration unconverged."""
    with mpmath.workdps(dps):
        z = _column(z0)
    prec, last = START_DIGITS, None
    for it in range(1, max_iter + 1):
        prec = min(2 * prec, dps)
        with mpmath.workdps(prec + GUARD_DIGITS):
            try:
                F, J = system(z)
                dz = mpmath.lu_solve(J, F)
            except ZeroDivisionError:
                return z, it, False
            z = z - dz
            size = _norm(dz) / (1 + _norm(z))
        if not mpmath.isfinite(size):
            return z, it, False
        if prec == dps:
            if size <= mpmath.mpf(10) ** -dps:
                return z, it, True
            if last is not None and last <= size <= mpmath.mpf(10) ** (-dps / 2):
                return z, it, True  # the updates stopped shrinking: rounding noise
            last = size
    return z, max_iter, False


def _curve_point(mp_problem, x0, d, dps):
    """Newton for ``G(x, d) = 0`` at fixed ``d``: ``(x, iterations, converged)``."""
    with mpmath.workdps(dps):
        d = mpmath.mpmathify(d)

    def system(x):
        return mp_problem.residual(x, d), mp_problem.jacobian(x, d)[0]

    return _newton(system, x0, dps)


def solve_at(mp_problem, x0, d, dps):
    """Newton for ``G(x, d) = 0`` at fixed ``d`` to ``dps`` digits, precision doubling from ~15.

    Returns ``(x, max |G(x, d)| at dps digits, iterations)``, ``x`` an ``mp.matrix`` column."""
    x, iterations, _ = _curve_point(mp_problem, x0, d, dps)
    with mpmath.workdps(dps):
        return x, _norm(mp_problem.residual(x, mpmath.mpmathify(d))), iterations


def _check(digits, x0):
    if not (isinstance(digits, int) and 1 <= digits <= MAX_DIGITS):
        raise ValueError(f"digits must be an integer between 1 and {MAX_DIGITS}, got {digits!r}")
    if len(x0) == 0:
        raise ValueError("x0 is empty")


def _failed(kind, status, message, iterations, dps):
    nan = float("nan")
    return RefinedPoint(kind=kind, status=status, message=message, d_star="", digits_verified=0, d=None, x=[],
                        x_float=[], residual_norm=nan, test_value=nan, slope=nan, transversal=False,
                        iterations=iterations, dps_used=dps)


# ------------------------------------------------------------- zero of f(d)
class _ZeroRun(NamedTuple):
    status: str
    message: str
    d: object = None
    x: object = None
    f_d: object = None
    secant: object = None
    evaluations: int = 0


def _zero_run(mp_problem, test_function, x0, d_lo, d_hi, dps):
    """Illinois on ``f(d) = test_function(x(d), d)`` over ``[d_lo, d_hi]`` at ``dps`` digits."""
    with mpmath.workdps(dps):
        xs, warm = {}, [list(x0)]

        def f(d):
            x, _, ok = _curve_point(mp_problem, warm[0], d, dps)
            if not ok:
                raise EvaluationFailed(f"Newton for x(d) failed at d = {mpmath.nstr(d, 17)} ({dps} digits)")
            xs[d] = warm[0] = x
            return test_function(x, d)

        lo, hi = mpmath.mpmathify(d_lo), mpmath.mpmathify(d_hi)
        try:
            f_lo, f_hi = f(lo), f(hi)
            if mpmath.sign(f_lo) * mpmath.sign(f_hi) > 0:
                return _ZeroRun("not bracketed", f"the test function has the same sign at d = {mpmath.nstr(lo, 17)} "
                                f"and d = {mpmath.nstr(hi, 17)}", evaluations=len(xs))
            d, f_d, _, ok = illinois(f, lo, hi, f_lo, f_hi, mpmath.mpf(10) ** (3 - dps))
        except EvaluationFailed as err:
            return _ZeroRun("newton failed", str(err), evaluations=len(xs))
        if not ok:
            return _ZeroRun("not converged", f"no convergence in the root finder at {dps} digits", evaluations=len(xs))
        return _ZeroRun("converged", "", d, xs[d], f_d, abs(f_hi - f_lo) / (hi - lo), len(xs))


def _central_slope(mp_problem, test_function, x, d, dps):
    """``df/dd`` by a symmetric difference with ``h = 10^(-dps/3)`` (balances the ``h^2``
    truncation error against the ``10^-dps / h`` rounding error); NaN if Newton fails."""
    with mpmath.workdps(dps):
        h = mpmath.mpf(10) ** (-(dps // 3))
        values = []
        for sign in (1, -1):
            x_s, _, ok = _curve_point(mp_problem, list(x), d + sign * h, dps)
            if not ok:
                return mpmath.nan
            values.append(test_function(x_s, d + sign * h))
        return (values[0] - values[1]) / (2 * h)


def refine_zero(mp_problem, test_function, x0, d_lo, d_hi, digits, slope_function=None):
    """``d*`` in ``[d_lo, d_hi]`` where ``test_function(x(d), d)`` vanishes along the solution
    curve ``x(d)`` of ``G(x, d) = 0``, to ``digits`` verified digits (module docstring).

    ``mp_problem``: :class:`.problem.MPProblem`; ``test_function(x, d) -> mpf`` at the current
    working precision; ``x0``: a start for ``x`` near the bracket (floats or mpf); ``d_lo``,
    ``d_hi``: float, string or mpf. ``slope_function(x, d) -> df/dd`` along the curve, if
    known analytically; otherwise the slope is a symmetric difference.
    """
    _check(digits, x0)
    dps1, dps2 = digits + 10, 2 * digits + 10
    with mpmath.workdps(dps2):
        if not mpmath.mpmathify(d_lo) < mpmath.mpmathify(d_hi):
            raise ValueError(f"need d_lo < d_hi, got [{d_lo}, {d_hi}]")
    low = _zero_run(mp_problem, test_function, x0, d_lo, d_hi, dps1)
    if low.status != "converged":
        return _failed("zero", low.status, low.message, low.evaluations, dps1)
    high = _zero_run(mp_problem, test_function, x0, d_lo, d_hi, dps2)
    evaluations = low.evaluations + high.evaluations
    if high.status != "converged":
        return _failed("zero", high.status, high.message, evaluations, dps2)
    verified, d_star = common_digits(low.d, high.d, digits)
    with mpmath.workdps(dps2):
        residual = _norm(mp_problem.residual(high.x, high.d))
        slope = (slope_function(high.x, high.d) if slope_function
                 else _central_slope(mp_problem, test_function, high.x, high.d, dps2))
        transversal = bool(abs(slope) > TRANSVERSAL_ZERO * high.secant)
    return RefinedPoint(
        kind="zero", status="converged" if verified == digits else "precision disagreement",
        message=f"{verified} of {digits} digits agree between {dps1} and {dps2} working digits",
        d_star=d_star, digits_verified=verified, d=high.d, x=list(high.x), x_float=[float(v) for v in high.x],
        residual_norm=float(residual), test_value=float(abs(high.f_d)), slope=float(slope),
        transversal=transversal, iterations=evaluations, dps_used=dps2)


# ------------------------------------------------------------------- folds
def _fold_system(mp_problem, l):
    """``z = (x, d, v) -> (F, F')`` for ``{G = 0, G_x v = 0, l.v = 1}``; ``d(G_x v)/d(x, d)`` by
    central differences of ``G_x`` with step ``10^(-p/3)`` at the current ``p`` digits."""
    m = len(l)

    def system(z):
        x, d, v = _column(z[i] for i in range(m)), z[m], _column(z[m + 1 + i] for i in range(m))
        G = mp_problem.residual(x, d)
        Gx, Gd = mp_problem.jacobian(x, d)
        Gxv = Gx * v
        F = mpmath.matrix(2 * m + 1, 1)
        J = mpmath.zeros(2 * m + 1, 2 * m + 1)
        h = mpmath.mpf(10) ** (-(mpmath.mp.dps // 3))
        for j in range(m + 1):
            e = mpmath.matrix(m, 1)
            if j < m:
                e[j] = h
                plus, minus = mp_problem.jacobian(x + e, d)[0], mp_problem.jacobian(x - e, d)[0]
            else:
                plus, minus = mp_problem.jacobian(x, d + h)[0], mp_problem.jacobian(x, d - h)[0]
            column = (plus - minus) * v / (2 * h)
            for i in range(m):
                J[m + i, j] = column[i]
        for i in range(m):
            F[i], F[m + i] = G[i], Gxv[i]
            J[i, m] = Gd[i]
            J[2 * m, m + 1 + i] = l[i]
            for j in range(m):
                J[i, j] = J[m + i, m + 1 + j] = Gx[i, j]
        F[2 * m] = sum(l[i] * v[i] for i in range(m)) - 1
        return F, J

    return system


def _null_vector(mp_problem, x0, d0):
    """The unit right singular vector of ``G_x(x0, d0)`` for its smallest singular value."""
    with mpmath.workdps(FOLD_START_DPS):
        Gx = mp_problem.jacobian(_column(x0), mpmath.mpmathify(d0))[0]
        _, S, V = mpmath.svd_r(Gx)
        k = min(range(len(S)), key=lambda i: S[i])
        return [V[k, j] for j in range(Gx.cols)]


def refine_fold(mp_problem, x0, d0, digits):
    """A fold ``(x*, d*)`` of ``G(x, d) = 0`` (``G_x`` singular there) near the float64 point
    ``(x0, d0)``, to ``digits`` verified digits of ``d*`` (module docstring)."""
    _check(digits, x0)
    if not mpmath.isfinite(mpmath.mpmathify(d0)):
        raise ValueError(f"d0 must be finite, got {d0!r}")
    m = len(x0)
    l = _null_vector(mp_problem, x0, d0)
    system = _fold_system(mp_problem, l)
    z0 = list(x0) + [d0] + l
    dps1, dps2 = digits + 10, 2 * digits + 10
    z1, n1, ok1 = _newton(system, z0, dps1)
    if not ok1:
        return _failed("fold", "newton failed", f"the extended fold system did not converge at {dps1} digits", n1, dps1)
    z2, n2, ok2 = _newton(system, z0, dps2)
    if not ok2:
        return _failed("fold", "newton failed", f"the extended fold system did not converge at {dps2} digits",
                       n1 + n2, dps2)
    verified, d_star = common_digits(z1[m], z2[m], digits)
    with mpmath.workdps(dps2):
        x, d, v = [z2[i] for i in range(m)], z2[m], _column(z2[m + 1 + i] for i in range(m))
        residual = _norm(mp_problem.residual(_column(x), d))
        null_residual = _norm(mp_problem.jacobian(_column(x), d)[0] * v) / _norm(v)
    with mpmath.workdps(FOLD_START_DPS):
        S = mpmath.svd_r(system(z2)[1], compute_uv=False)
        transversal = bool(min(S) > TRANSVERSAL_FOLD * max(S))
    return RefinedPoint(
        kind="fold", status="converged" if verified == digits else "precision disagreement",
        message=f"{verified} of {digits} digits agree between {dps1} and {dps2} working digits",
        d_star=d_star, digits_verified=verified, d=d, x=x, x_float=[float(v) for v in x],
        residual_norm=float(residual), test_value=float(null_residual), slope=math.nan,
        transversal=transversal, iterations=n1 + n2, dps_used=dps2)
