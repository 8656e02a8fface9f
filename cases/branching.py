"""Branches born at a stability change: equivariant branch switching for the catalogued families
(issue #14, first part).

At a crossing ``d*`` of a family with isotropy ``H = Delta(S_p x S_q)`` (``p = d - q``) the
Hessian has a zero eigenvalue in one isotypic component ``rho`` (simple within its block,
certified by ``spurious certify``). By the equivariant branching lemma, for every isotropy
subgroup ``K < H`` whose fixed space in ``rho`` is one-dimensional (*axial*), a branch of
critical points with isotropy ``K`` passes through the family's point at ``d*``. The axial
subgroups handled here (docs/mathematics.md section 7 for the labels):

* ``std(S_p)`` (times the trivial representation of ``S_q``): ``K = Delta(S_{p-j} x S_j x S_q)``,
  ``j = 1, 2, ...`` -- the vectors of the standard representation constant on the two parts
  (a one-dimensional space). Predicted transcritical: the standard representation has the
  cubic invariant ``sum_i y_i^3``, nonzero on that line unless ``j = p/2``.
* ``trivial(S_p) x sign(S_2)``: ``K = Delta(S_p x S_1 x S_1)`` (the special pair split); the sign
  representation is one-dimensional and ``v -> -v`` swaps the pair: predicted pitchfork.
* ``trivial(S_p) x standard(S_3)``: ``K = Delta(S_p x S_2 x S_1)``; the standard representation
  of ``S_3`` has the cubic invariant: predicted transcritical.

Other components (``[p-2,1,1]``, ``[p-2,2]``) have axial subgroups not in this block-diagonal
form; :func:`axial_subgroups` says so rather than guess.

On ``Fix(K)`` -- a block structure with one more block, which the kernels, the continuation
and the isotypic spectrum already handle -- the crossing is a simple branch point and
:func:`spurious.continuation.switching.switch_branch` finds the new branch; it is then
continued in real ``d`` with the ordinary engine and checked in the full space at integer ``d``.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from spurious.continuation import ArclengthSettings
from spurious.continuation.arclength import continue_branch
from spurious.continuation.switching import switch_branch
from spurious.kernels.api import embed, gradient, hessian, project

from .family import Family, FamilyError, newton_at, point_from_seed, slice_unknowns
from .problem import family_problem
from .spectrum import hessian_spectrum

__all__ = ["Axial", "NewBranch", "axial_subgroups", "branch_graph", "branches_at_crossing", "child_family",
           "embedding_matrix"]


@dataclass(frozen=True)
class Axial:
    """An axial subgroup for the crossing component: the special blocks of ``Fix(K)``
    (``special``), its name and the bifurcation representation theory predicts."""

    representation: str
    special: tuple
    isotropy: str
    expected: str
    reason: str


def axial_subgroups(family, label, max_j=2):
    """The axial subgroups :class:`Axial` handled for the component ``label`` of ``family``
    (module docstring); raises :class:`FamilyError` with the reason for another component."""
    q = family.q
    sq = () if q == 0 else (q,)
    p = f"S_{{d-{q}}}" if q else "S_d"
    if re.fullmatch(r"std\(S_\{d(-\d+)?\}\)( x trivial\(S_\d\))?", label):
        return [Axial(label, (j,) + sq, f"Delta(S_{{d-{q + j}}} x S_{j}" + (f" x S_{q})" if q else ")"),
                      "transcritical", "the standard representation has the cubic invariant sum y_i^3")
                for j in range(1, max_j + 1)]
    if re.fullmatch(r"trivial\(S_\{d-2\}\) x sign\(S_2\)", label):
        return [Axial(label, (1, 1), f"Delta({p} x S_1 x S_1)", "pitchfork",
                      "the sign representation: v -> -v swaps the special pair")]
    if re.fullmatch(r"trivial\(S_\{d-3\}\) x standard\(S_3\)", label):
        return [Axial(label, (2, 1), f"Delta({p} x S_2 x S_1)", "transcritical",
                      "the standard representation of S_3 has the cubic invariant Re z^3")]
    raise FamilyError(f"{family.name}: the axial subgroups of the component {label} are not of the "
                      "block-diagonal form Delta(S_a x S_b x ...) handled here (components [p-2,1,1] and "
                      "[p-2,2] need other fixed spaces)")


def child_family(family, axial):
    """The structure ``Fix(K)`` as a :class:`Family` (no seeds: its points come from switching)."""
    return Family(f"{family.name}/{axial.isotropy}", sum(axial.special), f"born from {family.name}", (),
                  ("fixed",), special=tuple(axial.special))


def embedding_matrix(parent_st, child_st):
    """The linear map from ``Fix(H)`` parameters to ``Fix(K)`` parameters (the same ``W``),
    read off at an integer ``d`` where every block has at least three indices beyond the
    special ones (the pattern of the map does not depend on ``d``)."""
    d_int = int(round(child_st.fixed_total)) + 5
    cols = []
    for i in range(parent_st.size):
        e = np.zeros(parent_st.size)
        e[i] = 1.0
        W, a = embed(parent_st, e, d_int)
        x, off = project(child_st, W, a, d_int)
        if off > 1e-12:
            raise FamilyError("the parent's fixed space is not inside the child's: the block orders differ")
        cols.append(x)
    return np.column_stack(cols)


@dataclass
class NewBranch:
    """A branch born at ``d_star``: its isotropy, the classification found and predicted, the
    switched points, the continued branches (one per switched point, away from ``d*``) and
    checked samples at integer ``d``."""

    isotropy: str
    kind: str
    expected: str
    side: str
    d_star: float
    structure: object = None
    switch: object = None
    branches: list = field(default_factory=list)
    samples: list = field(default_factory=list)
    crossings: list = field(default_factory=list)
    message: str = ""

    def as_dict(self):
        return {"isotropy": self.isotropy, "kind": self.kind, "expected_kind": self.expected,
                "side": self.side, "d_star": self.d_star, "message": self.message,
                "events": [e.as_dict() if hasattr(e, "as_dict") else str(e) for b in self.branches for e in b.events],
                "crossings": self.crossings, "samples": self.samples}


def branches_at_crossing(family, label, d_star, max_j=2, d_span=4.0, integer_checks=True, refine=True,
                         certify=True):
    """Every branch with an axial isotropy born at the crossing ``(label, d_star)`` of ``family``
    (fixed second layer): switched, classified, continued over ``d* -+ d_span`` and, with
    ``integer_checks``, sampled at integer ``d`` (full-space gradient and spectrum); with
    ``refine`` (``certify``) the new branch's own stability changes are refined (certified)."""
    parent_st = family.structure("fixed")
    d_star = float(d_star)
    x_parent = point_from_seed(family, "fixed", d_star)
    out = []
    for axial in axial_subgroups(family, label, max_j):
        child = child_family(family, axial)
        child_st = child.structure("fixed")
        E = embedding_matrix(parent_st, child_st)
        problem = family_problem(child, "fixed")
        x_star = E @ x_parent
        Gx, _ = problem.jacobian(x_star, d_star)
        _, sv, Vt = np.linalg.svd(Gx)
        kernel = Vt[-1]
        nb = NewBranch(axial.isotropy, "unresolved", axial.expected, "", d_star, child_st)
        if not sv[-1] < 1e-6 * sv[-2]:
            nb.message = f"G_x on Fix(K) is not singular at d* (singular values {sv[-1]:.2e}, {sv[-2]:.2e})"
            out.append(nb)
            continue
        res = switch_branch(problem, x_star, d_star, kernel, parent_basis=E, h=1e-4)
        nb.switch, nb.kind, nb.side = res, res.kind, res.side
        nb.message = res.message
        if res.success and not d_star > child.d_min:
            nb.message += (f"; not continued: the isotypic spectrum of {axial.isotropy} needs d > {child.d_min} "
                           f"(d* = {d_star:.6g})")
        elif res.success:
            # a pitchfork's two points are images of each other under the normaliser (v -> -v):
            # one branch up to symmetry, continued once
            for point in res.points[:1] if res.kind == "pitchfork" else res.points:
                direction = 1 if point.d > d_star else -1
                settings = ArclengthSettings(ds=0.02, ds_max=0.2, direction=direction, max_steps=400,
                                             d_min=max(child.d_min + 1e-6, d_star - d_span), d_max=d_star + d_span)
                nb.branches.append(continue_branch(problem, point.x, point.d, settings))
            if integer_checks:
                nb.samples = integer_samples(child_st, nb.branches)
            if refine:
                nb.crossings = refine_events(child, nb.branches, certify=certify)
        out.append(nb)
    return out


