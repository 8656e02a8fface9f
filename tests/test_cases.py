"""The catalogue and the isotypic spectrum, checked against the full space at integer d."""
import json
import subprocess
import sys

import numpy as np
import pytest

from spurious.cases import FamilyError, critical_point, families, get_case
from spurious.cases.catalogue import DEFINITIONS
from spurious.kernels import embed, gradient, hessian

FAMILIES = [f.name for f in families()]


def full_space(cp, setting):
    fam = get_case(cp.case)
    st = fam.structure(setting)
    d = int(round(cp.d))
    W, a = embed(st, cp.params, d)
    I, one = np.eye(d), np.ones(d)
    return W, a, I, one


def test_catalogue_has_every_family_of_the_issue():
    assert FAMILIES == ["sd-i", "sd-ii", "sd1-i", "sd1-ii", "sd2-i", "sd2-ii", "sd3-i"]


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("setting", ["fixed", "trainable"])
def test_spectrum_equals_full_hessian_at_integer_d(name, setting):
    fam = get_case(name)
    for d in (fam.q + 5, 11):
        cp = critical_point(fam, setting, d)
        W, a, I, one = full_space(cp, setting)
        gW, ga = gradient(W, a, I, one)
        full_grad = np.concatenate([gW.ravel(), ga]) if setting == "trainable" else gW.ravel()
        assert np.linalg.norm(full_grad) < 1e-10
        eig = np.linalg.eigvalsh(hessian(W, a, I, one, setting == "trainable"))
        reduced = cp.spectrum.expanded()
        assert reduced.shape == eig.shape
        scale = np.max(np.abs(eig))
        np.testing.assert_allclose(reduced, eig, rtol=0, atol=1e-9 * scale)
        if setting == "trainable":
            assert sum(m for _, m in cp.spectrum.zero_modes) == pytest.approx(d)
            assert all(abs(v) < 1e-10 for v, _ in cp.spectrum.zero_modes)


@pytest.mark.parametrize("name", FAMILIES)
def test_fixed_and_trainable_have_the_same_morse_index(name):
    fam = get_case(name)
    for d in (fam.q + 4, fam.q + 6, 12):
        fixed = critical_point(fam, "fixed", d)
        trainable = critical_point(fam, "trainable", d)
        assert fixed.loss == pytest.approx(trainable.loss, abs=1e-13)
        assert fixed.morse_index == trainable.morse_index


@pytest.mark.parametrize("name", ["sd1-i", "sd2-ii", "sd3-i"])
def test_fractional_point_lies_smoothly_between_integer_neighbours(name):
    fam = get_case(name)
    d0 = fam.q + 6
    x0, xh, x1 = (critical_point(fam, "fixed", d).params for d in (d0, d0 + 0.5, d0 + 1))
    # a smooth branch: the midpoint is the mean up to a second-order term
    assert np.max(np.abs(xh - (x0 + x1) / 2)) < 0.1 * np.max(np.abs(x1 - x0)) + 1e-12
    # and it is the same point when approached from another seed distance
    again = critical_point(fam, "fixed", d0 + 0.5).params
    np.testing.assert_allclose(again, xh, atol=1e-13)


def test_seeds_match_their_definition_and_no_other():
    for fam in families():
        st = fam.structure("fixed")
        for seed in fam.seeds[:1]:
            matching = [df.name for df in DEFINITIONS if df.q == fam.q and df.matches(seed.params, st.names)]
            assert matching == [fam.name]


def test_out_of_range_and_unknown_case_are_clear_errors():
    with pytest.raises(FamilyError, match="outside the range"):
        critical_point(get_case("sd1-i"), "fixed", 3.5)
    with pytest.raises(FamilyError, match="unknown case"):
        get_case("sd9-x")
    with pytest.raises(FamilyError, match="unknown setting"):
        critical_point(get_case("sd1-i"), "both", 6)


@pytest.mark.slow
def test_catalogue_is_reproduced_by_its_provenance_command(tmp_path):
    from importlib import resources
    stored = json.loads(resources.files("spurious.cases.data").joinpath("catalogue.json").read_text())
    command = stored["provenance"]["command"].split()
    assert command[:3] == ["python", "-m", "spurious.cases.build_catalogue"]
    if "--discovery-runs" in command:  # the discovery counts annotate; the numbers come from the scan
        i = command.index("--discovery-runs")
        del command[i:i + 2]
    out = tmp_path / "catalogue.json"
    subprocess.run([sys.executable] + command[1:] + ["--out", str(out)], check=True, capture_output=True)
    rebuilt = json.loads(out.read_text())
    assert [f["name"] for f in rebuilt["families"]] == [f["name"] for f in stored["families"]]
    for new, old in zip(rebuilt["families"], stored["families"]):
        for s_new, s_old in zip(new["seeds"], old["seeds"]):
            np.testing.assert_allclose(s_new["params"], s_old["params"], atol=1e-12)


@pytest.mark.parametrize("d", [4.0, 7.3, 50.0])
def test_global_minimum_spectrum_has_its_closed_form_eigenvalues(d):
    """At W = I the [d-2,1,1] and [d-2,2] blocks (which live only in the off-diagonal entries)
    are 1/4 -+ 1/(2 pi) for every d: at two orthonormal rows F_C = 1/4 and F_CC = 1/(2 pi).
    A closed form, independent of the isotypic construction."""
    cp = critical_point(get_case("sd-i"), "fixed", d)
    blocks = cp.spectrum.blocks
    assert blocks["[d-2,1,1](S_{d})"][0] == pytest.approx(0.25 - 1 / (2 * np.pi), abs=1e-13)
    assert blocks["[d-2,2](S_{d})"][0] == pytest.approx(0.25 + 1 / (2 * np.pi), abs=1e-13)
    assert cp.lambda_min == pytest.approx(0.25 - 1 / (2 * np.pi), abs=1e-13)


def test_special_index_labels_match_the_full_space_eigenvectors():
    """sd2-i at d = 6: the eigenvalue labelled `x sign(S_2)` has a full-space eigenvector that
    changes sign when the two special indices are swapped; `x trivial(S_2)` ones do not."""
    fam = get_case("sd2-i")
    cp = critical_point(fam, "fixed", 6)
    W, a, I, one = full_space(cp, "fixed")
    vals, vecs = np.linalg.eigh(hessian(W, a, I, one))
    p = np.arange(6)
    p[4], p[5] = 5, 4  # the special block is the last two indices
    perm = (p[:, None] * 6 + p[None, :]).ravel()
    checked = 0
    for e in cp.spectrum.entries:
        if e.multiplicity != 1:
            continue
        k = int(np.argmin(np.abs(vals - e.eigenvalue)))
        if np.sum(np.abs(vals - e.eigenvalue) < 1e-9) != 1:
            continue  # not a simple eigenvalue of the full Hessian
        v = vecs[:, k]
        sign = -1.0 if "sign(S_2)" in e.representation else 1.0
        np.testing.assert_allclose(v[perm], sign * v, atol=1e-8)
        checked += 1
    assert checked >= 4
