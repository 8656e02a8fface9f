"""Certified results (issue #12): proofs in arb ball arithmetic, kept apart from *verified* digits.

A *verified* digit (docs/refinement.md section 5) is one on which two working precisions
agree: evidence. A *certified* statement here is proved: every number that enters a
decision is an arb ball (python-flint) containing the exact value, and every decision is a
certain comparison of balls (``kernels.contexts.ARB``; where a ball is too wide the answer is
"not certified" with the reason, never a claim). The theorems used:

**(C1) Krawczyk test** (Krawczyk 1969; Moore 1977; uniqueness and nonsingularity: Rump 1983;
see Neumaier, *Interval Methods for Systems of Equations*, 1990, sect. 5.1). Let
``G: R^m -> R^m`` be ``C^1`` on the box ``X``, ``x~ in X``, ``C`` any real ``m x m`` matrix and
``J(X)`` an interval matrix containing ``G'(y)`` for every ``y in X``. If

    K(X) = x~ - C G(x~) + (I - C J(X)) (X - x~)   is contained in   int(X),

then ``G`` has exactly one zero in ``X``, and it lies in ``K(X)``. Here
``G(x) = grad_W L_H(x; d)``, the family's fixed-space equations on the slice ``a = 1``
(:mod:`cases.family`, :mod:`cases.problem`), ``J(X) = Hess_WW L_H`` enclosed by running the
kernels on balls covering the whole box (ball arithmetic is inclusion-monotone), ``C`` the
inverse of the midpoint of ``J(X)`` (any ``C`` is allowed: it is an exact matrix, no decision
rests on its accuracy), ``X = x~ + [-r, r]^m`` with ``x~`` an exact decimal vector. ``G`` is
analytic on ``X`` when every pair of distinct rows has ``s = sqrt(AB - C^2) > 0`` on ``X``
(docs/mathematics.md 4.5); the arb kernels *prove* this or raise ``PrecisionError``
(docs/mathematics.md, "Rigour in arb"), which is reported as "not certified".
The test is applied with ``K(X)`` required inside the *nominal* open box
``(x~ - r, x~ + r)``, which lies inside the (slightly larger) ball box used for ``J(X)``.

**(C2) Parametric Krawczyk.** With ``d`` ranging over an interval ``D`` and ``G(x~, D)``,
``J(X, D)`` enclosed over ``D`` too, ``K(X, D) in int(X)`` gives (C1) for every ``d in D``: a
unique zero ``x(d)`` in ``X``; every ``J in J(X, D)`` is nonsingular (Rump), so by the implicit
function theorem and the uniqueness ``d -> x(d)`` is continuous (analytic) on ``D``.

**(C3) Symmetric criticality** (docs/mathematics.md 4.6, (M17)): a zero of
``grad L_H`` on ``Fix(H)`` is a critical point of the full loss (at integer ``d``). In the
trainable setting the zero of ``grad_W`` on the slice ``a = 1`` is a critical point of the
whole loss by (M28): ``a_i dL/da_i = w_i . dL/dw_i = 0`` with ``a_i = 1``.

**(C4) Inertia from enclosed isotypic blocks.** For each isotypic component ``rho`` the block
``B_rho = L^-1 (Y^T Hess Y) L^-T`` (exact integer bases ``Y``, docs/mathematics.md 7.3-7.4,
:mod:`cases.monitors`) is enclosed over the whole Krawczyk box, hence contains the block at the
exact critical point. ``ARB.eigvalsh`` encloses its eigenvalues (Weyl + Ostrowski, no
separation needed); if every eigenvalue ball excludes 0, their signs are proved, the point is
nondegenerate and

    Morse index = sum_rho  #{negative eigenvalues of B_rho} * dim rho(d),                (C4)

``dim rho(d)`` the exact dimension polynomial (:class:`cases.monitors.Representation`) at the
exact rational ``d`` (an integer at integer ``d``; at fractional ``d`` the polynomial's value
is reported with ``integer_d = False``: it is not the index of a function on a space).
Trainable setting: the trainable Hessian is certified *directly* (the trainable monitors,
balanced representative, rescaling directions ``xi_i`` removed from each basis). At the exact
critical point the ``xi_i`` lie in the radical of the Hessian form (``Hess xi_i = 0``, (M28)),
so by Sylvester's law of inertia the form on any complement of ``span xi`` in ``span Y`` has the
inertia of the form on ``span Y`` with those zeros removed: the count is the Morse index with
the ``d`` rescaling zero modes excluded.

**(C5) Crossing: existence.** On ``D = [d_lo, d_hi]`` (C2) gives a continuous branch
``x(d)``. The end boxes ``X_lo``, ``X_hi`` (each a (C1) box at ``d_lo``, ``d_hi``) are proved
to lie inside the box ``X`` of (C2), so their zeros *are* ``x(d_lo)``, ``x(d_hi)``. If the
numbers of negative eigenvalues of the crossing block ``B_rho(x(d), d)`` at the two ends are
certified and differ, then, the ordered eigenvalues being continuous in ``d``, some eigenvalue
of ``B_rho`` -- an eigenvalue of the full Hessian of multiplicity ``dim rho(d)`` -- vanishes at
some ``d`` in ``(d_lo, d_hi)``.

**(C6) Crossing: uniqueness and simplicity.** The extended system

    F(x, d) = (G(x, d), f(x, d)),    f = det B_rho(x, d),

on ``Z = X x D`` (the box of (C2)) passes the Krawczyk test (C1) with the Jacobian
``[[G_x, G_d], [grad_x f, f_d]]`` enclosed over ``Z``; the last row needs the derivatives of
the isotypic block, i.e. third derivatives of the loss, which the same kernels give when run
on first-order Taylor jets over arb (:mod:`kernels.jets`; ``f`` by cofactor expansion, no
division). Then ``F`` has exactly one zero ``(x*, d*)`` in ``Z``. Any ``d`` in ``D`` where
``B_rho(x(d), d)`` is singular gives a zero ``(x(d), d)`` of ``F`` in ``Z`` (``x(d)`` is in ``X``
by (C2)), so there is exactly one such ``d``, namely ``d*``, and ``d*`` lies in the
``d``-component of ``K(Z)`` (the certificate's ``d_star_enclosure``). Every Jacobian in the
enclosure is nonsingular (Rump 1983); at ``(x*, d*)`` this forces ``adj B_rho != 0``, i.e. the
zero eigenvalue of ``B_rho`` is simple (the full Hessian's kernel from this component has
dimension ``dim rho(d*)``), and, as ``G_x`` is nonsingular too, the total derivative
``df/dd = det(J) / det(G_x)`` along the branch never vanishes on ``D``: the eigenvalue crosses
zero transversally.

**(C7) The teacher point.** At ``W = V = I`` (and ``a = b = 1``) the student network *is*
the teacher, so ``L = 0 <= L`` everywhere: a global minimum, hence a critical point, with no
box needed (its rows are exactly parallel to the teacher's, where the kernel is only ``C^2``
and (C1) cannot be applied: the Hessian's enclosure over a box would need the kernel's
second derivatives near parallel pairs). The point is recognised exactly: integer unknowns
whose embedding is exactly the identity. The Morse index follows by (C4) at the exact
point: the kernels on exact balls use the exact ``C^2`` limit for exactly parallel pairs
(docs/mathematics.md 2.1), so the blocks enclose the exact Hessian's.

What is *not* proved by this module: the correctness of the formulas themselves (the kernel
code, the isotypic bases and dimension formulas of docs/mathematics.md sections 2-7; these are
theorems of the documentation, checked by the tests against finite differences and against
the full Hessian at integer ``d``, not machine-proved), and anything about python-flint/arb
itself.

:func:`check_certificate` re-verifies every claim of a certificate's JSON from the file alone:
it rebuilds the boxes from the decimal strings, reruns the Krawczyk test and the eigenvalue
enclosures in ball arithmetic and compares; it solves nothing and makes no floating-point
decision.
"""
from __future__ import annotations

