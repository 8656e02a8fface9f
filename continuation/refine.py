"""Arbitrary-precision refinement of events located by float64 continuation (mpmath).

Stability change. We look for ``d*`` with ``f(d) = tau(x(d), d) = 0``, where ``x(d)`` solves
``G(x, d) = 0`` and ``tau`` is a continuous test function (the eigenvalue of one isotypic
block nearest zero). Why this route rather than Newton on the extended system
``{G = 0, B v = 0, c.v = 1}``: it needs no third derivatives of the loss (the extended
Jacobian contains ``d(B v)/dx``), each ``f`` evaluation is a well-conditioned Newton solve
warm-started from the previous one, and the outer iteration is a bracketing secant
(Illinois) that converges superlinearly (order ~1.6) and cannot leave the float64 bracket.

Working precision is local (``mp.workdps``). Digits are *verified* -- not certified -- by
running the whole computation at ``dps1 = digits + 10`` and ``dps2 = 2 digits + 10`` and
keeping the leading significant digits on which the two decimal expansions agree
(truncated, never rounded up). Failure is a ``status``, not an exception.

Fold. ``x(d)`` ceases to exist on one side of a fold, so there we solve the regular
extended system ``{G(x, d) = 0, G_x v = 0, l.v = 1}`` for ``(x, d, v)`` by Newton, with the
second-derivative block ``d(G_x v)/dx`` by central differences of ``G_x`` with step
``10^(-dps/3)`` (error ``10^(-2 dps/3)`` per iteration, so more iterations than the
stability route; folds are rare).
"""
from dataclasses import dataclass, field

import mpmath

from .rootfind import illinois

TRANSVERSAL_SLOPE = 1e-8


@dataclass(frozen=True)
class RefinedPoint:
    """A refined event: ``d_star`` as a decimal string of the verified digits only."""

    kind: str
    status: str
    message: str
    d_star: str
    digits_verified: int
    d: object  # mpf at the higher precision
    x: list  # mpf at the higher precision
    x_float: list
    residual_norm: float
    test_value: float
    slope: float
    transversal: bool
    iterations: int
    dps_used: int
    extra: dict = field(default_factory=dict)


def _norm(v):
    return max((abs(v[i]) for i in range(len(v))), default=mpmath.mpf(0))


def solve_at(mp_problem, x0, d, dps, max_iter=60):
    """Newton for ``G(x, d) = 0`` at fixed ``d``, precision doubling from ~16 digits to ``dps``.

    Returns ``(x, |G|, iterations)``; ``x`` an ``mp.matrix`` column."""
    prec = 16
    x = None
    with mpmath.workdps(dps):
        x = mpmath.matrix([mpmath.mpf(v) for v in x0])
        d = mpmath.mpf(d)
    it = 0
    while it < max_iter:
        prec = min(2 * prec, dps)
        with mpmath.workdps(prec + 5):
            G = mp_problem.residual(x, d)
            J, _ = mp_problem.jacobian(x, d)
            dx = mpmath.lu_solve(J, G)
            x = x - dx
            it += 1
            small = _norm(dx) <= mpmath.mpf(10) ** (-prec) * (1 + _norm(x))
        if prec >= dps and small:
            break
    with mpmath.workdps(dps):
        res = _norm(mp_problem.residual(x, d))
    return x, res, it


def _decimal(value, n):
    """Decimal digits of ``value`` (mpf) to ``n`` significant digits, truncated: (sign, digits, exp10)."""
    s = mpmath.nstr(value, n + 8, strip_zeros=False, min_fixed=1, max_fixed=0)
    mant, _, exp = s.partition("e")
    sign = "-" if mant.startswith("-") else ""
    digits = mant.lstrip("-").replace(".", "")
    return sign, digits[:n], int(exp or 0)


def agreeing_digits(a, b, n):
    """Number of leading significant decimal digits (up to ``n``) on which ``a`` and ``b`` agree."""
    sa, da, ea = _decimal(a, n + 2)
    sb, db, eb = _decimal(b, n + 2)
    if sa != sb or ea != eb:
        return 0
    k = 0
    while k < min(n, len(da), len(db)) and da[k] == db[k]:
        k += 1
    return k


