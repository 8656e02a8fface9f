"""Number contexts: one small interface over float64, mpmath and arb balls (python-flint).

The mathematics above the kernels (isotypic spectra, Newton, certification) is written once
against :class:`NumberContext` and runs in any of the three number systems:

* :data:`FLOAT64` -- numpy floats and the compiled Numba kernels (the fast path, unchanged);
* :data:`MPMATH` -- ``mpf`` at the working precision of :meth:`NumberContext.precision`
  (``mpmath.workdps``), the kernels' own code rebound to mpmath (:data:`kernels.backend.MP`);
* :data:`ARB` -- arb balls at ``flint.ctx.workdps``, the same code rebound to arb
  (:func:`kernels.backend.arb_kernels`). Every number is a ball that contains the exact
  value; where a decision cannot be made (a sign, a non-parallel pair, positive definiteness)
  :class:`PrecisionError` is raised instead of returning a ball that might not.

The contexts are stateless: the precision is the global working precision of the number
system, set locally by ``with ctx.precision(dps):`` and restored on exit (also on an
exception). Arrays are numpy arrays (``float64`` for FLOAT64, ``object`` otherwise).

>>> from spurious.kernels import ARB, MPMATH
>>> with ARB.precision(30):
...     x = ARB.sqrt(2)                      # a ball of radius ~1e-30
>>> with ARB.precision(60):
...     x.contains(ARB.convert("1.41421356237309504880168872420969807856967187537694807317668"))
True
>>> with MPMATH.precision(30):
...     MPMATH.sign(MPMATH.convert("-1e-40"))
-1
"""
from __future__ import annotations

import contextlib
import decimal
import fractions
import math
import numbers

import mpmath
import numpy as np

from . import api
from .backend import MP, PrecisionError, arb_kernels, mp_parallel_tol, object_zeros

__all__ = ["ARB", "FLOAT64", "MPMATH", "MPMATH_ARB", "NumberContext", "PrecisionError", "context"]


def _reject(value):
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"expected a real number, got the boolean {value!r}")
    if isinstance(value, (complex, np.complexfloating, mpmath.mpc)):
        raise TypeError(f"expected a real number, got the complex {value!r}")


def _flint():
    import flint

    return flint


