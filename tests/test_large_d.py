"""Large d inside the advertised range (issue #10): tolerances relative to the rounding level.

At dimension d the gradient G = grad_W L_H is a sum of terms of total size ~ k d = d^2 that
cancel, so it is computed with an error ~ eps d^2 (2e-8 at d = 1e4) however exact the point;
Newton accepts max |G| <= max(1e-11, 32 eps k d) (cases.family.residual_scale).
"""
import numpy as np
import pytest

from spurious import cli
from spurious.api import critical_point, families, get_case, track
from spurious.cases.family import ROUNDING_ULPS, FamilyError, residual_scale
from spurious.cases.problem import family_problem

EPS = np.finfo(float).eps


def check_branch(fam, setting, branch, d_to):
    assert len(branch) >= 2 and branch.d[-1] == d_to and branch.end_reason == f"reached d = {d_to:.12g}"
    problem, st = family_problem(fam, setting), fam.structure(setting)
    for x, d in zip(branch.x, branch.d):
        scale = residual_scale(st, d)
        assert scale == pytest.approx(d * d)  # k d entries of W, k = d
        assert np.max(np.abs(problem.residual(x, d))) <= ROUNDING_ULPS * EPS * scale
    cp = critical_point(fam, setting, float(branch.d[-1]))
    # the same point found by another route: loss and spectrum agree to their rounding level
    assert abs(branch.values["loss"][-1] - cp.loss) <= ROUNDING_ULPS * EPS * d_to ** 2
    assert branch.values["lambda_min"][-1] == pytest.approx(cp.lambda_min, rel=1e-8, abs=1e-10)
    assert branch.values["morse_index"][-1] == cp.morse_index


@pytest.mark.parametrize("name, setting", [(f.name, s) for f in families() for s in f.settings])
def test_every_family_tracks_down_from_the_top_of_its_range(name, setting):
    fam = get_case(name)
    d_top = fam.d_max
    assert d_top == 1e4
    branch = track(fam, d_from=d_top, d_to=d_top - 1.0, setting=setting)
    check_branch(fam, setting, branch, d_top - 1.0)


@pytest.mark.parametrize("d_from, setting", [(10000.0, "fixed"), (3000.0, "fixed"), (3000.0, "trainable")])
def test_sd1_i_issue_examples(d_from, setting):
    fam = get_case("sd1-i")
    branch = track(fam, d_from=d_from, d_to=d_from - 10, setting=setting)
    check_branch(fam, setting, branch, d_from - 10)


def test_a_start_that_cannot_be_found_is_a_family_error_not_an_empty_branch(monkeypatch, capsys):
    """Neither a seed that cannot be continued to d_from nor a start point the engine rejects
    gives an empty branch: both are one FamilyError, and one line with exit 2 in the CLI."""
    import spurious.api as api

    def unreachable(family, setting, d):
        raise FamilyError(f"no convergence near d = {d:g}")

    monkeypatch.setattr(api, "point_from_seed", unreachable)
    with pytest.raises(FamilyError, match=r"cannot start at d = 10000: no convergence near d = 10000"):
        track("sd1-i", d_from=1e4, d_to=9999.0)
    # the engine's own start check: a point that is not a solution
    monkeypatch.setattr(api, "point_from_seed", lambda family, setting, d: np.full(7, np.nan))
    with pytest.raises(FamilyError, match=r"cannot start at d = 10000: "):
        track("sd1-i", d_from=1e4, d_to=9999.0)
    assert cli.main(["track", "sd1-i", "--d-from", "10000", "--d-to", "9990", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("spurious: error: sd1-i (fixed): the branch cannot start at d = 10000") and err.count("\n") == 1


def test_engine_tolerance_follows_the_problem_residual_scale():
    """G = (1.1 x + B) - B - 1.1 d with B = 1e8: the cancellation leaves noise ~ eps B in G (plus a
    1e-9 wiggle, so the noise surely exceeds the absolute newton_tol = 1e-11)."""
    from dataclasses import replace

    from spurious.continuation import ArclengthSettings, ContinuationProblem, continue_branch
    big = 1e8
    noisy = ContinuationProblem(residual=lambda x, d: np.array([(x[0] * 1.1 + big) - big - 1.1 * d + 1e-9 * np.sin(1e9 * d)]),
                                jacobian=lambda x, d: (np.array([[1.1]]), np.array([-1.1])))
    settings = ArclengthSettings(ds=0.1, d_min=0.0, d_max=1.0, direction=1)
    lost = continue_branch(noisy, [0.3], 0.3, settings)
    assert len(lost) == 0 and "start point is not a solution" in lost.end_reason
    found = continue_branch(replace(noisy, residual_scale=lambda x, d: big + abs(x[0])), [0.3], 0.3, settings)
    assert found.end_reason == "reached d = 1" and np.allclose(found.x[:, 0], found.d, atol=1e-7)
