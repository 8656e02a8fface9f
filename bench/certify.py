"""Benchmark: certified results (issue #12 targets), the whole catalogue.

For every family (fixed second layer): :func:`cases.certify.certify_point` at every integer
``d`` from the start of its range to ``D_MAX`` (critical point by Krawczyk or, for the teacher
point, exactly; Morse index from every isotypic block), and
:func:`cases.certify.certify_crossings` for every ``d*`` (existence and uniqueness, 40 digits,
half-width 1e-30). Then the re-verification of the whole certificate set by
:func:`cases.certify.check_certificate` (what ``spurious check`` runs). One core; ``quick``:
three families to ``d = 7`` (the CI smoke run).
"""
import json
import time
from fractions import Fraction

from spurious.cases import families
from spurious.cases.certify import (certificate_document, certificate_set, certify_crossings, certify_point,
                                    check_certificate)

D_MAX = 100
TARGETS = {"point": 0.5, "catalogue": 300.0, "d_star": 10.0}
"""Issue #12: seconds per (family, d); for the whole catalogue to d = 100; per d*."""


def run(quick=False):
    d_max = 7 if quick else D_MAX
    rows = ["| family | integer d | certified | Morse index 0 from d = | s per d (max) | d* certified | "
            "s per d* (max) | widest d* enclosure |", "|---|---|---|---|---|---|---|---|"]
    docs = []
    t_all = time.perf_counter()
    worst_point = worst_cross = 0.0
    for fam in families()[:3] if quick else families():
        ds = [k for k in range(int(fam.d_min) + 1, d_max + 1) if k > fam.d_min]
        points = []
        for d in ds:
            t = time.perf_counter()
            points.append(certify_point(fam, "fixed", d, digits=40))
            worst_point = max(worst_point, time.perf_counter() - t)
        t = time.perf_counter()
        crossings = certify_crossings(fam, "fixed", digits=40)
        per_cross = (time.perf_counter() - t) / max(1, len(crossings))
        worst_cross = max(worst_cross, per_cross if crossings else 0.0)
        docs.append(certificate_document(fam.name, "fixed", points, crossings))
        minima = [int(p.d) for p in points if p.certified and p.morse_index == 0]
        widths = [Fraction(c.d_star_enclosure[1]) - Fraction(c.d_star_enclosure[0]) for c in crossings
                  if c.certified]
        rows.append(f"| {fam.name} | {ds[0] if ds else ''}..{ds[-1] if ds else ''} | "
                    f"{sum(p.certified for p in points)}/{len(points)} | {min(minima) if minima else 'none'} | "
                    f"{max((p.seconds for p in points), default=0):.3f} | "
                    f"{sum(c.certified for c in crossings)}/{len(crossings)} | "
                    f"{f'{per_cross:.2f}' if crossings else ''} | {f'{float(max(widths)):.1e}' if widths else ''} |")
    total = time.perf_counter() - t_all
    t = time.perf_counter()
    claims = check_certificate(json.loads(json.dumps(certificate_set(docs))))
    check_time = time.perf_counter() - t
    held = sum(1 for _, holds, _ in claims if holds)
    rows += ["", f"{'Three families' if quick else 'Whole catalogue'} to d = {d_max}: {total:.1f} s on one core (target {TARGETS['catalogue']:g} s on "
             f"2 cores); slowest (family, d) {worst_point:.3f} s (target {TARGETS['point']:g}); slowest d* "
             f"{worst_cross:.2f} s (target {TARGETS['d_star']:g}). Re-verification of the certificate set "
             f"(`spurious check`): {held} of {len(claims)} claims hold, {check_time:.1f} s."]
    return "\n".join(rows)
