"""The public Python API: a few lines per research question.

    from spurious.api import get_case, critical_point, track, refine_case
    fam = get_case("sd1-i")
    cp = critical_point(fam, "fixed", 5.5)          # point, loss, spectrum at fractional d
    branch = track("sd1-i", d_from=20, d_to=4.5)    # continuation with events (a name works too)
    branch.events; branch.save("sd1-i.json")
    res = refine_case(fam, "fixed", digits=50)      # every stability change to verified digits
    res.success, res.crossings[0].d_star, res.as_dict()

Every public function checks its arguments (:mod:`spurious.validation`): a family may be given
as a :class:`~spurious.cases.Family` or by name; a wrong type raises ``TypeError``, a bad value
``ValueError`` (``FamilyError`` for what a family cannot answer), each with a one-line message.

This module glues the engine (:mod:`spurious.continuation`) to the families
(:mod:`spurious.cases`); it owns no mathematics.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import mpmath
import numpy as np

from spurious import cases as _cases
from spurious.cases import CriticalPoint, Family, families
from spurious.cases.family import FamilyError, point_from_seed, slice_unknowns
from spurious.cases.spectrum import index_formula
from spurious.cases.problem import family_mp_problem, family_problem, mp_test_function, second_layer
from spurious.continuation import ArclengthSettings, continue_branch, refine_fold, refine_zero
from spurious.kernels import mp_block_derivatives
from spurious.results import CONVERGED, Crossing, RefineResult, Status
from spurious.validation import as_digits, as_family, as_flag, as_real, as_setting

__all__ = ["Crossing", "RefineResult", "catalogue_rows", "critical_point", "event_rows", "families", "get_case",
           "integer_table", "interval_summary", "refine_case", "track"]

REFINE_D_MAX = 30.0
"""Upper end of the range searched for stability changes (families continue past it, but
their spectra are far from zero there)."""
LOWER_MARGIN = 0.01
"""Branches stop this far above a family's lower limit d = q + 3 (where the fine generic block
of the isotypic construction has size 1)."""
BRACKET = 1e-7
"""Half-width of the bracket around a float64 event location handed to the refinement."""


def get_case(name: str) -> Family:
    """The catalogue family called ``name``.

    Parameters
    ----------
    name : str
        A case name such as ``"sd1-i"`` (``spurious cases`` lists them).

    Returns
    -------
    Family

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    FamilyError
        If the catalogue has no such case.
    """
    if not isinstance(name, str):
        raise TypeError(f"the case name must be a string such as 'sd1-i', got {type(name).__name__}")
    return _cases.get_case(name)


def critical_point(family: Family | str, setting: str, d: Any) -> CriticalPoint:
    """The family's critical point at dimension ``d``, with loss and Hessian spectrum.

    Parameters
    ----------
    family : Family or str
        A family or its name.
    setting : {"fixed", "trainable"}
    d : real number
        In the family's range ``d_min < d <= d_max`` (fractional allowed); ``int``, ``float``,
        numpy scalars, ``mpf``, ``Fraction`` and ``Decimal`` are accepted.

    Returns
    -------
    CriticalPoint
        ``.loss``, ``.spectrum``, ``.lambda_min``, ``.morse_index``, ``.kind``, ``.as_dict()``.

    Raises
    ------
    TypeError
        Wrong argument types (a complex or boolean ``d``, a non-string setting...).
    FamilyError
        ``d`` out of range, unknown case or setting, or no converged point at ``d``.
    """
    family = as_family(family)
    setting = as_setting(setting)
    d = as_real(d, "d")
    family.check_d(d)
    return _cases.critical_point(family, setting, d)


def catalogue_rows() -> list[dict]:
    """The catalogue as JSON-ready rows (one dict per family: name, isotropy, range, seeds...)."""
    return [{"name": f.name, "isotropy": f.isotropy, "blocks": list(f.blocks), "description": f.description,
             "settings": list(f.settings), "d_min": f.d_min, "d_max": f.d_max,
             "seed_d": [s.d for s in f.seeds], "found_by": f.extra.get("found_by", ""),
             "provenance": f.provenance} for f in families()]


def track(family: Family | str, d_from: float = 20.0, d_to: float | None = None, setting: str = "fixed",
          observers: Iterable[Callable] = (), ds: float = 0.2, ds_max: float = 0.25, resume=None):
    """Continue ``family`` from ``d_from`` towards ``d_to`` (default: the lower end of its range).

    ``d_to`` below the range is moved to ``d_min + LOWER_MARGIN`` (recorded in the metadata).

    Parameters
    ----------
    family : Family or str
        A family or its name.
    d_from : real number
        Start, in the family's range.
    d_to : real number or None
        End (default: the lower end of the range).
    setting : {"fixed", "trainable"}
    observers : sequence of callables
        Each is called with every accepted continuation step.
    ds, ds_max : positive real numbers
        Initial and largest arclength step.
    resume : Branch or None
        A branch of the same case and setting (e.g. ``Branch.load`` of a checkpoint saved by an
        observer with ``step.branch.save(path)``) to continue from its last point, tangent and
        step length; it is extended in place and returned. With the same ``d_to``, ``ds`` and
        ``ds_max`` as the interrupted run the result is that of an uninterrupted run; a
        finished branch is extended by a ``d_to`` beyond its end. ``d_from`` is then ignored
        (the branch keeps its own start, ``metadata["d_from"]``).

    Returns
    -------
    Branch
        The engine's branch (``.d``, ``.values``, ``.events``, ``.save(path)``) with ``metadata``
        naming the case, setting and parameters; ``.status``/``.success``/``.message`` say how
        it ended (``BOUND_REACHED``, "reached d = 4.01", when it got to ``d_to``) -- a numerical
        failure on the way is a status there, not an exception.

    Raises
    ------
    TypeError
        Wrong argument types.
    ValueError
        Non-finite or non-positive steps; ``FamilyError`` (a ``ValueError``) for a range the
        family does not have, ``d_from == d_to``, a start point that cannot be found (the
        message names ``d`` and the residual; a branch never comes back empty) or a ``resume``
        branch of another case or setting or ending outside the requested range.
    """
    family, setting = as_family(family), as_setting(setting)
    d_from = as_real(d_from, "d_from")
    d_to = None if d_to is None else as_real(d_to, "d_to")
    ds, ds_max = as_real(ds, "ds"), as_real(ds_max, "ds_max")
    if not 0 < ds <= ds_max:
        raise ValueError(f"the steps must satisfy 0 < ds <= ds_max, got ds = {ds}, ds_max = {ds_max}")
    try:
        observers = (None,) if callable(observers) else tuple(observers)
    except TypeError:
        observers = (None,)
    if not all(callable(f) for f in observers):
        raise TypeError("observers must be a sequence of callables (one function is passed as [f])")
    from spurious.continuation import Branch
    if resume is not None and not isinstance(resume, Branch):
        raise TypeError(f"resume must be a Branch (e.g. Branch.load(path)), got {type(resume).__name__}")
    if resume is not None and len(resume):
        d_from = as_real(resume.metadata.get("d_from", resume.d[0]), "the resumed branch's d_from")
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
    idx = slice_unknowns(st)
    settings = ArclengthSettings(ds=ds, ds_max=ds_max, d_min=min(d_from, d_to), d_max=max(d_from, d_to),
                                 direction=1 if d_to > d_from else -1)
    metadata = {"case": family.name, "setting": setting, "names": [
        n for n, k in zip(st.names, st.parameters) if k[0] != "a"], "second_layer": second_layer(st),
        "d_from": float(d_from), "d_to": float(d_to),
        "d_to_requested": None if requested is None else float(requested)}
    if resume is not None:
        who = (resume.metadata.get("case"), resume.metadata.get("setting"))
        if who != (family.name, setting):
            raise FamilyError(f"cannot resume a branch of {who[0]} ({who[1]}) as {family.name} ({setting})")
        if len(resume) == 0 or resume.x.shape[1] != len(idx):
            raise FamilyError(f"cannot resume: the branch has {len(resume)} points of size "
                              f"{resume.x.shape[1] if len(resume) else 0}, {family.name} needs {len(idx)} unknowns")
        d_last = float(resume.d[-1])
        if not settings.d_min <= d_last <= settings.d_max:
            raise FamilyError(f"cannot resume towards d_to = {d_to:g}: the branch already ends at d = {d_last:.12g}, "
                              f"outside [{settings.d_min:g}, {settings.d_max:g}]")
        resume.metadata.update(metadata)
        branch = continue_branch(family_problem(family, setting), None, None, settings,
                                 observers=tuple(observers), branch=resume)
    else:
        try:
            x0 = point_from_seed(family, setting, d_from)[idx]
        except FamilyError as err:
            raise FamilyError(f"{family.name} ({setting}): the branch cannot start at d = {d_from:.12g}: "
                              f"{err}") from None

        def stamp(step):
            """Metadata from the first point on, so that checkpoints saved by observers have it."""
            if step.index == 0:
                step.branch.metadata.update(metadata)

        branch = continue_branch(family_problem(family, setting), x0, float(d_from), settings,
                                 observers=(stamp,) + tuple(observers))
        if len(branch) == 0:
            raise FamilyError(f"{family.name} ({setting}): the branch cannot start at d = {d_from:.12g}: "
                              f"{branch.message}")
    branch.metadata.update(metadata)
    return branch


def event_rows(branch) -> list[dict]:
    """The events of a branch as rows. Stability events carry the Morse index on both sides
    ("below" is the smaller d) as a formula in d and its value at a sample d of that interval.

    Parameters
    ----------
    branch : Branch
        A branch from :func:`track` (its metadata names the case and setting).

    Returns
    -------
    list of dict
        ``kind``, ``d``, ``label`` and, for stability events, ``index_below``/``index_above``
        (formulas) and ``index_below_sample``/``index_above_sample`` (``[d, index]``).

    Raises
    ------
    TypeError
        If ``branch`` is not a branch made by :func:`track`.
    """
    metadata = getattr(branch, "metadata", None)
    if not isinstance(metadata, dict) or "case" not in metadata or not hasattr(branch, "events"):
        raise TypeError(f"branch must be a Branch made by track(), got {type(branch).__name__}")
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


def interval_summary(family: Family | str, setting: str, d_lo: float, d_hi: float) -> dict:
    """The Morse index on ``(d_lo, d_hi)``: which blocks are negative (how many eigenvalues
    each), the index as a formula in ``d``, and its value at an integer ``d`` of the interval
    (or at the midpoint when there is none).

    Parameters
    ----------
    family : Family or str
    setting : {"fixed", "trainable"}
    d_lo, d_hi : real numbers
        An interval between stability changes, ``d_lo < d_hi``, inside the family's range.

    Returns
    -------
    dict
        ``d_lo``, ``d_hi``, ``d_sample``, ``morse_index_at_sample``, ``negative_blocks``
        (representation label -> number of negative eigenvalues of its isotypic block, each of
        multiplicity ``Representation.dimension(d)``), ``morse_index_formula`` (the sum of
        those counts times ``Representation.dimension_formula()``).

    Raises
    ------
    TypeError, ValueError
        Bad arguments; ``FamilyError`` when the point at the sample ``d`` cannot be had.
    """
    family, setting = as_family(family), as_setting(setting)
    d_lo, d_hi = as_real(d_lo, "d_lo"), as_real(d_hi, "d_hi")
    if not d_lo < d_hi:
        raise ValueError(f"need d_lo < d_hi, got ({d_lo}, {d_hi})")
    ints = [k for k in range(math.ceil(d_lo), math.floor(d_hi) + 1) if d_lo < k < d_hi]
    mid = 0.5 * (d_lo + d_hi)
    d = float(min(ints, key=lambda k: abs(k - mid))) if ints else mid
    cp = critical_point(family, setting, d)
    blocks = sorted(cp.spectrum.blocks.items(), key=lambda item: item[1][0])  # most negative first
    negative = {label: int(np.sum(values < 0)) for label, values in blocks if values[0] < 0}
    formula = index_formula(cp.spectrum.representations, negative)
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


def refine_case(family: Family | str, setting: str = "fixed", digits: int = 50,
                progress: Callable[..., Any] | None = None, d_max: float = REFINE_D_MAX,
                refine_folds: bool = True) -> RefineResult:
    """Every stability change of ``family`` on ``(d_min, d_max]``, refined to ``digits``.

    Continuation (float64) locates the events; each is refined by the engine's
    :func:`refine_zero` on the test function of the crossing isotypic block
    (the same :class:`~spurious.cases.monitors.Monitor` as the continuation's, in mpmath), at
    two working precisions.

    Parameters
    ----------
    family : Family or str
        A family or its name.
    setting : {"fixed", "trainable"}
    digits : int
        Decimal digits requested, 1 to 10,000 (only verified digits are reported).
    progress : callable or None
        Called as ``progress(fraction, note)`` while working.
    d_max : real number
        Upper end of the range searched (capped at the family's ``d_max``).
    refine_folds : bool
        Also refine the folds found (the branch's events list them either way).

    Returns
    -------
    RefineResult
        ``success``, ``status``, ``message``, ``crossings`` (:class:`Crossing`), folds, branch
        points, Morse intervals and the branch; ``.as_dict()`` is the JSON-ready form.

    Raises
    ------
    TypeError
        Wrong argument types (``digits=True``, a non-callable ``progress``...).
    ValueError
        ``digits`` out of range, ``d_max`` not above the family's lower end; ``FamilyError``
        when the family cannot be continued.
    """
    family, setting = as_family(family), as_setting(setting)
    digits = as_digits(digits)
    d_max = as_real(d_max, "d_max")
    refine_folds = as_flag(refine_folds, "refine_folds")
    if d_max <= family.d_min + LOWER_MARGIN:
        raise ValueError(f"d_max = {d_max} must exceed the lower end {family.d_min + LOWER_MARGIN} of {family.name}")
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable or None, got {type(progress).__name__}")
    report = progress or (lambda f, note="": None)
    d_top = min(d_max, family.d_max)
    branch = track(family, d_from=d_top, setting=setting,
                   observers=(lambda s: report(0.5 * (d_top - s.d) / (d_top - family.d_min), f"d = {s.d:.3f}"),))
    mp_problem = family_mp_problem(family, setting)
    stability = [e for e in branch.events if e.kind == "stability"]
    crossings = []
    for n, e in enumerate(stability):
        report(0.5 + 0.5 * n / max(len(stability), 1), f"refining d* near {e.d:.6f}")
        res = refine_zero(mp_problem, mp_test_function(family, setting, e.label), np.asarray(e.x, dtype=float),
                          float(e.d) - BRACKET, float(e.d) + BRACKET, digits)
        loss = _mp_loss(family, setting, res.x, res.d, res.dps_used) if res.success else float("nan")
        names = branch.metadata["names"]
        crossings.append({
            "d_star": res.d_star, "digits_verified": res.digits_verified, "status": res.status,
            "message": res.message if e.success else f"{res.message} (float64 event: {e.message})",
            "representation": e.label,
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
    for e in (e for e in branch.events if e.kind == "fold" and refine_folds):
        res = refine_fold(mp_problem, np.asarray(e.x, dtype=float), float(e.d), digits)
        folds.append({"d_star": res.d_star, "digits_verified": res.digits_verified, "status": res.status.value,
                      "message": res.message, "d_float": float(e.d), "residual_norm": res.residual_norm,
                      "null_residual": res.null_residual, "transversal": res.transversal})
    branch_points = [{"d_float": float(e.d), "status": e.status.value,
                      "message": f"located in float64 only (not refined): {e.message}"}
                     for e in branch.events if e.kind == "branch_point"]
    failed = [c for c in crossings if c["status"] != CONVERGED]
    failed_folds = [f for f in folds if f["status"] != CONVERGED]
    message = (f"{len(crossings) - len(failed)} of {len(crossings)} stability changes converged to {digits} digits"
               + "".join(f"; near d = {c['d_star_float']:.6f}: {c['status']} ({c['message']})" for c in failed)
               + "".join(f"; fold near d = {f['d_float']:.6f}: {f['status']} ({f['message']})" for f in failed_folds)
               + ("" if branch.success else f"; the continuation ended early: {branch.status} ({branch.message})"))
    ok = not failed and not failed_folds and branch.success
    return RefineResult(success=ok, status=CONVERGED if ok else Status.FAILED, message=message,
                        case=family.name, setting=setting, crossings=[Crossing(**c) for c in crossings],
                        last_crossing_d_star=last, folds=folds, branch_points=branch_points,
                        morse_intervals=intervals, end_reason=branch.message, branch=branch)


def integer_table(family: Family | str, setting: str, d_values: Iterable[int] = range(4, 21)) -> list[dict]:
    """Loss, lambda_min and Morse index at the integer d of the family's range.

    Parameters
    ----------
    family : Family or str
    setting : {"fixed", "trainable"}
    d_values : iterable of int
        Dimensions to tabulate; those at or below the family's exclusive lower end ``d_min``
        are skipped (no point exists there), those above ``d_max`` raise.

    Returns
    -------
    list of dict
        One row per ``d``: ``d``, ``loss``, ``lambda_min``, ``morse_index``, ``kind``,
        ``status`` (``"ok"``) -- or, where no converged point could be had (a
        :class:`FamilyError`), ``status = "failed"``, the error in ``message`` and NaN values,
        so that no ``d`` is dropped silently.

    Raises
    ------
    TypeError
        A non-integer ``d`` (integers only: this is the integer-``d`` table), bad family/setting.
    FamilyError
        Unknown case or setting, or a ``d`` above the family's range.
    """
    family, setting = as_family(family), as_setting(setting)
    family.structure(setting)  # the setting must exist for the family: raise, do not skip
    try:
        d_values = list(d_values)
    except TypeError:
        raise TypeError(f"d_values must be an iterable of integers, got {type(d_values).__name__}") from None
    for d in d_values:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"d_values must hold integers, got {d!r}")
        if d > family.d_max:
            raise FamilyError(f"d = {d} is above the range of {family.name} (d <= {family.d_max:g})")
    rows = []
    for d in d_values:
        if d <= family.d_min:
            continue
        try:
            cp = critical_point(family, setting, float(d))
        except FamilyError as err:
            nan = float("nan")
            rows.append({"d": int(d), "loss": nan, "lambda_min": nan, "morse_index": nan, "kind": "unavailable",
                         "status": "failed", "message": str(err)})
            continue
        rows.append({"d": int(d), "loss": cp.loss, "lambda_min": cp.lambda_min, "morse_index": cp.morse_index,
                     "kind": cp.kind, "status": "ok"})
    return rows
