"""Validated public entry points of the kernels (float64 via Numba, arbitrary precision via mpmath).

Full space (any ``k``, ``d``, teacher ``V``, ``b``): :func:`loss`, :func:`gradient`,
:func:`hessian`, :func:`mp_loss`. Block structures (``V = I``, ``b = 1``, ``d`` real):
:func:`block_derivatives` (float) and :func:`mp_block_derivatives` (mpmath),
:func:`block_metric`, :func:`embed`, :func:`project`. Bad input raises ``TypeError`` (wrong
kind: complex or boolean arrays, non-bool flags -- never a silent cast) or ``ValueError``
(wrong shape, non-finite entries, rows out of the supported range) saying what is wrong.

Scale safety (full space). ``F`` is positively homogeneous, ``F(au, bv) = ab F(u, v)`` for
``a, b > 0``, so each neuron can be rescaled, ``(w_i, a_i) -> (w_i / c_i, c_i a_i)`` (and the
teacher's ``(v_j, b_j)`` likewise), without changing the loss. The float64 entry points do
exactly that with ``c_i`` the power of two nearest the row norm (an exact rescaling), call
the kernels on rows of norm about one, and map the derivatives back by the chain rule
(``dL/dW = dL^/dW^ / c``, ``dL/da = c dL^/da^``, the Hessian congruently). Without it the
Gram products ``|u|^2 |v|^2`` overflow float64 for row norms above about ``1e77`` (NaN) and
underflow below about ``1e-77`` (division by zero, or a silently wrong gradient). Contract:
zero rows are allowed in :func:`loss` (``relu(0.x) = 0``) and refused by the derivatives
(not differentiable there); nonzero rows of ``W`` and ``V`` must have norms in
``[ROW_NORM_MIN, ROW_NORM_MAX] = [1e-100, 1e100]`` (so products of two rescaled second-layer
weights stay far from overflow and underflow), else ``ValueError``; a result that still
overflows (huge ``a`` or ``b``) raises ``ValueError``. :func:`mp_loss` has no such limit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from spurious.validation import as_flag, as_real, as_real_array

from . import blockkernel, fullspace
from .backend import MP, mp_parallel_tol
from .blocks import FixedPointSpace
from .gram import FLOAT_PARALLEL_TOL

ROW_NORM_MIN = 1e-100
"""Smallest norm of a nonzero row of ``W`` or ``V`` the float64 full-space kernels accept."""
ROW_NORM_MAX = 1e100
"""Largest norm of a row of ``W`` or ``V`` the float64 full-space kernels accept."""


SEPARATED_PARALLEL_TOL = 1e-6
"""The parallel threshold for a point whose pairs of rows are either exactly parallel (e.g. the
copies of a split neuron) or at angles whose sine is well above it: there, unlike at the
default ``2^-26`` (about the rounding of ``sqrt(AB - C^2)`` itself), an exactly parallel pair
computed with rounding is always recognised, and every other pair gets its exact formulas."""


def _parallel_tol(tol):
    tol = as_real(tol, "parallel_tol")
    if not 0 < tol < 1:
        raise ValueError(f"parallel_tol must lie in (0, 1), got {tol}")
    return tol


# ------------------------------------------------------------------ full space
def _as_matrix(name, M):
    M = as_real_array(M, name)
    if M.ndim != 2 or M.shape[0] == 0 or M.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-d array, got shape {M.shape}")
    return M


def _as_vector(name, v, length):
    v = as_real_array(v, name)
    if v.shape != (length,):
        raise ValueError(f"{name} must have shape ({length},), got {v.shape}")
    return v


def _row_scales(name, M):
    """Powers of two ``c`` near the row norms of ``M`` (1 for zero rows), checking the range."""
    peak = np.max(np.abs(M), axis=1)
    safe = np.where(peak > 0, peak, 1.0)
    with np.errstate(over="ignore"):
        norms = peak * np.sqrt(np.sum((M / safe[:, None]) ** 2, axis=1))  # no under/overflow
    bad = np.flatnonzero((peak > 0) & ((norms < ROW_NORM_MIN) | (norms > ROW_NORM_MAX)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"row {i} of {name} has norm {norms[i]:.3g}, outside the supported range "
                         f"[{ROW_NORM_MIN:g}, {ROW_NORM_MAX:g}] (float64 Gram entries would overflow or "
                         "underflow); rescale (w_i, a_i) -> (w_i / c, c a_i), which leaves the loss "
                         "unchanged, or use mp_loss")
    _, exponent = np.frexp(np.where(peak > 0, norms, 1.0))
    return np.ldexp(1.0, exponent)


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


def _rescaled(W, a, V, b):
    """The exactly rescaled problem (rows of norm in [1/2, 1)) and the row scales of ``W``."""
    c = _row_scales("W", W)
    rho = _row_scales("V", V)
    with np.errstate(over="ignore"):
        a_hat, b_hat = a * c, b * rho
    if not (np.all(np.isfinite(a_hat)) and np.all(np.isfinite(b_hat))):
        raise ValueError("a second-layer weight times its row norm overflows float64: "
                         "|a_i| |w_i| and |b_j| |v_j| must stay below about 1e300")
    return (np.ascontiguousarray(W / c[:, None]), a_hat, np.ascontiguousarray(V / rho[:, None]), b_hat), c


def _finite(what, *arrays):
    for x in arrays:
        if not np.all(np.isfinite(x)):
            raise ValueError(f"the {what} overflows float64 (second-layer weights or row norms too large)")


def loss(W: Any, a: Any, V: Any, b: Any) -> float:
    """The population loss (L1) of student ``(W, a)`` against teacher ``(V, b)``.

    Parameters
    ----------
    W : array_like, shape (k, d)
        Student first layer (rows are neurons); real, finite.
    a : array_like, shape (k,)
        Student second layer.
    V : array_like, shape (k_T, d)
        Teacher first layer.
    b : array_like, shape (k_T,)
        Teacher second layer.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        Complex, boolean or non-numeric input.
    ValueError
        Wrong shapes, non-finite entries, a nonzero row norm outside
        ``[ROW_NORM_MIN, ROW_NORM_MAX]``, or a loss that overflows float64.
    """
    args, _ = _rescaled(*_validate(W, a, V, b, False))
    value = float(fullspace._loss(*args))
    _finite("loss", value)
    return value


def gradient(W: Any, a: Any, V: Any, b: Any, parallel_tol: float = FLOAT_PARALLEL_TOL) -> tuple[np.ndarray, np.ndarray]:
    """``(dL/dW, dL/da)`` of the loss (L1).

    Parameters
    ----------
    W, a, V, b : array_like
        As in :func:`loss`; no row of ``W`` or ``V`` may be zero.
    parallel_tol : float
        The parallel threshold of :mod:`kernels.gram` (``sin`` of the angle below which a pair
        of rows takes its parallel limit). The default is right for any point; a larger value
        (e.g. :data:`SEPARATED_PARALLEL_TOL`) is exact, and free of the rounding of ``AB - C^2``,
        at a point whose pairs are exactly parallel or at angles whose sine exceeds it.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``dL/dW`` of shape ``(k, d)`` and ``dL/da`` of shape ``(k,)``.

    Raises
    ------
    TypeError, ValueError
        As in :func:`loss`; ``ValueError`` also for a zero row.
    """
    args, c = _rescaled(*_validate(W, a, V, b, True))
    gW, ga = fullspace._gradient(*args, _parallel_tol(parallel_tol))
    gW, ga = gW / c[:, None], ga * c
    _finite("gradient", gW, ga)
    return gW, ga


def hessian(W: Any, a: Any, V: Any, b: Any, trainable: bool = False,
            parallel_tol: float = FLOAT_PARALLEL_TOL) -> np.ndarray:
    """The Hessian in ``W.ravel()`` (row-major) and, if ``trainable``, then ``a``.

    Parameters
    ----------
    W, a, V, b : array_like
        As in :func:`loss`; no row of ``W`` or ``V`` may be zero.
    trainable : bool
        Include the second layer ``a`` among the variables (a real ``bool``).
    parallel_tol : float
        As in :func:`gradient`.

    Returns
    -------
    numpy.ndarray
        Shape ``(k d, k d)``, or ``(k d + k, k d + k)`` if ``trainable``.

    Raises
    ------
    TypeError
        As in :func:`loss`, or ``trainable`` not a bool.
    ValueError
        As in :func:`gradient`.
    """
    trainable = as_flag(trainable, "trainable")
    args, c = _rescaled(*_validate(W, a, V, b, True))
    H = fullspace._hessian(*args, trainable, _parallel_tol(parallel_tol))
    k, d = args[0].shape
    J = np.concatenate([np.repeat(1.0 / c, d), c if trainable else np.empty(0)])
    H = H * J[:, None] * J[None, :]
    _finite("Hessian", H)
    return H


def mp_loss(W: Any, a: Any, V: Any, b: Any, dps: int) -> mpmath.mpf:
    """(L1) in mpmath at ``dps`` digits; the entries are converted exactly from their input
    (floats, integers, strings or mpf).

    Parameters
    ----------
    W, a, V, b : array_like
        As in :func:`loss` (no range limit on the row norms).
    dps : int
        Working precision in decimal digits (a positive integer).

    Returns
    -------
    mpmath.mpf

    Raises
    ------
    TypeError
        ``dps`` not an integer, or entries mpmath cannot read as real numbers.
    ValueError
        Wrong shapes or ``dps < 1``.
    """
    if isinstance(dps, (bool, np.bool_)) or not isinstance(dps, (int, np.integer)):
        raise TypeError(f"dps must be an integer, got {dps!r}")
    if dps < 1:
        raise ValueError(f"dps must be positive, got {dps}")

    def mp(x, name):
        if isinstance(x, (complex, np.complexfloating, mpmath.mpc, bool, np.bool_)):
            raise TypeError(f"{name} must be real, got {x!r}")
        return mpmath.mpf(x)

    with mpmath.workdps(int(dps)):
        Wm = np.array([[mp(x, "W") for x in row] for row in np.atleast_2d(np.asarray(W, dtype=object))],
                      dtype=object)
        Vm = np.array([[mp(x, "V") for x in row] for row in np.atleast_2d(np.asarray(V, dtype=object))],
                      dtype=object)
        am = np.array([mp(x, "a") for x in np.ravel(np.asarray(a, dtype=object))], dtype=object)
        bm = np.array([mp(x, "b") for x in np.ravel(np.asarray(b, dtype=object))], dtype=object)
        if Wm.shape[1] != Vm.shape[1] or am.shape != (Wm.shape[0],) or bm.shape != (Vm.shape[0],):
            raise ValueError(f"inconsistent shapes: W {Wm.shape}, a {am.shape}, V {Vm.shape}, b {bm.shape}")
        return +MP._loss(Wm, am, Vm, bm)


# ---------------------------------------------------------- block structures
@dataclass(frozen=True)
class BlockDerivatives:
    """Loss and derivatives of a block structure at parameters ``x`` and dimension ``d``.

    ``grad``/``hess`` are the Euclidean derivatives in the block parameters; the fixed-space
    gradient and Hessian operator of the full space are ``grad / weights`` and
    ``hess / weights[:, None]`` (docs/mathematics.md section 5, (M18)-(M19)). ``grad_d`` is ``d(grad)/dd``.
    Arrays hold floats on the float path, ``mpf`` on the mpmath path and arb balls on the arb
    path (:mod:`kernels.contexts`).
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


