"""Truncated Laurent series in ``t`` as a number system: the kernels' own code expanded at ``d = infinity``.

With ``t = d^(-1/2)`` the real block size is ``n = t^-2 - q``, a Laurent polynomial, and a
family's parameters are power series in ``t``. Running the loss kernels (:mod:`kernels.gram`,
:mod:`kernels.blockkernel`) on such series gives the loss, gradient and Hessian as Laurent
series in ``t``; nothing is expanded by hand. A series is

    a(t) = sum_{k = v}^{K - 1} a_k t^k + O(t^K),

stored as its valuation ``v``, its coefficients and its absolute precision ``K`` (``K = v + len``);
an exact polynomial has ``K = order``, the context's cap. Precision is tracked, not assumed::

    (a + b): K = min(K_a, K_b)        (a b): v = v_a + v_b,  K = min(K_a + v_b, K_b + v_a)     (L1)
    1 / b:   v = -v_b,  K = K_b - 2 v_b   (the leading coefficient b_{v_b} must be nonzero)     (L2)
    sqrt(a): v = v_a / 2 (v_a even, a_{v_a} > 0),  K = K_a - v_a / 2                            (L3)
    atan2(y, x) = atan2(y_0, x_0) + integral of (x y' - y x') / (x^2 + y^2) dt                  (L4)

(L4) needs ``x^2 + y^2`` nonzero at ``t = 0``. The coefficients are gmpy2 ``mpfr`` numbers
(mpmath's own fast backend; about ten times faster than ``mpf`` arithmetic) at the precision
of :meth:`LaurentContext.working`, a local context like ``mpmath.workdps``; values go in and
out as mpmath numbers (:meth:`Laurent.coefficient`). A leading coefficient that is zero up to
rounding (an exact cancellation computed in floating point, e.g. ``AB - C^2`` for two rows that
become parallel as ``d -> infinity``) is dropped when it is below ``tol`` (the context's; by
default ``10^(-dps/2)`` at the working precision), which raises the valuation. Where the
valuation cannot be told -- every known coefficient below ``tol`` -- ``sqrt``, division and
``leading`` raise :class:`~kernels.backend.PrecisionError` (ask for more terms); a comparison
of two series equal to every known order says "equal" (the kernels compare rows that are
identical, e.g. in two blocks of the same size).
"""
from __future__ import annotations

import contextlib
import numbers
from functools import lru_cache

import gmpy2
import mpmath
import numpy as np

from . import api, blockkernel, fullspace, gram
from .backend import PrecisionError, _rebind, object_zeros

__all__ = ["Laurent", "LaurentContext"]

_ZERO = gmpy2.mpfr(0)
_ONE = gmpy2.mpfr(1)


def _mpfr(value):
    """``value`` (int, float, numpy scalar, decimal string, ``mpf``, ``mpfr``) as an ``mpfr``
    at the working precision (exact when it fits, as inside :meth:`LaurentContext.working`)."""
    if isinstance(value, type(_ZERO)):
        return value
    if isinstance(value, mpmath.mpf):
        sign, man, exp, _ = value._mpf_
        if not man:
            return gmpy2.mpfr(float(value))  # 0, inf, nan
        man, exp = int(man), int(exp)
        out = gmpy2.mpfr(man, max(man.bit_length(), 2))  # exact
        # times 2^exp, rounded to the working precision (gmpy2 2.1 takes no negative mul_2exp)
        out = gmpy2.mul_2exp(out, exp) if exp >= 0 else gmpy2.div_2exp(out, -exp)
        return -out if sign else out
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"expected a real number, got {value!r}")
    if isinstance(value, (np.floating, float)):
        return gmpy2.mpfr(float(value), 53)
    if isinstance(value, (np.integer, numbers.Integral)):
        return gmpy2.mpfr(int(value), max(int(value).bit_length(), 2))
    return gmpy2.mpfr(value)


def _mpf(x):
    """An ``mpfr`` as an ``mpf`` (exact)."""
    if not gmpy2.is_finite(x):
        return mpmath.mpf(float(x))
    if x == 0:
        return mpmath.mpf(0)
    man, exp = x.as_mantissa_exp()
    return mpmath.mpf((int(man), int(exp)))


