"""Benchmark: verified digits of sd1-i's d* at 100, 1000 and 10,000 digits (issue #11 targets).

Each row is the pipeline of ``spurious refine`` (:func:`spurious.api.refine_case`): the float64
branch from ``d = 30`` down (which locates the stability event), then
:func:`spurious.continuation.refine_zero` in the bracket ``d_event +- 1e-7`` at the two
working precisions ``digits + 10`` and ``2 digits + 10``. Times are the minimum over repeats
(the machine may be busy); the last column is the wall time of ``spurious refine sd1-i
--digits N`` as a user runs it (once for 10,000 digits). ``quick``: 100 digits only (the CI
smoke run).
"""
import subprocess
import sys
import time

import numpy as np

from spurious.api import BRACKET, REFINE_D_MAX, get_case, track
from spurious.cases.problem import family_mp_problem, mp_test_function
from spurious.continuation import refine_zero

TARGETS = {1000: 3.0, 10000: 120.0}
"""Issue #11: seconds of wall time allowed for that many verified digits."""


def _once(fam, digits):
    t0 = time.perf_counter()
    branch = track(fam, d_from=REFINE_D_MAX)
    t1 = time.perf_counter()
    e = [e for e in branch.events if e.kind == "stability"][-1]
    r = refine_zero(family_mp_problem(fam, "fixed"), mp_test_function(fam, "fixed", e.label),
                    np.asarray(e.x, dtype=float), float(e.d) - BRACKET, float(e.d) + BRACKET, digits)
    return r, t1 - t0, time.perf_counter() - t1


def _command_line(digits, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "spurious", "refine", "sd1-i", "--digits", str(digits), "--json",
                              "--quiet"], capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if res.returncode != 0:
            return f"failed: {res.stderr.strip()}"
    return f"{min(times):.2f}"


def run(quick=False):
    fam = get_case("sd1-i")
    track(fam, d_from=8.0, d_to=7.0)  # warm-up (JIT / cache)
    rows = ["| digits | verified | status | f evaluations | float branch (s) | refinement (s) | total (s) | "
            "target (s) | `spurious refine` wall (s) | last digits of d* |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for digits in ((100,) if quick else (100, 1000, 10000)):
        repeats = 1 if quick else (2 if digits >= 10000 else 3)
        runs = [_once(fam, digits) for _ in range(repeats)]
        r = runs[0][0]
        branch_time = min(t for _, t, _ in runs)
        refine_time = min(t for _, _, t in runs)
        total = min(tb + tr for _, tb, tr in runs)
        target = f"{TARGETS[digits]:g}" if digits in TARGETS else ""
        wall = _command_line(digits, 3 if digits <= 1000 else 1) if not quick else ""
        rows.append(f"| {digits} | {r.digits_verified} | {r.status} | {r.iterations} | {branch_time:.2f} | "
                    f"{refine_time:.2f} | {total:.2f} | {target} | {wall} | ...{r.d_star[-12:]} |")
    rows.append("")
    rows.append("The targets are wall times on the command line, which adds about 1 s of interpreter start-up "
                "and imports to the total.")
    return "\n".join(rows)