def _check_structure(st):
    if not isinstance(st, FixedPointSpace):
        raise TypeError(f"st must be a FixedPointSpace, got {type(st).__name__}")


def _check_order(order):
    if isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, np.integer)):
        raise TypeError(f"order must be 0, 1 or 2, got {order!r}")
    if order not in (0, 1, 2):
        raise ValueError(f"order must be 0, 1 or 2, got {order}")
    return int(order)


def _check_x(st, x):
    _check_structure(st)
    if np.ndim(x) != 1:
        raise ValueError(f"x must be a 1-d sequence of {st.size} parameters {st.names}, got shape {np.shape(x)}")
    if len(x) != st.size:
        raise ValueError(f"expected {st.size} parameters {st.names}, got {len(x)}")


def block_metric(st: FixedPointSpace, d: float) -> np.ndarray:
    """Metric weights (entries each parameter fills) at dimension ``d``.

    Parameters
    ----------
    st : FixedPointSpace
    d : real number

    Returns
    -------
    numpy.ndarray, shape (st.size,)

    Raises
    ------
    TypeError
        ``st`` not a FixedPointSpace or ``d`` not a real number.
    ValueError
        ``d`` too small for the structure's real block.
    """
    _check_structure(st)
    d = as_real(d, "d")
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
    try:
        loss_value = kernel(x, n, order, tol, *c.kernel_args(), gv, gn, gg, ggn, grad, hess, grad_n)
    except ZeroDivisionError:
        raise ValueError("the Gram entries underflow float64 at these parameters (rows too small); "
                         "use mp_block_derivatives") from None
    if order >= 1:
        rows = [gv[c.gram_names[("A", al)]] for al in range(st.row_blocks)]
        if min(rows) <= 0:
            raise ValueError("a row of W is zero: the loss is not differentiable there")
    return loss_value, grad, hess, grad_n


