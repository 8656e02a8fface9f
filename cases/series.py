"""Power series in ``t = d^(-1/2)`` of a family, its loss and its Hessian spectrum (issue #13).

**The expansion.** With ``d = t^-2`` the real block size is ``n = t^-2 - q`` and a family's
fixed-space equations ``G(x, d) = grad L_H(x; d) = 0`` (docs/mathematics.md) become equations
between Laurent series in ``t``. The kernels are run on truncated Laurent series
(:mod:`kernels.laurent`: the same code as the float64, mpmath and arb paths), so the loss,
gradient and Hessian of a series ``x(t)`` come out as series; nothing is expanded by hand.

**The leading terms** are the ``d -> infinity`` limit of the family: the high-precision
continuation (mpmath) at ``d = 10^12``, whose entries lie within ``10^-8`` of integers for every
catalogued family (the student rows tend to signed teacher rows); those integers are taken
as the exact limit ``x_0`` (a limit that is not near an integer is kept as computed).

**Formal Newton** (quadratic in the ``t``-adic sense: each iteration doubles the number of
correct terms)::

    x_{j+1}(t) = x_j(t) - Hess L_H(x_j(t); t^-2)^-1 grad L_H(x_j(t); t^-2),          (S1)

in Laurent-series arithmetic with tracked precision, started from ``x_0 + c t^2`` (``c`` from
the continuation). It stops when the correction vanishes to every known order; the series is
then a formal solution modulo ``t^K``, ``K`` its tracked precision.

**Eigenvalues.** Each isotypic block ``B_rho(t)`` (:mod:`cases.monitors`, evaluated on the
series) is a symmetric matrix of Laurent series; by Rellich's theorem its eigenvalues are
power series in ``t`` (times ``t^-2`` for the ``Theta(d)`` ones). Each is found by Newton on
the eigenpair::

    (B_rho - lambda I) v = 0,   v_j = 1,                                                   (S2)

started from the eigenpairs of ``B_rho(t*)`` at ``t* = 10^-12`` (:data:`SEED_POINTS`; the
valuation of each eigenvalue from ``t*`` and ``t*/10``). Repeated limits (a bulk eigenvalue shared by two
eigenvalues of a block) are split at higher order by the same Newton.

**Checks** (independent of the series code): the continuation in mpmath at large ``d``:
* the remainder ``f(d) - sum_{k <= N} c_k t^k`` must behave like the next term of the series
  (:func:`remainder_test`, at ``d = 10^4 ... 10^12``);
* polynomial (Neville) extrapolation in ``t`` of the continuation values at ``t_j = t_0 r^j``
  gives the first coefficients again (:func:`extrapolate`), printed with the number of
  digits on which the two agree;
* the whole expansion is repeated at a higher working precision and order: a coefficient's
  ``digits`` are those on which the two runs agree (*verified*, as everywhere in this tool).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import mpmath
import numpy as np

from spurious.kernels.backend import PrecisionError
from spurious.kernels.laurent import Laurent, LaurentContext

from .family import FamilyError, slice_unknowns
from .monitors import _decomposition

__all__ = ["SeriesResult", "Term", "expand", "extrapolate", "family_series", "remainder_test"]

VARIABLE = "t = d^(-1/2)"
LIMIT_D = 10 ** 12
SNAP = mpmath.mpf("1e-8")
MARGIN = 12
"""Orders of ``t`` computed beyond those requested (the kernels' Laurent arithmetic loses a
few orders to the poles of ``n`` and of the kernel's second derivatives)."""


@dataclass
class Term:
    """``coefficient * t^power``; ``digits``: how many digits are verified (two runs agree)."""

    power: int
    coefficient: object
    digits: int

    def as_dict(self):
        return {"power": self.power, "coefficient": _dec(self.coefficient, max(self.digits, 1)),
                "digits": self.digits}


@dataclass
class SeriesResult:
    """The expansion of one family (fixed second layer).

    ``series`` maps a name (``loss``, each parameter, ``lambda[<rep>]`` for the smallest
    eigenvalue of each isotypic block, ``lambda/d[<rep>]`` for a ``Theta(d)`` one) to its
    terms up to ``order`` (powers ``< leading + order``); ``eigenvalues`` every eigenvalue of
    every block (``(representation, index) -> terms``); ``checks`` the remainder and
    extrapolation tests; ``identified`` the conjectured closed forms (``--identify``).
    """

    case: str
    setting: str
    order: int
    digits: int
    series: dict
    eigenvalues: dict = field(default_factory=dict)
    multiplicities: dict = field(default_factory=dict)
    known_to: int = 0
    checks: dict = field(default_factory=dict)
    identified: dict = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self):
        return {"case": self.case, "setting": self.setting, "variable": VARIABLE, "order": self.order,
                "series": {name: [t.as_dict() for t in terms] for name, terms in self.series.items()},
                "spectrum": [{"representation": rep, "index": k, "multiplicity": self.multiplicities.get(rep),
                              "terms": [t.as_dict() for t in terms]}
                             for (rep, k), terms in self.eigenvalues.items()],
                "checks": self.checks, "identified": self.identified, "seconds": round(self.seconds, 2)}


