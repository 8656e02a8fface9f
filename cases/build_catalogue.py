"""Rebuild ``cases/data/catalogue.json``: the seed points of every catalogue family.

    python -m spurious.cases.build_catalogue [--d 20] [--starts 300] [--seed 0] [--discovery-runs 200]

Method (recorded in the file): for each isotropy ``Delta(S_{d-q} x S_q)`` used by the
catalogue, Newton's method on ``grad L_H = 0`` in the fixed-point space (fixed second layer)
from ``--starts`` random points (diagonal values uniform in [-1.5, 1.5], off-diagonal values
uniform in [-0.45, 0.45], reproducible with ``--seed``); converged points (metric gradient
<= 1e-13) are deduplicated, and each family takes the lowest-loss point that matches its
definition (:mod:`cases.catalogue`). This scan reaches the type-II families, which random
starts of gradient descent in the full space rarely or never reach. Further seeds at smaller
``d`` come from natural continuation in ``d`` (:func:`cases.family.point_from_seed`).
With ``--discovery-runs N`` the file also records, per family, in how many of ``N`` runs
of ``spurious discover`` (random starts in the full space, same ``d`` and seed) the family
was reached -- an independent check of the scan, not a source of numbers.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

from spurious.continuation.files import atomic_write_text
from spurious.kernels import FixedPointSpace, block_derivatives

from .catalogue import CATALOGUE_FILE, DEFINITIONS
from .family import SETTINGS, Family, FamilyError, Seed, newton_at, point_from_seed

EXTRA_SEED_DIMENSIONS = (12.0, 8.0, 6.5)


def scan(q, d, starts, rng):
    """Distinct critical points of the fixed-setting loss on ``Fix(Delta(S_{d-q} x S_q))``."""
    st = FixedPointSpace(("n",) if q == 0 else ("n", q), False)
    found = []
    for _ in range(starts):
        x0 = np.array([rng.uniform(-1.5, 1.5) if k[0] == "D" else rng.uniform(-0.45, 0.45)
                       for k in st.parameters])
        res = newton_at(st, x0, [], d, max_iter=60)
        if not res.success:
            continue
        loss = block_derivatives(st, res.x, d, order=0).loss
        if all(abs(loss - f[0]) > 1e-9 or np.max(np.abs(res.x - f[1])) > 1e-6 for f in found):
            found.append((loss, res.x))
    found.sort(key=lambda f: f[0])
    return st, found


def discovery_counts(d, runs, seed, workers):
    """family name -> number of discovery runs that reached it."""
    from .discover import discover

    result = discover("fixed", int(d), runs, workers=workers, seed=seed)
    counts = {}
    for p in result.points:
        if p.family:
            counts[p.family] = counts.get(p.family, 0) + p.runs
    return counts


def build(d, starts, seed, discovery_runs=0, workers=1):
    rng = np.random.default_rng(seed)
    counts = discovery_counts(d, discovery_runs, seed, workers) if discovery_runs else None
    families = []
    scans = {}
    for df in DEFINITIONS:
        if df.q not in scans:
            scans[df.q] = scan(df.q, d, starts, rng)
        st, found = scans[df.q]
        matches = [(loss, x) for loss, x in found if df.matches(x, st.names)]
        if not matches:
            print(f"{df.name}: no critical point matches {df.rule}", file=sys.stderr)
            continue
        loss, x = matches[0]
        source = f"scan of Fix(H) at d = {d:g}: lowest-loss match of '{df.rule}' among {len(found)} critical points"
        seeds = [Seed(d, tuple(x), source)]
        fam = Family(df.name, df.q, df.description, tuple(seeds))
        for d_extra in EXTRA_SEED_DIMENSIONS:
            if d_extra <= fam.d_min:
                continue
            try:
                xe = point_from_seed(fam, "fixed", d_extra)
            except FamilyError as err:
                print(f"{df.name}: no seed at d = {d_extra}: {err}", file=sys.stderr)
                break
            seeds.append(Seed(d_extra, tuple(xe), f"natural continuation in d from the seed at d = {d:g}"))
        if counts is not None:
            reached = counts.get(df.name, 0)
            source += (f"; spurious discover --setting fixed --d {d:g} --runs {discovery_runs} --seed {seed} "
                       f"reached it in {reached} of {discovery_runs} runs")
        families.append({
            "name": df.name, "blocks": ["n"] + ([df.q] if df.q else []), "settings": list(SETTINGS),
            "found_by": source, "loss_at_reference": loss,
            "seeds": [{"d": s.d, "params": [float(v) for v in s.params], "source": s.source} for s in seeds],
            "parameter_names": st.names,
        })
        print(f"{df.name}: loss {loss:.6f} at d = {d:g}, {len(seeds)} seeds", file=sys.stderr)
    command = f"python -m spurious.cases.build_catalogue --d {d:g} --starts {starts} --seed {seed}"
    if discovery_runs:
        command += f" --discovery-runs {discovery_runs}"
    return {"provenance": {"command": command, "method": __doc__.split("Method (recorded in the file): ")[1]
                           .split("\n\n")[0].replace("\n", " ")},
            "families": families}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=float, default=20.0)
    ap.add_argument("--starts", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--discovery-runs", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1, help="processes for the discovery runs")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / CATALOGUE_FILE)
    args = ap.parse_args(argv)
    data = build(args.d, args.starts, args.seed, args.discovery_runs, args.workers)
    atomic_write_text(args.out, json.dumps(data, indent=1) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