def _float_zeros(shape):
    return np.zeros(shape)


def block_derivatives(st: FixedPointSpace, x: Any, d: float, order: int = 2,
                      parallel_tol: float = FLOAT_PARALLEL_TOL) -> BlockDerivatives:
    """Loss, gradient (``order >= 1``), Hessian and ``d(grad)/dd`` (``order >= 2``) in float64.

    Parameters
    ----------
    st : FixedPointSpace
    x : array_like, shape (st.size,)
        Block parameters (real, finite).
    d : real number
        The dimension (fractional allowed where the structure has a real block).
    order : {0, 1, 2}
    parallel_tol : float
        As in :func:`gradient`.

    Returns
    -------
    BlockDerivatives

    Raises
    ------
    TypeError
        ``st`` not a FixedPointSpace, complex ``x``, ``d`` not a real number, ``order`` not an int.
    ValueError
        Wrong number of parameters, non-finite entries, ``d`` outside the structure's range, a
        zero row (``order >= 1``), or float64 overflow/underflow (use :func:`mp_block_derivatives`).
    """
    _check_x(st, x)
    x = _as_vector("x", x, st.size)
    d = as_real(d, "d")
    order = _check_order(order)
    n = _real_size(st, d)
    loss_value, grad, hess, grad_n = _run(st, x, float(n), order, _parallel_tol(parallel_tol), _float_zeros,
                                             blockkernel.block_eval)
    if not (np.isfinite(loss_value) and np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))
            and np.all(np.isfinite(grad_n))):
        raise ValueError("the block derivatives overflow float64 at these parameters; use mp_block_derivatives")
    return BlockDerivatives(float(loss_value), grad, hess, grad_n, block_metric(st, d))


