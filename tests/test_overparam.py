"""Over-parameterisation (k = d + m): the extra-row kernels, the embeddings, their spectra and
the descent to new critical points, each checked against something independent of the code
that produced it (the full-space kernels and eigvalsh, finite differences, a random search
over the whole sphere, the loss itself)."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from scipy.optimize import minimize

from spurious.cases.catalogue import families, get_case
from spurious.cases.family import point_from_seed
from spurious.cases.overparam import (SPLIT_GENERIC, SPLIT_SPECIAL, ZERO, Embedding, OverparamError, analyse,
                                      descend, embedded_structure, embeddings_for, mp_embedded_test,
                                      negative_counts)
from spurious.cases.point import critical_point
from spurious.kernels import FixedPointSpace, block_derivatives, mp_block_derivatives
from spurious.kernels.api import SEPARATED_PARALLEL_TOL, embed, gradient, hessian, loss, project

FAMILIES = [f.name for f in families()]


def _chain(st, d):
    """The 0/1 matrix from block parameters to the full (W.ravel(), a)."""
    cols = []
    for i in range(st.size):
        e = np.zeros(st.size)
        e[i] = 1.0
        W, a = embed(st, e, d)
        W0, a0 = embed(st, 0 * e, d)
        cols.append(np.concatenate([(W - W0).ravel(), (a - a0) if st.trainable else []]))
    return np.array(cols).T


@pytest.mark.parametrize("sizes", [("n", 1), ("n", 1, 2)])
@pytest.mark.parametrize("trainable", [False, True])
@pytest.mark.parametrize("m", [1, 2])
def test_extra_rows_match_the_full_space(sizes, trainable, m):
    """(B6): loss, gradient and Hessian of the block structure with extra rows equal the
    full-space kernels (k = d + m rows, d columns) through the chain rule, at integer d."""
    st = FixedPointSpace(sizes, trainable, m)
    d = 7
    x = np.random.default_rng(len(sizes) + 10 * m + trainable).normal(size=st.size)
    W, a = embed(st, x, d)
    assert W.shape == (d + m, d)
    V, b = np.eye(d), np.ones(d)
    bd = block_derivatives(st, x, d)
    J = _chain(st, d)
    gW, ga = gradient(W, a, V, b)
    g = np.concatenate([gW.ravel(), ga if trainable else []])
    assert abs(bd.loss - loss(W, a, V, b)) < 1e-12
    assert np.max(np.abs(J.T @ g - bd.grad)) < 1e-12
    assert np.max(np.abs(J.T @ hessian(W, a, V, b, trainable) @ J - bd.hess)) < 1e-11
    assert project(st, W, a, d)[1] < 1e-14


def test_extra_rows_in_mpmath_agree_with_float64():
    st = FixedPointSpace(("n", 2), True, 2)
    x = np.random.default_rng(3).normal(size=st.size)
    bf = block_derivatives(st, x, 7.25)
    bm = mp_block_derivatives(st, list(x), 7.25, 30)
    assert abs(float(bm.loss) - bf.loss) < 1e-13
    assert np.max(np.abs(np.array(bm.hess, dtype=float) - bf.hess)) < 1e-11
    assert np.max(np.abs(np.array(bm.grad_d, dtype=float) - bf.grad_d)) < 1e-11


def test_bad_embeddings_are_refused():
    with pytest.raises(OverparamError, match="m must be"):
        Embedding(SPLIT_GENERIC, 0)
    with pytest.raises(OverparamError, match="positive weights"):
        Embedding(SPLIT_GENERIC, 1, (Fraction(1, 2), Fraction(1, 3)))
    with pytest.raises(OverparamError, match="unknown embedding"):
        Embedding("merge", 1)
    with pytest.raises(OverparamError, match="no special neuron"):
        embedded_structure(get_case("sd-ii"), "fixed", Embedding(SPLIT_SPECIAL, 1))
    fam = get_case("sd1-i")
    with pytest.raises(OverparamError, match="needs d >"):
        analyse(fam, "fixed", Embedding(SPLIT_GENERIC, 1), point_from_seed(fam, "fixed", 5.0), 5.0)


def _full_check(point, d, trainable):
    W, a = point.full()
    V, b = np.eye(d), np.ones(d)
    H = hessian(W, a, V, b, trainable, SEPARATED_PARALLEL_TOL)
    gW, ga = gradient(W, a, V, b, SEPARATED_PARALLEL_TOL)
    grad = max(np.max(np.abs(gW)), np.max(np.abs(ga)) if trainable else 0.0)
    full = np.linalg.eigvalsh(H)
    reduced = point.spectrum.expanded()
    assert full.shape == reduced.shape
    return float(np.max(np.abs(full - reduced))), grad, W.shape


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("setting", ["fixed", "trainable"])
def test_split_spectrum_equals_eigvalsh_of_the_full_hessian(name, setting):
    """Done-when of the issue: at integer d and k = d + m the reduced spectrum (gauge modes
    included) equals eigvalsh of the full (d+m) d (+ (d+m)) Hessian, for m = 1, 2; the split
    keeps the loss to rounding; the full-space gradient vanishes."""
    fam = get_case(name)
    if setting not in fam.settings:
        pytest.skip(f"{name} has no {setting} setting")
    d = 8
    x = point_from_seed(fam, setting, float(d))
    for m in (1, 2):
        for emb in embeddings_for(fam, m):
            if emb.kind == ZERO:
                continue
            p = analyse(fam, setting, emb, x, float(d))
            dev, grad, shape = _full_check(p, d, setting == "trainable")
            assert shape == (d + m, d)
            assert dev < 5e-9, (emb.label, m, dev)  # equal eigenvalues within 1e-9 are merged (MERGE_RTOL)
            assert grad < 1e-10
            assert abs(p.loss - p.family_loss) < 1e-13


def test_split_weights_change_eigenvalues_not_the_kind():
    fam = get_case("sd2-i")
    x = point_from_seed(fam, "fixed", 9.0)
    kinds = set()
    for w in ((Fraction(1, 2), Fraction(1, 2)), (Fraction(1, 5), Fraction(4, 5))):
        p = analyse(fam, "fixed", Embedding(SPLIT_SPECIAL, 1, w), x, 9.0)
        assert _full_check(p, 9, False)[0] < 1e-12
        kinds.add((p.kind, p.morse_index))
    assert len(kinds) == 1


def test_the_negative_direction_of_a_split_is_real():
    """Independent of the parallel limit in the kernels: central differences of the full
    gradient (default threshold, at points where the copies are no longer parallel) along
    the most negative eigenvector converge to H v, and the loss drops by lambda h^2 / 2."""
    fam = get_case("sd1-i")
    d = 8
    x = point_from_seed(fam, "fixed", float(d))
    p = analyse(fam, "fixed", Embedding(SPLIT_SPECIAL, 1), x, float(d))
    assert p.kind == "saddle" and p.lambda_min < -0.05
    W, a = p.full()
    V, b = np.eye(d), np.ones(d)
    H = hessian(W, a, V, b, False, SEPARATED_PARALLEL_TOL)
    lam, U = np.linalg.eigh(H)
    v = U[:, 0]
    assert abs(lam[0] - p.lambda_min) < 1e-12

    def grad(z):
        return gradient(z.reshape(W.shape), a, V, b)[0].ravel()

    z = W.ravel()
    errors = []
    for h in (1e-3, 1e-4):
        fd = (grad(z + h * v) - grad(z - h * v)) / (2 * h)
        errors.append(np.max(np.abs(H @ v - fd)))
        drop = loss((z + h * v).reshape(W.shape), a, V, b) - loss(W, a, V, b)
        assert drop < 0 and abs(drop / (0.5 * lam[0] * h * h) - 1) < 0.05
    assert errors[1] < 0.2 * errors[0] and errors[1] < 1e-4  # O(h): F is C^2, not C^3, at parallel rows


@pytest.mark.parametrize("name", ["sd1-i", "sd2-i", "sd-ii"])
def test_zero_neuron_one_sided_derivative(name):
    """phi from the block kernels equals the full-space loss difference along the direction
    found, and a random search over the whole sphere of R^d finds nothing lower."""
    fam = get_case(name)
    d = 9
    x = point_from_seed(fam, "fixed", float(d))
    p = analyse(fam, "fixed", Embedding(ZERO, 1), x, float(d))
    W, a = embed(fam.structure("fixed"), x, d)
    V, b = np.eye(d), np.ones(d)
    L0 = loss(W, a, V, b)

    def phi(u):
        u = u / np.linalg.norm(u)
        return loss(np.vstack([W, u]), np.ones(d + 1), V, b) - L0 - 0.25

    st = FixedPointSpace(("n", 1) + fam.structure("fixed").sizes[1:], False)
    u = np.concatenate([[v] * n for v, n in zip(p.direction.values(), st.integer_sizes(d))])
    assert abs(np.linalg.norm(u) - 1) < 1e-9
    assert abs(phi(u) - p.phi_min) < 1e-12
    rng = np.random.default_rng(0)
    searched = min(minimize(phi, rng.normal(size=d), method="BFGS").fun for _ in range(12))
    assert searched > p.phi_min - 1e-8
    assert p.kind == "saddle" and p.phi_min < -0.01
    assert analyse(fam, "trainable", Embedding(ZERO, 1), point_from_seed(fam, "trainable", float(d)),
                   float(d)).kind == "saddle"


def test_embedded_crossing_is_the_family_crossing():
    """The family's null vector, embedded, is a null vector of the k = d + m Hessian
    (H_over E = C H_family), so the split point changes its index at the family's d*: the two
    refinements (different structures, monitors and blocks) agree digit for digit."""
    from spurious.api import refine_case
    from spurious.continuation import refine_zero
    from spurious.cases.problem import family_mp_problem

    fam = get_case("sd1-i")
    res = refine_case(fam, "fixed", 20, d_max=8)
    c = res.crossings[0]
    emb = Embedding(SPLIT_SPECIAL, 1)
    x = np.array(list(c.params.values()))
    d0 = float(c.d_star)
    below, above = (negative_counts(analyse(fam, "fixed", emb, x, d0 + h)) for h in (-1e-4, 1e-4))
    label = c.representation
    assert below[label] != above[label]
    test = mp_embedded_test(fam, "fixed", emb, label, min(below[label], above[label]))
    got = refine_zero(family_mp_problem(fam, "fixed"), test, x, d0 - 1e-6, d0 + 1e-6, 20)
    assert got.digits_verified == 20
    assert got.d_star == c.d_star


def test_descent_reaches_a_spurious_minimum_of_the_overparameterised_problem():
    """sd1-i with one neuron added by splitting its special neuron: the descent in the fixed
    space ends at a new critical point with lower loss; at integer d its full-space gradient
    vanishes and its reduced spectrum equals eigvalsh of the full Hessian (both settings); it
    is a minimum at d = 12 and a saddle at d = 6 (full Hessian)."""
    fam = get_case("sd1-i")
    x = point_from_seed(fam, "fixed", 12.0)
    res = descend(fam, Embedding(SPLIT_SPECIAL, 1), x, 12.0)
    assert res.status == "critical point" and res.loss < res.start_loss
    child = res.family
    assert child.extra_rows == 1
    for setting in ("fixed", "trainable"):
        for d in (6, 12):
            cp = critical_point(child, setting, float(d))
            W, a = embed(child.structure(setting), cp.params, d)
            tr = setting == "trainable"
            V, b = np.eye(d), np.ones(d)
            gW, ga = gradient(W, a, V, b)
            assert max(np.max(np.abs(gW)), np.max(np.abs(ga)) if tr else 0) < 1e-10
            full = np.linalg.eigvalsh(hessian(W, a, V, b, tr))
            assert np.max(np.abs(full - cp.spectrum.expanded())) < 1e-11
            n_neg = int(np.sum(full < -1e-9))
            assert (n_neg == 0) == (d == 12)
            assert cp.loss > 1e-3  # spurious


def test_mp_test_function_matches_float():
    fam = get_case("sd2-i")
    emb = Embedding(SPLIT_GENERIC, 1)
    x = point_from_seed(fam, "fixed", 9.5)
    p = analyse(fam, "fixed", emb, x, 9.5)
    label = "std(S_{d-3})"
    with mpmath.workdps(30):
        f = mp_embedded_test(fam, "fixed", emb, label, 0)
        value = f([mpmath.mpf(v) for v in x], mpmath.mpf(9.5))
    assert abs(float(value) - p.spectrum.blocks[label][0]) < 1e-12


@pytest.mark.parametrize("kind", [SPLIT_SPECIAL, SPLIT_GENERIC])
def test_split_spectrum_in_float64_agrees_with_mpmath(kind):
    """The float64 blocks at a split point against the same monitors in mpmath at 40 digits:
    an exactly parallel pair computed with rounding must take the exact limit (angle 0), or the
    float blocks are off by ~sqrt(eps) (the eigvalsh comparison, sharing the kernels, cannot see it)."""
    from spurious.cases.monitors import family_monitors
    from spurious.kernels.contexts import MPMATH

    fam = get_case("sd2-i")
    emb = Embedding(kind, 2)
    x = point_from_seed(fam, "fixed", 9.5)
    p = analyse(fam, "fixed", emb, x, 9.5)
    es = embedded_structure(fam, "fixed", emb)
    with mpmath.workdps(40):
        xm = es.embed([mpmath.mpf(v) for v in x])
        worst = 0.0
        for monitor in family_monitors(es.structure, es.gauge):
            exact = [float(v) for v in monitor.eigenvalues(MPMATH, xm, mpmath.mpf(9.5))]
            worst = max(worst, float(np.max(np.abs(np.array(exact) - p.spectrum.blocks[monitor.label]))))
    assert worst < 1e-13


def test_cli_overparam_json_contract():
    """`overparam CASE --m M --d D --json`: the keys of the issue's contract, W of shape
    (d + m) x d for every embedding tried; with a range also refined crossings."""
    import json
    import subprocess
    import sys

    def run(*args):
        res = subprocess.run([sys.executable, "-m", "spurious", "overparam", *args], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)

    out = run("sd1-i", "--m", "2", "--d", "9", "--json")
    assert out["case"] == "sd1-i" and out["m"] == 2
    assert [p["embedding"] for p in out["points"]] == ["split-special", "split-generic", "zero-neuron"]
    for p in out["points"]:
        assert {"embedding", "d", "morse_index", "kind", "W", "a"} <= set(p)
        assert np.array(p["W"]).shape == (11, 9) and len(p["a"]) == 11
        assert p["kind"] == "saddle"
    assert any(x["status"] == "critical point" for x in out["descendants"])
    ranged = run("sd1-i", "--m", "1", "--d-from", "5.4", "--d-to", "6", "--json", "--quiet")
    stars = {(c["embedding"], c["representation"]): c["d_star"] for c in ranged["crossings"]}
    assert stars and all(c["digits_verified"] == 20 for c in ranged["crossings"])
    assert {"embedding", "d_star", "representation"} <= set(ranged["crossings"][0])
    assert len(set(stars.values())) == 1  # every embedding changes index at the family's own d*


def test_overparam_map_rows():
    """The report's map for one family: every m and embedding, kinds by interval, the zero-neuron
    samples, and the descendants with their Morse intervals (sd1-i: a minimum survives one
    special split above a refined d*, splitting a generic neuron reaches the global minimum)."""
    from spurious.cases.overparam import overparam_map

    rows = overparam_map(get_case("sd1-i"), ms=(1,), d_max=12.0, digits=10)
    by = {r["embedding"]: r for r in rows}
    assert set(by) == {"split-special", "split-generic", "zero-neuron"}
    assert all(s["kind"] == "saddle" for s in by["zero-neuron"]["samples"])
    assert {iv["kind"] for iv in by["split-special"]["intervals"]} == {"saddle"}
    special = by["split-special"]["descendant"]
    assert special["status"] == "critical point" and special["continued"]
    (lo, hi), = special["minimum"]
    star = special["crossings"][-1]
    assert abs(lo - float(star["d_star"])) < 1e-6 and hi == 12.0 and star["index_above"] == "0"
    assert by["split-generic"]["descendant"]["status"] == "global minimum"


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in FAMILIES if n != "sd-i"])
def test_every_descendant_is_a_critical_point_in_the_full_space(name):
    """Done-when of the issue: the over-parameterised critical points reached from every split
    (m = 1, 2), continued to integer d, have full-space gradient below 1e-10 and a reduced
    spectrum equal to eigvalsh of the full (d + m) d Hessian."""
    fam = get_case(name)
    x = point_from_seed(fam, "fixed", 20.0)
    checked = 0
    for m in (1, 2):
        for emb in embeddings_for(fam, m):
            if emb.kind == ZERO:
                continue
            res = descend(fam, emb, x, 20.0)
            if res.family is None:
                assert res.status in ("global minimum", "row collapsed", "parallel rows"), res.message
                continue
            for d in (12, 20):
                cp = critical_point(res.family, "fixed", float(d))
                W, a = embed(res.family.structure("fixed"), cp.params, d)
                V, b = np.eye(d), np.ones(d)
                gW, _ = gradient(W, a, V, b)
                assert np.max(np.abs(gW)) < 1e-10
                full = np.linalg.eigvalsh(hessian(W, a, V, b))
                assert np.max(np.abs(full - cp.spectrum.expanded())) < 5e-9
                checked += 1
    assert checked