import decimal
import fractions
import math
import platform
import re
import time
from dataclasses import dataclass, field

import mpmath
import numpy as np

from spurious.kernels.contexts import ARB, MPMATH, PrecisionError

from .family import FamilyError, point_from_seed, slice_unknowns
from .monitors import evaluate, family_monitors
from .problem import family_mp_problem

__all__ = ["CERT_FORMAT", "CrossingCertificate", "PointCertificate", "certificate_document", "certificate_set",
           "certify_box",
           "certify_crossing", "certify_crossings", "certify_point", "check_certificate"]

CERT_FORMAT = "spurious-certificate/1"
GUARD_DIGITS = 20
"""Digits above ``digits`` at which the midpoint is computed, written and the balls evaluated."""
DEFAULT_HALFWIDTH = "1e-30"

THEOREMS = [
    "C1 Krawczyk: K(X) = x~ - C G(x~) + (I - C J(X))(X - x~) inside int(X) => exactly one zero of G in X, "
    "lying in K(X) (Krawczyk 1969, Moore 1977, Rump 1983; Neumaier 1990 sect. 5.1)",
    "C2 parametric Krawczyk: the same over an interval D of d => a unique zero x(d) in X for every d in D, "
    "continuous in d (implicit function theorem, J(X, D) nonsingular)",
    "C3 symmetric criticality (docs/mathematics.md 4.6, M17) and, trainable, the rescaling identity M28: "
    "a zero of grad_W L_H on the slice a = 1 is a critical point of the full loss",
    "C4 inertia: isotypic blocks enclosed over the box (exact integer bases, docs/mathematics.md 7.3-7.4), "
    "eigenvalues enclosed by Weyl + Ostrowski (ARB.eigvalsh), Morse index = sum #neg * dim rho(d); "
    "trainable: rescaling modes in the radical, Sylvester's law of inertia",
    "C5 crossing, existence: continuous branch (C2) + end boxes inside its box + different certified numbers of "
    "negative eigenvalues of the block at d_lo and d_hi => an eigenvalue of the block vanishes in (d_lo, d_hi)",
    "C7 teacher point: at W = V (a = b) the student equals the teacher, so L = 0 = min L: a global minimum, "
    "hence a critical point; the Hessian there is enclosed at the exact point (exactly parallel pairs by the "
    "exact C^2 limit of the kernel)",
    "C6 crossing, uniqueness: Krawczyk on F(x, d) = (grad, det B_rho) over the branch box x [d_lo, d_hi] (third "
    "derivatives by first-order Taylor jets over arb) => exactly one d in [d_lo, d_hi] with B_rho singular, "
    "lying in d_star_enclosure; its zero eigenvalue is simple and crosses transversally",
]

