"""Benchmark: power series in t = d^(-1/2) (issue #13 targets).

For every family (fixed second layer): :func:`cases.series.family_series` to ``--order 8`` at
30 digits, with the checks against the continuation (remainder at d = 10^4 ... 10^12, Neville
extrapolation at 22 points). Columns: wall time (target: seconds), the number of series and
the fewest verified digits of any printed coefficient, the worst |remainder / next term - 1| at
d = 10^10 (:data:`cases.series.JUDGED_D`), and the fewest digits on which the extrapolation reproduces the first
coefficients (target >= 15). ``quick``: two families at order 4 (the CI smoke run).
"""
import time

from spurious.cases import families
from spurious.cases.series import family_series

ORDER = 8
TARGETS = {"extrapolation_digits": 15}


def run(quick=False):
    order = 4 if quick else ORDER
    rows = ["| family | order | s | series | fewest verified digits | worst remainder deviation | "
            "extrapolation agrees to |", "|---|---|---|---|---|---|---|"]
    for fam in (families()[:2] if quick else families()):
        t = time.perf_counter()
        r = family_series(fam, order=order, digits=30)
        seconds = time.perf_counter() - t
        digits = min(term.digits for terms in r.series.values() for term in terms)
        worst = r.checks["remainder_worst_deviation"]
        rows.append(f"| {fam.name} | {order} | {seconds:.1f} | {len(r.series)} | {digits} | "
                    f"{'' if worst is None else f'{worst:.1e}'} | {r.checks['extrapolation_fewest_digits']} |")
    rows += ["", f"Target: every family in seconds; extrapolation and series agree to at least "
             f"{TARGETS['extrapolation_digits']} digits."]
    return "\n".join(rows)
