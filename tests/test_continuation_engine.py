"""The generic engine on problems with known answers (no neural network involved)."""
import math

import mpmath
import numpy as np
import pytest

from spurious.continuation import (ArclengthSettings, Branch, Continuation, ContinuationProblem, MPProblem,
                                   agreeing_digits, continue_both_ways, continue_branch, format_digits,
                                   refine_fold, refine_zero)

CIRCLE = ContinuationProblem(residual=lambda x, d: np.array([x[0] ** 2 + d ** 2 - 1.0]),
                             jacobian=lambda x, d: (np.array([[2 * x[0]]]), np.array([2 * d])))
CUBIC = ContinuationProblem(residual=lambda x, d: np.array([x[0] ** 3 - x[0] - d]),
                            jacobian=lambda x, d: (np.array([[3 * x[0] ** 2 - 1]]), np.array([-1.0])))
FOLD_D = 2 / (3 * math.sqrt(3))


def pitchfork(monitor=False):
    """x (d - x^2) - eps-free pitchfork plus a decoupled y' equation; trivial branch x = 0."""
    mon = (lambda x, d: {"m": d - 0.3}) if monitor else None
    return ContinuationProblem(
        residual=lambda x, d: np.array([x[0] * (d - x[0] ** 2), x[1] - d ** 2]),
        jacobian=lambda x, d: (np.array([[d - 3 * x[0] ** 2, 0.0], [0.0, 1.0]]), np.array([x[0], -2 * d])),
        monitors=mon)


def test_circle_turns_back_at_both_folds():
    b = continue_branch(CIRCLE, [1.0], 0.0, ArclengthSettings(ds=0.1, ds_max=0.2, max_steps=60, direction=1))
    folds = [e for e in b.events if e.kind == "fold"]
    assert len(folds) >= 2
    for e in folds:
        assert abs(abs(e.d) - 1.0) < 1e-10
        assert abs(e.x[0]) < 1e-5
    # the branch goes round: both signs of x are visited
    xs = np.array(b.x)[:, 0]
    assert xs.min() < -0.9 and xs.max() > 0.9


def test_cubic_folds_at_known_d():
    b = continue_branch(CUBIC, [-1.5], -(1.5 ** 3 - 1.5),
                        ArclengthSettings(ds=0.1, ds_max=0.2, d_min=-3, d_max=3, direction=1))
    folds = sorted(e.d for e in b.events if e.kind == "fold")
    assert len(folds) == 2
    assert abs(folds[0] + FOLD_D) < 1e-10 and abs(folds[1] - FOLD_D) < 1e-10
    assert b.d[-1] == 3.0 and b.end_reason.startswith("reached d = 3")


def test_pitchfork_branch_point_and_stability_event():
    b = continue_branch(pitchfork(monitor=True), [0.0, 1.0], -1.0,
                        ArclengthSettings(ds=0.07, ds_max=0.13, d_min=-1, d_max=1, direction=1))
    bps = [e for e in b.events if e.kind == "branch_point"]
    assert len(bps) == 1 and abs(bps[0].d) < 1e-10
    stab = [e for e in b.events if e.kind == "stability"]
    assert len(stab) == 1 and stab[0].label == "m" and abs(stab[0].d - 0.3) < 1e-10
    assert stab[0].values["before"] < 0 < stab[0].values["after"]


def test_domain_reason_ends_the_branch():
    prob = ContinuationProblem(CUBIC.residual, CUBIC.jacobian,
                               domain=lambda x, d: "x left the box" if x[0] > 0.0 else None)
    b = continue_branch(prob, [-1.5], -(1.5 ** 3 - 1.5), ArclengthSettings(ds=0.1, d_min=-3, d_max=3, direction=1))
    assert b.end_reason == "x left the box"
    assert max(np.array(b.x)[:, 0]) <= 0.0


def test_bad_settings_are_value_errors():
    with pytest.raises(ValueError, match="ds_min"):
        ArclengthSettings(ds=0.0)
    with pytest.raises(ValueError, match="direction"):
        ArclengthSettings(direction=0)
    with pytest.raises(ValueError, match="d_min < d_max"):
        ArclengthSettings(d_min=1.0, d_max=0.0)


def test_start_not_a_solution_is_reported():
    never = ContinuationProblem(residual=lambda x, d: np.array([x[0] ** 2 + 1.0]),
                                jacobian=lambda x, d: (np.array([[2 * x[0]]]), np.array([0.0])))
    b = continue_branch(never, [0.5], 0.0, ArclengthSettings())
    assert b.end_reason.startswith("start point is not a solution")


def test_both_directions():
    down, up = continue_both_ways(CUBIC, [-1.5], -(1.5 ** 3 - 1.5), ArclengthSettings(ds=0.1, d_min=-3, d_max=3))
    assert down.d[-1] == -3.0 and up.d[-1] == 3.0


