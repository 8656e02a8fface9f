"""Arbitrary-precision refinement of events located by the float64 continuation (mpmath).

Newton with precision doubling (:func:`solve_at`): the project's one Newton
(:func:`.newton.newton`) on mpmath matrices, with the convergence test
:class:`.newton.RoundingLevelUpdate`. Newton roughly doubles the number of correct digits per
iteration, so iteration ``k`` runs at ``min(s 2^k, dps)`` digits (plus 10 guard digits) from
a start with ``s`` digits right (15 from float64; full precision once ``s 2^k`` is within 10
digits of ``dps``); it has converged at full precision when the update is below
``10^-dps`` relative, or when the updates, already below ``10^(-dps/2)``, stop decreasing
(rounding noise). Only the last one or two iterations cost full precision.

Zero of a test function (:func:`refine_zero`). ``d*`` in ``[d_lo, d_hi]`` with
``f(d) = tau(x(d), d) = 0``, where ``x(d)`` solves ``G(x, d) = 0`` and ``tau`` is continuous
(e.g. the smallest eigenvalue of one symmetric block of a Hessian). Every ``f`` evaluation
solves ``x(d)`` by Newton with precision doubling from a warm start. This needs only ``G``
and ``G_x`` (no derivatives of ``tau``, no third derivatives of a loss), and each evaluation
is a well-conditioned solve as long as the bracket contains no fold. A run at ``P`` working
digits has two stages:

1. *Locate* (from the bracket): Illinois regula falsi (:func:`.rootfind.illinois`,
   superlinear, never leaves the bracket; ``NOT_BRACKETED`` if ``f`` has one sign) at
   ``min(P, 100)`` digits, until the bracket is narrower than ``10^-20 (1 + |d|)`` (to
   ``10^(3 - P)`` when ``P <= 100``, and the run ends there).
2. *Converge*: the secant method on ``f`` from the last two evaluations, with the working
   precision growing with the digits already right. With ``r_a``, ``r_b`` the digits right
   of the last two points (estimated from the distances to the new point; the secant error
   is about ``M e_a e_b``), the new point has about ``r = r_a + r_b`` (no more than the
   precisions of the two values allow), and ``f`` is evaluated there at ``min(P, 2 r + 10)``
   digits (a value is used twice: for the step from it and for the slope of the next step,
   which needs ``2 r``); ``x(d)`` starts from the linear interpolation through the last two
   points in ``d`` (error ``~ |x''| e_a e_b``), so its Newton needs one or two iterations.
   Converged when an evaluation at ``P`` digits gives a step below ``10^(3 - P) (1 + |d|)``
   (or the steps, already below ``10^(-P/2)``, stop decreasing: rounding noise); that point
   is the result. Iterates must stay in the bracket. Only the last two or three evaluations
   run at ``P`` digits.

Verification. Each refinement runs twice, at ``dps1 = digits + 10`` and
``dps2 = 2 digits + 10`` working digits. The first run starts from the float64 start and the
bracket; the second from the first run's ``d`` and ``x`` *rounded to* ``digits // 2``
significant digits and the neighbour of that ``d`` one unit of its last digit away (or from
the bracket, like the first, when those points leave it), so that it converges on its own
from a start that is not right to the requested digits: an error that only one of the two
precisions makes shows as disagreeing digits. The reported ``d_star`` consists of the
leading significant digits on which the two results agree (see :mod:`.digits`: rounded at
8 guard digits, then truncated -- never rounded up into the unverified digits); ``status`` is
``CONVERGED`` only when all requested digits agree. These digits are verified, not
certified (no interval arithmetic). The slope ``df/dd`` at ``d*`` (a diagnostic) is a
symmetric difference at ``min(dps2, 60)`` digits.

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
``m`` (about 8 times the work), and it needs an iteration or two more. It runs twice from the
same float64 start, at ``dps1`` and ``dps2`` digits, and reports the digits on which the two
agree, as for a zero.

Failures are statuses (:class:`.status.Status`) of the returned :class:`RefinedPoint`, never
exceptions: ``NOT_BRACKETED`` (the test function has one sign on the bracket),
``PRECISION_DISAGREEMENT`` (fewer than the requested digits agree), ``MAX_ITERATIONS`` (Newton
or the root finder hit its cap, or the secant iteration stalled or left the bracket; the
message says which), ``SINGULAR`` (Newton's linear solve
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
MAX_DIGITS = 20000
LOCATE_DIGITS = 100
LOCATE_TOL_DIGITS = 20
MAX_SECANT = 60
PREDICTION_MARGIN = 3
SLOPE_DIGITS = 60
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


def _doubling_precision(residual, jacobian, z0, dps, border=None, max_iter=MAX_NEWTON, start_digits=START_DIGITS):
    """The one Newton (:func:`.newton.newton`) with precision doubling: update ``k`` at
    ``s 2^k + 10`` digits (``s = start_digits``, the digits ``z0`` has right, 15 for a float64
    start), and at ``dps + 10`` from ``s 2^k >= dps - 10`` on; test
    :class:`.newton.RoundingLevelUpdate`."""
    with mpmath.workdps(dps):
        z = _column(z0)

    def digits(k):
        right = start_digits * 2 ** k
        return dps if right >= dps - GUARD_DIGITS else right

    return newton(residual, jacobian, z, test=RoundingLevelUpdate(dps, digits), border=border, max_iter=max_iter,
                  precision=lambda k: mpmath.workdps(digits(k) + GUARD_DIGITS))


def _curve_point(mp_problem, x0, d, dps, start_digits=START_DIGITS):
    """Newton for ``G(x, d) = 0`` at fixed ``d`` from ``x0`` with about ``start_digits`` correct
    digits: a :class:`.newton.NewtonResult`."""
    with mpmath.workdps(dps):
        d = mpmath.mpmathify(d)
    return _doubling_precision(lambda x: mp_problem.residual(x, d), lambda x: mp_problem.jacobian(x, d)[0], x0, dps,
                               start_digits=start_digits)


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
class _Eval(NamedTuple):
    """One evaluation of ``f(d) = tau(x(d), d)`` at ``dps`` working digits (``d`` rounded to them)."""
    d: object
    f: object
    x: object
    dps: int


class _Curve:
    """``f(d)``: ``x(d)`` by Newton with precision doubling from a start with about
    ``start_digits`` correct digits, then the test function; counts the evaluations. Raises
    :class:`.rootfind.EvaluationFailed` (with the status of a failed Newton) on failure."""

    def __init__(self, mp_problem, test_function):
        self.mp_problem, self.test_function, self.evaluations = mp_problem, test_function, 0

    def __call__(self, d, dps, x_start, start_digits=START_DIGITS):
        self.evaluations += 1
        with mpmath.workdps(dps):
            d = +mpmath.mpmathify(d)
            where = f"d = {mpmath.nstr(d, 17)} ({dps} digits)"
            res = _curve_point(self.mp_problem, x_start, d, dps, start_digits)
            if not res.success:
                raise EvaluationFailed(f"Newton for x(d) failed at {where}: {res.message}", res.status)
            try:
                value = self.test_function(res.x, d)
            except EVALUATION_ERRORS as err:
                raise EvaluationFailed(f"the test function failed at {where}: {_error_text(err)}") from None
            if not mpmath.isfinite(value):
                raise EvaluationFailed(f"the test function is not finite at {where}")
        return _Eval(d, value, res.x, dps)


class _ZeroRun(NamedTuple):
    status: Status
    message: str
    d: object = None
    x: object = None
    f_d: object = None
    secant: object = None


def _digits_of(size, scale):
    """``-log10(size / scale)``: the correct digits an error ``size`` leaves (``inf`` for 0)."""
    if size == 0:
        return math.inf
    return -(mpmath.mag(size) - mpmath.mag(scale)) * math.log10(2)


def _locate(curve, x0, d_lo, d_hi, dps, tol_digits):
    """Illinois (:func:`.rootfind.illinois`) at ``dps`` digits on ``[d_lo, d_hi]`` until the
    bracket is narrower than ``10^-tol_digits (1 + |d|)``. Returns ``(run, a, b)``: the
    :class:`_ZeroRun` and the last two evaluations (``b`` the root found)."""
    with mpmath.workdps(dps):
        last = []

        def f(d):
            e = curve(d, dps, last[-1].x if last else x0)
            last.append(e)
            return e.f

        lo, hi = +mpmath.mpmathify(d_lo), +mpmath.mpmathify(d_hi)
        try:
            f_lo, f_hi = f(lo), f(hi)
        except EvaluationFailed as err:
            return _ZeroRun(err.status, str(err)), None, None
        secant = abs(f_hi - f_lo) / (hi - lo)
        if mpmath.sign(f_lo) * mpmath.sign(f_hi) > 0:
            return _ZeroRun(Status.NOT_BRACKETED, f"the test function has the same sign at d = {mpmath.nstr(lo, 17)} "
                            f"and d = {mpmath.nstr(hi, 17)}"), None, None
        root = illinois(f, lo, hi, f_lo, f_hi, mpmath.mpf(10) ** -tol_digits)
        if root.status is Status.MAX_ITERATIONS:
            return _ZeroRun(root.status, f"no convergence in the root finder at {dps} digits"), None, None
        if not root.success:
            return _ZeroRun(root.status, root.message), None, None
        b = min(reversed(last), key=lambda e: abs(e.d - root.root))
        a = next((e for e in reversed(last) if e.d != b.d), b)
        return _ZeroRun(Status.CONVERGED, "", b.d, b.x, b.f, secant), a, b


def _predict(a, b, d):
    """``x(d)`` by linear interpolation through the evaluations ``a`` and ``b``, and the number
    of digits it should have right (``|x''| |d - d_a| |d - d_b| / 2``, less a margin)."""
    if a.d == b.d:
        return b.x, START_DIGITS
    x = b.x + (b.x - a.x) * ((d - b.d) / (b.d - a.d))
    scale = 1 + abs(d)
    right = _digits_of(abs(d - a.d), scale) + _digits_of(abs(d - b.d), scale) - PREDICTION_MARGIN
    return x, int(max(START_DIGITS, min(right, a.dps, b.dps)))


def _secant(curve, a, b, dps, d_lo, d_hi, secant_slope):
    """The secant method on ``f`` from the evaluations ``a``, ``b`` up to ``dps`` digits, the
    working precision growing with the digits already correct (module docstring)."""
    with mpmath.workdps(dps):
        tol = mpmath.mpf(10) ** (3 - dps)
        noise = mpmath.mpf(10) ** (-dps / 2)
        previous = None
        for _ in range(MAX_SECANT):
            if b.f == 0:
                d = b.d
            elif b.f == a.f:
                return _ZeroRun(Status.MAX_ITERATIONS, f"the secant iteration stalled (equal values of the test "
                                f"function at two points) at {b.dps} digits")
            else:
                d = b.d - b.f * (b.d - a.d) / (b.f - a.f)
            scale = 1 + abs(d)
            step = abs(d - b.d)
            if b.dps == dps and (step <= tol * scale or (
                    a.dps == dps and previous is not None and previous <= step <= noise * scale)):
                return _ZeroRun(Status.CONVERGED, "", b.d, b.x, b.f, secant_slope)
            if not d_lo <= d <= d_hi:
                return _ZeroRun(Status.MAX_ITERATIONS, f"the secant iteration left the bracket at {b.dps} digits "
                                f"(d = {mpmath.nstr(d, 17)})")
            # digits right: of b (about its step) and of the new point (those of a and b added);
            # f(d) is needed to twice those (the slope of the step after next needs them)
            # (no more than the precisions of the two values allow)
            right_b, right_a = _digits_of(step, scale), _digits_of(abs(d - a.d), scale)
            right_d = min(right_a + right_b, b.dps, right_b + a.dps - min(right_a, a.dps))
            need = 2 * right_d + GUARD_DIGITS
            work = dps if b.f == 0 or not need < dps else max(int(math.ceil(need)), START_DIGITS)
            x, x_digits = _predict(a, b, d)
            try:
                c = curve(d, work, x, min(x_digits, work))
            except EvaluationFailed as err:
                return _ZeroRun(err.status, str(err))
            a, b, previous = b, c, step
        return _ZeroRun(Status.MAX_ITERATIONS, f"no convergence in the secant iteration at {dps} digits")


def _zero_run(curve, x0, d_lo, d_hi, dps, start=None, secant_slope=None):
    """``d*`` at ``dps`` digits: from the bracket (``start`` None), Illinois at
    ``min(dps, LOCATE_DIGITS)`` digits, then the secant method with growing precision; from
    ``start = (d_a, d_b, x, right)`` (two points near ``d*`` and a start for ``x``, all with
    about ``right`` correct digits), the secant method alone. ``[d_lo, d_hi]`` bounds the
    iterates either way."""
    with mpmath.workdps(dps):
        lo, hi = mpmath.mpmathify(d_lo), mpmath.mpmathify(d_hi)
    if start is None:
        locate = min(dps, LOCATE_DIGITS)
        run, a, b = _locate(curve, x0, lo, hi, locate, dps - 3 if locate == dps else LOCATE_TOL_DIGITS)
        if run.status is not Status.CONVERGED or locate == dps:
            return run
        secant_slope = run.secant
    else:
        d_a, d_b, x, right = start
        work = min(dps, 2 * right + GUARD_DIGITS)
        try:
            a = curve(d_a, work, x, max(START_DIGITS, min(right, work)))
            b = curve(d_b, work, a.x, max(START_DIGITS, min(right, work)))
        except EvaluationFailed as err:
            return _ZeroRun(err.status, str(err))
    return _secant(curve, a, b, dps, lo, hi, secant_slope)


def _restart(d, x, digits, d_lo, d_hi, dps):
    """The start of the second run: ``d`` rounded to ``digits`` significant digits and its
    neighbour one unit of the last digit towards ``d``, ``x`` rounded to ``digits``; ``None``
    when they leave the bracket ``[d_lo, d_hi]``."""
    with mpmath.workdps(dps):
        d_a = mpmath.mpf(mpmath.nstr(d, digits))
        unit = mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(d_a))) + 1 - digits) if d_a else mpmath.mpf(10) ** -digits
        d_b = d_a + unit if d >= d_a else d_a - unit
        if not (d_lo <= d_a <= d_hi and d_lo <= d_b <= d_hi):
            return None
        return d_a, d_b, _column(mpmath.mpf(mpmath.nstr(v, digits)) for v in x), digits


def _central_slope(mp_problem, test_function, x, d, dps):
    """``df/dd`` by a symmetric difference with ``h = 10^(-dps/3)`` (balances the ``h^2``
    truncation error against the ``10^-dps / h`` rounding error); NaN if Newton fails."""
    with mpmath.workdps(dps):
        d = +d
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
    curve = _Curve(mp_problem, test_function)
    low = _zero_run(curve, x0, d_lo, d_hi, dps1)
    if low.status is not Status.CONVERGED:
        return _failed("zero", low.status, low.message, curve.evaluations, dps1)
    restart_digits = max(1, digits // 2)
    with mpmath.workdps(dps2):
        lo, hi = mpmath.mpmathify(d_lo), mpmath.mpmathify(d_hi)
    start = _restart(low.d, low.x, restart_digits, lo, hi, dps2)
    if start is None:
        high = _zero_run(curve, x0, d_lo, d_hi, dps2)
    else:
        high = _zero_run(curve, x0, d_lo, d_hi, dps2, start, low.secant)
    evaluations = curve.evaluations
    if high.status is not Status.CONVERGED:
        return _failed("zero", high.status, high.message, evaluations, dps2)
    verified, d_star = common_digits(low.d, high.d, digits)
    with mpmath.workdps(dps2):
        try:
            residual = _norm(mp_problem.residual(high.x, high.d))
            slope = (slope_function(high.x, high.d) if slope_function
                     else _central_slope(mp_problem, test_function, high.x, high.d, min(dps2, SLOPE_DIGITS)))
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