# ------------------------------------------------------------------ helpers
def _dec(x, digits):
    return mpmath.nstr(x, max(int(digits), 1), min_fixed=-5, max_fixed=5)


def _exact_polynomial(ctx, s):
    """The series ``s`` as an exact polynomial (its known terms; beyond them zero)."""
    K = s.K
    return ctx.series([s.coefficient(k) if k >= s.v else 0 for k in range(0, max(K, 0))]) if s.v >= 0 else s


def _large_d_points(family, setting, ds, dps):
    """The family's ``W``-unknowns at each ``d`` of ``ds`` (increasing, from 10^4 up), by Newton
    in mpmath from the previous point (the float64 range ends at ``d_max``)."""
    from spurious.continuation.refine import solve_at

    from .certify import _mp_point
    from .problem import family_mp_problem

    prob = family_mp_problem(family, setting)
    start = min(float(family.d_max), 10 ** 4)
    x = _mp_point(family, setting, str(int(start)), dps)
    out = []
    with mpmath.workdps(dps):
        for d in ds:
            d = mpmath.mpf(d)
            res = solve_at(prob, [mpmath.mpf(v) for v in x], d, dps)
            if not res.success:
                raise FamilyError(f"{family.name}: Newton in mpmath at d = {mpmath.nstr(d, 5)} did not converge "
                                  f"({res.status})")
            x = [res.x[i] for i in range(len(x))]
            out.append(x)
    return out


def _limit(family, setting, dps):
    """``x(d)`` at ``d = 10^12`` and the limit ``x_0`` (entries within 1e-8 of an integer snapped)."""
    ds = [10 ** 5, 10 ** 6, 10 ** 8, 10 ** 10, LIMIT_D]
    x = _large_d_points(family, setting, ds, dps)[-1]
    x0 = [mpmath.nint(v) if abs(v - mpmath.nint(v)) < SNAP else v for v in x]
    return x, x0


# ------------------------------------------------------------------ (S1)
def _formal_solution(st, x_far, x0, ctx, max_iter=14):
    """(S1): the parameters as series; returns ``(x, K)`` with ``x`` correct modulo ``t^K``."""
    t = ctx.t()
    t_far2 = mpmath.mpf(1) / LIMIT_D
    x = [ctx.constant(a) + ((b - a) / t_far2) * t * t for a, b in zip(x0, x_far)]
    d = ctx.dimension()
    known = 0
    polish = 1
    for _ in range(max_iter):
        bd = ctx.block_derivatives(st, x, d, 2)
        delta = ctx.solve(bd.hess, [-g for g in bd.grad])
        x = [_exact_polynomial(ctx, a + b) for a, b in zip(x, delta)]
        normalized = [s.normalized() for s in delta]
        known = min(s.K for s in delta)
        if all(not s.c for s in normalized):
            polish -= 1  # zero to every known order; one more step takes the rounding down
            if polish < 0:
                return x, known
    raise FamilyError(f"formal Newton did not converge in {max_iter} iterations (known modulo t^{known})")


