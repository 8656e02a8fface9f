"""Validated public entry points of the kernels (float64 via Numba, arbitrary precision via mpmath).

Full space (any ``k``, ``d``, teacher ``V``, ``b``): :func:`loss`, :func:`gradient`,
:func:`hessian`. Block structures (``V = I``, ``b = 1``, ``d`` real): :func:`block_derivatives`
(float) and :func:`mp_block_derivatives` (mpmath), :func:`block_metric`, :func:`embed`,
:func:`project`. Bad input raises ``ValueError`` saying what is wrong.
"""
from dataclasses import dataclass

import mpmath
import numpy as np

from . import blockkernel, fullspace
from .backend import MP, mp_parallel_tol
from .blocks import BlockStructure
from .gram import FLOAT_PARALLEL_TOL


# ------------------------------------------------------------------ full space
def _as_matrix(name, M):
    M = np.asarray(M, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] == 0 or M.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-d array, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise ValueError(f"{name} has non-finite entries")
    return np.ascontiguousarray(M)


def _as_vector(name, v, length):
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (length,):
        raise ValueError(f"{name} must have shape ({length},), got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} has non-finite entries")
    return np.ascontiguousarray(v)


def _validate(W, a, V, b, derivative):
    W = _as_matrix("W", W)
    V = _as_matrix("V", V)
    if W.shape[1] != V.shape[1]:
        raise ValueError(f"W is {W.shape[0]} x {W.shape[1]} but V is {V.shape[0]} x {V.shape[1]}: "
                         "the input dimensions differ")
    a = _as_vector("a", a, W.shape[0])
    b = _as_vector("b", b, V.shape[0])
    if derivative:
        for name, M in (("W", W), ("V", V)):
            zero = np.flatnonzero(~np.any(M != 0.0, axis=1))
            if zero.size:
                raise ValueError(f"row {zero[0]} of {name} is zero: the loss is not differentiable there")
    return W, a, V, b


def loss(W, a, V, b):
    """The population loss (L1) of student ``(W, a)`` against teacher ``(V, b)``."""
    return float(fullspace._loss(*_validate(W, a, V, b, False)))


def gradient(W, a, V, b):
    """``(dL/dW, dL/da)``."""
    W, a, V, b = _validate(W, a, V, b, True)
    return fullspace._gradient(W, a, V, b, FLOAT_PARALLEL_TOL)


def hessian(W, a, V, b, trainable=False):
    """The Hessian in ``W.ravel()`` (row-major) and, if ``trainable``, then ``a``."""
    W, a, V, b = _validate(W, a, V, b, True)
    return fullspace._hessian(W, a, V, b, bool(trainable), FLOAT_PARALLEL_TOL)


def mp_loss(W, a, V, b, dps):
    """(L1) in mpmath at ``dps`` digits; the entries are converted exactly from their input
    (floats, strings or mpf)."""
    with mpmath.workdps(dps):
        conv = lambda M: np.array([[mpmath.mpf(x) for x in row] for row in np.atleast_2d(M)], dtype=object)
        convv = lambda v: np.array([mpmath.mpf(x) for x in v], dtype=object)
        return +MP._loss(conv(W), convv(a), conv(V), convv(b))


# ---------------------------------------------------------- block structures
@dataclass(frozen=True)
class BlockDerivatives:
    """Loss and derivatives of a block structure at parameters ``x`` and dimension ``d``.

    ``grad``/``hess`` are the Euclidean derivatives in the block parameters; the fixed-space
    gradient and Hessian operator of the full space are ``grad / weights`` and
    ``hess / weights[:, None]`` (DESIGN.md section 3). ``grad_d`` is ``d(grad)/dd``.
    Arrays hold floats on the float path and ``mpf`` on the mpmath path.
    """

    loss: object
    grad: np.ndarray
    hess: np.ndarray
    grad_d: np.ndarray
    weights: np.ndarray

    def gradient_operator(self):
        return self.grad / self.weights

    def hessian_operator(self):
        return self.hess / self.weights[:, None]


def _real_size(st, d):
    n = st.n_of_d(d)
    if st.real_block is not None and not n > 1:
        raise ValueError(f"d = {d} gives the real block of {st.sizes} the size {n}; it must exceed 1")
    return n


def _check_x(st, x):
    if len(x) != st.size:
        raise ValueError(f"expected {st.size} parameters {st.names}, got {len(x)}")


def block_metric(st, d):
    """Metric weights (entries each parameter fills) at dimension ``d``."""
    n = _real_size(st, d)
    c = st.compiled().weights
    return c[:, 0] + n * (c[:, 1] + n * c[:, 2])


def _run(st, x, n, order, tol, zeros, kernel):
    c = st.compiled()
    m = st.size
    G = c.g_const.shape[0]
    gv, gn = zeros((G,)), zeros((G,))
    gg, ggn = zeros((G, m)), zeros((G, m))
    grad, hess, grad_n = zeros((m,)), zeros((m, m)), zeros((m,))
    loss_value = kernel(x, n, order, tol, *c.kernel_args(), gv, gn, gg, ggn, grad, hess, grad_n)
    if order >= 1:
        rows = [gv[c.gram_names[("A", al)]] for al in range(len(st.sizes))]
        if min(rows) <= 0:
            raise ValueError("a row of W is zero: the loss is not differentiable there")
    return loss_value, grad, hess, grad_n


