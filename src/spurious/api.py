"""The public Python API: a few lines per research question.

    from spurious.api import get_case, critical_point, track, refine_case
    fam = get_case("sd1-i")
    cp = critical_point(fam, "fixed", 5.5)          # point, loss, spectrum at fractional d
    branch = track(fam, d_from=20, d_to=4.5)        # continuation with events
    branch.events; branch.save("sd1-i.json")
    refine_case(fam, "fixed", digits=50)            # every stability change to verified digits

This module glues the engine (:mod:`spurious.continuation`) to the families
(:mod:`spurious.cases`); it owns no mathematics.
"""
import math

import mpmath
import numpy as np

from spurious.cases import critical_point, families, get_case
from spurious.cases.family import FamilyError, point_from_seed, slice_unknowns
from spurious.cases.mp_spectrum import representation_key
from spurious.cases.problem import family_mp_problem, family_problem, mp_test_function, second_layer
from spurious.continuation import ArclengthSettings, continue_branch, refine_fold, refine_zero
from spurious.kernels import mp_block_derivatives

__all__ = ["catalogue_rows", "critical_point", "event_rows", "families", "get_case", "integer_table",
           "refine_case", "track"]

REFINE_D_MAX = 30.0
"""Upper end of the range searched for stability changes (families continue past it, but
their spectra are far from zero there)."""
LOWER_MARGIN = 0.01
"""Branches stop this far above a family's lower limit d = q + 3 (where the fine generic block
of the isotypic construction has size 1)."""
BRACKET = 1e-7
"""Half-width of the bracket around a float64 event location handed to the refinement."""


def catalogue_rows():
    """The catalogue as JSON-ready rows."""
    return [{"name": f.name, "isotropy": f.isotropy, "blocks": list(f.blocks), "description": f.description,
             "settings": list(f.settings), "d_min": f.d_min, "d_max": f.d_max,
             "seed_d": [s.d for s in f.seeds], "found_by": f.extra.get("found_by", ""),
             "provenance": f.provenance} for f in families()]


def track(family, d_from=20.0, d_to=None, setting="fixed", observers=(), ds=0.2, ds_max=0.25):
    """Continue ``family`` from ``d_from`` towards ``d_to`` (default: the lower end of its range).

    ``d_to`` below the range is moved to ``d_min + LOWER_MARGIN`` (recorded in the metadata).
    Returns the engine's ``Branch`` with ``metadata`` naming the case, setting and parameters.
    """
    family.check_d(d_from)
    lower = family.d_min + LOWER_MARGIN
    requested = d_to
    if d_to is None or d_to < lower:
        d_to = lower
    if not math.isfinite(d_to) or d_to > family.d_max:
        raise FamilyError(f"d_to = {d_to} is outside the range of {family.name}")
    if d_to == d_from:
        raise FamilyError("d_from and d_to coincide: nothing to track")
    st = family.structure(setting)
    x0 = point_from_seed(family, setting, d_from)[slice_unknowns(st)]
    settings = ArclengthSettings(ds=ds, ds_max=ds_max, d_min=min(d_from, d_to), d_max=max(d_from, d_to),
                                 direction=1 if d_to > d_from else -1)
    branch = continue_branch(family_problem(family, setting), x0, float(d_from), settings,
                             observers=tuple(observers))
    branch.metadata.update({"case": family.name, "setting": setting, "names": [
        n for n, k in zip(st.names, st.parameters) if k[0] != "c"], "second_layer": second_layer(st),
        "d_from": float(d_from), "d_to": float(d_to),
        "d_to_requested": None if requested is None else float(requested)})
    return branch


def event_rows(branch):
    """The events of a branch as rows. Stability events carry the Morse index on both sides
    ("below" is the smaller d) as a formula in d and its value at a sample d of that interval."""
    fam = get_case(branch.metadata["case"])
    intervals = _morse_intervals(fam, branch.metadata["setting"], branch)
    rows = []
    for e in branch.events:
        row = {"kind": e.kind, "d": float(e.d), "label": e.label or ""}
        if e.kind == "stability":
            below = [iv for iv in intervals if iv["d_hi"] <= e.d + 1e-9]
            above = [iv for iv in intervals if iv["d_lo"] >= e.d - 1e-9]
            for side, ivs in (("below", below[-1:]), ("above", above[:1])):
                row[f"index_{side}"] = ivs[0]["morse_index_formula"] if ivs else None
                row[f"index_{side}_sample"] = ([ivs[0]["d_sample"], ivs[0]["morse_index_at_sample"]]
                                               if ivs else None)
        rows.append(row)
    return rows


def _dimension_formula(label, q):
    """dim of the representation as a formula in d (cases.spectrum: p = d - q)."""
    minus = lambda j: "d" if j == 0 else f"d-{j}"
    if label.startswith("trivial"):
        return "1"
    if label.startswith("std"):
        return minus(q + 1)
    if ",2]" in label:
        return f"{minus(q)}*({minus(q + 3)})/2" if q == 0 else f"({minus(q)})({minus(q + 3)})/2"
    return f"({minus(q + 1)})({minus(q + 2)})/2"


