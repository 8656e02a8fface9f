"""Branches born at the catalogue's crossings (cases/branching.py, issue #14 first part): found by
switching on the fixed space of an axial subgroup, classified as representation theory
predicts, and checked in the full space at integer d."""
import json
from fractions import Fraction

import numpy as np
import pytest

from spurious.api import refine_case
from spurious.cases import get_case
from spurious.cases.branching import axial_subgroups, branches_at_crossing
from spurious.cases.certify import check_certificate
from spurious.cases.family import FamilyError


def _crossings(case):
    return {c.representation: float(c.d_star) for c in refine_case(case, "fixed", digits=20).crossings}


def _check_samples(nb, at_least):
    assert len(nb.samples) >= at_least
    for s in nb.samples:
        assert s["gradient_max"] < 1e-10  # a critical point of the full problem
        assert s["spectrum_error"] < 1e-10  # reduced spectrum == eigvalsh of the full Hessian
        W = np.array(s["W"])
        k = W.shape[0]
        # isotropy: rows k-2 and k-1 (the split index and the old special one) are not images
        # of each other or of the generic rows under the parent's group
        assert abs(W[k - 2, k - 2] - W[0, 0]) > 1e-6


def test_sd1i_std_crossing_gives_a_transcritical_branch():
    d_star = _crossings("sd1-i")["std(S_{d-1})"]
    nbs = branches_at_crossing(get_case("sd1-i"), "std(S_{d-1})", d_star, max_j=1)
    (nb,) = nbs
    assert nb.isotropy == "Delta(S_{d-2} x S_1 x S_1)"
    assert nb.kind == nb.expected == "transcritical" and nb.side == "both"
    # the branch passes through the parent's point at d*: the switched points are O(h) from it
    for p in nb.switch.points:
        assert abs(p.d - d_star) < 1e-2
    assert len(nb.branches) == 2 and all(len(b) > 2 for b in nb.branches)
    _check_samples(nb, 3)
    assert all(s["morse_index"] >= 1 for s in nb.samples)  # saddles above d*


def test_sd2i_sign_crossing_gives_a_pitchfork():
    d_star = _crossings("sd2-i")["trivial(S_{d-2}) x sign(S_2)"]
    (nb,) = branches_at_crossing(get_case("sd2-i"), "trivial(S_{d-2}) x sign(S_2)", d_star)
    assert nb.isotropy == "Delta(S_{d-2} x S_1 x S_1)"
    assert nb.kind == nb.expected == "pitchfork" and nb.side == "above"
    _check_samples(nb, 2)
    # its own stability change, refined and certified (existence and uniqueness), re-checkable
    (own,) = nb.crossings
    assert own["representation"] == "std(S_{d-2})" and own["digits"] >= 32 and own["certified"]
    lo, hi = (Fraction(v) for v in own["d_star_enclosure"])
    assert lo < Fraction(own["d_star"]) + Fraction(1, 10 ** 38) and Fraction(own["d_star"]) - Fraction(1, 10 ** 38) < hi
    claims = check_certificate(json.loads(json.dumps(own["certificate"])))
    assert all(holds for _, holds, _ in claims)


def test_unsupported_component_says_why():
    with pytest.raises(FamilyError, match="not of the block-diagonal form"):
        axial_subgroups(get_case("sd-ii"), "[d-2,1,1](S_{d})")
    kinds = [a.expected for a in axial_subgroups(get_case("sd3-i"), "trivial(S_{d-3}) x standard(S_3)")]
    assert kinds == ["transcritical"]


def test_branches_command_json_contract_and_figure(tmp_path, monkeypatch, capsys):
    import json

    from spurious.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["branches", "sd2-i", "--crossing", "0", "--json", "--out", "born.png", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["case"] == "sd2-i" and len(data["crossings"]) == 1
    c = data["crossings"][0]
    assert set(c) >= {"d_star", "representation", "branches"} and c["representation"] == "trivial(S_{d-2}) x sign(S_2)"
    (b,) = c["branches"]
    assert set(b) >= {"isotropy", "kind", "side", "events", "samples"} and b["kind"] == "pitchfork"
    s = b["samples"][0]
    assert set(s) >= {"d", "W", "a", "loss", "morse_index"}
    W = np.array(s["W"])
    assert W.shape == (s["d"], s["d"]) and len(s["a"]) == s["d"]
    assert (tmp_path / "born.png").stat().st_size > 1000
    assert data["graph"]["edges"][0]["from"] == "sd2-i"
    assert main(["branches", "sd2-i", "--out", "born.png", "--quiet"]) == 2  # exists: --force needed