class NumberContext:
    """A number system: conversion, elementary functions, small dense linear algebra and the
    loss kernels, all at the working precision set by :meth:`precision`.

    Attributes
    ----------
    name : str
        ``"float64"``, ``"mpmath"`` or ``"arb"``.
    """

    name = "base"

    def __repr__(self):
        return f"<NumberContext {self.name}>"

    # ---------------------------------------------------------------- numbers
    def precision(self, dps):
        """Context manager: local working precision of ``dps`` decimal digits (restored on exit)."""
        raise NotImplementedError

    def convert(self, value):
        """A real number (int, float, decimal string, Fraction, Decimal, mpf, arb, numpy scalar)
        as a number of this context at the current precision; exact when the value is exactly
        representable (arb: a decimal string becomes a ball containing it)."""
        raise NotImplementedError

    def zeros(self, shape):
        """A numpy array of zeros of this context (float64, or an object array)."""
        return object_zeros(shape, self.convert(0))

    def array(self, values):
        """``values`` (nested sequences) converted entrywise, as a numpy array."""
        values = np.asarray(values, dtype=object)
        out = self.zeros(values.shape)
        for idx in np.ndindex(values.shape):
            out[idx] = self.convert(values[idx])
        return out

    def to_float(self, x):
        """The nearest float (arb: of the midpoint)."""
        raise NotImplementedError

    def sqrt(self, x):
        raise NotImplementedError

    def atan2(self, y, x):
        raise NotImplementedError

    def pi(self):
        raise NotImplementedError

    def sign(self, x):
        """``-1``, ``0`` or ``+1`` (arb: :class:`PrecisionError` if the ball contains 0 but is not 0)."""
        raise NotImplementedError

    # ---------------------------------------------------------- linear algebra
    def solve(self, A, b):
        """The solution of ``A x = b`` (``A`` square, ``b`` a vector) as a numpy vector."""
        raise NotImplementedError

    def cholesky(self, A):
        """Lower ``L`` with ``A = L L^T`` for symmetric positive definite ``A`` (numpy array)."""
        raise NotImplementedError

    def eigvalsh(self, A):
        """Eigenvalues of the symmetric ``A``, ascending, as a list."""
        raise NotImplementedError

    # ---------------------------------------------------------------- kernels
    def block_derivatives(self, st, x, d, order=2, parallel_tol=None):
        """:func:`kernels.api.block_derivatives` in this context's numbers (``x``, ``d`` converted).
        ``parallel_tol``: a threshold for a point whose pairs are exactly parallel or well
        apart (:data:`kernels.api.SEPARATED_PARALLEL_TOL`); ``None`` the context's own. Ball
        contexts decide parallel pairs exactly and ignore it."""
        raise NotImplementedError

    def loss(self, W, a, V, b):
        """The full-space loss (L1) in this context's numbers."""
        raise NotImplementedError

    def gradient(self, W, a, V, b):
        """``(dL/dW, dL/da)`` in this context's numbers."""
        raise NotImplementedError

    def hessian(self, W, a, V, b, trainable=False):
        """The full-space Hessian in ``(W.ravel(), a)`` in this context's numbers."""
        raise NotImplementedError

    # ------------------------------------------------------------ shared code
    def _square(self, A):
        A = np.asarray(A, dtype=object)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"expected a square matrix, got shape {A.shape}")
        return A

    def _vector(self, v):
        v = np.asarray(v, dtype=object)
        if v.ndim != 1:
            raise ValueError(f"expected a vector, got shape {v.shape}")
        return v

    def _full_args(self, W, a, V, b):
        W, V = self.array(np.atleast_2d(np.asarray(W, dtype=object))), self.array(np.atleast_2d(np.asarray(V, dtype=object)))
        a, b = self.array(np.ravel(np.asarray(a, dtype=object))), self.array(np.ravel(np.asarray(b, dtype=object)))
        if W.shape[1] != V.shape[1] or a.shape != (W.shape[0],) or b.shape != (V.shape[0],):
            raise ValueError(f"inconsistent shapes: W {W.shape}, a {a.shape}, V {V.shape}, b {b.shape}")
        return W, a, V, b

    def _block(self, kernels, tol, st, x, d, order):
        api._check_x(st, x)
        order = api._check_order(order)
        xm = np.array([self.convert(v) for v in x], dtype=object)
        n = api._real_size(st, self.convert(d))
        loss, grad, hess, grad_n = api._run(st, xm, n, order, tol, self.zeros, kernels.block_eval)
        c = st.compiled().weights
        weights = np.array([c[i, 0] + n * (c[i, 1] + n * c[i, 2]) for i in range(st.size)], dtype=object)
        return api.BlockDerivatives(loss, grad, hess, grad_n, weights)


# --------------------------------------------------------------------- float64
class _Float64(NumberContext):
    """numpy float64; the compiled kernels through the validated entry points of :mod:`kernels.api`."""

    name = "float64"

    def precision(self, dps):
        return contextlib.nullcontext()

    def convert(self, value):
        _reject(value)
        if isinstance(value, str):
            return float(value)
        try:
            from flint import arb
        except ImportError:  # pragma: no cover
            arb = ()
        if isinstance(value, arb):
            return float(value.mid())
        return float(value)

    def zeros(self, shape):
        return np.zeros(shape)

    def array(self, values):
        return np.array([self.convert(v) for v in np.ravel(np.asarray(values, dtype=object))],
                        dtype=float).reshape(np.shape(values))

    def to_float(self, x):
        return self.convert(x)

    def sqrt(self, x):
        return math.sqrt(x)

    def atan2(self, y, x):
        return math.atan2(y, x)

    def pi(self):
        return math.pi

    def sign(self, x):
        return int(np.sign(x))

    def solve(self, A, b):
        return np.linalg.solve(np.asarray(A, dtype=float), np.asarray(b, dtype=float))

    def cholesky(self, A):
        return np.linalg.cholesky(np.asarray(A, dtype=float))

    def eigvalsh(self, A):
        return list(np.linalg.eigvalsh(np.asarray(A, dtype=float)))

    def block_derivatives(self, st, x, d, order=2, parallel_tol=None):
        if parallel_tol is None:
            return api.block_derivatives(st, x, d, order)
        return api.block_derivatives(st, x, d, order, parallel_tol)

    def loss(self, W, a, V, b):
        return api.loss(W, a, V, b)

    def gradient(self, W, a, V, b):
        return api.gradient(W, a, V, b)

    def hessian(self, W, a, V, b, trainable=False):
        return api.hessian(W, a, V, b, trainable)


