"""The float64 continuation engine on algebraic problems with known answers (no neural network)."""
import math
from dataclasses import asdict, replace

import numpy as np
import pytest

from spurious.continuation import (ArclengthSettings, Branch, Continuation, ContinuationProblem,
                                   continue_both_ways, continue_branch)

CIRCLE = ContinuationProblem(residual=lambda x, d: np.array([x[0] ** 2 + d ** 2 - 1.0]),
                             jacobian=lambda x, d: (np.array([[2 * x[0]]]), np.array([2 * d])))
CUBIC = ContinuationProblem(residual=lambda x, d: np.array([x[0] ** 3 - x[0] - d]),
                            jacobian=lambda x, d: (np.array([[3 * x[0] ** 2 - 1]]), np.array([-1.0])))
CUBIC_FOLD = 2 / (3 * math.sqrt(3))  # x^3 - x - d = 0 turns back at x = -+1/sqrt(3), d = +-2/(3 sqrt 3)
CUBIC_START = ([-1.5], -(1.5 ** 3 - 1.5))


def pitchfork(monitors=None):
    """x (d - x^2) = 0 (trivial branch x = 0, pitchfork at d = 0) with a decoupled y = d^2."""
    return ContinuationProblem(
        residual=lambda x, d: np.array([x[0] * (d - x[0] ** 2), x[1] - d ** 2]),
        jacobian=lambda x, d: (np.array([[d - 3 * x[0] ** 2, 0.0], [0.0, 1.0]]), np.array([x[0], -2 * d])),
        monitors=monitors)


def kinds(branch, kind):
    return [e for e in branch.events if e.kind == kind]


def test_circle_goes_round_through_both_folds():
    b = continue_branch(CIRCLE, [1.0], 0.0, ArclengthSettings(ds=0.1, ds_max=0.2, max_steps=45, direction=1))
    folds = kinds(b, "fold")
    assert [round(e.d) for e in folds] == [1, -1, 1]  # top, bottom, top again: more than once round
    assert folds[0].index < folds[1].index < folds[2].index
    for e in folds:
        assert abs(abs(e.d) - 1.0) < 1e-10 and abs(e.x[0]) < 1e-6
        assert e.values["before"] * e.values["after"] < 0 and abs(e.values["at"]) < 1e-6
    assert not kinds(b, "branch_point")  # the bordered determinant does not change sign at a fold
    xs, ds = np.array(b.x)[:, 0], np.array(b.d)
    assert xs.min() < -0.99 and xs.max() > 0.99
    np.testing.assert_allclose(xs ** 2 + ds ** 2, 1.0, atol=1e-11)
    assert b.end_reason == "max_steps = 45 reached" and len(b) == 46


def test_cubic_folds_at_known_d_and_the_bound_is_landed_exactly():
    b = continue_branch(CUBIC, *CUBIC_START, ArclengthSettings(ds=0.1, ds_max=0.2, d_min=-3, d_max=3, direction=1))
    folds = kinds(b, "fold")
    assert [e.d for e in folds] == pytest.approx([CUBIC_FOLD, -CUBIC_FOLD], abs=1e-10)
    assert [e.x[0] for e in folds] == pytest.approx([-1 / math.sqrt(3), 1 / math.sqrt(3)], abs=1e-8)
    assert b.d[-1] == 3.0 and b.end_reason == "reached d = 3"
    assert abs(CUBIC.residual(b.x[-1], 3.0)[0]) < 1e-11
    assert all(-3 <= d <= 3 for d in b.d)


def test_pitchfork_branch_point_on_the_trivial_branch():
    b = continue_branch(pitchfork(), [0.0, 1.0], -1.0, ArclengthSettings(ds=0.07, ds_max=0.13, d_min=-1, d_max=1,
                                                                         direction=1))
    bps = kinds(b, "branch_point")
    assert len(bps) == 1 and abs(bps[0].d) < 1e-10
    assert not kinds(b, "fold") and np.all(np.array(b.x)[:, 0] == 0.0)
    assert b.d[0] < bps[0].d < b.d[-1] and b.d[bps[0].index] < bps[0].d < b.d[bps[0].index + 1]