def format_digits(value, n):
    """``value`` with exactly ``n`` significant digits, truncated (not rounded)."""
    if n <= 0:
        return ""
    sign, digits, exp = _decimal(value, n)
    # mantissa d.ddd x 10^exp
    if 0 <= exp < n - 1:
        return f"{sign}{digits[:exp + 1]}.{digits[exp + 1:]}"
    if 0 <= exp:
        return f"{sign}{digits}{'0' * (exp + 1 - n)}" if exp + 1 >= n else f"{sign}{digits}"
    return f"{sign}0.{'0' * (-exp - 1)}{digits}"


def _refine_once(mp_problem, test_function, x0, d_lo, d_hi, dps):
    """One run at ``dps`` digits: (status, message, d, x, f(d), iterations)."""
    with mpmath.workdps(dps):
        state = {"x": x0, "n": 0}

        def f_at(d):
            x, res, _ = solve_at(mp_problem, state["x"], d, dps)
            state["n"] += 1
            if not res <= mpmath.mpf(10) ** (-dps + 8):
                raise ArithmeticError(f"Newton at d = {mpmath.nstr(d, 15)} left |G| = {mpmath.nstr(res, 3)}")
            state["x"] = x
            return test_function(x, d)

        lo, hi = mpmath.mpf(d_lo), mpmath.mpf(d_hi)
        try:
            f_lo, f_hi = f_at(lo), f_at(hi)
        except (ArithmeticError, ZeroDivisionError) as err:
            return "newton failed", str(err), None, None, None, state["n"]
        if mpmath.sign(f_lo) == mpmath.sign(f_hi):
            return ("not bracketed", f"the test function has one sign on [{d_lo}, {d_hi}]",
                    None, None, None, state["n"])
        try:
            d, fd, _, ok = illinois(f_at, lo, hi, f_lo, f_hi, mpmath.mpf(10) ** (-dps + 3))
        except (ArithmeticError, ZeroDivisionError) as err:
            return "newton failed", str(err), None, None, None, state["n"]
        status = "converged" if ok else "not converged"
        return status, "", d, state["x"], fd, state["n"]


