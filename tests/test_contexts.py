"""Number contexts (kernels/contexts.py): conversion, elementary functions and linear algebra
in float64, mpmath and arb against mpmath at 100 digits; precision is local; the mpmath
kernels return mpf at the working precision; arb refuses undecidable signs."""
import fractions

import flint
import mpmath
import numpy as np
import pytest

from spurious.kernels import ARB, FLOAT64, MPMATH, NumberContext, PrecisionError, context
from spurious.kernels.backend import MP, arb_kernels, mp_parallel_tol

REF_DPS = 100
CONTEXTS = [FLOAT64, MPMATH, ARB]


def ref(x):
    """A 100-digit mpmath value as an exact arb ball (for containment tests)."""
    return ARB.convert(mpmath.mpf(x))


def close(ctx, value, exact, digits=30):
    """``value`` of ``ctx`` agrees with the 100-digit ``exact``: contained in the ball (arb),
    to ~10^-(digits-3) (mpmath) or ~1e-14 (float64)."""
    with mpmath.workdps(REF_DPS):
        if ctx is ARB:
            assert value.contains(ref(exact)), (value, exact)
            assert value.rad() < mpmath.mpf(10) ** (-(digits - 5)) * max(1, abs(exact)), value
        else:
            if ctx is MPMATH:
                assert isinstance(value, mpmath.mpf)
            tol = 1e-14 if ctx is FLOAT64 else mpmath.mpf(10) ** (-(digits - 3))
            assert abs(mpmath.mpf(ctx.to_float(value) if ctx is FLOAT64 else value) - exact) <= tol * max(1, abs(exact))


def test_context_lookup():
    assert context("float64") is FLOAT64 and context("mpmath") is MPMATH and context("arb") is ARB
    assert all(isinstance(c, NumberContext) for c in CONTEXTS)
    assert [c.name for c in CONTEXTS] == ["float64", "mpmath", "arb"]
    with pytest.raises(ValueError, match="unknown number context"):
        context("mpfr")


@pytest.mark.parametrize("ctx", CONTEXTS, ids=lambda c: c.name)
def test_elementary_functions(ctx):
    with mpmath.workdps(REF_DPS):
        sqrt2, angle, pi = mpmath.sqrt(2), mpmath.atan2(1, -3), +mpmath.pi
        third, tenth = mpmath.mpf(1) / 3, mpmath.mpf(1) / 10
    with ctx.precision(30):
        close(ctx, ctx.sqrt(ctx.convert(2)), sqrt2)
        close(ctx, ctx.atan2(ctx.convert(1), ctx.convert(-3)), angle)
        close(ctx, ctx.pi(), pi)
        close(ctx, ctx.convert(fractions.Fraction(1, 3)), third)
        close(ctx, ctx.convert("0.1"), tenth)
        assert ctx.to_float(ctx.convert(-0.375)) == -0.375
        assert ctx.to_float(ctx.convert(np.int64(7))) == 7.0


@pytest.mark.parametrize("ctx", [MPMATH, ARB], ids=lambda c: c.name)
def test_convert_is_exact_for_representable_values(ctx):
    with ctx.precision(30):
        for v in (0.1, -0.375, 1e-300, 3, -(2 ** 80) + 1, mpmath.mpf(-3) / 8, np.float64(2.5)):
            x = ctx.convert(v)
            with mpmath.workdps(400):
                assert mpmath.mpf(v) == (MPMATH.convert(x.mid()) if ctx is ARB else x), v
            if ctx is ARB:
                assert x.is_exact()


def test_convert_decimal_string_to_a_ball_and_refuse_non_reals():
    with ARB.precision(30):
        x = ARB.convert("0.1")
    with ARB.precision(300):
        tenth = flint.arb(flint.fmpq(1, 10))
    assert not x.is_exact() and x.contains(tenth) and x.rad() < 1e-30
    for ctx in CONTEXTS:
        with pytest.raises(TypeError):
            ctx.convert(True)
        with pytest.raises(TypeError):
            ctx.convert(1 + 2j)