def test_stability_events_carry_their_monitor_label():
    b = continue_branch(pitchfork(lambda x, d: {"a": d - 0.3, "b": 0.7 - d}), [0.0, 1.0], -1.0,
                        ArclengthSettings(ds=0.07, ds_max=0.13, d_min=-1, d_max=1, direction=1))
    stab = kinds(b, "stability")
    assert [e.label for e in stab] == ["a", "b"]
    assert [e.d for e in stab] == pytest.approx([0.3, 0.7], abs=1e-10)
    assert stab[0].values["before"] < 0 < stab[0].values["after"]
    assert stab[1].values["before"] > 0 > stab[1].values["after"]
    assert b.monitor_values["a"] == pytest.approx([d - 0.3 for d in b.d], abs=1e-15)


def test_describe_values_are_stored_per_point():
    prob = replace(CUBIC, describe=lambda x, d: {"x_squared": x[0] ** 2})
    b = continue_branch(prob, *CUBIC_START, ArclengthSettings(ds=0.1, d_min=-3, d_max=3, direction=1))
    assert b.values["x_squared"] == pytest.approx([x[0] ** 2 for x in b.x], rel=1e-15)


def test_domain_reason_ends_the_branch_at_the_last_admissible_point():
    prob = replace(CUBIC, domain=lambda x, d: "x left the box" if x[0] > 0.0 else None)
    b = continue_branch(prob, *CUBIC_START, ArclengthSettings(ds=0.1, d_min=-3, d_max=3, direction=1))
    assert b.end_reason == "x left the box"
    assert max(x[0] for x in b.x) <= 0.0 and len(b) > 5


def test_singular_end_is_newton_failed_at_minimal_step():
    # x = sqrt(d) ends at d = 0, where the branch x^2 = d would go on to x < 0
    root = ContinuationProblem(residual=lambda x, d: np.array([x[0] - math.sqrt(d)]) if d >= 0 else np.array([np.nan]),
                               jacobian=lambda x, d: (np.array([[1.0]]), np.array([-0.5 / math.sqrt(d)])))
    b = continue_branch(root, [1.0], 1.0, ArclengthSettings(ds=0.1, ds_min=1e-6, direction=-1))
    assert b.end_reason.startswith("newton failed at minimal step")
    assert 0 <= b.d[-1] < 1e-3


def test_start_problems_are_end_reasons_not_exceptions():
    never = ContinuationProblem(residual=lambda x, d: np.array([x[0] ** 2 + 1.0]),
                                jacobian=lambda x, d: (np.array([[2 * x[0]]]), np.array([0.0])))
    b = continue_branch(never, [0.5], 0.0, ArclengthSettings())
    assert b.end_reason.startswith("start point is not a solution: |G| = ") and len(b) == 0
    b = continue_branch(CUBIC, *CUBIC_START, ArclengthSettings(d_min=0.0, d_max=3.0))
    assert b.end_reason.startswith("start d = ") and len(b) == 0
    b = continue_branch(replace(CUBIC, domain=lambda x, d: "never"), *CUBIC_START, ArclengthSettings())
    assert b.end_reason == "start point outside the domain: never"


def test_start_is_polished_at_fixed_d():
    b = continue_branch(CUBIC, [-1.49], CUBIC_START[1], ArclengthSettings(max_steps=1))
    assert b.d[0] == CUBIC_START[1] and b.x[0][0] == pytest.approx(-1.5, abs=1e-14)


@pytest.mark.parametrize("kwargs, message", [
    ({"ds": 0.0}, "ds_min"), ({"ds": 2.0, "ds_max": 1.0}, "ds_max"), ({"ds_max": math.inf}, "finite"),
    ({"direction": 0}, "direction"), ({"d_min": 1.0, "d_max": 0.0}, "d_min < d_max"),
    ({"d_min": math.nan}, "d_min < d_max"), ({"max_steps": 0}, "max_steps"), ({"newton_max_iter": 2.5}, "newton_max_iter"),
    ({"newton_tol": -1.0}, "newton_tol"), ({"locate_tol": math.nan}, "locate_tol")])