def refine_events(child, branches, digits=40, certify=True):
    """The new branch's own stability changes: each ``stability`` event refined to ``digits``
    verified digits (the same refinement as ``spurious refine``) and, with ``certify``, proved
    by (C5)/(C6) of :mod:`cases.certify` on ``d* -+ 1e-30`` (its certificate kept)."""
    from fractions import Fraction

    from spurious.continuation import refine_zero

    from .certify import _exact_string, certify_crossing
    from .problem import family_mp_problem, mp_test_function

    out = []
    idx = slice_unknowns(child.structure("fixed"))
    for b in branches:
        for e in b.events:
            if e.kind != "stability":
                continue
            r = refine_zero(family_mp_problem(child, "fixed"), mp_test_function(child, "fixed", e.label),
                            np.asarray(e.x, dtype=float), e.d - 1e-7, e.d + 1e-7, digits)
            row = {"representation": e.label, "d_star": r.d_star if r.success else "", "digits": r.digits_verified,
                   "status": str(r.status), "certified": False, "d_star_enclosure": None, "certificate": None}
            if certify and r.success and r.digits_verified >= 32:
                ds, hw = Fraction(r.d_star), Fraction(1, 10 ** 30)
                cert = certify_crossing(child, "fixed", e.label, _exact_string(ds - hw), _exact_string(ds + hw),
                                        digits=digits, d_star_verified=r.d_star, x0=np.asarray(e.x)[idx])
                row.update(certified=cert.certified, certificate=cert.document(),
                           d_star_enclosure=list(cert.d_star_enclosure) if cert.certified else None,
                           reason=cert.reason)
            out.append(row)
    return out