class Laurent:
    """``sum_k c[k - v] t^k + O(t^K)`` over mpmath numbers (see the module docstring)."""

    __slots__ = ("v", "c", "ctx")

    def __init__(self, v, coefficients, ctx):
        self.v = int(v)
        self.c = list(coefficients)
        self.ctx = ctx

    @property
    def K(self):
        """The absolute precision: the series is known modulo ``t^K``."""
        return self.v + len(self.c)

    def __repr__(self):
        terms = " + ".join(f"{float(a):.8g} t^{self.v + k}" for k, a in enumerate(self.c[:4]))
        return f"Laurent({terms}{' + ...' if len(self.c) > 4 else ''} + O(t^{self.K}))"

    def coefficient(self, k):
        """The coefficient of ``t^k`` (0 below the valuation; ``PrecisionError`` at or above ``K``)."""
        if k >= self.K:
            raise PrecisionError(f"the coefficient of t^{k} is not known (series known modulo t^{self.K})")
        return _mpf(self.c[k - self.v]) if k >= self.v else mpmath.mpf(0)

    # ------------------------------------------------------------------ helpers
    def _lift(self, other):
        if isinstance(other, Laurent):
            return other
        return self.ctx.constant(other)

    def normalized(self):
        """The series with leading coefficients below ``tol`` dropped (valuation raised)."""
        tol = self.ctx.tol
        k = 0
        while k < len(self.c) and abs(self.c[k]) <= tol:
            k += 1
        return self if k == 0 else Laurent(self.v + k, self.c[k:], self.ctx)

    def is_exactly_zero(self):
        """Every known coefficient is exactly 0 (not merely below ``tol``): e.g. ``AB - C^2`` for
        two rows that are parallel for every ``t``, computed without rounding."""
        return all(a == 0 for a in self.c)

    def leading(self):
        """The leading coefficient (nonzero beyond ``tol``); ``PrecisionError`` if none is known."""
        a = self.normalized()
        if not a.c:
            raise PrecisionError(f"a series is zero to all {self.K} known orders; its sign and valuation are unknown")
        return _mpf(a.c[0])

    # --------------------------------------------------------------- arithmetic
    def __add__(self, other):
        b = self._lift(other)
        v, K = min(self.v, b.v), min(self.K, b.K)
        out = [_ZERO] * max(K - v, 0)
        for s in (self, b):
            for k in range(max(s.v, v), min(s.K, K)):
                out[k - v] += s.c[k - s.v]
        return Laurent(v, out, self.ctx)

    __radd__ = __add__

    def __neg__(self):
        return Laurent(self.v, [-a for a in self.c], self.ctx)

    def __pos__(self):
        return self

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) + (-self)

    def __mul__(self, other):
        if not isinstance(other, Laurent):
            o = _mpfr(other)
            if o == 0:
                return self.ctx.constant(0)
            return Laurent(self.v, [a * o for a in self.c], self.ctx)
        a, b = self.normalized(), other.normalized()
        v = a.v + b.v
        K = min(a.K + b.v, b.K + a.v, self.ctx.order)
        n = max(K - v, 0)
        out = [_ZERO] * n
        for i, x in enumerate(a.c[:n]):
            if x == 0:
                continue
            for j, y in enumerate(b.c[:n - i]):
                out[i + j] += x * y
        return Laurent(v, out, self.ctx)

    __rmul__ = __mul__

    def reciprocal(self):
        """(L2)."""
        b = self.normalized()
        if not b.c:
            raise PrecisionError("division by a series that is zero to all known orders")
        n = min(len(b.c), self.ctx.order + b.v)  # relative precision, capped
        q = []
        for k in range(max(n, 0)):
            acc = _ONE if k == 0 else _ZERO
            for j in range(1, k + 1):
                acc -= q[k - j] * b.c[j]
            q.append(acc / b.c[0])
        return Laurent(-b.v, q, self.ctx)

    def __truediv__(self, other):
        if not isinstance(other, Laurent):
            o = _mpfr(other)
            if o == 0:
                raise ZeroDivisionError("division of a series by 0")
            return Laurent(self.v, [a / o for a in self.c], self.ctx)
        return self * other.reciprocal()

    def __rtruediv__(self, other):
        return self._lift(other) * self.reciprocal()

    def __pow__(self, k):
        if not isinstance(k, numbers.Integral) or k < 0:
            return NotImplemented
        out = self.ctx.constant(1)
        for _ in range(int(k)):
            out = out * self
        return out

    def __abs__(self):
        return self if self.leading() > 0 else -self

    def coefficients(self):
        """The known coefficients as mpmath numbers, from the valuation."""
        return [_mpf(a) for a in self.c]

    def derivative(self):
        return Laurent(self.v - 1, [(self.v + k) * a for k, a in enumerate(self.c)], self.ctx)

    # ------------------------------------------------------------- comparisons
    def _sign_of_difference(self, other):
        """The sign of the leading coefficient of ``self - other``; 0 when it vanishes to every
        known order (equal as far as the series are known)."""
        diff = (self - self._lift(other)).normalized()
        return ((diff.c[0] > 0) - (diff.c[0] < 0)) if diff.c else 0

    def __lt__(self, other):
        return self._sign_of_difference(other) < 0

    def __le__(self, other):
        return self._sign_of_difference(other) <= 0

    def __gt__(self, other):
        return self._sign_of_difference(other) > 0

    def __ge__(self, other):
        return self._sign_of_difference(other) >= 0


