"""Evaluation of a block-structure loss (B5) and its derivatives, compiled with Numba.

With the Gram quantities ``g(x; n)`` quadratic in the parameters ``x`` and the terms
``count(n) * w(x) * F(g_a, g_b, g_c)`` of :mod:`kernels.blocks`, the chain rule gives,
writing ``F_k`` / ``F_kl`` for the derivatives of :func:`kernels.gram.gram_derivatives`
in the three slots and ``S = sum_k F_k grad g_k``::

    L       = sum count w F                                                         (K0)
    grad L  = sum count (F grad w + w S)                                            (K1)
    Hess L  = sum count (F Hess w + grad w S^T + S grad w^T
                         + w (sum_k F_k Hess g_k + sum_kl F_kl grad g_k grad g_l^T))  (K2)
    d/dn grad L = sum count' (F grad w + w S)
                + count (F_n grad w + w (sum_k (sum_l F_kl g_l,n) grad g_k + F_k grad g_k,n)),
                  F_n = sum_k F_k g_k,n                                             (K3)

where ``,n`` is the derivative in the real block size through the coefficient polynomials.
Only the nonzero entries of each ``grad g`` are visited. All arrays, including scratch
space, are passed in, so that :mod:`kernels.backend` can run the same code on mpmath numbers
stored in object arrays.
"""
from numba import njit

from .gram import gram_derivatives


@njit(cache=True)
def _poly_at(c, i, n):
    """c[i, 0] + c[i, 1] n + c[i, 2] n^2."""
    return c[i, 0] + n * (c[i, 1] + n * c[i, 2])


@njit(cache=True)
def _poly_dn(c, i, n):
    """d/dn of :func:`_poly_at`."""
    return c[i, 1] + 2 * n * c[i, 2]


@njit(cache=True)
def _gram_values(x, n, q_ptr, q_i, q_j, q_c, l_ptr, l_i, l_c, nz_ptr, nz_idx, g_const,
                 gv, gn, gg, ggn):
    """Values ``gv``, n-derivatives ``gn``, gradients ``gg`` and ``ggn = grad(g_n)`` of all
    Gram quantities (only the nonzero columns of ``gg``/``ggn`` are written)."""
    for g in range(gv.shape[0]):
        val = _poly_at(g_const, g, n)
        valn = _poly_dn(g_const, g, n)
        for e in range(nz_ptr[g], nz_ptr[g + 1]):
            gg[g, nz_idx[e]] = 0.0 * val
            ggn[g, nz_idx[e]] = 0.0 * val
        for e in range(q_ptr[g], q_ptr[g + 1]):
            i = q_i[e]
            j = q_j[e]
            cv = _poly_at(q_c, e, n)
            cd = _poly_dn(q_c, e, n)
            val += cv * x[i] * x[j]
            valn += cd * x[i] * x[j]
            gg[g, i] += cv * x[j]
            gg[g, j] += cv * x[i]
            ggn[g, i] += cd * x[j]
            ggn[g, j] += cd * x[i]
        for e in range(l_ptr[g], l_ptr[g + 1]):
            i = l_i[e]
            cv = _poly_at(l_c, e, n)
            cd = _poly_dn(l_c, e, n)
            val += cv * x[i]
            valn += cd * x[i]
            gg[g, i] += cv
            ggn[g, i] += cd
        gv[g] = val
        gn[g] = valn


@njit(cache=True)
def _weight(x, f, w1, w2):
    """w = f x[w1] x[w2] (absent factors: index -1) and its two partial derivatives."""
    x1 = x[w1] if w1 >= 0 else 1.0
    x2 = x[w2] if w2 >= 0 else 1.0
    return f * x1 * x2, f * x2, f * x1


