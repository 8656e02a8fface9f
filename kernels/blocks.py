"""Fixed-point spaces of block-diagonal permutation groups, with one block of real size.

The indices ``1..k`` (``k = d``, teacher ``V = I``, ``b = 1``) are split into blocks of sizes
``n_1..n_r``; the group ``Delta(S_{n_1} x ... x S_{n_r})`` acts by simultaneous row and
column permutations. Its fixed-point space (docs/mathematics.md section 4, (M13)) holds the block-constant
``W``::

    W[i, j] = D_al  (i = j in block al),   O_al  (i != j, both in block al),
              P_alb (i in block al, j in block b != al);       a_i = a_al (trainable)

A row ``w_i`` of block ``al`` has the Gram quantities (all polynomials in the sizes)::

    A_al   = |w_i|^2   = D_al^2 + (n_al - 1) O_al^2 + sum_{b != al} n_b P_alb^2              (B1)
    C_alal = w_i.w_i'  = 2 D_al O_al + (n_al - 2) O_al^2 + sum_{b != al} n_b P_alb^2         (B2)
    C_alb  = w_i.w_j   = P_bal (D_al + (n_al - 1) O_al) + P_alb (D_b + (n_b - 1) O_b)
                         + sum_{g != al, b} n_g P_alg P_bg                                    (B3)
    w_i.e_i = D_al,  w_i.e_j = O_al (j in al),  P_alb (j in b)                                 (B4)

and the loss (L1) becomes a finite sum ``sum_terms count * weight * F(A, B, C)``::

    self        n_al              a_al^2 / 2   F(A_al, A_al, A_al)
    same block  n_al (n_al - 1)   a_al^2 / 2   F(A_al, A_al, C_alal)
    cross       n_al n_b          a_al a_b     F(A_al, A_b, C_alb)          (al < b)
    teacher     n_al              -a_al        F(A_al, 1, D_al)
                n_al (n_al - 1)   -a_al        F(A_al, 1, O_al)
                n_al n_b          -a_al        F(A_al, 1, P_alb)
    constant    k / 4  +  k (k - 1) F(1, 1, 0) / 2                                        (B5)

Over-parameterisation (``k = d + m`` neurons, ``extra_rows = m``). An extra neuron ``e`` is
fixed by the group only if it is constant on every column block: ``W[e, j] = P_eb`` for
``j`` in block ``b``. It is a row block of size one with no teacher partner, so (B1)-(B5)
hold with ``e`` in place of ``al`` after dropping every ``D_e``/``O_e`` (and its teacher
``D``/``O`` terms)::

    A_e = sum_b n_b P_eb^2,   C_eal = P_eal (D_al + (n_al - 1) O_al) + sum_{g != al} n_g P_eg P_alg,
    C_ee' = sum_g n_g P_eg P_e'g,   w_e.e_j = P_eb (j in b)                                  (B6)

The teacher still has ``d`` neurons, one per column.

One block may have a real size ``n`` (the dimension ``d`` treated as a real number); every
count and Gram coefficient is then a polynomial of degree <= 2 in ``n``, stored as its three
coefficients. The metric weight of a parameter is the number of entries it fills:
``D: n_al``, ``O: n_al (n_al - 1)``, ``P: n_al n_b``, ``a: n_al``.

This module only builds the structure (pure Python, once per structure); the sums are
evaluated by :mod:`kernels.blockkernel`.
"""
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

REAL = "n"  # marks the block whose size is the real variable


def _poly(c0=0.0, c1=0.0, c2=0.0):
    return (float(c0), float(c1), float(c2))


def _pmul(p, q):
    r = [0.0] * 5
    for i in range(3):
        for j in range(3):
            r[i + j] += p[i] * q[j]
    if r[3] or r[4]:
        raise AssertionError("a coefficient of degree > 2 in the real block size")
    return (r[0], r[1], r[2])


def _padd(p, q):
    return (p[0] + q[0], p[1] + q[1], p[2] + q[2])


def _pconst(c):
    return _poly(c)


@dataclass
class _Quadratic:
    """A polynomial in the parameters of degree <= 2 whose coefficients are polynomials in n."""

    quad: dict = field(default_factory=dict)  # (i, j) with i <= j -> coefficient poly
    lin: dict = field(default_factory=dict)  # i -> coefficient poly
    const: tuple = (0.0, 0.0, 0.0)

    def add_quad(self, i, j, coef):
        key = (min(i, j), max(i, j))
        self.quad[key] = _padd(self.quad.get(key, _poly()), coef)


