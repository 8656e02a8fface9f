"""A family of symmetric critical points: its block structure, settings, seeds and points at real d.

All families here have ``k = d``, ``V = I``, ``b = 1`` and isotropy ``Delta(S_{d-q} x S_q)``
(``q = 0`` for ``Delta S_d``), i.e. the block structure ``("n", q)``. A family's critical
point at dimension ``d`` solves ``grad L_H(x; d) = 0`` on that fixed space.

Settings. ``fixed``: the second layer is ``a = 1``. ``trainable``: ``(W, a)`` are trained;
every neuron's rescaling ``(w_i, a_i) -> (c w_i, a_i / c)`` leaves ``L`` invariant, so
critical points come in manifolds. We fix the gauge in two ways, each where it fits:

* for solving and continuing, the *slice* ``a = a_seed`` (the second-layer values are held at
  their seed values; the unknowns are the ``W``-parameters). Since
  ``dL/da_al = (1/a_al) (w-part of xi_al) . grad_W L`` on the orbit, ``grad_W L = 0`` on the
  slice already gives a critical point of the whole loss; for a positive second layer and
  ``a_seed = 1`` these are exactly the fixed-setting equations;
* for reporting (parameters, spectrum), the *balanced* representative ``|w_al| = |a_al|``
  on every block, reached by the rescaling ``gamma_al = sqrt(|a_al| / |w_al|)``.

Morse index and the sign changes of the eigenvalues do not depend on the gauge (the
Hessians at ``x`` and at ``phi_c(x)`` are congruent); eigenvalue *values* do, which is why
the balanced gauge is the one reported.
"""
from dataclasses import dataclass, field

import numpy as np

from spurious.continuation.status import Status
from spurious.kernels import REAL, FixedPointSpace, block_derivatives
from spurious.kernels.api import block_metric, row_norms_squared

SETTINGS = ("fixed", "trainable")
STAGNATION_TOL = 1e-10
ROUNDING_ULPS = 32
"""Rounding levels are accepted up to this many units of ``eps * residual_scale``; the same
factor as the engine's (:data:`spurious.continuation.arclength.ROUNDING_ULPS`)."""
EPS = float(np.finfo(float).eps)


class FamilyError(ValueError):
    """A request the family cannot answer (d out of range, Newton not converging, ...)."""


@dataclass(frozen=True)
class Seed:
    """A stored critical point of a family (fixed-setting parameters, a = 1 gauge)."""

    d: float
    params: tuple
    source: str


@dataclass(frozen=True)
class Family:
    """A named family: isotropy ``Delta(S_{d-q} x S_q)``, seeds and the settings it exists in."""

    name: str
    q: int
    description: str
    seeds: tuple
    settings: tuple = SETTINGS
    d_max: float = 1e4
    provenance: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    special: tuple = ()
    """Sizes of the special blocks when there are several (``q`` their sum), e.g. ``(1, 1)`` for
    ``Delta(S_{d-2} x S_1 x S_1)``; empty: one special block of size ``q`` (the catalogue)."""
    extra_rows: int = 0
    """Neurons beyond ``d`` (over-parameterisation ``k = d + extra_rows``), each constant on
    every column block (:mod:`cases.overparam`)."""

    def __post_init__(self):
        if self.special and sum(self.special) != self.q:
            raise FamilyError(f"special blocks {self.special} do not add up to q = {self.q}")

    @property
    def blocks(self):
        if self.special:
            return (REAL, *self.special)
        return (REAL,) if self.q == 0 else (REAL, self.q)

    @property
    def isotropy(self):
        if self.special:
            text = "Delta(S_{d-%d} x %s)" % (self.q, " x ".join(f"S_{n}" for n in self.special))
        else:
            text = "Delta S_d" if self.q == 0 else f"Delta(S_{{d-{self.q}}} x S_{self.q})"
        return text + (f", k = d + {self.extra_rows}" if self.extra_rows else "")

    @property
    def d_min(self):
        """Exclusive lower end of the range: the isotypic spectrum needs ``d - q - 2 > 1``."""
        return self.q + 3

    def structure(self, setting):
        check_setting(self, setting)
        return FixedPointSpace(self.blocks, setting == "trainable", self.extra_rows)

    @property
    def parameter_names(self):
        return FixedPointSpace(self.blocks, False, self.extra_rows).names

    def check_d(self, d):
        if not np.isfinite(d) or not (self.d_min < d <= self.d_max):
            raise FamilyError(f"d = {d} is outside the range of {self.name}: {self.d_min} < d <= {self.d_max:g}")


def check_setting(family, setting):
    if setting not in SETTINGS:
        raise FamilyError(f"unknown setting {setting!r}; choose one of {', '.join(SETTINGS)}")
    if setting not in family.settings:
        raise FamilyError(f"{family.name} does not exist in the {setting} setting")