# ------------------------------------------------------------------ (S2)
def _numeric(ctx, series_matrix, t):
    out = mpmath.matrix(series_matrix.shape[0], series_matrix.shape[1])
    for (i, j), s in np.ndenumerate(series_matrix):
        out[i, j] = ctx.value(s, t)
    return out


DIGITS_CAP = 10
"""Verified digits are reported up to ``digits + DIGITS_CAP``: the two runs share the seeds and
the order of the Laurent arithmetic, so agreement far beyond the requested digits is not
evidence of more."""

SEED_POINTS = (12, 9, 15)
"""``t* = 10^-k``: the eigenpairs of ``B(t*)`` seed (S2); the next is tried if Newton fails. The
seed's contamination of the coefficients beyond the leading one is ``O(t*^3) = 1e-36``, above the
zero threshold ``10^(-dps/2)`` (``dps >= MIN_DPS``), so Newton removes it."""
MIN_DPS = 80
MIN_ORDER = 4
"""Terms computed at least (only ``order`` are reported)."""


def _eigen_series(ctx, B, target, max_iter=40):
    """Every eigenvalue of the symmetric Laurent matrix ``B`` as a series (S2), ascending by
    their values at ``t*``, each known to ``target`` terms if the seeds allow. Returns a list
    of Laurent series."""
    if B.shape[0] == 1:
        return [B[0, 0]]
    best, error = None, None
    for seed in SEED_POINTS:
        try:
            found = _eigen_series_from(ctx, B, seed, max_iter)
        except (PrecisionError, FamilyError, ZeroDivisionError) as err:
            error = err
            continue
        # keep, eigenvalue by eigenvalue, the run that knows the most terms (a cluster of
        # eigenvalues with equal leading terms may stop Newton early from one seed)
        best = found if best is None else [a if a.K - a.v >= b.K - b.v else b for a, b in zip(best, found)]
        if min(a.K - a.v for a in best) >= target:
            return best
    if best is None:
        raise error
    return best


def _eigen_series_from(ctx, B, seed, max_iter):
    b = B.shape[0]
    with mpmath.workdps(2 * mpmath.mp.dps):
        t1, t2 = mpmath.mpf(10) ** -seed, mpmath.mpf(10) ** -(seed + 1)
        mu1, Q1 = mpmath.eigsy(_numeric(ctx, B, t1))
        mu2 = mpmath.eigsy(_numeric(ctx, B, t2), eigvals_only=True)
    order1 = sorted(range(b), key=lambda i: mu1[i])
    order2 = sorted(range(b), key=lambda i: mu2[i])
    out = []
    for rank in range(b):
        i1, i2 = order1[rank], order2[rank]
        ratio = abs(mu2[i2] / mu1[i1]) if mu1[i1] != 0 else mpmath.mpf(1)
        v = int(mpmath.nint(mpmath.log(ratio) / mpmath.log(t2 / t1))) if ratio > 0 else 0
        lam = ctx.series([mu1[i1] / t1 ** v], v=v)
        q = [Q1[r, i1] for r in range(b)]
        j = max(range(b), key=lambda r: abs(q[r]))
        vec = [ctx.constant(q[r] / q[j]) for r in range(b)]
        polish = 3
        lam_known = None
        for _ in range(max_iter):
            F = [sum((B[r, c] * vec[c] for c in range(b)), ctx.constant(0)) - lam * vec[r] for r in range(b)]
            cols = [c for c in range(b) if c != j]
            J = np.empty((b, b), dtype=object)
            for r in range(b):
                for k, c in enumerate(cols):
                    J[r, k] = B[r, c] - (lam if r == c else 0)
                J[r, b - 1] = -vec[r]
            delta = ctx.solve(J, [-f for f in F])
            new = lam + delta[b - 1]
            if all(not s.normalized().c for s in delta):
                # converged: zero correction (below tol) to every known order; lam is right
                # modulo t^K of the best such step (a later step may know fewer orders, never
                # more wrong ones). The tiny corrections are still applied (rounding polish)
                # without truncating what is known.
                lam_known = new.K if lam_known is None else max(lam_known, new.K)
                lam = _polish(ctx, lam, delta[b - 1])
                for k, c in enumerate(cols):
                    vec[c] = _polish(ctx, vec[c], delta[k])
                polish -= 1
                if polish < 0:
                    break
                continue
            for k, c in enumerate(cols):
                vec[c] = _exact_polynomial(ctx, vec[c] + delta[k]) if (vec[c] + delta[k]).v >= 0 else vec[c] + delta[k]
            lam = ctx.series([new.coefficient(k) for k in range(new.v, new.K)], v=new.v) if new.K > new.v else new
            lam_known = None
        else:
            raise FamilyError("the eigenvalue Newton did not converge")
        out.append(Laurent(lam.v, lam.c[:max(lam_known - lam.v, 0)], ctx))
    return out