# ---------------------------------------------------------------------- mpmath
class _Mpmath(NumberContext):
    """mpmath ``mpf`` at ``mpmath.mp.dps``; the kernels' code rebound to mpmath."""

    name = "mpmath"

    def precision(self, dps):
        return mpmath.workdps(int(dps))

    def convert(self, value):
        _reject(value)
        if isinstance(value, fractions.Fraction):
            return mpmath.mpf(value.numerator) / value.denominator
        if isinstance(value, decimal.Decimal):
            return mpmath.mpf(str(value))
        if isinstance(value, (np.integer, numbers.Integral)):
            return mpmath.mpf(int(value))
        if type(value).__name__ == "arb":
            man, exp = value.mid().man_exp()
            return mpmath.mpf((int(man), int(exp)))
        if type(value).__name__ in ("fmpz", "fmpq"):
            return self.convert(fractions.Fraction(str(value)))
        return mpmath.mpf(value)

    def to_float(self, x):
        return float(x)

    def sqrt(self, x):
        return mpmath.sqrt(self.convert(x))

    def atan2(self, y, x):
        return mpmath.atan2(self.convert(y), self.convert(x))

    def pi(self):
        return +mpmath.pi

    def sign(self, x):
        return int(mpmath.sign(x))

    def _matrix(self, A):
        return mpmath.matrix([[self.convert(v) for v in row] for row in A])

    def solve(self, A, b):
        A = self._square(A)
        x = mpmath.lu_solve(self._matrix(A), mpmath.matrix([self.convert(v) for v in self._vector(b)]))
        return np.array([x[i] for i in range(A.shape[0])], dtype=object)

    def cholesky(self, A):
        A = self._square(A)
        L = mpmath.cholesky(self._matrix(A))
        n = A.shape[0]
        return np.array([[L[i, j] for j in range(n)] for i in range(n)], dtype=object)

    def eigvalsh(self, A):
        A = self._square(A)
        E = mpmath.eigsy(self._matrix(A), eigvals_only=True)
        return sorted(E[i] for i in range(A.shape[0]))

    def block_derivatives(self, st, x, d, order=2, parallel_tol=None):
        tol = mp_parallel_tol() if parallel_tol is None else mpmath.mpf(parallel_tol)
        return self._block(MP, tol, st, x, d, order)

    def loss(self, W, a, V, b):
        return +MP._loss(*self._full_args(W, a, V, b))

    def gradient(self, W, a, V, b):
        return MP._gradient(*self._full_args(W, a, V, b), mp_parallel_tol())

    def hessian(self, W, a, V, b, trainable=False):
        return MP._hessian(*self._full_args(W, a, V, b), bool(trainable), mp_parallel_tol())


