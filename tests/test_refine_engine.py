"""The mpmath refinement on algebraic problems with closed-form answers (no neural network)."""
import math

import mpmath
import numpy as np
import pytest

from spurious.continuation import refine
from spurious.continuation import (ArclengthSettings, ContinuationProblem, MPProblem, Status, agreeing_digits,
                                   common_digits, continue_branch, format_digits, refine_fold, refine_zero,
                                   solve_at)

# x^2 - d = 0 on the branch x > 0
SQUARE = MPProblem(residual=lambda x, d: mpmath.matrix([x[0] ** 2 - d]),
                   jacobian=lambda x, d: (mpmath.matrix([[2 * x[0]]]), mpmath.matrix([-1])))
CUBIC = MPProblem(residual=lambda x, d: mpmath.matrix([x[0] ** 3 - x[0] - d]),
                  jacobian=lambda x, d: (mpmath.matrix([[3 * x[0] ** 2 - 1]]), mpmath.matrix([-1])))
CIRCLE = MPProblem(residual=lambda x, d: mpmath.matrix([x[0] ** 2 + d ** 2 - 1]),
                   jacobian=lambda x, d: (mpmath.matrix([[2 * x[0]]]), mpmath.matrix([2 * d])))


def cube_minus_two(x, d):
    """Vanishes where x = 2^(1/3), i.e. at d* = 2^(2/3) on x^2 = d."""
    return x[0] ** 3 - 2


def exact(expression, dps=200):
    with mpmath.workdps(dps):
        return expression()


def test_solve_at_reaches_the_requested_precision():
    r = solve_at(SQUARE, [1.4], 2, 200)
    x, residual, iterations = r.x, r.residual_norm, r.iterations
    assert r.status is Status.CONVERGED and r.success
    assert residual < mpmath.mpf(10) ** -198 and iterations <= 10
    assert agreeing_digits(x[0], exact(lambda: mpmath.sqrt(2)), 195) == 195


def test_refine_zero_against_the_closed_form_to_50_digits():
    r = refine_zero(SQUARE, cube_minus_two, [1.26], 1.5, 1.7, 50)
    d_star = exact(lambda: mpmath.cbrt(2) ** 2)
    assert (r.status, r.digits_verified, r.kind) == ("converged", 50, "zero")
    assert r.d_star == format_digits(d_star, 50) == "1.5874010519681994747517056392723082603914933278998"
    assert r.dps_used == 110 and r.residual_norm < 1e-100 and r.test_value < 1e-100
    assert r.x_float == [pytest.approx(2 ** (1 / 3), abs=1e-15)]
    assert agreeing_digits(r.x[0], exact(lambda: mpmath.cbrt(2)), 100) == 100
    # f(d) = d^(3/2) - 2, f'(d*) = (3/2) 2^(1/3)
    assert r.slope == pytest.approx(1.5 * 2 ** (1 / 3), rel=1e-14) and r.transversal


def test_analytic_slope_is_used_when_given():
    r = refine_zero(SQUARE, cube_minus_two, [1.26], 1.5, 1.7, 20, slope_function=lambda x, d: 1.5 * x[0] ** 3 / d)
    assert r.slope == pytest.approx(1.5 * 2 ** (1 / 3), rel=1e-15)


def test_precision_limited_test_function_verifies_fewer_digits():
    # an error 7e-(dps - 12) that shrinks with the working precision: the two runs disagree
    # from the ~28th digit on, which the two-precision comparison must detect
    def limited(x, d):
        return x[0] ** 3 - 2 + 7 * mpmath.mpf(10) ** (12 - mpmath.mp.dps)

    r = refine_zero(SQUARE, limited, [1.26], 1.5, 1.7, 30)
    assert r.status == "precision disagreement" and 20 < r.digits_verified < 30
    assert len(r.d_star.replace(".", "")) == r.digits_verified
    # the digits that are reported are right (truncated, not rounded up)
    assert r.d_star == format_digits(exact(lambda: mpmath.cbrt(2) ** 2), r.digits_verified)