# ----------------------------------------------------------- gauge / slices
def slice_unknowns(structure):
    """Indices of the ``W``-parameters (the unknowns on the slice ``a = a_seed``)."""
    return np.array([i for i, k in enumerate(structure.parameters) if k[0] != "a"], dtype=int)


def with_second_layer(structure, xw, a_values):
    """Full parameter vector from the ``W``-parameters and one second-layer value per block."""
    x = np.zeros(structure.size, dtype=np.asarray(xw).dtype)
    idx = slice_unknowns(structure)
    x[idx] = xw
    if structure.trainable:
        for al, value in enumerate(a_values):
            x[structure.index(("a", al))] = value
    return x


def balanced(structure, x, d):
    """The balanced representative ``|w_al| = |a_al|`` of the rescaling orbit of ``x``."""
    x = np.array(x, dtype=float)
    if not structure.trainable:
        return x
    norms = np.sqrt(row_norms_squared(structure, x, d))
    for al in range(structure.row_blocks):
        a = x[structure.index(("a", al))]
        gamma = np.sqrt(abs(a) / norms[al])
        for i, key in enumerate(structure.parameters):
            if key[0] != "a" and key[1] == al:
                x[i] *= gamma
        x[structure.index(("a", al))] = a / gamma
    return x


# ----------------------------------------------------------- solving at d
def residual_scale(structure, d):
    """The size of the terms that cancel in ``G = grad_W L_H(x; d)``: ``k d``, the number of
    entries of ``W`` (the sum of the metric weights of the ``W``-parameters).

    Why ``k d``: the loss is ``1/2 sum_ij a_i a_j kappa(w_i, w_j) - sum_ij a_i b_j kappa(w_i,
    v_j) + const`` with ``kappa(w, v) = |w| |v| g(angle)``, ``g = O(1)``; with rows of norm
    ~1 and ``a = b = 1`` that is ``~ (k + d)^2 = O(d^2)`` terms of size O(1) cancelling to an
    O(1) loss. A block-gradient component sums the entry gradients of the entries its
    parameter fills, and the block formulas evaluate these sums in closed form as
    polynomials in ``n = d - q`` (up to ``n^2``) times kernel values, so the terms that cancel
    in every component are O(``k d``) -- and so is ``|G_x| |x|``, the change of ``G`` under a
    one-ulp change of ``x``. Hence ``G`` is computed with an absolute error ``~ eps k d``,
    whatever the accuracy of ``x``: measured at converged points of every family of the
    catalogue for ``d`` from 7 to 1e4, ``max |G| <= 0.9 eps k d`` (about 2e-8 at ``d = 1e4``;
    already 1e-10 to 2e-9 at ``d = 3000``, above any fixed absolute tolerance like 1e-10).
    """
    return float(np.sum(block_metric(structure, d)[slice_unknowns(structure)]))


def rounding_level(structure, d):
    """``ROUNDING_ULPS * eps * residual_scale``: the largest ``max |grad_W L_H|`` accepted as
    rounding noise at ``d`` (below 1e-11 for ``d <~ 37``, 7e-7 at ``d = 1e4``)."""
    return ROUNDING_ULPS * EPS * residual_scale(structure, d)


@dataclass(frozen=True)
class SolveResult:
    """Newton on the slice: the parameters ``x``, ``d``, the metric gradient norm, the Newton
    updates made, ``status`` (:class:`spurious.continuation.Status`), ``message``; ``success``
    is ``status.success``."""

    x: np.ndarray
    d: float
    grad_norm: float
    iterations: int
    status: Status
    message: str

    @property
    def success(self):
        return self.status.success


class _MetricGradientTest:
    """``newton_at``'s convergence test for the engine's Newton (:func:`spurious.continuation.newton`),
    applied to the start point too: the metric gradient ``|G^-1 grad_W|_inf <= tol``, or the
    rounding level (below ``STAGNATION_TOL`` or ``max |grad_W| <= floor``) without a fourfold
    decrease since the previous iterate."""

    needs_residual = True

    def __init__(self, weights_at, tol, floor):
        self.weights_at, self.tol, self.floor = weights_at, tol, floor
        self.grad_norm, self.previous, self.note = np.inf, np.inf, "converged"

    def __call__(self, xw, dxw, g, k):
        self.previous, self.grad_norm = self.grad_norm, float(np.max(np.abs(g / self.weights_at(xw))))
        if self.grad_norm <= self.tol:
            return True
        if (self.grad_norm <= STAGNATION_TOL or np.max(np.abs(g)) <= self.floor) and self.grad_norm > 0.25 * self.previous:
            self.note = "converged (rounding level)"  # quadratic convergence has stopped: rounding level
            return True
        return False


