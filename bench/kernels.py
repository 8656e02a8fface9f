"""Benchmark: Numba kernels vs plain NumPy; the block-structure Hessian as the real block size grows."""
import time
from dataclasses import replace

import numpy as np

from spurious.cases import critical_point, get_case, hessian_spectrum
from spurious.kernels import block_derivatives, gradient, hessian, loss

from .numpy_reference import hessian_numpy


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return np.median(times), min(times), max(times)


def fmt(t):
    return f"{1e3 * t[0]:.3f} [{1e3 * t[1]:.3f}, {1e3 * t[2]:.3f}]"


def run_numba_vs_numpy(quick=False):
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    W = rng.normal(size=(3, 3))
    hessian(W, np.ones(3), np.eye(3), np.ones(3))
    gradient(W, np.ones(3), np.eye(3), np.ones(3))
    loss(W, np.ones(3), np.eye(3), np.ones(3))
    warm = time.perf_counter() - t0
    rows = [f"Warm-up (JIT compile or cache load of loss, gradient, Hessian): {1e3 * warm:.0f} ms", "",
            "| k = d | Numba Hessian (ms) | NumPy Hessian (ms) | ratio NumPy/Numba | max abs diff | Numba gradient (ms) | Numba loss (ms) |",
            "|---|---|---|---|---|---|---|"]
    for d in ((10,) if quick else (10, 20, 40)):
        W = np.eye(d) + 0.3 * rng.normal(size=(d, d)) / np.sqrt(d)
        a, V, b = np.ones(d), np.eye(d), np.ones(d)
        diff = np.max(np.abs(hessian(W, a, V, b) - hessian_numpy(W, a, V, b)))
        reps = 1 if quick else (5 if d < 40 else 3)
        tn = timed(lambda: hessian(W, a, V, b), reps)
        tp = timed(lambda: hessian_numpy(W, a, V, b), reps)
        tg = timed(lambda: gradient(W, a, V, b), reps)
        tl = timed(lambda: loss(W, a, V, b), reps)
        rows.append(f"| {d} | {fmt(tn)} | {fmt(tp)} | {tp[0] / tn[0]:.1f} | {diff:.1e} | {fmt(tg)} | {fmt(tl)} |")
    return "\n".join(rows)


def run_block_flat(quick=False):
    """Cost of the block Hessian and of the isotypic spectrum at the sd1-i point, as d grows.

    The family's catalogue range stops at d = 1e4 (beyond it the float64 *loss* loses its
    digits to cancellation among ~d^2 terms); the bench widens the range to follow the
    Hessian eigenvalues, which stay accurate, to d = 1e6."""
    fam = replace(get_case("sd1-i"), d_max=1e6)
    st = fam.structure("fixed")
    rows = ["| d | block Hessian (ms) | isotypic spectrum (ms) | metric gradient at the point | lambda_min | std(S_{d-1}) min | [d-3,1,1] |",
            "|---|---|---|---|---|---|---|"]
    for d in ((10.0,) if quick else (10.0, 1e2, 1e4, 1e6)):
        cp = critical_point(fam, "fixed", d)
        th = timed(lambda: block_derivatives(st, cp.params, d), 1 if quick else 20)
        ts = timed(lambda: hessian_spectrum(st, cp.params, d), 1 if quick else 10)
        bm = cp.spectrum.block_minima()
        std = [v for k, v in bm.items() if k.startswith("std")][0]
        e211 = [v for k, v in bm.items() if ",1,1]" in k][0]
        rows.append(f"| {d:g} | {fmt(th)} | {fmt(ts)} | {cp.grad_norm:.1e} | {cp.lambda_min:.8f} | {std:.8f} | {e211:.8f} |")
    return "\n".join(rows)
