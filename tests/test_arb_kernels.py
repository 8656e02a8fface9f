"""The kernels in arb ball arithmetic (kernels/backend.py arb_kernels, kernels/contexts.py ARB):
every ball contains the 100-digit mpmath value, the balls are narrow, and a pair of rows that
cannot be proved non-parallel raises PrecisionError instead of returning a wrong ball.

Parallel pairs: the loss is always enclosed (``s`` in ``[0, sqrt(upper(AB - C^2))]``). Its
derivatives use the parallel limit only for a row with itself or an *exactly* parallel /
antiparallel pair (``AB - C^2`` computed exactly 0, e.g. rows of small dyadic entries); a
parallel pair whose Gram products are rounded raises PrecisionError.
"""
import flint
import mpmath
import numpy as np
import pytest

from spurious.cases import critical_point, families
from spurious.kernels import ARB, MPMATH, PrecisionError

REF_DPS = 100
FAMILIES = families()
D_VALUES = (5.5, 7.25, 12, 100)


def exact(x):
    """A 100-digit mpf as an exact arb ball."""
    return ARB.convert(x)


def assert_encloses(balls, values, max_rad):
    balls, values = np.ravel(np.asarray(balls, dtype=object)), np.ravel(np.asarray(values, dtype=object))
    assert balls.shape == values.shape
    for i, (ball, v) in enumerate(zip(balls, values)):
        assert isinstance(ball, flint.arb)
        assert ball.contains(exact(v)), (i, ball, mpmath.nstr(v, 40))
        assert ball.rad() < max_rad * max(1, abs(float(v))), (i, ball)


def full_reference(W, a, V, b, trainable=True):
    with MPMATH.precision(REF_DPS):
        return (MPMATH.loss(W, a, V, b), *MPMATH.gradient(W, a, V, b), MPMATH.hessian(W, a, V, b, trainable))


def full_arb(W, a, V, b, dps, trainable=True):
    with ARB.precision(dps):
        return (ARB.loss(W, a, V, b), *ARB.gradient(W, a, V, b), ARB.hessian(W, a, V, b, trainable))


# ----------------------------------------------------------------------- full space
@pytest.mark.parametrize("seed", range(8))
def test_full_space_random_contains_mpmath(seed):
    rng = np.random.default_rng(seed)
    k, kt, d = rng.integers(1, 5), rng.integers(1, 4), rng.integers(2, 5)
    W, a, V, b = rng.normal(size=(k, d)), rng.normal(size=k), rng.normal(size=(kt, d)), rng.normal(size=kt)
    ref = full_reference(W, a, V, b)
    for dps, max_rad in ((30, 1e-22), (60, 1e-52)):
        for ball, value in zip(full_arb(W, a, V, b, dps), ref):
            assert_encloses(ball, value, max_rad)


def test_full_space_teacher_identity_contains_mpmath():
    rng = np.random.default_rng(5)
    d = 4
    W, a = np.eye(d) + 0.3 * rng.normal(size=(d, d)), 1 + 0.1 * rng.normal(size=d)
    ref = full_reference(W, a, np.eye(d), np.ones(d))
    for ball, value in zip(full_arb(W, a, np.eye(d), np.ones(d), 30), ref):
        assert_encloses(ball, value, 1e-22)


def _parallel_problem(row):
    """Rows ``w``, ``2 w`` (parallel) and ``-w / 2`` (antiparallel) and a generic row."""
    w = np.asarray(row, dtype=float)
    W = np.array([w, 2 * w, -0.5 * w, [0.25, -1.0, 0.75]])
    return W, np.array([1.0, -0.5, 0.75, 1.25]), np.eye(3), np.ones(3)


def test_exactly_parallel_and_antiparallel_rows_computed_exactly():
    """Small dyadic entries: A B - C^2 is computed exactly 0, the exact parallel limit is used
    (for the pairs (w, 2w), (w, -w/2), (2w, -w/2)) and every ball contains the truth."""
    W, a, V, b = _parallel_problem([0.5, -1.0, 0.25])
    ref = full_reference(W, a, V, b)
    for ball, value in zip(full_arb(W, a, V, b, 30), ref):
        assert_encloses(ball, value, 1e-25)
    # the student row w = e_1 / 2 is also exactly parallel to the teacher row e_1
    W2 = W.copy()
    W2[0] = [0.5, 0.0, 0.0]
    ref = full_reference(W2, a, V, b)
    for ball, value in zip(full_arb(W2, a, V, b, 30), ref):
        assert_encloses(ball, value, 1e-25)


def test_parallel_rows_with_rounded_gram_products():
    """Full-mantissa entries: the Gram products round, A B - C^2 is a ball around 0. The loss is
    still enclosed (s in [0, sqrt(upper)]), the derivatives raise PrecisionError."""
    W, a, V, b = _parallel_problem([0.1234567890123, -1.9876543210987, 0.3141592653589])
    ref = full_reference(W, a, V, b)
    with ARB.precision(30):
        L = ARB.loss(W, a, V, b)
        assert L.contains(exact(ref[0])) and L.rad() < 1e-10
        with pytest.raises(PrecisionError, match="parallel"):
            ARB.gradient(W, a, V, b)
        with pytest.raises(PrecisionError, match="parallel"):
            ARB.hessian(W, a, V, b)