def mp_block_derivatives(st: FixedPointSpace, x: Any, d: Any, dps: int, order: int = 2) -> BlockDerivatives:
    """:func:`block_derivatives` in mpmath at ``dps`` digits (inputs converted exactly).

    Parameters
    ----------
    st : FixedPointSpace
    x : sequence of real numbers (float, int, str or mpf), length ``st.size``
    d : real number or mpf
    dps : int
        Working precision in decimal digits.
    order : {0, 1, 2}

    Returns
    -------
    BlockDerivatives
        With ``mpf`` entries.

    Raises
    ------
    TypeError, ValueError
        As in :func:`block_derivatives`.
    """
    _check_x(st, x)
    order = _check_order(order)
    if not isinstance(d, str):
        d = as_real(d, "d", keep_mpf=True)
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


def embed(st: FixedPointSpace, x: Any, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Block parameters -> full ``(W, a)`` at an integer dimension ``d`` (``a = 1`` when the
    second layer is fixed).

    Parameters
    ----------
    st : FixedPointSpace
    x : array_like, shape (st.size,)
    d : int
        An integer dimension (the full space exists only there).

    Returns
    -------
    (W, a) : (numpy.ndarray of shape (k, d), numpy.ndarray of shape (k,)), ``k = d + st.extra_rows``

    Raises
    ------
    TypeError, ValueError
        Bad structure, parameters or dimension.
    """
    _check_x(st, x)
    x = _as_vector("x", x, st.size)
    sizes = st.integer_sizes(d)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    d_int = int(starts[-1])
    k = d_int + st.extra_rows
    W = np.empty((k, d_int))
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
            a[ra] = x[ix(("a", al))]
    for e in range(len(sizes), st.row_blocks):
        row = d_int + e - len(sizes)
        for b in range(len(sizes)):
            W[row, starts[b]:starts[b + 1]] = x[ix(("P", e, b))]
        if st.trainable:
            a[row] = x[ix(("a", e))]
    return W, a


def project(st: FixedPointSpace, W: Any, a: Any, d: int) -> tuple[np.ndarray, float]:
    """Full ``(W, a)`` -> block parameters (the metric-orthogonal projection: block means) and
    the Frobenius norm of the part of ``(W, a)`` off the fixed space.

    Parameters
    ----------
    st : FixedPointSpace
    W : array_like, shape (k, d), ``k = d + st.extra_rows``
    a : array_like, shape (k,)
    d : int

    Returns
    -------
    (x, residual) : (numpy.ndarray of shape (st.size,), float)

    Raises
    ------
    TypeError, ValueError
        Bad structure, arrays (complex, wrong shape, non-finite) or dimension.
    """
    _check_structure(st)
    sizes = st.integer_sizes(d)
    W = _as_matrix("W", W)
    a = _as_vector("a", a, W.shape[0])
    d_int = sum(sizes)
    k = d_int + st.extra_rows
    if W.shape != (k, d_int):
        raise ValueError(f"W must be {k} x {d_int} for d = {d}, got {W.shape}")
    row_starts = np.concatenate([[0], np.cumsum(list(sizes) + [1] * st.extra_rows)])
    col_starts = np.concatenate([[0], np.cumsum(sizes)])
    x = np.zeros(st.size)
    for key in st.parameters:
        al = key[1]
        ra = slice(row_starts[al], row_starts[al + 1])
        if key[0] == "D":
            x[st.index(key)] = np.mean(np.diag(W[ra, ra]))
        elif key[0] == "O":
            blk = W[ra, ra]
            x[st.index(key)] = (blk.sum() - np.trace(blk)) / (sizes[al] * (sizes[al] - 1))
        elif key[0] == "P":
            x[st.index(key)] = np.mean(W[ra, slice(col_starts[key[2]], col_starts[key[2] + 1])])
        else:
            x[st.index(key)] = np.mean(a[ra])
    W0, a0 = embed(st, x, d)
    residual = float(np.sqrt(np.sum((W - W0) ** 2) + (np.sum((a - a0) ** 2) if st.trainable else 0.0)))
    return x, residual


def gram_values(st: FixedPointSpace, x: Any, d: float) -> dict:
    """All Gram quantities (B1)-(B4) at ``x``, evaluated by the kernel: a dict keyed like
    ``("A", al)`` (squared row norm of block ``al``), ``("C", al, b)`` (inner product of two
    distinct rows of blocks ``al <= b``), ``("lin", ...)``, ``"one"``, ``"zero"``.

    Parameters
    ----------
    st : FixedPointSpace
    x : array_like, shape (st.size,)
    d : real number

    Returns
    -------
    dict

    Raises
    ------
    TypeError, ValueError
        As in :func:`block_derivatives`.
    """
    _check_x(st, x)
    d = as_real(d, "d")
    x = _as_vector("x", x, st.size)
    c = st.compiled()
    G, m = c.g_const.shape[0], st.size
    gv, gn, gg, ggn = np.zeros(G), np.zeros(G), np.zeros((G, m)), np.zeros((G, m))
    blockkernel._gram_values(x, float(_real_size(st, d)), *c.kernel_args()[:10], gv, gn, gg, ggn)
    return {name: float(gv[i]) for name, i in c.gram_names.items()}


def row_norms_squared(st: FixedPointSpace, x: Any, d: float) -> np.ndarray:
    """``|w_al|^2`` of a row of every block (the Gram quantity (B1)).

    Parameters
    ----------
    st : FixedPointSpace
    x : array_like, shape (st.size,)
    d : real number

    Returns
    -------
    numpy.ndarray, one entry per block

    Raises
    ------
    TypeError, ValueError
        As in :func:`block_derivatives`.
    """
    g = gram_values(st, x, d)
    return np.array([g[("A", al)] for al in range(st.row_blocks)])


def max_row_cosine(st: FixedPointSpace, x: Any, d: float) -> float:
    """The largest ``|cos|`` of the angle between two distinct rows of ``W`` (1: parallel rows).

    Parameters
    ----------
    st : FixedPointSpace
    x : array_like, shape (st.size,)
    d : real number

    Returns
    -------
    float

    Raises
    ------
    TypeError, ValueError
        As in :func:`block_derivatives`.
    """
    g = gram_values(st, x, d)
    r = st.row_blocks
    cos = [abs(g[("C", al, b)]) / np.sqrt(g[("A", al)] * g[("A", b)])
           for al in range(r) for b in range(al, r) if ("C", al, b) in g]
    return max(cos, default=0.0)
