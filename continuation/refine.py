"""Arbitrary-precision refinement of events located by the float64 continuation (mpmath).

Newton with precision doubling (:func:`solve_at`): the project's one Newton
(:func:`.newton.newton`) on mpmath matrices, with the convergence test
:class:`.newton.RoundingLevelUpdate`. Newton roughly doubles the number of correct digits per
iteration, so iteration ``k`` runs at ``min(15 * 2^k, dps)`` digits (plus 10 guard digits)
from a float64 start; it has converged at full precision when the update is below
``10^-dps`` relative, or when the updates, already below ``10^(-dps/2)``, stop decreasing
(rounding noise). Only the last one or two iterations cost full precision.

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

(the last equation is Newton's bordering row ``(0, 0, l) . z = 1``) with ``l`` the null vector of ``G_x`` at the float64 start. Its Jacobian contains the block
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
unverified digits); ``status`` is ``CONVERGED`` only when all requested digits agree.
These digits are verified, not certified (no interval arithmetic).

Failures are statuses (:class:`.status.Status`) of the returned :class:`RefinedPoint`, never
exceptions: ``NOT_BRACKETED`` (the test function has one sign on the bracket),
``PRECISION_DISAGREEMENT`` (fewer than the requested digits agree), ``MAX_ITERATIONS`` (Newton
or the root finder hit its cap; the message says which), ``SINGULAR`` (Newton's linear solve
failed), ``EVALUATION_FAILED`` (the problem or the test function raised an arithmetic/value
error or gave a non-finite value). Invalid arguments raise ``ValueError``. All working
precision is local (``mpmath.workdps``).
"""
import math
from dataclasses import dataclass, replace
from typing import NamedTuple

import mpmath

from .digits import common_digits
from .newton import EVALUATION_ERRORS, Border, RoundingLevelUpdate, max_abs, newton
from .rootfind import EvaluationFailed, illinois
from .status import Status

START_DIGITS = 15
GUARD_DIGITS = 10
MAX_NEWTON = 60
MAX_DIGITS = 1000
TRANSVERSAL_ZERO = 1e-6
TRANSVERSAL_FOLD = 1e-8
FOLD_START_DPS = 30
NAN = float("nan")


@dataclass(frozen=True, kw_only=True)
class RefinedPoint:
    """A refined event (keyword construction only).

    ``kind``: ``"zero"`` (of a test function) or ``"fold"``. ``status`` (:class:`.status.Status`),
    ``success`` and ``message``: how it went (``CONVERGED`` only when all requested digits
    agree). ``d_star``: the verified digits of ``d*`` as a decimal string (``""`` on failure),
    ``digits_verified`` of them. ``d`` and ``x``: the high-precision result (mpf, list of mpf;
    ``None`` and ``[]`` on failure) and ``x_float`` its float64 rounding. ``residual_norm``:
    ``max |G|`` at the result at ``dps_used``. ``test_value``: ``|f(d*)|`` for a zero (NaN for
    a fold, which has no test function). ``null_residual``: ``|G_x v| / |v|`` at a fold (NaN
    for a zero). ``slope``: ``df/dd`` at ``d*`` for a zero (NaN for a fold, where ``d`` is
    stationary along the curve). ``transversal``: for a zero, ``|slope|`` exceeds ``1e-6``
    times the secant slope over the bracket (a simple, sign-changing zero); for a fold, the
    smallest singular value of the extended system's Jacobian exceeds ``1e-8`` times the
    largest (a nondegenerate, quadratic fold); both computed, ``False`` on failure.
    ``iterations``: Newton solves of ``x(d)`` (zero) or Newton iterations of the extended
    system (fold), over both precisions. ``dps_used``: the higher working precision.
    """

    kind: str
    status: Status
    message: str
    d_star: str = ""
    digits_verified: int = 0
    d: object = None
    x: list = ()
    x_float: list = ()
    residual_norm: float = NAN
    test_value: float = NAN
    null_residual: float = NAN
    slope: float = NAN
    transversal: bool = False
    iterations: int = 0
    dps_used: int = 0

    def __post_init__(self):
        object.__setattr__(self, "status", Status.of(self.status))
        object.__setattr__(self, "x", list(self.x))
        object.__setattr__(self, "x_float", list(self.x_float))

    @property
    def success(self):
        return self.status.success