def test_precision_is_local_also_after_an_exception():
    dps, prec = mpmath.mp.dps, flint.ctx.prec
    with MPMATH.precision(50):
        assert mpmath.mp.dps == 50
    with ARB.precision(50):
        assert flint.ctx.dps == 50
    with FLOAT64.precision(50):
        pass
    assert (mpmath.mp.dps, flint.ctx.prec) == (dps, prec)
    for ctx in CONTEXTS:
        with pytest.raises(RuntimeError):
            with ctx.precision(77):
                raise RuntimeError("boom")
        assert (mpmath.mp.dps, flint.ctx.prec) == (dps, prec)


def _spd(n, seed):
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(n, n))
    return M @ M.T + n * np.eye(n), rng.normal(size=n)


def _ref_linear_algebra(A, b):
    with mpmath.workdps(REF_DPS):
        Am = mpmath.matrix(A.tolist())
        x = mpmath.lu_solve(Am, mpmath.matrix(b.tolist()))
        L = mpmath.cholesky(Am)
        E = sorted(mpmath.eigsy(Am, eigvals_only=True))
    n = len(b)
    return [x[i] for i in range(n)], [[L[i, j] for j in range(n)] for i in range(n)], E


@pytest.mark.parametrize("ctx", CONTEXTS, ids=lambda c: c.name)
def test_solve_cholesky_eigvalsh(ctx):
    A, b = _spd(6, 3)
    x_ref, L_ref, E_ref = _ref_linear_algebra(A, b)
    with ctx.precision(30):
        Ac = ctx.array(A)
        bc = ctx.array(b)
        x = ctx.solve(Ac, bc)
        L = ctx.cholesky(Ac)
        E = ctx.eigvalsh(Ac)
        for i in range(6):
            close(ctx, x[i], x_ref[i])
            for j in range(6):
                close(ctx, L[i, j], L_ref[i][j])
        assert len(E) == 6
        for e, e_ref in zip(E, E_ref):
            close(ctx, e, e_ref)


def test_arb_eigvalsh_encloses_multiple_eigenvalues():
    """2 I + v v^T (v = 1): eigenvalues 2 (three times) and 6; no separation is needed."""
    A = 2 * np.eye(4) + np.ones((4, 4))
    with ARB.precision(30):
        E = ARB.eigvalsh(ARB.array(A))
    assert [e.contains(flint.arb(v)) for e, v in zip(E, (2, 2, 2, 6))] == [True] * 4
    assert max(e.rad() for e in E) < 1e-25
    # a ball matrix: the enclosure holds for every symmetric matrix in it
    with ARB.precision(30):
        Ab = ARB.array(A) + np.full((4, 4), flint.arb(0, 1e-20), dtype=object)
        E = ARB.eigvalsh(Ab)
    assert all(e.contains(flint.arb(v)) for e, v in zip(E, (2, 2, 2, 6)))
    assert max(e.rad() for e in E) > 1e-21  # the input radius is carried


def test_arb_refuses_what_it_cannot_prove():
    with ARB.precision(30):
        with pytest.raises(PrecisionError, match="positive definite"):
            ARB.cholesky(ARB.array([[1, 1], [1, 1]]))  # singular: pivot exactly 0
        with pytest.raises(PrecisionError, match="positive definite"):
            ARB.cholesky(ARB.array([[1, 2], [2, 1]]))  # indefinite
        with pytest.raises(PrecisionError, match="nonsingular"):
            ARB.solve(ARB.array([[1, 2], [2, 4]]), ARB.array([1, 1]))


def test_sign():
    for ctx in CONTEXTS:
        with ctx.precision(30):
            assert [ctx.sign(ctx.convert(v)) for v in (-2, 0, 1e-300)] == [-1, 0, 1]
    with ARB.precision(30):
        with pytest.raises(PrecisionError, match="cannot decide the sign"):
            ARB.sign(flint.arb(0, 1e-10))
        tiny = ARB.convert("1e-40")  # a ball, but away from 0
        assert ARB.sign(tiny) == 1 and ARB.sign(-tiny) == -1


