"""Truncated Taylor series ("jets") as a number system: derivatives of the kernels' own code.

A jet of order ``N`` is ``x(e) = c_0 + c_1 e + ... + c_N e^N  (mod e^{N+1})`` with coefficients
in a base number system (float, ``mpf`` or arb balls). Arithmetic on jets is arithmetic of
truncated power series, so running the loss kernels (:mod:`kernels.gram`,
:mod:`kernels.blockkernel`) on jets ``x + e u`` (and ``d + e delta``) returns the Taylor
coefficients of every output along the line: ``c_1`` of the Hessian is the directional
derivative of the Hessian (third derivatives of the loss), ``c_k`` its ``k``-th Taylor
coefficient. No formula is written twice: :class:`JetContext` rebinds the same code objects
as :mod:`kernels.backend` does for mpmath and arb, with these operations on series
(``a``, ``b`` the operands' coefficients, ``q``/``r`` the result's)::

    (a b)_k   = sum_{j<=k} a_j b_{k-j}                                             (J1)
    (a / b)_k = (a_k - sum_{j<k} q_j b_{k-j}) / b_0                                  (J2)
    sqrt(a)_0 = sqrt(a_0),  r_k = (a_k - sum_{0<j<k} r_j r_{k-j}) / (2 r_0)           (J3)
    atan2(y, x) = atan2(y_0, x_0) + integral of (x y' - y x') / (x^2 + y^2)          (J4)

(J4) because ``d atan2(y, x) = (x dy - y dx) / (x^2 + y^2)``. Over arb balls every coefficient
is an enclosure (ball arithmetic is inclusion-monotone and (J1)-(J4) are exact identities of
the series); a constant term that is a ball over a box gives coefficients enclosed over that
box. The three decisions of :mod:`kernels.gram` are taken on the constant term, and where the
kernel is not smooth -- a pair of distinct rows that is (or cannot be proved not to be)
parallel, ``s = 0``, where ``F`` is only ``C^2`` -- a jet of order ``>= 1`` raises
:class:`PrecisionError` instead of returning a derivative that does not exist. A row with
itself (``same``) is smooth (``F(w, w) = |w|^2 / 2``) and handled exactly.
"""
from __future__ import annotations

import numbers
from functools import lru_cache

import numpy as np

from . import api, blockkernel, fullspace, gram
from .backend import PrecisionError, _rebind, object_zeros

__all__ = ["Jet", "JetContext", "determinant"]


class Jet:
    """A truncated Taylor series ``sum_k c[k] e^k`` (``k <= order``) with coefficients of any
    number system. Comparisons compare constant terms (the kernels' decisions); a scalar is a
    constant series."""

    __slots__ = ("c",)

    def __init__(self, coefficients):
        self.c = tuple(coefficients)

    @property
    def order(self):
        return len(self.c) - 1

    def __repr__(self):
        return f"Jet({list(self.c)!r})"

    # ------------------------------------------------------------------ helpers
    def _lift(self, other):
        if isinstance(other, Jet):
            if len(other.c) != len(self.c):
                raise ValueError(f"jets of different orders: {self.order} and {other.order}")
            return other.c
        return (other,) + (0,) * (len(self.c) - 1)

    # --------------------------------------------------------------- arithmetic
    def __add__(self, other):
        b = self._lift(other)
        return Jet(x + y for x, y in zip(self.c, b))

    __radd__ = __add__

    def __sub__(self, other):
        b = self._lift(other)
        return Jet(x - y for x, y in zip(self.c, b))

    def __rsub__(self, other):
        b = self._lift(other)
        return Jet(y - x for x, y in zip(self.c, b))

    def __neg__(self):
        return Jet(-x for x in self.c)

    def __pos__(self):
        return self

    def __mul__(self, other):
        if not isinstance(other, Jet):
            return Jet(x * other for x in self.c)
        return Jet(_product(self.c, other.c))

    __rmul__ = __mul__

    def __truediv__(self, other):
        if not isinstance(other, Jet):
            return Jet(x / other for x in self.c)
        return Jet(_quotient(self.c, other.c))

    def __rtruediv__(self, other):
        return Jet(_quotient(self._lift(other), self.c))

    def __pow__(self, k):
        if not isinstance(k, numbers.Integral) or k < 0:
            return NotImplemented
        out = Jet((1,) + (0,) * self.order)
        for _ in range(int(k)):
            out = out * self
        return out

    def __abs__(self):
        if self.c[0] > 0:
            return self
        if self.c[0] < 0:
            return -self
        raise PrecisionError("|x| is not differentiable where x may be 0")

    # ------------------------------------------------------------- comparisons
    def _const(self, other):
        return other.c[0] if isinstance(other, Jet) else other

    def __lt__(self, other):
        return self.c[0] < self._const(other)

    def __le__(self, other):
        return self.c[0] <= self._const(other)

    def __gt__(self, other):
        return self.c[0] > self._const(other)

    def __ge__(self, other):
        return self.c[0] >= self._const(other)

    def is_constant_zero(self):
        """Whether every coefficient is exactly zero (an arb ball ``0 +- 0``, a float ``0.0``)."""
        return all(_exactly_zero(x) for x in self.c)