def _polish(ctx, a, delta):
    """``a + delta`` on the powers where both are known, ``a`` unchanged beyond (``delta`` is a
    correction below the zero threshold: rounding, not information)."""
    c = list(a.c)
    for k in range(max(a.v, delta.v), min(a.K, delta.K)):
        c[k - a.v] = c[k - a.v] + delta.c[k - delta.v]
    return Laurent(a.v, c, ctx)


# ------------------------------------------------------------------ one expansion
def expand(family, setting="fixed", order=8, dps=60):
    """One run: the parameters, loss and every block eigenvalue as Laurent series, at ``dps``
    working digits with ``order + MARGIN`` orders. Returns ``(names -> series, eigen, mult, K)``."""
    st = family.structure(setting)
    if st.trainable:
        raise ValueError("the series are computed for the fixed second layer (setting 'fixed')")
    with mpmath.workdps(dps):
        x_far, x0 = _limit(family, setting, dps)
        ctx = LaurentContext(order + MARGIN, dps)
        with ctx.working():
            return _expand(st, ctx, x_far, x0)


def _expand(st, ctx, x_far, x0):
    """:func:`expand` inside the series' working precision."""
    x, K = _formal_solution(st, x_far, x0, ctx)
    x = [Laurent(s.v, s.c[:max(K - s.v, 0)], ctx) for s in x]  # known modulo t^K: say so downstream
    d = ctx.dimension()
    bd = ctx.block_derivatives(st, x, d, 0)
    out = {"loss": bd.loss}
    for name, s in zip(st.names, x):
        out[name] = s
    dec = _decomposition(st)
    state = dec.prepare(ctx, x, d)
    eigen, mult = {}, {}
    for m in dec.monitors:
        B = dec.block(state, m._component)
        for k, lam in enumerate(_eigen_series(ctx, B, ctx.order - MARGIN)):
            eigen[(m.label, k)] = lam
        mult[m.label] = m.representation
    return out, eigen, mult, K


def _terms(s, order, other=None):
    """Terms of the series ``s`` from its valuation, ``order`` of them (fewer if not known),
    with digits from the agreement with ``other`` (the second run)."""
    known = len(s.c) > 0
    s = s.normalized()
    zero_digits = int(mpmath.mp.dps) // 2  # a zero is printed as 0 to dps/2 decimal places
    if not s.c:  # zero to every computed order (the loss of the global minimum) -- if anything is known
        other_zero = other is not None and not other.c
        return [Term(0, mpmath.mpf(0), zero_digits)] if known and other_zero else []
    terms = []
    zero = mpmath.mpf(10) ** -(zero_digits + 2)
    for k in range(s.v, s.v + order):
        if k >= s.K:
            break
        c = s.coefficient(k)
        c2 = other.coefficient(k) if other is not None and k < other.K else None
        if c2 is not None and abs(c) < zero and abs(c2) < zero:  # zero to the rounding of both runs
            terms.append(Term(k, mpmath.mpf(0), zero_digits))
            continue
        digits = _agreement(c, c2)
        if digits == 0:  # not verified: the series is reported up to the previous term
            break
        terms.append(Term(k, c, digits))
    return terms


