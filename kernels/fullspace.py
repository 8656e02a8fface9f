"""Loss, gradient and Hessian in the full weight space, compiled with Numba.

Student ``f(x) = sum_i a_i relu(w_i.x)`` (``W`` is ``k x d``, rows are neurons), teacher
``V`` (``k_T x d``) with second layer ``b``. The population loss (docs/mathematics.md section 1, (M2))::

    L(W, a) = 1/2 sum_ij a_i a_j F(w_i, w_j) - sum_ij a_i b_j F(w_i, v_j)
              + 1/2 sum_ij b_i b_j F(v_i, v_j)                                      (L1)

Every derivative is the chain rule through the Gram quantities of a pair ``(u, v)``,
``A = u.u``, ``B = v.v``, ``C = u.v`` (``dA/du = 2u``, ``dC/du = v``, ``dC/dv = u``,
``d2A/du2 = 2I``, ``d2C/dudv = I``) applied to :func:`kernels.gram.gram_derivatives`::

    dF/du     = 2 F_A u + F_C v                                                     (L2)
    d2F/du2   = 2 F_A I + 4 F_AA u u^T + 2 F_AC (u v^T + v u^T) + F_CC v v^T         (L3)
    d2F/dudv  = F_C I + 4 F_AB u v^T + 2 F_AC u u^T + 2 F_BC v v^T + F_CC v u^T      (L4)

Variables of the Hessian: ``W.ravel()`` (row-major) then, when the second layer is
trained, ``a``. The functions whose name starts with an underscore take validated float64
arrays; :mod:`kernels.api` validates user input. A pair of a row with itself is flagged to
:mod:`kernels.gram` (``same``), so that its exact parallel limit is used on every path, and
outputs are allocated by :func:`_zeros`, which the mpmath and arb paths rebind.
"""
import numpy as np
from numba import njit

from .gram import gram_derivatives, gram_value


@njit(cache=True)
def _zeros(shape):
    """Zeroed output array; :mod:`kernels.backend` rebinds it to object arrays of the number
    system's zeros, so every path returns numbers of its own system."""
    return np.zeros(shape)


@njit(cache=True)
def _dot(X, i, Y, j):
    total = 0.0 * X[i, 0]
    for c in range(X.shape[1]):
        total += X[i, c] * Y[j, c]
    return total


@njit(cache=True)
def _loss(W, a, V, b):
    """Equation (L1). Same-row terms use F(w, w) = |w|^2 / 2 through (G0) with s = 0."""
    k = W.shape[0]
    kt = V.shape[0]
    total = 0.0 * W[0, 0]
    for i in range(k):
        Ai = _dot(W, i, W, i)
        for j in range(k):
            total += 0.5 * a[i] * a[j] * gram_value(Ai, _dot(W, j, W, j), _dot(W, i, W, j), j == i)
        for j in range(kt):
            total -= a[i] * b[j] * gram_value(Ai, _dot(V, j, V, j), _dot(W, i, V, j))
    for i in range(kt):
        Bi = _dot(V, i, V, i)
        for j in range(kt):
            total += 0.5 * b[i] * b[j] * gram_value(Bi, _dot(V, j, V, j), _dot(V, i, V, j), j == i)
    return total


@njit(cache=True)
def _gradient(W, a, V, b, tol):
    """dL/dW by (L2) and dL/da_i = sum_j a_j F(w_i, w_j) - sum_j b_j F(w_i, v_j)."""
    k, d = W.shape
    kt = V.shape[0]
    gW = _zeros((k, d))
    ga = _zeros((k,))
    for i in range(k):
        Ai = _dot(W, i, W, i)
        for j in range(k):
            g = gram_derivatives(Ai, _dot(W, j, W, j), _dot(W, i, W, j), tol, j == i)
            # d/dw_i of 1/2 sum_jl a_j a_l F(w_j, w_l): both orders of the pair (i, j)
            # give a_i a_j dF/du; the self pair gives 1/2 a_i^2 dF(w,w)/dw = 1/2 a_i^2 w_i.
            ga[i] += a[j] * g[0]
            if j == i:
                for c in range(d):
                    gW[i, c] += 0.5 * a[i] * a[i] * (2 * g[1] + 2 * g[2] + 2 * g[3]) * W[i, c]
            else:
                for c in range(d):
                    gW[i, c] += a[i] * a[j] * (2 * g[1] * W[i, c] + g[3] * W[j, c])
        for j in range(kt):
            g = gram_derivatives(Ai, _dot(V, j, V, j), _dot(W, i, V, j), tol)
            ga[i] -= b[j] * g[0]
            for c in range(d):
                gW[i, c] -= a[i] * b[j] * (2 * g[1] * W[i, c] + g[3] * V[j, c])
    return gW, ga


