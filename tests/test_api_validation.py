"""Bad calls to the public API fail with TypeError/ValueError and one informative line;
the float64 kernels are scale-safe on row norms in [ROW_NORM_MIN, ROW_NORM_MAX] (issue #9 item 10)."""
import decimal
import fractions
import math

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from spurious.api import critical_point, get_case, integer_table, refine_case, track
from spurious.cases import FamilyError
from spurious.kernels import (REAL, ROW_NORM_MAX, ROW_NORM_MIN, FixedPointSpace, block_derivatives, gradient,
                              hessian, loss, mp_loss)
from spurious.kernels.backend import MP, mp_parallel_tol
from spurious.validation import as_digits, as_family, as_flag, as_real, as_real_array, as_setting

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RNG = np.random.default_rng(2024)
W3, A3, V3, B3 = RNG.normal(size=(3, 3)), np.ones(3), np.eye(3), np.ones(3)
ST = FixedPointSpace((REAL, 1), False)
X5 = np.array([1.0, 0.1, 0.05, 0.02, 0.9])


def _with_row(M, i, row):
    M = np.array(M, dtype=float)
    M[i] = row
    return M


def one_line(err):
    msg = str(err)
    assert "\n" not in msg and len(msg) >= 15, repr(msg)
    return msg


def mp_reference(W, a, V, b, trainable=True, dps=40):
    """Loss, gradient and Hessian by the kernels' own code on mpmath numbers (no exponent range)."""
    with mpmath.workdps(dps):
        mat = lambda M: np.array([[mpmath.mpf(float(x)) for x in r] for r in M], dtype=object)
        vec = lambda v: np.array([mpmath.mpf(float(x)) for x in v], dtype=object)
        Wm, am, Vm, bm = mat(W), vec(a), mat(V), vec(b)
        tol = mp_parallel_tol()
        gW, ga = MP._gradient(Wm, am, Vm, bm, tol)
        return (float(MP._loss(Wm, am, Vm, bm)), gW.astype(float), ga.astype(float),
                MP._hessian(Wm, am, Vm, bm, trainable, tol).astype(float))


# ------------------------------------------------------------ scale safety
def _scaled_problem(rng, lo=-100, hi=100):
    k, kt, d = rng.integers(1, 4), rng.integers(1, 4), rng.integers(2, 5)
    W, V = rng.normal(size=(k, d)), rng.normal(size=(kt, d))
    W *= (10.0 ** rng.uniform(lo, hi, size=k) / np.linalg.norm(W, axis=1))[:, None]
    V *= (10.0 ** rng.uniform(lo, hi, size=kt) / np.linalg.norm(V, axis=1))[:, None]
    return W, rng.normal(size=k), V, rng.normal(size=kt)


def test_kernels_match_mpmath_across_the_safe_range():
    """Row norms log-uniform in [1e-100, 1e100]: loss, gradient (row by row) and Hessian (in
    the coordinates w_i |w_i|, a_i / |w_i| where its entries are commensurate) agree with the
    40-digit mpmath evaluation to ~1e-14 relative (measured: 4e-16, 3e-14, 4e-16)."""
    rng = np.random.default_rng(1)
    worst = {"loss": 0.0, "gradient": 0.0, "hessian": 0.0}
    for _ in range(25):
        W, a, V, b = _scaled_problem(rng)
        L, (gW, ga), H = loss(W, a, V, b), gradient(W, a, V, b), hessian(W, a, V, b, trainable=True)
        Lm, gWm, gam, Hm = mp_reference(W, a, V, b)
        worst["loss"] = max(worst["loss"], abs(L - Lm) / abs(Lm))
        for i in range(W.shape[0]):
            worst["gradient"] = max(worst["gradient"], np.max(np.abs(gW[i] - gWm[i])) / np.max(np.abs(gWm[i])),
                                    abs(ga[i] - gam[i]) / abs(gam[i]))
        r = np.linalg.norm(W, axis=1)
        J = np.concatenate([np.repeat(r, W.shape[1]), 1 / r])
        Hs, Hms = H * J[:, None] * J[None, :], Hm * J[:, None] * J[None, :]
        worst["hessian"] = max(worst["hessian"], np.max(np.abs(Hs - Hms)) / np.max(np.abs(Hms)))
    assert worst["loss"] < 1e-13 and worst["gradient"] < 1e-11 and worst["hessian"] < 1e-13, worst


