"""The Hessian spectrum at a symmetric critical point, by isotypic component, at real d.

A family lives on the fixed space of ``H = Delta(S_p x S_{q_1} x ...)`` (block sizes
``(p, q_1, ...)``, ``p = d - q`` real). Following docs/mathematics.md section 7 ((M21)-(M25)), take the smaller group
``K = S_{p-2}`` (the special indices and two generic ones become singletons): the *fine*
structure ``(p-2, 1, 1, 1, ..., 1)``. Every ``S_p``-irreducible in ``R^{k x d}`` (+ ``R^k``)
-- ``[p]``, ``[p-1,1]``, ``[p-2,2]``, ``[p-2,1,1]`` -- has a ``K``-fixed vector and the
Hessian maps ``Fix(K)`` into itself. In ``Fix(K)`` (with its metric ``M``) the isotypic parts
are obtained from the fixed spaces of the intermediate groups, all exactly at real ``p``::

    X_triv   = Fix(S_p)                                    (one vector per copy of [p])
    X_std    = Fix(S_{p-1}) minus Fix(S_p)                 (one per copy of [p-1,1])
    W_ts     = Fix(S_{p-1}) + Fix(S_{p-1}')                (all of [p] + [p-1,1] in Fix(K))
    X_[p-2,2]   = Fix(S_{p-2} x S_2) minus W_ts            (one per copy of [p-2,2])
    X_[p-2,1,1] = Fix(K) minus (W_ts + Fix(S_{p-2} x S_2)) (one per copy of [p-2,1,1])

("minus" is the ``M``-orthogonal complement). The Hessian operator ``M^-1 Hess`` restricted
to ``X_rho`` is the isotypic block ``B_rho``; each of its eigenvalues is an eigenvalue of the
full ``kd x kd`` (or ``kd + k``) Hessian with multiplicity ``dim rho``::

    dim [p] = 1, dim [p-1,1] = p - 1, dim [p-2,2] = p (p - 3) / 2, dim [p-2,1,1] = (p-1)(p-2)/2

The special indices are singletons in every space above, so the symmetry among them is not
quotiented out: a ``B_rho`` eigenvalue repeated by that symmetry appears repeatedly (equal
eigenvalues are merged in the report, their multiplicities added). For one special block
of size 2 or 3, each ``X_rho`` is further split by the irreducibles of ``S_q`` on the special
indices (the class sum of their transpositions acts on the irreducible ``lambda`` as the sum
of its contents), giving labels such as ``trivial(S_{d-2}) x sign(S_2)``.

Trainable second layer: each neuron's rescaling ``(w_i, a_i) -> (c w_i, a_i / c)`` gives the
exact null directions ``xi_i = (w_i, -a_i)`` (differentiate ``grad L(phi_c x) Dphi_c =
grad L(x)`` at ``c = 1``: ``Hess xi = 0`` at a critical point). They span a copy of the
permutation representation of the neurons: ``1 + (number of special indices)`` copies of
``[p]`` and one of ``[p-1,1]`` -- ``d`` zero eigenvalues in all. They are removed from
``X_triv`` and ``X_std`` before the blocks are formed and reported separately, so
``lambda_min`` and the Morse index never see them.

Valid for ``p - 2 > 1`` (the fine generic block must have off-diagonal entries).
"""
from dataclasses import dataclass, field

import numpy as np

from spurious.kernels import BlockStructure, REAL, block_derivatives
from spurious.kernels.blocks import refinement_matrix

MERGE_RTOL = 1e-9


@dataclass(frozen=True)
class SpectrumEntry:
    eigenvalue: float
    representation: str
    multiplicity: float

    def as_dict(self):
        return {"eigenvalue": self.eigenvalue, "representation": self.representation,
                "multiplicity": self.multiplicity}


@dataclass(frozen=True)
class Spectrum:
    """Distinct eigenvalues of the full Hessian with representation and multiplicity.

    ``blocks``: representation label -> eigenvalues of ``B_rho`` (ascending, rescaling modes
    removed). ``zero_modes``: the Hessian on the rescaling directions (Rayleigh quotients,
    ~0 at a critical point) with their multiplicity ``d`` in all; empty for a fixed second layer.
    """

    d: float
    entries: list
    blocks: dict
    dims: dict
    zero_modes: list = field(default_factory=list)

    @property
    def lambda_min(self):
        return min(e.eigenvalue for e in self.entries)

    def morse_index(self, tol=0.0):
        """Number of negative eigenvalues (with multiplicity), rescaling modes excluded."""
        return sum(e.multiplicity for e in self.entries if e.eigenvalue < -tol)

    def block_minima(self):
        """Smallest eigenvalue of every isotypic block (the continuation monitors)."""
        return {label: float(vals[0]) for label, vals in self.blocks.items() if len(vals)}

    def expanded(self):
        """All eigenvalues with multiplicity (integer ``d`` only), zero modes included, sorted."""
        out = []
        for e in self.entries:
            out.extend([e.eigenvalue] * int(round(e.multiplicity)))
        for value, mult in self.zero_modes:
            out.extend([value] * int(round(mult)))
        return np.sort(np.array(out))


