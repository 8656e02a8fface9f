"""The ``spurious`` command line. It owns no mathematics: it parses, calls the API, prints.

Errors the user can cause (unknown case, d out of range, no convergence, bad numbers, an
unwritable path) end with one line ``spurious: error: ...`` on stderr and exit code 2.
"""
import argparse
import json
import math
import sys

from . import __version__


from .errors import UserError


def _finite_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _print_json(obj):
    print(json.dumps(obj, indent=1, default=float))


# ------------------------------------------------------------------ commands
def cmd_cases(args):
    from .api import catalogue_rows

    rows = catalogue_rows()
    if args.json:
        _print_json(rows)
        return
    print(f"{'case':8} {'isotropy':24} {'range of d':14} {'seeds at d':20} description")
    for r in rows:
        seeds = ", ".join(f"{s:g}" for s in r["seed_d"])
        print(f"{r['name']:8} {r['isotropy']:24} {'> ' + format(r['d_min'], 'g'):14} {seeds:20} {r['description']}")
    if rows:
        print(f"\nsettings: {', '.join(rows[0]['settings'])}; seeds from: {rows[0]['provenance']}")


def cmd_point(args):
    from .api import critical_point, get_case

    cp = critical_point(get_case(args.case), args.setting, args.d)
    if args.json:
        _print_json(cp.as_dict())
        return
    fam = get_case(args.case)
    print(f"{cp.case} ({cp.setting} second layer) at d = {cp.d:g}: isotropy {fam.isotropy}")
    print("parameters" + (" (balanced gauge |w| = |a| per block)" if cp.setting == "trainable" else "") + ":")
    for name, value in zip(cp.names, cp.params):
        print(f"  {name:5} = {value: .15f}")
    print(f"loss = {cp.loss:.15g}    |grad| = {cp.grad_norm:.2e}")
    print(f"{'eigenvalue':>22}  {'multiplicity':>12}  representation")
    for e in cp.spectrum.entries:
        print(f"{e.eigenvalue:22.15g}  {e.multiplicity:12g}  {e.representation}")
    for value, mult in cp.spectrum.zero_modes:
        print(f"{value:22.3g}  {mult:12g}  rescaling zero mode (excluded)")
    print(f"lambda_min = {cp.lambda_min:.15g}    Morse index = {cp.morse_index:g}    {cp.kind}")


def cmd_discover(args):
    from .cases.discover import discover
    from .progress import Progress

    bar = Progress(args.runs, "discover", enabled=not args.quiet)
    result = discover(args.setting, args.d, args.runs, workers=args.workers, seed=args.seed,
                      progress=lambda done, total: bar.update(done))
    bar.close()
    if args.json:
        _print_json(result.as_dict())
    else:
        print(result.table())


def cmd_track(args):
    from .api import get_case, track
    from .progress import Progress

    fam = get_case(args.case)
    fam.check_d(args.d_from)
    span = abs((args.d_to if args.d_to is not None else fam.d_min) - args.d_from)
    bar = Progress(span, f"track {fam.name}", enabled=not args.quiet)
    observer = lambda step: bar.update(abs(step.d - args.d_from), f"d = {step.d:.4f}")
    branch = track(fam, d_from=args.d_from, d_to=args.d_to, setting=args.setting, observers=(observer,))
    bar.close()
    if args.out:
        try:
            branch.save(args.out)
        except OSError as err:
            raise UserError(f"cannot write {args.out}: {err.strerror}")
    if args.json:
        _print_json(branch_summary(branch))
        return
    s = branch_summary(branch)
    print(f"{fam.name} ({args.setting}): {s['points']} points from d = {s['d_first']:g} to d = {s['d_last']:g}; "
          f"ended: {s['end_reason']}")
    print(f"{'event':14} {'d':>20} {'label':28} Morse index below -> above")
    for e in s["events"]:
        change = ""
        if e["kind"] == "stability":
            (db, ib), (da, ia) = e["index_below_sample"] or (0, 0), e["index_above_sample"] or (0, 0)
            change = f"{e['index_below']} (= {ib:g} at d = {db:g}) -> {e['index_above']} (= {ia:g} at d = {da:g})"
        print(f"{e['kind']:14} {e['d']:20.14f} {e['label']:28} {change}")
    if not s["events"]:
        print("(no events)")


