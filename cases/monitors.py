"""The Hessian of a family by isotypic component: one :class:`Monitor` per component, written
once against a number context (float64, mpmath, arb), at real ``d``.

A family lives on the fixed space of ``H = Delta(S_p x S_{q_1} x ...)`` (block sizes
``(p, q_1, ...)``, ``p = d - q`` real). Following docs/mathematics.md section 7
((M21)-(M25)), the Hessian is studied on the fixed space of ``K = S_{p-2}`` (the special
indices and two generic ones, ``g1`` and ``g2``, become singletons): the *fine* structure
``(p-2, 1, 1, 1, ..., 1)``, fine blocks 0 = generic, 1 = ``g1``, 2 = ``g2``, 3.. = the
special indices, with its metric ``M`` (the weights (M18)). Each isotypic component ``rho``
of ``S_p`` is given by an *exact integer basis* ``Y`` of a subspace of ``Fix(K)``, independent
of ``d`` and ``x`` (``E_*`` are the embeddings :func:`kernels.blocks.inclusion_matrix` of the
intermediate fixed spaces, ``sigma`` swaps ``g1`` and ``g2``)::

    [p]        Y = E_triv                                  (Fix(S_p): one vector per copy)
    [p-1,1]    Y = the columns of E_1 - E_1' involving g   (the sigma-odd vector of each copy)
    [p-2,2]    Y = (1 - P_Wts) (e_P(g1,g2) + e_P(g2,g1))   (one copy, sigma-even)
    [p-2,1,1]  Y = (1 - P_std) (e_P(g1,g2) - e_P(g2,g1))   (one copy, sigma-odd)

with ``P_U = U (U^T M U)^-1 U^T M`` the ``M``-orthogonal projection (evaluated at ``d``),
``W_ts = [E_1, std]`` all of ``[p] + [p-1,1]`` in ``Fix(K)``. Every ``Y`` holds exactly one
vector of each copy of ``rho``, so the isotypic block is the pencil ``(Y^T Hess Y, Y^T M Y)``
(``Hess`` the Euclidean Hessian of ``L_H`` on ``Fix(K)``), returned in the symmetric form

    B_rho = L^-1 (Y^T Hess Y) L^-T,     Y^T M Y = L L^T,

an ``m_rho x m_rho`` matrix (``m_rho`` the number of copies) each of whose eigenvalues is an
eigenvalue of the full ``kd x kd`` (``kd + k``) Hessian of multiplicity ``dim rho``.

For a single special block of size ``q = 2, 3`` every component is split further by the
irreducibles ``lambda`` of ``S_q`` permuting the special indices: ``Y`` is replaced by
independent columns of ``(sum_g chi_lambda(g) g) Y`` (an integer matrix), and for the
2-dimensional ``standard(S_3)`` by those of ``(1 + s) (sum_g chi(g) g) Y`` (``s`` the swap
of the first two special indices), one vector per copy again. The component is then the
irreducible ``rho x lambda`` of ``S_p x S_q`` of dimension ``dim rho dim lambda``
(:class:`Representation`), e.g. ``trivial(S_{d-2}) x sign(S_2)``.

Trainable second layer: each neuron's rescaling gives the exact null directions
``xi_i = (w_i, -a_i)`` of the Hessian at a critical point; per fine block ``b``, ``xi_b`` has
the entries of ``x`` on the ``W``-parameters of the rows of ``b`` and ``-a_b`` on ``a_b``.
Integer combinations of them (``xi_0 + xi_1 + xi_2`` and the special ``xi_s`` in ``[p]``,
``xi_1 - xi_2`` in ``[p-1,1]``, split by ``S_q`` like ``Y``) are removed from ``Y`` (the
block is taken on the ``M``-orthogonal complement of them in ``span Y``) and reported as the
*rescaling zero modes*. Eigenvalues depend on the gauge, so a monitor first moves ``x`` to
the *balanced* representative ``|w_al| = |a_al|`` of its rescaling orbit: its value is a
function of the orbit, the same at the slice point ``a = 1`` of the continuation and
refinement as at the reported point.

One :class:`Monitor` per component serves the float64 continuation (its smallest
eigenvalue; :mod:`cases.spectrum` builds the whole spectrum from the same blocks) and the
high-precision refinement (its eigenvalue nearest zero), through a number context
(``FLOAT64``, ``MPMATH``, ...): ``precision``, ``convert``, ``zeros``, ``sqrt``, ``solve``,
``cholesky``, ``eigvalsh``, ``block_derivatives``. Valid for ``p - 2 > 1``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from itertools import permutations

import numpy as np

from spurious.kernels import REAL, FixedPointSpace
from spurious.kernels.api import SEPARATED_PARALLEL_TOL
from spurious.kernels.blocks import inclusion_matrix
from spurious.kernels.contexts import ARB, FLOAT64, MPMATH

__all__ = ["ARB", "FLOAT64", "MPMATH", "Monitor", "Representation", "evaluate", "family_monitors", "monitor_for"]


# ------------------------------------------------------------------ representations
_S_Q_NAMES = {(2,): "trivial", (1, 1): "sign", (3,): "trivial", (2, 1): "standard", (1, 1, 1): "sign"}
_S_Q_IRREDUCIBLES = {2: ((2,), (1, 1)), 3: ((3,), (2, 1), (1, 1, 1))}


def _is_partition(t):
    return (isinstance(t, tuple) and all(isinstance(r, int) and r > 0 for r in t)
            and all(a >= b for a, b in zip(t, t[1:])))


def _partition_dimension(shape):
    """Dimension of the irreducible of ``S_|shape|`` (hook length formula)."""
    m = sum(shape)
    columns = [sum(1 for r in shape if r > j) for j in range(shape[0])] if shape else []
    hooks = 1
    for i, row in enumerate(shape):
        for j in range(row):
            hooks *= (row - j - 1) + (columns[j] - i - 1) + 1
    return math.factorial(m) // hooks


def _poly_mul(a, b):
    out = [Fraction(0)] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] += x * y
    return out


def _poly_div_linear(a, root):
    """``a(p) / (p - root)`` (exact; coefficients lowest first)."""
    out = [Fraction(0)] * (len(a) - 1)
    carry = Fraction(0)
    for k in range(len(a) - 1, 0, -1):
        carry = a[k] + carry * root
        out[k - 1] = carry
    if a[0] + carry * root != 0:
        raise ArithmeticError("inexact polynomial division")
    return out


@lru_cache(maxsize=None)
def _dimension_polynomial(shape):
    """``dim [p - |mu|, mu]`` as a polynomial in ``p``: (integer coefficients highest first,
    common denominator). Hook lengths: ``p! / ((p - m - mu_1)! prod_j h(1, j) H(mu))``."""
    m = sum(shape)
    mu1 = shape[0] if shape else 0
    columns = [sum(1 for r in shape if r > j) for j in range(mu1)]
    poly = [Fraction(1)]
    for i in range(m + mu1):
        poly = _poly_mul(poly, [Fraction(-i), Fraction(1)])
    for j in range(1, mu1 + 1):  # first-row hooks over the columns of mu: p - m - j + mu'_j + 1
        poly = _poly_div_linear(poly, Fraction(m + j - columns[j - 1] - 1))
    scale = Fraction(_partition_dimension(shape), math.factorial(m)) if shape else Fraction(1)
    poly = [c * scale for c in poly]
    denominator = math.lcm(*(c.denominator for c in poly))
    return tuple(int(c * denominator) for c in reversed(poly)), denominator


@dataclass(frozen=True)
class Representation:
    """An irreducible representation labelling one isotypic component.

    ``shape``: the irreducible of ``S_p`` (``p = d - q`` generic indices) as its partition
    without the first row: ``()`` is ``[p]`` (trivial), ``(1,)`` ``[p-1,1]`` (standard),
    ``(2,)`` ``[p-2,2]``, ``(1, 1)`` ``[p-2,1,1]``. ``q``: the number of special indices.
    ``special``: for a single special block of size 2 or 3, the irreducible of ``S_q`` as a
    partition of ``q`` (``(2,)`` trivial, ``(1, 1)`` sign, ``(3,)`` trivial, ``(2, 1)``
    standard, ``(1, 1, 1)`` sign), else ``None``.
    """

    shape: tuple = ()
    q: int = 0
    special: tuple | None = None

    def __post_init__(self):
        object.__setattr__(self, "shape", tuple(self.shape))
        if self.special is not None:
            object.__setattr__(self, "special", tuple(self.special))
        if not _is_partition(self.shape):
            raise ValueError(f"shape must be a partition (non-increasing positive integers), got {self.shape!r}")
        if isinstance(self.q, bool) or not isinstance(self.q, int) or self.q < 0:
            raise ValueError(f"q must be a non-negative integer, got {self.q!r}")
        if self.special is not None and self.special not in _S_Q_NAMES:
            raise ValueError(f"special must be an irreducible of S_2 or S_3 as a partition, got {self.special!r}")

    @property
    def special_size(self):
        """The ``n`` of the ``S_n`` acting on the special indices (0 without a split)."""
        return sum(self.special) if self.special else 0

    @property
    def special_dimension(self):
        """Dimension of the ``S_q`` irreducible (1 without a split)."""
        return _partition_dimension(self.special) if self.special else 1

    def partition(self):
        """The ``S_p`` irreducible as a partition with ``p`` symbolic, e.g. ``[p-2,1,1]``."""
        m = sum(self.shape)
        return "[" + ",".join([f"p-{m}" if m else "p"] + [str(r) for r in self.shape]) + "]"

    def label(self):
        """The human label, e.g. ``std(S_{d-1})``, ``[d-3,1,1](S_{d-1})``,
        ``trivial(S_{d-2}) x sign(S_2)`` (docs/glossary.md)."""
        group = "d" if self.q == 0 else f"d-{self.q}"
        if self.shape == ():
            head = "trivial"
        elif self.shape == (1,):
            head = "std"
        else:
            head = "[" + ",".join([f"d-{self.q + sum(self.shape)}"] + [str(r) for r in self.shape]) + "]"
        text = f"{head}(S_{{{group}}})"
        if self.special:
            text += f" x {_S_Q_NAMES[self.special]}(S_{self.special_size})"
        return text

    def dimension(self, d):
        """``dim rho`` (times ``dim lambda`` of ``S_q``) at real ``d``: a polynomial in ``d``
        evaluated with ``+``, ``-``, ``*``, ``/`` only (float, mpf, arb all work)."""
        coefficients, denominator = _dimension_polynomial(self.shape)
        p = d - self.q
        value = p * 0 + coefficients[0]
        for c in coefficients[1:]:
            value = value * p + c
        return value * self.special_dimension / denominator

    @property
    def constant_dimension(self):
        """The dimension when it does not depend on ``d`` (``S_p`` trivial), else ``None``."""
        return self.special_dimension if self.shape == () else None

    def dimension_formula(self):
        """``dimension`` as text in ``d``, e.g. ``d-2``, ``(d-2)(d-3)/2`` (Morse formulas)."""
        q = self.q
        minus = lambda j: "d" if j == 0 else f"d-{j}"
        if self.shape == ():
            return str(self.special_dimension)
        if self.shape == (1,):
            text = minus(q + 1)
        elif self.shape == (2,):
            text = f"{minus(q)}*({minus(q + 3)})/2" if q == 0 else f"({minus(q)})({minus(q + 3)})/2"
        elif self.shape == (1, 1):
            text = f"({minus(q + 1)})({minus(q + 2)})/2"
        else:
            raise ValueError(f"no formula text for the shape {self.shape}")
        return text if self.special_dimension == 1 else f"{self.special_dimension}*({text})"


# ------------------------------------------------------------------ exact bases
def _independent_columns(A):
    """The columns of the integer matrix ``A`` that are independent of the ones before them."""
    keep, rank = [], 0
    for j in range(A.shape[1]):
        if np.linalg.matrix_rank(A[:, keep + [j]]) > rank:
            keep.append(j)
            rank += 1
    return A[:, keep]


def _character(shape, g):
    """``chi_shape(g)`` for the irreducibles of S_2, S_3 (g a permutation tuple)."""
    n = len(g)
    if shape == (n,):
        return 1
    fixed = sum(1 for i, j in enumerate(g) if i == j)
    sign = 1 if (n - _cycles(g)) % 2 == 0 else -1
    if shape == (1,) * n:
        return sign
    if shape == (2, 1):
        return fixed - 1
    raise ValueError(f"no character for {shape}")


def _cycles(g):
    seen, count = set(), 0
    for i in range(len(g)):
        if i not in seen:
            count += 1
            while i not in seen:
                seen.add(i)
                i = g[i]
    return count


@dataclass(frozen=True, eq=False)
class _Component:
    """One isotypic component: its representation and exact bases (rows restricted to the
    support). ``U``: columns projected out at run time (or None); ``R``: integer combinations
    of the fine blocks' rescaling directions to remove (trainable; or None)."""

    representation: Representation
    support: np.ndarray
    Y: np.ndarray
    U: np.ndarray | None
    R: np.ndarray | None
    exact: dict = field(default_factory=dict)

    def basis(self, exact):
        """``(Y, U)`` as float arrays, or as object arrays of Python ints (any context)."""
        if not exact:
            return self.Y, self.U
        if "Y" not in self.exact:
            to_int = lambda A: None if A is None else np.rint(A).astype(np.int64).astype(object)
            self.exact["Y"], self.exact["U"] = to_int(self.Y), to_int(self.U)
        return self.exact["Y"], self.exact["U"]


