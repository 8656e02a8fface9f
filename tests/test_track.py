"""Continuation of catalogue families in real d (issue: pseudo-arclength in real d)."""
import json
import subprocess
import sys

import numpy as np
import pytest

from spurious.api import event_rows, get_case, track
from spurious.cases.family import newton_at
from spurious.continuation import Branch, continue_branch
from spurious.cases.problem import family_problem
from spurious.kernels import embed, hessian


@pytest.fixture(scope="module")
def sd1_branch():
    return track(get_case("sd1-i"), d_from=20.0, d_to=4.0)


def test_every_point_is_a_critical_point_at_its_own_d(sd1_branch):
    fam = get_case("sd1-i")
    st = fam.structure("fixed")
    for x, d in zip(sd1_branch.x, sd1_branch.d):
        res = newton_at(st, x, [], d)
        assert res.success
        np.testing.assert_allclose(res.x, x, atol=1e-11)


def test_sd1_i_stability_change_between_5_and_6(sd1_branch):
    stab = [e for e in sd1_branch.events if e.kind == "stability"]
    assert len(stab) == 1
    assert 5 < stab[0].d < 6
    assert stab[0].label == "std(S_{d-1})"
    row = event_rows(sd1_branch)[0]
    assert row["index_below"] == "d-2" and row["index_above"] == "0"
    assert row["index_below_sample"] == [5.0, 3.0]
    assert sd1_branch.d[-1] == pytest.approx(4.01) and "reached" in sd1_branch.end_reason


def full_morse(fam, x, d):
    st = fam.structure("fixed")
    W, a = embed(st, x, d)
    ev = np.linalg.eigvalsh(hessian(W, a, np.eye(d), np.ones(d)))
    return int(np.sum(ev < -1e-10))


def test_morse_index_from_events_agrees_with_full_hessian(sd1_branch):
    fam = get_case("sd1-i")
    d_star = [e.d for e in sd1_branch.events if e.kind == "stability"][0]
    d_arr = np.array(sd1_branch.d)
    for d in range(5, 21):
        i = int(np.argmin(np.abs(d_arr - d)))
        # re-solve exactly at the integer d from the nearest branch point
        x = newton_at(fam.structure("fixed"), sd1_branch.x[i], [], float(d)).x
        predicted = (d - 2) if d < d_star else 0  # std(S_{d-1}) has dimension d - 2
        assert full_morse(fam, x, d) == predicted


def test_saved_branch_reloads_and_resumes(tmp_path):
    fam = get_case("sd2-ii")
    problem = family_problem(fam, "fixed")
    full = track(fam, d_from=12.0, d_to=7.0)
    from dataclasses import replace
    from spurious.continuation import ArclengthSettings
    settings = ArclengthSettings(**full.settings)
    half = continue_branch(problem, full.x[0], full.d[0], replace(settings, max_steps=6))
    path = tmp_path / "b.json"
    half.save(path)
    resumed = continue_branch(problem, None, None, settings, branch=Branch.load(path))
    assert len(resumed.d) == len(full.d)
    np.testing.assert_allclose(resumed.d, full.d, atol=1e-12)
    np.testing.assert_allclose(np.array(resumed.x), np.array(full.x), atol=1e-12)
    assert [e.d for e in resumed.events] == pytest.approx([e.d for e in full.events], abs=1e-12)


def test_trainable_branch_has_the_same_events():
    fam = get_case("sd1-ii")
    a = track(fam, d_from=12.0, d_to=5.0, setting="fixed")
    b = track(fam, d_from=12.0, d_to=5.0, setting="trainable")
    ea = [(e.kind, round(e.d, 9)) for e in a.events]
    eb = [(e.kind, round(e.d, 9)) for e in b.events]
    assert ea == eb and ea


def run(*args):
    return subprocess.run([sys.executable, "-m", "spurious", *args], capture_output=True, text=True)


def test_track_and_plot_commands(tmp_path):
    out = tmp_path / "branch.json"
    res = run("track", "sd1-i", "--d-from", "8", "--d-to", "5", "--out", str(out), "--json")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["events"][0]["kind"] == "stability"
    assert Branch.load(out).metadata["case"] == "sd1-i"
    png = tmp_path / "branch.png"
    res = run("plot", str(out), "--out", str(png))
    assert res.returncode == 0, res.stderr
    assert png.stat().st_size > 1000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = run("track", "sd1-i", "--d-from", "2")
    assert bad.returncode == 2 and bad.stderr.startswith("spurious: error:")