@dataclass(frozen=True)
class FixedPointSpace:
    """The fixed-point space of ``Delta(S_{n_1} x ... x S_{n_r})`` (``k = d``, ``V = I``, ``b = 1``).

    ``sizes``: the block sizes; at most one entry may be the string ``"n"`` (:data:`REAL`),
    the block whose size is the real variable ``n``. ``trainable``: whether the second layer
    is a parameter (one value per block) or fixed to ``1``.
    """

    sizes: tuple
    trainable: bool = False
    extra_rows: int = 0
    """Neurons beyond the ``d`` rows paired with the columns (over-parameterisation,
    ``k = d + extra_rows``): each is a row block of its own, constant on every column block
    (parameters ``P_eb``), with no teacher partner (equations (B6))."""

    def __post_init__(self):
        sizes = tuple(self.sizes)
        object.__setattr__(self, "sizes", sizes)
        if isinstance(self.extra_rows, bool) or int(self.extra_rows) != self.extra_rows or self.extra_rows < 0:
            raise ValueError(f"extra_rows must be a non-negative integer, got {self.extra_rows!r}")
        object.__setattr__(self, "extra_rows", int(self.extra_rows))
        if not sizes:
            raise ValueError("a block structure needs at least one block")
        n_real = sum(1 for s in sizes if s == REAL)
        if n_real > 1:
            raise ValueError("at most one block may have the real size 'n'")
        for s in sizes:
            if s != REAL and (int(s) != s or s < 1):
                raise ValueError(f"block sizes must be positive integers or 'n', got {s!r}")

    # ----------------------------------------------------------------- sizes
    @property
    def real_block(self):
        """Index of the real-size block, or ``None``."""
        return self.sizes.index(REAL) if REAL in self.sizes else None

    @property
    def fixed_total(self):
        """Sum of the integer block sizes, so that ``d = n + fixed_total``."""
        return sum(int(s) for s in self.sizes if s != REAL)

    @property
    def row_blocks(self):
        """The number of row blocks: one per column block, then one per extra row."""
        return len(self.sizes) + self.extra_rows

    def size_poly(self, al):
        """The number of rows of row block ``al`` (of columns, for ``al < len(sizes)``)."""
        if al >= len(self.sizes):
            return _poly(1)
        s = self.sizes[al]
        return _poly(0, 1) if s == REAL else _poly(int(s))

    def has_offdiag(self, al):
        if al >= len(self.sizes):
            return False
        s = self.sizes[al]
        return s == REAL or int(s) >= 2

    def n_of_d(self, d):
        """The real block size at dimension ``d``; ``d`` itself when all sizes are fixed."""
        return d - self.fixed_total if self.real_block is not None else float(self.fixed_total)

    def integer_sizes(self, d):
        """The block sizes at an integer ``d`` (ValueError if ``d`` does not fit)."""
        sizes = []
        for s in self.sizes:
            if s == REAL:
                n = d - self.fixed_total
                if int(n) != n or n < 1:
                    raise ValueError(f"d = {d} gives the real block the size {n}: not a positive integer")
                sizes.append(int(n))
            else:
                sizes.append(int(s))
        return sizes

    # ------------------------------------------------------------ parameters
    @property
    def parameters(self):
        """Parameter keys in order: ("D", al), ("O", al), ("P", al, b), ("a", al)."""
        return _layout(self)[0]

    @property
    def names(self):
        """Readable parameter names, e.g. ``D1``, ``O1``, ``P12``, ``a2`` (blocks from 1)."""
        return [k[0] + "".join(str(i + 1) for i in k[1:]) for k in self.parameters]

    @property
    def size(self):
        return len(self.parameters)

    def index(self, key):
        return _layout(self)[1][key]

    def weight_polys(self):
        """Metric weights (entries filled by each parameter) as polynomials in n."""
        out = []
        for key in self.parameters:
            kind, al = key[0], key[1]
            na = self.size_poly(al)
            if kind in ("D", "a"):
                out.append(na)
            elif kind == "O":
                out.append(_pmul(na, _padd(na, _pconst(-1))))
            else:
                out.append(_pmul(na, self.size_poly(key[2])))
        return np.array(out)

    def compiled(self):
        """The arrays consumed by :mod:`kernels.blockkernel` (built once per structure)."""
        return _compile(self)