def branch_summary(branch):
    from .api import event_rows

    return {"case": branch.metadata.get("case"), "setting": branch.metadata.get("setting"),
            "points": len(branch.d), "d_first": float(branch.d[0]), "d_last": float(branch.d[-1]),
            "end_reason": branch.end_reason, "events": event_rows(branch)}


def cmd_plot(args):
    from .plotting import plot_branch_file

    out = plot_branch_file(args.branch, args.out)
    print(f"wrote {out}")


def cmd_refine(args):
    from .api import get_case, refine_case
    from .progress import Progress

    fam = get_case(args.case)
    bar = Progress(1.0, f"refine {fam.name}", enabled=not args.quiet)
    result = refine_case(fam, args.setting, args.digits, progress=lambda f, note="": bar.update(f, note))
    bar.close()
    del result["branch"]
    if args.json:
        _print_json(result)
        return
    print(f"{fam.name} ({args.setting}): stability changes on its range, {args.digits} digits requested")
    for c in result["crossings"]:
        print(f"  d* = {c['d_star']}  ({c['digits_verified']} verified digits, status {c['status']})")
        print(f"     block {c['representation']}, Morse index {c['index_below']} below -> {c['index_above']} above; "
              f"loss {c['loss']}; slope {c['slope']}")
    if not result["crossings"]:
        print("  (none)")
    print(f"last crossing: d* = {result['last_crossing_d_star']}")


def cmd_report(args):
    from .report import write_report

    path = write_report(args.out, digits=args.digits, cases=args.cases, quiet=args.quiet)
    print(f"wrote {path}")


# ---------------------------------------------------------------- the parser
def _digits(text):
    value = _positive_int(text)
    if value > 1000:
        raise argparse.ArgumentTypeError(f"at most 1000 digits, got {value}")
    return value


def build_parser():
    ap = argparse.ArgumentParser(
        prog="spurious",
        description="Continuation of symmetric critical points of two-layer ReLU networks in real dimension d.")
    ap.add_argument("--version", action="version", version=f"spurious {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("cases", help="the catalogue of families")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("point", help="a family's critical point and Hessian spectrum at (fractional) d")
    p.add_argument("case")
    p.add_argument("--d", type=_finite_float, required=True)
    p.add_argument("--setting", choices=("fixed", "trainable"), default="fixed")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_point)

    p = sub.add_parser("discover", help="find critical points from random starts and identify their isotropy")
    p.add_argument("--setting", choices=("fixed", "trainable"), default="fixed")
    p.add_argument("--d", type=_positive_int, required=True)
    p.add_argument("--runs", type=_positive_int, default=200)
    p.add_argument("--workers", type=_positive_int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_discover)

    p = sub.add_parser("track", help="continue a family in real d and detect events")
    p.add_argument("case")
    p.add_argument("--d-from", type=_finite_float, default=20.0)
    p.add_argument("--d-to", type=_finite_float, default=None)
    p.add_argument("--setting", choices=("fixed", "trainable"), default="fixed")
    p.add_argument("--out", default=None, help="save the branch (JSON)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_track)

    p = sub.add_parser("plot", help="plot a saved branch (needs matplotlib)")
    p.add_argument("branch")
    p.add_argument("--out", default=None)
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("refine", help="every stability change of a family, to verified digits")
    p.add_argument("case")
    p.add_argument("--setting", choices=("fixed", "trainable"), default="fixed")
    p.add_argument("--digits", type=_digits, default=50)
    p.add_argument("--json", action="store_true")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_refine)

    p = sub.add_parser("report", help="the bifurcation-point report of every family (the main job)")
    p.add_argument("--out", default="report")
    p.add_argument("--digits", type=_digits, default=40)
    p.add_argument("--cases", nargs="*", default=None, help="restrict to these families")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_report)
    return ap


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from .cases.family import FamilyError

    try:
        args.func(args)
    except (UserError, FamilyError, ValueError) as err:
        print(f"spurious: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("spurious: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: still one line, and a distinct exit code
        print(f"spurious: internal error ({type(err).__name__}): {err} -- please report it", file=sys.stderr)
        return 3
    return 0