def integer_samples(st, branches, check_full=True):
    """The new branch at each integer ``d`` it covers: Newton at that ``d`` from the nearest
    branch point, then, in the full space, ``max |grad|`` and (``check_full``) the reduced
    spectrum against ``eigvalsh`` of the full Hessian. Rows: ``d``, ``W``, ``a``, ``loss``,
    ``morse_index``, ``gradient_max``, ``spectrum_error``."""
    rows = []
    idx = slice_unknowns(st)
    for branch in branches:
        ds = np.asarray(branch.d, dtype=float)
        if len(ds) < 2:
            continue
        for k in range(math.ceil(ds.min()), math.floor(ds.max()) + 1):
            i = int(np.argmin(np.abs(ds - k)))
            sol = newton_at(st, np.asarray(branch.x[i])[idx], [1.0] * st.row_blocks, float(k))
            if not sol.success:
                continue
            x = sol.x
            W, a = embed(st, x, k)
            V, b = np.eye(k), np.ones(k)
            gW, _ = gradient(W, a, V, b)
            sp = hessian_spectrum(st, x, float(k))
            row = {"d": k, "W": W.tolist(), "a": a.tolist(), "loss": float(sol_loss(st, x, k)),
                   "morse_index": int(round(sp.morse_index(1e-10))), "gradient_max": float(np.max(np.abs(gW)))}
            if check_full:
                vals = []
                for e in sp.entries:
                    vals += [e.eigenvalue] * int(round(e.multiplicity))
                full = np.linalg.eigvalsh(hessian(W, a, V, b))
                row["spectrum_error"] = (float(np.max(np.abs(np.sort(vals) - full)))
                                         if len(vals) == len(full) else float("inf"))
            rows.append(row)
    return rows


def sol_loss(st, x, d):
    from spurious.kernels import block_derivatives

    return block_derivatives(st, x, float(d), order=0).loss


def branch_graph(family, digits=20, max_j=2, d_span=4.0, progress=None, refined=None, only=None):
    """Every crossing of ``family`` with the branches born there: a JSON-ready dict with
    ``case``, ``crossings`` (``d_star``, ``representation``, ``branches`` -- isotropy, kind,
    expected kind, side, events, samples at integer ``d`` -- or ``reason`` where the component
    is not handled) and the ``graph`` (nodes: the family and each new branch; edges: the branch
    points). Curves of loss against ``d`` for the figure are in ``curves``. ``refined``: a
    :class:`RefineResult` of the family already computed (fixed setting); ``only``: the index of
    the one crossing to treat."""
    from spurious.api import refine_case

    refined = refined if refined is not None else refine_case(family, "fixed", digits=digits)
    out = {"case": family.name, "crossings": [], "graph": {"nodes": [{"id": family.name,
           "isotropy": family.isotropy}], "edges": []}, "curves": []}
    parent = refined.branch
    out["curves"].append({"id": family.name, "d": [float(v) for v in parent.d],
                          "loss": [float(v) for v in parent.values["loss"]],
                          "morse_index": [float(v) for v in parent.values["morse_index"]]})
    for n, c in enumerate(refined.crossings):
        if only is not None and n != only:
            continue
        if progress:
            progress(n / max(1, len(refined.crossings)), c.representation)
        entry = {"d_star": c.d_star, "representation": c.representation, "branches": [], "reason": None}
        try:
            found = branches_at_crossing(family, c.representation, float(c.d_star), max_j=max_j, d_span=d_span)
        except FamilyError as err:
            entry["reason"] = str(err)
            out["crossings"].append(entry)
            continue
        for nb in found:
            node = f"{family.name}@{float(c.d_star):.6f}/{nb.isotropy}"
            entry["branches"].append({"id": node, **nb.as_dict()})
            out["graph"]["nodes"].append({"id": node, "isotropy": nb.isotropy, "kind": nb.kind})
            out["graph"]["edges"].append({"from": family.name, "to": node, "d_star": c.d_star,
                                          "representation": c.representation, "kind": nb.kind})
            for b in nb.branches:
                if len(b):
                    out["curves"].append({"id": node, "d": [float(v) for v in b.d],
                                          "loss": [float(v) for v in b.values["loss"]],
                                          "morse_index": [float(v) for v in b.values["morse_index"]]})
        out["crossings"].append(entry)
    return out
