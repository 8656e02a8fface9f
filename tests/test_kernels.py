"""The kernels against independent computations (issue: foundation)."""
import mpmath
import numpy as np
import pytest

from spurious.kernels import (REAL, FixedPointSpace, block_derivatives, embed, gradient, hessian, loss,
                              mp_block_derivatives, mp_loss, project)

RNG = np.random.default_rng(12345)


def random_problem(k, d, kt, rng):
    return rng.normal(size=(k, d)), rng.normal(size=k), rng.normal(size=(kt, d)), rng.normal(size=kt)


def pack(W, a):
    return np.concatenate([W.ravel(), a])


def mp_fd_gradient(W, a, V, b, h=mpmath.mpf("1e-15")):
    """Central differences of the mpmath loss at 45 digits (truncation error ~h^2)."""
    z = pack(W, a)
    k, d = W.shape
    out = []
    with mpmath.workdps(45):
        for i in range(len(z)):
            zp = [mpmath.mpf(v) for v in z]
            zm = list(zp)
            zp[i] += h
            zm[i] -= h
            f = lambda zz: mp_loss(np.array(zz[:k * d], dtype=object).reshape(k, d), zz[k * d:], V, b, 45)
            out.append(float((f(zp) - f(zm)) / (2 * h)))
    return np.array(out)


@pytest.mark.parametrize("k,d,kt", [(3, 4, 2), (4, 4, 5)])
def test_gradient_against_mpmath_finite_differences(k, d, kt):
    W, a, V, b = random_problem(k, d, kt, RNG)
    gW, ga = gradient(W, a, V, b)
    np.testing.assert_allclose(pack(gW, ga), mp_fd_gradient(W, a, V, b), rtol=1e-10, atol=1e-11)


@pytest.mark.parametrize("trainable", [False, True])
def test_hessian_against_finite_differences_of_the_gradient(trainable):
    k, d = 3, 4
    W, a, V, b = random_problem(k, d, 2, RNG)
    H = hessian(W, a, V, b, trainable)
    n = k * d + (k if trainable else 0)
    z = pack(W, a)
    h = 1e-6
    cols = []
    for i in range(n):
        e = np.zeros(len(z))
        e[i] = h
        gp = pack(*gradient((z + e)[:k * d].reshape(k, d), (z + e)[k * d:], V, b))[:n]
        gm = pack(*gradient((z - e)[:k * d].reshape(k, d), (z - e)[k * d:], V, b))[:n]
        cols.append((gp - gm) / (2 * h))
    np.testing.assert_allclose(H, np.array(cols).T, atol=1e-7)
    np.testing.assert_allclose(H, H.T, atol=1e-15)


def test_loss_against_monte_carlo():
    rng = np.random.default_rng(7)
    for W, a, V, b in (random_problem(3, 5, 4, rng), (np.eye(5) + 0.3 * rng.normal(size=(5, 5)), np.ones(5),
                                                     np.eye(5), np.ones(5))):
        samples = []
        for _ in range(10):
            X = rng.normal(size=(100_000, W.shape[1]))
            err = np.maximum(X @ W.T, 0) @ a - np.maximum(X @ V.T, 0) @ b
            samples.append(0.5 * err ** 2)
        s = np.concatenate(samples)
        assert abs(s.mean() - loss(W, a, V, b)) < 5 * s.std() / np.sqrt(len(s))


def test_global_minimum():
    d = 5
    I, one = np.eye(d), np.ones(d)
    assert abs(loss(I, one, I, one)) < 1e-14
    gW, ga = gradient(I, one, I, one)
    assert np.max(np.abs(gW)) < 1e-14 and np.max(np.abs(ga)) < 1e-14
    for trainable in (False, True):
        H = hessian(I, one, I, one, trainable)
        assert np.all(np.isfinite(H))
        assert np.min(np.linalg.eigvalsh(H)) > -1e-12
        near = hessian(I + 1e-5 * np.random.default_rng(1).normal(size=(d, d)), one, I, one, trainable)
        assert np.max(np.abs(near - H)) < 1e-3


