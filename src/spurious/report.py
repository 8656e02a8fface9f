"""The bifurcation-point report (the main job): every family continued over its range, every
stability change refined to verified digits, tables and figures.

Written to a temporary folder beside ``out`` and moved into place at the end, so an
interrupted or failed run leaves nothing half-written.
"""
import json
import os
import shutil
import tempfile
from pathlib import Path

from .api import REFINE_D_MAX, event_rows, get_case, integer_table, refine_case
from .cases import families
from .errors import UserError
from .progress import Progress


def _check_out(out):
    out = Path(out)
    parent = out.resolve().parent
    if out.exists() and not out.is_dir():
        raise UserError(f"cannot write the report to {out}: it exists and is not a folder")
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise UserError(f"cannot write the report to {out}: {parent} is not a writable folder")
    if out.exists() and not os.access(out, os.W_OK):
        raise UserError(f"cannot write the report to {out}: it is not writable")
    return out


def build_report(names, digits, progress):
    """Everything in the report as a JSON-ready dict."""
    out = {"digits_requested": digits, "d_max": REFINE_D_MAX, "families": []}
    for i, name in enumerate(names):
        fam = get_case(name)
        step = lambda f, note="", i=i: progress.update(i + f, f"{name} {note}")
        refined = refine_case(fam, "fixed", digits, progress=step)
        branch = refined.pop("branch")
        entry = {"name": fam.name, "isotropy": fam.isotropy, "description": fam.description,
                 "provenance": fam.provenance, **refined,
                 "events": event_rows(branch),
                 "branch": {"d": [float(v) for v in branch.d],
                            "loss": [float(v) for v in branch.values["loss"]],
                            "lambda_min": [float(v) for v in branch.values["lambda_min"]]},
                 "integer_d": {s: integer_table(fam, s) for s in ("fixed", "trainable")}}
        out["families"].append(entry)
        progress.update(i + 1, name)
    return out


def _interval_text(intervals):
    return "; ".join(f"({iv['d_lo']:.4f}, {iv['d_hi']:.4f}): {iv['morse_index_formula']}"
                     f" [= {iv['morse_index_at_sample']:g} at d = {iv['d_sample']:g}]" for iv in intervals)


def markdown(report):
    lines = ["# Where symmetric families of critical points turn from saddles into spurious minima", "",
             "Two-layer ReLU network, `k = d`, teacher `V = I`, `b = 1`, Gaussian inputs, squared loss, "
             "fixed second layer `a = 1` (the trainable setting has the same `d*` and Morse indices for "
             "these families: the rescaling argument, checked at every integer `d` below).",
             f"Each `d*` is printed with only the digits that agree between two working precisions "
             f"(requested: {report['digits_requested']}). Range continued: from `d = {report['d_max']:g}` "
             "down to the lower end of each family's range.", "",
             "| family | isotropy | d* (verified digits) | digits | loss at d* | soft representation | slope dλ/dd | Morse index by interval of d |",
             "|---|---|---|---|---|---|---|---|"]
    for f in report["families"]:
        crossings = f["crossings"] or [None]
        for c in crossings:
            if c is None:
                lines.append(f"| {f['name']} | {f['isotropy']} | none on the range | | | | | {_interval_text(f['morse_intervals'])} |")
                continue
            lines.append(f"| {f['name']} | {f['isotropy']} | {c['d_star']} | {c['digits_verified']} | "
                         f"{c['loss']:.12g} | {c['representation']} | {c['slope']:.3e} | "
                         f"{_interval_text(f['morse_intervals'])} |")
    lines += ["", "## Folds and branch points found along the branches", "",
              "| family | kind | d | label |", "|---|---|---|---|"]
    other = [(f["name"], e) for f in report["families"] for e in f["events"] if e["kind"] != "stability"]
    lines += [f"| {n} | {e['kind']} | {e['d']:.12f} | {e['label']} |" for n, e in other] or ["| (none) | | | |"]
    lines += ["", "## Loss and smallest Hessian eigenvalue at integer d", ""]
    for f in report["families"]:
        lines += [f"### {f['name']} ({f['isotropy']})", "",
                  "| d | loss | λ_min (fixed) | Morse (fixed) | λ_min (trainable, balanced) | Morse (trainable) |",
                  "|---|---|---|---|---|---|"]
        tr = {r["d"]: r for r in f["integer_d"]["trainable"]}
        for r in f["integer_d"]["fixed"]:
            t = tr.get(r["d"], {})
            lines.append(f"| {r['d']} | {r['loss']:.10g} | {r['lambda_min']:.6e} | {r['morse_index']:g} | "
                         f"{t.get('lambda_min', float('nan')):.6e} | {t.get('morse_index', float('nan')):g} |")
        lines.append("")
    lines += ["Figures: `loss.png` (loss vs d), `lambda_min.png` (λ_min vs d, d* marked), `branches.png`.", ""]
    return "\n".join(lines)


def write_report(out="report", digits=40, cases=None, quiet=False):
    """Write ``out/report.md``, ``out/report.json`` and ``out/*.png``; returns the markdown path."""
    out = _check_out(out)
    names = cases or [f.name for f in families()]
    for name in names:
        get_case(name)
    progress = Progress(len(names), "report", enabled=not quiet)
    report = build_report(names, digits, progress)
    progress.close()
    tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=out.resolve().parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the report is an ordinary folder
    try:
        (tmp / "report.json").write_text(json.dumps(report, indent=1) + "\n")
        (tmp / "report.md").write_text(markdown(report))
        from .plotting import report_figures

        report_figures(report, tmp)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out / "report.md"
