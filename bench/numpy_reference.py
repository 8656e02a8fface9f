"""A straightforward vectorised NumPy Hessian (fixed second layer), the baseline for the Numba kernel.

Same formulas as kernels/gram.py (G0)-(G2) and kernels/fullspace.py (L3)-(L4), vectorised over
all pairs of rows with einsum; parallel pairs use the limit (second derivatives dropped).
"""
import numpy as np

TOL = 2.0 ** -26


def _derivs(A, B, C):
    q = np.maximum(A * B - C * C, 0.0)
    s = np.sqrt(q)
    t = np.arctan2(s, C)
    par = s <= TOL * np.sqrt(A * B)
    ss = np.where(par, 1.0, s)
    two_pi = 2 * np.pi
    F_A = np.where(par, 0.0, s / (2 * two_pi * A))
    F_B = np.where(par, 0.0, s / (2 * two_pi * B))
    F_C = (np.pi - t) / two_pi
    z = lambda v: np.where(par, 0.0, v)
    num = 2 * C * C - A * B
    return (F_A, F_B, F_C, z(num / (4 * two_pi * A * A * ss)), z(1 / (4 * two_pi * ss)),
            z(-C / (2 * two_pi * A * ss)), z(num / (4 * two_pi * B * B * ss)), z(-C / (2 * two_pi * B * ss)),
            z(1 / (two_pi * ss)))


def hessian_numpy(W, a, V, b):
    k, d = W.shape
    I = np.eye(d)
    H = np.zeros((k, d, k, d))
    # student-student, i != j
    A = np.einsum("ic,ic->i", W, W)
    G = W @ W.T
    F_A, F_B, F_C, F_AA, F_AB, F_AC, F_BB, F_BC, F_CC = _derivs(A[:, None], A[None, :], G)
    off = 1.0 - np.eye(k)
    w = np.outer(a, a) * off
    u, v = W[:, None, :], W[None, :, :]
    huu = (2 * F_A[..., None, None] * I + 4 * F_AA[..., None, None] * u[..., :, None] * u[..., None, :]
           + 2 * F_AC[..., None, None] * (u[..., :, None] * v[..., None, :] + v[..., :, None] * u[..., None, :])
           + F_CC[..., None, None] * v[..., :, None] * v[..., None, :])
    huv = (F_C[..., None, None] * I + 4 * F_AB[..., None, None] * u[..., :, None] * v[..., None, :]
           + 2 * F_AC[..., None, None] * u[..., :, None] * u[..., None, :]
           + 2 * F_BC[..., None, None] * v[..., :, None] * v[..., None, :]
           + F_CC[..., None, None] * v[..., :, None] * u[..., None, :])
    diag = np.einsum("ij,ijrc->irc", w, huu)
    H[np.arange(k), :, np.arange(k), :] += diag + 0.5 * (a ** 2)[:, None, None] * I
    H += np.einsum("ij,ijrc->irjc", w, huv)
    # student-teacher
    Bt = np.einsum("jc,jc->j", V, V)
    F_A, F_B, F_C, F_AA, F_AB, F_AC, F_BB, F_BC, F_CC = _derivs(A[:, None], Bt[None, :], W @ V.T)
    u, v = W[:, None, :], V[None, :, :]
    huu = (2 * F_A[..., None, None] * I + 4 * F_AA[..., None, None] * u[..., :, None] * u[..., None, :]
           + 2 * F_AC[..., None, None] * (u[..., :, None] * v[..., None, :] + v[..., :, None] * u[..., None, :])
           + F_CC[..., None, None] * v[..., :, None] * v[..., None, :])
    H[np.arange(k), :, np.arange(k), :] -= np.einsum("ij,ijrc->irc", np.outer(a, b), huu)
    return H.reshape(k * d, k * d)
