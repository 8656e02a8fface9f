"""Taylor jets (kernels/jets.py): series arithmetic, and the kernels' own code run on jets,
checked against mpmath's Taylor coefficients and central differences of the plain kernels."""
import mpmath
import numpy as np
import pytest

from spurious.cases import get_case
from spurious.cases.family import point_from_seed
from spurious.cases.monitors import family_monitors
from spurious.kernels.contexts import ARB, FLOAT64, MPMATH, PrecisionError
from spurious.kernels.jets import Jet, JetContext, determinant


def _taylor(f, n):
    return mpmath.taylor(f, 0, n)


@pytest.mark.parametrize("order", [1, 4, 7])
def test_series_operations_match_mpmath_taylor(order):
    J = JetContext(MPMATH, order)
    with mpmath.workdps(50):
        x = J.jet(["0.3", "1.2", "-0.4"][:order + 1])  # x(e) = 0.3 + 1.2 e - 0.4 e^2, truncated
        y = J.jet(["-0.7", "0.5"])

        def xs(e):
            return mpmath.mpf("0.3") + mpmath.mpf("1.2") * e - mpmath.mpf("0.4") * e ** 2

        def ys(e):
            return mpmath.mpf("-0.7") + mpmath.mpf("0.5") * e

        cases = [(x * y, lambda e: xs(e) * ys(e)), (x / y, lambda e: xs(e) / ys(e)),
                 (J.sqrt(x * x + 1), lambda e: mpmath.sqrt(xs(e) ** 2 + 1)),
                 (J.atan2(x, y), lambda e: mpmath.atan2(xs(e), ys(e))),
                 (J.atan2(-y, x), lambda e: mpmath.atan2(-ys(e), xs(e))),
                 (3 - 2 / x + y ** 3, lambda e: 3 - 2 / xs(e) + ys(e) ** 3)]
        for jet, f in cases:
            want = _taylor(f, order)
            assert jet.order == order
            assert max(abs(a - b) for a, b in zip(jet.c, want)) < mpmath.mpf(10) ** -30


def test_orders_must_match_and_decisions_use_the_constant_term():
    a, b = JetContext(FLOAT64, 1).jet([1.0, 2.0]), JetContext(FLOAT64, 2).jet([1.0])
    with pytest.raises(ValueError, match="different orders"):
        a + b
    assert a > 0.5 and not a < 0.5 and a >= 1.0 and a <= 1.0
    assert abs(JetContext(FLOAT64, 1).jet([-2.0, 1.0])).c == (2.0, -1.0)
    with pytest.raises(PrecisionError):
        abs(JetContext(FLOAT64, 1).jet([0.0, 1.0]))


def test_determinant_by_cofactors():
    rng = np.random.default_rng(1)
    for n in range(5):
        A = rng.standard_normal((n, n))
        assert determinant(A.astype(object), 1.0) == pytest.approx(np.linalg.det(A) if n else 1.0)
    J = JetContext(FLOAT64, 1)
    M = np.array([[J.jet([2.0, 1.0]), J.jet([1.0])], [J.jet([1.0]), J.jet([3.0, 2.0])]], dtype=object)
    det = determinant(M, J.convert(1))  # (2 + e)(3 + 2e) - 1 = 5 + 7 e + ...
    assert det.c == (5.0, 7.0)


def _block_fd(monitor, x, d, j, h, dps):
    with mpmath.workdps(dps):
        X = [mpmath.mpf(v) for v in x]
        Xp, Xm = list(X), list(X)
        dp = dm = mpmath.mpf(d)
        if j < len(X):
            Xp[j] += h
            Xm[j] -= h
        else:
            dp, dm = dp + h, dm - h
        B0 = monitor.block(MPMATH, X, mpmath.mpf(d))
        Bp, Bm = monitor.block(MPMATH, Xp, dp), monitor.block(MPMATH, Xm, dm)
        return B0, (Bp - Bm) / (2 * h), (Bp - 2 * B0 + Bm) / (2 * h * h)


@pytest.mark.parametrize("case, setting, d", [("sd3-i", "fixed", 9.3), ("sd1-i", "trainable", 7.5)])
def test_kernel_jets_are_derivatives_of_the_isotypic_blocks(case, setting, d):
    """Order-2 jets along each unknown and along d give the block, its first derivative and
    half its second derivative (third and fourth derivatives of the loss): checked against
    central differences of the mpmath blocks (h = 1e-12 at 40 digits)."""
    fam = get_case(case)
    st = fam.structure(setting)
    x = point_from_seed(fam, setting, d)
    J = JetContext(MPMATH, 2)
    monitors = family_monitors(st)
    h = mpmath.mpf("1e-12")
    with mpmath.workdps(40):
        for j in [0, len(x) - 1, len(x)]:  # a W-unknown, the last unknown, and d
            xj = [J.jet([v, 1.0 if i == j else 0.0]) for i, v in enumerate(x)]
            dj = J.jet([d, 1.0 if j == len(x) else 0.0])
            for m in monitors[:3]:
                B = m.block(J, xj, dj)
                B0, B1, B2 = _block_fd(m, x, d, j, h, 40)
                for (a, b), jet in np.ndenumerate(B):
                    assert abs(jet.c[0] - B0[a, b]) < 1e-35
                    assert abs(jet.c[1] - B1[a, b]) < 1e-20
                    assert abs(jet.c[2] - B2[a, b]) < 1e-12


def test_arb_jets_enclose_the_mpmath_jets():
    fam = get_case("sd2-i")
    st = fam.structure("fixed")
    x = point_from_seed(fam, "fixed", 8.0)
    m = family_monitors(st)[1]
    Jm, Ja = JetContext(MPMATH, 1), JetContext(ARB, 1)
    with mpmath.workdps(60):
        ref = m.block(Jm, [Jm.jet([v, 1.0 if i == 1 else 0.0]) for i, v in enumerate(x)], Jm.jet([8.0, 0.5]))
    with ARB.precision(40):
        got = m.block(Ja, [Ja.jet([v, 1.0 if i == 1 else 0.0]) for i, v in enumerate(x)], Ja.jet([8.0, 0.5]))
    for (a, b), jet in np.ndenumerate(got):
        for k in range(2):
            assert jet.c[k].rad() < 1e-30
            assert jet.c[k].contains(ARB.convert(ref[a, b].c[k])) or abs(
                ARB.to_float(jet.c[k]) - float(ref[a, b].c[k])) < 1e-35


def test_no_derivative_at_exactly_parallel_rows():
    """At W = I the student rows are exactly parallel to the teacher's, where the kernel is only
    C^2: order-0 jets give the plain values, order >= 1 refuses."""
    st = get_case("sd-i").structure("fixed")
    with ARB.precision(30):
        plain = ARB.block_derivatives(st, [1, 0], 7, 2)
        J0 = JetContext(ARB, 0)
        jet0 = J0.block_derivatives(st, [1, 0], 7, 2)
        assert all(a.overlaps(b.c[0]) for a, b in zip(np.ravel(plain.hess), np.ravel(jet0.hess)))
        J1 = JetContext(ARB, 1)
        with pytest.raises(PrecisionError, match="parallel"):
            J1.block_derivatives(st, [J1.jet([1, 1]), J1.jet([0])], 7, 2)
