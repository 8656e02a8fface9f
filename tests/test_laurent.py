"""Laurent series as a number system (kernels/laurent.py): arithmetic against mpmath's Taylor
coefficients, tracked precision, and the kernels run on series against the mpmath kernels at
large d."""
import mpmath
import pytest

from spurious.cases import get_case
from spurious.kernels.backend import PrecisionError
from spurious.kernels.contexts import MPMATH
from spurious.kernels.laurent import LaurentContext


def _coeffs(s, upto):
    return [s.coefficient(k) for k in range(s.v if s.v < 0 else 0, upto)]


def test_arithmetic_matches_mpmath_taylor():
    with mpmath.workdps(50):
        L = LaurentContext(12)
        with L.working():
            t = L.t()
            x = 1 + 2 * t - t * t * 3            # 1 + 2t - 3t^2
            y = L.constant("0.7") + t ** 3
            f = {"x/y": x / y, "sqrt(x)": L.sqrt(x), "atan2(t+t^2, y)": L.atan2(t + t * t, y),
                 "atan2(y, -x)": L.atan2(y, -x)}
        ref = {"x/y": lambda e: (1 + 2 * e - 3 * e * e) / (mpmath.mpf("0.7") + e ** 3),
               "sqrt(x)": lambda e: mpmath.sqrt(1 + 2 * e - 3 * e * e),
               "atan2(t+t^2, y)": lambda e: mpmath.atan2(e + e * e, mpmath.mpf("0.7") + e ** 3),
               "atan2(y, -x)": lambda e: mpmath.atan2(mpmath.mpf("0.7") + e ** 3, -(1 + 2 * e - 3 * e * e))}
        for name, series in f.items():
            want = mpmath.taylor(ref[name], 0, 11)
            got = _coeffs(series, 12)
            assert series.K == 12
            assert max(abs(a - b) for a, b in zip(got, want)) < mpmath.mpf(10) ** -40, name


def test_precision_is_tracked_through_poles():
    """A pole costs orders: (t^-2 a) * b with b known mod t^8 is known mod t^6, exactly as (L1)."""
    with mpmath.workdps(30):
        L = LaurentContext(10)
        with L.working():
            d = L.dimension()                       # t^-2, exact
            b = L.series([1, 1, 1], K=8)            # 1 + t + t^2 + O(t^8)
            p = d * b
            assert (p.v, p.K) == (-2, 6)
            assert _coeffs(p, 1) == [1, 1, 1]
            with pytest.raises(PrecisionError):
                p.coefficient(6)
            q = 1 / (L.t() * L.t() + L.t() ** 3)     # t^-2 (1 - t + t^2 - ...)
            assert q.v == -2 and q.coefficient(-2) == 1 and q.coefficient(-1) == -1
            with pytest.raises(PrecisionError, match="odd valuation"):
                L.sqrt(L.t())


def test_gmpy2_precision_is_local():
    import gmpy2

    before = gmpy2.get_context().precision
    L = LaurentContext(4, dps=200)
    with L.working():
        assert gmpy2.get_context().precision == L.prec
    assert gmpy2.get_context().precision == before


@pytest.mark.parametrize("case", ["sd1-i", "sd2-ii"])
def test_kernels_on_series_match_mpmath_at_large_d(case):
    """Loss, gradient and Hessian of x(t) = (a polynomial in t) evaluated as Laurent series and
    summed at t = 10^-4 agree with the mpmath kernels at d = 10^8 to the truncation error."""
    fam = get_case(case)
    st = fam.structure("fixed")
    rng = [mpmath.mpf(v) / 7 for v in range(1, 40)]
    with mpmath.workdps(60):
        L = LaurentContext(14)
        with L.working():
            t = L.t()
            limits = {"D1": 1 if case == "sd1-i" else -1, "D2": -1 if case == "sd1-i" else 1}
            x = [L.constant(limits.get(name, 0)) + rng[i] * t * t + rng[i + 5] * t ** 3
                 for i, name in enumerate(st.names)]
            bd = L.block_derivatives(st, x, L.dimension(), 2)
            tv = mpmath.mpf(10) ** -4
            xv = [L.value(s, tv) for s in x]
            ref = MPMATH.block_derivatives(st, xv, 1 / tv ** 2, 2)
            assert abs(L.value(bd.loss, tv) - ref.loss) <= mpmath.mpf(10) ** -30 * max(1, abs(ref.loss))  # t^8 truncation
            for g, r in zip(bd.grad, ref.grad):
                assert abs(L.value(g, tv) - r) <= mpmath.mpf(10) ** -30 * max(1, abs(r))
            for (i, j), h in __import__("numpy").ndenumerate(bd.hess):
                r = ref.hess[i, j]
                assert abs(L.value(h, tv) - r) <= mpmath.mpf(10) ** -26 * max(1, abs(r))


def test_exactly_parallel_rows_use_the_exact_limit():
    """W = I for every d: the student rows are exactly parallel to the teacher's; the series
    kernels take the exact C^2 limit (as the arb path does): loss and gradient vanish to rounding."""
    st = get_case("sd-i").structure("fixed")
    with mpmath.workdps(40):
        L = LaurentContext(8)
        with L.working():
            bd = L.block_derivatives(st, [1, 0], L.dimension(), 2)
            for s in [bd.loss, *bd.grad]:
                assert all(abs(c) < mpmath.mpf(10) ** -35 for c in s.coefficients())
            ref = MPMATH.block_derivatives(st, [1, 0], mpmath.mpf(10) ** 6, 2)
            tv = mpmath.mpf(10) ** -3
            assert abs(L.value(bd.hess[0, 0], tv) - ref.hess[0, 0]) < mpmath.mpf(10) ** -20 * abs(ref.hess[0, 0])
