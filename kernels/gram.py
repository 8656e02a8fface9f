"""The arc-cosine kernel of degree one and its derivatives in Gram form.

This module is the project's single source of the formulas. Everything else (the
full-space kernels, the block-structure kernels, the Numba float path and the mpmath
arbitrary-precision path) calls :func:`gram_derivatives`.

For ``x ~ N(0, I_d)``::

    F(u, v) = E[relu(u.x) relu(v.x)] = |u||v| (sin t + (pi - t) cos t) / (2 pi)     (Cho & Saul)

In the Gram quantities ``A = |u|^2``, ``B = |v|^2``, ``C = u.v``, with
``s = sqrt(AB - C^2)`` and ``t = atan2(s, C)`` (the angle, computed stably)::

    F    = (s + (pi - t) C) / (2 pi)                                               (G0)
    F_A  = s / (4 pi A)          F_B  = s / (4 pi B)        F_C = (pi - t) / (2 pi)  (G1)
    F_AA = (2C^2 - AB) / (8 pi A^2 s)   F_BB = (2C^2 - AB) / (8 pi B^2 s)            (G2)
    F_AB = 1 / (8 pi s)   F_AC = -C / (4 pi A s)   F_BC = -C / (4 pi B s)   F_CC = 1 / (2 pi s)

Derivation: ds/dA = B/(2s), ds/dC = -C/s, dt/dA = C/(2As), dt/dC = -1/s; then
F_A = (B/(2s) - C^2/(2As)) / (2 pi) = s/(4 pi A), F_C = (pi - t)/(2 pi), and (G2) by
differentiating (G1) once more.

Parallel limit. When ``s -> 0`` (``u`` parallel, ``t = 0``, or antiparallel, ``t = pi``,
to ``v``; in particular the self term ``F(w, w) = |w|^2 / 2``) the second derivatives (G2)
diverge like ``1/s`` but their contraction with the Gram gradients does not: ``F`` is
``C^2`` in ``(u, v)`` and, with the vector form of its Hessian
``d2F/du2 = |v| sin t / (2 pi |u|) (I - uu^T/|u|^2 + n n^T)``, the limit Hessian is the one of
``F_C C`` alone (``C/2`` for ``t = 0``, ``0`` for ``t = pi``). So below the relative threshold
``s <= tol sqrt(AB)`` we return ``F_A = F_B = 0``, ``F_C = 1/2`` (``C > 0``) or ``0`` (``C < 0``)
and all second derivatives ``0`` -- the exact limit of every Hessian assembled from them. (The
angle of the rounded ``s`` is not used there: for an exactly parallel pair computed with
rounding it is ``O(sqrt(eps))``, not 0.) In float64 the
cancellation in ``AB - C^2`` costs ``O(eps / s)``, and the limit costs ``O(s)``, so the
float path uses ``tol = 2^-26``; the mpmath path uses ``10^(-dps/2)``. The arb path uses no
threshold: the limit only for a row with itself (``same``) or an exactly parallel pair (``s``
computed exactly 0), the full formulas when ``s > 0`` is certain, else ``PrecisionError``.

The functions here use only ``sqrt``, ``atan2``, ``PI`` and exact literals, so the same
code object runs compiled by Numba and, retargeted by :mod:`kernels.backend`, on mpmath
numbers and on arb balls. The three decisions that are not rigorous on balls -- the square
root of ``q`` (which may straddle 0), the angle near the branch cut of ``atan2``, and the
parallel test -- are the small functions :func:`_root`, :func:`_angle` and
:func:`_is_parallel`; the arb path replaces only these (never a formula).
"""
from math import atan2, pi as PI, sqrt

from numba import njit

FLOAT_PARALLEL_TOL = 2.0 ** -26


@njit(cache=True)
def _root(q, same):
    """``s = sqrt(max(q, 0))``, and exactly ``+0`` for a row with itself (``same``).

    ``+0``, never ``-0``: ``atan2(-0, C < 0) = -pi``. The arb path replaces this function by an
    enclosure (:mod:`kernels.backend`)."""
    if same or not q > 0:
        return 0.0 * abs(q)
    return sqrt(q)


@njit(cache=True)
def _angle(s, C):
    """``t = atan2(s, C)`` for ``s >= 0`` (replaced by an enclosure on the arb path)."""
    return atan2(s, C)


@njit(cache=True)
def _is_parallel(s, A, B, tol, same):
    """Whether to use the parallel limit: a row with itself (``same``, ``A = B = C``
    identically), or ``s <= tol sqrt(A B)``. The arb path replaces this by a decision that is
    only ever True for exactly parallel pairs (:mod:`kernels.backend`)."""
    return same or s <= tol * sqrt(A * B)


@njit(cache=True)
def gram_value(A, B, C, same=False):
    """F(A, B, C) of equation (G0). ``same``: the pair is a row with itself (``A = B = C``)."""
    q = A * B - C * C
    s = _root(q, same)
    t = _angle(s, C)
    return (s + (PI - t) * C) / (2 * PI)


@njit(cache=True)
def gram_derivatives(A, B, C, tol, same=False):
    """Value, first and second derivatives of F in (A, B, C), equations (G0)-(G2).

    Returns ``(F, F_A, F_B, F_C, F_AA, F_AB, F_AC, F_BB, F_BC, F_CC)``. Below the parallel
    threshold ``s <= tol * sqrt(A B)``, and always for a row with itself (``same``: the three
    arguments are one Gram quantity, so ``s = 0`` identically), the first derivatives in
    ``A``, ``B`` and all second derivatives are returned as their limit contribution, zero
    (see the module docstring; for ``same`` the limit is exact: ``F(a, a, a) = a / 2``).
    """
    q = A * B - C * C
    s = _root(q, same)
    t = _angle(s, C)
    two_pi = 2 * PI
    F = (s + (PI - t) * C) / two_pi
    F_C = (PI - t) / two_pi
    zero = 0.0 * F
    if _is_parallel(s, A, B, tol, same):
        # the exact limit: angle 0 (F_C = 1/2) or pi (F_C = 0), not the angle of a rounded s
        F_C = (PI - _angle(zero, C)) / two_pi
        return F, zero, zero, F_C, zero, zero, zero, zero, zero, zero
    F_A = s / (2 * two_pi * A)
    F_B = s / (2 * two_pi * B)
    F_CC = 1 / (two_pi * s)
    F_AB = 1 / (4 * two_pi * s)
    F_AC = -C / (2 * two_pi * A * s)
    F_BC = -C / (2 * two_pi * B * s)
    num = 2 * C * C - A * B
    F_AA = num / (4 * two_pi * A * A * s)
    F_BB = num / (4 * two_pi * B * B * s)
    return F, F_A, F_B, F_C, F_AA, F_AB, F_AC, F_BB, F_BC, F_CC