def test_parallel_rows_give_the_limit_hessian():
    rng = np.random.default_rng(3)
    W = rng.normal(size=(4, 4))
    W[1] = 2.0 * W[0]
    W[2] = -W[0]
    a, V, b = rng.normal(size=4), rng.normal(size=(3, 4)), rng.normal(size=3)
    H = hessian(W, a, V, b, True)
    assert np.all(np.isfinite(H))
    z = pack(W, a)
    h = 1e-6
    cols = []
    for i in range(len(z)):
        e = np.zeros(len(z))
        e[i] = h
        gp = pack(*gradient((z + e)[:16].reshape(4, 4), (z + e)[16:], V, b))
        gm = pack(*gradient((z - e)[:16].reshape(4, 4), (z - e)[16:], V, b))
        cols.append((gp - gm) / (2 * h))
    np.testing.assert_allclose(H, np.array(cols).T, atol=1e-5)


def test_permutation_invariance():
    d = 5
    rng = np.random.default_rng(4)
    W, a = rng.normal(size=(d, d)), rng.normal(size=d)
    I, one = np.eye(d), np.ones(d)
    p = rng.permutation(d)
    Wp, ap = W[p][:, p], a[p]
    assert loss(Wp, ap, I, one) == pytest.approx(loss(W, a, I, one), rel=1e-13)
    gW, ga = gradient(W, a, I, one)
    gWp, gap = gradient(Wp, ap, I, one)
    np.testing.assert_allclose(gWp, gW[p][:, p], atol=1e-13)
    np.testing.assert_allclose(gap, ga[p], atol=1e-13)
    H = hessian(W, a, I, one, True)
    perm = np.concatenate([(p[:, None] * d + p[None, :]).ravel(), d * d + p])
    np.testing.assert_allclose(hessian(Wp, ap, I, one, True), H[np.ix_(perm, perm)], atol=1e-12)


def fixed_space_basis(st, d):
    zero_W, zero_a = embed(st, np.zeros(st.size), d)
    cols = []
    for i in range(st.size):
        e = np.zeros(st.size)
        e[i] = 1.0
        W, a = embed(st, e, d)
        cols.append(np.concatenate([W.ravel(), a - zero_a]) if st.trainable else W.ravel())
    return np.array(cols).T


@pytest.mark.parametrize("sizes", [(REAL, 1), (REAL, 2), (REAL, 3), (REAL, 1, 1), (REAL,)])
@pytest.mark.parametrize("trainable", [False, True])
def test_block_structure_against_full_space(sizes, trainable):
    st = FixedPointSpace(sizes, trainable)
    rng = np.random.default_rng(len(sizes) + 10 * trainable)
    for d in (6, 7):
        x = 0.4 * rng.normal(size=st.size)
        if trainable:
            x[-len(sizes):] = 1 + 0.3 * rng.normal(size=len(sizes))
        bd = block_derivatives(st, x, d)
        W, a = embed(st, x, d)
        I, one = np.eye(d), np.ones(d)
        E = fixed_space_basis(st, d)
        gW, ga = gradient(W, a, I, one)
        g = np.concatenate([gW.ravel(), ga]) if trainable else gW.ravel()
        H = hessian(W, a, I, one, trainable)
        assert bd.loss == pytest.approx(loss(W, a, I, one), abs=1e-12)
        np.testing.assert_allclose(bd.grad, E.T @ g, atol=1e-11)
        np.testing.assert_allclose(bd.weights, np.diag(E.T @ E))
        # the full gradient lies in the fixed space: it equals E (grad / weights)
        np.testing.assert_allclose(g, E @ bd.gradient_operator(), atol=1e-11)
        np.testing.assert_allclose(bd.hess, E.T @ H @ E, atol=1e-10)
        # Hessian operator = full Hessian restricted to the (invariant) fixed space
        np.testing.assert_allclose(H @ E, E @ bd.hessian_operator(), atol=1e-10)