def test_bad_settings_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ArclengthSettings(**kwargs)


def test_both_directions_share_the_start_point():
    down, up = continue_both_ways(CUBIC, *CUBIC_START, ArclengthSettings(ds=0.1, d_min=-3, d_max=3))
    assert down.d[-1] == -3.0 and up.d[-1] == 3.0
    assert down.d[0] == up.d[0] and np.array_equal(down.x[0], up.x[0])
    assert len(kinds(down, "fold")) == 0 and len(kinds(up, "fold")) == 2


def test_save_load_round_trip_is_exact(tmp_path):
    b = continue_branch(pitchfork(lambda x, d: {"a": d - 0.3}), [0.0, 1.0], -1.0,
                        ArclengthSettings(ds=0.07, ds_max=0.13, d_min=-1, d_max=1, direction=1))
    b.metadata.update({"case": "pitchfork", "scale": np.float64(1) / 3})
    b.save(tmp_path / "b.json")
    loaded = Branch.load(tmp_path / "b.json")
    assert np.array_equal(np.array(loaded.x), np.array(b.x)) and np.array_equal(loaded.d, b.d)
    assert np.array_equal(np.array(loaded.tangents), np.array(b.tangents))
    assert [e.as_dict() for e in loaded.events] == [e.as_dict() for e in b.events] and len(b.events) == 2
    assert loaded.monitor_values.keys() == b.monitor_values.keys() and loaded.end_reason == b.end_reason
    assert all(np.array_equal(loaded.monitor_values[k], b.monitor_values[k]) for k in b.monitor_values)
    assert loaded.settings == asdict(ArclengthSettings(ds=0.07, ds_max=0.13, d_min=-1, d_max=1, direction=1))
    assert loaded.metadata == {"case": "pitchfork", "scale": 1 / 3}
    (tmp_path / "bad.json").write_text('{"d": []}')
    with pytest.raises(ValueError, match="missing tangents, x"):
        Branch.load(tmp_path / "bad.json")


def test_resuming_a_branch_saved_halfway_gives_the_uninterrupted_points(tmp_path):
    settings = ArclengthSettings(ds=0.05, ds_max=0.1, d_min=-3, d_max=3, direction=1)
    full = continue_branch(CUBIC, *CUBIC_START, settings)
    half = continue_branch(CUBIC, *CUBIC_START, replace(settings, max_steps=len(full) // 2))
    assert half.end_reason.startswith("max_steps") and len(kinds(half, "fold")) < 2
    half.save(tmp_path / "half.json")
    resumed = continue_branch(CUBIC, None, None, settings, branch=Branch.load(tmp_path / "half.json"))
    assert len(resumed) == len(full) and resumed.end_reason == full.end_reason
    np.testing.assert_allclose(resumed.d, full.d, atol=1e-12, rtol=0)
    np.testing.assert_allclose(np.array(resumed.x), np.array(full.x), atol=1e-12, rtol=0)
    assert [e.d for e in resumed.events] == pytest.approx([e.d for e in full.events], abs=1e-12)
    with pytest.raises(ValueError, match="without points"):
        continue_branch(CUBIC, None, None, settings, branch=Branch())


def test_steps_iterator_feeds_observers():
    algo = Continuation(CUBIC, ArclengthSettings(ds=0.1, d_min=-3, d_max=3, direction=1))
    seen = list(algo.steps(*CUBIC_START))
    assert [s.d for s in seen] == algo.branch.d.tolist() and [s.index for s in seen] == list(range(len(seen)))
    assert seen[0].ds == 0.0 and all(0 < s.ds <= 1.0 for s in seen[1:])
    assert sum(len(s.events) for s in seen) == len(algo.branch.events) == 2
    counted = []
    b = continue_branch(CUBIC, *CUBIC_START, ArclengthSettings(ds=0.1, d_min=-3, d_max=3, direction=1),
                        observers=(counted.append, lambda s: None))
    assert [s.d for s in counted] == b.d.tolist()