def test_only_the_last_evaluations_run_at_full_precision():
    # Illinois at low precision locates d*, then the secant method raises the working
    # precision with the digits already right: few evaluations at the two full precisions
    seen = []

    def recorded(x, d):
        seen.append(mpmath.mp.dps)
        return cube_minus_two(x, d)

    r = refine_zero(SQUARE, recorded, [1.26], 1.5, 1.7, 200)
    assert (r.status, r.digits_verified) == ("converged", 200)
    assert r.d_star == format_digits(exact(lambda: mpmath.cbrt(2) ** 2, 250), 200)
    assert seen.count(410) <= 3 and seen.count(210) <= 4 and r.iterations == len(seen) - 2  # 2: the slope
    assert max(seen) == 410 and sorted(seen) != seen  # the second run starts low again


def test_the_second_run_converges_on_its_own_from_a_start_that_is_not_yet_right():
    d_star = exact(lambda: mpmath.cbrt(2) ** 2)
    curve = refine._Curve(SQUARE, cube_minus_two)
    first = refine._zero_run(curve, [1.26], 1.5, 1.7, 60)
    assert first.status is Status.CONVERGED and agreeing_digits(first.d, d_star, 55) == 55
    # the start of the second run keeps only half of the digits (of d and of x)
    d_a, d_b, x, right = refine._restart(first.d, first.x, 25, 1.5, 1.7, 110)
    assert right == 25 and d_a != d_b and agreeing_digits(d_a, d_star, 60) < 26 and agreeing_digits(d_b, d_star, 60) < 26
    assert agreeing_digits(x[0], exact(lambda: mpmath.cbrt(2)), 60) < 26
    second = refine._zero_run(curve, [1.26], 1.5, 1.7, 110, (d_a, d_b, x, right), first.secant)
    assert second.status is Status.CONVERGED and agreeing_digits(second.d, d_star, 105) == 105
    # a deliberately perturbed (worse) start converges as well
    with mpmath.workdps(110):
        start = (d_star + mpmath.mpf("3e-9"), d_star - mpmath.mpf("2e-9"), mpmath.matrix([mpmath.mpf("1.26")]), 8)
    perturbed = refine._zero_run(curve, [1.26], 1.5, 1.7, 110, start, first.secant)
    assert perturbed.status is Status.CONVERGED and agreeing_digits(perturbed.d, d_star, 105) == 105
    # a start outside the bracket is not used: the second run then starts from the bracket
    assert refine._restart(first.d, first.x, 1, 1.5, 1.7, 110) is None  # d_a = 2
    assert refine_zero(SQUARE, cube_minus_two, [1.26], 1.5, 1.7, 3).d_star == "1.58"


def test_a_wrong_second_run_is_detected():
    # the test function is wrong by 1e-40 at more than 60 working digits: only the second run
    # (110 digits) sees it, and the comparison must catch it (it cannot copy the first run)
    def wrong_at_high_precision(x, d):
        return x[0] ** 3 - 2 + (mpmath.mpf(10) ** -40 if mpmath.mp.dps > 60 else 0)

    r = refine_zero(SQUARE, wrong_at_high_precision, [1.26], 1.5, 1.7, 50)
    assert r.status == "precision disagreement" and 35 <= r.digits_verified <= 42
    assert r.d_star == format_digits(exact(lambda: mpmath.cbrt(2) ** 2), r.digits_verified)


def test_failures_are_statuses():
    r = refine_zero(SQUARE, cube_minus_two, [1.26], 1.6, 1.7, 20)
    assert r.status == "not bracketed" and r.d_star == "" and r.digits_verified == 0 and r.d is None
    # x(d) does not exist for d < 0: the curve cannot be followed over the bracket
    r = refine_zero(SQUARE, lambda x, d: x[0] - mpmath.mpf(1) / 2, [1.0], -1, 1, 20)
    assert r.status in (Status.MAX_ITERATIONS, Status.SINGULAR) and not r.success and "d = -1" in r.message


