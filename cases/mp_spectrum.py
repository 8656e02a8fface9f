"""Isotypic test functions in arbitrary precision, for refining where an eigenvalue crosses 0.

:mod:`cases.spectrum` finds the isotypic blocks numerically (SVD, float64). For mpmath we
use exact bases of the same subspaces of ``Fix(K)`` (fine structure ``(p-2, 1, 1, 1, ...)``,
fine blocks 0 = generic, 1 = ``g1``, 2 = ``g2``; ``sigma`` swaps ``g1`` and ``g2``)::

    trivial      columns of E_triv                               (Fix(S_p))
    std          columns of (E_1 - E_1') that involve g          (sigma-odd part of [p-1,1])
    [p-2,2]      v = (1 - P_Wts) (e_P(g1,g2) + e_P(g2,g1))       (one copy, sigma-even)
    [p-2,1,1]    v = (1 - P_std) (e_P(g1,g2) - e_P(g2,g1))       (one copy, sigma-odd)

with ``P_Y = Y (Y^T M Y)^-1 Y^T M`` the ``M``-orthogonal projection, ``W_ts = [E_1, std]``
(all of ``[p] + [p-1,1]``). ``[p-2,2]`` and ``[p-2,1,1]`` occur once each in
``R^{k x d}`` (both only in the off-diagonal generic entries), so those blocks are ``1 x 1``
and their eigenvalue is the Rayleigh quotient ``v^T H v / v^T M v``. For ``trivial`` and
``std`` the block is the pencil ``(Y^T H Y, Y^T M Y)`` (Cholesky, then ``mp.eigsy``) and the
test function is its eigenvalue nearest to zero.

Trainable setting: the test functions use the ``W``-block of the Hessian (the slice
``delta a = 0``). The slice is an invariant complement of the rescaling null directions, so
the quadratic form there has the inertia of the Hessian modulo those directions: the zero
crossings -- hence ``d*`` -- are exactly those of the balanced-gauge eigenvalues reported by
:mod:`cases.spectrum`, although the values away from ``d*`` differ.
"""
import mpmath
import numpy as np

from spurious.kernels import BlockStructure, mp_block_derivatives

from .spectrum import _spaces

REPRESENTATION_KEYS = ("triv", "std", "22", "211")


def _mp_matrix(A):
    return mpmath.matrix([[A[i, j] for j in range(A.shape[1])] for i in range(A.shape[0])])


def _exact_bases(family_structure):
    """Integer bases (in the fine fixed-setting coordinates) of the four subspaces."""
    sp = _spaces(BlockStructure(family_structure.sizes, False))
    fine = sp.fine
    s1 = BlockStructure(("n", 1) + fine.sizes[3:], False)
    g_cols = [j for j, key in enumerate(s1.parameters) if 1 in key[1:]]
    std = (sp.s1 - sp.s1b)[:, g_cols]
    e = np.zeros(fine.size)
    e_plus, e_minus = e.copy(), e.copy()
    e_plus[fine.index(("P", 1, 2))] = e_plus[fine.index(("P", 2, 1))] = 1.0
    e_minus[fine.index(("P", 1, 2))], e_minus[fine.index(("P", 2, 1))] = 1.0, -1.0
    return sp, {"triv": sp.triv, "std": std, "w_ts": np.hstack([sp.s1, std]),
                "e_plus": e_plus, "e_minus": e_minus}


def block_test_function(family_structure, key):
    """``f(x, d)``: the eigenvalue of isotypic block ``key`` (``triv``, ``std``, ``22``, ``211``)
    nearest to zero, at the current mpmath precision. ``x``: the family's parameters (mpf)."""
    if key not in REPRESENTATION_KEYS:
        raise ValueError(f"unknown isotypic block {key!r}")
    sp, bases = _exact_bases(family_structure)
    fine_setting = BlockStructure(sp.fine.sizes, family_structure.trainable)
    fam_embed = _spaces(family_structure).family_embedding
    n_w = sp.fine.size  # W-coordinates come first in the trainable layout

    def f(x, d):
        xf = [mpmath.fsum(fam_embed[i, j] * x[j] for j in range(len(x)) if fam_embed[i, j])
              for i in range(fam_embed.shape[0])]
        bd = mp_block_derivatives(fine_setting, xf, d, mpmath.mp.dps)
        H = _mp_matrix(bd.hess[:n_w, :n_w])
        M = mpmath.diag([bd.weights[i] for i in range(n_w)])
        if key in ("triv", "std"):
            Y = _mp_matrix(bases[key])
            A = Y.T * H * Y
            B = Y.T * M * Y
            L = mpmath.cholesky(B)
            Li = L ** -1
            C = Li * A * Li.T
            C = (C + C.T) / 2
            eig = mpmath.eigsy(C, eigvals_only=True)
            return min((eig[i] for i in range(len(eig))), key=abs)
        if key == "22":
            Y, e = _mp_matrix(bases["w_ts"]), _mp_matrix(bases["e_plus"][:, None])
        else:
            Y, e = _mp_matrix(bases["std"]), _mp_matrix(bases["e_minus"][:, None])
        coef = mpmath.lu_solve(Y.T * M * Y, Y.T * M * e)
        v = e - Y * coef
        return (v.T * H * v)[0] / (v.T * M * v)[0]

    return f


def representation_key(label):
    """The key of a representation label of :mod:`cases.spectrum` (e.g. ``std(S_{d-1})`` -> ``std``)."""
    if label.startswith("trivial"):
        return "triv"
    if label.startswith("std"):
        return "std"
    if ",2]" in label:
        return "22"
    if ",1,1]" in label:
        return "211"
    raise ValueError(f"unknown representation label {label!r}")