def test_nearly_parallel_rows_are_certified_and_enclosed():
    """Rows at angle ~1e-12 are not parallel: certified at 30 digits, the full formulas apply
    and the balls contain the truth (wider: the 1/s of (G2) amplifies the radii)."""
    W = np.array([[0.5, -1.0, 0.25], [1.0, -2.0, 0.5 + 1e-12]])
    a, V, b = np.ones(2), np.eye(3), np.ones(3)
    ref = full_reference(W, a, V, b)
    for ball, value in zip(full_arb(W, a, V, b, 40), ref):
        assert_encloses(ball, value, 1e-10)


# ------------------------------------------------------------------ block structures
def _point(fam, setting, d):
    """The family's critical point; for sd-i its exact value W = I (the catalogue holds a
    float approximation within 1e-14 of it, whose teacher pairs are nearly parallel)."""
    if fam.name == "sd-i":
        return [1, 0] + ([1] if setting == "trainable" else [])
    return critical_point(fam, setting, d).params


def _block_reference(st, x, d):
    with MPMATH.precision(REF_DPS):
        return MPMATH.block_derivatives(st, x, d)


def _fields(bd):
    return (bd.loss, bd.grad, bd.hess, bd.grad_d, bd.weights)


@pytest.mark.parametrize("setting", ["fixed", "trainable"])
@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.name)
def test_block_derivatives_contain_mpmath_for_every_family(fam, setting):
    st = fam.structure(setting)
    checked = 0
    for d in D_VALUES:
        if d <= fam.d_min:
            continue
        x = _point(fam, setting, d)
        ref = _block_reference(st, x, d)
        for dps, max_rad in ((30, 1e-20), (60, 1e-50)):
            with ARB.precision(dps):
                bd = ARB.block_derivatives(st, x, d)
            for ball, value in zip(_fields(bd), _fields(ref)):
                assert_encloses(ball, value, max_rad)
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.name)
def test_block_arb_and_mpmath_agree_at_30_digits(fam):
    st = fam.structure("trainable")
    for d in (7.25, 12):
        x = _point(fam, "trainable", d)
        with ARB.precision(30):
            bd = ARB.block_derivatives(st, x, d)
        with MPMATH.precision(30):
            bm = MPMATH.block_derivatives(st, x, d)
        for ball, value in zip(_fields(bd), _fields(bm)):
            for u, v in zip(np.ravel(np.asarray(ball, dtype=object)), np.ravel(np.asarray(value, dtype=object))):
                assert abs(float(u.mid()) - float(v)) <= 1e-25 * max(1, abs(float(v))) or \
                    abs(MPMATH.convert(u.mid()) - v) <= mpmath.mpf("1e-25") * max(1, abs(v))


def test_sd_i_catalogue_point_is_enclosed_or_refused():
    """The catalogue's sd-i point is W = I up to ~1e-15, so its teacher pairs have s ~ 1e-15:
    at 30 digits arb either certifies s > 0 and returns (wide but correct) balls, or raises
    PrecisionError -- never a wrong ball. At 60 digits s > 0 is certified."""
    fam = next(f for f in FAMILIES if f.name == "sd-i")
    st = fam.structure("fixed")
    outcomes = []
    for d in D_VALUES:
        x = critical_point(fam, "fixed", d).params
        ref = _block_reference(st, x, d)
        for dps in (30, 60):
            try:
                with ARB.precision(dps):
                    bd = ARB.block_derivatives(st, x, d)
            except PrecisionError:
                outcomes.append((dps, "refused"))
                continue
            outcomes.append((dps, "enclosed"))
            for ball, value in zip(_fields(bd), _fields(ref)):
                assert_encloses(ball, value, 1e300)
    assert ("refused" in [o for _, o in outcomes]) and all(o == "enclosed" for p, o in outcomes if p == 60)


def test_block_self_terms_are_exact_parallel_limits():
    """The self terms F(A, A, A) are structurally parallel: with exact inputs the loss at
    W = I is exactly 0 up to the radius of pi, at every real d."""
    st = next(f for f in FAMILIES if f.name == "sd-i").structure("fixed")
    with ARB.precision(30):
        for d in ("5.5", 7.25, 1000):
            bd = ARB.block_derivatives(st, [1, 0], d)
            assert bd.loss.contains(0) and bd.loss.rad() < 1e-24
            assert all(g.contains(0) and g.rad() < 1e-24 for g in bd.grad)


def test_block_arb_raises_on_a_zero_row():
    st = next(f for f in FAMILIES if f.name == "sd1-i").structure("fixed")
    with ARB.precision(30):
        with pytest.raises((PrecisionError, ValueError)):
            ARB.block_derivatives(st, [0, 0, 0.5, 0.1, 0.1], 7.0)