# ------------------------------------------------------------------ exact numbers
def _exact_string(value):
    """``value`` (int, Fraction, Decimal, float, decimal string, mpf) as an exact string: a
    decimal string, or ``"p/q"`` for a Fraction without a finite decimal expansion."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"expected a real number, got {value!r}")
    if isinstance(value, str):
        s = value.strip()
        _check_exponent(s)
        try:
            fractions.Fraction(s)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"not an exact real number: {value!r}") from None
        return s
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return str(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return str(decimal.Decimal(float(value)))  # exact: a float is a dyadic rational
    if isinstance(value, mpmath.mpf):
        return _exact_string(fractions.Fraction(*value.as_integer_ratio()))
    if isinstance(value, fractions.Fraction):
        den = value.denominator
        while den % 2 == 0:
            den //= 2
        while den % 5 == 0:
            den //= 5
        if den != 1:
            return f"{value.numerator}/{value.denominator}"
        with decimal.localcontext() as c:
            c.prec = 10_000
            return str(decimal.Decimal(value.numerator) / decimal.Decimal(value.denominator))
    raise TypeError(f"expected a real number, got {type(value).__name__}")


MAX_EXPONENT = 10_000
"""Decimal exponents beyond this are refused: ``Fraction("1e999999999")`` would build a number of
a billion digits (minutes of work) for a value no certificate needs."""


def _check_exponent(s):
    m = re.search(r"[eE]([+-]?\d+)\s*$", s)
    if m and abs(int(m.group(1))) > MAX_EXPONENT:
        raise ValueError(f"not a usable exact number: {s[:40]!r} (exponent beyond {MAX_EXPONENT})")
    if len(s) > 20_000:
        raise ValueError("not a usable exact number: more than 20,000 characters")


def _fraction(s):
    _check_exponent(s)
    return fractions.Fraction(s)


def _ball(s):
    """The arb ball containing the exact number written ``s`` (decimal or ``p/q``)."""
    from flint import arb, fmpq

    if "/" in s:
        f = fractions.Fraction(s)
        return arb(fmpq(f.numerator, f.denominator))
    return arb(s)


def _mpf(s):
    f = fractions.Fraction(s)
    return mpmath.mpf(f.numerator) / f.denominator


def _dec(x, digits):
    """``x`` (mpf) as a decimal string with ``digits`` significant digits (an exact decimal)."""
    return mpmath.nstr(x, digits, min_fixed=-5, max_fixed=5)


def _ball_str(b):
    return b.str(8, radius=True)


def _software():
    import flint

    import spurious

    return {"spurious": spurious.__version__, "python-flint": flint.__version__, "arb/flint": getattr(
        flint, "__FLINT_VERSION__", "unknown"), "mpmath": mpmath.__version__, "numpy": np.__version__,
        "python": platform.python_version()}


# ------------------------------------------------------------------ the ball computations
def _full(st, xw):
    """The full parameter vector (balls) from the ``W``-unknowns; second layer ``a = 1`` exactly."""
    from flint import arb

    idx = slice_unknowns(st)
    x = [arb(1)] * st.size
    for j, i in enumerate(idx):
        x[int(i)] = xw[j]
    return x


def _krawczyk_core(xt, radii, G, J, dps):
    """The Krawczyk inclusion (C1) for centre ``xt`` (balls), box radii ``radii`` (balls),
    ``G`` the equations at the centre and ``J`` their Jacobian over the box (balls). Returns
    ``(ok, worst, message, devs)``: ``ok`` when every ``|K_i - x~_i|`` is certainly below
    ``radii[i]``, ``worst`` the largest ratio ``|K_i - x~_i| / radii[i]`` (a string), ``devs``
    the balls containing ``K_i - x~_i`` (the zero lies in ``x~_i + devs[i]``)."""
    from flint import arb

    m = len(xt)
    with mpmath.workdps(dps):
        Jm = mpmath.matrix([[MPMATH.convert(J[i][j]) for j in range(m)] for i in range(m)])  # midpoints
        try:
            Cm = Jm ** -1
        except ZeroDivisionError:
            return False, None, "the Jacobian's midpoint is singular", None
        C = [[ARB.convert(Cm[i, j]) for j in range(m)] for i in range(m)]
    hulls = [arb(0, r.upper()) for r in radii]
    worst = None
    ok = True
    devs = []
    for i in range(m):
        k = -sum((C[i][j] * G[j] for j in range(m)), arb(0))
        for j in range(m):
            cj = sum((C[i][l] * J[l][j] for l in range(m)), arb(0))
            k += ((1 if i == j else 0) - cj) * hulls[j]
        dev = k.abs_upper()  # |K_i - x~_i| <= dev
        if not dev.is_finite():
            return False, None, "K(X) is not finite at this precision", None
        devs.append(k)  # K_i - x~_i as a ball (its abs_upper is dev)
        ratio = dev / radii[i]
        worst = ratio if worst is None or float(ratio.mid()) > float(worst.mid()) else worst
        if not dev < radii[i]:
            ok = False
    return ok, worst.str(3, radius=False), None, devs


def _krawczyk(st, mid, radius, d_ball, dps):
    """(C1)/(C2) at ``dps`` digits. Returns ``(ok, reason, contraction)``: ``contraction`` an
    upper bound of ``max_i |K_i - x~_i|`` (a string), ``ok`` when it is below ``radius``."""
    from flint import arb, ctx

    idx = [int(i) for i in slice_unknowns(st)]
    m = len(idx)
    with ctx.workdps(dps):
        xt = [_ball(s) for s in mid]
        r = _ball(radius)
        if not r > 0:
            return False, "the radius must be positive", None
        hull = arb(0, r.upper())
        X = [v + hull for v in xt]
        try:
            if d_ball.rad() == 0:
                G = ARB.block_derivatives(st, _full(st, xt), d_ball, order=1).grad[idx]
            else:  # mean-value form in d: G(x~, D) in G(x~, d_m) + G_d(x~, D) (D - d_m)
                d_m = arb(d_ball.mid())
                G0 = ARB.block_derivatives(st, _full(st, xt), d_m, order=1).grad[idx]
                Gd = ARB.block_derivatives(st, _full(st, xt), d_ball, order=2).grad_d[idx]
                G = np.array([g0 + gd * (d_ball - d_m) for g0, gd in zip(G0, Gd)], dtype=object)
            J = ARB.block_derivatives(st, _full(st, X), d_ball, order=2).hess[np.ix_(idx, idx)]
        except (PrecisionError, ValueError, ZeroDivisionError) as err:
            return False, f"the equations cannot be enclosed on the box: {err}", None
        ok, worst, message, _ = _krawczyk_core(xt, [r] * m, G, [[J[i, j] for j in range(m)] for i in range(m)], dps)
        if message is not None:
            return False, message, None
        with mpmath.workdps(dps):
            contraction = mpmath.nstr(mpmath.mpf(worst) * _mpf(radius), 3)
    if not ok:
        return False, (f"Krawczyk test failed: K(X) is not inside the box (max |K - x~| <= {contraction}, "
                       f"radius {radius}); not a critical point here, or the radius or precision is too small"), contraction
    return True, None, contraction


def _crossing_uniqueness(st, label, mid, radius, d_lo, d_hi, dps):
    """(C6): Krawczyk on the extended system ``F(x, d) = (G(x, d), det B_rho(x, d))`` over the
    box ``Z = X x [d_lo, d_hi]`` (``X`` the branch box of (C2)). Returns ``(ok, reason, detail,
    enclosure)``; ``enclosure`` is ``(lo, hi)``, decimal strings with ``d*`` in ``[lo, hi]``
    (the ``d``-component of ``K(Z)``, rounded outward), or None.

    The Jacobian ``[[G_x, G_d], [grad_x det B, d_d det B]]`` is enclosed over ``Z``: ``G_x``,
    ``G_d`` by the kernels on balls, the last row by the kernels on first-order jets over arb
    (:mod:`kernels.jets`, third derivatives of the loss) along each unknown and along ``d``,
    the determinant expanded by cofactors (exact on jets)."""
    from flint import arb, ctx

    from spurious.kernels.jets import JetContext, determinant

    monitor = next((m for m in family_monitors(st) if m.label == label), None)
    if monitor is None:
        return False, f"no isotypic block {label!r}", None, None
    idx = [int(i) for i in slice_unknowns(st)]
    m = len(idx)
    jets = JetContext(ARB, 1)
    with ctx.workdps(dps):
        lo, hi = _ball(d_lo), _ball(d_hi)
        d_c = _ball(_exact_string((_fraction(d_lo) + _fraction(d_hi)) / 2))  # contains the exact centre
        half = _ball(_exact_string((_fraction(d_hi) - _fraction(d_lo)) / 2))
        D = lo.union(hi)
        xt = [_ball(s) for s in mid]
        r = _ball(radius)
        X = [v + arb(0, r.upper()) for v in xt]
        try:
            G = list(ARB.block_derivatives(st, _full(st, xt), d_c, order=1).grad[idx])
            G.append(determinant(monitor.block(ARB, _full(st, xt), d_c), arb(1)))
            bd = ARB.block_derivatives(st, _full(st, X), D, order=2)
            J = [[bd.hess[i, j] for j in idx] + [bd.grad_d[i]] for i in idx]
            row = []
            for direction in range(m + 1):
                xj = [jets.jet([v, 1 if j == direction else 0]) for j, v in enumerate(X)]
                dj = jets.jet([D, 1 if direction == m else 0])
                f = determinant(monitor.block(jets, _full_jets(st, xj, jets), dj), jets.convert(1))
                jets.finite(f)
                row.append(f.c[1])
            J.append(row)
        except (PrecisionError, ValueError, ZeroDivisionError) as err:
            return False, f"the extended system cannot be enclosed on the box: {err}", None, None
        radii = [r] * m + [half]
        ok, worst, message, devs = _krawczyk_core(xt + [d_c], radii, G, J, dps)
        if message is None and ok:  # the zero lies in K(Z): d* in d_c + devs[-1], rounded outward
            enclosure = (_outward(d_c + devs[-1], dps, -1), _outward(d_c + devs[-1], dps, +1))
    if message is not None:
        return False, message, None, None
    if not ok:
        return False, (f"Krawczyk test on the extended system failed (max |K - z~| / radius <= {worst}); "
                       "narrow the interval of d (the half-width) or raise the digits; a zero that is not "
                       "simple never passes"), worst, None
    return True, None, f"max |K - z~| / radius <= {worst}", enclosure


def _outward(b, dps, direction):
    """A decimal string below (``direction = -1``) or above (``+1``) every point of the ball ``b``."""
    from flint import arb

    with mpmath.workdps(dps + 10):
        end = b.lower() if direction < 0 else b.upper()
        x = MPMATH.convert(end)
        s = mpmath.nstr(x, dps, min_fixed=-5, max_fixed=5)
        step = mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(x))) - dps + 2) if x != 0 else mpmath.mpf(10) ** -dps
        while not ((_ball(s) <= end) if direction < 0 else (_ball(s) >= end)):
            x = x + direction * step
            s = mpmath.nstr(x, dps, min_fixed=-5, max_fixed=5)
        return s


def _full_jets(st, xw, jets):
    """:func:`_full` on jets (second layer ``a = 1`` exactly)."""
    idx = slice_unknowns(st)
    x = [jets.convert(1)] * st.size
    for j, i in enumerate(idx):
        x[int(i)] = xw[j]
    return x


def _inertia(family, setting, mid, radius, d_ball, d_exact, dps, only=None):
    """(C4): the enclosed blocks over the box, their eigenvalue balls and signs. Returns
    ``(blocks, reason)``; ``reason`` is None when every sign is certified."""
    from flint import arb, ctx

    st = family.structure(setting)
    reasons = []
    blocks = []
    with ctx.workdps(dps):
        X = _full(st, [_ball(s) + arb(0, _ball(radius).upper()) for s in mid])
        try:
            parts = evaluate(ARB, st, X, d_ball)
        except (PrecisionError, ValueError, ZeroDivisionError) as err:
            return [], f"the Hessian blocks cannot be enclosed on the box: {err}"
        for monitor, B, _ in parts:
            if only is not None and monitor.label != only:
                continue
            try:
                values = [B[0, 0]] if B.shape == (1, 1) else ARB.eigvalsh(B)
            except PrecisionError as err:
                reasons.append(f"{monitor.label}: {err}")
                values = []
            signs = []
            for v in values:
                try:
                    signs.append(ARB.sign(v))
                except PrecisionError:
                    signs.append(None)
                    reasons.append(f"{monitor.label}: an eigenvalue enclosure {v.str(5, radius=True)} contains 0")
                else:
                    if signs[-1] == 0:
                        reasons.append(f"{monitor.label}: an eigenvalue is exactly 0")
            dim = monitor.representation.dimension(d_exact)
            blocks.append({"label": monitor.label, "dimension": str(dim), "size": int(B.shape[0]),
                           "eigenvalues": [_ball_str(v) for v in values], "signs": signs})
    return blocks, ("; ".join(reasons) or None)


def _index(blocks):
    total = fractions.Fraction(0)
    for b in blocks:
        total += sum(1 for s in b["signs"] if s == -1) * fractions.Fraction(b["dimension"])
    return total


# ------------------------------------------------------------------ certificates
@dataclass
class PointCertificate:
    """A certified (or honestly not certified) critical point and Morse index at ``d``.

    ``point_certified``: (C1) holds on the box ``midpoint +- radius`` (a unique zero of the
    fixed-space equations there, a critical point of the full loss by (C3)).
    ``morse_certified``: every eigenvalue sign of every isotypic block is proved (C4).
    ``certified`` is both; ``reason`` says what failed (None when certified).
    """

    case: str
    setting: str
    d: str
    digits: int
    working_digits: int
    names: list
    midpoint: list
    radius: str
    point_certified: bool
    morse_certified: bool
    morse_index: object = None
    integer_d: bool = False
    blocks: list = field(default_factory=list)
    contraction: str | None = None
    reason: str | None = None
    exact_point: bool = False
    special: tuple = ()
    extra_rows: int = 0
    seconds: float = 0.0

    @property
    def certified(self):
        return self.point_certified and self.morse_certified

    def as_dict(self):
        idx = self.morse_index
        if isinstance(idx, fractions.Fraction):
            idx = int(idx) if idx.denominator == 1 else str(idx)
        return {"d": self.d, "certified": self.certified, "morse_index": idx if self.morse_certified else None,
                "radius": self.radius, "reason": self.reason, "point_certified": self.point_certified,
                "morse_certified": self.morse_certified, "integer_d": self.integer_d,
                "midpoint": dict(zip(self.names, self.midpoint)), "digits": self.digits,
                "working_digits": self.working_digits, "krawczyk_contraction": self.contraction,
                "exact_point": self.exact_point,
                "blocks": self.blocks, "seconds": round(self.seconds, 3)}

    def document(self):
        return certificate_document(self.case, self.setting, points=[self], special=self.special,
                                    extra_rows=self.extra_rows)


@dataclass
class CrossingCertificate:
    """(C5): a stability change of the block ``representation`` in ``(d_lo, d_hi)``.

    ``existence``: (C5) holds; ``uniqueness``: (C6) holds; ``certified`` is both: exactly one
    ``d`` in ``[d_lo, d_hi]`` where ``B_rho`` is singular, its zero eigenvalue simple there, and
    that ``d`` lies in ``d_star_enclosure`` (the ``d``-component of the Krawczyk image)."""

    case: str
    setting: str
    representation: str
    d_lo: str
    d_hi: str
    digits: int
    working_digits: int
    names: list
    midpoint: list
    radius: str
    certified: bool
    reason: str | None
    lo: PointCertificate | None = None
    hi: PointCertificate | None = None
    negatives: tuple = (None, None)
    d_star_verified: str | None = None
    existence: bool = False
    uniqueness: bool = False
    uniqueness_detail: str | None = None
    d_star_enclosure: tuple | None = None
    special: tuple = ()
    extra_rows: int = 0
    seconds: float = 0.0

    def as_dict(self):
        return {"d_lo": self.d_lo, "d_hi": self.d_hi, "representation": self.representation,
                "certified": self.certified, "reason": self.reason, "existence": self.existence,
                "uniqueness": self.uniqueness, "extended_krawczyk": self.uniqueness_detail,
                "d_star_enclosure": ({"lo": self.d_star_enclosure[0], "hi": self.d_star_enclosure[1]}
                                     if self.d_star_enclosure else None),
                "d_star_verified": self.d_star_verified,
                "box": {"midpoint": dict(zip(self.names, self.midpoint)), "radius": self.radius},
                "digits": self.digits, "working_digits": self.working_digits,
                "negative_eigenvalues": {"d_lo": self.negatives[0], "d_hi": self.negatives[1]},
                "ends": {"d_lo": self.lo.as_dict() if self.lo else None,
                         "d_hi": self.hi.as_dict() if self.hi else None},
                "seconds": round(self.seconds, 3)}

    def document(self):
        return certificate_document(self.case, self.setting, crossings=[self], special=self.special,
                                    extra_rows=self.extra_rows)


def certificate_document(case, setting, points=(), crossings=(), special=(), extra_rows=0):
    """The top-level JSON certificate (what ``spurious certify`` would write and ``check`` reads).
    ``special``/``extra_rows``: the block structure of a family outside the catalogue (a branch
    born at a crossing; an over-parameterised family with ``k = d + extra_rows``)."""
    points, crossings = list(points), list(crossings)
    name = getattr(case, "name", case)
    special = tuple(special) or tuple(getattr(case, "special", ()))
    extra_rows = extra_rows or getattr(case, "extra_rows", 0)
    special = {"special": list(special)} if special else {}
    if extra_rows:
        special["extra_rows"] = int(extra_rows)
    return {"format": CERT_FORMAT, "case": name, **special, "setting": setting,
            "certified": all(p.certified for p in points) and all(c.certified for c in crossings),
            "points": [p.as_dict() for p in points], "crossings": [c.as_dict() for c in crossings],
            "meaning": "certified = proved in arb ball arithmetic (theorems below); distinct from 'verified' "
                       "(two working precisions agree, docs/refinement.md)",
            "theorems": THEOREMS, "software": _software()}


def certificate_set(documents):
    """Several certificate documents (e.g. the whole catalogue) in one file; ``check`` verifies
    each."""
    documents = list(documents)
    return {"format": CERT_FORMAT, "certified": all(doc["certified"] for doc in documents),
            "certificates": documents, "software": _software()}


# ------------------------------------------------------------------ the public functions
def _setup(family, setting, d):
    from spurious.validation import as_family, as_setting

    family, setting = as_family(family), as_setting(setting)
    d = _exact_string(d)
    family.check_d(float(_fraction(d)))
    return family, setting, d


def _mp_point(family, setting, d, dps, x0=None):
    """The critical point's ``W``-unknowns at the exact ``d`` (string) to ``dps`` digits (mpmath
    Newton from the float64 point)."""
    from spurious.continuation.refine import solve_at

    st = family.structure(setting)
    idx = slice_unknowns(st)
    if x0 is None:
        x0 = point_from_seed(family, setting, float(_fraction(d)))[idx]
    with mpmath.workdps(dps):
        res = solve_at(family_mp_problem(family, setting), [float(v) for v in x0], _mpf(d), dps)
    if not res.success:
        raise FamilyError(f"{family.name}: Newton in mpmath at d = {d} did not converge ({res.status})")
    return [res.x[i] for i in range(len(idx))]


def certify_box(family, setting, midpoint, d, radius, digits=40, morse=True):
    """(C1) and (C4) on the given box: ``midpoint`` the ``W``-unknowns (exact decimal strings or
    numbers), ``radius`` a decimal string. No solving: a box around a non-critical point is
    "not certified" with the reason."""
    t0 = time.perf_counter()
    family, setting, d = _setup(family, setting, d)
    st = family.structure(setting)
    idx = slice_unknowns(st)
    names = [st.names[int(i)] for i in idx]
    mid = [m if isinstance(m, str) else _exact_string(m) for m in midpoint]
    if len(mid) != len(idx):
        raise ValueError(f"expected {len(idx)} midpoint values {names}, got {len(mid)}")
    radius = _exact_string(radius)
    dps = int(digits) + GUARD_DIGITS
    from flint import ctx

    with ctx.workdps(dps):
        d_ball = _ball(d)
    ok, reason, contraction = _krawczyk(st, mid, radius, d_ball, dps)
    cert = PointCertificate(family.name, setting, d, int(digits), dps, names, mid, radius, ok, False,
                            contraction=contraction, reason=reason, special=tuple(family.special),
                            extra_rows=family.extra_rows)
    d_exact = _fraction(d)
    cert.integer_d = d_exact.denominator == 1
    if ok and morse:
        blocks, why = _inertia(family, setting, mid, radius, d_ball, d_exact, dps)
        cert.blocks = blocks
        if why is None:
            cert.morse_certified = True
            cert.morse_index = _index(blocks)
        else:
            cert.reason = f"Morse index not certified: {why}"
    elif morse:
        cert.reason = f"point not certified: {reason}"
    cert.seconds = time.perf_counter() - t0
    return cert


def certify_point(family, setting, d, digits=40, radius=None):
    """A certified critical point and Morse index at the exact ``d`` (int, Fraction, Decimal,
    decimal string; a float is taken as its exact binary value).

    The point is computed (float64 continuation, then Newton in mpmath at ``digits + 20``
    digits), written as exact decimal strings of ``digits + 20`` significant digits, and the
    box of radius ``radius`` (default ``10^-digits``) is certified by (C1); the Morse index by
    (C4) on the same box. Failures are ``certified = False`` with a reason; ``FamilyError`` only
    when no float/mpmath point can be had at all."""
    t0 = time.perf_counter()
    family, setting, d = _setup(family, setting, d)
    dps = int(digits) + GUARD_DIGITS
    x = _mp_point(family, setting, d, dps)
    exact = _teacher_midpoint(family.structure(setting), x, int(digits))
    if exact is not None:
        cert = _certify_teacher(family, setting, exact, d, digits)
    else:
        mid = [_dec(v, dps) for v in x]
        cert = certify_box(family, setting, mid, d, radius or f"1e-{int(digits)}", digits)
    cert.seconds = time.perf_counter() - t0
    return cert


def _is_teacher(st, mid):
    """Whether the exact ``W``-unknowns ``mid`` (strings) are the teacher point ``W = I``
    (``a = 1``): the embedding at the integer ``d`` where the real block has size 3 (every
    parameter of the fixed space occurs there, and the pattern is the same at every ``d``) is
    exactly the identity."""
    from spurious.kernels.api import embed

    from .family import with_second_layer

    try:
        values = [_fraction(v) for v in mid]
    except (ValueError, ZeroDivisionError):
        return False
    if any(v.denominator != 1 or abs(v) > 1 for v in values):  # the teacher's entries are 0 and 1
        return False
    full = with_second_layer(st, np.array([float(v) for v in values]), [1.0] * st.row_blocks)
    d_int = int(round(float(st.fixed_total))) + 3 if st.real_block is not None else int(st.fixed_total)
    W, a = embed(st, full, d_int)
    return bool(np.array_equal(W, np.eye(W.shape[0])) and np.all(a == 1.0))


def _teacher_midpoint(st, x, digits):
    """The teacher point's ``W``-unknowns (integer strings) if ``x`` rounds to it within
    ``10^-digits``, else None."""
    rounded = [int(mpmath.nint(v)) for v in x]
    if any(abs(v - r) > mpmath.mpf(10) ** -digits for v, r in zip(x, rounded)):
        return None
    mid = [str(r) for r in rounded]
    return mid if _is_teacher(st, mid) else None


def _certify_teacher(family, setting, mid, d, digits):
    """(C7): the teacher point, exactly; its Morse index by (C4) at the exact point (radius 0)."""
    st = family.structure(setting)
    names = [st.names[int(i)] for i in slice_unknowns(st)]
    dps = int(digits) + GUARD_DIGITS
    from flint import ctx

    with ctx.workdps(dps):
        d_ball = _ball(d)
    d_exact = _fraction(d)
    cert = PointCertificate(family.name, setting, d, int(digits), dps, names, mid, "0", True, False,
                            integer_d=d_exact.denominator == 1, exact_point=True)
    blocks, why = _inertia(family, setting, mid, "0", d_ball, d_exact, dps)
    cert.blocks = blocks
    if why is None:
        cert.morse_certified = True
        cert.morse_index = _index(blocks)
    else:
        cert.reason = f"Morse index not certified: {why}"
    return cert


def certify_crossing(family, setting, label, d_lo, d_hi, digits=40, d_star_verified=None, x0=None):
    """(C5): existence of a stability change of the block ``label`` in ``(d_lo, d_hi)``.

    Steps: the point at the midpoint of ``[d_lo, d_hi]`` and at both ends (mpmath Newton); the
    parametric Krawczyk test (C2) on ``[d_lo, d_hi] x X`` with ``X`` around the midpoint's point
    (radius 4x the largest distance to the end points, at least ``10^-(digits+10)``); the end
    points certified by (C1)/(C4) with radius ``10^-(digits + 10)`` (the points are computed to
    ``digits + 20``), their boxes proved inside ``X``;
    the numbers of negative eigenvalues of the block at both ends certified and different
    (existence); then (C6) on the same box (uniqueness, and the narrow enclosure of ``d*``)."""
    from flint import arb, ctx

    t0 = time.perf_counter()
    family, setting, d_lo = _setup(family, setting, d_lo)
    d_hi = _setup(family, setting, d_hi)[2]
    lo_f, hi_f = _fraction(d_lo), _fraction(d_hi)
    if not lo_f < hi_f:
        raise ValueError(f"need d_lo < d_hi, got {d_lo}, {d_hi}")
    st = family.structure(setting)
    labels = [m.label for m in family_monitors(st)]
    if label not in labels:
        raise ValueError(f"no isotypic block {label!r} for {family.name}; they are {', '.join(labels)}")
    idx = slice_unknowns(st)
    names = [st.names[int(i)] for i in idx]
    d_mid = _exact_string((lo_f + hi_f) / 2)
    dps = int(digits) + GUARD_DIGITS
    if x0 is None:  # a catalogue family: from its seeds; a family without seeds passes its own start
        x0 = point_from_seed(family, setting, float((lo_f + hi_f) / 2))[idx]
    xm = _mp_point(family, setting, d_mid, dps, x0)
    xl = _mp_point(family, setting, d_lo, dps, xm)
    xh = _mp_point(family, setting, d_hi, dps, xm)
    with mpmath.workdps(dps):
        spread = max(abs(a - b) for a, c in zip(xm, zip(xl, xh)) for b in c)
        floor = mpmath.mpf(10) ** (-(int(digits) + 10))
        r = max(4 * spread, floor)
        radius = mpmath.nstr(r * mpmath.mpf("1.0000001"), 2, min_fixed=1, max_fixed=0)  # a little above, 2 digits
    mid = [_dec(v, dps) for v in xm]
    cert = CrossingCertificate(family.name, setting, label, d_lo, d_hi, int(digits), dps, names, mid, radius,
                               False, None, d_star_verified=d_star_verified, special=tuple(family.special),
                               extra_rows=family.extra_rows)
    with ctx.workdps(dps):
        D = _ball(d_lo).union(_ball(d_hi))
    for _ in range(4):  # epsilon-inflation: retry with 4x the enclosure of |K - x~| found
        ok, reason, contraction = _krawczyk(st, mid, radius, D, dps)
        if ok or contraction is None:
            break
        with mpmath.workdps(dps):
            radius = mpmath.nstr(4 * mpmath.mpf(contraction), 2, min_fixed=1, max_fixed=0)
    cert.radius = radius
    if not ok:
        cert.reason = f"the branch over [d_lo, d_hi] is not certified (C2): {reason}"
        cert.seconds = time.perf_counter() - t0
        return cert
    ends = []
    for d, x in ((d_lo, xl), (d_hi, xh)):
        pc = certify_box(family, setting, [_dec(v, dps) for v in x], d, f"1e-{int(digits) + GUARD_DIGITS // 2}", digits)
        ends.append(pc)
    cert.lo, cert.hi = ends
    why = _crossing_logic(st, mid, radius, ends, label, dps)
    cert.negatives = tuple(_block_negatives(pc, label) for pc in ends)
    cert.existence = why is None
    if why is None:
        ok, why, detail, enclosure = _crossing_uniqueness(st, label, mid, radius, d_lo, d_hi, dps)
        cert.uniqueness, cert.uniqueness_detail, cert.d_star_enclosure = ok, detail, enclosure
        if not ok:
            why = f"existence certified, uniqueness not (C6): {why}"
    cert.certified = cert.existence and cert.uniqueness
    cert.reason = why
    cert.seconds = time.perf_counter() - t0
    return cert


def _block_negatives(pc, label):
    for b in pc.blocks:
        if b["label"] == label and all(s is not None for s in b["signs"]):
            return sum(1 for s in b["signs"] if s == -1)
    return None


def _inside(mid_outer, r_outer, mid_inner, r_inner, dps):
    """Whether the box ``mid_inner +- r_inner`` lies in the open box ``mid_outer +- r_outer``
    (proved in ball arithmetic)."""
    from flint import ctx

    with ctx.workdps(dps):
        ro, ri = _ball(r_outer), _ball(r_inner)
        return all(((_ball(b) - _ball(a)).abs_upper() + ri.upper()) < ro for a, b in zip(mid_outer, mid_inner))


def _crossing_logic(st, mid, radius, ends, label, dps):
    for which, pc in zip(("d_lo", "d_hi"), ends):
        if not pc.point_certified:
            return f"the point at {which} is not certified: {pc.reason}"
        if not _inside(mid, radius, pc.midpoint, pc.radius, dps):
            return f"the box at {which} is not proved inside the branch box"
    n_lo, n_hi = (_block_negatives(pc, label) for pc in ends)
    if n_lo is None or n_hi is None:
        bad = ends[0] if n_lo is None else ends[1]
        return f"the signs of {label} at an end are not certified: {bad.reason}"
    if n_lo == n_hi:
        return f"no sign change: {label} has {n_lo} negative eigenvalues at both ends"
    return None


def certify_crossings(family, setting="fixed", digits=40, halfwidth=DEFAULT_HALFWIDTH, refined=None):
    """Every stability change of ``family``: the verified ``d*`` of
    :func:`spurious.api.refine_case` (``digits`` digits; or ``refined``, a RefineResult already
    computed), and (C5) on ``[d* - halfwidth, d* + halfwidth]``. A crossing whose verified digits
    do not resolve ``halfwidth`` is "not certified"."""
    from spurious.api import refine_case

    res = refined if refined is not None else refine_case(family, setting, digits=digits)
    out = []
    hw = _fraction(_exact_string(halfwidth))
    if not 0 < hw < 1:
        raise ValueError(f"the half-width must be a number in (0, 1), got {halfwidth}")
    for c in res.crossings:
        if not c.d_star:
            out.append(CrossingCertificate(res.case, setting, c.representation, "", "", digits, digits + GUARD_DIGITS,
                                           [], [], "", False, f"d* not refined: {c.message}"))
            continue
        ds = _fraction(c.d_star)
        ulp = fractions.Fraction(10) ** (_decimal_exponent(c.d_star))
        if ulp * 10 > hw:
            out.append(CrossingCertificate(res.case, setting, c.representation, "", "", digits, digits + GUARD_DIGITS,
                                           [], [], "", False, f"the verified digits of d* ({c.d_star}) do not "
                                           f"resolve the half-width {halfwidth}: raise the digits or widen the half-width",
                                           d_star_verified=c.d_star))
            continue
        out.append(certify_crossing(family, setting, c.representation, _exact_string(ds - hw),
                                    _exact_string(ds + hw), digits, d_star_verified=c.d_star))
    return out


def _decimal_exponent(s):
    """The exponent of the last digit of the decimal string ``s``."""
    return decimal.Decimal(s).as_tuple().exponent


# ------------------------------------------------------------------ re-verification
def _require(data, key, kind):
    if not isinstance(data, dict) or key not in data or not isinstance(data[key], kind):
        raise ValueError(f"malformed certificate: missing or invalid {key!r}")
    return data[key]


def _flag_claims(entry, prefix, proved_keys, index_key=None):
    """The summary fields a reader looks at must say what the proved flags say: ``certified``
    is the conjunction of ``proved_keys``; ``index_key`` (the Morse index) is null unless its
    flag holds."""
    if not isinstance(entry, dict):
        raise ValueError("malformed certificate: an entry is not an object")
    flags = [entry.get(k) is True for k in proved_keys]
    out = [(f"{prefix}: 'certified' agrees with {' and '.join(proved_keys)}",
            entry.get("certified") is all(flags), f"certified = {entry.get('certified')!r}")]
    if index_key is not None and entry.get("morse_certified") is not True:
        out.append((f"{prefix}: no Morse index without its proof", entry.get(index_key) is None,
                    f"{index_key} = {entry.get(index_key)!r}"))
    return out


def _recheck_point(family, setting, p, prefix, dps_default=None):
    """Claims of one point entry: (C1) on its box; (C4) sign by sign and the index."""
    out = _flag_claims(p, prefix, ("point_certified", "morse_certified"), "morse_index")
    st = family.structure(setting)
    idx = slice_unknowns(st)
    names = [st.names[int(i)] for i in idx]
    d = _exact_string(_require(p, "d", str))
    midpoint = _require(p, "midpoint", dict)
    if list(midpoint) != names:
        raise ValueError(f"malformed certificate: midpoint names {list(midpoint)} != {names}")
    mid = [_exact_string(v) for v in midpoint.values()]
    radius = _exact_string(_require(p, "radius", str))
    dps = int(_require(p, "working_digits", int))
    from flint import ctx

    with ctx.workdps(dps):
        d_ball = _ball(d)
    if p.get("point_certified") and p.get("exact_point"):
        ok = _is_teacher(st, mid) and _fraction(radius) == 0
        out.append((f"{prefix}: the teacher point W = I, a = 1, exactly: a global minimum (C7)", ok,
                    "" if ok else "the midpoint is not the teacher point given exactly with radius 0"))
    elif p.get("point_certified"):
        ok, reason, contraction = _krawczyk(st, mid, radius, d_ball, dps)
        out.append((f"{prefix}: unique critical point in the box of radius {radius} at d = {d} (C1, C3)", ok,
                    reason or f"max |K - x~| <= {contraction} < {radius}"))
    else:
        out.append((f"{prefix}: point not claimed", True, p.get("reason") or ""))
        return out
    if p.get("morse_certified"):
        blocks, why = _inertia(family, setting, mid, radius, d_ball, _fraction(d), dps)
        claimed = {b["label"]: b["signs"] for b in _require(p, "blocks", list)}
        signs_ok = why is None and {b["label"]: b["signs"] for b in blocks} == claimed
        out.append((f"{prefix}: eigenvalue signs of every isotypic block (C4)", signs_ok,
                    why or ("as claimed" if signs_ok else "the recomputed signs differ from the claimed ones")))
        index = _index(blocks)
        claimed_index = fractions.Fraction(str(p.get("morse_index")))
        out.append((f"{prefix}: Morse index = {p.get('morse_index')}", signs_ok and index == claimed_index,
                    f"recomputed {index}"))
    else:
        out.append((f"{prefix}: Morse index not claimed", True, p.get("reason") or ""))
    return out


def _certificate_family(data):
    """The family a certificate is about: a catalogue name, or (with ``special``) the block
    structure ``Delta(S_{d-q} x S_a x S_b ...)`` of a branch born at a crossing, with
    ``extra_rows`` added neurons for an over-parameterised family."""
    from spurious.cases import Family, FamilyError, get_case

    name = _require(data, "case", str)
    special = data.get("special")
    if special is None:
        return get_case(name)
    if (not isinstance(special, list) or not special or len(special) > 4
            or not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 8 for n in special)):
        raise ValueError("malformed certificate: 'special' must list 1 to 4 block sizes between 1 and 8")
    extra = data.get("extra_rows", 0)
    if isinstance(extra, bool) or not isinstance(extra, int) or not 0 <= extra <= 3:
        raise ValueError("malformed certificate: 'extra_rows' must be an integer from 0 to 3")
    try:
        return Family(name, sum(special), "", (), ("fixed",), special=tuple(special), extra_rows=extra)
    except FamilyError as err:
        raise ValueError(f"malformed certificate: {err}") from None


def check_certificate(data):
    """Re-verify every claim of a certificate document (the JSON of :func:`certificate_document`)
    from the file alone, in ball arithmetic. Returns a list of ``(claim, holds, detail)``;
    raises ``ValueError`` for a malformed document."""
    if not isinstance(data, dict) or data.get("format") != CERT_FORMAT:
        raise ValueError(f"not a certificate of format {CERT_FORMAT!r}")
    if "certificates" in data:  # a set (certificate_set)
        claims = []
        for doc in _require(data, "certificates", list):
            if not isinstance(doc, dict) or "certificates" in doc:
                raise ValueError("malformed certificate: a set may hold only single certificates")
            case = doc.get("case")
            claims += [(f"{case} {doc.get('setting')}: {claim}", holds, detail)
                       for claim, holds, detail in check_certificate(doc)]
        return claims
    family = _certificate_family(data)
    setting = _require(data, "setting", str)
    family.structure(setting)
    claims = []
    points, crossings = _require(data, "points", list), _require(data, "crossings", list)
    if not all(isinstance(e, dict) for e in points + crossings):
        raise ValueError("malformed certificate: a point or crossing entry is not an object")
    entries = [e.get("certified") is True for e in points + crossings]
    claims.append(("the certificate's 'certified' agrees with its entries", data.get("certified") is all(entries),
                   f"certified = {data.get('certified')!r}"))
    for n, p in enumerate(points):
        claims += _recheck_point(family, setting, p, f"point {n} (d = {p.get('d')})")
    st = family.structure(setting)
    idx = slice_unknowns(st)
    names = [st.names[int(i)] for i in idx]
    labels = [m.label for m in family_monitors(st)]
    for n, c in enumerate(crossings):
        prefix = f"crossing {n} ({c.get('representation')})"
        claims += _flag_claims(c, prefix, ("existence", "uniqueness"))
        if c.get("representation") not in labels:
            raise ValueError(f"malformed certificate: {c.get('representation')!r} is not a block of {family.name}")
        if not isinstance(c.get("negative_eigenvalues", {}), dict):
            raise ValueError("malformed certificate: 'negative_eigenvalues' is not an object")
        if not c.get("certified"):
            claims.append((f"{prefix}: not claimed", True, c.get("reason") or ""))
            continue
        label = _require(c, "representation", str)
        d_lo, d_hi = _exact_string(_require(c, "d_lo", str)), _exact_string(_require(c, "d_hi", str))
        box = _require(c, "box", dict)
        midpoint = _require(box, "midpoint", dict)
        if list(midpoint) != names:
            raise ValueError("malformed certificate: crossing box names differ from the family's unknowns")
        mid = [_exact_string(v) for v in midpoint.values()]
        radius = _exact_string(_require(box, "radius", str))
        dps = int(_require(c, "working_digits", int))
        from flint import ctx

        with ctx.workdps(dps):
            D = _ball(d_lo).union(_ball(d_hi))
            order_ok = _ball(d_lo) < _ball(d_hi)
        ok, reason, contraction = _krawczyk(st, mid, radius, D, dps)
        claims.append((f"{prefix}: a continuous branch x(d), unique in the box, for d in [{d_lo}, {d_hi}] (C2)",
                       ok and order_ok, reason or f"max |K - x~| <= {contraction} < {radius}"))
        ends = _require(c, "ends", dict)
        negs = []
        for which, d_end in (("d_lo", d_lo), ("d_hi", d_hi)):
            p = _require(ends, which, dict)
            if _exact_string(p.get("d", "")) != d_end or not p.get("point_certified"):
                claims.append((f"{prefix}: end {which}", False, "the end point is missing or not certified"))
                negs.append(None)
                continue
            claims += _flag_claims(p, f"{prefix} end {which}", ("point_certified", "morse_certified"), "morse_index")
            point_only = {**p, "morse_certified": False, "certified": False, "morse_index": None}
            sub = _recheck_point(family, setting, point_only, f"{prefix} end {which}")
            claims += [c for c in sub if "(C1" in c[0] or "(C7)" in c[0]]
            pm = [_exact_string(v) for v in p["midpoint"].values()]
            claims.append((f"{prefix}: box at {which} inside the branch box", _inside(mid, radius, pm,
                           _exact_string(p["radius"]), dps), ""))
            with ctx.workdps(int(p["working_digits"])):
                blocks, why = _inertia(family, setting, pm, _exact_string(p["radius"]), _ball(d_end),
                                       _fraction(d_end), int(p["working_digits"]), only=label)
            if why is not None or not blocks:
                claims.append((f"{prefix}: signs of {label} at {which}", False, why or "no such block"))
                negs.append(None)
            else:
                negs.append(sum(1 for s in blocks[0]["signs"] if s == -1))
        claimed = c.get("negative_eigenvalues", {})
        holds = (None not in negs and negs[0] != negs[1]
                 and [claimed.get("d_lo"), claimed.get("d_hi")] == negs)
        claims.append((f"{prefix}: the number of negative eigenvalues of {label} changes in ({d_lo}, {d_hi}) "
                       "(C5: a zero exists)", holds, f"negative eigenvalues {negs}"))
        claims.append(_recheck_uniqueness(st, label, mid, radius, d_lo, d_hi, dps, c, prefix))
    return claims


def _recheck_uniqueness(st, label, mid, radius, d_lo, d_hi, dps, c, prefix):
    """The (C6) claim of a crossing entry: the extended Krawczyk test rerun, and the claimed
    ``d_star_enclosure`` containing the recomputed one."""
    claim = f"{prefix}: exactly one d in [{d_lo}, {d_hi}] with {label} singular, a simple zero (C6)"
    if c.get("uniqueness") is not True:
        return claim, False, "uniqueness is not claimed, so the crossing cannot be certified"
    ok, why, detail, enclosure = _crossing_uniqueness(st, label, mid, radius, d_lo, d_hi, dps)
    if not ok:
        return claim, False, why
    claimed = _require(c, "d_star_enclosure", dict)
    lo, hi = _exact_string(_require(claimed, "lo", str)), _exact_string(_require(claimed, "hi", str))
    inside = _fraction(lo) <= _fraction(enclosure[0]) and _fraction(enclosure[1]) <= _fraction(hi)
    return (f"{claim}, d* in [{lo}, {hi}]", inside,
            detail if inside else f"the recomputed enclosure [{enclosure[0]}, {enclosure[1]}] is not inside the claimed one")