def determinant(A, one):
    """``det A``. Up to 4 x 4 by cofactor expansion along the first row (only sums and
    products: exact on jets, no pivot, fine for a nearly singular matrix of balls); larger by
    Gaussian elimination with partial pivoting on the magnitude of the constant terms' midpoints
    (``det = +- prod of the pivots``; the last pivot, the one that may be near 0, is never
    divided by; a pivot ball containing 0 gives a non-finite result, caught by the caller).
    ``one``: the unit of the entries' number system; a ``0 x 0`` matrix has determinant
    ``one``, a 1 x 1 block may be given as its entry."""
    if not isinstance(A, np.ndarray):
        return A
    n = A.shape[0]
    if n == 0:
        return one
    if n == 1:
        return A[0, 0]
    if n > 4:
        return _eliminate(A, one)
    total = None
    for j in range(n):
        minor = np.delete(np.delete(A, 0, axis=0), j, axis=1)
        term = A[0, j] * determinant(minor, one)
        total = term if total is None else (total + term if j % 2 == 0 else total - term)
    return total


def _magnitude(x):
    c = x.c[0] if isinstance(x, Jet) else x
    mid = getattr(c, "mid", None)
    return abs(float(mid() if mid is not None else c))


def _eliminate(A, one):
    M = [list(row) for row in A]
    n = len(M)
    det = one
    for col in range(n):
        p = max(range(col, n), key=lambda i: _magnitude(M[i][col]))
        if p != col:
            M[col], M[p] = M[p], M[col]
            det = -det
        det = det * M[col][col]
        if col == n - 1:
            break
        inv = one / M[col][col]
        for i in range(col + 1, n):
            f = M[i][col] * inv
            for j in range(col + 1, n):
                M[i][j] = M[i][j] - f * M[col][j]
    return det


def _exactly_zero(x):
    is_zero = getattr(x, "is_zero", None)
    return bool(is_zero()) if is_zero is not None else x == 0


def _product(a, b):
    """(J1)."""
    n = len(a)
    return [sum((a[j] * b[k - j] for j in range(1, k + 1)), a[0] * b[k]) for k in range(n)]


def _quotient(a, b):
    """(J2)."""
    q = []
    for k in range(len(a)):
        acc = a[k]
        for j in range(k):
            acc = acc - q[j] * b[k - j]
        q.append(acc / b[0])
    return q


def _derivative(a):
    """Coefficients of ``d/de`` of the series (one order less)."""
    return [k * a[k] for k in range(1, len(a))]