# ------------------------------------------------------------------------- arb
class _Arb(NumberContext):
    """arb balls (python-flint) at ``flint.ctx.prec``; every result contains the exact value.

    The kernels are the same code rebound to arb (:func:`kernels.backend.arb_kernels`), with
    the three decisions of :mod:`kernels.gram` made rigorous (see :mod:`kernels.backend`):
    a pair that cannot be proved non-parallel raises :class:`PrecisionError` unless it is a
    row with itself or exactly parallel. Results that are not finite balls (a division by a
    ball containing 0) also raise :class:`PrecisionError`.
    """

    name = "arb"

    def precision(self, dps):
        return _flint().ctx.workdps(int(dps))

    def convert(self, value):
        _reject(value)
        flint = _flint()
        arb = flint.arb
        if isinstance(value, arb):
            return value
        if isinstance(value, (np.integer, numbers.Integral)):
            return arb(int(value))
        if isinstance(value, (float, np.floating)):
            return arb(float(value))  # exact: a float is a dyadic rational
        if isinstance(value, str):
            return arb(value.strip())
        if isinstance(value, decimal.Decimal):
            return arb(str(value))
        if isinstance(value, fractions.Fraction):
            return arb(flint.fmpq(value.numerator, value.denominator))
        if isinstance(value, mpmath.mpf):
            if not mpmath.isfinite(value):
                return arb(float(value))
            sign, man, exp, _ = value._mpf_  # (mpf.man and mpf.man_exp drop the sign)
            return arb((-int(man) if sign else int(man), int(exp)))  # exact
        if isinstance(value, (flint.fmpz, flint.fmpq)):
            return arb(value)
        raise TypeError(f"cannot convert {type(value).__name__} {value!r} to an arb ball")

    def to_float(self, x):
        return float(self.convert(x).mid())

    def sqrt(self, x):
        return self.convert(x).sqrt()

    def atan2(self, y, x):
        return _flint().arb.atan2(self.convert(y), self.convert(x))

    def pi(self):
        return _flint().arb.pi()

    def sign(self, x):
        x = self.convert(x)
        if x > 0:
            return 1
        if x < 0:
            return -1
        if x.is_zero():
            return 0
        raise PrecisionError(f"cannot decide the sign of {x.str(5)}: the ball contains 0")

    def _arb_mat(self, A):
        return _flint().arb_mat([[self.convert(v) for v in row] for row in A])

    def solve(self, A, b):
        """The ball vector containing the solution for every matrix in the ball ``A`` (arb's
        ``arb_mat.solve``); :class:`PrecisionError` if ``A`` cannot be proved nonsingular."""
        A = self._square(A)
        b = self._vector(b)
        n = A.shape[0]
        B = _flint().arb_mat([[self.convert(v)] for v in b])
        try:
            X = self._arb_mat(A).solve(B)
        except ZeroDivisionError:
            raise PrecisionError("cannot prove the matrix nonsingular at this precision") from None
        return np.array([X[i, 0] for i in range(n)], dtype=object)

    def cholesky(self, A):
        """Cholesky by the textbook recurrence on balls (lower triangle of ``A`` read).

        Ball arithmetic is inclusion-monotone, so every computed pivot ``A_jj - sum_k L_jk^2``
        contains the pivot of the exact recurrence applied to any symmetric matrix in the
        ball. If every pivot ball is certainly positive, the exact recurrence cannot break
        down, which proves that matrix positive definite, and the balls of ``L`` contain its
        Cholesky factor. Otherwise :class:`PrecisionError`.
        """
        A = self._square(A)
        n = A.shape[0]
        L = self.zeros((n, n))
        for j in range(n):
            p = self.convert(A[j, j])
            for k in range(j):
                p -= L[j, k] * L[j, k]
            if not p > 0:
                raise PrecisionError(f"cannot prove positive definiteness: pivot {j} is {p.str(5)}")
            L[j, j] = p.sqrt()
            for i in range(j + 1, n):
                v = self.convert(A[i, j])
                for k in range(j):
                    v -= L[i, k] * L[j, k]
                L[i, j] = v / L[j, j]
        return L

    def eigvalsh(self, A):
        """Balls ``E_1 <= ... <= E_n`` (ordered by midpoint) with ``lambda_i(A) in E_i`` for the
        ascending eigenvalues of every symmetric matrix ``A`` in the ball matrix.

        Method (needs no separation of the eigenvalues, so multiple eigenvalues are fine):

        1. Approximate eigenpairs ``mu`` (ascending), ``Q`` of the midpoint matrix by
           ``mpmath.eigsy`` at the working precision plus 20 bits; ``Q`` is converted to
           exact balls, so the following is about that exact matrix ``Q``.
        2. In ball arithmetic, ``B = Q^T A Q``, ``F = B - diag(mu)``, ``E = Q^T Q - I``, and
           upper bounds ``f >= ||F||_F >= ||F||_2``, ``delta >= ||E||_F >= ||E||_2``.
        3. Weyl's inequality for the symmetric ``B = diag(mu) + F``:
           ``|lambda_i(B) - mu_i| <= ||F||_2 <= f``.
        4. Ostrowski's theorem (Horn & Johnson, Thm 4.5.9) for the congruence
           ``B = S A S^T`` with ``S = Q^T``: ``lambda_i(B) = theta_i lambda_i(A)`` with
           ``theta_i`` in ``[lambda_min(Q^T Q), lambda_max(Q^T Q)]``, which by Weyl again lies
           in ``[1 - delta, 1 + delta]``.

        Hence ``lambda_i(A)`` lies in the ball ``[mu_i +- f] / [1 +- delta]`` (requires
        ``delta < 1/2``, else :class:`PrecisionError`). The radius is about
        ``||A Q - Q diag(mu)|| + |mu| ||Q^T Q - I||``: the working precision times ``||A||``
        plus the radii of ``A``.
        """
        flint = _flint()
        arb, arb_mat = flint.arb, flint.arb_mat
        A = self._square(A)
        n = A.shape[0]
        if n == 0:
            return []
        Aa = self._arb_mat(A)
        if not all(Aa[i, j].is_finite() for i in range(n) for j in range(n)):
            raise PrecisionError("the matrix has non-finite entries")
        with mpmath.workprec(flint.ctx.prec + 20):
            M = mpmath.matrix(n, n)
            for i in range(n):
                for j in range(n):
                    mij = MPMATH.convert(Aa[i, j])
                    mji = MPMATH.convert(Aa[j, i])
                    M[i, j] = (mij + mji) / 2
            mu, Q = mpmath.eigsy(M)
            order = sorted(range(n), key=lambda i: mu[i])
            mu_a = [self.convert(mu[i]) for i in order]
            Qa = arb_mat([[self.convert(Q[r, i]) for i in order] for r in range(n)])
        Qt = Qa.transpose()
        B = Qt * Aa * Qa
        E = Qt * Qa

        def frobenius_upper(M, shift):
            total = arb(0)
            for i in range(n):
                for j in range(n):
                    e = M[i, j] - (shift[i] if i == j else 0)
                    u = e.abs_upper()
                    total += u * u
            return total.sqrt().upper()

        f = frobenius_upper(B, mu_a)
        delta = frobenius_upper(E, [1] * n)
        if not delta < 0.5:
            raise PrecisionError(f"the approximate eigenvectors are not orthonormal enough (delta = {delta.str(5)})")
        theta = (1 - delta).union(1 + delta)  # balls are intervals: the union holds the hull
        out = [(m - f).union(m + f) / theta for m in mu_a]
        if not all(e.is_finite() for e in out):
            raise PrecisionError("the eigenvalue enclosures are not finite")
        return out

    # ---------------------------------------------------------------- kernels
    def _finite(self, *values):
        for v in values:
            arr = np.ravel(np.asarray(v, dtype=object))
            if not all(e.is_finite() for e in arr):
                raise PrecisionError("a kernel result is not a finite ball at this precision (a division "
                                     "by a ball containing 0, e.g. a zero row); raise the precision")

    def block_derivatives(self, st, x, d, order=2, parallel_tol=None):
        bd = self._block(arb_kernels(), self.convert(0), st, x, d, order)
        self._finite(bd.loss, bd.grad, bd.hess, bd.grad_d, bd.weights)
        return bd

    def loss(self, W, a, V, b):
        value = arb_kernels()._loss(*self._full_args(W, a, V, b))
        self._finite(value)
        return value

    def gradient(self, W, a, V, b):
        gW, ga = arb_kernels()._gradient(*self._full_args(W, a, V, b), self.convert(0))
        self._finite(gW, ga)
        return gW, ga

    def hessian(self, W, a, V, b, trainable=False):
        H = arb_kernels()._hessian(*self._full_args(W, a, V, b), bool(trainable), self.convert(0))
        self._finite(H)
        return H


