"""Benchmark: the symmetry-reduced Hessian spectrum vs numpy.linalg.eigvalsh of the full Hessian.

Same critical point (sd1-i, fixed second layer) at integer d; both timings in one run, their
ratio, and the largest difference between the two spectra (expanded by multiplicity).
"""

import numpy as np

from spurious.cases import critical_point, get_case, hessian_spectrum
from spurious.kernels import embed, hessian

from .kernels import timed


def run(quick=False):
    fam = get_case("sd1-i")
    st = fam.structure("fixed")
    dims = (6,) if quick else (6, 10, 20, 40, 60)
    rows = ["| d | reduced (ms) | full Hessian + eigvalsh (ms) | ratio full/reduced | max abs diff of spectra |",
            "|---|---|---|---|---|"]
    for d in dims:
        x = critical_point(fam, "fixed", d).params
        W, a = embed(st, x, d)
        I, one = np.eye(d), np.ones(d)
        hessian_spectrum(st, x, d)  # warm-up
        hessian(W, a, I, one)
        reps = 1 if (quick or d >= 40) else 5
        red = timed(lambda: hessian_spectrum(st, x, d), max(reps, 3))
        full = timed(lambda: np.linalg.eigvalsh(hessian(W, a, I, one)), reps)
        diff = np.max(np.abs(hessian_spectrum(st, x, d).expanded() - np.linalg.eigvalsh(hessian(W, a, I, one))))
        rows.append(f"| {d} | {1e3 * red[0]:.2f} [{1e3 * red[1]:.2f}, {1e3 * red[2]:.2f}] | "
                    f"{1e3 * full[0]:.1f} [{1e3 * full[1]:.1f}, {1e3 * full[2]:.1f}] | {full[0] / red[0]:.1f} | {diff:.1e} |")
    return "\n".join(rows)