def test_zeros():
    assert FLOAT64.zeros((2, 3)).dtype == np.float64
    with MPMATH.precision(40):
        z = MPMATH.zeros((2, 2))
        assert z.dtype == object and all(isinstance(v, mpmath.mpf) and v == 0 for v in z.ravel())
    with ARB.precision(40):
        z = ARB.zeros(3)
        assert z.dtype == object and all(isinstance(v, flint.arb) and v.is_zero() for v in z)


# ------------------------------------------------------- mpmath keeps its precision
def _problem():
    rng = np.random.default_rng(11)
    return rng.normal(size=(3, 4)), rng.normal(size=3), rng.normal(size=(2, 4)), rng.normal(size=2)


def _mp_full(W, a, V, b, dps, trainable):
    with mpmath.workdps(dps):
        args = [MPMATH.array(M) for M in (W, a, V, b)]
        tol = mp_parallel_tol()
        return MP._gradient(*args, tol), MP._hessian(*args, trainable, tol)


@pytest.mark.parametrize("trainable", [False, True])
def test_mp_full_space_returns_mpf_at_the_working_precision(trainable):
    """The old bug: the full-space kernels allocated float64 outputs, so MP._gradient and
    MP._hessian at 50 digits returned float64 arrays."""
    W, a, V, b = _problem()
    (gW, ga), H = _mp_full(W, a, V, b, 50, trainable)
    (gW100, ga100), H100 = _mp_full(W, a, V, b, 100, trainable)
    for out, out100 in ((gW, gW100), (ga, ga100), (H, H100)):
        assert out.dtype == object and all(isinstance(v, mpmath.mpf) for v in out.ravel())
        with mpmath.workdps(100):
            err = max(abs(u - v) for u, v in zip(out.ravel(), out100.ravel()))
        assert err < mpmath.mpf(10) ** -45, err  # float64 would leave ~1e-17
    with MPMATH.precision(50):
        gW, ga = MPMATH.gradient(W, a, V, b)
        H = MPMATH.hessian(W, a, V, b, trainable=trainable)
        L = MPMATH.loss(W, a, V, b)
    assert isinstance(L, mpmath.mpf) and all(isinstance(v, mpmath.mpf) for v in [*gW.ravel(), *ga, *H.ravel()])


def test_float64_context_is_the_compiled_path():
    from spurious.kernels import block_derivatives, gradient, hessian, loss
    from spurious.cases import critical_point, get_case
    W, a, V, b = _problem()
    assert FLOAT64.loss(W, a, V, b) == loss(W, a, V, b)
    np.testing.assert_array_equal(FLOAT64.gradient(W, a, V, b)[0], gradient(W, a, V, b)[0])
    np.testing.assert_array_equal(FLOAT64.hessian(W, a, V, b, True), hessian(W, a, V, b, True))
    fam = get_case("sd1-i")
    st, x = fam.structure("fixed"), critical_point(fam, "fixed", 7.5).params
    np.testing.assert_array_equal(FLOAT64.block_derivatives(st, x, 7.5).hess, block_derivatives(st, x, 7.5).hess)


def test_mpmath_context_block_derivatives_match_mp_block_derivatives():
    from spurious.kernels import mp_block_derivatives
    from spurious.cases import critical_point, get_case
    fam = get_case("sd2-i")
    st, x = fam.structure("trainable"), critical_point(fam, "trainable", 9.0).params
    with MPMATH.precision(40):
        bd = MPMATH.block_derivatives(st, x, 9.0)
    ref_bd = mp_block_derivatives(st, x, 9.0, 40)
    assert bd.loss == ref_bd.loss
    assert all(u == v for u, v in zip(bd.hess.ravel(), ref_bd.hess.ravel()))
    assert all(isinstance(v, mpmath.mpf) for v in [*bd.grad, *bd.grad_d, *bd.weights])


def test_arb_kernels_are_cached_per_precision_with_pi_at_that_precision():
    with ARB.precision(30):
        k30 = arb_kernels()
        assert arb_kernels() is k30
    with ARB.precision(200):
        k200 = arb_kernels()
        assert k200 is not k30 and k200.PI.rad() < 1e-195 and k200.PI.contains(ARB.pi())
