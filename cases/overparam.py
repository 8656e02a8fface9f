"""Over-parameterisation: a family's critical point embedded into the ``k = d + m`` problem.

A critical point ``(W, a)`` with ``k = d`` neurons is embedded into the problem with
``k = d + m`` neurons (teacher unchanged) in ways that keep the network function
(docs/overparam.md):

* **split** a neuron ``w`` (second-layer weight ``a``) into ``m + 1`` copies. Fixed second
  layer: the rows ``t_0 w, ..., t_m w`` (``t_j > 0``, ``sum t_j = 1``), since
  ``relu(t w.x) = t relu(w.x)`` for ``t > 0``. Trainable second layer: the rows stay ``w``
  and the output weights become ``t_0 a, ..., t_m a`` (any real ``t_j`` with
  ``sum t_j = 1``: the same function). Which neuron is split matters: a *special* one (a
  row of a special block) or a *generic* one (a row of the real-size block).
* add ``m`` **zero neurons** (``w_e = 0``; ``a_e = 1`` fixed, ``a_e = 0`` trainable). The loss
  is not differentiable at ``w_e = 0``; there we use the one-sided directional derivative.

Symmetry. The embedded point is fixed by ``Delta(S_{d-q'} x ...)`` acting on the ``d``
neurons paired with the columns and on the columns, the ``m`` added rows being constant on
every column block: the structure ``FixedPointSpace(sizes, trainable, extra_rows=m)``
((B6) of :mod:`kernels.blocks`), with the split neuron a singleton block (block 1). Its
Hessian is reduced by the isotypic components of ``S_{d-q'}`` exactly as for a family
(:mod:`cases.monitors`); the copies only add copies of the trivial and standard
representations.

Split gauge. The copies lie on a line of critical points: fixed setting
``(alpha w, beta w)`` with ``alpha + beta`` constant; trainable ``(a_h, a_e)`` with
``a_h |w_h| + a_e |w_e|`` constant (besides every neuron's rescaling). These ``m`` null
directions of the Hessian (in the trivial component) are removed like the rescaling modes
and reported with the zero modes; the Morse index and the kind are those of the remaining
spectrum, which a gauge-invariant statement needs.

Zero neuron, one-sided. With ``a_e = 1`` the loss along ``w_e = eps u`` is *exactly*
``L(eps u) = L_0 + eps phi(u) + eps^2 |u|^2 / 4`` (positive homogeneity), with

    phi(u) = sum_j a_j F(u, w_j) - sum_c F(u, e_c) = E[relu(u.x) (f(x) - f_teacher(x))]   (Z1)

the one-sided directional derivative. A ``u`` with ``phi(u) < 0`` is a first-order
descent direction (the embedded point is a saddle in the sense that the loss decreases
along a ray); ``phi`` vanishes at the directions of the existing neurons (criticality), so
``min phi <= 0`` always. Trainable (the point is ``w_e = 0``, ``a_e = 0``): along
``(w_e, a_e) = (s u, s t)`` the loss is ``L_0 + s^2 t phi(u) + s^4 t^2 |u|^2 / 4``, so any ``u``
with ``phi(u) != 0`` gives a second-order descent (a direction of negative curvature),
choosing the sign of ``t``. ``phi`` is evaluated from the same kernels as ``L`` (Z1 is ``L(x, u) - L_0 -
|u|^2 / 4`` on the structure with one extra row) and minimised over the unit sphere of the
directions fixed by ``S_{d-q-1}`` (one generic coordinate set apart); at integer ``d`` a
random search over the whole sphere of ``R^d`` checks that nothing lower was missed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import numpy as np
from scipy.optimize import minimize

from spurious.kernels import REAL, FixedPointSpace, block_derivatives
from spurious.kernels.api import SEPARATED_PARALLEL_TOL, embed, gram_values, max_row_cosine, row_norms_squared
from spurious.kernels.blocks import inclusion_matrix

from .family import Family, FamilyError, Seed, balanced, newton_at, point_from_seed, with_second_layer
from .spectrum import hessian_spectrum, index_formula

SPLIT_SPECIAL = "split-special"
SPLIT_GENERIC = "split-generic"
ZERO = "zero-neuron"
KINDS = (SPLIT_SPECIAL, SPLIT_GENERIC, ZERO)
M_MAX = 3
SEPARATION_MIN = 1e-3
"""Smallest sine of the angle between two rows of an embedded point that are not copies;
well above :data:`~spurious.kernels.api.SEPARATED_PARALLEL_TOL`, so every pair is recognised."""
PHI_TOL = 1e-9
"""A one-sided derivative below ``-PHI_TOL`` (relative to ``|u| = 1``) counts as descent."""
KIND_TOL = 1e-9
"""Eigenvalues within ``KIND_TOL`` (relative) of 0 make a point degenerate rather than a minimum."""


class OverparamError(ValueError):
    """A request the over-parameterised analysis cannot answer."""


@dataclass(frozen=True)
class Embedding:
    """How a ``k = d`` point is embedded with ``m`` more neurons: ``kind`` in :data:`KINDS`,
    ``m``, and for a split the weights ``t_0, ..., t_m`` (Fractions, sum 1)."""

    kind: str
    m: int
    weights: tuple = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise OverparamError(f"unknown embedding {self.kind!r}; choose one of {', '.join(KINDS)}")
        if isinstance(self.m, bool) or not isinstance(self.m, (int, np.integer)) or not 1 <= self.m <= M_MAX:
            raise OverparamError(f"m must be an integer from 1 to {M_MAX}, got {self.m!r}")
        weights = tuple(Fraction(t) for t in self.weights)
        if self.kind == ZERO:
            if weights:
                raise OverparamError("a zero-neuron embedding takes no weights")
        else:
            if not weights:
                weights = (Fraction(1, self.m + 1),) * (self.m + 1)
            if len(weights) != self.m + 1 or sum(weights) != 1 or min(weights) <= 0:
                raise OverparamError(f"a split into {self.m + 1} copies needs {self.m + 1} positive weights "
                                     f"adding up to 1, got {[str(t) for t in weights]}")
        object.__setattr__(self, "weights", weights)

    @property
    def label(self):
        """E.g. ``split-special`` (equal weights), ``split-generic(1/3,2/3)``, ``zero-neuron``."""
        if self.kind == ZERO or len(set(self.weights)) == 1:
            return self.kind
        return f"{self.kind}({','.join(str(t) for t in self.weights)})"


def embeddings_for(family, m):
    """The embeddings tried for ``family`` with ``m`` more neurons: a special neuron split (if
    the family has special neurons), a generic one split, and ``m`` zero neurons."""
    kinds = ([SPLIT_SPECIAL] if family.q > 0 else []) + [SPLIT_GENERIC, ZERO]
    return [Embedding(kind, m) for kind in kinds]


@dataclass(frozen=True, eq=False)
class EmbeddedStructure:
    """The ``k = d + m`` structure of an embedding and the linear map from the family's
    parameters: ``x_over[i] = scale[i] * x_family[source[i]]``. ``gauge``: the split copies
    ``(h, e)`` (row blocks) whose null directions are removed from the spectrum."""

    family: object
    setting: str
    embedding: Embedding
    structure: FixedPointSpace
    source: np.ndarray
    scale: tuple
    gauge: tuple
    refined: FixedPointSpace = field(repr=False)

    @property
    def d_min(self):
        """Exclusive lower end: the isotypic spectrum needs ``d - q' - 2 > 1`` (``q'`` the rows
        outside the real-size block, the split neuron included)."""
        return self.structure.fixed_total + 3

    def embed(self, x_family):
        """``x_over`` in the numbers of ``x_family`` (float, or mpf: the weights are exact)."""
        x = list(x_family)
        out = [x[i] * 0 for i in self.source]
        for k, (i, t) in enumerate(zip(self.source, self.scale)):
            out[k] = x[i] * t.numerator / t.denominator if t != 1 else x[i]
        return np.array(out) if isinstance(x[0], float) else np.array(out, dtype=object)


@lru_cache(maxsize=None)
def embedded_structure(family, setting, embedding):
    """The :class:`EmbeddedStructure` of ``embedding`` for ``family`` in ``setting``."""
    base = family.structure(setting)
    trainable = base.trainable
    specials = [int(s) for s in base.sizes[1:]]
    if embedding.kind == SPLIT_SPECIAL:
        if not specials:
            raise OverparamError(f"{family.name} has no special neuron to split")
        # the first special block loses one row, which becomes block 1
        rest = [specials[0] - 1] if specials[0] > 1 else []
        sizes = (REAL, 1, *rest, *specials[1:])
        block_map = [0, 1] + ([1] if rest else []) + list(range(2, len(specials) + 1))
    elif embedding.kind == SPLIT_GENERIC:
        sizes = (REAL, 1, *specials)
        block_map = [0, 0] + list(range(1, len(specials) + 1))
    else:
        sizes, block_map = base.sizes, list(range(len(base.sizes)))
    refined = FixedPointSpace(sizes, trainable)
    over = FixedPointSpace(sizes, trainable, embedding.m)
    E = inclusion_matrix(refined, base, block_map)
    r = len(sizes)
    source, scale = [], []
    for key in over.parameters:
        row = key[1]
        if row < r:  # a row paired with the columns: as in the family (the split row scaled)
            src = int(np.argmax(E[refined.index(key)]))
            t = embedding.weights[0] if (row == 1 and embedding.kind != ZERO and (key[0] == "a") == trainable) else 1
        elif embedding.kind == ZERO:
            src, t = 0, 0
            if key[0] == "a" and not trainable:
                raise AssertionError("no second-layer parameter in the fixed setting")
        else:  # a copy of row 1: its entry in column block b is row 1's (D_1 in its own column)
            j = row - r + 1
            if key[0] == "a":
                src_key = ("a", 1)
            else:
                src_key = ("D", 1) if key[2] == 1 else ("P", 1, key[2])
            src = int(np.argmax(E[refined.index(src_key)]))
            t = embedding.weights[j] if (key[0] == "a") == trainable else 1
        source.append(src)
        scale.append(Fraction(t))
    gauge = tuple((1, r + j) for j in range(embedding.m)) if embedding.kind != ZERO else ()
    return EmbeddedStructure(family, setting, embedding, over, np.array(source), tuple(scale), gauge, refined)


# ---------------------------------------------------------------- analysis at one d
@dataclass
class EmbeddedPoint:
    """The embedded point at ``d``: its loss (and the family's), the spectrum of the
    ``k = d + m`` Hessian by isotypic component (split), or the one-sided test (zero neuron),
    its Morse index and ``kind`` (``minimum``, ``saddle``, ``degenerate``), and the
    representation of the most negative direction (``descent``)."""

    embedding: Embedding
    d: float
    loss: float
    family_loss: float
    kind: str
    morse_index: float | None
    lambda_min: float | None
    descent: str | None
    spectrum: object = None
    phi_min: float | None = None
    direction: dict | None = None
    note: str = ""
    x: np.ndarray | None = None
    structure: FixedPointSpace | None = None

    def full(self, d=None):
        """``(W, a)`` of the ``k = d + m`` point at integer ``d`` (rows = neurons)."""
        d = self.d if d is None else d
        if float(d) != int(d):
            raise OverparamError("W exists only at integer d")
        return embed(self.structure, self.x, int(d))

    @property
    def morse_index_formula(self):
        """The Morse index as a formula in ``d`` (split points), or None."""
        if self.spectrum is None:
            return None
        return index_formula(self.spectrum.representations, negative_counts(self))

    def as_dict(self):
        out = {"embedding": self.embedding.label, "d": self.d, "morse_index": self.morse_index,
               "morse_index_formula": self.morse_index_formula, "kind": self.kind,
               "loss": self.loss, "family_loss": self.family_loss, "lambda_min": self.lambda_min,
               "descent": self.descent, "note": self.note}
        if self.phi_min is not None:
            out["phi_min"] = self.phi_min
            out["direction"] = self.direction
        out["W"] = out["a"] = None  # W (rows = neurons, (d + m) x d) exists at integer d only
        if float(self.d) == int(self.d):
            W, a = self.full()
            out["W"], out["a"] = W.tolist(), a.tolist()
        return out


def _separation(structure, x, d, gauge):
    """The smallest sine of an angle between two rows that are not split copies."""
    g = gram_values(structure, x, d)
    copies = {frozenset(p) for p in gauge} | {frozenset((p[1], q[1])) for p in gauge for q in gauge if p != q}
    sines = []
    R = structure.row_blocks
    for al in range(R):
        for b in range(al, R):
            if ("C", al, b) not in g or frozenset((al, b)) in copies:
                continue
            c = g[("C", al, b)] / np.sqrt(g[("A", al)] * g[("A", b)])
            sines.append(np.sqrt(max(0.0, 1.0 - c * c)))
    return min(sines, default=1.0)


def analyse(family, setting, embedding, x_family, d):
    """The :class:`EmbeddedPoint` of ``embedding`` at the family point ``x_family`` (all
    parameters, slice ``a = 1``) at dimension ``d``."""
    es = embedded_structure(family, setting, embedding)
    if not d > es.d_min:
        raise OverparamError(f"the {embedding.label} embedding of {family.name} needs d > {es.d_min}, got d = {d}")
    x_family = np.asarray(x_family, dtype=float)
    family_loss = float(block_derivatives(family.structure(setting), x_family, d, 0).loss)
    x = es.embed(x_family)
    if embedding.kind == ZERO:
        return _zero_neuron(family, setting, embedding, es, x_family, x, d, family_loss)
    st = es.structure
    if _separation(st, x, d, es.gauge) < SEPARATION_MIN:
        raise OverparamError(f"two rows of {family.name} at d = {d} are nearly parallel: the split copies "
                             "cannot be told apart from them")
    bd = block_derivatives(st, x, d, 0, SEPARATED_PARALLEL_TOL)
    spec = hessian_spectrum(st, x, d, es.gauge)
    kind, index, descent = _kind(spec)
    return EmbeddedPoint(embedding, float(d), float(bd.loss), family_loss, kind, index, float(spec.lambda_min),
                         descent, spectrum=spec, x=balanced(st, x, d), structure=st)


def _kind(spec):
    scale = max(1.0, max(abs(e.eigenvalue) for e in spec.entries))
    index = spec.morse_index(KIND_TOL * scale)
    low = min(spec.entries, key=lambda e: e.eigenvalue)
    if index > 0:
        return "saddle", float(index), low.representation
    if abs(low.eigenvalue) <= KIND_TOL * scale:
        return "degenerate", 0.0, None
    return "minimum", 0.0, None


# ---------------------------------------------------------------- zero neurons (one-sided)
def _phi(family, setting, x_family, d, family_loss):
    """``phi(u)`` of (Z1) on the directions fixed by ``S_{d-q-1}`` (the family's blocks with one
    generic coordinate set apart), as ``L(x, u) - L_0 - |u|^2 / 4`` on one extra fixed-setting
    row; returns ``(phi, unit-norm map, structure)`` with ``u`` the extra row's parameters."""
    base = family.structure("fixed")
    specials = [int(s) for s in base.sizes[1:]]
    sizes = (REAL, 1, *specials)
    refined = FixedPointSpace(sizes, False)
    over = FixedPointSpace(sizes, False, 1)
    E = inclusion_matrix(refined, base, [0, 0] + list(range(1, len(specials) + 1)))
    xw = np.asarray(x_family, dtype=float)
    if setting == "trainable":  # the slice a = 1 carries the fixed-setting equations
        xw = xw[[i for i, k in enumerate(family.structure(setting).parameters) if k[0] != "a"]]
    x_ref = E @ xw
    r = len(sizes)
    u_idx = [over.index(("P", r, b)) for b in range(r)]
    n = d - refined.fixed_total
    col = np.array([n] + [1.0] + [float(s) for s in specials])  # columns per block

    def phi(u):
        x = np.concatenate([x_ref, np.zeros(len(u_idx))])
        x[u_idx] = u
        loss = float(block_derivatives(over, x, d, 0).loss)
        return loss - family_loss - float(np.sum(col * u * u)) / 4

    return phi, col, over


def _zero_neuron(family, setting, embedding, es, x_family, x, d, family_loss):
    phi, col, _ = _phi(family, setting, x_family, d, family_loss)
    best = _minimise_on_sphere(phi, col)
    r = len(col)
    names = ["generic (d-q-1 coordinates)", "one generic coordinate"] + [f"special block {b}" for b in range(1, r - 1)]
    direction = {name: float(v) for name, v in zip(names, best.x)}
    trainable = setting == "trainable"
    if trainable:
        worst = max((best, _minimise_on_sphere(lambda u: -phi(u), col)), key=lambda res: abs(res.fun))
        value = float(worst.fun) if worst is best else -float(worst.fun)
        descent = abs(value) > PHI_TOL
        direction = {name: float(v) for name, v in zip(names, worst.x)}
        note = ("trainable: along (w_e, a_e) = (s u, s t) the loss changes by s^2 t phi(u), phi(u) = %.3g != 0: "
                "a second-order descent (sign of t chosen)" % value
                if descent else "trainable: phi = 0 in every direction searched")
        kind = "saddle" if descent else "degenerate"
        return EmbeddedPoint(embedding, float(d), family_loss, family_loss, kind, None, None,
                             "trivial" if descent else None, phi_min=value, direction=direction, note=note,
                             x=x, structure=es.structure)
    value = float(best.fun)
    if value < -PHI_TOL:
        kind, note = "saddle", "one-sided: phi(u) < 0, the loss decreases along a new neuron in direction u"
    else:
        kind, note = ("degenerate", "one-sided: phi >= 0 in every direction searched (0 along the existing "
                      "neurons); not differentiable, no Hessian test")
    return EmbeddedPoint(embedding, float(d), family_loss, family_loss, kind, None, None,
                         "trivial" if kind == "saddle" else None, phi_min=value, direction=direction, note=note,
                         x=x, structure=es.structure)


def _minimise_on_sphere(f, col, starts=12, seed=0):
    """``min f(u)`` over ``sum col u^2 = 1`` (the unit sphere of ``R^d`` restricted to the
    block-constant vectors), by BFGS on ``u / |u|`` from fixed-seed random starts."""
    w = np.sqrt(col)
    rng = np.random.default_rng(seed)

    def g(v):
        return f(v / np.linalg.norm(v) / w)

    best = None
    for _ in range(starts):
        res = minimize(g, rng.normal(size=len(col)), method="BFGS", options={"gtol": 1e-12})
        if best is None or res.fun < best.fun:
            best = res
    best.x = best.x / np.linalg.norm(best.x) / w
    return best


# ---------------------------------------------------------------- along the family's branch
def negative_counts(point):
    """Negative eigenvalues of every isotypic block of a split point (gauge removed)."""
    spec = point.spectrum
    scale = max(1.0, max(abs(e.eigenvalue) for e in spec.entries))
    return {label: int(np.sum(np.asarray(vals) < -KIND_TOL * scale)) for label, vals in spec.blocks.items()}


def along_branch(family, setting, embedding, ds, xs):
    """The :class:`EmbeddedPoint` at every family point ``xs[i]`` (all parameters) at ``ds[i]``
    above the embedding's lower end (``d_min``); the points below it are left out."""
    d_min = embedded_structure(family, setting, embedding).d_min
    return [analyse(family, setting, embedding, x, d) for d, x in zip(ds, xs) if d > d_min]


def kind_intervals(points):
    """Maximal runs of equal ``(kind, negative eigenvalues per block, descent)``: a list of dicts
    ``{d_lo, d_hi, kind, morse_index_formula, descent}`` (``d`` ascending, ends at sample points)."""
    ordered = sorted(points, key=lambda p: p.d)
    runs = []
    for p in ordered:
        key = (p.kind, negative_counts(p) if p.spectrum is not None else None, p.descent)
        if runs and runs[-1]["key"] == key:
            runs[-1]["d_hi"] = p.d
        else:
            runs.append({"key": key, "d_lo": p.d, "d_hi": p.d, "kind": p.kind,
                         "morse_index_formula": p.morse_index_formula, "descent": p.descent})
    for run in runs:
        run.pop("key")
    return runs


def sign_changes(points):
    """Brackets ``(i, label, c)`` where block ``label`` gains or loses a negative eigenvalue
    between ``points[i]`` and ``points[i + 1]`` (ascending ``d``); ``c`` is the 0-based position
    of an eigenvalue that changes sign (one bracket per eigenvalue when several do)."""
    out = []
    for i in range(len(points) - 1):
        if points[i].spectrum is None:
            continue
        a, b = negative_counts(points[i]), negative_counts(points[i + 1])
        for label in a:
            if label in b:  # every eigenvalue between the two counts changes sign
                out.extend((i, label, c) for c in range(min(a[label], b[label]), max(a[label], b[label])))
    return out


def mp_embedded_test(family, setting, embedding, label, position):
    """``f(x, d)`` in mpmath on the family's W-unknowns (slice ``a = 1``): eigenvalue number
    ``position`` (ascending) of the block ``label`` of the embedded point's Hessian, gauge
    removed -- the same :class:`~cases.monitors.Monitor` as the float64 scan."""
    import mpmath

    from spurious.kernels.contexts import MPMATH

    from .monitors import monitor_for

    es = embedded_structure(family, setting, embedding)
    monitor = monitor_for(es.structure, label, es.gauge)
    base = family.structure(setting)
    a = [mpmath.mpf(1)] * base.row_blocks if base.trainable else []

    def f(x, d):
        return monitor.eigenvalues(MPMATH, list(es.embed(list(x) + a)), d)[position]

    return f


def refine_crossings(family, setting, embedding, points, xs_w, digits, progress=None):
    """Every sign change of :func:`sign_changes`, refined to ``digits`` verified digits by the
    engine's :func:`~spurious.continuation.refine_zero` (two working precisions) on
    :func:`mp_embedded_test`. ``xs_w``: the family's W-unknowns at the points (ascending d)."""
    from spurious.continuation import refine_zero

    from .problem import family_mp_problem

    mp_problem = family_mp_problem(family, setting)
    out = []
    changes = sign_changes(points)
    for n, (i, label, position) in enumerate(changes):
        if progress:
            progress(n / max(len(changes), 1), f"refining near d = {points[i].d:.4f}")
        res = refine_zero(mp_problem, mp_embedded_test(family, setting, embedding, label, position),
                          np.asarray(xs_w[i], dtype=float), points[i].d, points[i + 1].d, digits)
        out.append({"embedding": embedding.label, "d_star": res.d_star, "digits_verified": res.digits_verified,
                    "status": res.status.value, "message": res.message, "representation": label,
                    "d_star_float": float(res.d) if res.d is not None else float("nan"),
                    "index_below": points[i].morse_index_formula, "index_above": points[i + 1].morse_index_formula,
                    "kind_below": points[i].kind, "kind_above": points[i + 1].kind})
    return out


# ---------------------------------------------------------------- descending from a split saddle
DESCENT_STEP = 0.05
"""Start of the descent: this fraction of the largest entry of the embedded point along the
most negative eigenvector of the fixed-space Hessian."""
GLOBAL_LOSS = 1e-9
"""A descent ending below this loss has reached a global minimum (the teacher represented)."""
COLLAPSED_ROW = 1e-6
PARALLEL_COSINE = 1 - 1e-6


@dataclass
class Descendant:
    """Where the descent from an embedded saddle ends, on the fixed space of the embedded
    point's isotropy (the most negative direction of a split point lies in its trivial
    component, so the descent keeps the symmetry). ``status``: ``critical point`` (a new
    critical point of the ``k = d + m`` problem, continued as ``family``), ``global minimum``,
    ``row collapsed``, ``parallel rows`` (neither differentiable nor new), or ``no descent``
    (no negative direction). ``x``: the point (fixed-setting parameters, ``a = 1``)."""

    embedding: Embedding
    d: float
    status: str
    loss: float
    start_loss: float
    x: np.ndarray | None = None
    family: object = None
    grad_norm: float = float("nan")
    message: str = ""

    def as_dict(self):
        return {"embedding": self.embedding.label, "d": self.d, "status": self.status, "loss": self.loss,
                "start_loss": self.start_loss, "grad_norm": self.grad_norm,
                "family": self.family.name if self.family is not None else None,
                "isotropy": self.family.isotropy if self.family is not None else None,
                "params": dict(zip(self.family.parameter_names, map(float, self.x))) if self.family else None,
                "message": self.message}


def descendant_family(family, embedding, seed_d=None, seed_x=None):
    """The over-parameterised :class:`~cases.family.Family` on the fixed space of the
    embedded point's isotropy (``k = d + m``), seeded by a critical point found there."""
    es = embedded_structure(family, "fixed", embedding)
    sizes = es.structure.sizes
    specials = tuple(int(s) for s in sizes[1:])
    tag = {SPLIT_SPECIAL: "s", SPLIT_GENERIC: "g"}[embedding.kind]
    seeds = () if seed_x is None else (Seed(float(seed_d), tuple(float(v) for v in seed_x),
                                            f"descent from the {embedding.label} saddle of {family.name}"),)
    return Family(f"{family.name}+{embedding.m}{tag}", sum(specials),
                  f"k = d + {embedding.m}: reached from the {embedding.label} embedding of {family.name}",
                  seeds, tuple(s for s in ("fixed", "trainable") if s in family.settings), d_max=family.d_max,
                  provenance=f"spurious overparam {family.name} --m {embedding.m}", special=specials,
                  extra_rows=embedding.m)


def descend(family, embedding, x_family, d):
    """Descend from the split embedding of the family point ``x_family`` (fixed-setting
    parameters, ``a = 1``) at ``d``: BFGS on the loss over the fixed space, from the point moved
    by :data:`DESCENT_STEP` along the most negative eigenvector of its Hessian (both signs,
    the lower end kept), then the project's Newton (:func:`~cases.family.newton_at`).
    Returns a :class:`Descendant`."""
    if embedding.kind == ZERO:
        raise OverparamError("the descent starts from a split point (a zero neuron is not differentiable)")
    es = embedded_structure(family, "fixed", embedding)
    st = es.structure
    x0 = es.embed(np.asarray(x_family, dtype=float))
    bd = block_derivatives(st, x0, d, 2, SEPARATED_PARALLEL_TOL)
    root = np.sqrt(bd.weights)
    values, vectors = np.linalg.eigh(bd.hess / root[:, None] / root[None, :])
    start_loss = float(bd.loss)
    if values[0] >= -KIND_TOL * max(1.0, abs(values[-1])):
        return Descendant(embedding, float(d), "no descent", start_loss, start_loss, x0,
                          message="the fixed-space Hessian has no negative eigenvalue")
    v = vectors[:, 0] / root
    v *= DESCENT_STEP * np.max(np.abs(x0)) / np.max(np.abs(v))

    def f(z):
        return float(block_derivatives(st, z, d, 0).loss)

    def g(z):
        return block_derivatives(st, z, d, 1).grad

    ends = [minimize(f, x0 + sign * v, jac=g, method="BFGS", options={"gtol": 1e-10, "maxiter": 5000})
            for sign in (1, -1)]
    end = min(ends, key=lambda r: r.fun)
    z, loss = end.x, float(end.fun)

    def not_new(z, loss):
        """A Descendant for an end that is no new differentiable critical point, else None."""
        if loss < GLOBAL_LOSS:
            return Descendant(embedding, float(d), "global minimum", loss, start_loss, z,
                              message="the descent reaches loss 0: the teacher is represented")
        if np.min(row_norms_squared(st, z, d)) < COLLAPSED_ROW:
            return Descendant(embedding, float(d), "row collapsed", loss, start_loss, z,
                              message="a neuron's weights went to zero (not differentiable there)")
        if max_row_cosine(st, z, d) > PARALLEL_COSINE:
            return Descendant(embedding, float(d), "parallel rows", loss, start_loss, z,
                              message="two neurons became parallel (a split point of lower loss)")
        return None

    if (stop := not_new(z, loss)) is not None:
        return stop
    child = descendant_family(family, embedding)
    sol = newton_at(child.structure("fixed"), z, [1.0] * st.row_blocks, d)
    if not sol.success:
        return Descendant(embedding, float(d), "not converged", loss, start_loss, z,
                          message=f"Newton from the descent's end: {sol.message}")
    loss = float(block_derivatives(st, sol.x, d, 0).loss)
    if (stop := not_new(sol.x, loss)) is not None:
        return stop
    child = descendant_family(family, embedding, d, sol.x)
    return Descendant(embedding, float(d), "critical point", loss, start_loss, sol.x, child, sol.grad_norm,
                      f"a new critical point of the k = d + {embedding.m} problem ({child.isotropy})")


# ---------------------------------------------------------------- the map
MAP_SEED_D = 20.0
"""The dimension at which the descent from each split saddle starts (its branch is then
continued over the whole range)."""
ZERO_SAMPLES = (8.0, 12.0, 20.0)
"""Dimensions at which the zero-neuron test runs in the map (it is a minimisation)."""


def family_branch(family, setting, d_lo, d_hi):
    """The family's points on ``[d_lo, d_hi]`` by continuation (d ascending): ``(ds, xs_w, xs)``
    with the W-unknowns and all parameters (slice ``a = 1``)."""
    from spurious.api import track

    st = family.structure(setting)
    branch = track(family, d_from=d_hi, d_to=d_lo, setting=setting)
    order = np.argsort(branch.d)
    ds = np.asarray(branch.d, dtype=float)[order]
    xs_w = [np.asarray(branch.x[i], dtype=float) for i in order]
    xs = [with_second_layer(st, x, [1.0] * st.row_blocks) for x in xs_w]
    return ds, xs_w, xs


CERT_HALFWIDTH = "1e-15"
"""Half-width of the interval around each descendant's verified ``d*`` in which it is certified
to be the only crossing (C5, C6 of :mod:`cases.certify`); resolved by 20 verified digits (d* < 100)."""


def continue_descendant(child, d_max, digits):
    """The descendant family's Morse intervals and refined stability changes on
    ``(d_min, d_max]`` (the project's :func:`~spurious.api.refine_case`), each ``d*`` certified
    in ball arithmetic on ``d* -+`` :data:`CERT_HALFWIDTH` when its digits resolve it, as a
    dict (``certificates``: the documents, which ``spurious check`` re-verifies); a branch that
    cannot be continued is reported with the reason."""
    from spurious.api import refine_case

    from .certify import certify_crossings

    try:
        refined = refine_case(child, "fixed", digits, d_max=d_max, refine_folds=False)
    except (FamilyError, ValueError) as err:
        return {"continued": False, "reason": str(err).splitlines()[0], "intervals": [], "crossings": [],
                "minimum": [], "certificates": []}
    res = refined.as_dict()
    intervals = [{"d_lo": iv["d_lo"], "d_hi": iv["d_hi"], "morse_index_formula": iv["morse_index_formula"]}
                 for iv in res["morse_intervals"]]
    certs = certify_crossings(child, "fixed", digits, halfwidth=CERT_HALFWIDTH, refined=refined)
    crossings, documents = [], []
    for c, cert in zip(res["crossings"], certs):
        crossings.append({"d_star": c["d_star"], "digits_verified": c["digits_verified"], "status": c["status"],
                          "representation": c["representation"], "index_below": c["index_below"],
                          "index_above": c["index_above"], "certified": cert.certified,
                          "enclosure": list(cert.d_star_enclosure) if cert.d_star_enclosure else None,
                          "certificate_reason": cert.reason})
        if c["d_star"]:
            documents.append(cert.document())
    minimum = []
    for iv in intervals:
        if iv["morse_index_formula"] != "0":
            continue
        if minimum and abs(minimum[-1][1] - iv["d_lo"]) < 1e-9 * max(1.0, iv["d_lo"]):
            minimum[-1] = (minimum[-1][0], iv["d_hi"])  # a crossing inside a block that stays positive
        else:
            minimum.append((iv["d_lo"], iv["d_hi"]))
    return {"continued": True, "reason": "", "intervals": intervals, "crossings": crossings, "minimum": minimum,
            "certificates": documents}


def overparam_map(family, ms=(1, 2, 3), d_max=30.0, digits=20, progress=None):
    """For every ``m`` and embedding: the embedded point's kind by interval of ``d`` (fixed
    second layer, along the family's branch on ``(d_min, d_max]``), the zero-neuron test at
    :data:`ZERO_SAMPLES`, and the descendant -- the critical point the descent from each
    split saddle reaches at :data:`MAP_SEED_D`, continued over the range with its Morse
    intervals and refined stability changes. A list of dicts (JSON-ready)."""
    report = progress or (lambda f, note="": None)
    setting = "fixed"
    ds, xs_w, xs = family_branch(family, setting, family.d_min + 0.01, d_max)
    seed = point_from_seed(family, setting, MAP_SEED_D)
    rows, zero_samples = [], None
    steps = len(ms) * 3
    for n_m, m in enumerate(ms):
        for n_e, emb in enumerate(embeddings_for(family, m)):
            report((n_m * 3 + n_e) / steps, f"{family.name}, m = {m}, {emb.label}")
            row = {"case": family.name, "m": m, "embedding": emb.label}
            if emb.kind == ZERO:
                # m zero neurons: L = L_0 + eps sum_j phi(u_j) + O(eps^2), the test of one neuron
                if zero_samples is None:
                    pts = [analyse(family, setting, emb, point_from_seed(family, setting, d), d) for d in ZERO_SAMPLES
                           if family.d_min < d <= d_max]
                    zero_samples = [{"d": p.d, "kind": p.kind, "phi_min": p.phi_min} for p in pts]
                row["samples"] = zero_samples
                row["intervals"] = []
            else:
                pts = along_branch(family, setting, emb, ds, xs)
                row["intervals"] = kind_intervals(pts)
                desc = descend(family, emb, seed, MAP_SEED_D)
                row["descendant"] = desc.as_dict()
                row["descendant"].update(continue_descendant(desc.family, d_max, digits) if desc.family else
                                         {"continued": False, "reason": desc.message, "intervals": [],
                                          "crossings": [], "minimum": [], "certificates": []})
            rows.append(row)
    report(1.0, "done")
    return rows



def overparam_points(family, setting, m, d):
    """Every embedding of ``family`` with ``m`` more neurons at ``d`` (:class:`EmbeddedPoint`),
    for each split saddle where the descent from it ends (:class:`Descendant`, fixed-setting
    equations), and the embeddings skipped because ``d`` is below their range (with the reason)."""
    x = point_from_seed(family, setting, float(d))
    x_fixed = x if setting == "fixed" else point_from_seed(family, "fixed", float(d))
    points, descendants, skipped = [], [], []
    for emb in embeddings_for(family, m):
        if emb.kind != ZERO and not d > (low := embedded_structure(family, setting, emb).d_min):
            skipped.append({"embedding": emb.label, "reason": f"needs d > {low} (its isotypic spectrum)"})
            continue
        point = analyse(family, setting, emb, x, float(d))
        points.append(point)
        if emb.kind != ZERO and point.kind == "saddle":
            descendants.append(descend(family, emb, x_fixed, float(d)))
    return points, descendants, skipped


def overparam_range(family, setting, m, d_lo, d_hi, digits=20, progress=None):
    """Along the family's branch on ``[d_lo, d_hi]``: every embedding's kind by interval and its
    Morse-index changes refined to ``digits`` (:func:`refine_crossings`); a dict with
    ``intervals`` (embedding label -> :func:`kind_intervals`; an embedding whose range the
    interval misses is absent), ``crossings`` and ``d_range_covered`` (the ends the family's
    branch reached; its lower end stops at ``d_min + 0.01``)."""
    report = progress or (lambda f, note="": None)
    ds, xs_w, xs = family_branch(family, setting, d_lo, d_hi)
    intervals, crossings = {}, []
    covered = [float(ds[0]), float(ds[-1])]
    splits = [e for e in embeddings_for(family, m) if e.kind != ZERO]
    for n, emb in enumerate(splits):
        report(0.1 + 0.9 * n / len(splits), f"{emb.label} along d")
        keep = [i for i, d in enumerate(ds) if d > embedded_structure(family, setting, emb).d_min]
        if len(keep) < 2:
            continue
        points = along_branch(family, setting, emb, ds[keep], [xs[i] for i in keep])
        intervals[emb.label] = kind_intervals(points)
        crossings.extend(refine_crossings(family, setting, emb, points, [xs_w[i] for i in keep], digits))
    report(1.0, "done")
    return {"intervals": intervals, "crossings": crossings, "d_range_covered": covered}