def _labels(q):
    p = "d" if q == 0 else f"d-{q}"
    pm = lambda j: f"d-{q + j}"
    return {"triv": f"trivial(S_{{{p}}})", "std": f"std(S_{{{p}}})",
            "22": f"[{pm(2)},2](S_{{{p}}})", "211": f"[{pm(2)},1,1](S_{{{p}}})"}


def _dims(p):
    return {"triv": 1.0, "std": p - 1.0, "22": p * (p - 3) / 2, "211": (p - 1) * (p - 2) / 2}


@dataclass(frozen=True)
class _Spaces:
    """The fine structure and the embeddings of the intermediate fixed spaces into it."""

    fine: BlockStructure
    family_embedding: np.ndarray
    triv: np.ndarray
    s1: np.ndarray
    s1b: np.ndarray
    s2: np.ndarray
    counts: dict


def _spaces(family_structure):
    sizes = family_structure.sizes
    if sizes[0] != REAL:
        raise ValueError("the spectrum needs the real-size block first")
    specials = [int(s) for s in sizes[1:]]
    q = sum(specials)
    tr = family_structure.trainable
    ones = (1,) * q
    fine = BlockStructure((REAL, 1, 1) + ones, tr)
    # fine blocks: 0 = generic (p-2), 1 = g1, 2 = g2, 3.. = special singletons
    special_of = [b for b, s in enumerate(specials, start=1) for _ in range(s)]
    fam_map = [0, 0, 0] + special_of
    single = list(range(1, q + 1))
    triv = BlockStructure((REAL,) + ones, tr)
    s1 = BlockStructure((REAL, 1) + ones, tr)
    s2 = BlockStructure((REAL, 2) + ones, tr)
    E_triv = refinement_matrix(fine, triv, [0, 0, 0] + single)
    E_s1 = refinement_matrix(fine, s1, [0, 1, 0] + [i + 1 for i in single])
    E_s1b = refinement_matrix(fine, s1, [0, 0, 1] + [i + 1 for i in single])
    E_s2 = refinement_matrix(fine, s2, [0, 1, 1] + [i + 1 for i in single])
    m_t = triv.size
    m_s = s1.size - m_t
    m_22 = s2.size - m_t - m_s
    m_211 = fine.size - m_t - 2 * m_s - m_22
    counts = {"triv": m_t, "std": m_s, "22": m_22, "211": m_211}
    return _Spaces(fine, refinement_matrix(fine, family_structure, fam_map),
                   E_triv, E_s1, E_s1b, E_s2, counts)


def _orth(Y, rank):
    """Orthonormal basis of the span of the columns of Y, of the given rank."""
    if rank == 0:
        return np.zeros((Y.shape[0], 0))
    U, _, _ = np.linalg.svd(Y, full_matrices=False)
    return U[:, :rank]


def _complement(Y, X, rank):
    """Orthonormal basis (of the given rank) of span(Y) minus its part in span(X) (X orthonormal)."""
    return _orth(Y - X @ (X.T @ Y), rank)


def _rescaling_modes(fine, x):
    """The rescaling directions xi_i = (w_i, -a_i), one per fine block, as columns."""
    Z = np.zeros((fine.size, len(fine.sizes)))
    for row, key in enumerate(fine.parameters):
        Z[row, key[1]] = -x[row] if key[0] == "c" else x[row]
    return Z