def _norm(v):
    return max_abs(v)


def _column(values):
    return mpmath.matrix([mpmath.mpmathify(v) for v in values])


def _doubling_precision(residual, jacobian, z0, dps, border=None, max_iter=MAX_NEWTON):
    """The one Newton (:func:`.newton.newton`) with precision doubling: update ``k`` at
    ``min(15 * 2^k, dps) + 10`` digits, test :class:`.newton.RoundingLevelUpdate`."""
    with mpmath.workdps(dps):
        z = _column(z0)

    def digits(k):
        return min(START_DIGITS * 2 ** k, dps)

    return newton(residual, jacobian, z, test=RoundingLevelUpdate(dps, digits), border=border, max_iter=max_iter,
                  precision=lambda k: mpmath.workdps(digits(k) + GUARD_DIGITS))


def _curve_point(mp_problem, x0, d, dps):
    """Newton for ``G(x, d) = 0`` at fixed ``d``: a :class:`.newton.NewtonResult`."""
    with mpmath.workdps(dps):
        d = mpmath.mpmathify(d)
    return _doubling_precision(lambda x: mp_problem.residual(x, d), lambda x: mp_problem.jacobian(x, d)[0], x0, dps)


def solve_at(mp_problem, x0, d, dps):
    """Newton for ``G(x, d) = 0`` at fixed ``d`` to ``dps`` digits, precision doubling from ~15.

    Returns a :class:`.newton.NewtonResult`: ``x`` an ``mp.matrix`` column, ``status``,
    ``iterations`` and ``residual_norm`` ``max |G(x, d)|`` evaluated at ``dps`` digits (NaN if
    that evaluation fails). Never raises for a numerical failure."""
    res = _curve_point(mp_problem, x0, d, dps)
    with mpmath.workdps(dps):
        try:
            norm = _norm(mp_problem.residual(res.x, mpmath.mpmathify(d)))
        except EVALUATION_ERRORS:
            norm = mpmath.nan
    return replace(res, residual_norm=norm)


def _check(digits, x0):
    if not (isinstance(digits, int) and not isinstance(digits, bool) and 1 <= digits <= MAX_DIGITS):
        raise ValueError(f"digits must be an integer between 1 and {MAX_DIGITS}, got {digits!r}")
    if len(x0) == 0:
        raise ValueError("x0 is empty")


def _failed(kind, status, message, iterations, dps):
    return RefinedPoint(kind=kind, status=status, message=message, iterations=iterations, dps_used=dps)


def _error_text(err):
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


# ------------------------------------------------------------- zero of f(d)
class _ZeroRun(NamedTuple):
    status: Status
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
            res = _curve_point(mp_problem, warm[0], d, dps)
            if not res.success:
                raise EvaluationFailed(f"Newton for x(d) failed at d = {mpmath.nstr(d, 17)} ({dps} digits): "
                                       f"{res.message}", res.status)
            xs[d] = warm[0] = res.x
            try:
                return test_function(res.x, d)
            except EVALUATION_ERRORS as err:
                raise EvaluationFailed(f"the test function failed at d = {mpmath.nstr(d, 17)} ({dps} digits): "
                                       f"{_error_text(err)}") from None

        lo, hi = mpmath.mpmathify(d_lo), mpmath.mpmathify(d_hi)
        try:
            f_lo, f_hi = f(lo), f(hi)
        except EvaluationFailed as err:
            return _ZeroRun(err.status, str(err), evaluations=len(xs))
        if not (mpmath.isfinite(f_lo) and mpmath.isfinite(f_hi)):
            return _ZeroRun(Status.EVALUATION_FAILED, "the test function is not finite at the ends of the bracket",
                            evaluations=len(xs))
        if mpmath.sign(f_lo) * mpmath.sign(f_hi) > 0:
            return _ZeroRun(Status.NOT_BRACKETED, f"the test function has the same sign at d = {mpmath.nstr(lo, 17)} "
                            f"and d = {mpmath.nstr(hi, 17)}", evaluations=len(xs))
        root = illinois(f, lo, hi, f_lo, f_hi, mpmath.mpf(10) ** (3 - dps))
        if root.status is Status.MAX_ITERATIONS:
            return _ZeroRun(root.status, f"no convergence in the root finder at {dps} digits", evaluations=len(xs))
        if not root.success:
            return _ZeroRun(root.status, root.message, evaluations=len(xs))
        return _ZeroRun(Status.CONVERGED, "", root.root, xs[root.root], root.value, abs(f_hi - f_lo) / (hi - lo),
                        len(xs))