@pytest.mark.parametrize("scale", [1.001e-100, 1e-80, 1e-65, 1e-30, 1.0, 1e30, 1e78, 0.999e100])
def test_uniformly_scaled_rows_are_exact_by_homogeneity(scale):
    """The defects of the fuzz run: NaN at |w| ~ 1e78, ZeroDivisionError at 1e-160..1e-65."""
    W = W3 / np.linalg.norm(W3, axis=1)[:, None] * scale
    L, (gW, ga), H = loss(W, A3, V3, B3), gradient(W, A3, V3, B3), hessian(W, A3, V3, B3)
    Lm, gWm, gam, Hm = mp_reference(W, A3, V3, B3, trainable=False)
    assert math.isclose(L, Lm, rel_tol=1e-13)
    np.testing.assert_allclose(gW, gWm.astype(float), rtol=1e-11, atol=1e-13 * np.max(np.abs(gWm)))
    np.testing.assert_allclose(ga, gam.astype(float), rtol=1e-11)
    np.testing.assert_allclose(H, Hm.astype(float), rtol=1e-10, atol=1e-13 * np.max(np.abs(Hm)))


def test_rows_near_one_are_bitwise_unchanged():
    """Rows with norms in [1/2, 1) are not rescaled (power-of-two scales: exact otherwise)."""
    W = W3 / np.linalg.norm(W3, axis=1)[:, None] * 0.75
    from spurious.kernels import fullspace
    from spurious.kernels.gram import FLOAT_PARALLEL_TOL
    assert loss(W, A3, V3 * 0.75, B3) == fullspace._loss(W, A3, V3 * 0.75, B3)
    np.testing.assert_array_equal(gradient(W, A3, V3 * 0.75, B3)[0],
                                  fullspace._gradient(W, A3, V3 * 0.75, B3, FLOAT_PARALLEL_TOL)[0])


@pytest.mark.parametrize("norm", [1e-300, 1e-170, 1e-101, 1.1e100, 1e154, 1e300])
def test_rows_outside_the_safe_range_are_refused(norm):
    W = _with_row(W3, 1, np.array([0.6, 0.0, 0.8]) * norm)
    for call in (lambda: loss(W, A3, V3, B3), lambda: gradient(W, A3, V3, B3), lambda: hessian(W, A3, V3, B3)):
        with pytest.raises(ValueError, match="supported range") as err:
            call()
        assert "row 1 of W" in one_line(err.value)


def test_antiparallel_rows():
    """Exactly antiparallel rows where A B - C^2 rounds below 0: s must be +0 so that the angle
    is pi and F = 0 (a -0 once gave atan2(-0, C) = -pi and F = C)."""
    V = np.array([[1e2], [-1e14]])
    assert loss(np.zeros((1, 1)), [0.0], V, [1.0, 1.0]) == pytest.approx(mp_reference(np.zeros((1, 1)), [0.0], V,
                                                                                        [1.0, 1.0])[0], rel=1e-14)


def test_zero_rows_loss_allowed_derivatives_refused():
    W = _with_row(W3, 0, 0.0)
    assert math.isclose(loss(W, A3, V3, B3), loss(W[1:], A3[1:], V3, B3), rel_tol=1e-15)
    with pytest.raises(ValueError, match="zero"):
        gradient(W, A3, V3, B3)


def test_exact_inputs_are_converted_not_refused():
    Wf = np.array([[fractions.Fraction(1, 3), decimal.Decimal("0.5")], [mpmath.mpf("0.25"), 2]], dtype=object)
    Wn = np.array([[1 / 3, 0.5], [0.25, 2.0]])
    assert loss(Wf, [1, 1], np.eye(2), [1, 1]) == loss(Wn, np.ones(2), np.eye(2), np.ones(2))
    assert loss(np.eye(2, dtype=np.int64), [1, 1], np.eye(2, dtype=np.float32), [1, 1]) == pytest.approx(0.0, abs=1e-15)