def hessian_spectrum(family_structure, x, d):
    """The spectrum (:class:`Spectrum`) at the point ``x`` of ``family_structure`` at dimension ``d``."""
    sizes = family_structure.sizes
    q = sum(int(s) for s in sizes[1:])
    p = d - q
    if not p - 2 > 1:
        raise ValueError(f"the isotypic spectrum needs d > {q + 3} for blocks {sizes}; got d = {d}")
    sp = _spaces(family_structure)
    xf = sp.family_embedding @ np.asarray(x, dtype=float)
    bd = block_derivatives(sp.fine, xf, d)
    root = np.sqrt(bd.weights)
    Hs = bd.hess / np.outer(root, root)  # M^-1/2 Hess M^-1/2: symmetric, same spectrum as M^-1 Hess
    scale = lambda E: root[:, None] * E
    c = sp.counts
    X_triv = _orth(scale(sp.triv), c["triv"])
    X_std = _complement(scale(sp.s1), X_triv, c["std"])
    W_ts = _orth(np.hstack([scale(sp.s1), scale(sp.s1b)]), c["triv"] + 2 * c["std"])
    X_22 = _complement(scale(sp.s2), W_ts, c["22"])
    both = _orth(np.hstack([W_ts, X_22]), c["triv"] + 2 * c["std"] + c["22"])
    X_211 = _complement(np.eye(sp.fine.size), both, c["211"])
    spaces = {"triv": X_triv, "std": X_std, "22": X_22, "211": X_211}
    zero_modes = []
    dims = _dims(p)
    if family_structure.trainable:
        Z = scale(_rescaling_modes(sp.fine, xf))
        n_zero = {"triv": 1 + q, "std": 1}
        for key, r in n_zero.items():
            X = spaces[key]
            Zx = _orth(X @ (X.T @ Z), r)
            for j in range(r):
                zero_modes.append((float(Zx[:, j] @ Hs @ Zx[:, j]), dims[key]))
            spaces[key] = _complement(X, Zx, X.shape[1] - r)
    labels = _labels(q)
    special = _special_class_sum(sp.fine, family_structure)
    blocks, entries, block_dims = {}, [], {}
    for key, X in spaces.items():
        for suffix, Y in _split_by_special_symmetry(X, special):
            label = labels[key] + suffix
            vals = np.linalg.eigvalsh(Y.T @ Hs @ Y) if Y.shape[1] else np.zeros(0)
            blocks[label] = vals
            block_dims[label] = dims[key]
            if dims[key] > 0:
                entries.extend(_merge(vals, label, dims[key]))
    entries.sort(key=lambda e: e.eigenvalue)
    return Spectrum(float(d), entries, blocks, block_dims, zero_modes)


# Irreducibles of S_q (q = 2, 3) told apart by the class sum of transpositions, which acts on
# the irreducible of shape lambda as the scalar sum of the contents (column - row) of lambda.
_CONTENT_SUMS = {2: {1: "trivial", -1: "sign"}, 3: {3: "trivial", 0: "standard", -3: "sign"}}


def _special_class_sum(fine, family_structure):
    """The class sum of the transpositions of the special indices, as a matrix on the fine
    coordinates (the specials are singletons there, so each transposition permutes
    coordinates), or None when there is no single special block of size 2 or 3."""
    sizes = family_structure.sizes[1:]
    if len(sizes) != 1 or int(sizes[0]) not in _CONTENT_SUMS:
        return None
    q = int(sizes[0])
    specials = list(range(3, 3 + q))
    T = np.zeros((fine.size, fine.size))
    for i in range(q):
        for j in range(i + 1, q):
            swap = {specials[i]: specials[j], specials[j]: specials[i]}
            for row, key in enumerate(fine.parameters):
                image = (key[0],) + tuple(swap.get(b, b) for b in key[1:])
                T[fine.index(image), row] += 1.0
    return q, T


def _split_by_special_symmetry(X, special):
    """Split the span of X (orthonormal) by the irreducibles of S_q acting on the special
    indices: [(label suffix, orthonormal basis)]. The class sum commutes with the Hessian and
    with every S_p isotypic projection, and preserves the (equal) weights of the specials."""
    if special is None or X.shape[1] == 0:
        return [("", X)]
    q, T = special
    vals, vecs = np.linalg.eigh(X.T @ T @ X)
    out = []
    for content, name in _CONTENT_SUMS[q].items():
        sel = np.abs(vals - content) < 1e-6
        if sel.any():
            out.append((f" x {name}(S_{q})", X @ vecs[:, sel]))
    if sum(Y.shape[1] for _, Y in out) != X.shape[1]:
        raise AssertionError("the class sum of the special transpositions has an unexpected eigenvalue")
    return out


def _merge(vals, label, dim):
    out = []
    for v in vals:
        if out and abs(v - out[-1][0]) <= MERGE_RTOL * max(1.0, abs(v)):
            out[-1][1] += dim
        else:
            out.append([float(v), dim])
    return [SpectrumEntry(v, label, m) for v, m in out]