def newton_at(structure, xw0, a_values, d, tol=1e-13, max_iter=30):
    """Newton for ``grad_W L_H(x; d) = 0`` on the slice ``a = a_values``: the engine's one
    Newton (:func:`spurious.continuation.newton`) with this test, the start point included.

    Converged when the metric gradient ``|G^-1 grad|_inf <= tol`` (docs/mathematics.md section 5, (M19)), or
    when a Newton step no longer reduces it fourfold while it is at the rounding level: below
    ``STAGNATION_TOL`` or with the Euclidean gradient ``max |grad_W| <= rounding_level(d)``
    (:func:`residual_scale`: ``~ eps k d``, which exceeds any fixed tolerance at large ``d``).
    Returns a :class:`SolveResult`; failures (a singular Hessian, a kernel refusing the point,
    no convergence) are its status.
    """
    from spurious.continuation.newton import newton

    idx = slice_unknowns(structure)
    xw = np.array(xw0, dtype=float)
    try:
        floor = rounding_level(structure, d)
    except ValueError as err:
        return SolveResult(with_second_layer(structure, xw, a_values), d, np.inf, 0, Status.EVALUATION_FAILED, str(err))
    last = {}

    def evaluate(xw):
        if last.get("xw") is not xw:
            last.update(xw=xw, bd=block_derivatives(structure, with_second_layer(structure, xw, a_values), d))
        return last["bd"]

    test = _MetricGradientTest(lambda xw: evaluate(xw).weights[idx], tol, floor)
    res = newton(lambda xw: evaluate(xw).grad[idx], lambda xw: evaluate(xw).hess[np.ix_(idx, idx)], xw,
                 test=test, max_iter=max_iter, check_start=True)
    x = with_second_layer(structure, res.x, a_values)
    if res.success:
        return SolveResult(x, d, test.grad_norm, res.iterations, res.status, test.note)
    if res.status is Status.SINGULAR:
        return SolveResult(x, d, test.grad_norm, res.iterations, res.status, "singular Hessian")
    if res.status is Status.EVALUATION_FAILED:
        return SolveResult(x, d, np.inf, res.iterations, res.status, res.message)
    return SolveResult(x, d, test.grad_norm, res.iterations, res.status,
                       f"Newton did not converge (|grad| = {test.grad_norm:.2e})")


def tangent_in_d(structure, x, d):
    """``dx_W/dd = -H_WW^-1 d(grad_W)/dd`` along a regular branch."""
    idx = slice_unknowns(structure)
    bd = block_derivatives(structure, x, d)
    return -np.linalg.solve(bd.hess[np.ix_(idx, idx)], bd.grad_d[idx])


SEED_DS = 0.5
"""Initial and (below ``d ~ 25``) largest arclength step of :func:`point_from_seed`."""


def point_from_seed(family, setting, d, max_step=SEED_DS):
    """The polished critical point at ``d``: the continuation engine
    (:func:`spurious.continuation.continue_branch`, pseudo-arclength) from the nearest seed
    to ``d``, landing exactly on ``d`` by its bound landing (Newton at fixed ``d``). Only the
    equations are continued (no monitors or stored values). The largest step grows with the
    distance, ``max(max_step, |d - d_seed| / 20)``: the branches vary on the scale of ``d``
    itself (expansions in ``1/d``), and the engine's step control halves a step whose
    corrector fails or whose tangent turns. Raises :class:`FamilyError` when the seed does
    not converge or the branch does not reach ``d`` (e.g. it turns back at a fold)."""
    from dataclasses import replace

    from spurious.continuation import ArclengthSettings, continue_branch

    from .problem import family_problem

    family.check_d(d)
    d = float(d)
    st = family.structure(setting)
    seed = min(family.seeds, key=lambda s: abs(s.d - d))
    a_values = [1.0] * st.row_blocks
    res = newton_at(st, np.array(seed.params, dtype=float), a_values, seed.d)
    if not res.success:
        raise FamilyError(f"{family.name}: the seed at d = {seed.d} does not converge ({res.message})")
    idx = slice_unknowns(st)
    if float(seed.d) == d:
        return res.x
    problem = replace(family_problem(family, setting), monitors=None, describe=None)
    span = abs(d - float(seed.d))
    ds = min(max_step, span)
    settings = ArclengthSettings(ds=ds, ds_max=max(ds, span / 20), ds_min=1e-8, d_min=min(d, float(seed.d)),
                                 d_max=max(d, float(seed.d)), direction=1 if d > seed.d else -1)
    branch = continue_branch(problem, res.x[idx], float(seed.d), settings)
    if len(branch) and branch.success and branch.d[-1] == d:
        return with_second_layer(st, branch.x[-1], a_values)
    where = f"d = {branch.d[-1]:.6g}" if len(branch) else f"the seed at d = {seed.d}"
    if any(e.kind == "fold" for e in branch.events):
        where += ", after a fold"
    raise FamilyError(f"{family.name}: no point at d = {d:.12g}: the continuation from the seed at d = {seed.d} "
                      f"ended at {where} ({branch.status}: {branch.message}); the branch may turn back (fold) "
                      f"before d = {d:.12g}")