class _MpmathArbKernels(_Mpmath):
    """:data:`MPMATH` (``mpf`` in, ``mpf`` out, mpmath linear algebra), with the block kernels
    evaluated on arb balls: :meth:`block_derivatives` runs :data:`ARB`'s (the same code, one
    copy of every formula) at the working precision plus :data:`ARB_GUARD_BITS` bits and
    returns the midpoints rounded to the working precision. Every ball's radius is checked
    to be below ``2^-prec`` times the largest midpoint of its array (and 1), so each entry
    is at least as accurate as the mpmath kernels' result; where that fails, where arb
    cannot decide a parallel pair (:class:`PrecisionError`), or without python-flint, the
    mpmath kernels are used. Two to four times faster than :data:`MPMATH` (arb's elementary
    functions and arithmetic are compiled); the refinement (``cases.problem``) uses it.

    Unlike :data:`MPMATH`, a pair of rows closer to parallel than the mpmath threshold
    ``10^(-dps/2)`` but provably not parallel gets the exact formulas (G1)-(G2) rather than
    their limit (both agree to the working precision's tolerance; see :mod:`kernels.gram`).
    """

    name = "mpmath-arb"

    def block_derivatives(self, st, x, d, order=2, parallel_tol=None):
        try:
            flint = _flint()
        except ImportError:  # pragma: no cover - python-flint is a dependency
            return super().block_derivatives(st, x, d, order)
        prec = mpmath.mp.prec
        try:
            with flint.ctx.workprec(prec + ARB_GUARD_BITS):
                bd = ARB.block_derivatives(st, x, d, order)
        except PrecisionError:
            return super().block_derivatives(st, x, d, order)
        parts = (np.array([bd.loss], dtype=object), bd.grad, bd.hess, bd.grad_d, bd.weights)
        if not all(_accurate(part, prec) for part in parts):
            return super().block_derivatives(st, x, d, order)
        loss, grad, hess, grad_d, weights = (_midpoints(part) for part in parts)
        return api.BlockDerivatives(loss[0], grad, hess, grad_d, weights)