@njit(cache=True)
def _add_pair_blocks(H, i, j, u, v, g, scale, d):
    """Add ``scale`` times the Hessian of F(w_i, w_j), i != j, in (w_i, w_j): (L3), (L4)."""
    F_A, F_B, F_C = g[1], g[2], g[3]
    F_AA, F_AB, F_AC, F_BB, F_BC, F_CC = g[4], g[5], g[6], g[7], g[8], g[9]
    oi = i * d
    oj = j * d
    for r in range(d):
        for c in range(d):
            huu = 4 * F_AA * u[r] * u[c] + 2 * F_AC * (u[r] * v[c] + v[r] * u[c]) + F_CC * v[r] * v[c]
            hvv = 4 * F_BB * v[r] * v[c] + 2 * F_BC * (v[r] * u[c] + u[r] * v[c]) + F_CC * u[r] * u[c]
            huv = 4 * F_AB * u[r] * v[c] + 2 * F_AC * u[r] * u[c] + 2 * F_BC * v[r] * v[c] + F_CC * v[r] * u[c]
            if r == c:
                huu += 2 * F_A
                hvv += 2 * F_B
                huv += F_C
            H[oi + r, oi + c] += scale * huu
            H[oj + r, oj + c] += scale * hvv
            H[oi + r, oj + c] += scale * huv
            H[oj + c, oi + r] += scale * huv


@njit(cache=True)
def _hessian(W, a, V, b, trainable, tol):
    """Hessian of (L1) in (W.ravel(), a) by (L3)-(L4); the a-blocks are
    d2L/da_i da_j = F(w_i, w_j) and d2L/da_i dw_l from differentiating dL/da_i."""
    k, d = W.shape
    kt = V.shape[0]
    n = k * d + (k if trainable else 0)
    H = _zeros((n, n))
    for i in range(k):
        Ai = _dot(W, i, W, i)
        wi = W[i]
        # self term 1/2 a_i^2 F(w_i, w_i) = a_i^2 |w_i|^2 / 4: Hessian a_i^2 / 2 * I
        for r in range(d):
            H[i * d + r, i * d + r] += 0.5 * a[i] * a[i]
        for j in range(i + 1, k):
            g = gram_derivatives(Ai, _dot(W, j, W, j), _dot(W, i, W, j), tol)
            _add_pair_blocks(H, i, j, wi, W[j], g, a[i] * a[j], d)
        for j in range(kt):
            g = gram_derivatives(Ai, _dot(V, j, V, j), _dot(W, i, V, j), tol)
            vj = V[j]
            for r in range(d):
                for c in range(d):
                    huu = 4 * g[4] * wi[r] * wi[c] + 2 * g[6] * (wi[r] * vj[c] + vj[r] * wi[c]) + g[9] * vj[r] * vj[c]
                    if r == c:
                        huu += 2 * g[1]
                    H[i * d + r, i * d + c] -= a[i] * b[j] * huu
    if trainable:
        oa = k * d
        for i in range(k):
            Ai = _dot(W, i, W, i)
            for j in range(k):
                g = gram_derivatives(Ai, _dot(W, j, W, j), _dot(W, i, W, j), tol, j == i)
                H[oa + i, oa + j] = g[0]
                if j == i:
                    # d/dw_i of a_i F(w_i, w_i) = a_i w_i
                    for c in range(d):
                        H[oa + i, i * d + c] += a[i] * W[i, c]
                else:
                    # d/dw_i and d/dw_j of a_j F(w_i, w_j)
                    for c in range(d):
                        H[oa + i, i * d + c] += a[j] * (2 * g[1] * W[i, c] + g[3] * W[j, c])
                        H[oa + i, j * d + c] += a[j] * (2 * g[2] * W[j, c] + g[3] * W[i, c])
            for j in range(kt):
                g = gram_derivatives(Ai, _dot(V, j, V, j), _dot(W, i, V, j), tol)
                for c in range(d):
                    H[oa + i, i * d + c] -= b[j] * (2 * g[1] * W[i, c] + g[3] * V[j, c])
        for i in range(k):
            for r in range(k * d):
                H[r, oa + i] = H[oa + i, r]
    return H