@pytest.mark.parametrize("args", [(1.7, 1.5, 20), (1.5, 1.7, 0), (1.5, 1.7, 20.0), (1.5, 1.7, 50000)])
def test_invalid_arguments_are_value_errors(args):
    d_lo, d_hi, digits = args
    with pytest.raises(ValueError):
        refine_zero(SQUARE, cube_minus_two, [1.26], d_lo, d_hi, digits)


@pytest.mark.parametrize("x0, d0, d_star, x_star", [
    ([0.58], -0.385, lambda: -2 / (3 * mpmath.sqrt(3)), 1 / math.sqrt(3)),
    ([-0.577], 0.3849, lambda: 2 / (3 * mpmath.sqrt(3)), -1 / math.sqrt(3))])
def test_cubic_folds_to_40_verified_digits(x0, d0, d_star, x_star):
    r = refine_fold(CUBIC, x0, d0, 40)
    assert (r.status, r.digits_verified, r.kind) == ("converged", 40, "fold")
    assert r.d_star == format_digits(exact(d_star), 40)
    assert r.x_float == [pytest.approx(x_star, abs=1e-15)]
    assert r.residual_norm < 1e-85 and r.null_residual < 1e-40 and r.transversal and math.isnan(r.slope)
    assert math.isnan(r.test_value)  # a fold has no test function: its null-vector residual has its own field


@pytest.mark.parametrize("x0, d0, d_star", [([0.01], 0.999, "1"), ([-0.001], -0.9999, "-1")])
def test_circle_folds_to_40_verified_digits(x0, d0, d_star):
    r = refine_fold(CIRCLE, x0, d0, 40)
    assert (r.status, r.digits_verified) == ("converged", 40)
    assert r.d_star == d_star + "." + "0" * 39
    assert abs(r.x_float[0]) < 1e-40


def test_float_fold_events_refine_to_the_closed_form():
    float_cubic = ContinuationProblem(residual=lambda x, d: np.array([x[0] ** 3 - x[0] - d]),
                                      jacobian=lambda x, d: (np.array([[3 * x[0] ** 2 - 1]]), np.array([-1.0])))
    branch = continue_branch(float_cubic, [-1.5], -1.875, ArclengthSettings(d_min=-3, d_max=3, direction=1))
    folds = [refine_fold(CUBIC, e.x, e.d, 30) for e in branch.events if e.kind == "fold"]
    expected = [exact(lambda s=sign: s * 2 / (3 * mpmath.sqrt(3))) for sign in (1, -1)]
    assert [r.d_star for r in folds] == [format_digits(v, 30) for v in expected]


def test_digit_helpers_truncate_and_use_guard_digits():
    with mpmath.workdps(40):
        a, b = mpmath.mpf("5.58550524742588000694"), mpmath.mpf("5.58550524742588000699")
        assert agreeing_digits(a, b, 30) == 20  # 5.5855052474258800069|4 vs |9
        assert common_digits(a, b, 30) == (20, "5.5855052474258800069")
        assert common_digits(mpmath.mpf("1.23456789"), mpmath.mpf("1.2345"), 30) == (5, "1.2345")  # not 1.2346
        assert agreeing_digits(a, b, 10) == 10
        # straddling a decimal boundary far beyond the requested digits still agrees
        assert common_digits(1 - mpmath.mpf(10) ** -35, 1 + mpmath.mpf(10) ** -35, 20) == (20, "1." + "0" * 19)
        assert agreeing_digits(mpmath.mpf("0.9999"), mpmath.mpf("1.0001"), 20) == 0
        assert agreeing_digits(a, -a, 10) == 0 and agreeing_digits(0, 0, 10) == 10 and agreeing_digits(0, a, 10) == 0
    assert format_digits(mpmath.mpf("5.5855"), 3) == "5.58"
    assert format_digits(mpmath.mpf("0.0012345"), 3) == "0.00123"
    assert format_digits(mpmath.mpf("123.456"), 3) == "123"
    assert format_digits(mpmath.mpf("123456"), 3) == "1.23e+5"
    assert format_digits(mpmath.mpf("-2.5e-9"), 2) == "-2.5e-9"