def test_d_derivative_of_the_gradient():
    st = FixedPointSpace((REAL, 2), True)
    x = 0.4 * np.random.default_rng(5).normal(size=st.size) + 0.5
    d = 7.3
    bd = mp_block_derivatives(st, x, d, 40)
    h = mpmath.mpf("1e-15")
    with mpmath.workdps(40):
        gp = mp_block_derivatives(st, x, mpmath.mpf(d) + h, 40).grad
        gm = mp_block_derivatives(st, x, mpmath.mpf(d) - h, 40).grad
        fd = np.array([float((gp[i] - gm[i]) / (2 * h)) for i in range(st.size)])
    np.testing.assert_allclose(block_derivatives(st, x, d).grad_d, fd, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(np.array(bd.grad_d, dtype=float), fd, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("trainable", [False, True])
def test_float_and_mpmath_paths_agree(trainable):
    st = FixedPointSpace((REAL, 1, 2), trainable)
    x = 0.4 * np.random.default_rng(6).normal(size=st.size) + 0.3
    d = 8.61
    f = block_derivatives(st, x, d)
    m30 = mp_block_derivatives(st, x, d, 30)
    m50 = mp_block_derivatives(st, x, d, 50)
    assert float(m30.loss) == pytest.approx(f.loss, rel=1e-13)
    scale = np.max(np.abs(f.hess))
    np.testing.assert_allclose(np.array(m30.grad, dtype=float), f.grad, rtol=1e-13, atol=1e-13 * scale)
    np.testing.assert_allclose(np.array(m30.hess, dtype=float), f.hess, rtol=1e-12, atol=1e-13 * scale)
    with mpmath.workdps(50):
        assert abs(m30.loss - m50.loss) < mpmath.mpf(10) ** -28
        assert max(abs(m30.hess[i, j] - m50.hess[i, j]) for i in range(st.size) for j in range(st.size)) < 1e-27


def test_block_gradient_at_fractional_d_against_mpmath_differences():
    st = FixedPointSpace((REAL, 1), False)
    x = np.array([0.97, -0.06, -0.58, 0.34, 0.25])
    d = 5.5
    g = block_derivatives(st, x, d).grad
    h = mpmath.mpf("1e-15")
    with mpmath.workdps(45):
        for i in range(st.size):
            xp = [mpmath.mpf(v) for v in x]
            xm = list(xp)
            xp[i] += h
            xm[i] -= h
            fd = (mp_block_derivatives(st, xp, d, 45, order=0).loss - mp_block_derivatives(st, xm, d, 45, order=0).loss) / (2 * h)
            assert abs(float(fd) - g[i]) < 1e-12


def test_project_and_embed():
    st = FixedPointSpace((REAL, 2), True)
    x = np.random.default_rng(8).normal(size=st.size)
    W, a = embed(st, x, 7)
    x2, residual = project(st, W, a, 7)
    np.testing.assert_allclose(x2, x, atol=1e-14)
    assert residual < 1e-13
    _, residual = project(st, W + 0.01 * np.random.default_rng(9).normal(size=W.shape), a, 7)
    assert residual > 1e-3


def test_bad_inputs():
    W, a, V, b = random_problem(3, 4, 2, RNG)
    with pytest.raises(ValueError, match="input dimensions"):
        loss(W, a, V[:, :3], b)
    with pytest.raises(ValueError, match="non-finite"):
        loss(np.where(W > 0, np.nan, W), a, V, b)
    with pytest.raises(ValueError, match="shape"):
        gradient(W, a[:2], V, b)
    Wz = W.copy()
    Wz[1] = 0
    with pytest.raises(ValueError, match="zero"):
        hessian(Wz, a, V, b)
    st = FixedPointSpace((REAL, 1), False)
    with pytest.raises(ValueError, match="parameters"):
        block_derivatives(st, np.ones(3), 6.0)
    with pytest.raises(ValueError, match="non-finite"):
        block_derivatives(st, np.array([1, np.inf, 0, 0, 0.0]), 6.0)
    with pytest.raises(ValueError, match="size"):
        block_derivatives(st, np.ones(5), 1.5)
    with pytest.raises(ValueError, match="positive integer"):
        embed(st, np.ones(5), 6.5)
    with pytest.raises(ValueError, match="at most one"):
        FixedPointSpace((REAL, REAL))
