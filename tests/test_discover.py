"""Discovery from random starts: what it finds, criticality, isotropy identification,
reproducibility, bad input."""
import json

import numpy as np
import pytest

from spurious.cases import critical_point, get_case
from spurious.cases.discover import (align_rows, balance_neurons, canonical_form, discover,
                                     isotropy_blocks, isotropy_label)
from spurious.kernels import FixedPointSpace, embed, gradient, loss


def full_gradient_norm(W, a, trainable):
    d = W.shape[0]
    gW, ga = gradient(W, a, np.eye(d), np.ones(d))
    return float(np.linalg.norm(np.concatenate([gW.ravel(), ga if trainable else []])))


@pytest.fixture(scope="module")
def fixed8():
    return discover("fixed", 8, 40, seed=0)


@pytest.fixture(scope="module")
def trainable6():
    return discover("trainable", 6, 15, seed=0)


# ------------------------------------------------------------------ fixed
def test_fixed_d8_finds_the_global_minimum_and_type_a(fixed8):
    by_family = {p.family: p for p in fixed8.points}
    assert {"sd-i", "sd1-i"} <= set(by_family)
    gm, a1 = by_family["sd-i"], by_family["sd1-i"]
    assert gm.isotropy == "Delta S_8" and gm.sizes == [8] and abs(gm.loss) < 1e-12
    np.testing.assert_allclose([gm.params["D1"], gm.params["O1"]], [1.0, 0.0], atol=1e-12)
    assert a1.isotropy == "Delta(S_7 x S_1)" and a1.sizes == [7, 1] and a1.structure == ["n", 1]
    assert a1.morse_index == 0 and a1.lambda_min > 0  # type A is a spurious local minimum
    # the same point as the catalogue's, reached independently
    assert a1.loss == pytest.approx(critical_point(get_case("sd1-i"), "fixed", 8).loss, abs=1e-12)


def test_fixed_d8_every_point_is_a_critical_point_of_the_full_loss(fixed8):
    for p in fixed8.points:
        st = FixedPointSpace(tuple(p.structure), False)
        W, a = embed(st, np.array(list(p.params.values())), 8)
        assert np.all(a == 1.0)
        assert full_gradient_norm(W, a, False) <= 1e-10
        assert loss(W, a, np.eye(8), np.ones(8)) == pytest.approx(p.loss, abs=1e-14)
        assert p.zero_modes == p.expected_zero_modes == 0 and not p.degenerate


def test_fixed_d8_run_counts_add_up(fixed8):
    assert sum(p.runs for p in fixed8.points) == fixed8.runs - fixed8.not_converged
    assert fixed8.not_converged == sum(fixed8.failures.values())
    losses = [p.loss for p in fixed8.points]
    assert losses == sorted(losses)


def test_result_is_json_ready_and_tabulates(fixed8):
    out = json.loads(json.dumps(fixed8.as_dict()))
    assert out["d"] == 8 and out["runs"] == 40 and len(out["points"]) == len(fixed8.points)
    assert {"isotropy", "loss", "lambda_min", "morse_index", "runs", "family", "params", "sizes",
            "zero_modes"} <= set(out["points"][0])
    table = fixed8.table().splitlines()
    assert len(table) == 2 + len(fixed8.points) + len(fixed8.failures)
    assert "Delta(S_7 x S_1)" in fixed8.table() and "sd1-i" in fixed8.table()


