"""The ``spurious`` command line. It owns no mathematics: it parses, checks, calls the API, prints.

The error contract (README, "Exit codes"):

* ``0`` success; ``2`` an error the user can fix (bad option, unknown case, ``d`` out of range,
  an output path that cannot or must not be written, a bad input file): one line
  ``spurious: error: ...`` on stderr, and no output file created or changed;
* ``130`` interrupted (Ctrl-C, SIGINT), ``143`` terminated (SIGTERM): one line; a long run
  keeps its checkpoint and says how to resume;
* ``3`` an internal error (a bug): one line with the exception type; ``--debug`` shows the
  traceback;
* a closed output pipe (``spurious cases --json | head -1``) ends the command quietly.

Every output path is checked before the computation starts (:mod:`spurious.safeio`).
"""
import argparse
import fractions
import json
import math
import os
import signal
import sys
import time

from . import __version__
from .errors import UserError
from .safeio import DISCOVERY_FORMAT
from .validation import MAX_DIGITS

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USER, EXIT_INTERNAL, EXIT_SIGINT, EXIT_SIGTERM = 0, 1, 2, 3, 130, 143
CHECKPOINT_SECONDS = 5.0
"""Default of ``track --checkpoint-every``: a running ``track --out FILE`` saves its branch
this often (and when interrupted)."""
DISCOVER_D_MAX = 100
DISCOVER_RUNS_MAX = 100_000
"""``discover`` works on the full ``k d = d^2`` parameters with dense ``d^2 x d^2`` Hessians
(``8 d^4`` bytes each, a few alive at once): ``d <= 100`` keeps them below ~2.5 GiB, and the
dense eigen-decompositions (``O(d^6)``) to minutes per run."""


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM, so cleanup (``finally``) runs as for Ctrl-C."""


class UsageError(Exception):
    """An argparse error, reported in one line like every other user error."""

    def __init__(self, message, prog):
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message, self.prog)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs keep their line breaks; a meaningful default is shown after an
    option's help (not the ``None``/``False`` of options that are simply absent)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and "%(default)" not in text \
                and action.option_strings:
            text += " (default: %(default)s)"
        return text


# --------------------------------------------------------------- argument types
def _real(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _bounded_int(low, high, what=""):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}{what}, got {value}")
        return value

    return parse


_digits = _bounded_int(1, MAX_DIGITS)
_runs = _bounded_int(1, DISCOVER_RUNS_MAX, " (split a larger search into runs with different --seed)")
_workers = _bounded_int(1, 64)
_seed = _bounded_int(0, 2**63 - 1)


def _seconds(text):
    value = _real(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {text!r}")
    return value


def _discover_d(text):
    value = _bounded_int(2, 10**9)(text)
    memory = 3 * 8 * float(value) ** 4
    if value > DISCOVER_D_MAX:
        raise argparse.ArgumentTypeError(
            f"d = {value} is too large for discover (at most {DISCOVER_D_MAX}): the dense Hessians on the "
            f"d^2 = {value**2} parameters need about {memory / 2**30:.3g} GiB; for larger d follow a known "
            "family with 'track' or 'point'")
    return value


def _print_json(obj):
    print(json.dumps(obj, indent=1, default=float))


def _case(name):
    from .api import get_case

    return get_case(name)



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
    from .api import critical_point

    fam = _case(args.case)
    cp = critical_point(fam, args.setting, args.d)
    if args.json:
        _print_json(cp.as_dict())
        return
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
    if float(cp.d) != round(float(cp.d)):
        print("(at a non-integer d the multiplicities, and so the Morse index, are the dimension "
              "polynomials of the representations evaluated at d)")




def _load_discovery(path, args):
    """The runs already done in a discovery file, checked against this command line."""
    from .cases.discover import run_from_json

    try:
        if not os.path.isfile(path):
            raise ValueError("not a regular file")
        if os.path.getsize(path) > 2**30:
            raise ValueError("larger than 1 GiB")
        with open(path, encoding="utf-8") as fh:
            state = json.load(fh)
        if not isinstance(state, dict) or state.get("format") != DISCOVERY_FORMAT:
            raise ValueError("not a discovery file of spurious")
        for key in ("setting", "d", "seed"):
            if state.get(key) != getattr(args, key):
                raise ValueError(f"it was made with --{key} {state.get(key)}, not {getattr(args, key)}")
        done = {int(i): run_from_json(r) for i, r in state["runs_done"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise UserError(f"cannot resume from {path}: {getattr(err, 'strerror', None) or err}")
    return {i: r for i, r in done.items() if 0 <= i < args.runs}


def cmd_discover(args):
    from .cases.discover import discover, run_to_json
    from .continuation.files import atomic_write_text
    from .progress import Progress
    from .safeio import DISCOVERY_TAG, check_output_file, written_by_spurious

    out = args.out if args.out is not None else args.resume
    if out is not None:
        same = args.resume is not None and os.path.realpath(out) == os.path.realpath(args.resume)
        out = check_output_file(out, "cannot write the discovery to",
                                replaceable=lambda p: written_by_spurious(p, DISCOVERY_TAG),
                                force=args.force or same)
    done = _load_discovery(args.resume, args) if args.resume is not None else {}
    state = {"format": DISCOVERY_FORMAT, "version": 1, "setting": args.setting, "d": args.d, "seed": args.seed,
             "runs": args.runs, "complete": False, "runs_done": {str(i): run_to_json(r) for i, r in done.items()}}
    saved = {"at": time.monotonic()}

    def save():
        atomic_write_text(out, json.dumps(state) + "\n")
        saved["at"] = time.monotonic()

    def on_run(i, outcome):
        state["runs_done"][str(i)] = run_to_json(outcome)
        if out is not None and time.monotonic() - saved["at"] >= args.checkpoint_every:
            save()

    bar = Progress(args.runs, "discover", enabled=not args.quiet)
    try:
        result = discover(args.setting, args.d, args.runs, workers=args.workers, seed=args.seed,
                          progress=lambda n, total: bar.update(n), done=done, on_run=on_run)
    except (KeyboardInterrupt, Terminated):
        bar.close()
        if out is not None:
            save()
            print(f"spurious: {len(state['runs_done'])} runs saved to {out}; continue with: spurious discover "
                  f"--setting {args.setting} --d {args.d} --runs {args.runs} --seed {args.seed} --resume {out}",
                  file=sys.stderr)
        raise
    bar.close()
    if out is not None:
        state["complete"] = True
        state["result"] = result.as_dict()
        save()
    if args.json:
        _print_json(result.as_dict())
    else:
        print(result.table())


def _track_output(args, resumed_from):
    """The branch file to write (checked now, before any computation), or ``None``."""
    from .safeio import BRANCH_TAG, check_output_file, written_by_spurious

    out = args.out if args.out is not None else resumed_from
    if out is None:
        return None
    same = resumed_from is not None and os.path.realpath(out) == os.path.realpath(resumed_from)
    return check_output_file(out, "cannot write the branch to", replaceable=lambda p: written_by_spurious(p, BRANCH_TAG),
                             force=args.force or same)


def cmd_track(args):
    from .api import track
    from .progress import Progress
    from .safeio import read_branch

    resumed = None
    if args.resume is not None:
        resumed = read_branch(args.resume)
        case = resumed.metadata.get("case")
        if args.case is not None and args.case != case:
            raise UserError(f"{args.resume} is a branch of {case}, not of {args.case}")
        args.case = case
        args.setting = resumed.metadata.get("setting", args.setting)
        if args.d_from is not None:
            raise UserError("--d-from cannot be combined with --resume (the branch continues from its last point)")
    elif args.case is None:
        raise UserError("name a case (spurious cases lists them) or --resume a branch file")
    fam = _case(args.case)
    d_from = args.d_from if args.d_from is not None else (resumed.metadata.get("d_from") if resumed else 20.0)
    if resumed is None:
        fam.check_d(d_from)
    d_to = args.d_to if args.d_to is not None else (resumed.metadata.get("d_to") if resumed else None)
    if d_to is not None and d_to > fam.d_max:
        raise UserError(f"--d-to {d_to:g} is above the range of {fam.name} (d <= {fam.d_max:g})")
    out = _track_output(args, args.resume)
    start = float(resumed.d[-1]) if resumed is not None else d_from
    span = abs((d_to if d_to is not None else fam.d_min) - start) or 1.0
    bar = Progress(span, f"track {fam.name}", enabled=not args.quiet)
    latest = {"branch": resumed, "saved": time.monotonic()}

    def observe(step):
        bar.update(abs(step.d - start), f"d = {step.d:.4f}")
        latest["branch"], latest["points"], latest["events"] = step.branch, len(step.branch), len(step.branch.events)
        if out is not None and time.monotonic() - latest["saved"] >= args.checkpoint_every:
            step.branch.save(out)
            latest["saved"] = time.monotonic()

    try:
        branch = track(fam, d_from=d_from, d_to=d_to, setting=args.setting, observers=(observe,), resume=resumed)
    except (KeyboardInterrupt, Terminated):
        bar.close()
        branch = latest["branch"]
        if out is not None and branch is not None and len(branch):
            if len(branch) == latest.get("points") and len(branch.events) > latest["events"]:
                del branch.events[latest["events"]:]  # stopped between a step's events and its point
            branch.save(out)
            print(f"spurious: checkpoint saved to {out}; continue with: spurious track --resume {out}",
                  file=sys.stderr)
        raise
    bar.close()
    if len(branch) == 0:
        raise UserError(f"no branch: {branch.message}")
    if out is not None:
        branch.save(out)
    s = branch_summary(branch)
    if args.json:
        _print_json(s)
        return
    print(f"{fam.name} ({args.setting}): {s['points']} points from d = {s['d_first']:g} to d = {s['d_last']:g}; "
          f"ended: {s['message']} [{s['status']}]")
    print(f"{'event':14} {'d':>20} {'label':28} Morse index below -> above")
    for e in s["events"]:
        change = ""
        if e["kind"] == "stability":
            change = f"{e['index_below']} -> {e['index_above']}"
        print(f"{e['kind']:14} {e['d']:20.14f} {e['label']:28} {change}")
    if not s["events"]:
        print("(no events)")
    if out is not None:
        print(f"wrote {out}")


def branch_summary(branch):
    from .api import event_rows

    return {"case": branch.metadata.get("case"), "setting": branch.metadata.get("setting"),
            "points": len(branch.d), "d_first": float(branch.d[0]), "d_last": float(branch.d[-1]),
            "status": branch.status.value, "message": branch.message, "end_reason": branch.message,
            "events": event_rows(branch)}


def cmd_plot(args):
    from .plotting import plot_branch_file, require_matplotlib

    require_matplotlib()
    out = plot_branch_file(args.branch, args.out, force=args.force)
    print(f"wrote {out}")


def cmd_refine(args):
    from .api import refine_case
    from .progress import Progress

    fam = _case(args.case)
    bar = Progress(1.0, f"refine {fam.name}", enabled=not args.quiet)
    try:
        result = refine_case(fam, args.setting, args.digits, progress=lambda f, note="": bar.update(f, note)).as_dict() | {"branch": None}
    finally:
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


def cmd_series(args):
    from .cases.family import FamilyError
    from .cases.series import VARIABLE, family_series, first_difference, spectrum_limits
    from .kernels.contexts import PrecisionError
    from .progress import Progress

    fam = _case(args.case)
    compare = [_case(name) for name in args.compare or []]
    bar = Progress(1.0, f"series {fam.name}", enabled=not args.quiet)
    try:
        result = family_series(fam, order=args.order, digits=args.digits, identify=args.identify,
                               progress=lambda f, note="": bar.update(f, note))
    except (PrecisionError, FamilyError) as err:
        raise UserError(f"cannot expand {fam.name}: {err} (try another --order or more --digits)")
    finally:
        bar.close()
    data = result.as_dict()
    data["limits"] = [{**row, "limit": _plain(row["limit"], row["digits"])} for row in spectrum_limits(result)]
    if compare:
        others = []
        for other_family in compare:
            other = family_series(other_family, order=args.order, digits=args.digits, checks=False)
            others.append({"case": other_family.name, "first_difference_power": first_difference(result, other)})
        data["compare"] = others
    if args.json:
        _print_json(data)
        return
    print(f"{fam.name}: power series in {VARIABLE}, {args.order} terms from each leading power "
          f"(fixed second layer); digits shown are verified (two working precisions agree)")
    for name, terms in data["series"].items():
        shown = " ".join(f"{_signed(_short(t['coefficient']))}·t^{t['power']}" for t in terms[:4])
        print(f"  {name:34s} {shown}{' ...' if len(terms) > 4 else ''}   ({len(terms)} terms, "
              f"{min(t['digits'] for t in terms)}+ digits)")
    rem = data["checks"].get("remainder", {})
    ex = data["checks"].get("extrapolation", {})
    worst = data["checks"].get("remainder_worst_deviation")
    if rem and worst is not None:
        verdict = ("passed: the series is the expansion of the continued family" if data["checks"]["remainder_pass"]
                   else "FAILED: the series does not match the continued family")
        print(f"check: remainder / next term at d = {' and '.join(data['checks']['remainder_judged_at'])} "
              f"within {worst:.1e} of 1 ({verdict})")
    elif rem:
        print("check: remainder test not applicable at this order (the remainder at d = 1e10 is below the "
              "coefficients' verified digits); lower --order or raise --digits")
    if ex and data["checks"].get("extrapolation_fewest_digits") is not None:
        print(f"check: Neville extrapolation of the continuation agrees with the first coefficients "
              f"to {data['checks']['extrapolation_fewest_digits']}+ digits")
    if data["identified"]:
        print("conjectured closed forms (PSLQ; each agrees with the coefficient to at least 15 digits "
              "beyond the size of its integers; conjectures, not proofs):")
    for name, forms in data["identified"].items():
        text = "; ".join(f"t^{f['power']}: {f['form']} ({f['checked_digits']} digits)" for f in forms)
        print(f"  conjectured ({name}): {text}")
    for row in data.get("compare", []):
        p = row["first_difference_power"]
        print(f"spectra of {fam.name} and {row['case']}: "
              + ("agree to every verified order" if p is None else f"first differ at order t^{p}"))


def _plain(x, digits):
    import mpmath

    return mpmath.nstr(x, max(int(digits), 1), min_fixed=-5, max_fixed=5)


def _short(text, digits=10):
    """A decimal string cut to ``digits`` significant digits for the text table (the JSON keeps
    every verified digit)."""
    import mpmath

    with mpmath.workdps(len(text) + 5):
        return mpmath.nstr(mpmath.mpf(text), digits, min_fixed=-5, max_fixed=5)


def _signed(text):
    return text if text.startswith("-") else "+" + text


def cmd_branches(args):
    from .cases.branching import branch_graph
    from .progress import Progress

    fam = _case(args.case)
    out = None
    if args.out is not None:
        import io

        from .continuation.files import atomic_write_bytes
        from .plotting import FIGURE_SUFFIXES, require_matplotlib
        from .safeio import check_output_file

        require_matplotlib()
        out = check_output_file(args.out, "cannot write the figure to", force=args.force,
                                replaceable=lambda p: p.suffix.lower() in FIGURE_SUFFIXES)
        if out.suffix.lower() not in FIGURE_SUFFIXES:
            raise UserError(f"--out {args.out}: the figure must be .png, .pdf or .svg")
    from .api import refine_case

    refined = refine_case(fam, "fixed", digits=20)
    if args.crossing is not None and not 0 <= args.crossing < len(refined.crossings):
        raise UserError(f"--crossing {args.crossing}: {fam.name} has {len(refined.crossings)} crossing(s), "
                        f"numbered from 0")
    bar = Progress(1.0, f"branches {fam.name}", enabled=not args.quiet)
    try:
        graph = branch_graph(fam, progress=lambda f, note="": bar.update(f, note), refined=refined,
                             only=args.crossing)
    finally:
        bar.close()
    if out is not None:
        from .plotting import branches_figure

        buf = io.BytesIO()
        branches_figure(graph).savefig(buf, format=out.suffix.lower().lstrip("."), dpi=130)
        atomic_write_bytes(out, buf.getvalue())
    if args.json:
        _print_json({k: v for k, v in graph.items() if k != "curves"})
        return
    print(f"{fam.name}: branches born at its stability changes (fixed second layer)")
    for c in graph["crossings"]:
        print(f"  d* = {c['d_star']}  ({c['representation']})")
        if c["reason"]:
            print(f"     not handled: {c['reason']}")
        for b in c["branches"]:
            check = "as predicted" if b["kind"] == b["expected_kind"] else f"predicted {b['expected_kind']}"
            print(f"     {b['isotropy']}: {b['kind']} ({check}), side {b['side']}")
            for s in b["samples"]:
                print(f"        d = {s['d']}: loss {s['loss']:.10g}, Morse index {s['morse_index']}, "
                      f"full-space |grad| {s['gradient_max']:.1e}, spectrum vs eigvalsh {s['spectrum_error']:.1e}")
            events = [e for e in b["events"] if isinstance(e, dict) and e["kind"] != "stability"]
            for e in events:
                print(f"        event: {e['kind']} at d ~ {e['d']:.6f} {e.get('label') or ''}")
            for x in b.get("crossings", []):
                proof = ("certified: the only zero in d* -+ 1e-30" if x["certified"]
                         else f"not certified ({x.get('reason') or x['status']})")
                print(f"        its own d* = {x['d_star']} ({x['digits']} verified digits; {proof}), block "
                      f"{x['representation']}")
    if out is not None:
        print(f"wrote {out}")


def cmd_overparam(args):
    from .cases.overparam import OverparamError, overparam_points, overparam_range
    from .progress import Progress

    fam = _case(args.case)
    if args.setting not in fam.settings:
        raise UserError(f"{fam.name} does not exist in the {args.setting} setting")
    ranged = args.d_from is not None or args.d_to is not None
    if ranged and (args.d_from is None or args.d_to is None):
        raise UserError("give both --d-from and --d-to")
    if ranged and not args.d_from < args.d_to:
        raise UserError(f"--d-from {args.d_from:g} must be below --d-to {args.d_to:g}")
    d = args.d_to if ranged else (args.d if args.d is not None else 20.0)
    for value, option in ((d, "--d-to" if ranged else "--d"), (args.d_from, "--d-from")):
        if value is not None and not fam.d_min < value <= fam.d_max:
            raise UserError(f"{option} {value:g} is outside the range of {fam.name}: {fam.d_min} < d <= {fam.d_max:g}")
    try:
        points, descendants, skipped = overparam_points(fam, args.setting, args.m, d)
        data = {"case": fam.name, "m": args.m, "setting": args.setting,
                "points": [p.as_dict() for p in points], "descendants": [x.as_dict() for x in descendants],
                "skipped": skipped}
        if ranged:
            bar = Progress(1.0, f"overparam {fam.name}", enabled=not args.quiet)
            try:
                along = overparam_range(fam, args.setting, args.m, args.d_from, args.d_to, args.digits,
                                        progress=lambda f, note="": bar.update(f, note))
            finally:
                bar.close()
            data.update(along)
    except OverparamError as err:
        raise UserError(str(err))
    if args.json:
        _print_json(data)
        return
    print(f"{fam.name} with k = d + {args.m} neurons ({args.setting} second layer) at d = {d!r}")
    for p in data["points"]:
        if p["morse_index_formula"] is not None:
            what = (f"Morse index {p['morse_index_formula']}" + (f" = {p['morse_index']:g}" if p["morse_index"] else "")
                    + f", lambda_min {p['lambda_min']:.6g}" + (f" in {p['descent']}" if p["descent"] else ""))
        else:
            what = f"min phi {p['phi_min']:.6g} ({p['note']})"
        print(f"  {p['embedding']:14s} {p['kind']:10s} {what}; loss {p['loss']:.12g} (k = d: {p['family_loss']:.12g})")
    for x in data["skipped"]:
        print(f"  {x['embedding']:14s} not tried: {x['reason']}")
    for x in data["descendants"]:
        line = f"  descent from {x['embedding']}: {x['status']}, loss {x['start_loss']:.8g} -> {x['loss']:.8g}"
        if x["family"]:
            line += f"; continue it with the family {x['family']} ({x['isotropy']})"
        print(line)
    if ranged:
        lo, hi = data["d_range_covered"]
        print(f"  along the family's branch, d from {lo:.6g} to {hi:.6g}:")
        for label, runs in data["intervals"].items():
            text = "; ".join(f"({r['d_lo']:.4f}, {r['d_hi']:.4f}) {r['kind']}, index {r['morse_index_formula']}"
                             for r in runs)
            print(f"  {label} along d: {text}")
        for c in data["crossings"]:
            print(f"  {c['embedding']}: index {c['index_below']} -> {c['index_above']} at d* = {c['d_star']} "
                  f"({c['digits_verified']} verified digits, block {c['representation']})")


def cmd_report(args):
    from .report import write_report

    path = write_report(args.out, digits=args.digits, cases=args.cases, quiet=args.quiet, force=args.force,
                        resume=args.resume)
    print(f"wrote {path}")


def _exact_number(text, option, hint):
    """``text`` as an exact Fraction (decimal or p/q), or a one-line UserError; exponents beyond
    ``cases.certify.MAX_EXPONENT`` are refused before parsing (they would take minutes)."""
    from .cases.certify import _check_exponent

    try:
        _check_exponent(text.strip())
        return fractions.Fraction(text.strip())
    except (ValueError, ZeroDivisionError) as err:
        raise UserError(f"{option} {text[:40]!r} is not an exact number" + (f" ({hint})" if hint else "")
                        + (f": {err}" if "exponent" in str(err) else ""))


CERTIFY_ALL_TO = 100
"""``certify --all`` without ``--d``/``--d-range``/``--crossings``: every integer d up to this."""


def _certify_ds(fam, args):
    """The exact d (strings) a ``certify`` command asks for, for one family."""
    if args.d is not None:
        exact = _exact_number(args.d, "--d", "write e.g. 6, 5.5 or 11/2")
        if args.all and not fam.d_min < float(exact) <= fam.d_max:
            return []  # --all: a family whose range does not hold d is skipped, as with --d-range
        fam.check_d(float(exact))
        return [args.d.strip()]
    if args.d_range is None and not (args.all and not args.crossings):
        return []
    lo, hi = args.d_range if args.d_range is not None else (fam.d_min, CERTIFY_ALL_TO)
    ds = [str(k) for k in range(math.ceil(max(lo, fam.d_min)), math.floor(min(hi, fam.d_max)) + 1)
          if k > fam.d_min]
    if not ds and not args.all:
        raise UserError(f"no integer d in [{lo:g}, {hi:g}] inside the range of {fam.name} "
                        f"({fam.d_min:g} < d <= {fam.d_max:g})")
    if len(ds) > 1000:
        raise UserError(f"{len(ds)} integer d requested; certify at most 1000 at a time")
    return ds


def cmd_certify(args):
    from .cases import families
    from .cases.certify import certificate_document, certificate_set, certify_crossings, certify_point
    from .continuation.files import atomic_write_text
    from .progress import Progress
    from .safeio import CERTIFICATE_TAG, check_output_file, written_by_spurious

    if args.all == (args.case is not None):
        raise UserError("give one CASE or --all (the whole catalogue), not both")
    if not args.all and args.d is None and args.d_range is None and not args.crossings:
        raise UserError("say what to certify: --d D, --d-range A B or --crossings (or use --all)")
    fams = families() if args.all else [_case(args.case)]
    fams = [f for f in fams if args.setting in f.settings] if args.all else fams
    for fam in fams:
        fam.structure(args.setting)
    plan = [(fam, _certify_ds(fam, args)) for fam in fams]
    try:
        halfwidth = _exact_number(args.halfwidth, "--halfwidth", "")
    except UserError:
        halfwidth = None
    if halfwidth is None or not 0 < halfwidth < 1:
        raise UserError(f"--halfwidth {args.halfwidth!r} must be an exact number in (0, 1), e.g. 1e-30")
    crossings_too = args.crossings or (args.all and args.d is None and args.d_range is None)
    if not crossings_too and not any(ds for _, ds in plan):
        if args.d is not None:
            raise UserError(f"d = {args.d} is outside the range of every family of the catalogue")
        lo, hi = args.d_range
        raise UserError(f"no integer d in [{lo:g}, {hi:g}] inside the range of any family of the catalogue")
    out = None
    if args.out is not None:
        out = check_output_file(args.out, "cannot write the certificate to", force=args.force,
                                replaceable=lambda p: written_by_spurious(p, CERTIFICATE_TAG))
    documents = []
    total = sum(len(ds) for _, ds in plan)
    bar = Progress(total, "certify", enabled=not args.quiet and total > 1)
    done = 0
    for fam, ds in plan:
        points, crossings = [], []
        for d in ds:
            points.append(certify_point(fam, args.setting, d, digits=args.digits))
            done += 1
            bar.update(done, f"{fam.name} d = {d}")
        if crossings_too:
            crossings = certify_crossings(fam, args.setting, digits=args.digits, halfwidth=args.halfwidth)
        documents.append(certificate_document(fam.name, args.setting, points, crossings))
    bar.close()
    document = certificate_set(documents) if args.all else documents[0]
    if out is not None:
        atomic_write_text(out, json.dumps(document, indent=1) + "\n")
    if args.json:
        _print_json(document)
    else:
        for doc in documents:
            _print_certificate(doc, args.digits)
        if args.all:
            claims = [e["certified"] for doc in documents for e in doc["points"] + doc["crossings"]]
            used = sum(1 for doc in documents if doc["points"] or doc["crossings"])
            print(f"{sum(claims)} of {len(claims)} claims certified, {used} families")
        if out is not None:
            print(f"wrote {out} (re-check it with: spurious check {out})")


def _print_certificate(doc, digits):
    print(f"{doc['case']} ({doc['setting']}): certified = proved in arb ball arithmetic "
          f"({digits} digits); 'verified' digits are a different, weaker claim")
    for r in doc["points"]:
        if r["certified"]:
            note = "" if r["integer_d"] else " (the dimension polynomials at this non-integer d)"
            where = ("the teacher point W = I exactly (a global minimum)" if r["exact_point"]
                     else f"critical point certified in a box of radius {r['radius']}")
            print(f"  d = {r['d']}: {where}; Morse index {r['morse_index']} certified{note}")
        else:
            print(f"  d = {r['d']}: NOT certified: {r['reason']}")
    for r in doc["crossings"]:
        if r["certified"]:
            enc = r["d_star_enclosure"]
            print(f"  {r['representation']}: exactly one d* in [{r['d_lo']}, {r['d_hi']}] (certified), "
                  f"d* in [{enc['lo']}, {enc['hi']}]")
        else:
            print(f"  {r['representation']}: NOT certified: {r['reason']}")


class CheckFailed(Exception):
    """``spurious check``: a claim of the certificate does not hold (exit code 1)."""


def cmd_check(args):
    from .cases.certify import check_certificate

    try:
        if not os.path.isfile(args.certificate):
            raise ValueError("not a regular file")
        if os.path.getsize(args.certificate) > 256 * 2**20:
            raise ValueError("larger than 256 MiB")
        with open(args.certificate, encoding="utf-8") as fh:
            data = json.load(fh)
        claims = check_certificate(data)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise UserError(f"cannot check {args.certificate}: {getattr(err, 'strerror', None) or err}")
    failed = [c for c in claims if not c[1]]
    if args.json:
        _print_json({"certificate": args.certificate, "holds": not failed,
                     "claims": [{"claim": c, "holds": h, "detail": d} for c, h, d in claims]})
    else:
        for claim, holds, detail in claims:
            print(f"{'holds' if holds else 'FAILS'}: {claim}" + (f" -- {detail}" if detail and not holds else ""))
        print(f"{len(claims) - len(failed)} of {len(claims)} claims hold")
    if failed:
        raise CheckFailed(f"{len(failed)} claim(s) of {args.certificate} do not hold, e.g.: {failed[0][0]}")


# ---------------------------------------------------------------- the parser
GLOSSARY = """\
settings:  fixed      second layer a = 1 (the teacher's), only W is trained
           trainable  second layer a trained too; the rescaling w -> c w, a -> a / c gives zero
                      modes, which are reported separately and excluded from the Morse index
verified digits: the digits on which the same computation at two working precisions agrees
                 (evidence, not a proof)
parameter names: the entries of W, constant on the blocks of the family's index partition
                 (block 1 the large one of size d - q, block 2 the q special indices):
                 D1, D2 diagonal entries of block 1, 2; O1, O2 off-diagonal entries within
                 block 1, 2; P12, P21 entries coupling block 1 rows to block 2 columns and
                 back; a1, a2 second-layer weights of each block (trainable setting)
exit codes: 0 ok, 2 user error (one line, nothing written), 3 internal error (--debug shows the
            traceback), 130 interrupted, 143 terminated (checkpoints kept)"""


def _case_list():
    from .cases import DEFINITIONS

    return "\n".join(f"  {d.name:7} {d.description}" for d in DEFINITIONS)


def _sub(sub, name, help, description, epilog=None):
    return sub.add_parser(name, help=help, description=description, epilog=epilog, formatter_class=_Formatter)


def _setting(p):
    p.add_argument("--setting", choices=("fixed", "trainable"), default="fixed",
                   help="second layer fixed at a = 1, or trained too")


def _quiet(p):
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser():
    cases = _case_list()
    ap = _Parser(
        prog="spurious", formatter_class=_Formatter,
        description="Continuation of symmetric critical points of two-layer ReLU networks in real dimension d:\n"
                    "follow each family of critical points as d varies and locate, to verified digits,\n"
                    "the fractional d* where it turns from saddles into spurious minima.",
        epilog=f"cases:\n{cases}\n\n{GLOSSARY}\n\nRun 'spurious COMMAND --help' for each command; docs/ has the mathematics.")
    ap.add_argument("--version", action="version", version=f"spurious {__version__}")
    ap.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = _sub(sub, "cases", "list the catalogue of families",
             "The catalogue: each family's isotropy group, range of d, seeds and description.",
             epilog=f"cases:\n{cases}")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_cases)

    p = _sub(sub, "point", "a family's critical point and Hessian spectrum at one (fractional) d",
             "The critical point of CASE at real dimension d: its parameters on the fixed-point space,\n"
             "loss, gradient norm, and the Hessian spectrum by isotypic component with multiplicities,\n"
             "the smallest eigenvalue and the Morse index. Takes well under a second.",
             epilog=f"cases:\n{cases}\n\n{GLOSSARY}")
    p.add_argument("case", help="a family name (see the list below)")
    p.add_argument("--d", type=_real, required=True, help="the dimension, any real number in the family's range")
    _setting(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_point)

    p = _sub(sub, "discover", "find critical points from random starts and identify their isotropy",
             "Gradient descent (L-BFGS) from random Xavier starts at integer d, then Newton polish,\n"
             "neuron balancing and matching, and the isotropy group of each distinct critical point.\n"
             "Time: about 0.5 s per run at d = 20 on one core (runs x d^3 grows quickly); the progress\n"
             "bar shows the time left.")
    _setting(p)
    p.add_argument("--d", type=_discover_d, required=True, help=f"integer dimension k = d, 2..{DISCOVER_D_MAX}")
    p.add_argument("--runs", type=_runs, default=200, help=f"random starts, at most {DISCOVER_RUNS_MAX}")
    p.add_argument("--workers", type=_workers, default=1, help="processes (results do not depend on it)")
    p.add_argument("--seed", type=_seed, default=0, help="seed of the random starts")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="save every run's outcome and the result to FILE (checkpointed while running)")
    p.add_argument("--resume", default=None, metavar="FILE",
                   help="keep the runs already done in FILE (same --setting, --d, --seed; --runs may grow)")
    p.add_argument("--force", action="store_true", help="replace an existing discovery file given as --out")
    p.add_argument("--checkpoint-every", type=_seconds, default=CHECKPOINT_SECONDS, metavar="SECONDS",
                   help="with --out, save the runs this often while running")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _quiet(p)
    p.set_defaults(func=cmd_discover)

    p = _sub(sub, "track", "continue a family in real d and detect events",
             "Pseudo-arclength continuation of CASE from --d-from towards --d-to, with fold,\n"
             "branch-point and stability events (a block's smallest Hessian eigenvalue changes sign).\n"
             "With --out the branch is saved every few seconds and when interrupted; --resume FILE\n"
             "continues an interrupted branch (or extends a finished one towards a new --d-to).\n"
             "Time: a fraction of a second for a whole family range.",
             epilog=f"cases:\n{cases}")
    p.add_argument("case", nargs="?", default=None, help="a family name (optional with --resume)")
    p.add_argument("--d-from", type=_real, default=None, help="start of the branch (default 20)")
    p.add_argument("--d-to", type=_real, default=None, help="end of the branch (default: the lower end of the range)")
    _setting(p)
    p.add_argument("--out", default=None, help="save the branch to this JSON file (checkpointed while running)")
    p.add_argument("--resume", default=None, metavar="FILE", help="continue the branch saved in FILE (written back to FILE unless --out)")
    p.add_argument("--force", action="store_true", help="replace an existing branch file given as --out")
    p.add_argument("--checkpoint-every", type=_seconds, default=CHECKPOINT_SECONDS, metavar="SECONDS",
                   help="with --out, save the branch this often while running")
    p.add_argument("--json", action="store_true", help="print a JSON summary instead of a table")
    _quiet(p)
    p.set_defaults(func=cmd_track)

    p = _sub(sub, "plot", "plot a saved branch (needs matplotlib)",
             "Loss against d, and the smallest Hessian eigenvalue of each isotypic block against d\n"
             "with each stability event marked on the block that crosses.")
    p.add_argument("branch", help="a branch file written by 'spurious track --out'")
    p.add_argument("--out", default=None, help="image file (.png, .pdf or .svg; default: BRANCH with .png)")
    p.add_argument("--force", action="store_true", help="replace an existing image")
    p.set_defaults(func=cmd_plot)

    p = _sub(sub, "refine", "every stability change of a family, to verified digits",
             "Each d* where a block's smallest eigenvalue changes sign, refined in mpmath at two working\n"
             "precisions; only the digits on which both agree are printed. Time (one family): about\n"
             "1.5 s for 100 digits, 2 s for 1000, 10-40 s for 10,000.",
             epilog=f"cases:\n{cases}")
    p.add_argument("case", help="a family name (see the list below)")
    _setting(p)
    p.add_argument("--digits", type=_digits, default=50, help=f"digits requested, 1..{MAX_DIGITS}")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    _quiet(p)
    p.set_defaults(func=cmd_refine)

    p = _sub(sub, "series", "power series in t = d^(-1/2) of a family, its loss and its spectrum",
             "The family's parameters, its loss and every eigenvalue of every isotypic block as power\n"
             "series in t = d^(-1/2) (d = infinity expansion; Theta(d) eigenvalues as series for\n"
             "lambda/d), computed by formal Newton on Laurent series run through the same kernels,\n"
             "each coefficient with its verified digits (two working precisions), and checked against\n"
             "the continuation at d = 1e4 ... 1e12 (remainder test, Neville extrapolation). Fixed\n"
             "second layer. Time: 2-10 s per family at --order 8.",
             epilog=f"cases:\n{cases}")
    p.add_argument("case", help="a family name (see the list below)")
    p.add_argument("--order", type=_bounded_int(1, 24), default=8, help="terms from each leading power, 1..24")
    p.add_argument("--digits", type=_bounded_int(10, 200), default=30, help="digits wanted per coefficient, 10..200")
    p.add_argument("--identify", action="store_true",
                   help="conjecture closed forms (rational combinations of 1, 1/pi, 1/pi^2, 1/pi^3, pi; PSLQ)")
    p.add_argument("--compare", nargs="+", default=None, metavar="CASE",
                   help="also print the order in t at which the spectra of CASE and these families first differ")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    _quiet(p)
    p.set_defaults(func=cmd_series)

    p = _sub(sub, "branches", "branches of critical points born at each d* of a family",
             "At each stability change the zero eigenvalue lies in one isotypic component; for every\n"
             "axial subgroup K of that component handled (std(S_p): S_{p-j} x S_j, j = 1, 2; sign(S_2)\n"
             "and standard(S_3) of the special block) the branch with isotropy K is found by branch\n"
             "switching on Fix(K), classified (transcritical / pitchfork, against the prediction of\n"
             "representation theory), continued in real d over d* -+ 4 and checked in the full space at\n"
             "integer d (gradient, spectrum vs eigvalsh). Fixed second layer. Time: 2-10 s per family.",
             epilog=f"cases:\n{cases}")
    p.add_argument("case", help="a family name (see the list below)")
    p.add_argument("--crossing", type=_bounded_int(0, 99), default=None, metavar="N",
                   help="only the N-th crossing (from 0, in the order of 'spurious refine')")
    p.add_argument("--out", default=None, metavar="FIG", help="write the bifurcation diagram (.png, .pdf, .svg)")
    p.add_argument("--force", action="store_true", help="replace an existing figure given as --out")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    _quiet(p)
    p.set_defaults(func=cmd_branches)

    p = _sub(sub, "report", "the bifurcation-point report of every family (the main job)",
             "Every family continued over its range, every d* refined to verified digits, the Morse\n"
             "index by interval of d, tables at integer d and figures: report.md, report.json and PNGs\n"
             "in --out. Time: about 10-20 s for the whole catalogue at 40 digits.\n"
             "The folder must be new or empty, or hold a previous report (replaced with --force);\n"
             "files you put there are never touched. An interrupted run keeps a checkpoint\n"
             "(.OUT.checkpoint.json beside the folder): --resume skips the families already done.")
    p.add_argument("--out", default="report", help="the report folder")
    p.add_argument("--digits", type=_digits, default=40, help=f"digits requested for each d*, 1..{MAX_DIGITS}")
    p.add_argument("--cases", nargs="+", default=None, metavar="CASE", help="restrict to these families (default: all)")
    p.add_argument("--force", action="store_true", help="replace a previous report in --out")
    p.add_argument("--resume", action="store_true", help="continue an interrupted report from its checkpoint")
    _quiet(p)
    p.set_defaults(func=cmd_report)

    p = _sub(sub, "overparam", "a family embedded with m more neurons (k = d + m): minimum or saddle",
             "Over-parameterisation: the family's critical point embedded into the problem with k = d + m\n"
             "neurons, keeping the network function: a special or a generic neuron split into m + 1\n"
             "copies, or m zero neurons added. For each: the Hessian of the k = d + m problem reduced by\n"
             "symmetry (the split's own null directions removed), its Morse index and kind; for zero\n"
             "neurons (not differentiable there) the one-sided derivative along a new neuron. From each\n"
             "split saddle, a descent on its fixed space finds the critical point it leads to. With\n"
             "--d-from/--d-to also the Morse index by interval of d along the family's branch, each\n"
             "change refined to verified digits. JSON: 'morse_index' is null for zero neurons (no\n"
             "Hessian there), 'W' and 'a' are null at a fractional d. Time: a few seconds for d up to\n"
             "about 100 (longer at large d); a range 10-60 s.",
             epilog=f"cases:\n{cases}")
    p.add_argument("case", help="a family name (see the list below)")
    p.add_argument("--m", type=_bounded_int(1, 3), required=True, help="neurons added, 1..3")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--d", type=_real, default=None, help="the dimension (default 20)")
    where.add_argument("--d-from", type=_real, default=None, help="lower end of a range of d")
    p.add_argument("--d-to", type=_real, default=None, help="upper end of a range of d (points are shown there)")
    _setting(p)
    p.add_argument("--digits", type=_bounded_int(10, 100), default=20, help="verified digits of each d*, 10..100")
    p.add_argument("--json", action="store_true", help="print JSON")
    _quiet(p)
    p.set_defaults(func=cmd_overparam)

    p = _sub(sub, "certify", "prove critical points, Morse indices and d* in ball arithmetic",
             "Certified results (proofs, not agreeing digits), in arb ball arithmetic (python-flint):\n"
             "a Krawczyk test proves a unique critical point in a small box around the high-precision\n"
             "point (the teacher point W = I is recognised exactly: a global minimum); every isotypic\n"
             "block's eigenvalue signs are proved over the box, giving the Morse index; each d* is\n"
             "proved to be the only zero of its block in [d* - h, d* + h] (existence by a sign change,\n"
             "uniqueness by a Krawczyk test on the system (gradient, det of the block) in (x, d)), with\n"
             "a narrower enclosure. A claim that cannot be proved is reported 'NOT certified' with the\n"
             "reason, never made. Time: about 0.05 s per d, 1-2 s per d*; --all about a minute.",
             epilog=f"cases:\n{cases}")
    p.add_argument("case", nargs="?", default=None, help="a family name (see the list below); or --all")
    p.add_argument("--all", action="store_true",
                   help=f"every family of the catalogue (default: every integer d up to {CERTIFY_ALL_TO} and every d*)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--d", default=None, help="one d, exact as written (e.g. 6, 5.5 or 11/2)")
    what.add_argument("--d-range", nargs=2, type=_real, metavar=("A", "B"), help="every integer d in [A, B]")
    what.add_argument("--crossings", action="store_true", help="every d* of the family")
    _setting(p)
    p.add_argument("--digits", type=_bounded_int(10, 1000), default=40, help="working digits, 10..1000")
    p.add_argument("--halfwidth", default="1e-30", help="with --crossings: the interval d* -+ HALFWIDTH")
    p.add_argument("--out", default=None, metavar="CERT", help="write the certificate (JSON) to CERT")
    p.add_argument("--force", action="store_true", help="replace an existing certificate given as --out")
    p.add_argument("--json", action="store_true", help="print the certificate as JSON")
    _quiet(p)
    p.set_defaults(func=cmd_certify)

    p = _sub(sub, "check", "re-verify a certificate from the file alone",
             "Re-runs every proof of a certificate written by 'spurious certify --out' in ball\n"
             "arithmetic, from the file alone. Exit code 0: every claim holds; 1: a claim fails\n"
             "(named); 2: the file cannot be read or is not a certificate.")
    p.add_argument("certificate", help="a certificate file (JSON)")
    p.add_argument("--json", action="store_true", help="print the result of every claim as JSON")
    p.set_defaults(func=cmd_check)
    return ap


# ----------------------------------------------------------------- the runner
def _on_sigterm(signum, frame):
    raise Terminated()


def _error(message):
    print(f"spurious: error: {message}", file=sys.stderr)


def _quiet_broken_pipe():
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv=None):
    """Run the command line; returns the exit code (see the module docstring)."""
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave SIGTERM alone
        previous = None
    try:
        return _run(argv)
    except UsageError as err:
        command = err.prog.replace("spurious", "").strip()
        _error(f"{err} (see 'spurious {command + ' ' if command else ''}--help')")
        return EXIT_USER
    except UserError as err:
        _error(str(err))
        return EXIT_USER
    except CheckFailed as err:
        _error(str(err))
        return EXIT_CHECK_FAILED
    except KeyboardInterrupt:
        print("spurious: interrupted", file=sys.stderr)
        return EXIT_SIGINT
    except Terminated:
        print("spurious: terminated", file=sys.stderr)
        return EXIT_SIGTERM
    except BrokenPipeError:
        _quiet_broken_pipe()
        return EXIT_OK
    except Exception as err:  # a bug: still one line, and a distinct exit code
        if debug:
            import traceback

            traceback.print_exc()
        message = str(err).splitlines()[0] if str(err) else ""
        _error(f"internal error ({type(err).__name__}): {message} -- please report it (--debug shows the traceback)")
        return EXIT_INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run(argv):
    from .cases.family import FamilyError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        args.func(args)
    except (FamilyError, ValueError, TypeError) as err:
        if isinstance(err, (ValueError, TypeError)) and not _from_user_input(err):
            raise
        raise UserError(str(err).splitlines()[0]) from err
    except MemoryError:
        raise UserError("out of memory: choose a smaller problem (smaller --d or fewer --runs)")
    sys.stdout.flush()  # a closed pipe surfaces here, inside main's handlers
    return EXIT_OK


def _from_user_input(err):
    """ValueErrors raised by input checks are user errors; a ``ValueError`` from deep inside
    numpy/scipy is a bug (``TypeError`` likewise). Input checks in this package raise
    ``FamilyError``/``UserError`` or ValueError/TypeError from ``spurious`` modules."""
    tb = err.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_globals.get("__name__", "")
        tb = tb.tb_next
    return last is not None and last.startswith("spurious")