def refine_zero(mp_problem, test_function, x0, d_lo, d_hi, digits):
    """``d*`` in ``[d_lo, d_hi]`` where ``test_function(x(d), d)`` vanishes, to ``digits`` verified
    digits (see the module docstring). ``x0``: a float start for ``x`` near the bracket."""
    if not (isinstance(digits, int) and 1 <= digits <= 1000):
        raise ValueError(f"digits must be an integer between 1 and 1000, got {digits!r}")
    if not d_lo < d_hi:
        raise ValueError(f"need d_lo < d_hi, got [{d_lo}, {d_hi}]")
    dps1, dps2 = digits + 10, 2 * digits + 10
    x0 = [float(v) for v in x0]
    s1, m1, d1, x1, _, n1 = _refine_once(mp_problem, test_function, x0, d_lo, d_hi, dps1)
    if s1 != "converged":
        return _failed(s1, m1, n1, dps1)
    s2, m2, d2, x2, f2, n2 = _refine_once(mp_problem, test_function, list(x1), d_lo, d_hi, dps2)
    if s2 != "converged":
        return _failed(s2, m2, n1 + n2, dps2)
    with mpmath.workdps(dps2):
        verified = agreeing_digits(d1, d2, digits)
        residual = _norm(mp_problem.residual(x2, d2))
        h = mpmath.mpf(10) ** (-(digits // 2) - 5)
        xs = {}
        for sgn in (-1, 1):
            xs[sgn], _, _ = solve_at(mp_problem, x2, d2 + sgn * h, dps2)
        slope = (test_function(xs[1], d2 + h) - test_function(xs[-1], d2 - h)) / (2 * h)
        status = "converged" if verified >= min(digits, 15) else "precision disagreement"
        return RefinedPoint(
            kind="stability", status=status,
            message=f"{verified} digits agree between {dps1} and {dps2} working digits",
            d_star=format_digits(d2, verified), digits_verified=verified, d=d2, x=list(x2),
            x_float=[float(v) for v in x2], residual_norm=float(residual), test_value=float(abs(f2)),
            slope=float(slope), transversal=bool(abs(slope) > TRANSVERSAL_SLOPE),
            iterations=n1 + n2 + 2, dps_used=dps2)


def _failed(status, message, iterations, dps, kind="stability"):
    return RefinedPoint(kind=kind, status=status, message=message, d_star="", digits_verified=0,
                        d=None, x=[], x_float=[], residual_norm=float("nan"), test_value=float("nan"),
                        slope=float("nan"), transversal=False, iterations=iterations, dps_used=dps)


# ------------------------------------------------------------------ folds
def _fold_once(mp_problem, x0, d0, dps, max_iter=80):
    """Newton on {G = 0, G_x v = 0, l.v = 1} with a difference-quotient second-derivative block."""
    with mpmath.workdps(dps + 10):
        m = len(x0)
        x = mpmath.matrix([mpmath.mpf(v) for v in x0])
        d = mpmath.mpf(d0)
        J, _ = mp_problem.jacobian(x, d)
        # initial null vector: inverse iteration on J
        v = mpmath.matrix([1] * m)
        for _ in range(3):
            try:
                v = mpmath.lu_solve(J + mpmath.eye(m) * mpmath.mpf(10) ** (-dps // 2), v)
            except ZeroDivisionError:
                break
            v = v / _norm(v)
        l = v.copy()
        v = v / (l.T * v)[0]
        h = mpmath.mpf(10) ** (-(dps // 3))
        for it in range(1, max_iter + 1):
            G = mp_problem.residual(x, d)
            J, Gd = mp_problem.jacobian(x, d)
            Jv = J * v
            F = mpmath.matrix(2 * m + 1, 1)
            for i in range(m):
                F[i] = G[i]
                F[m + i] = Jv[i]
            F[2 * m] = (l.T * v)[0] - 1
            A = mpmath.zeros(2 * m + 1, 2 * m + 1)
            for i in range(m):
                for j in range(m):
                    A[i, j] = J[i, j]
                    A[m + i, m + 1 + j] = J[i, j]
                A[i, m] = Gd[i]
            for j in range(m + 1):
                e = mpmath.matrix(m, 1)
                if j < m:
                    e[j] = h
                    Jp, _ = mp_problem.jacobian(x + e, d)
                    Jm, _ = mp_problem.jacobian(x - e, d)
                else:
                    Jp, _ = mp_problem.jacobian(x, d + h)
                    Jm, _ = mp_problem.jacobian(x, d - h)
                col = (Jp - Jm) * v / (2 * h)
                for i in range(m):
                    A[m + i, j] = col[i]
            for j in range(m):
                A[2 * m, m + 1 + j] = l[j]
            step = mpmath.lu_solve(A, -F)
            x = x + mpmath.matrix([step[i] for i in range(m)])
            d = d + step[m]
            v = v + mpmath.matrix([step[m + 1 + i] for i in range(m)])
            if _norm(step) <= mpmath.mpf(10) ** (-dps - 2) * (1 + abs(d)):
                return x, d, v, it, True
        return x, d, v, max_iter, False


def refine_fold(mp_problem, x0, d0, digits):
    """A fold ``(x*, d*)`` (``G = 0`` with ``G_x`` singular) to ``digits`` verified digits."""
    if not (isinstance(digits, int) and 1 <= digits <= 1000):
        raise ValueError(f"digits must be an integer between 1 and 1000, got {digits!r}")
    dps1, dps2 = digits + 10, 2 * digits + 10
    x1, d1, _, n1, ok1 = _fold_once(mp_problem, x0, d0, dps1)
    if not ok1:
        return _failed("newton failed", "the extended fold system did not converge", n1, dps1, kind="fold")
    x2, d2, v2, n2, ok2 = _fold_once(mp_problem, [float(v) for v in x1], float(d1), dps2)
    with mpmath.workdps(dps2):
        verified = agreeing_digits(d1, d2, digits) if ok2 else 0
        residual = _norm(mp_problem.residual(x2, d2))
        J, _ = mp_problem.jacobian(x2, d2)
        null_res = _norm(J * v2) / _norm(v2)
        status = "converged" if ok2 and verified >= min(digits, 15) else "precision disagreement"
        return RefinedPoint("fold", status, f"{verified} digits agree between {dps1} and {dps2} working digits",
                            format_digits(d2, verified), verified, d2, list(x2), [float(v) for v in x2],
                            float(residual), float(null_res), float("nan"), True, n1 + n2, dps2)