def test_progress_is_called_after_every_run():
    calls = []
    discover("fixed", 4, 3, seed=5, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_reproducible_for_any_number_of_workers():
    def key(res):
        out = res.as_dict()
        del out["elapsed"], out["workers"]
        return out

    one = discover("fixed", 6, 8, workers=1, seed=3)
    two = discover("fixed", 6, 8, workers=2, seed=3)
    assert key(one) == key(two)


# -------------------------------------------------------------- trainable
def test_trainable_limits_are_critical_points_with_d_rescaling_zero_modes(trainable6):
    res = trainable6
    assert sum(p.runs for p in res.points) == res.runs - res.not_converged
    assert any(p.family == "sd-i" for p in res.points)
    for p in res.points:
        W, a = p.embed()
        if p.degenerate:
            # more zero modes than the d rescalings: a manifold of critical points, which
            # discovery must explain (so far always by parallel neurons) -- never hide
            assert p.zero_modes > 6
            assert any(n.startswith("parallel neurons") for n in p.notes)
            continue
        assert p.zero_modes == 6
        assert full_gradient_norm(W, a, True) <= 1e-10
        # balanced gauge |w_i| = |a_i|
        np.testing.assert_allclose(np.linalg.norm(W, axis=1), np.abs(a), rtol=1e-10)
    assert sum(not p.degenerate for p in res.points) >= 1


def test_trainable_family_match_rescales_the_second_layer(trainable6):
    gm = next(p for p in trainable6.points if p.family == "sd-i")
    assert gm.isotropy == "Delta S_6" and abs(gm.loss) < 1e-12
    np.testing.assert_allclose([gm.params["D1"], gm.params["a1"]], [1.0, 1.0], atol=1e-12)


# --------------------------------------------------- isotropy identification
def scrambled(W, a, rng, independent=True):
    """A simultaneous random permutation of rows and columns (and of ``a``), then, if
    ``independent``, a further permutation of the neurons alone -- both symmetries of the loss."""
    d = W.shape[0]
    P = rng.permutation(d)
    W, a = W[P][:, P], a[P]
    if independent:
        R = rng.permutation(d)
        W, a = W[R], a[R]
    return W, a


X_211 = np.array([0.9, 0.05, -0.7, 0.1, 0.4, 0.2, 0.3, 0.15, 0.25, 0.35, 0.45])


def test_isotropy_of_a_constructed_point_after_a_random_permutation():
    st = FixedPointSpace(("n", 2, 1), False)
    W, a = embed(st, X_211, 9)
    rng = np.random.default_rng(0)
    for independent in (False, True):
        Ws, as_ = scrambled(W, a, rng, independent)
        Wa, aa = align_rows(Ws, as_)
        assert [len(b) for b in isotropy_blocks(Wa, aa)] == [6, 2, 1]
        st2, x, blocks, residual = canonical_form(Ws, as_, 9, False)
        assert st2 == st and residual < 1e-12
        np.testing.assert_allclose(x, X_211, atol=1e-14)


def test_isotropy_survives_noise_below_the_tolerance():
    st = FixedPointSpace(("n", 2, 1), False)
    W, a = embed(st, X_211, 9)
    rng = np.random.default_rng(1)
    Wn = W + 1e-9 * rng.normal(size=W.shape)
    Ws, as_ = scrambled(Wn, a, rng)
    st2, x, _, _ = canonical_form(Ws, as_, 9, False)
    assert st2 == st
    np.testing.assert_allclose(x, X_211, atol=1e-8)
    # noise well above the tolerance breaks the symmetry
    Wbig = W + 1e-3 * rng.normal(size=W.shape)
    assert isotropy_label([len(b) for b in isotropy_blocks(Wbig, a)]) == "trivial"


def test_trainable_constructed_point_with_random_rescalings():
    st = FixedPointSpace(("n", 1), True)
    x = np.array([0.95, 0.03, -0.6, 0.2, 0.15, 1.1, 0.8])  # D1 O1 D2 P12 P21 a1 a2
    W, a = embed(st, x, 7)
    rng = np.random.default_rng(2)
    c = rng.uniform(0.3, 3.0, size=7)  # (w_i, a_i) -> (c_i w_i, a_i / c_i): a symmetry
    Ws, as_ = scrambled(W * c[:, None], a / c, rng)
    st2, x2, blocks, residual = canonical_form(Ws, as_, 7, True)
    assert st2 == st and [len(b) for b in blocks] == [6, 1] and residual < 1e-12
    x_bal = canonical_form(*balance_neurons(W, a), 7, True)[1]  # the unscrambled point, balanced
    np.testing.assert_allclose(x2, x_bal, atol=1e-13)
    Wc, ac = embed(st, x2, 7)
    np.testing.assert_allclose(np.linalg.norm(Wc, axis=1), np.abs(ac), rtol=1e-12)


def test_equal_diagonal_without_symmetry_is_split():
    # the cyclic shift: all diagonal values equal, but no transposition fixes W (its isotropy
    # Z_3 is not generated by transpositions); the candidate cluster must be split
    C = np.roll(np.eye(3), 1, axis=1)
    W = np.eye(3) + 0.3 * C
    assert isotropy_blocks(W, np.ones(3)) == [[0], [1], [2]]
    # a transposition-symmetric point next to it is kept whole
    W2 = np.eye(3) + 0.3 * (np.ones((3, 3)) - np.eye(3))
    assert isotropy_blocks(W2, np.ones(3)) == [[0, 1, 2]]
    # second-layer values separate indices with equal W
    assert [len(b) for b in isotropy_blocks(W2, np.array([1.0, 1.0, 2.0]))] == [2, 1]


def test_canonical_order_largest_block_first_ties_by_decreasing_diagonal():
    st = FixedPointSpace((3, 3), False)
    # block 0: diagonal 0.5, block 1: diagonal 1.2 -> the block with 1.2 comes first
    x = np.array([0.5, 0.1, 1.2, -0.05, 0.2, 0.3])
    W, a = embed(st, x, 6)
    blocks = isotropy_blocks(W, a)
    assert blocks == [[3, 4, 5], [0, 1, 2]]
    assert isotropy_label([3, 3]) == "Delta(S_3 x S_3)" and isotropy_label([8]) == "Delta S_8"


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("args, match", [
    (("both", 6, 3), "setting"),
    (("fixed", 1, 3), "d must be at least 2"),
    (("fixed", 6.5, 3), "d must be an integer"),
    (("fixed", 6, 0), "runs must be at least 1"),
    (("fixed", 6, True), "runs must be an integer"),
])
def test_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        discover(*args)


def test_bad_workers():
    with pytest.raises(ValueError, match="workers must be at least 1"):
        discover("fixed", 6, 3, workers=0)