@lru_cache(maxsize=None)
def _layout(st):
    """Parameter keys in order and their positions."""
    r = len(st.sizes)
    keys = []
    for al in range(r):
        keys.append(("D", al))
        if st.has_offdiag(al):
            keys.append(("O", al))
    for al in range(st.row_blocks):
        for b in range(r):
            if al != b:
                keys.append(("P", al, b))
    if st.trainable:
        keys.extend(("a", al) for al in range(st.row_blocks))
    return keys, {k: i for i, k in enumerate(keys)}


def _gram_quantities(st):
    """(B1)-(B4), (B6) as _Quadratic objects; returns the list and a dict of named indices."""
    r = len(st.sizes)
    R = st.row_blocks
    ix = st.index
    grams, names = [], {}

    def new(name):
        names[name] = len(grams)
        grams.append(_Quadratic())
        return grams[-1]

    one = _pconst(1)
    for al in range(R):
        na = st.size_poly(al)
        A = new(("A", al))
        if al < r:
            A.add_quad(ix(("D", al)), ix(("D", al)), one)
        if st.has_offdiag(al):
            A.add_quad(ix(("O", al)), ix(("O", al)), _padd(na, _pconst(-1)))
        for b in range(r):
            if b != al:
                A.add_quad(ix(("P", al, b)), ix(("P", al, b)), st.size_poly(b))
        if st.has_offdiag(al):
            Cs = new(("C", al, al))
            Cs.add_quad(ix(("D", al)), ix(("O", al)), _pconst(2))
            Cs.add_quad(ix(("O", al)), ix(("O", al)), _padd(na, _pconst(-2)))
            for b in range(r):
                if b != al:
                    Cs.add_quad(ix(("P", al, b)), ix(("P", al, b)), st.size_poly(b))
    for al in range(R):
        for b in range(al + 1, R):
            C = new(("C", al, b))
            for (x, y) in ((al, b), (b, al)):
                if x >= r:
                    continue
                # the columns of block x: w_i (row in x) has D_x at its own column,
                # O_x at the n_x - 1 others; w_j (row in y) has P_yx there.
                C.add_quad(ix(("P", y, x)), ix(("D", x)), one)
                if st.has_offdiag(x):
                    C.add_quad(ix(("P", y, x)), ix(("O", x)), _padd(st.size_poly(x), _pconst(-1)))
            for g in range(r):
                if g not in (al, b):
                    C.add_quad(ix(("P", al, g)), ix(("P", b, g)), st.size_poly(g))
    for key in st.parameters:
        if key[0] in ("D", "O", "P"):
            lin = new(("lin",) + key)
            lin.lin[ix(key)] = one
    new("one").const = one
    new("zero").const = _pconst(0)
    return grams, names


def _terms(st, names):
    """(B5), (B6): tuples (count poly, factor, weight index 1, weight index 2, gA, gB, gC)."""
    r = len(st.sizes)
    ix = st.index
    terms = []

    def cw(al):
        return ix(("a", al)) if st.trainable else -1

    one = names["one"]
    for al in range(st.row_blocks):
        na = st.size_poly(al)
        A = names[("A", al)]
        terms.append((na, 0.5, cw(al), cw(al), A, A, A))
        if al < r:
            terms.append((na, -1.0, cw(al), -1, A, one, names[("lin", "D", al)]))
        if st.has_offdiag(al):
            pairs = _pmul(na, _padd(na, _pconst(-1)))
            terms.append((pairs, 0.5, cw(al), cw(al), A, A, names[("C", al, al)]))
            terms.append((pairs, -1.0, cw(al), -1, A, one, names[("lin", "O", al)]))
        for b in range(st.row_blocks):
            if b == al:
                continue
            nanb = _pmul(na, st.size_poly(b))
            if b < r:
                terms.append((nanb, -1.0, cw(al), -1, A, one, names[("lin", "P", al, b)]))
            if b > al:
                terms.append((nanb, 1.0, cw(al), cw(b), A, names[("A", b)], names[("C", al, b)]))
    k = _poly(0)  # the teacher's neurons: one per column
    for al in range(r):
        k = _padd(k, st.size_poly(al))
    terms.append((k, 0.5, -1, -1, one, one, one))
    terms.append((_pmul(k, _padd(k, _pconst(-1))), 0.5, -1, -1, one, one, names["zero"]))
    return terms


