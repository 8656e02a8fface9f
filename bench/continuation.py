"""Benchmarks: one branch (float64 continuation), d* to N verified digits, mpmath Newton-step scaling."""
import time

import mpmath
import numpy as np

from spurious.api import get_case, track
from spurious.cases.problem import family_mp_problem, mp_test_function
from spurious.continuation import refine_zero


def run_branch(quick=False):
    fam = get_case("sd1-i")
    track(fam, d_from=8.0, d_to=7.0)  # warm-up (JIT / cache)
    times, branch = [], None
    for _ in range(1 if quick else 5):
        newton = []
        t = time.perf_counter()
        branch = track(fam, d_from=20.0, d_to=4.0, observers=(lambda step: newton.append(step.newton_iterations),))
        times.append(time.perf_counter() - t)
    steps = len(branch.d) - 1
    return "\n".join([
        "| branch | points | Newton iterations (accepted steps) | median time (s) [min, max] | events |",
        "|---|---|---|---|---|",
        f"| sd1-i, d = 20 -> 4 (fixed) | {len(branch.d)} ({steps} steps) | {sum(newton)} | {np.median(times):.3f} "
        f"[{min(times):.3f}, {max(times):.3f}] | "
        + ", ".join(f"{e.kind} at {e.d:.10f}" for e in branch.events) + " |"])


def _split_refine(fam, digits):
    """Time one d* to ``digits``: continuation, then refinement (Newton + test function)."""
    t0 = time.perf_counter()
    branch = track(fam, d_from=20.0)
    t1 = time.perf_counter()
    e = [e for e in branch.events if e.kind == "stability"][-1]
    prob = family_mp_problem(fam, "fixed")
    f = mp_test_function(fam, "fixed", e.label)
    counter = {"test": 0.0}

    def timed_f(x, d):
        t = time.perf_counter()
        v = f(x, d)
        counter["test"] += time.perf_counter() - t
        return v

    r = refine_zero(prob, timed_f, e.x, e.d - 1e-7, e.d + 1e-7, digits)
    t2 = time.perf_counter()
    return r, t1 - t0, t2 - t1 - counter["test"], counter["test"]


def run_digits(quick=False):
    rows = ["| family | digits | verified | d* (verified digits) | total (s) | continuation (s) | mpmath Newton (s) | eigenvalue work (s) |",
            "|---|---|---|---|---|---|---|---|"]
    for name in (("sd1-i",) if quick else ("sd1-i", "sd2-i")):
        fam = get_case(name)
        for digits in ((15,) if quick else (15, 30, 50, 100)):
            r, tc, tn, te = _split_refine(fam, digits)
            shown = r.d_star if len(r.d_star) < 40 else r.d_star[:38] + "..."
            rows.append(f"| {name} | {digits} | {r.digits_verified} | {shown} | {tc + tn + te:.2f} | {tc:.2f} | "
                        f"{tn:.2f} | {te:.2f} |")
    return "\n".join(rows)


def run_precision_scaling(quick=False):
    fam = get_case("sd2-i")
    prob = family_mp_problem(fam, "fixed")
    branch = track(fam, d_from=9.0, d_to=8.0)
    x0, d0 = branch.x[-1], branch.d[-1]
    rows = ["| working digits | one Newton step of G(x, d) = 0 in mpmath (ms) | ratio to 30 digits |", "|---|---|---|"]
    base = None
    for dps in ((30,) if quick else (30, 60, 120, 240)):
        with mpmath.workdps(dps):
            x = mpmath.matrix([mpmath.mpf(v) for v in x0])
            d = mpmath.mpf(d0)
            times = []
            for _ in range(1 if quick else 5):
                prob = family_mp_problem(fam, "fixed")  # fresh: the problem remembers its last point
                t = time.perf_counter()
                J, _ = prob.jacobian(x, d)
                mpmath.lu_solve(J, prob.residual(x, d))
                times.append(time.perf_counter() - t)
        med = float(np.median(times))
        base = base or med
        rows.append(f"| {dps} | {1e3 * med:.1f} | {med / base:.2f} |")
    return "\n".join(rows)
