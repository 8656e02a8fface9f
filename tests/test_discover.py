"""Discovery from random starts: isotropy identification, polishing, reproducibility."""
import numpy as np
import pytest

from spurious.cases import critical_point, get_case
from spurious.cases.discover import align_rows, discover, isotropy_blocks
from spurious.kernels import BlockStructure, embed, gradient, project


@pytest.fixture(scope="module")
def fixed8():
    return discover("fixed", 8, 40, seed=0)


def test_finds_the_global_minimum_and_type_a(fixed8):
    families = {p.family: p for p in fixed8.points}
    assert "sd-i" in families and "sd1-i" in families
    assert families["sd-i"].isotropy == "Delta S_8" and abs(families["sd-i"].loss) < 1e-12
    assert families["sd1-i"].isotropy == "Delta(S_7 x S_1)"
    # the same point as the catalogue's, reached independently
    assert families["sd1-i"].loss == pytest.approx(critical_point(get_case("sd1-i"), "fixed", 8).loss, abs=1e-12)
    assert sum(p.runs for p in fixed8.points) == fixed8.runs - fixed8.not_converged


def test_every_point_is_a_critical_point_of_the_full_loss(fixed8):
    for p in fixed8.points:
        sizes = list(p.sizes)
        sizes[0] = "n" if sizes[0] >= 2 else sizes[0]
        st = BlockStructure(tuple(sizes), False)
        W, a = embed(st, np.array(list(p.params.values())), 8)
        gW, _ = gradient(W, a, np.eye(8), np.ones(8))
        assert np.linalg.norm(gW) <= 1e-10


def test_reproducible_for_any_number_of_workers():
    one = discover("fixed", 6, 6, workers=1, seed=3)
    two = discover("fixed", 6, 6, workers=2, seed=3)
    assert [(p.isotropy, round(p.loss, 12), p.runs) for p in one.points] == \
           [(p.isotropy, round(p.loss, 12), p.runs) for p in two.points]


def test_trainable_points_have_d_rescaling_zero_modes():
    res = discover("trainable", 6, 10, seed=1)
    assert res.points
    for p in res.points:
        assert p.zero_modes == 6
        assert p.grad_norm <= 1e-10


def test_isotropy_of_a_constructed_point_after_a_random_permutation():
    st = BlockStructure(("n", 2, 1), False)
    x = np.array([0.9, 0.05, -0.7, 0.1, 0.4, 0.2, 0.3, 0.15, 0.25, 0.35, 0.45])[:st.size]
    W, a = embed(st, x, 9)
    rng = np.random.default_rng(0)
    P, Q = rng.permutation(9), rng.permutation(9)
    Wp = W[P][:, Q]  # neurons and inputs permuted independently: a symmetry of the loss
    Wa, aa = align_rows(Wp, a[P])
    blocks = isotropy_blocks(Wa, aa)
    assert [len(b) for b in blocks] == [6, 2, 1]
    perm = np.concatenate(blocks)
    xr, residual = project(st, Wa[perm][:, perm], aa[perm], 9)
    assert residual < 1e-12
    np.testing.assert_allclose(xr, x, atol=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="setting"):
        discover("both", 6, 3)
    with pytest.raises(ValueError, match="integer"):
        discover("fixed", 1, 3)
    with pytest.raises(ValueError, match="at least 1"):
        discover("fixed", 6, 0)