def _float_zeros(shape):
    return np.zeros(shape)


def block_derivatives(st, x, d, order=2):
    """Loss, gradient (``order >= 1``), Hessian and ``d(grad)/dd`` (``order >= 2``) in float64."""
    if not isinstance(st, BlockStructure):
        raise ValueError("st must be a BlockStructure")
    _check_x(st, x)
    x = _as_vector("x", x, st.size)
    n = _real_size(st, d)
    loss_value, grad, hess, grad_n = _run(st, x, float(n), order, FLOAT_PARALLEL_TOL, _float_zeros,
                                             blockkernel.block_eval)
    return BlockDerivatives(float(loss_value), grad, hess, grad_n, block_metric(st, d))


def mp_block_derivatives(st, x, d, dps, order=2):
    """:func:`block_derivatives` in mpmath at ``dps`` digits (inputs converted exactly)."""
    _check_x(st, x)
    with mpmath.workdps(dps):
        xm = np.array([mpmath.mpf(v) for v in x], dtype=object)
        dm = mpmath.mpf(d)
        n = _real_size(st, dm)

        def zeros(shape):
            out = np.empty(shape, dtype=object)
            out.fill(mpmath.mpf(0))
            return out

        loss_value, grad, hess, grad_n = _run(st, xm, n, order, mp_parallel_tol(), zeros, MP.block_eval)
        c = st.compiled().weights
        weights = np.array([c[i, 0] + n * (c[i, 1] + n * c[i, 2]) for i in range(st.size)], dtype=object)
        return BlockDerivatives(loss_value, grad, hess, grad_n, weights)


def embed(st, x, d):
    """Block parameters -> full ``(W, a)`` at an integer dimension ``d`` (``a = 1`` when the
    second layer is fixed)."""
    _check_x(st, x)
    sizes = st.integer_sizes(d)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    k = int(starts[-1])
    W = np.empty((k, k))
    a = np.ones(k)
    ix = st.index
    for al, na in enumerate(sizes):
        ra = slice(starts[al], starts[al + 1])
        for b, nb in enumerate(sizes):
            rb = slice(starts[b], starts[b + 1])
            if al == b:
                off = x[ix(("O", al))] if st.has_offdiag(al) else 0.0
                W[ra, rb] = off
                W[ra, rb][np.diag_indices(na)] = x[ix(("D", al))]
            else:
                W[ra, rb] = x[ix(("P", al, b))]
        if st.trainable:
            a[ra] = x[ix(("c", al))]
    return W, a


def project(st, W, a, d):
    """Full ``(W, a)`` -> block parameters (the metric-orthogonal projection: block means) and
    the Frobenius norm of the part of ``(W, a)`` off the fixed space."""
    sizes = st.integer_sizes(d)
    W = _as_matrix("W", W)
    a = _as_vector("a", a, W.shape[0])
    if W.shape != (sum(sizes), sum(sizes)):
        raise ValueError(f"W must be {sum(sizes)} x {sum(sizes)} for d = {d}, got {W.shape}")
    starts = np.concatenate([[0], np.cumsum(sizes)])
    x = np.zeros(st.size)
    for key in st.parameters:
        al = key[1]
        ra = slice(starts[al], starts[al + 1])
        if key[0] == "D":
            x[st.index(key)] = np.mean(np.diag(W[ra, ra]))
        elif key[0] == "O":
            blk = W[ra, ra]
            x[st.index(key)] = (blk.sum() - np.trace(blk)) / (sizes[al] * (sizes[al] - 1))
        elif key[0] == "P":
            x[st.index(key)] = np.mean(W[ra, slice(starts[key[2]], starts[key[2] + 1])])
        else:
            x[st.index(key)] = np.mean(a[ra])
    W0, a0 = embed(st, x, d)
    residual = float(np.sqrt(np.sum((W - W0) ** 2) + (np.sum((a - a0) ** 2) if st.trainable else 0.0)))
    return x, residual


def gram_values(st, x, d):
    """All Gram quantities (B1)-(B4) at ``x``, evaluated by the kernel: a dict keyed like
    ``("A", al)`` (squared row norm of block ``al``), ``("C", al, b)`` (inner product of two
    distinct rows of blocks ``al <= b``), ``("lin", ...)``, ``"one"``, ``"zero"``."""
    _check_x(st, x)
    x = _as_vector("x", x, st.size)
    c = st.compiled()
    G, m = c.g_const.shape[0], st.size
    gv, gn, gg, ggn = np.zeros(G), np.zeros(G), np.zeros((G, m)), np.zeros((G, m))
    blockkernel._gram_values(x, float(_real_size(st, d)), *c.kernel_args()[:10], gv, gn, gg, ggn)
    return {name: float(gv[i]) for name, i in c.gram_names.items()}


def row_norms_squared(st, x, d):
    """``|w_al|^2`` of a row of every block (the Gram quantity (B1))."""
    g = gram_values(st, x, d)
    return np.array([g[("A", al)] for al in range(len(st.sizes))])


def max_row_cosine(st, x, d):
    """The largest ``|cos|`` of the angle between two distinct rows of ``W`` (1: parallel rows)."""
    g = gram_values(st, x, d)
    r = len(st.sizes)
    cos = [abs(g[("C", al, b)]) / np.sqrt(g[("A", al)] * g[("A", b)])
           for al in range(r) for b in range(al, r) if ("C", al, b) in g]
    return max(cos, default=0.0)