def _agreement(a, b):
    """Digits on which ``a`` and ``b`` agree (relative; an absolute 1e-40 for zeros)."""
    if b is None:
        return 0
    diff = abs(a - b)
    scale = max(abs(a), abs(b))
    if diff == 0:
        return int(mpmath.mp.dps)
    if scale < mpmath.mpf("1e-40"):
        return int(mpmath.mp.dps) if diff < mpmath.mpf("1e-40") else 0
    return max(0, min(int(mpmath.mp.dps), int(mpmath.floor(-mpmath.log10(diff / scale)))))


def family_series(family, order=8, digits=30, setting="fixed", checks=True, identify=False, progress=None):
    """The series of ``family`` to ``order`` terms from each leading power, with ``digits``
    verified digits where the two runs agree (the second at ``digits + 20`` working digits
    digits); with ``checks`` the remainder and extrapolation tests."""
    from spurious.validation import as_family

    t0 = time.perf_counter()
    family = as_family(family)
    dps = max(int(digits) + 50, MIN_DPS)  # the Laurent arithmetic loses about 30 digits to cancellation
    inner = max(int(order), MIN_ORDER)  # clusters of eigenvalues need a few orders to split
    first = expand(family, setting, inner, dps)
    if progress:
        progress(0.4, "second precision")
    second = expand(family, setting, inner, dps + 20)
    with mpmath.workdps(dps):
        series, eigen = {}, {}
        for name, s in first[0].items():
            series[name] = _terms(s, order, second[0][name].normalized())
        for key, s in first[1].items():
            eigen[key] = _terms(s, order, second[1][key].normalized())
        for rep in dict.fromkeys(r for r, _ in eigen):
            ks = sorted(k for r, k in eigen if r == rep)
            series[f"lambda[{rep}]"] = eigen[(rep, ks[0])]
            growing = [k for k in reversed(ks) if eigen[(rep, k)] and eigen[(rep, k)][0].power < 0]
            for n, k in enumerate(growing):  # Theta(d) eigenvalues, largest first: lambda / d
                name = f"lambda/d[{rep}]" + ("" if n == 0 else f"#{n + 1}")
                series[name] = [Term(t.power + 2, t.coefficient, t.digits) for t in eigen[(rep, k)]]
    mult = {}
    for label, rep in first[2].items():
        constant = rep.constant_dimension
        mult[label] = str(constant) if constant is not None else rep.dimension_formula()
    cap = int(digits) + DIGITS_CAP
    for terms in list(series.values()) + list(eigen.values()):
        for term in terms:
            term.digits = min(term.digits, cap)
    result = SeriesResult(family.name, setting, int(order), int(digits), series, eigen, mult, first[3])
    if checks:
        if progress:
            progress(0.8, "checks against the continuation")
        result.checks = run_checks(family, setting, result, dps)
    if identify:
        result.identified = identify_coefficients(result)
    result.seconds = time.perf_counter() - t0
    return result


# ------------------------------------------------------------------ checks
def _continuation_values(family, setting, ds, dps):
    """Loss and parameters of the family at each ``d`` (mpmath continuation)."""
    from spurious.kernels.contexts import MPMATH

    st = family.structure(setting)
    xs = _large_d_points(family, setting, ds, dps)
    rows = []
    with mpmath.workdps(dps):
        for d, x in zip(ds, xs):
            loss = MPMATH.block_derivatives(st, x, mpmath.mpf(d), 0).loss
            rows.append({"d": d, "x": x, "loss": loss})
    return rows


def _partial_sum(terms, t, upto):
    return sum((term.coefficient * t ** term.power for term in terms if term.power < upto), mpmath.mpf(0))


