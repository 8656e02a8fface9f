"""The one Newton (issue #11): float64 and mpmath, plain and bordered; failures are statuses."""
import mpmath
import numpy as np
import pytest

from spurious.continuation import Border, Status, newton
from spurious.continuation.newton import RoundingLevelUpdate, StepAndResidual


def _quadratic_orders(errors):
    """log e_{k+1} / log e_k for errors well above rounding: ~2 for quadratic convergence."""
    e = [float(v) for v in errors if 1e-300 < v < 1e-1]
    return [np.log(b) / np.log(a) for a, b in zip(e, e[1:])]


def test_float_newton_converges_quadratically():
    # x^2 = 2, y^3 = 3 from (1.5, 1.5)
    seen = []

    def residual(z):
        seen.append(z.copy())
        return np.array([z[0] ** 2 - 2, z[1] ** 3 - 3])

    res = newton(residual, lambda z: np.diag([2 * z[0], 3 * z[1] ** 2]), np.array([1.5, 1.5]))
    assert res.status is Status.CONVERGED and res.success and res.message == "converged"
    assert np.allclose(res.x, [np.sqrt(2), 3 ** (1 / 3)], rtol=0, atol=1e-15) and res.residual_norm <= 1e-11
    err = [np.max(np.abs(z - [np.sqrt(2), 3 ** (1 / 3)])) for z in seen]
    orders = _quadratic_orders(err)
    assert orders and all(o > 1.8 for o in orders)
    assert 1 <= res.iterations <= 6


def test_mpmath_newton_converges_quadratically_at_high_precision():
    errors = []
    with mpmath.workdps(120):
        exact = mpmath.sqrt(2)

        def residual(z):
            errors.append(abs(z[0] - exact))
            return mpmath.matrix([z[0] ** 2 - 2])

        res = newton(residual, lambda z: mpmath.matrix([[2 * z[0]]]), mpmath.matrix([mpmath.mpf(1)]),
                     test=RoundingLevelUpdate(120, lambda k: 120), max_iter=40)
        assert res.status is Status.CONVERGED and abs(res.x[0] - exact) < mpmath.mpf(10) ** -118
    orders = _quadratic_orders(errors)
    assert len(orders) >= 4 and all(o > 1.8 for o in orders[1:])
    assert res.iterations <= 10


def test_object_arrays_of_mpf_work_too():
    with mpmath.workdps(50):
        res = newton(lambda z: np.array([z[0] ** 2 - 3], dtype=object),
                     lambda z: np.array([[2 * z[0]]], dtype=object), np.array([mpmath.mpf(2)], dtype=object),
                     test=RoundingLevelUpdate(50, lambda k: 50))
        assert res.success and abs(res.x[0] - mpmath.sqrt(3)) < mpmath.mpf(10) ** -48


def test_singular_jacobian_is_a_status_not_an_exception():
    res = newton(lambda z: np.array([z[0] ** 2 + 1, z[1]]), lambda z: np.zeros((2, 2)), np.array([0.0, 1.0]))
    assert res.status is Status.SINGULAR and not res.success and res.iterations == 0
    res = newton(lambda z: mpmath.matrix([z[0] ** 2 + 1]), lambda z: mpmath.matrix([[0]]),
                 mpmath.matrix([mpmath.mpf(1)]), test=RoundingLevelUpdate(30, lambda k: 30))
    assert res.status is Status.SINGULAR and "singular" in res.message


def test_max_iterations_and_evaluation_failures_are_statuses():
    # x^2 + 1 = 0 has no real root: Newton wanders
    res = newton(lambda z: z ** 2 + 1, lambda z: np.diag(2 * z), np.array([0.3]), max_iter=7)
    assert res.status is Status.MAX_ITERATIONS and res.iterations == 7 and "7 Newton iterations" in res.message

    def sqrt_residual(z):
        if z[0] < 0:
            raise ValueError("negative argument")
        return np.array([np.sqrt(z[0]) - 0.1])

    res = newton(sqrt_residual, lambda z: np.array([[0.5 / np.sqrt(z[0])]]), np.array([4.0]))
    assert res.status is Status.EVALUATION_FAILED and "negative argument" in res.message
    res = newton(lambda z: np.array([np.nan]), lambda z: np.eye(1), np.array([1.0]))
    assert res.status is Status.EVALUATION_FAILED and res.iterations == 0
    # bugs still raise
    with pytest.raises(TypeError):
        newton(lambda z: None + 1, lambda z: np.eye(1), np.array([1.0]))


def test_bordered_system_pseudo_arclength_on_the_circle():
    # G(x, d) = x^2 + d^2 - 1 with the border t . (y - y_p) = 0: the corrector of (A1)
    t = np.array([-1.0, 1.0]) / np.sqrt(2)
    y_p = np.array([0.9, 0.6])
    res = newton(lambda y: np.array([y[0] ** 2 + y[1] ** 2 - 1]), lambda y: np.array([[2 * y[0], 2 * y[1]]]),
                 y_p.copy(), border=Border(t, y_p))
    assert res.success and abs(res.x @ res.x - 1) < 1e-15 and abs(t @ (res.x - y_p)) < 1e-15
    # the same in mpmath, with a border value: l . v = 1 (the fold system's normalisation)
    with mpmath.workdps(60):
        res = newton(lambda z: mpmath.matrix([z[0] ** 2 + z[1] ** 2 - 2]),
                     lambda z: mpmath.matrix([[2 * z[0], 2 * z[1]]]), mpmath.matrix([mpmath.mpf("1.2"), 0.9]),
                     border=Border([0, 1], value=1), test=RoundingLevelUpdate(60, lambda k: 60))
        assert res.success and abs(res.x[1] - 1) < mpmath.mpf(10) ** -58 and abs(res.x[0] - 1) < mpmath.mpf(10) ** -58


def test_the_float_rule_accepts_the_problem_scaled_tolerance():
    """(A3): a residual that cannot go below its rounding level converges only with tol_at."""
    big = 1e8

    def noisy(z):
        return np.array([(z[0] * 1.1 + big) - big - 1.1 * 0.3 + 1e-9])

    jac = lambda z: np.array([[1.1]])  # noqa: E731
    assert newton(noisy, jac, np.array([0.3]), test=StepAndResidual(1e-11), max_iter=5).status is Status.MAX_ITERATIONS
    res = newton(noisy, jac, np.array([0.3]), test=StepAndResidual(1e-11, tol_at=lambda z: 32 * 2.2e-16 * big))
    assert res.success and res.iterations >= 1


def test_check_start_accepts_a_converged_start_without_updates():
    res = newton(lambda z: z - 1, lambda z: np.eye(1), np.array([1.0]),
                 test=lambda z, dz, F, k: bool(np.max(np.abs(F)) == 0), check_start=True)
    assert res.success and res.iterations == 0


def test_check_start_test_needs_attribute():
    class Exact:
        needs_residual = True

        def __call__(self, z, dz, F, k):
            return bool(np.max(np.abs(F)) <= 1e-14)

    res = newton(lambda z: z ** 2 - 4, lambda z: np.diag(2 * z), np.array([2.0]), test=Exact(), check_start=True)
    assert res.success and res.iterations == 0