@lru_cache(maxsize=None)
def _compile(st):
    grams, names = _gram_quantities(st)
    terms = _terms(st, names)
    q_ptr, q_i, q_j, q_c = [0], [], [], []
    l_ptr, l_i, l_c = [0], [], []
    nz_ptr, nz_idx = [0], []
    const = []
    for g in grams:
        nz = set()
        for (i, j), c in sorted(g.quad.items()):
            q_i.append(i)
            q_j.append(j)
            q_c.append(c)
            nz.update((i, j))
        q_ptr.append(len(q_i))
        for i, c in sorted(g.lin.items()):
            l_i.append(i)
            l_c.append(c)
            nz.add(i)
        l_ptr.append(len(l_i))
        nz_idx.extend(sorted(nz))
        nz_ptr.append(len(nz_idx))
        const.append(g.const)
    ints = lambda v: np.array(v, dtype=np.int64)
    polys = lambda v: np.array(v, dtype=np.float64).reshape(-1, 3)
    arrays = CompiledStructure(
        q_ptr=ints(q_ptr), q_i=ints(q_i), q_j=ints(q_j), q_c=polys(q_c),
        l_ptr=ints(l_ptr), l_i=ints(l_i), l_c=polys(l_c),
        nz_ptr=ints(nz_ptr), nz_idx=ints(nz_idx), g_const=polys(const),
        t_count=polys([t[0] for t in terms]),
        t_factor=np.array([t[1] for t in terms]),
        t_w=ints([[t[2], t[3]] for t in terms]).reshape(-1, 2),
        t_g=ints([[t[4], t[5], t[6]] for t in terms]).reshape(-1, 3),
        weights=st.weight_polys(),
        gram_names=names,
    )
    return arrays


@dataclass(frozen=True, eq=False)
class CompiledStructure:
    """Flat arrays describing the Gram quantities (CSR by quantity) and the terms of (B5)."""

    q_ptr: np.ndarray
    q_i: np.ndarray
    q_j: np.ndarray
    q_c: np.ndarray
    l_ptr: np.ndarray
    l_i: np.ndarray
    l_c: np.ndarray
    nz_ptr: np.ndarray
    nz_idx: np.ndarray
    g_const: np.ndarray
    t_count: np.ndarray
    t_factor: np.ndarray
    t_w: np.ndarray
    t_g: np.ndarray
    weights: np.ndarray
    gram_names: dict

    def kernel_args(self):
        return (self.q_ptr, self.q_i, self.q_j, self.q_c, self.l_ptr, self.l_i, self.l_c,
                self.nz_ptr, self.nz_idx, self.g_const, self.t_count, self.t_factor,
                self.t_w, self.t_g)


def inclusion_matrix(fine, coarse, block_map):
    """The 0/1 matrix ``E`` with ``x_fine = E x_coarse`` embedding the fixed space of ``coarse``
    into that of ``fine`` (a finer partition: ``Fix(coarse group) c Fix(fine group)``).

    ``block_map[i]`` is the coarse block containing fine block ``i``. A fine off-diagonal
    value ``P_ij`` with both fine blocks in one coarse block ``I`` is the coarse ``O_I``.
    Extra rows (both structures must have as many) map to the extra rows in order.
    """
    if len(block_map) != len(fine.sizes) or set(block_map) != set(range(len(coarse.sizes))):
        raise ValueError("block_map must send the fine blocks onto all coarse blocks")
    if fine.trainable != coarse.trainable:
        raise ValueError("both structures must be in the same setting")
    if fine.extra_rows != coarse.extra_rows:
        raise ValueError("both structures must have the same extra rows")
    shift = len(coarse.sizes) - len(fine.sizes)
    rows = list(block_map) + [e + shift for e in range(len(fine.sizes), fine.row_blocks)]
    E = np.zeros((fine.size, coarse.size))
    for row, key in enumerate(fine.parameters):
        kind, i = key[0], key[1]
        I = rows[i]
        if kind == "P" and block_map[key[2]] == I:
            src = ("O", I)
        elif kind == "P":
            src = ("P", I, block_map[key[2]])
        else:
            src = (kind, I)
        E[row, coarse.index(src)] = 1.0
    return E