def test_save_load_roundtrip_and_resume(tmp_path):
    settings = ArclengthSettings(ds=0.05, ds_max=0.1, d_min=-3, d_max=3, direction=1)
    full = continue_branch(CUBIC, [-1.5], -(1.5 ** 3 - 1.5), settings)
    half = continue_branch(CUBIC, [-1.5], -(1.5 ** 3 - 1.5), ArclengthSettings(**{**settings.__dict__, "max_steps": 12}))
    path = tmp_path / "half.json"
    half.save(path)
    loaded = Branch.load(path)
    np.testing.assert_array_equal(np.array(loaded.x), np.array(half.x))
    assert loaded.d == half.d and len(loaded.events) == len(half.events)
    resumed = continue_branch(CUBIC, None, None, settings, branch=loaded)
    assert len(resumed.d) == len(full.d)
    np.testing.assert_allclose(resumed.d, full.d, atol=1e-12)
    np.testing.assert_allclose(np.array(resumed.x), np.array(full.x), atol=1e-12)


def test_steps_iterator_feeds_observers():
    seen = []
    algo = Continuation(CUBIC, ArclengthSettings(ds=0.1, d_min=-3, d_max=3, direction=1))
    for step in algo.steps([-1.5], -(1.5 ** 3 - 1.5)):
        seen.append(step.d)
    assert seen == algo.branch.d


# ------------------------------------------------------------- refinement
def mp_cube():
    return MPProblem(residual=lambda x, d: mpmath.matrix([x[0] ** 3 - d]),
                     jacobian=lambda x, d: (mpmath.matrix([[3 * x[0] ** 2]]), mpmath.matrix([-1])))


def test_refine_zero_against_closed_form():
    # x^3 = d along the curve, test function x^2 - 3 vanishes at d* = 3^(3/2)
    r = refine_zero(mp_cube(), lambda x, d: x[0] ** 2 - 3, [1.7], 5.1, 5.3, 50)
    assert r.status == "converged" and r.digits_verified == 50
    with mpmath.workdps(80):
        exact = mpmath.mpf(3) ** mpmath.mpf(1.5)
        assert r.d_star == format_digits(exact, 50)
        # slope of x(d)^2 - 3 = d^(2/3) - 3 is (2/3) d^(-1/3)
        assert abs(r.slope - float(2 * exact ** (-mpmath.mpf(1) / 3) / 3)) < 1e-12
    assert r.residual_norm < 1e-50 and r.transversal


def test_precision_limited_test_function_gets_fewer_verified_digits():
    noisy = lambda x, d: x[0] ** 2 - 3 + mpmath.mpf(10) ** -(mpmath.mp.dps - 12) * 7
    r = refine_zero(mp_cube(), noisy, [1.7], 5.1, 5.3, 30)
    assert r.digits_verified < 30


def test_not_bracketed_is_a_status():
    r = refine_zero(mp_cube(), lambda x, d: x[0] ** 2 - 3, [1.7], 5.3, 5.4, 20)
    assert r.status == "not bracketed" and r.d_star == ""
    with pytest.raises(ValueError):
        refine_zero(mp_cube(), lambda x, d: x[0], [1.0], 1.0, 0.0, 20)


def test_fold_refinement_against_closed_forms():
    cubic = MPProblem(residual=lambda x, d: mpmath.matrix([x[0] ** 3 - x[0] - d]),
                      jacobian=lambda x, d: (mpmath.matrix([[3 * x[0] ** 2 - 1]]), mpmath.matrix([-1])))
    r = refine_fold(cubic, [0.58], -0.385, 40)
    with mpmath.workdps(60):
        exact = -2 / (3 * mpmath.sqrt(3))
    assert r.status == "converged" and r.digits_verified >= 38
    assert r.d_star == format_digits(exact, r.digits_verified)
    circle = MPProblem(residual=lambda x, d: mpmath.matrix([x[0] ** 2 + d ** 2 - 1]),
                       jacobian=lambda x, d: (mpmath.matrix([[2 * x[0]]]), mpmath.matrix([2 * d])))
    r = refine_fold(circle, [0.01], 0.999, 40)
    assert r.d_star.startswith("1.000000000") or r.d_star.startswith("0.99999999999")


def test_digit_helpers():
    with mpmath.workdps(40):
        a, b = mpmath.mpf("5.58550524742588000694"), mpmath.mpf("5.58550524742588000699")
        assert agreeing_digits(a, b, 30) == 20  # 5.5855052474258800069|4 vs |9
        assert format_digits(a, 5) == "5.5855"
        assert format_digits(mpmath.mpf("0.0012345"), 3) == "0.00123"