class _Decomposition:
    """The components of a family structure (built once per structure; they do not depend on
    ``d`` or ``x``) and the shared evaluation of the fine Hessian."""

    def __init__(self, structure, gauge=()):
        sizes = structure.sizes
        if sizes[0] != REAL:
            raise ValueError("the isotypic decomposition needs the real-size block first")
        specials = [int(s) for s in sizes[1:]]
        q = sum(specials)
        tr = structure.trainable
        m = structure.extra_rows
        ones = (1,) * q
        fine = FixedPointSpace((REAL, 1, 1) + ones, tr, m)
        self.structure, self.fine, self.q = structure, fine, q
        special_of = [b for b, s in enumerate(specials, start=1) for _ in range(s)]
        embedding = inclusion_matrix(fine, structure, [0, 0, 0] + special_of)
        self.gather = np.argmax(embedding, axis=1)  # one 1 per row: x_fine = x[gather]
        self.gauge = self._fine_gauge(structure, gauge, special_of)
        single = list(range(1, q + 1))
        triv = FixedPointSpace((REAL,) + ones, tr, m)
        s1 = FixedPointSpace((REAL, 1) + ones, tr, m)
        E_triv = inclusion_matrix(fine, triv, [0, 0, 0] + single)
        E_1 = inclusion_matrix(fine, s1, [0, 1, 0] + [i + 1 for i in single])
        E_1b = inclusion_matrix(fine, s1, [0, 0, 1] + [i + 1 for i in single])
        g_cols = [j for j, key in enumerate(s1.parameters) if 1 in key[1:]]
        std = (E_1 - E_1b)[:, g_cols]
        e_plus, e_minus = np.zeros((fine.size, 1)), np.zeros((fine.size, 1))
        e_plus[fine.index(("P", 1, 2))] = e_plus[fine.index(("P", 2, 1))] = 1.0
        e_minus[fine.index(("P", 1, 2))], e_minus[fine.index(("P", 2, 1))] = 1.0, -1.0
        n_blocks = fine.row_blocks
        R_triv = np.zeros((n_blocks, 1 + q + m))
        R_triv[:3, 0] = 1.0
        for i in range(q + m):  # the special rows, then the extra rows: one mode each
            R_triv[3 + i, 1 + i] = 1.0
        R_std = np.zeros((n_blocks, 1))
        R_std[1, 0], R_std[2, 0] = 1.0, -1.0
        parts = [((), E_triv, None, R_triv), ((1,), std, None, R_std),
                 ((2,), e_plus, np.hstack([E_1, std]), None), ((1, 1), e_minus, std, None)]
        # rescaling directions: xi_b has x on the W-parameters of the rows of fine block b, -a_b on a_b
        self.mode_block = np.array([key[1] for key in fine.parameters])
        self.mode_sign = np.array([-1.0 if key[0] == "a" else 1.0 for key in fine.parameters])
        split = len(specials) == 1 and q in _S_Q_IRREDUCIBLES
        if split and self.gauge:
            raise ValueError("split copies of a special row need the special block refined to singletons")
        self.components = []
        for shape, Y, U, R in parts:
            if not split:
                self._add(Representation(shape, q), Y, U, R if tr else None)
                continue
            copies = modes = 0
            for lam in _S_Q_IRREDUCIBLES[q]:
                K, Kb = self._projector(lam)
                Y_lam = _independent_columns(K @ Y)
                R_lam = _independent_columns(Kb @ R) if (tr and R is not None) else None
                rep = Representation(shape, q, lam)
                copies += rep.special_dimension * Y_lam.shape[1]
                modes += rep.special_dimension * (R_lam.shape[1] if R_lam is not None else 0)
                if Y_lam.shape[1]:
                    self._add(rep, Y_lam, U, R_lam if R_lam is not None and R_lam.shape[1] else None)
            if copies != Y.shape[1] or (tr and R is not None and modes != R.shape[1]):
                raise AssertionError(f"the S_{q} split of {shape} lost dimensions")
        self.monitors = tuple(Monitor(c.representation, structure, c, self) for c in self.components)
        self.by_label = {m.label: m for m in self.monitors}
        w = structure.compiled().weights
        self.family_weights = [tuple(int(round(c)) for c in row) for row in w]

    @staticmethod
    def _fine_gauge(structure, gauge, special_of):
        """The split copies ``(h, e)`` (row blocks of ``structure``: a special singleton ``h``
        and an extra row ``e`` parallel to it at the point) as fine row blocks."""
        out = []
        r, fine_r = len(structure.sizes), 3 + len(special_of)
        for h, e in gauge:
            if not (0 < h < r and structure.sizes[h] == 1 and r <= e < structure.row_blocks):
                raise ValueError(f"a split copy must pair a special singleton block with an extra row, got {(h, e)}")
            out.append((3 + special_of.index(h), e - r + fine_r))
        return tuple(out)

    def _add(self, rep, Y, U, R):
        rows = np.any(Y != 0, axis=1) if U is None else np.any(Y != 0, axis=1) | np.any(U != 0, axis=1)
        support = np.flatnonzero(rows)
        self.components.append(_Component(rep, support, Y[support], None if U is None else U[support], R))

    def _projector(self, lam):
        """``sum_g chi_lam(g) g`` on the fine coordinates and on the fine blocks (times ``1 + s``
        for the 2-dimensional irreducible: one vector per copy)."""
        fine, q = self.fine, self.q
        n_blocks = fine.row_blocks
        K, Kb = np.zeros((fine.size, fine.size)), np.zeros((n_blocks, n_blocks))
        swap_P = swap_Q = None
        for g in permutations(range(q)):
            P, Q = self._permutation(g)
            chi = _character(lam, g)
            K += chi * P
            Kb += chi * Q
            if g == (1, 0) + tuple(range(2, q)):
                swap_P, swap_Q = P, Q
        if _partition_dimension(lam) > 1:
            K = (np.eye(fine.size) + swap_P) @ K
            Kb = (np.eye(n_blocks) + swap_Q) @ Kb
        return K, Kb

    def _permutation(self, g):
        fine = self.fine
        block = list(range(fine.row_blocks))
        for i, j in enumerate(g):
            block[3 + i] = 3 + j
        P = np.zeros((fine.size, fine.size))
        for row, key in enumerate(fine.parameters):
            P[fine.index((key[0],) + tuple(block[b] for b in key[1:])), row] = 1.0
        Q = np.zeros((len(block), len(block)))
        for b, image in enumerate(block):
            Q[image, b] = 1.0
        return P, Q

    # ------------------------------------------------------------ evaluation
    def prepare(self, ctx, x, d):
        """The fine Hessian and metric at the (balanced) point ``x`` of the family at ``d``."""
        q = self.q
        if not d - q - 3 > 0:
            raise ValueError(f"the isotypic spectrum needs d > {q + 3} for blocks {self.structure.sizes}; got d = {d}")
        exact = not _is_float(ctx)
        if exact:
            x = np.array([ctx.convert(v) for v in x], dtype=object)
        else:
            x = np.array(x, dtype=float)
        if x.shape != (self.structure.size,):
            raise ValueError(f"expected {self.structure.size} parameters {self.structure.names}, got {x.shape}")
        if self.structure.trainable:
            x = self._balanced(ctx, x, d)
        xf = x[self.gather]
        if self.gauge:  # split copies are exactly parallel, every other pair well apart
            bd = ctx.block_derivatives(self.fine, xf, d, 2, parallel_tol=SEPARATED_PARALLEL_TOL)
        else:
            bd = ctx.block_derivatives(self.fine, xf, d, 2)
        return _State(ctx, exact, xf, bd.hess, bd.weights)

    def _balanced(self, ctx, x, d):
        """The balanced representative ``|w_al| = |a_al|`` (cases.family.balanced), in ``ctx``."""
        st = self.structure
        n = (ctx.convert(d) if not _is_float(ctx) else float(d)) - st.fixed_total
        norms = [0 * n for _ in range(st.row_blocks)]
        for k, key in enumerate(st.parameters):
            if key[0] != "a":
                c0, c1, c2 = self.family_weights[k]
                al = key[1]
                size = n if al < len(st.sizes) and st.sizes[al] == REAL else int(st.size_poly(al)[0])
                norms[al] = norms[al] + x[k] * x[k] * (c0 + n * (c1 + n * c2)) / size
        out = x.copy()
        for al in range(st.row_blocks):
            ic = st.index(("a", al))
            gamma = ctx.sqrt(abs(x[ic]) / ctx.sqrt(norms[al]))
            for k, key in enumerate(st.parameters):
                if key[0] != "a" and key[1] == al:
                    out[k] = x[k] * gamma
            out[ic] = x[ic] / gamma
        return out

    def block(self, state, component, zero_modes=False):
        """``B_rho`` (and, with ``zero_modes``, the block on the removed rescaling directions or
        None) in the symmetric form ``L^-1 (Y^T Hess Y) L^-T``."""
        ctx = state.ctx
        s = component.support
        Y, U = component.basis(state.exact)
        H = state.hess[np.ix_(s, s)]
        w = state.weights[s]
        if U is not None:
            UM = U.T * w
            Y = Y - U @ _solve(state, UM @ U, UM @ Y)
        YM = Y.T * w
        A, B = Y.T @ H @ Y, YM @ Y
        Z = None
        modes = []
        if component.R is not None:
            R = component.R if not state.exact else np.rint(component.R).astype(np.int64).astype(object)
            modes.append((state.xf[s] * self.mode_sign[s])[:, None] * R[self.mode_block[s], :])
        if self.gauge and component.representation.shape == ():
            modes.append(self._split_modes(state)[s])
        if modes:
            xi = np.hstack(modes)
            G = YM @ xi  # Y^T M Z: the modes in the coefficients of Y, up to B^-1
            N = _null_basis(state, G)
            if zero_modes:
                cz = _solve(state, B, G)
                Z = _symmetric_form(state, cz.T @ A @ cz, cz.T @ B @ cz)
            A, B = N.T @ A @ N, N.T @ B @ N
        C = _symmetric_form(state, A, B)
        return (C, Z) if zero_modes else C


    def _split_modes(self, state):
        """The null directions of a split (one column per copy ``(h, e)``, fine coordinates):
        along the line of critical points ``(alpha w, beta w)``, ``alpha + beta`` fixed, of
        the two parallel rows. Fixed second layer: ``(|w_e| w_h, -|w_h| w_e)``; trainable:
        ``(delta a_h, delta a_e) = (|w_e|, -|w_h|)`` at fixed ``W`` (the output weight moves
        from one copy to the other, ``a_h |w_h| + a_e |w_e|`` fixed) (docs/overparam.md)."""
        ctx, fine, xf, w = state.ctx, self.fine, state.xf, state.weights
        keys = fine.parameters
        norm = lambda R: ctx.sqrt(sum((xf[k] * xf[k] * w[k] for k, key in enumerate(keys)
                                       if key[0] != "a" and key[1] == R), 0 * xf[0]))
        Z = ctx.zeros((fine.size, len(self.gauge))) if state.exact else np.zeros((fine.size, len(self.gauge)))
        for col, (h, e) in enumerate(self.gauge):
            nh, ne = norm(h), norm(e)
            if fine.trainable:
                Z[fine.index(("a", h)), col], Z[fine.index(("a", e)), col] = ne, -nh
                continue
            for k, key in enumerate(keys):
                if key[1] == h:
                    Z[k, col] = xf[k] * ne
                elif key[1] == e:
                    Z[k, col] = -xf[k] * nh
        return Z