class JetContext:
    """Jets of order ``order`` over the number context ``base`` (:data:`kernels.contexts.ARB`,
    ``MPMATH`` or ``FLOAT64``): the subset of the :class:`~kernels.contexts.NumberContext`
    interface used by the isotypic blocks (:mod:`cases.monitors`) and by
    :meth:`block_derivatives`, so that ``monitor.block(JetContext(ARB, 1), x + e u, d)`` is the
    block and its derivative along ``u``. Precision is the base context's (``precision``)."""

    def __init__(self, base, order=1):
        if isinstance(order, bool) or not isinstance(order, numbers.Integral) or order < 0:
            raise ValueError(f"order must be a non-negative integer, got {order!r}")
        self.base = base
        self.order = int(order)
        self.name = f"jet{self.order}[{base.name}]"

    def __repr__(self):
        return f"<JetContext order {self.order} over {self.base.name}>"

    # ------------------------------------------------------------------ numbers
    def precision(self, dps):
        return self.base.precision(dps)

    def jet(self, coefficients):
        """The jet with the given leading coefficients (converted; missing ones are 0)."""
        c = [self.base.convert(v) for v in coefficients]
        if len(c) > self.order + 1:
            raise ValueError(f"{len(c)} coefficients for a jet of order {self.order}")
        zero = self.base.convert(0)
        return Jet(c + [zero] * (self.order + 1 - len(c)))

    def convert(self, value):
        if isinstance(value, Jet):
            if value.order != self.order:
                raise ValueError(f"a jet of order {value.order} in a context of order {self.order}")
            return value
        return self.jet([value])

    def zeros(self, shape):
        return object_zeros(shape, self.convert(0))

    def array(self, values):
        values = np.asarray(values, dtype=object)
        out = self.zeros(values.shape)
        for idx in np.ndindex(values.shape):
            out[idx] = self.convert(values[idx])
        return out

    def to_float(self, x):
        return self.base.to_float(self.convert(x).c[0])

    def sqrt(self, x):
        """(J3)."""
        a = self.convert(x).c
        r0 = self.base.sqrt(a[0])
        r = [r0]
        for k in range(1, len(a)):
            acc = a[k]
            for j in range(1, k):
                acc = acc - r[j] * r[k - j]
            r.append(acc / (2 * r0))
        return Jet(r)

    def atan2(self, y, x):
        """(J4)."""
        y, x = self.convert(y), self.convert(x)
        value = self.base.atan2(y.c[0], x.c[0])
        if self.order == 0:
            return Jet([value])
        num = _product(x.c[:-1], _derivative(y.c))
        sub = _product(y.c[:-1], _derivative(x.c))
        num = [p - q for p, q in zip(num, sub)]
        den = [p + q for p, q in zip(_product(x.c[:-1], x.c[:-1]), _product(y.c[:-1], y.c[:-1]))]
        q = _quotient(num, den)
        return Jet([value] + [q[k - 1] / k for k in range(1, self.order + 1)])

    def pi(self):
        return self.convert(self.base.pi())

    def sign(self, x):
        return self.base.sign(self.convert(x).c[0])

    # ------------------------------------------------------------ linear algebra
    def solve(self, A, b):
        """``A^-1 b`` by Gaussian elimination, pivots chosen by the constant terms' magnitudes
        (any pivot order is exact; a pivot whose constant term may be 0 gives a non-finite
        result, caught by :meth:`finite`)."""
        A = np.array(A, dtype=object)
        b = np.array(b, dtype=object)
        n = A.shape[0]
        M = np.empty((n, n + 1), dtype=object)
        for i in range(n):
            for j in range(n):
                M[i, j] = self.convert(A[i, j])
            M[i, n] = self.convert(b[i])
        for col in range(n):
            p = max(range(col, n), key=lambda i: abs(self.to_float(M[i, col])))
            if p != col:
                M[[col, p]] = M[[p, col]]
            for i in range(col + 1, n):
                f = M[i, col] / M[col, col]
                for j in range(col, n + 1):
                    M[i, j] = M[i, j] - f * M[col, j]
        x = [None] * n
        for i in reversed(range(n)):
            acc = M[i, n]
            for j in range(i + 1, n):
                acc = acc - M[i, j] * x[j]
            x[i] = acc / M[i, i]
        return np.array(x, dtype=object)

    def cholesky(self, A):
        """Lower ``L`` with ``A = L L^T`` (textbook recurrence; the pivots' constant terms must be
        positive: on arb balls, certainly)."""
        A = np.asarray(A, dtype=object)
        n = A.shape[0]
        L = self.zeros((n, n))
        for j in range(n):
            p = self.convert(A[j, j])
            for k in range(j):
                p = p - L[j, k] * L[j, k]
            if not p.c[0] > 0:
                raise PrecisionError(f"cannot prove positive definiteness: pivot {j} may be <= 0")
            L[j, j] = self.sqrt(p)
            for i in range(j + 1, n):
                v = self.convert(A[i, j])
                for k in range(j):
                    v = v - L[i, k] * L[j, k]
                L[i, j] = v / L[j, j]
        return L

    def finite(self, *values):
        """:class:`PrecisionError` unless every coefficient of every entry is finite (arb: a
        division by a ball containing 0 gives an infinite ball)."""
        for v in values:
            for e in np.ravel(np.asarray(v, dtype=object)):
                for x in self.convert(e).c:
                    ok = getattr(x, "is_finite", None)
                    if ok is not None and not ok():
                        raise PrecisionError("a jet coefficient is not finite at this precision")

    # ------------------------------------------------------------------ kernels
    def block_derivatives(self, st, x, d, order=2):
        """:func:`kernels.api.block_derivatives` on jets: every output's Taylor coefficients
        along the jets ``x`` (``d``)."""
        api._check_x(st, x)
        order = api._check_order(order)
        xm = np.array([self.convert(v) for v in x], dtype=object)
        n = api._real_size(st, self.convert(d))
        kernels = _namespace(self)
        loss, grad, hess, grad_n = api._run(st, xm, n, order, self.convert(0), self.zeros, kernels.block_eval)
        c = st.compiled().weights
        weights = np.array([c[i, 0] + n * (c[i, 1] + n * c[i, 2]) for i in range(st.size)], dtype=object)
        self.finite(loss, grad, hess, grad_n, weights)
        return api.BlockDerivatives(loss, grad, hess, grad_n, weights)


