"""Arbitrary-precision d* (issue: verified digits, report)."""
import json
import subprocess
import sys

import mpmath
import numpy as np
import pytest

from spurious.api import get_case, refine_case, track
from spurious.cases import describe_point
from spurious.cases.problem import family_mp_problem, mp_test_function
from spurious.continuation import agreeing_digits, refine_zero


@pytest.fixture(scope="module")
def sd1():
    return refine_case(get_case("sd1-i"), "fixed", digits=30)


def test_sd1_i_has_exactly_one_stability_change_on_5_to_30(sd1):
    assert len(sd1["crossings"]) == 1
    c = sd1["crossings"][0]
    assert 5 < float(c["d_star"]) < 6
    assert c["representation"] == "std(S_{d-1})"
    assert c["index_below"] == "d-2" and c["index_above"] == "0"
    assert c["status"] == "converged" and c["digits_verified"] == 30 and c["transversal"]
    assert sd1["last_crossing_d_star"] == c["d_star"]


def test_refined_d_star_agrees_with_the_float_event(sd1):
    c = sd1["crossings"][0]
    assert abs(float(c["d_star"]) - c["d_star_float"]) < 1e-10


def test_residuals_below_requested_precision(sd1):
    c = sd1["crossings"][0]
    assert c["residual_norm"] < 1e-30 and c["test_value"] < 1e-30


def test_30_and_60_digits_share_the_first_30():
    fam = get_case("sd1-ii")
    branch = track(fam, d_from=8.0, d_to=6.0)
    e = [e for e in branch.events if e.kind == "stability"][0]
    prob = family_mp_problem(fam, "fixed")
    f = mp_test_function(fam, "fixed", e.label)
    assert e.label == "[d-3,1,1](S_{d-1})"
    r30 = refine_zero(prob, f, e.x, e.d - 1e-7, e.d + 1e-7, 30)
    r60 = refine_zero(prob, f, e.x, e.d - 1e-7, e.d + 1e-7, 60)
    assert r30.digits_verified == 30 and r60.digits_verified == 60
    assert r60.d_star.startswith(r30.d_star)
    with mpmath.workdps(70):
        assert agreeing_digits(r30.d, r60.d, 30) == 30


def test_point_at_d_star_has_a_zero_eigenvalue_in_the_named_block(sd1):
    fam = get_case("sd1-i")
    c = sd1["crossings"][0]
    d_star = float(c["d_star"])
    x = np.array(list(c["params"].values()))
    cp = describe_point(fam, "fixed", x, d_star)
    assert cp.grad_norm < 1e-12
    vals = cp.spectrum.blocks[c["representation"]]
    assert np.min(np.abs(vals)) < 1e-9
    others = [v for label, block in cp.spectrum.blocks.items() for v in block
              if not (label == c["representation"] and abs(v) < 1e-9)]
    assert min(others) > 1e-6  # above d* the index is 0: every other eigenvalue is positive


def _sd1_point(dps):
    fam = get_case("sd1-i")
    st = fam.structure("fixed")
    with mpmath.workdps(dps):
        x = [mpmath.mpf(v) / 3 + mpmath.mpf(i + 1) / 7 for i, v in enumerate(range(st.size))]
        return fam, st, x, mpmath.mpf(5) + mpmath.mpf(1) / 3


@pytest.mark.parametrize("dps", [30, 400])
def test_arb_kernels_give_the_mpmath_kernels_to_the_working_precision(dps, monkeypatch):
    from spurious.kernels import contexts
    from spurious.kernels.contexts import MPMATH, MPMATH_ARB

    fam, st, x, d = _sd1_point(dps)
    with mpmath.workdps(dps):
        ref, fast = MPMATH.block_derivatives(st, x, d), MPMATH_ARB.block_derivatives(st, x, d)
        for name in ("grad", "hess", "grad_d", "weights"):
            a, b = np.ravel(getattr(ref, name)), np.ravel(getattr(fast, name))
            assert all(isinstance(v, mpmath.mpf) for v in b)
            scale = max(1, max(abs(v) for v in a))
            assert max(abs(u - v) for u, v in zip(a, b)) <= 10 * scale * mpmath.mpf(2) ** -mpmath.mp.prec
        # balls too wide for the working precision: the mpmath kernels are used instead
        monkeypatch.setattr(contexts, "ARB_GUARD_BITS", -mpmath.mp.prec // 2)
        slow = MPMATH_ARB.block_derivatives(st, x, d)
        assert all(u == v for u, v in zip(np.ravel(ref.hess), np.ravel(slow.hess)))


def test_the_mp_problem_evaluates_residual_and_jacobian_once_per_point(monkeypatch):
    from spurious.kernels.contexts import MPMATH_ARB

    fam, st, x, d = _sd1_point(40)
    calls = []
    original = MPMATH_ARB.block_derivatives
    monkeypatch.setattr(MPMATH_ARB, "block_derivatives", lambda *a: calls.append(1) or original(*a))
    prob = family_mp_problem(fam, "fixed")
    with mpmath.workdps(40):
        xm = mpmath.matrix(x)
        G = prob.residual(xm, d)
        J, Gd = prob.jacobian(xm, d)
        assert len(calls) == 1 and J.rows == J.cols == G.rows == Gd.rows == st.size
        prob.jacobian(xm, d + 1)
        assert len(calls) == 2
    with mpmath.workdps(60):
        prob.residual(xm, d)  # a new precision: evaluated again
    assert len(calls) == 3


def run(*args):
    return subprocess.run([sys.executable, "-m", "spurious", *args], capture_output=True, text=True)


def test_refine_command_json():
    res = run("refine", "sd1-i", "--digits", "20", "--json", "--quiet")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert set(out) >= {"case", "setting", "crossings", "last_crossing_d_star"}
    c = out["crossings"][0]
    assert set(c) >= {"d_star", "digits_verified", "representation", "index_below", "index_above", "loss",
                      "params", "slope"}
    assert len(c["d_star"].replace(".", "")) == c["digits_verified"] == 20


@pytest.mark.parametrize("args", [("refine", "nope"), ("refine", "sd1-i", "--digits", "0"),
                                  ("refine", "sd1-i", "--digits", "100000"),
                                  ("report", "--out", "/proc/forbidden/report", "--cases", "sd1-i")])
def test_bad_input_is_a_clear_error(args):
    res = run(*args)
    assert res.returncode == 2
    assert "error" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.slow
def test_report_on_a_reduced_set_of_families(tmp_path):
    out = tmp_path / "rep"
    res = run("report", "--out", str(out), "--digits", "20", "--cases", "sd1-i", "sd-ii", "--quiet")
    assert res.returncode == 0, res.stderr
    data = json.loads((out / "report.json").read_text())
    assert [f["name"] for f in data["families"]] == ["sd1-i", "sd-ii"]
    md = (out / "report.md").read_text()
    assert "| sd1-i |" in md and "| sd-ii |" in md
    for f in data["families"]:
        for c in f["crossings"]:
            assert c["d_star"] in md
    for name in ("bifurcation.png", "blocks.png"):
        png = (out / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report-")]