def remainder_test(terms, values, n_terms):
    """``f(d) - sum of the first n_terms terms``, divided by the next nonzero term, at each
    ``(d, f(d))``: tends to 1 as ``d -> infinity`` when the series is right. Returns rows
    ``(d, ratio)``; ``None`` if the series has no further term."""
    if len(terms) <= n_terms:
        return None
    upto = terms[n_terms].power
    following = [term for term in terms[n_terms:] if abs(term.coefficient) > mpmath.mpf("1e-30")]
    if not following:
        return None
    nxt = following[0]
    rows = []
    for d, f in values:
        t = 1 / mpmath.sqrt(mpmath.mpf(d))
        rem = f - _partial_sum(terms, t, upto)
        rows.append((d, rem / (nxt.coefficient * t ** nxt.power)))
    return rows


def extrapolate(ts, fs, leading, count):
    """The first ``count`` coefficients of ``f(t) = t^leading (c_0 + c_1 t + ...)`` from the
    values ``fs`` at the points ``ts`` by polynomial interpolation of ``f / t^leading`` (Neville
    form: the interpolating polynomial's coefficients, computed by divided differences)."""
    g = [f / t ** leading for t, f in zip(ts, fs)]
    n = len(ts)
    coef = list(g)
    for j in range(1, n):  # divided differences
        for i in range(n - 1, j - 1, -1):
            coef[i] = (coef[i] - coef[i - 1]) / (ts[i] - ts[i - j])
    poly = [mpmath.mpf(0)] * n  # Newton form -> monomial coefficients
    for i in range(n - 1, -1, -1):
        new = [mpmath.mpf(0)] * n
        for k in range(n - 1):
            new[k + 1] += poly[k]
            new[k] -= ts[i] * poly[k]
        new[0] += coef[i]
        poly = new
    return poly[:count]


JUDGED_D = (10 ** 10,)
"""The remainder test is judged at these ``d`` (the deviation of remainder / next term from 1
shrinks like ``t``: ``~C 10^-5`` here). At ``d = 10^12`` the remainder after ``N`` terms
(``~ t^(N+1)``) falls below the error of the leading coefficients times their power of ``t``
(``10^-(digits+10) t^leading``), so the ratio there measures the coefficients' last digits, not
the series (it is still reported)."""


REMAINDER_TOL = 1e-2
"""The remainder test passes when remainder / next term is within this of 1 at ``JUDGED_D``."""


def _applicable(terms, lead, n_terms, d, digits):
    """Whether the next term at ``d`` exceeds the error of the leading terms (their verified
    digits times their size): only then does remainder / next term test the series."""
    if lead is None or len(terms) <= n_terms:
        return False
    with mpmath.workdps(digits + 60):
        t = 1 / mpmath.sqrt(mpmath.mpf(d))
        nxt = terms[n_terms]
        err = max(abs(term.coefficient) * t ** term.power * mpmath.mpf(10) ** -term.digits for term in terms[:n_terms])
        return bool(abs(nxt.coefficient) * t ** nxt.power > 1000 * err)