# ------------------------------------------------------ property-based tests
def _array(shape, kind, draw):
    n = int(np.prod(shape))
    if kind in ("float", "safe"):
        rows = []
        width = n // shape[0]
        top = 99.5 if len(shape) == 2 else 50.0  # rows of W, V; entries of a, b (products < 1e300)
        safe = st.one_of(st.floats(-top, top), st.sampled_from([-top, 0.0, top]))
        wild = st.one_of(st.floats(-300, 300), st.floats(-120, 120))
        for _ in range(shape[0]):  # each row (entry of a vector) with its own order of magnitude
            expo = draw(safe if kind == "safe" else wild)
            vals = draw(st.lists(st.floats(-1, 1, allow_nan=False), min_size=width, max_size=width))
            vals = np.array(vals)
            if kind == "safe":  # unit rows (or zero rows, now and then)
                norm = np.linalg.norm(vals)
                vals = vals / norm if norm > 1e-3 else np.eye(width)[0] * draw(st.sampled_from([0.0, 1.0, 1.0]))
            rows.append(vals * 10.0 ** expo)
        arr = np.array(rows).reshape(shape)
        if kind == "float" and draw(st.integers(0, 5)) == 0:
            arr.flat[draw(st.integers(0, n - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        return arr
    if kind == "complex":
        return np.ones(shape) + 1j * draw(st.sampled_from([0.0, 1.0]))
    if kind == "int":
        return np.array(draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))).reshape(shape)
    if kind == "bool":
        return np.ones(shape, dtype=bool)
    if kind == "str":
        return np.full(shape, "1.0")
    if kind == "object":
        return np.array([draw(st.sampled_from([mpmath.mpf(1), fractions.Fraction(1, 2), mpmath.mpc(1, 1), "x",
                                               None, 2])) for _ in range(n)], dtype=object).reshape(shape)
    if kind == "float32":
        return np.ones(shape, dtype=np.float32)
    raise AssertionError(kind)


KINDS = st.sampled_from(["float", "float", "float", "int", "float32", "complex", "bool", "str", "object"])


@st.composite
def kernel_inputs(draw, safe=False):
    k, kt, d = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shapes = {"W": (k, d), "V": (kt, d), "a": (k,), "b": (kt,)}
    if safe:  # in the supported range: must compute (barring zero rows), and correctly
        return {name: _array(shape, "safe", draw) for name, shape in shapes.items()}
    if draw(st.integers(0, 3)) == 0:  # a wrong shape somewhere
        name = draw(st.sampled_from(sorted(shapes)))
        shapes[name] = draw(st.sampled_from([(0, d), (k + 1,), (2, 2, 2), (k, d + 1), ()]))
    out = {}
    for name, shape in shapes.items():
        kind = draw(KINDS) if draw(st.integers(0, 3)) == 0 else "float"
        out[name] = _array(shape, kind, draw) if shape and 0 not in shape else np.zeros(shape)
    return out


@FAST
@given(kernel_inputs(), st.sampled_from(["loss", "gradient", "hessian"]))
def test_kernels_return_correct_finite_results_or_refuse(args, which):
    _check_kernel_call(args, which, safe=False)


@FAST
@given(kernel_inputs(safe=True), st.sampled_from(["loss", "gradient", "hessian"]))
def test_kernels_compute_correctly_in_the_supported_range(args, which):
    _check_kernel_call(args, which, safe=True)


def _check_kernel_call(args, which, safe):
    W, a, V, b = args["W"], args["a"], args["V"], args["b"]
    fn = {"loss": loss, "gradient": gradient, "hessian": lambda *x: hessian(*x, trainable=True)}[which]
    try:
        out = fn(W, a, V, b)
    except (TypeError, ValueError) as err:
        one_line(err)
        event(f"refused: {str(err)[:40]}")
        if safe:  # only a zero row may stop a derivative
            zero_row = not (np.all(np.any(W != 0, axis=1)) and np.all(np.any(V != 0, axis=1)))
            assert which != "loss" and zero_row, err
        return
    event("computed")
    arrays = [np.asarray(out, dtype=float)] if which != "gradient" else list(out)
    assert all(np.all(np.isfinite(x)) for x in arrays)
    Wf, af, Vf, bf = (np.asarray(x, dtype=float) for x in (W, a, V, b))
    Lm, gWm, gam, Hm = mp_reference(Wf, af, Vf, bf)
    rw, rv = np.linalg.norm(Wf, axis=1), np.linalg.norm(Vf, axis=1)
    scale = np.sum(np.abs(af) * rw) + np.sum(np.abs(bf) * rv)  # |L| <= scale^2, |dL/dw_i| <= |a_i| scale
    if which == "loss":
        assert abs(out - Lm) <= 1e-12 * scale ** 2 + 1e-300
    elif which == "gradient":
        assert np.all(np.abs(out[0] - gWm.astype(float)) <= 1e-7 * (np.abs(af)[:, None] * scale) + 1e-300)
        assert np.all(np.abs(out[1] - gam.astype(float)) <= 1e-12 * rw * scale + 1e-300)
    else:
        assert np.allclose(out, out.T, rtol=1e-12, atol=1e-14 * np.max(np.abs(out)))


BAD_D = st.one_of(st.booleans(), st.complex_numbers(allow_nan=False).filter(lambda z: z.imag != 0),
                  st.text(max_size=5), st.none(), st.just(float("nan")), st.just(float("inf")),
                  st.just(mpmath.mpc(5, 1)), st.just(np.complex128(6)), st.just(np.bool_(True)),
                  st.just(decimal.Decimal("NaN")), st.just([5.5]), st.just(mpmath.inf),
                  st.just(np.array([5.5, 6.0])))


@FAST
@given(BAD_D)
def test_bad_d_is_refused(d):
    with pytest.raises((TypeError, ValueError)) as err:
        critical_point("sd1-i", "fixed", d)
    assert "d" in one_line(err.value)


GOOD_D = st.one_of(st.integers(5, 29), st.floats(4.5, 29.5), st.fractions(min_value=5, max_value=29),
                   st.decimals(min_value=5, max_value=29, allow_nan=False, places=3),
                   st.floats(4.5, 29.5).map(mpmath.mpf), st.floats(4.5, 29.5).map(np.float32),
                   st.integers(5, 29).map(np.int64))


@settings(max_examples=15, deadline=None)
@given(GOOD_D)
def test_exact_and_numpy_d_are_accepted(d):
    assert as_real(d) == float(d)
    cp = critical_point("sd1-i", "fixed", d)
    assert cp.d == float(d) and math.isfinite(cp.loss)


BAD_FLAGS = st.one_of(st.text(max_size=4), st.integers(), st.none(), st.floats(allow_nan=False),
                      st.just([True]), st.just(np.int8(1)))


@FAST
@given(BAD_FLAGS)
def test_bad_flags_are_refused(flag):
    with pytest.raises(TypeError, match="trainable must be True or False"):
        hessian(W3, A3, V3, B3, trainable=flag)
    with pytest.raises(TypeError):
        as_flag(flag, "x")


@pytest.mark.parametrize("flag", [True, False, np.bool_(True), np.bool_(False)])
def test_real_bools_are_flags(flag):
    n = 9 + (3 if flag else 0)
    assert hessian(W3, A3, V3, B3, trainable=flag).shape == (n, n)


def test_validators_accept_good_values():
    fam = get_case("sd1-i")
    assert as_family(fam) is fam and as_family("sd1-i").name == "sd1-i"
    assert as_setting("trainable") == "trainable"
    assert as_digits(np.int32(7)) == 7 and as_digits(1000) == 1000
    assert isinstance(as_real(mpmath.mpf("1.5"), keep_mpf=True), mpmath.mpf)
    assert as_real(np.array(2.5)) == 2.5
    assert as_real_array([[1, 2]], "W", ndim=2).dtype == np.float64


# --------------------------------------------- explicit bad calls (>= 60)
nan, inf = float("nan"), float("inf")
Z = _with_row(W3, 2, 0.0)
BAD_CALLS = [
    # get_case
    ("get_case unknown", lambda: get_case("nope"), FamilyError, "unknown case"),
    ("get_case empty", lambda: get_case(""), FamilyError, "unknown case"),
    ("get_case None", lambda: get_case(None), TypeError, "string"),
    ("get_case int", lambda: get_case(3), TypeError, "string"),
    ("get_case bytes", lambda: get_case(b"sd1-i"), TypeError, "string"),
    ("get_case list", lambda: get_case(["sd1-i"]), TypeError, "string"),
    # critical_point
    ("cp complex d", lambda: critical_point("sd1-i", "fixed", 5.5 + 1j), TypeError, "complex"),
    ("cp complex0 d", lambda: critical_point("sd1-i", "fixed", 5.5 + 0j), TypeError, "complex"),
    ("cp bool d", lambda: critical_point("sd1-i", "fixed", True), TypeError, "bool"),
    ("cp str d", lambda: critical_point("sd1-i", "fixed", "5.5"), TypeError, "real number"),
    ("cp None d", lambda: critical_point("sd1-i", "fixed", None), TypeError, "real number"),
    ("cp nan d", lambda: critical_point("sd1-i", "fixed", nan), ValueError, "finite"),
    ("cp inf d", lambda: critical_point("sd1-i", "fixed", inf), ValueError, "finite"),
    ("cp mpc d", lambda: critical_point("sd1-i", "fixed", mpmath.mpc(5.5, 1)), TypeError, "complex"),
    ("cp np complex d", lambda: critical_point("sd1-i", "fixed", np.complex128(5.5)), TypeError, "complex"),
    ("cp array d", lambda: critical_point("sd1-i", "fixed", np.array([5.5])), TypeError, "real number"),
    ("cp d below range", lambda: critical_point("sd1-i", "fixed", 3.0), FamilyError, "outside the range"),
    ("cp d above range", lambda: critical_point("sd1-i", "fixed", 1e5), FamilyError, "outside the range"),
    ("cp Decimal NaN", lambda: critical_point("sd1-i", "fixed", decimal.Decimal("NaN")), ValueError, "d"),
    ("cp huge int", lambda: critical_point("sd1-i", "fixed", 10 ** 400), ValueError, "cannot be represented"),
    ("cp mp inf", lambda: critical_point("sd1-i", "fixed", mpmath.inf), ValueError, "finite"),
    ("cp family int", lambda: critical_point(3, "fixed", 5.5), TypeError, "Family or a case name"),
    ("cp family None", lambda: critical_point(None, "fixed", 5.5), TypeError, "Family or a case name"),
    ("cp family unknown", lambda: critical_point("sd1-x", "fixed", 5.5), FamilyError, "unknown case"),
    ("cp setting unknown", lambda: critical_point("sd1-i", "both", 5.5), FamilyError, "unknown setting"),
    ("cp setting None", lambda: critical_point("sd1-i", None, 5.5), TypeError, "setting"),
    ("cp setting bool", lambda: critical_point("sd1-i", True, 5.5), TypeError, "setting"),
    # track (all refused before any continuation)
    ("track unknown", lambda: track("nope"), FamilyError, "unknown case"),
    ("track None", lambda: track(None), TypeError, "Family"),
    ("track str d_from", lambda: track("sd1-i", d_from="20"), TypeError, "d_from"),
    ("track nan d_from", lambda: track("sd1-i", d_from=nan), ValueError, "d_from"),
    ("track bool d_from", lambda: track("sd1-i", d_from=True), TypeError, "d_from"),
    ("track d_from below", lambda: track("sd1-i", d_from=2), FamilyError, "outside the range"),
    ("track complex d_to", lambda: track("sd1-i", d_to=1j), TypeError, "d_to"),
    ("track d_to = d_from", lambda: track("sd1-i", d_from=20, d_to=20), FamilyError, "coincide"),
    ("track d_to above", lambda: track("sd1-i", d_to=1e6), FamilyError, "outside the range"),
    ("track setting", lambda: track("sd1-i", setting="train"), FamilyError, "unknown setting"),
    ("track negative ds", lambda: track("sd1-i", ds=-0.1), ValueError, "ds"),
    ("track ds > ds_max", lambda: track("sd1-i", ds=0.5, ds_max=0.25), ValueError, "ds_max"),
    ("track str ds", lambda: track("sd1-i", ds="big"), TypeError, "ds"),
    ("track one observer", lambda: track("sd1-i", observers=print), TypeError, "observers"),
    ("track observer int", lambda: track("sd1-i", observers=[1]), TypeError, "observers"),
    ("track observers int", lambda: track("sd1-i", observers=5), TypeError, "observers"),
    # refine_case (all refused before any continuation)
    ("refine digits True", lambda: refine_case("sd1-i", digits=True), TypeError, "digits"),
    ("refine digits 0", lambda: refine_case("sd1-i", digits=0), ValueError, "between 1 and 10000"),
    ("refine digits 10001", lambda: refine_case("sd1-i", digits=10001), ValueError, "between 1 and 10000"),
    ("refine digits float", lambda: refine_case("sd1-i", digits=50.0), TypeError, "integer"),
    ("refine digits str", lambda: refine_case("sd1-i", digits="50"), TypeError, "integer"),
    ("refine digits None", lambda: refine_case("sd1-i", digits=None), TypeError, "integer"),
    ("refine unknown", lambda: refine_case("sd9"), FamilyError, "unknown case"),
    ("refine family float", lambda: refine_case(1.5), TypeError, "Family"),
    ("refine setting", lambda: refine_case("sd1-i", "x"), FamilyError, "unknown setting"),
    ("refine progress str", lambda: refine_case("sd1-i", progress="yes"), TypeError, "progress"),
    ("refine d_max low", lambda: refine_case("sd1-i", d_max=3), ValueError, "d_max"),
    ("refine d_max nan", lambda: refine_case("sd1-i", d_max=nan), ValueError, "d_max"),
    ("refine d_max complex", lambda: refine_case("sd1-i", d_max=1j), TypeError, "d_max"),
    # integer_table
    ("table float d", lambda: integer_table("sd1-i", "fixed", [5.5]), TypeError, "integers"),
    ("table not iterable", lambda: integer_table("sd1-i", "fixed", 5), TypeError, "iterable"),
    ("table bool d", lambda: integer_table("sd1-i", "fixed", [True]), TypeError, "integers"),
    ("table d above", lambda: integer_table("sd1-i", "fixed", [10 ** 6]), FamilyError, "above the range"),
    ("table setting", lambda: integer_table("sd1-i", "x"), FamilyError, "unknown setting"),
    ("table family None", lambda: integer_table(None, "fixed"), TypeError, "Family"),
    ("table setting None", lambda: integer_table("sd1-i", None), TypeError, "setting"),
    # full-space kernels
    ("loss complex W", lambda: loss(W3 + 1j, A3, V3, B3), TypeError, "complex"),
    ("loss complex W, zero imag", lambda: loss(W3.astype(complex), A3, V3, B3), TypeError, "complex"),
    ("gradient complex a", lambda: gradient(W3, A3 * 1j, V3, B3), TypeError, "complex"),
    ("hessian complex V", lambda: hessian(W3, A3, V3 + 0j, B3), TypeError, "complex"),
    ("loss bool W", lambda: loss(W3 > 0, A3, V3, B3), TypeError, "dtype bool"),
    ("loss str W", lambda: loss([["1", "2", "3"]], [1.0], V3, B3), TypeError, "W"),
    ("loss None W", lambda: loss(None, A3, V3, B3), TypeError, "W"),
    ("loss object mpc W", lambda: loss(np.array([[mpmath.mpc(1, 1)] * 3], dtype=object), [1.0], V3, B3),
     TypeError, "complex"),
    ("loss 1-d W", lambda: loss(np.ones(3), A3, V3, B3), ValueError, "2-d"),
    ("loss ragged W", lambda: loss([[1, 2], [3]], [1, 1], np.eye(2), [1, 1]), ValueError, "rectangular"),
    ("loss empty W", lambda: loss(np.ones((0, 3)), np.ones(0), V3, B3), ValueError, "non-empty"),
    ("loss a shape", lambda: loss(W3, A3[:2], V3, B3), ValueError, "shape"),
    ("loss nan W", lambda: loss(_with_row(W3, 0, nan), A3, V3, B3), ValueError, "non-finite"),
    ("loss inf b", lambda: loss(W3, A3, V3, [1, inf, 1]), ValueError, "non-finite"),
    ("loss dims differ", lambda: loss(W3, A3, V3[:, :2], B3), ValueError, "input dimensions"),
    ("gradient zero row", lambda: gradient(Z, A3, V3, B3), ValueError, "zero"),
    ("hessian trainable no", lambda: hessian(W3, A3, V3, B3, trainable="no"), TypeError, "trainable"),
    ("hessian trainable 1", lambda: hessian(W3, A3, V3, B3, trainable=1), TypeError, "trainable"),
    ("hessian trainable None", lambda: hessian(W3, A3, V3, B3, trainable=None), TypeError, "trainable"),
    ("loss tiny row", lambda: loss(_with_row(W3, 0, 1e-170), A3, V3, B3), ValueError, "supported range"),
    ("gradient huge row", lambda: gradient(_with_row(W3, 0, 1e120), A3, V3, B3), ValueError, "supported range"),
    ("loss tiny V row", lambda: loss(W3, A3, _with_row(V3, 0, 1e-150), B3), ValueError, "row 0 of V"),
    ("loss overflow", lambda: loss(_with_row(W3, 0, 5e99), [1e250, 1, 1], V3, B3), ValueError, "overflow"),
    ("mp_loss dps bool", lambda: mp_loss(W3, A3, V3, B3, True), TypeError, "dps"),
    ("mp_loss dps 0", lambda: mp_loss(W3, A3, V3, B3, 0), ValueError, "dps"),
    ("mp_loss complex", lambda: mp_loss(W3 + 1j, A3, V3, B3, 20), TypeError, "real"),
    # block kernels
    ("block complex x", lambda: block_derivatives(ST, X5 + 1j, 6.0), TypeError, "complex"),
    ("block complex d", lambda: block_derivatives(ST, X5, 6 + 1j), TypeError, "complex"),
    ("block str d", lambda: block_derivatives(ST, X5, "6"), TypeError, "d"),
    ("block st str", lambda: block_derivatives("st", X5, 6.0), TypeError, "FixedPointSpace"),
    ("block order 3", lambda: block_derivatives(ST, X5, 6.0, order=3), ValueError, "order"),
    ("block order bool", lambda: block_derivatives(ST, X5, 6.0, order=True), TypeError, "order"),
    ("block x 2-d", lambda: block_derivatives(ST, np.ones((5, 1)), 6.0), ValueError, "1-d"),
]


def test_at_least_sixty_bad_calls():
    assert len(BAD_CALLS) >= 60


@pytest.mark.parametrize("call, exc, fragment", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_bad_call(call, exc, fragment):
    with pytest.raises(exc) as err:
        call()
    assert type(err.value) is exc or exc is ValueError and isinstance(err.value, ValueError)
    assert fragment in one_line(err.value)


def test_zero_dimensional_second_layers_are_refused():
    """A 0-d ``a`` or ``b`` is not a vector of length 1 (no silent promotion)."""
    for a, b in ((np.array(1.0), np.ones(1)), (np.ones(1), np.array(0.0))):
        with pytest.raises(ValueError, match="must have shape"):
            loss(np.ones((1, 2)), a, np.ones((1, 2)), b)