class LaurentContext:
    """Laurent series in ``t`` to order ``order`` (coefficients of ``t^k``, ``k < order``) with
    coefficients of ``dps`` digits (default: mpmath's working precision when created); ``tol``
    the threshold of a zero coefficient (default ``10^(-dps/2)``). The subset of the
    number-context interface used by the kernels and the isotypic blocks
    (:mod:`cases.monitors`). Arithmetic must run inside ``with ctx.working():``."""

    name = "laurent"

    def __init__(self, order, dps=None, tol=None):
        if isinstance(order, bool) or not isinstance(order, numbers.Integral) or order < 1:
            raise ValueError(f"order must be a positive integer, got {order!r}")
        self.order = int(order)
        self.dps = int(mpmath.mp.dps if dps is None else dps)
        self.prec = int(self.dps * 3.33) + 8
        with self.working():
            self.tol = gmpy2.mpfr(10) ** (-(self.dps // 2)) if tol is None else _mpfr(tol)

    @contextlib.contextmanager
    def working(self):
        """The coefficients' precision, local (the previous gmpy2 context is restored)."""
        old = gmpy2.get_context()
        new = old.copy()
        new.precision = self.prec
        gmpy2.set_context(new)
        try:
            yield self
        finally:
            gmpy2.set_context(old)

    def __repr__(self):
        return f"<LaurentContext order {self.order}>"

    def constant(self, value):
        """An exact constant (known to the context's order)."""
        if isinstance(value, Laurent):
            return value
        return Laurent(0, [+_mpfr(value)] + [_ZERO] * (self.order - 1), self)

    def series(self, coefficients, v=0, K=None):
        """``sum_k coefficients[k] t^(v + k)``, known modulo ``t^K`` (default: exact to the order)."""
        c = [+_mpfr(a) for a in coefficients]
        K = self.order if K is None else min(int(K), self.order)
        c = (c + [_ZERO] * max(K - v - len(c), 0))[:max(K - v, 0)]
        return Laurent(v, c, self)

    def t(self):
        return self.series([1], v=1)

    def dimension(self, q=0):
        """``d = t^-2`` (``q = 0``) or the real block size ``n = t^-2 - q``."""
        return self.series([1, 0, -q], v=-2)

    convert = constant

    def zeros(self, shape):
        return object_zeros(shape, self.constant(0))

    def to_float(self, x):
        x = self.constant(x).normalized()
        return float(x.c[0]) if x.c else 0.0

    def value(self, x, t):
        """The sum of the known terms of ``x`` at the number ``t`` (mpmath)."""
        x = self.constant(x)
        return sum((c * t ** (x.v + k) for k, c in enumerate(x.coefficients())), mpmath.mpf(0))

    def sqrt(self, x):
        """(L3)."""
        a = self.constant(x).normalized()
        if not a.c:
            raise PrecisionError("the square root of a series that is zero to all known orders")
        if a.v % 2:
            raise PrecisionError(f"the square root of a series of odd valuation {a.v} is not a Laurent series in t")
        if not a.c[0] > 0:
            raise PrecisionError("the square root of a series with a negative leading coefficient")
        r0 = gmpy2.sqrt(a.c[0])
        n = len(a.c)
        r = [r0]
        for k in range(1, n):
            acc = a.c[k]
            for j in range(1, k):
                acc -= r[j] * r[k - j]
            r.append(acc / (2 * r0))
        return Laurent(a.v // 2, r, self)

    def atan2(self, y, x):
        """(L4) for ``y >= 0``."""
        y, x = self.constant(y), self.constant(x)
        if min(y.normalized().v, x.normalized().v) < 0:
            raise PrecisionError("atan2 of series with a pole at t = 0")
        y0 = y.c[-y.v] if y.v <= 0 < y.K else _ZERO
        x0 = x.c[-x.v] if x.v <= 0 < x.K else _ZERO
        if abs(y0) <= self.tol and abs(x0) <= self.tol:
            raise PrecisionError("atan2 at t = 0 of two series that both vanish there")
        value = gmpy2.atan2(y0, x0)
        integrand = (x * y.derivative() - y * x.derivative()) / (x * x + y * y)
        integrand = integrand.normalized()
        if integrand.v < 0 and integrand.c:
            raise PrecisionError("atan2: the angle is not a power series in t")
        K = min(integrand.K + 1, self.order)
        c = [value] + [integrand.c[k - 1 - integrand.v] / k if k - 1 >= integrand.v else _ZERO
                       for k in range(1, K)]
        return Laurent(0, c, self)

    def pi(self):
        return self.constant(gmpy2.const_pi())

    def sign(self, x):
        return int(mpmath.sign(self.constant(x).leading()))

    # ------------------------------------------------------------ linear algebra
    def solve(self, A, b):
        """``A^-1 b`` by Gaussian elimination; the pivot in each column is the entry of lowest
        valuation (then largest leading coefficient)."""
        A = np.array(A, dtype=object)
        n = A.shape[0]
        M = [[self.constant(A[i, j]).normalized() for j in range(n)] + [self.constant(b[i])] for i in range(n)]

        def key(e):
            e = e.normalized()
            return (e.v, -abs(e.c[0])) if e.c else (10 ** 9, 0)

        for col in range(n):
            p = min(range(col, n), key=lambda i: key(M[i][col]))
            M[col], M[p] = M[p], M[col]
            inv = M[col][col].reciprocal()
            for i in range(col + 1, n):
                f = M[i][col] * inv
                for j in range(col, n + 1):
                    M[i][j] = M[i][j] - f * M[col][j]
        x = [None] * n
        for i in reversed(range(n)):
            acc = M[i][n]
            for j in range(i + 1, n):
                acc = acc - M[i][j] * x[j]
            x[i] = acc * M[i][i].reciprocal()
        return np.array(x, dtype=object)

    def cholesky(self, A):
        A = np.asarray(A, dtype=object)
        n = A.shape[0]
        L = self.zeros((n, n))
        for j in range(n):
            p = self.constant(A[j, j])
            for k in range(j):
                p = p - L[j, k] * L[j, k]
            L[j, j] = self.sqrt(p)
            for i in range(j + 1, n):
                v = self.constant(A[i, j])
                for k in range(j):
                    v = v - L[i, k] * L[j, k]
                L[i, j] = v / L[j, j]
        return L

    # ------------------------------------------------------------------ kernels
    def block_derivatives(self, st, x, d, order=2):
        """:func:`kernels.api.block_derivatives` on Laurent series (``d`` a series, e.g.
        :meth:`dimension`)."""
        api._check_x(st, x)
        order = api._check_order(order)
        xm = np.array([self.constant(v) for v in x], dtype=object)
        n = api._real_size(st, self.constant(d))
        kernels = _namespace(self)
        loss, grad, hess, grad_n = api._run(st, xm, n, order, self.constant(0), self.zeros, kernels.block_eval)
        c = st.compiled().weights
        weights = np.array([c[i, 0] + n * (c[i, 1] + n * c[i, 2]) for i in range(st.size)], dtype=object)
        return api.BlockDerivatives(loss, grad, hess, grad_n, weights)


def _helpers(ctx):
    zero = ctx.constant(0)

    def _root(q, same):
        if same or q.is_exactly_zero():  # a row with itself, or an exactly parallel pair
            return zero
        return ctx.sqrt(q)

    def _angle(s, C):
        if s.is_exactly_zero():
            return zero if C > 0 else ctx.pi()
        return ctx.atan2(s, C)

    def _is_parallel(s, A, B, tol, same):
        if same or s.is_exactly_zero():  # the exact C^2 limit of kernels.gram
            return True
        s.leading()  # PrecisionError if s vanishes to every known order
        return False

    return {"_root": _root, "_angle": _angle, "_is_parallel": _is_parallel, "_zeros": ctx.zeros}


def _namespace(ctx):
    return _cached(ctx)


@lru_cache(maxsize=16)
def _cached(ctx):
    overrides = {"sqrt": ctx.sqrt, "atan2": ctx.atan2, "PI": ctx.pi()}
    overrides.update(_helpers(ctx))
    return _rebind([gram, fullspace, blockkernel], overrides)
