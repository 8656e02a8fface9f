"""Failure as data (issue #11): one Status enum; every result object carries status, success and
message; numerical failures are statuses, never exceptions."""
import json
import math

import mpmath
import numpy as np
import pytest

from spurious.cases import get_case
from spurious.cases.family import SolveResult, newton_at, point_from_seed, slice_unknowns
from spurious.continuation import (ArclengthSettings, Border, Branch, ContinuationProblem, Event, MPProblem,
                                   NewtonResult, RefinedPoint, RootResult, Status, continue_branch, illinois, newton,
                                   refine_fold, refine_zero, solve_at)
from spurious.results import Crossing, RefineResult

SQUARE = MPProblem(residual=lambda x, d: mpmath.matrix([x[0] ** 2 - d]),
                   jacobian=lambda x, d: (mpmath.matrix([[2 * x[0]]]), mpmath.matrix([-1])))
CUBIC = ContinuationProblem(residual=lambda x, d: np.array([x[0] ** 3 - x[0] - d]),
                            jacobian=lambda x, d: (np.array([[3 * x[0] ** 2 - 1]]), np.array([-1.0])))


def test_status_is_a_string_enum_with_success_and_message():
    assert Status.CONVERGED == "converged" and str(Status.PRECISION_DISAGREEMENT) == "precision disagreement"
    assert f"{Status.BOUND_REACHED}" == "bound reached" and json.dumps({"s": Status.SINGULAR}) == '{"s": "singular"}'
    assert {s for s in Status if s.success} == {Status.CONVERGED, Status.BOUND_REACHED}
    assert all(isinstance(s.message, str) and s.message for s in Status)
    assert Status.of("not bracketed") is Status.NOT_BRACKETED and Status.of(Status.SINGULAR) is Status.SINGULAR
    with pytest.raises(ValueError, match="unknown status"):
        Status.of("exploded")


def _has_status(obj):
    return isinstance(obj.status, Status) and obj.success == obj.status.success and isinstance(obj.message, str)


def test_every_result_object_carries_status_success_and_message():
    res = newton(lambda x: x ** 2 - 2, lambda x: np.diag(2 * x), np.array([1.0]))
    assert isinstance(res, NewtonResult) and _has_status(res) and res.success
    root = illinois(lambda s: s - 0.25, 0.0, 1.0, -0.25, 0.75, 1e-12)
    assert isinstance(root, RootResult) and _has_status(root) and root.success
    b = continue_branch(CUBIC, [-1.5], -1.875, ArclengthSettings(ds=0.1, d_min=-3, d_max=3, direction=1))
    assert _has_status(b) and b.status is Status.BOUND_REACHED and b.message == "reached d = 3" == b.end_reason
    assert b.events and all(isinstance(e, Event) and _has_status(e) and e.success for e in b.events)
    assert all(e.bracket[0] <= e.d <= e.bracket[1] and e.bracket[1] - e.bracket[0] < 1e-9 for e in b.events)
    r = refine_zero(SQUARE, lambda x, d: x[0] ** 3 - 2, [1.26], 1.5, 1.7, 10)
    assert isinstance(r, RefinedPoint) and _has_status(r) and r.success
    assert _has_status(solve_at(SQUARE, [1.4], 2, 30))
    st = get_case("sd1-i").structure("fixed")
    x = point_from_seed(get_case("sd1-i"), "fixed", 7.0)
    s = newton_at(st, x[slice_unknowns(st)], [], 7.0)
    assert isinstance(s, SolveResult) and _has_status(s) and s.success and s.iterations <= 2
    c = Crossing(d_star="", digits_verified=0, status="not bracketed", message="m", representation="r",
                 loss=math.nan, params={}, slope=math.nan, transversal=False, residual_norm=math.nan,
                 test_value=math.nan, d_star_float=6.0)
    assert c.status is Status.NOT_BRACKETED and not c.success and c.as_dict()["status"] == "not bracketed"
    rr = RefineResult(success=False, status="failed", message="0 of 1", case="x", setting="fixed", crossings=[c])
    assert rr.status is Status.FAILED and not rr.status.success


def test_refined_point_is_keyword_only():
    with pytest.raises(TypeError):
        RefinedPoint("zero", Status.CONVERGED, "m")
    p = RefinedPoint(kind="zero", status="not bracketed", message="m")
    assert p.status is Status.NOT_BRACKETED and p.d_star == "" and p.x == [] and math.isnan(p.null_residual)