def interval_summary(family, setting, d_lo, d_hi):
    """The Morse index on ``(d_lo, d_hi)``: which blocks are negative (how many eigenvalues
    each), the index as a formula in ``d``, and its value at an integer ``d`` of the interval
    (or at the midpoint when there is none)."""
    ints = [k for k in range(math.ceil(d_lo), math.floor(d_hi) + 1) if d_lo < k < d_hi]
    mid = 0.5 * (d_lo + d_hi)
    d = float(min(ints, key=lambda k: abs(k - mid))) if ints else mid
    cp = critical_point(family, setting, d)
    negative = {}
    for e in cp.spectrum.entries:
        if e.eigenvalue < 0:
            negative[e.representation] = negative.get(e.representation, 0) + round(e.multiplicity / cp.spectrum.dims[e.representation])
    terms = []
    for rep, n in negative.items():
        dim = _dimension_formula(rep, family.q)
        terms.append(str(n) if dim == "1" else (f"{n}*" if n != 1 else "") + dim)
    formula = " + ".join(terms) or "0"
    return {"d_lo": d_lo, "d_hi": d_hi, "d_sample": d, "morse_index_at_sample": cp.morse_index,
            "negative_blocks": negative, "morse_index_formula": formula}


def _morse_intervals(family, setting, branch):
    """:func:`interval_summary` on every interval of the branch between stability events."""
    events = sorted(float(e.d) for e in branch.events if e.kind == "stability")
    cuts = [float(np.min(branch.d))] + events + [float(np.max(branch.d))]
    return [interval_summary(family, setting, a, b) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]


def _mp_loss(family, setting, x_w, d, dps):
    st = family.structure(setting)
    x = list(x_w) + ([mpmath.mpf(v) for v in second_layer(st)] if st.trainable else [])
    return mp_block_derivatives(st, x, d, dps, order=0).loss


def refine_case(family, setting="fixed", digits=50, progress=None, d_max=REFINE_D_MAX):
    """Every stability change of ``family`` on ``(d_min, d_max]``, refined to ``digits``.

    Continuation (float64) locates the events; each is refined by the engine's
    :func:`refine_zero` on the test function of the crossing isotypic block
    (:mod:`cases.mp_spectrum`), at two working precisions. Returns a JSON-ready dict (the
    branch itself under ``"branch"``).
    """
    if not 1 <= digits <= 1000:
        raise ValueError(f"digits must be between 1 and 1000, got {digits}")
    report = progress or (lambda f, note="": None)
    d_top = min(d_max, family.d_max)
    branch = track(family, d_from=d_top, setting=setting,
                   observers=(lambda s: report(0.5 * (d_top - s.d) / (d_top - family.d_min), f"d = {s.d:.3f}"),))
    mp_problem = family_mp_problem(family, setting)
    stability = [e for e in branch.events if e.kind == "stability"]
    crossings = []
    for n, e in enumerate(stability):
        report(0.5 + 0.5 * n / max(len(stability), 1), f"refining d* near {e.d:.6f}")
        key = representation_key(e.label)
        res = refine_zero(mp_problem, mp_test_function(family, setting, key), np.asarray(e.x, dtype=float),
                          float(e.d) - BRACKET, float(e.d) + BRACKET, digits)
        loss = _mp_loss(family, setting, res.x, res.d, res.dps_used) if res.status == "converged" else float("nan")
        names = branch.metadata["names"]
        crossings.append({
            "d_star": res.d_star, "digits_verified": res.digits_verified, "status": res.status,
            "message": res.message, "representation": e.label,
            "loss": float(loss), "params": dict(zip(names, (float(v) for v in res.x_float))),
            "slope": float(res.slope), "transversal": bool(res.transversal),
            "residual_norm": float(res.residual_norm), "test_value": float(res.test_value),
            "d_star_float": float(e.d)})
    report(1.0, "done")
    crossings.sort(key=lambda c: c["d_star_float"])
    intervals = _morse_intervals(family, setting, branch)
    for c in crossings:
        below = [iv for iv in intervals if iv["d_hi"] <= c["d_star_float"] + 1e-9]
        above = [iv for iv in intervals if iv["d_lo"] >= c["d_star_float"] - 1e-9]
        c["index_below"] = below[-1]["morse_index_formula"] if below else None
        c["index_above"] = above[0]["morse_index_formula"] if above else None
    last = crossings[-1]["d_star"] if crossings else None
    folds = []
    for e in (e for e in branch.events if e.kind == "fold"):
        res = refine_fold(mp_problem, np.asarray(e.x, dtype=float), float(e.d), digits)
        folds.append({"d_star": res.d_star, "digits_verified": res.digits_verified, "status": res.status,
                      "message": res.message, "d_float": float(e.d), "residual_norm": res.residual_norm})
    branch_points = [{"d_float": float(e.d), "status": "located in float64 only (not refined)"}
                     for e in branch.events if e.kind == "branch_point"]
    return {"case": family.name, "setting": setting, "crossings": crossings, "last_crossing_d_star": last,
            "folds": folds, "branch_points": branch_points,
            "morse_intervals": intervals, "end_reason": branch.end_reason, "branch": branch}


def integer_table(family, setting, d_values=range(4, 21)):
    """Loss, lambda_min and Morse index at the integer d of the family's range."""
    rows = []
    for d in d_values:
        if d <= family.d_min:
            continue
        try:
            cp = critical_point(family, setting, float(d))
        except FamilyError:
            continue
        rows.append({"d": d, "loss": cp.loss, "lambda_min": cp.lambda_min, "morse_index": cp.morse_index,
                     "kind": cp.kind})
    return rows
