"""Branch switching at a symmetry-breaking branch point, on the fixed space of the smaller group.

Setting (equivariant branching lemma): a branch ``x_0(d)`` of ``G(x, d) = 0`` with isotropy
``H`` meets, at ``d*``, a zero eigenvalue of ``G_x`` in an irreducible representation of ``H``.
For an isotropy subgroup ``K < H`` whose fixed space in that representation is
one-dimensional (an *axial* subgroup), ``G`` restricted to ``Fix(K)`` has at ``(x*, d*)`` a
simple branch point: ``G_x`` has a one-dimensional kernel spanned by ``v``, which is not in
``Fix(H)``, and a new branch with isotropy ``K`` passes through ``(x*, d*)``. This module knows
nothing about neural networks: ``problem`` is any :class:`.problem.ContinuationProblem` on
``Fix(K)``.

**Switching.** With ``b`` the part of ``v`` orthogonal to ``Fix(H)`` (so ``b . (x - x*) = 0`` on
the old branch, which stays in ``Fix(H)``), the points of the new branch at "height" ``s`` are
the solutions of

    G(x, d) = 0,     b . (x - x*) = s                                                     (W1)

(one equation more than unknowns in ``x``: ``d`` is free), solved by the project's one Newton
(:func:`.newton.newton` with a :class:`.newton.Border`) from ``(x* + s v / (b . v), d*)``, for
``s = +h`` and ``s = -h``.

**Classification** from the two points: with ``d_+``, ``d_-`` their ``d``,

    transcritical:  d_+ - d*, d_- - d* of opposite signs (d'(0) != 0: the branch crosses d*)
    pitchfork:      of the same sign and |d_+ - d_-| small against them (d(s) even in s at
                    leading order: the branch turns back at d*; "above" or "below")

Representation theory predicts which (a cubic equivariant in the kernel's representation
forces ``d'(0) = 0`` to fail generically: transcritical; a symmetry ``v -> -v`` in the normaliser
of ``K`` forces a pitchfork); the caller compares.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .newton import Border, StepAndResidual, newton
from .status import Status

__all__ = ["SwitchPoint", "SwitchResult", "classify", "switch_branch"]

PITCHFORK_SYMMETRY = 0.1
"""Pitchfork when ``|d_+ - d_-| <= PITCHFORK_SYMMETRY * max |d_+- - d*|`` (and same side)."""


@dataclass(frozen=True)
class SwitchPoint:
    """A point of the new branch at height ``s`` (W1)."""

    s: float
    x: np.ndarray
    d: float
    iterations: int


@dataclass
class SwitchResult:
    """``kind``: ``"transcritical"``, ``"pitchfork"`` or ``"unresolved"``; ``side``: where the
    new branch lies (``"both"``, ``"above"``, ``"below"``); ``points`` the switched points
    (``s = +h`` then ``-h``); ``slope`` ``d'(0) ~ (d_+ - d_-) / (2 h)`` and ``curvature``
    ``d''(0) / 2 ~ (d_+ + d_- - 2 d*) / (2 h^2)``; ``status`` and ``message`` as everywhere."""

    kind: str
    side: str
    points: list = field(default_factory=list)
    slope: float = float("nan")
    curvature: float = float("nan")
    status: Status = Status.CONVERGED
    message: str = ""

    @property
    def success(self):
        return self.status is Status.CONVERGED


def classify(d_star, d_plus, d_minus):
    """``(kind, side)`` from ``d(+h)``, ``d(-h)`` and ``d*`` (module docstring)."""
    up, down = d_plus - d_star, d_minus - d_star
    scale = max(abs(up), abs(down))
    if scale == 0:
        return "unresolved", "both"
    if up * down < 0:
        return "transcritical", "both"
    if abs(d_plus - d_minus) <= PITCHFORK_SYMMETRY * scale:
        return "pitchfork", "above" if up + down > 0 else "below"
    return "unresolved", "above" if up + down > 0 else "below"


def switch_branch(problem, x_star, d_star, kernel, parent_basis=None, h=1e-3, tol=1e-11, max_iter=30):
    """The two points of the new branch at heights ``+h`` and ``-h`` (W1) and its
    classification. ``kernel``: a null vector of ``G_x(x*, d*)`` (any scale);
    ``parent_basis``: columns spanning ``Fix(H)`` in these coordinates (``None``: ``{0}``, the
    old branch is ``x = x*``). Never raises for a numerical failure: ``status`` says."""
    x_star = np.asarray(x_star, dtype=float)
    v = np.asarray(kernel, dtype=float)
    b = v.copy()
    if parent_basis is not None and np.size(parent_basis):
        P = np.asarray(parent_basis, dtype=float).reshape(len(x_star), -1)
        Q, _ = np.linalg.qr(P)
        b = b - Q @ (Q.T @ b)
    norm = np.linalg.norm(b)
    if not norm > 1e-8 * max(1.0, np.linalg.norm(v)):
        return SwitchResult("unresolved", "both", status=Status.SINGULAR,
                            message="the kernel direction lies in the parent's fixed space: no symmetry is broken")
    b = b / norm
    v = v / (b @ v)  # so that b . v = 1: x* + s v has height s

    def residual(z):
        return problem.residual(z[:-1], z[-1])

    def jacobian(z):
        Gx, Gd = problem.jacobian(z[:-1], z[-1])
        return np.column_stack([Gx, Gd])

    anchor = np.concatenate([x_star, [d_star]])
    row = np.concatenate([b, [0.0]])
    points = []
    for s in (h, -h):
        z0 = np.concatenate([x_star + s * v, [d_star]])
        res = newton(residual, jacobian, z0, test=StepAndResidual(tol=tol), border=Border(row, anchor, s),
                     max_iter=max_iter)
        if not res.success:
            return SwitchResult("unresolved", "both", points, status=res.status,
                                message=f"Newton for the switched point at s = {s:+g} failed: {res.message}")
        z = np.asarray(res.x, dtype=float)
        points.append(SwitchPoint(s, z[:-1], float(z[-1]), res.iterations))
    d_plus, d_minus = points[0].d, points[1].d
    kind, side = classify(d_star, d_plus, d_minus)
    return SwitchResult(kind, side, points, slope=(d_plus - d_minus) / (2 * h),
                        curvature=(d_plus + d_minus - 2 * d_star) / (2 * h * h),
                        message=f"d(+h) - d* = {d_plus - d_star:.3e}, d(-h) - d* = {d_minus - d_star:.3e}")