ARB_GUARD_BITS = 32
"""Bits above the mpmath working precision at which :data:`MPMATH_ARB` evaluates the kernels."""


def _accurate(balls, prec):
    """Whether every radius is below ``2^-prec max(1, max |midpoint|)``."""
    flat = np.ravel(balls)
    if not flat.size:
        return True
    scale = max(1.0, max(abs(float(b.mid())) for b in flat))
    bound = _flint().arb(scale) * _flint().arb(2) ** (-prec)
    return all(b.rad() < bound for b in flat)


def _midpoints(balls):
    out = np.empty(balls.shape, dtype=object)
    convert = MPMATH.convert
    for idx, b in np.ndenumerate(balls):
        out[idx] = convert(b)
    return out


FLOAT64 = _Float64()
MPMATH = _Mpmath()
ARB = _Arb()
MPMATH_ARB = _MpmathArbKernels()
_CONTEXTS = {c.name: c for c in (FLOAT64, MPMATH, ARB)}


def context(name):
    """The context called ``name`` (``"float64"``, ``"mpmath"`` or ``"arb"``); a context is
    returned unchanged."""
    if isinstance(name, NumberContext):
        return name
    try:
        return _CONTEXTS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown number context {name!r}; choose one of {', '.join(_CONTEXTS)}") from None