@dataclass(frozen=True, eq=False)
class _State:
    ctx: object
    exact: bool
    xf: np.ndarray
    hess: np.ndarray
    weights: np.ndarray


def _is_float(ctx):
    """Whether ``ctx`` computes in float64 numpy arrays (then the bases stay float arrays)."""
    return ctx is FLOAT64


def _solve(state, A, B):
    """``A^-1 B`` for a matrix ``B`` (the contexts solve for one vector at a time)."""
    if not state.exact:
        return np.linalg.solve(A, B)
    ctx = state.ctx
    return np.column_stack([ctx.solve(A, B[:, j]) for j in range(B.shape[1])]) if B.shape[1] else B


def _symmetric_form(state, A, B):
    """``L^-1 A L^-T`` with ``B = L L^T`` (``A``, ``B`` symmetric); ``A / B`` when 1 x 1."""
    if A.shape == (1, 1):
        return A / B[0, 0]
    L = state.ctx.cholesky(B)
    C = _lower_solve(state, L, _lower_solve(state, L, A).T)
    return (C + C.T) / 2


def _lower_solve(state, L, B):
    """``L^-1 B`` for lower-triangular ``L`` by forward substitution, all columns at once (the
    same operations in every number context; one LU per column was the cost of a large block
    in mpmath)."""
    if not state.exact:
        return np.linalg.solve(L, B)
    L = np.asarray(L, dtype=object)
    X = np.empty(B.shape, dtype=object)
    for i in range(L.shape[0]):
        X[i, :] = (B[i, :] - L[i, :i] @ X[:i, :]) / L[i, i] if i else B[i, :] / L[i, i]
    return X


