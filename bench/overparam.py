"""Benchmark: over-parameterisation k = d + m (issue #15).

At a split point of sd1-i (one special neuron split, m = 1, 2; fixed second layer): the
symmetry-reduced spectrum (:func:`cases.overparam.analyse`, the split's gauge removed) against
the full ``(d + m) d`` Hessian plus ``numpy.linalg.eigvalsh``, timed in one run, with the
largest difference of the two spectra (the reduced one expanded with multiplicities). And the
whole map of one family (:func:`cases.overparam.overparam_map`, m = 1, 2, 3, 20 digits).
``quick``: d = 10 only, no map.
"""
import time

import numpy as np

from spurious.cases import get_case
from spurious.cases.family import point_from_seed
from spurious.cases.overparam import SPLIT_SPECIAL, Embedding, analyse, overparam_map
from spurious.kernels.api import SEPARATED_PARALLEL_TOL, hessian


def _median(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


def run(quick=False):
    fam = get_case("sd1-i")
    rows = ["| d | m | reduced (ms) | full Hessian + eigvalsh (ms) | ratio | max difference |",
            "|---|---|---|---|---|---|"]
    for d in ((10,) if quick else (10, 30, 60)):
        x = point_from_seed(fam, "fixed", float(d))
        for m in (1, 2):
            emb = Embedding(SPLIT_SPECIAL, m)
            t_red, p = _median(lambda: analyse(fam, "fixed", emb, x, float(d)), 5)
            W, a = p.full()

            def full():
                return np.linalg.eigvalsh(hessian(W, a, np.eye(d), np.ones(d), False, SEPARATED_PARALLEL_TOL))

            t_full, ev = _median(full, 3)
            diff = float(np.max(np.abs(ev - p.spectrum.expanded())))
            rows.append(f"| {d} | {m} | {1e3 * t_red:.2f} | {1e3 * t_full:.1f} | {t_full / t_red:.0f}x | {diff:.1e} |")
    if not quick:
        t = time.perf_counter()
        overparam_map(get_case("sd2-i"), ms=(1, 2, 3), d_max=30.0, digits=20)
        rows += ["", f"The whole map of sd2-i (m = 1, 2, 3; embedded points along the branch, zero-neuron "
                     f"tests, descents, their continuation, refinement and certification): "
                     f"{time.perf_counter() - t:.1f} s."]
    return "\n".join(rows)