def test_branch_ends_are_statuses():
    b = continue_branch(CUBIC, [-1.5], -1.875, ArclengthSettings(max_steps=3, direction=1))
    assert b.status is Status.MAX_STEPS and not b.success and b.message == "max_steps = 3 reached"
    never = ContinuationProblem(residual=lambda x, d: np.array([x[0] ** 2 + 1.0]),
                                jacobian=lambda x, d: (np.array([[2 * x[0]]]), np.array([0.0])))
    b = continue_branch(never, [0.5], 0.0, ArclengthSettings())
    assert b.status is Status.START_FAILED and len(b) == 0 and "start point is not a solution" in b.message
    boxed = ContinuationProblem(CUBIC.residual, CUBIC.jacobian, domain=lambda x, d: "out" if x[0] > 0 else None)
    b = continue_branch(boxed, [-1.5], -1.875, ArclengthSettings(d_min=-3, d_max=3, direction=1))
    assert b.status is Status.DOMAIN_EXIT and b.message == "out"
    # a problem that raises where it cannot be evaluated: the branch ends, nothing escapes
    def fragile(x, d):
        if d > 0.5:
            raise ValueError("kernel refuses d > 0.5")
        return CUBIC.residual(x, d)
    b = continue_branch(ContinuationProblem(fragile, CUBIC.jacobian), [-1.5], -1.875,
                        ArclengthSettings(ds=0.1, ds_min=1e-4, d_min=-3, d_max=3, direction=1))
    assert b.status is Status.STEP_TOO_SMALL and "kernel refuses" in b.message and b.d[-1] <= 0.5


def test_an_event_whose_location_fails_is_flagged_with_its_bracket():
    def residual(x, d):
        # x = d, but not evaluable for 0.1 < d < 0.3: the steps (of 0.45 / sqrt 2 in d) jump over
        # that window, the corrector trials of the event location at d = 0.2 fall into it
        return np.array([np.nan]) if 0.1 < d < 0.3 else np.array([x[0] - d])

    prob = ContinuationProblem(residual, lambda x, d: (np.array([[1.0]]), np.array([-1.0])),
                               monitors=lambda x, d: {"a": d - 0.2})
    b = continue_branch(prob, [0.0], 0.0, ArclengthSettings(ds=0.45, ds_max=0.45, d_min=0, d_max=0.9, direction=1))
    assert b.status is Status.BOUND_REACHED and b.d[1] > 0.3
    (e,) = [e for e in b.events if e.kind == "stability"]
    assert e.status is Status.EVALUATION_FAILED and not e.success and "not located" in e.message
    assert e.bracket == (0.0, b.d[1]) and e.d in (0.0, b.d[1])  # the bracket is kept, the best end reported
    assert Event(**{**e.as_dict(), "bracket": tuple(e.as_dict()["bracket"])}) == e


def test_refinement_failures_are_statuses_not_exceptions():
    r = refine_zero(SQUARE, lambda x, d: x[0] ** 3 - 2, [1.26], 1.6, 1.7, 20)
    assert r.status is Status.NOT_BRACKETED and not r.success and r.d_star == ""

    def exploding(x, d):
        raise ZeroDivisionError("the test function blew up")

    r = refine_zero(SQUARE, exploding, [1.26], 1.5, 1.7, 20)
    assert r.status is Status.EVALUATION_FAILED and "blew up" in r.message

    def raising_residual(x, d):
        raise ValueError("no such point")

    broken = MPProblem(residual=raising_residual, jacobian=SQUARE.jacobian)
    r = refine_zero(broken, lambda x, d: x[0] - 1, [1.26], 1.5, 1.7, 20)
    assert r.status is Status.EVALUATION_FAILED and "no such point" in r.message
    r = refine_fold(broken, [0.1], 0.2, 20)
    assert r.status is Status.EVALUATION_FAILED and not r.success
    assert solve_at(broken, [1.0], 2, 30).status is Status.EVALUATION_FAILED


def test_fold_refinement_reports_null_residual_and_computed_transversality():
    cubic = MPProblem(residual=lambda x, d: mpmath.matrix([x[0] ** 3 - x[0] - d]),
                      jacobian=lambda x, d: (mpmath.matrix([[3 * x[0] ** 2 - 1]]), mpmath.matrix([-1])))
    r = refine_fold(cubic, [0.58], -0.385, 20)
    assert r.success and r.null_residual < 1e-20 and math.isnan(r.test_value) and r.transversal is True
    # x^3 - d^3 = 0 ... a degenerate "fold" (G = x^2 - d^2: the two lines x = +-d cross at 0)
    cross = MPProblem(residual=lambda x, d: mpmath.matrix([x[0] ** 2 - d ** 2]),
                      jacobian=lambda x, d: (mpmath.matrix([[2 * x[0]]]), mpmath.matrix([-2 * d])))
    r = refine_fold(cross, [1e-3], 1e-3, 10)
    assert isinstance(r.transversal, bool) and not (r.success and r.transversal)