def run_checks(family, setting, result, dps):
    """The remainder test at ``d = 10^4 ... 10^12`` and the extrapolation of the continuation
    values at ``t_j = 10^-2 (1/1.6)^j`` (22 points) for the loss and every parameter."""
    st = family.structure(setting)
    names = ["loss"] + list(st.names)
    big = [10 ** 4, 10 ** 6, 10 ** 8, 10 ** 10, 10 ** 12]
    dps2 = dps + 60
    rows = _continuation_values(family, setting, big, dps2)
    ts = [mpmath.mpf(10) ** -2 / mpmath.mpf("1.6") ** j for j in range(22)]
    with mpmath.workdps(dps2):
        ds_ex = [1 / (t * t) for t in ts]
    ex_rows = _continuation_values(family, setting, ds_ex, dps2)
    checks = {"remainder": {}, "extrapolation": {}}
    judged = [str(d) for d in JUDGED_D]
    with mpmath.workdps(dps2):
        for name in names:
            terms = result.series[name]
            values = [(r["d"], r["loss"] if name == "loss" else r["x"][st.names.index(name)]) for r in rows]
            n_terms = max(1, min(result.order, len(terms)) - 1)
            rem = remainder_test(terms, values, n_terms)
            lead = next((t for t in terms if t.coefficient != 0), None)
            checks["remainder"][name] = None if rem is None else {
                "terms": n_terms, "ratios": [{"d": str(d), "ratio": _dec(q, 6),
                                              "applicable": _applicable(terms, lead, n_terms, d, result.digits)}
                                             for d, q in rem]}
            nonzero = [t for t in terms if abs(t.coefficient) > mpmath.mpf("1e-30")]
            if not nonzero:
                continue
            lead = nonzero[0].power
            fs = [r["loss"] if name == "loss" else r["x"][st.names.index(name)] for r in ex_rows]
            ex = extrapolate(ts, fs, lead, 4)
            agree = []
            for k, c in enumerate(ex):
                match = [t for t in terms if t.power == lead + k]
                if match:
                    agree.append({"power": lead + k, "extrapolated": _dec(c, 20),
                                  "digits_agreeing": _agreement(c, match[0].coefficient)})
            checks["extrapolation"][name] = agree
    deviations = [abs(mpmath.mpf(r["ratio"]) - 1) for v in checks["remainder"].values() if v
                  for r in v["ratios"] if r["d"] in judged and r["applicable"]]
    checks["remainder_judged_at"] = judged
    checks["remainder_worst_deviation"] = float(max(deviations)) if deviations else None
    checks["remainder_pass"] = None if not deviations else bool(max(deviations) < REMAINDER_TOL)
    checks["extrapolation_fewest_digits"] = min((e["digits_agreeing"] for v in checks["extrapolation"].values()
                                                 for e in v), default=None)
    return checks


# ------------------------------------------------------------------ closed forms
IDENTIFY_BASIS = [("1", lambda: mpmath.mpf(1)), ("1/pi", lambda: 1 / mpmath.pi), ("1/pi^2", lambda: mpmath.pi ** -2),
                  ("1/pi^3", lambda: mpmath.pi ** -3), ("pi", lambda: +mpmath.pi)]
IDENTIFY_MARGIN = 15
"""A relation is reported only if it holds to this many digits beyond the digits spent on its
integer coefficients (a random number matches some relation with small coefficients to about
as many digits as those coefficients have)."""


def identify(value, digits, maxcoeff=10 ** 4):
    """A conjectured closed form of ``value`` (known to ``digits`` digits) as a rational
    combination of ``1, 1/pi, 1/pi^2, 1/pi^3, pi`` found by PSLQ (:func:`mpmath.pslq`), or None.
    Returns ``(text, checked_digits)``; the relation must hold to ``IDENTIFY_MARGIN`` digits
    more than its coefficients' total digits."""
    with mpmath.workdps(digits + 10):
        tol = mpmath.mpf(10) ** -(digits - 2)
        if abs(value) < tol:
            return None
        basis = [f() for _, f in IDENTIFY_BASIS]
        rel = mpmath.pslq([value] + basis, tol=tol, maxcoeff=maxcoeff, maxsteps=20000)
        if not rel or rel[0] == 0:
            return None
        if rel[0] < 0:
            rel = [-a for a in rel]
        spent = sum(math.log10(abs(a) + 1) for a in rel)
        closed = -sum((mpmath.mpf(a) * b for a, b in zip(rel[1:], basis)), mpmath.mpf(0)) / rel[0]
        checked = _agreement(value, closed)
        if checked < spent + IDENTIFY_MARGIN:
            return None
        return _closed_form_text(rel), checked