def _helpers(ctx):
    """The three decisions of :mod:`kernels.gram` on jets (module docstring)."""
    zero = ctx.convert(0)
    smooth_only = ctx.order >= 1

    def _root(q, same):
        if same:
            return zero
        if q.c[0] > 0:
            return ctx.sqrt(q)
        if not smooth_only and (q.c[0] < 0 or _exactly_zero(q.c[0])):
            return zero
        raise PrecisionError("the derivatives of the kernel do not exist at a parallel pair of rows (s = 0), "
                             "or the pair cannot be proved non-parallel at this precision")

    def _angle(s, C):
        if s.c[0] > 0:
            return ctx.atan2(s, C)
        if s.is_constant_zero():
            if C.c[0] > 0:
                return zero
            if C.c[0] < 0:
                return ctx.pi()
        raise PrecisionError("the angle between two rows is not smooth here (s may be 0)")

    def _is_parallel(s, A, B, tol, same):
        if same or s.is_constant_zero():
            return True
        if s.c[0] > 0:
            return False
        raise PrecisionError("cannot decide whether a pair of rows is parallel at this precision")

    return {"_root": _root, "_angle": _angle, "_is_parallel": _is_parallel, "_zeros": ctx.zeros}


def _namespace(ctx):
    return _cached_namespace(ctx.base.name, _base_precision(ctx.base), ctx.order, ctx)


def _base_precision(base):
    if base.name == "arb":
        from flint import ctx as flint_ctx

        return flint_ctx.prec
    if base.name.startswith("mpmath"):
        import mpmath

        return mpmath.mp.prec
    return 53


@lru_cache(maxsize=32)
def _cached_namespace(base_name, prec, order, ctx):
    overrides = {"sqrt": ctx.sqrt, "atan2": ctx.atan2, "PI": ctx.pi()}
    overrides.update(_helpers(ctx))
    return _rebind([gram, fullspace, blockkernel], overrides)