@njit(cache=True)
def block_eval(x, n, order, tol,
               q_ptr, q_i, q_j, q_c, l_ptr, l_i, l_c, nz_ptr, nz_idx, g_const,
               t_count, t_factor, t_w, t_g,
               gv, gn, gg, ggn, grad, hess, grad_n):
    """Loss (K0); with ``order >= 1`` also ``grad`` (K1); with ``order >= 2`` also
    ``hess`` (K2) and ``grad_n`` (K3). Outputs are accumulated: pass them zeroed."""
    _gram_values(x, n, q_ptr, q_i, q_j, q_c, l_ptr, l_i, l_c, nz_ptr, nz_idx, g_const,
                 gv, gn, gg, ggn)
    loss = 0.0 * gv[0]
    for t in range(t_count.shape[0]):
        count = _poly_at(t_count, t, n)
        w, dw1, dw2 = _weight(x, t_factor[t], t_w[t, 0], t_w[t, 1])
        ga = t_g[t, 0]
        gb = t_g[t, 1]
        gc = t_g[t, 2]
        # a term F(g, g, g) is a row with itself (A = B = C identically): exact parallel limit
        d = gram_derivatives(gv[ga], gv[gb], gv[gc], tol, ga == gb and gb == gc)
        F = d[0]
        loss += count * w * F
        if order < 1:
            continue
        slots = (ga, gb, gc)
        Fk = (d[1], d[2], d[3])
        Fkl = ((d[4], d[5], d[6]), (d[5], d[7], d[8]), (d[6], d[8], d[9]))
        w1 = t_w[t, 0]
        w2 = t_w[t, 1]
        # (K1): count (F grad w + w S)
        if w1 >= 0:
            grad[w1] += count * F * dw1
        if w2 >= 0:
            grad[w2] += count * F * dw2
        for k in range(3):
            g = slots[k]
            for e in range(nz_ptr[g], nz_ptr[g + 1]):
                i = nz_idx[e]
                grad[i] += count * w * Fk[k] * gg[g, i]
        if order < 2:
            continue
        count_n = _poly_dn(t_count, t, n)
        F_n = Fk[0] * gn[ga] + Fk[1] * gn[gb] + Fk[2] * gn[gc]
        # (K3)
        if w1 >= 0:
            grad_n[w1] += (count_n * F + count * F_n) * dw1
        if w2 >= 0:
            grad_n[w2] += (count_n * F + count * F_n) * dw2
        for k in range(3):
            g = slots[k]
            Fk_n = Fkl[k][0] * gn[ga] + Fkl[k][1] * gn[gb] + Fkl[k][2] * gn[gc]
            for e in range(nz_ptr[g], nz_ptr[g + 1]):
                i = nz_idx[e]
                grad_n[i] += count_n * w * Fk[k] * gg[g, i]
                grad_n[i] += count * w * (Fk_n * gg[g, i] + Fk[k] * ggn[g, i])
        # (K2): F Hess w
        if w1 >= 0 and w2 >= 0:
            hess[w1, w2] += count * F * t_factor[t]
            hess[w2, w1] += count * F * t_factor[t]
        # grad w S^T + S grad w^T
        for k in range(3):
            g = slots[k]
            for e in range(nz_ptr[g], nz_ptr[g + 1]):
                i = nz_idx[e]
                s = count * Fk[k] * gg[g, i]
                if w1 >= 0:
                    hess[w1, i] += s * dw1
                    hess[i, w1] += s * dw1
                if w2 >= 0:
                    hess[w2, i] += s * dw2
                    hess[i, w2] += s * dw2
        # w F_k Hess g_k
        for k in range(3):
            g = slots[k]
            s = count * w * Fk[k]
            for e in range(q_ptr[g], q_ptr[g + 1]):
                cv = _poly_at(q_c, e, n)
                hess[q_i[e], q_j[e]] += s * cv
                hess[q_j[e], q_i[e]] += s * cv
        # w F_kl grad g_k grad g_l^T
        for k in range(3):
            gk = slots[k]
            for l in range(3):
                gl = slots[l]
                s = count * w * Fkl[k][l]
                for e in range(nz_ptr[gk], nz_ptr[gk + 1]):
                    i = nz_idx[e]
                    si = s * gg[gk, i]
                    for f in range(nz_ptr[gl], nz_ptr[gl + 1]):
                        j = nz_idx[f]
                        hess[i, j] += si * gg[gl, j]
    return loss