def _central_slope(mp_problem, test_function, x, d, dps):
    """``df/dd`` by a symmetric difference with ``h = 10^(-dps/3)`` (balances the ``h^2``
    truncation error against the ``10^-dps / h`` rounding error); NaN if Newton fails."""
    with mpmath.workdps(dps):
        h = mpmath.mpf(10) ** (-(dps // 3))
        values = []
        for sign in (1, -1):
            res = _curve_point(mp_problem, list(x), d + sign * h, dps)
            if not res.success:
                return mpmath.nan
            values.append(test_function(res.x, d + sign * h))
        return (values[0] - values[1]) / (2 * h)


def refine_zero(mp_problem, test_function, x0, d_lo, d_hi, digits, slope_function=None):
    """``d*`` in ``[d_lo, d_hi]`` where ``test_function(x(d), d)`` vanishes along the solution
    curve ``x(d)`` of ``G(x, d) = 0``, to ``digits`` verified digits (module docstring).

    ``mp_problem``: :class:`.problem.MPProblem`; ``test_function(x, d) -> mpf`` at the current
    working precision; ``x0``: a start for ``x`` near the bracket (floats or mpf); ``d_lo``,
    ``d_hi``: float, string or mpf. ``slope_function(x, d) -> df/dd`` along the curve, if
    known analytically; otherwise the slope is a symmetric difference. Returns a
    :class:`RefinedPoint`; numerical failures are its status, never exceptions.
    """
    _check(digits, x0)
    dps1, dps2 = digits + 10, 2 * digits + 10
    with mpmath.workdps(dps2):
        if not mpmath.mpmathify(d_lo) < mpmath.mpmathify(d_hi):
            raise ValueError(f"need d_lo < d_hi, got [{d_lo}, {d_hi}]")
    low = _zero_run(mp_problem, test_function, x0, d_lo, d_hi, dps1)
    if low.status is not Status.CONVERGED:
        return _failed("zero", low.status, low.message, low.evaluations, dps1)
    high = _zero_run(mp_problem, test_function, x0, d_lo, d_hi, dps2)
    evaluations = low.evaluations + high.evaluations
    if high.status is not Status.CONVERGED:
        return _failed("zero", high.status, high.message, evaluations, dps2)
    verified, d_star = common_digits(low.d, high.d, digits)
    with mpmath.workdps(dps2):
        try:
            residual = _norm(mp_problem.residual(high.x, high.d))
            slope = (slope_function(high.x, high.d) if slope_function
                     else _central_slope(mp_problem, test_function, high.x, high.d, dps2))
        except EVALUATION_ERRORS as err:
            return _failed("zero", Status.EVALUATION_FAILED, f"the diagnostics at d* failed: {_error_text(err)}",
                           evaluations, dps2)
        transversal = bool(abs(slope) > TRANSVERSAL_ZERO * high.secant)
    return RefinedPoint(
        kind="zero", status=Status.CONVERGED if verified == digits else Status.PRECISION_DISAGREEMENT,
        message=f"{verified} of {digits} digits agree between {dps1} and {dps2} working digits",
        d_star=d_star, digits_verified=verified, d=high.d, x=list(high.x), x_float=[float(v) for v in high.x],
        residual_norm=float(residual), test_value=float(abs(high.f_d)), slope=float(slope),
        transversal=transversal, iterations=evaluations, dps_used=dps2)


# ------------------------------------------------------------------- folds
def _fold_system(mp_problem, m):
    """``z = (x, d, v) -> (F, F')`` for ``{G = 0, G_x v = 0}`` (``2m`` rows, ``2m + 1``
    columns; the row ``l . v = 1`` is Newton's border); ``d(G_x v)/d(x, d)`` by central
    differences of ``G_x`` with step ``10^(-p/3)`` at the current ``p`` digits. Returns
    ``(residual, jacobian)`` functions sharing one evaluation per ``z``."""
    last = {}

    def system(z):
        if last.get("z") is z:
            return last["F"], last["J"]
        x, d, v = _column(z[i] for i in range(m)), z[m], _column(z[m + 1 + i] for i in range(m))
        G = mp_problem.residual(x, d)
        Gx, Gd = mp_problem.jacobian(x, d)
        Gxv = Gx * v
        F = mpmath.matrix(2 * m, 1)
        J = mpmath.zeros(2 * m, 2 * m + 1)
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
            for j in range(m):
                J[i, j] = J[m + i, m + 1 + j] = Gx[i, j]
        last.update(z=z, F=F, J=J)
        return F, J

    return (lambda z: system(z)[0]), (lambda z: system(z)[1])


def _null_vector(mp_problem, x0, d0):
    """The unit right singular vector of ``G_x(x0, d0)`` for its smallest singular value."""
    with mpmath.workdps(FOLD_START_DPS):
        Gx = mp_problem.jacobian(_column(x0), mpmath.mpmathify(d0))[0]
        _, S, V = mpmath.svd_r(Gx)
        k = min(range(len(S)), key=lambda i: S[i])
        return [V[k, j] for j in range(Gx.cols)]


def refine_fold(mp_problem, x0, d0, digits):
    """A fold ``(x*, d*)`` of ``G(x, d) = 0`` (``G_x`` singular there) near the float64 point
    ``(x0, d0)``, to ``digits`` verified digits of ``d*`` (module docstring). Returns a
    :class:`RefinedPoint`; numerical failures are its status, never exceptions."""
    _check(digits, x0)
    if not mpmath.isfinite(mpmath.mpmathify(d0)):
        raise ValueError(f"d0 must be finite, got {d0!r}")
    m = len(x0)
    dps1, dps2 = digits + 10, 2 * digits + 10
    try:
        l = _null_vector(mp_problem, x0, d0)
    except EVALUATION_ERRORS as err:
        return _failed("fold", Status.EVALUATION_FAILED, f"no null vector at the start: {_error_text(err)}", 0, dps1)
    residual, jacobian = _fold_system(mp_problem, m)
    border = Border(row=[mpmath.mpf(0)] * (m + 1) + l, value=1)
    z0 = list(x0) + [d0] + l
    r1 = _doubling_precision(residual, jacobian, z0, dps1, border=border)
    if not r1.success:
        return _failed("fold", r1.status, f"the extended fold system did not converge at {dps1} digits: {r1.message}",
                       r1.iterations, dps1)
    r2 = _doubling_precision(residual, jacobian, z0, dps2, border=border)
    iterations = r1.iterations + r2.iterations
    if not r2.success:
        return _failed("fold", r2.status, f"the extended fold system did not converge at {dps2} digits: {r2.message}",
                       iterations, dps2)
    z1, z2 = r1.x, r2.x
    verified, d_star = common_digits(z1[m], z2[m], digits)
    try:
        with mpmath.workdps(dps2):
            x, d, v = [z2[i] for i in range(m)], z2[m], _column(z2[m + 1 + i] for i in range(m))
            residual_norm = _norm(mp_problem.residual(_column(x), d))
            null_residual = _norm(mp_problem.jacobian(_column(x), d)[0] * v) / _norm(v)
        with mpmath.workdps(FOLD_START_DPS):
            full = mpmath.matrix(2 * m + 1, 2 * m + 1)
            J = _fold_system(mp_problem, m)[1](z2)  # a fresh system: evaluated at this precision
            for i in range(2 * m):
                for j in range(2 * m + 1):
                    full[i, j] = J[i, j]
            for j in range(2 * m + 1):
                full[2 * m, j] = border.row[j]
            S = mpmath.svd_r(full, compute_uv=False)
            transversal = bool(min(S) > TRANSVERSAL_FOLD * max(S))
    except EVALUATION_ERRORS as err:
        return _failed("fold", Status.EVALUATION_FAILED, f"the diagnostics at the fold failed: {_error_text(err)}",
                       iterations, dps2)
    return RefinedPoint(
        kind="fold", status=Status.CONVERGED if verified == digits else Status.PRECISION_DISAGREEMENT,
        message=f"{verified} of {digits} digits agree between {dps1} and {dps2} working digits",
        d_star=d_star, digits_verified=verified, d=d, x=x, x_float=[float(v) for v in x],
        residual_norm=float(residual_norm), null_residual=float(null_residual), slope=math.nan,
        transversal=transversal, iterations=iterations, dps_used=dps2)