def _null_basis(state, G):
    """``N`` (``m x (m - r)``) spanning ``{a : G^T a = 0}``: pivot rows ``P`` of ``G`` chosen
    in float64 (partial pivoting), ``a_P = -G_P^-T G_N^T a_N``."""
    ctx = state.ctx
    m, r = G.shape
    work = np.array([[ctx.to_float(G[i, j]) for j in range(r)] for i in range(m)])
    pivots = []
    for j in range(r):
        free = [i for i in range(m) if i not in pivots]
        i = max(free, key=lambda i: abs(work[i, j]))
        if work[i, j] == 0.0:
            raise ValueError("the rescaling directions are degenerate at this point")
        pivots.append(i)
        work -= np.outer(work[:, j] / work[i, j], work[i, :])
    rest = [i for i in range(m) if i not in pivots]
    N = ctx.zeros((m, m - r))
    for col, i in enumerate(rest):
        N[i, col] = 1
    if rest:
        N[pivots, :] = -_solve(state, G[pivots, :].T, G[rest, :].T)
    return N


@lru_cache(maxsize=None)
def _decomposition(structure, gauge=()):
    return _Decomposition(structure, tuple(gauge))


# ------------------------------------------------------------------ monitors
@dataclass(frozen=True, eq=False)
class Monitor:
    """One isotypic component of a family's Hessian in one setting.

    ``block(ctx, x, d)``: the isotypic block ``B_rho`` (module docstring) at the family point
    ``x`` (all parameters of ``structure``, any gauge) and dimension ``d``, in the number
    context ``ctx`` (at its current precision); ``smallest`` its smallest eigenvalue (the
    continuation monitor), ``nearest_zero`` its eigenvalue nearest zero (the refinement's
    test function). Each eigenvalue is an eigenvalue of the full Hessian of multiplicity
    ``representation.dimension(d)``.
    """

    representation: Representation
    structure: FixedPointSpace
    _component: _Component = field(repr=False)
    _decomposition: _Decomposition = field(repr=False)

    @property
    def label(self):
        return self.representation.label()

    @property
    def copies(self):
        """The number of copies of the representation in ``R^{k x d}`` (``+ R^k``)."""
        return self._component.Y.shape[1]

    @property
    def size(self):
        """The size of the block ``B_rho``: ``copies`` less the rescaling directions removed."""
        R = self._component.R
        return self.copies - (R.shape[1] if R is not None else 0)

    def block(self, ctx, x, d):
        dec = self._decomposition
        return dec.block(dec.prepare(ctx, x, d), self._component)

    def eigenvalues(self, ctx, x, d):
        """The eigenvalues of ``B_rho``, ascending."""
        C = self.block(ctx, x, d)
        return [C[0, 0]] if C.shape == (1, 1) else list(ctx.eigvalsh(C))

    def smallest(self, ctx, x, d):
        return self.eigenvalues(ctx, x, d)[0]

    def nearest_zero(self, ctx, x, d):
        size = abs if ctx is not ARB else (lambda v: abs(ctx.to_float(v)))  # balls: by midpoint
        return min(self.eigenvalues(ctx, x, d), key=size)


def family_monitors(structure, gauge=()):
    """The monitors of a family structure (``Family.structure(setting)``), one per isotypic
    component, in the order trivial, standard, ``[p-2,2]``, ``[p-2,1,1]`` (each split by
    ``S_q`` in the order trivial, standard, sign)."""
    return _decomposition(structure, tuple(gauge)).monitors


def monitor_for(structure, label, gauge=()):
    """The monitor of ``structure`` whose representation has the label ``label``."""
    by_label = _decomposition(structure, tuple(gauge)).by_label
    if label not in by_label:
        raise ValueError(f"no isotypic block {label!r} for blocks {structure.sizes}; "
                         f"they are {', '.join(by_label)}")
    return by_label[label]


def evaluate(ctx, structure, x, d, gauge=()):
    """Every component at once (one evaluation of the fine Hessian): a list of
    ``(monitor, B_rho, zero-mode block or None)``. ``gauge``: split copies ``(h, e)`` (row
    blocks parallel at ``x``) whose null directions are removed like the rescaling modes."""
    dec = _decomposition(structure, tuple(gauge))
    state = dec.prepare(ctx, x, d)
    return [(m, *dec.block(state, m._component, zero_modes=True)) for m in dec.monitors]