def _closed_form_text(rel):
    """``-(a_1 + a_2/pi + ...)/a_0`` as text, e.g. ``(1 + 2/π)/4``."""
    symbols = {"1": "", "1/pi": "/π", "1/pi^2": "/π²", "1/pi^3": "/π³", "pi": "·π"}
    pairs = [(-a, name) for a, (name, _) in zip(rel[1:], IDENTIFY_BASIS) if a]
    den = rel[0]
    if len(pairs) == 1 and den != 1:  # one term: 1/4, 1/(2π), 3π/4
        a, name = pairs[0]
        if name == "1":
            return f"{a}/{den}"
        if name == "pi":
            return f"{a}π/{den}"
        return f"{a}/({den}{symbols[name][1:]})"
    text = " + ".join(f"{a}{symbols[name]}" for a, name in pairs).replace("+ -", "- ")
    return text if den == 1 else f"({text})/{den}"


def identify_coefficients(result, min_digits=20):
    """Conjectured closed forms of every coefficient with at least ``min_digits`` verified
    digits (:func:`identify`). Returns ``name -> [{"power", "form", "checked_digits"}]``:
    conjectures (agreement to that many digits), not proofs."""
    out = {}
    for name, terms in result.series.items():
        found = []
        for term in terms:
            if term.digits < min_digits or term.coefficient == 0:
                continue
            hit = identify(term.coefficient, term.digits)
            if hit:
                found.append({"power": term.power, "form": hit[0], "checked_digits": min(hit[1], term.digits)})
        if found:
            out[name] = found
    return out


# ------------------------------------------------------------------ Theorem 2 as numbers
def spectrum_limits(result):
    """Per eigenvalue of every block: ``kind`` ``"Theta(d)"`` (its slope ``lambda / d -> c``)
    or ``"bulk"`` (its limit ``c``, 0 when it decays), the multiplicity formula and the
    verified digits of ``c``."""
    rows = []
    for (rep, k), terms in result.eigenvalues.items():
        if not terms:
            continue
        lead = terms[0]
        if lead.power < 0:
            kind, value = "Theta(d)", lead
        else:
            kind = "bulk"
            value = next((t for t in terms if t.power == 0), Term(0, mpmath.mpf(0), lead.digits))
        rows.append({"representation": rep, "index": k, "multiplicity": result.multiplicities.get(rep),
                     "kind": kind, "power": lead.power, "limit": value.coefficient, "digits": value.digits})
    return rows


def growing_terms(result):
    """The eigenvalue series whose multiplicity grows with ``d`` (all but a bounded number of
    the spectrum), each as a list of ``(power, coefficient)``."""
    return [[(t.power, t.coefficient) for t in terms] for (rep, _), terms in result.eigenvalues.items()
            if terms and "d" in str(result.multiplicities.get(rep, ""))]


def first_difference(a, b, digits=20):
    """The lowest power of ``t`` at which the spectra of two families differ: for every
    eigenvalue series with growing multiplicity in one family, the best match in the other
    (the most leading coefficients equal to ``digits`` digits); the result is the smallest
    power at which a best match fails (None: they agree to every verified order). ``a``, ``b``:
    :class:`SeriesResult` objects or :func:`growing_terms` lists."""
    tol = mpmath.mpf(10) ** -digits
    a = growing_terms(a) if isinstance(a, SeriesResult) else a
    b = growing_terms(b) if isinstance(b, SeriesResult) else b

    def fails_at(x, y):
        cx, cy = dict(x), dict(y)
        for p in sorted(set(cx) & set(cy)):
            if abs(mpmath.mpf(cx[p]) - mpmath.mpf(cy[p])) > tol * max(1, abs(mpmath.mpf(cx[p]))):
                return p
        if set(cx) != set(cy) and min(set(cx) ^ set(cy)) < max(set(cx) & set(cy), default=-10 ** 9):
            return min(set(cx) ^ set(cy))  # a power known in one series only, below the common ones
        return None

    worst = None
    for xs, ys in ((a, b), (b, a)):
        for x in xs:
            fails = [fails_at(x, y) for y in ys]
            best = None if None in fails else max(fails, default=None)
            if best is not None and (worst is None or best < worst):
                worst = best
    return worst
