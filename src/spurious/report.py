"""The bifurcation-point report (the main job): every family continued over its range, every
stability change refined to verified digits, tables and figures.

The output folder is a transaction (:mod:`spurious.safeio`): checked before any computation,
built complete in a staging folder and swapped in, with a checkpoint of finished families so
that an interrupted run can be resumed.
"""
import json
import math
import shutil
import sys

from .api import REFINE_D_MAX, event_rows, get_case, integer_table, refine_case
from .cases import families
from .continuation.files import atomic_write_text
from .errors import UserError
from .progress import Progress
from .safeio import check_report_folder, new_staging_folder, swap_into_place, write_marker


def build_report(names, digits, progress, finished=None, on_family=None):
    """Everything in the report as a JSON-ready dict.

    ``finished`` maps family names to entries computed earlier (a resumed run: they are not
    recomputed); ``on_family(name, entry)`` is called after each newly computed family (the
    checkpoint).
    """
    out = {"digits_requested": digits, "d_max": REFINE_D_MAX, "families": []}
    finished = finished or {}
    for i, name in enumerate(names):
        if name in finished:
            out["families"].append(finished[name])
            progress.update(i + 1, f"{name} (from the checkpoint)")
            continue
        fam = get_case(name)
        step = lambda f, note="", i=i: progress.update(i + f, f"{name} {note}")
        refined = (res := refine_case(fam, "fixed", digits, progress=step)).as_dict() | {"branch": res.branch}
        branch = refined.pop("branch")
        entry = {"name": fam.name, "isotropy": fam.isotropy, "description": fam.description,
                 "provenance": fam.provenance, **refined,
                 "events": event_rows(branch),
                 "branch": {"d": [float(v) for v in branch.d],
                            "loss": [float(v) for v in branch.values["loss"]],
                            "lambda_min": [float(v) for v in branch.values["lambda_min"]],
                            # per isotypic block (the figures mark each d* on its own block)
                            "monitors": {label: list(values) for label, values in branch.monitor_values.items()}},
                 "integer_d": {s: integer_table(fam, s) for s in ("fixed", "trainable")}}
        for c in entry["crossings"]:
            c["label"] = c["representation"]  # the block (monitor) whose eigenvalue crosses zero
        step(0.8, "certifying")
        _certify_entry(entry, fam, res, digits)
        step(0.85, "series in d^-1/2")
        entry["series"] = _series_entry(fam)
        step(0.9, "branches born at d*")
        entry["born"] = _born_entry(fam, res)
        step(0.95, "over-parameterisation k = d + m")
        entry["overparam"], documents = _overparam_entry(fam, min(digits, OVERPARAM_DIGITS))
        entry["certificates"].extend(documents)  # the descendants' d*, re-checked by `spurious check`
        entry = _json_ready(entry)
        out["families"].append(entry)
        if on_family is not None:
            on_family(name, entry)
        progress.update(i + 1, name)
    return out


CERTIFY_DIGITS = 40
"""Working digits of the report's certificates (the certify command's default)."""


def _certify_entry(entry, fam, refined, digits):
    """Certify (issue #12, :mod:`cases.certify`) every d* of ``refined`` and the Morse index at
    every integer d of the tables, in both settings; the certificate documents are kept in
    ``entry["certificates"]`` (written to ``certificates.json``, re-checkable with
    ``spurious check``) and the results beside the verified ones."""
    from .cases.certify import certificate_document, certify_crossings, certify_point

    docs = []
    crossings = certify_crossings(fam, "fixed", digits=CERTIFY_DIGITS,
                                  refined=refined if digits >= CERTIFY_DIGITS else None)
    for c, cert in zip(entry["crossings"], crossings):
        c["certified"] = cert.certified
        c["certified_enclosure"] = ({"lo": cert.d_star_enclosure[0], "hi": cert.d_star_enclosure[1]}
                                    if cert.certified else None)
        c["certificate_reason"] = cert.reason
    for setting, rows in entry["integer_d"].items():
        points = []
        for r in rows:
            if r.get("status") != "ok":
                r["morse_certified"] = None
                continue
            cert = certify_point(fam, setting, r["d"], digits=CERTIFY_DIGITS)
            r["morse_certified"] = int(cert.morse_index) if cert.certified else None
            points.append(cert)
        docs.append(certificate_document(fam.name, setting, points, crossings if setting == "fixed" else ()))
    entry["certificates"] = docs


SERIES_ORDER, SERIES_DIGITS = 4, 30
"""Terms and digits of the report's power series (``spurious series``; the command gives more)."""


def _series_entry(fam):
    """The leading terms of the family's expansion in ``t = d^(-1/2)`` (:mod:`cases.series`): the
    loss, the limit of every block eigenvalue (bulk constants; slopes of the ``Theta(d)`` ones),
    conjectured closed forms, and the checks against the continuation."""
    import mpmath

    from .cases.series import family_series, growing_terms, spectrum_limits

    r = family_series(fam, order=SERIES_ORDER, digits=SERIES_DIGITS, identify=True)
    forms = {(name, f["power"]): f["form"] for name, fs in r.identified.items() for f in fs}
    eigen_forms = {}
    for (rep, k), terms in r.eigenvalues.items():
        if terms:
            hit = _identify_term(terms[0])
            eigen_forms[(rep, k)] = hit
    limits = []
    for row in spectrum_limits(r):
        limits.append({"representation": row["representation"], "kind": row["kind"],
                       "multiplicity": row["multiplicity"], "power": row["power"],
                       "limit": mpmath.nstr(row["limit"], 15), "digits": row["digits"],
                       "form": eigen_forms.get((row["representation"], row["index"]))})
    loss = [t.as_dict() | {"form": forms.get(("loss", t.power))} for t in r.series["loss"]]
    growing = [[[p, mpmath.nstr(c, 25)] for p, c in terms] for terms in growing_terms(r)]
    return {"loss": loss, "limits": limits, "remainder_worst": r.checks["remainder_worst_deviation"],
            "extrapolation_digits": r.checks["extrapolation_fewest_digits"], "growing_eigenvalues": growing,
            "seconds": round(r.seconds, 1)}


def _born_entry(fam, refined):
    """The branches born at each crossing (:func:`cases.branching.branch_graph`), without the
    curves and the full ``W`` of the samples (the ``branches`` command gives those)."""
    from .cases.branching import branch_graph

    graph = branch_graph(fam, refined=refined)
    out = []
    for c in graph["crossings"]:
        out.append({"d_star": c["d_star"], "representation": c["representation"], "reason": c["reason"],
                    "branches": [{"isotropy": b["isotropy"], "kind": b["kind"], "expected_kind": b["expected_kind"],
                                  "side": b["side"], "message": b["message"],
                                  "crossings": [{k: x[k] for k in ("representation", "d_star", "digits", "certified")}
                                                for x in b.get("crossings", [])],
                                  "samples": [{k: v for k, v in smp.items() if k not in ("W", "a")}
                                              for smp in b["samples"]]} for b in c["branches"]]})
    return out


OVERPARAM_DIGITS = 20
"""Verified digits of the stability changes of the over-parameterised descendants (fewer
when the report asks for fewer)."""


def _overparam_entry(fam, digits):
    """:func:`cases.overparam.overparam_map` for m = 1, 2, 3 (fixed second layer), without the
    descendants' parameters, and the certificate documents of the descendants' ``d*``."""
    from .cases.overparam import overparam_map

    rows = overparam_map(fam, ms=(1, 2, 3), d_max=REFINE_D_MAX, digits=digits)
    documents = []
    for r in rows:
        if r.get("descendant"):
            r["descendant"].pop("params", None)
            documents.extend(r["descendant"].pop("certificates", []))
    return rows, documents


def _identify_term(term):
    from .cases.series import identify

    if term.digits < 20 or term.coefficient == 0:
        return None
    hit = identify(term.coefficient, term.digits)
    return hit[0] if hit else None


def _json_ready(obj):
    """``obj`` with NaN and infinities (a missing monitor value, a failed refinement) replaced
    by ``None``, so that ``report.json`` is strict JSON (``json.dumps(..., allow_nan=False)``)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v) for v in obj]
    return obj


FIGURES = [("bifurcation.png", "Bifurcation diagram",
            "Loss of each family against d: solid where it is a minimum (Morse index 0), dashed where it "
            "is a saddle; the Morse index on each interval and every d* marked with its value (right: "
            "the range of the stability changes; linear axes, the global minimum sd-i has loss 0)."),
           ("blocks.png", "Smallest eigenvalue of each isotypic block",
            "Per family, the smallest Hessian eigenvalue of every isotypic block against d; each d* is "
            "marked on the block whose eigenvalue crosses zero there."),
           ("overparam.png", "Over-parameterisation k = d + m",
            "Per family: where the family itself (k = d) is a minimum (green) or a saddle (orange), and the "
            "same for the critical point of the k = d + m problem reached by descent from each split "
            "embedding (m = 1, 2, 3; special or generic neuron split); grey text: the descent reached a "
            "global minimum or no new critical point. The embedded points of the spurious families are saddles "
            "at every d (those of sd-i, the global minimum, are degenerate).")]
"""The figures of the report (written by :func:`spurious.plotting.report_figures`) and their captions."""

ZERO_LOSS_ULPS = 4.0
"""A float64 loss at integer ``d`` with ``|loss| < ZERO_LOSS_ULPS * d**2 * eps`` prints as ``0``.
The loss is a sum of O(d^2) Gram-form terms of size O(1) that cancel exactly at the global
minimum (the teacher itself), so its rounding noise is ~ d^2 * eps: measured at most 0.17 d^2 eps
for sd-i (integer d = 4..20, and every branch point d = 3..30: |loss| <= 7e-15). Four units
of d^2 eps (3e-14 at d = 6, 8e-13 at d = 30) are far above that noise and far below every genuine loss in the catalogue (>= 8e-3); a value
that small cannot be told from zero in float64 at all, so printing it as 0 hides nothing the
float64 value knows."""


def _loss_text(loss, d):
    if loss is None:
        return "n/a"
    if abs(loss) < ZERO_LOSS_ULPS * d * d * sys.float_info.epsilon:
        return "0"
    return f"{loss:.10g}"


def _num(value, spec):
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def _interval_text(intervals):
    """``(d_lo, d_hi): formula``, with ``[= N at d = K]`` when the interval holds an integer K (the
    Morse index at a fractional d would be a fractional "dimension" count: not printed)."""
    parts = []
    for iv in intervals:
        text = f"({iv['d_lo']:.4f}, {iv['d_hi']:.4f}): {iv['morse_index_formula']}"
        d, n = iv.get("d_sample"), iv.get("morse_index_at_sample")
        if (d is not None and n is not None and float(d).is_integer() and iv["d_lo"] < d < iv["d_hi"]
                and float(n).is_integer()):
            text += f" [= {int(n)} at d = {int(d)}]"
        parts.append(text)
    return "; ".join(parts)


def markdown(report):
    lines = ["# Where symmetric families of critical points turn from saddles into spurious minima", "",
             "Two-layer ReLU network, `k = d`, teacher `V = I`, `b = 1`, Gaussian inputs, squared loss, "
             "fixed second layer `a = 1` (the trainable setting has the same `d*` and Morse indices for "
             "these families: the rescaling argument, checked at every integer `d` below).",
             f"Each `d*` is printed with only the digits that agree between two working precisions "
             f"(requested: {report['digits_requested']}). Range continued: from `d = {report['d_max']:g}` "
             "down to the lower end of each family's range.", "",
             "The column *certified* is a proof, not agreeing digits: an enclosure of `d*` proved in arb ball "
             "arithmetic to contain exactly one zero of the block's eigenvalue (`spurious certify`; every "
             "certificate is in `certificates.json`, re-checkable with `spurious check report/certificates.json`).",
             "",
             "| family | isotropy | d* (verified digits) | digits | d* certified in | loss at d* | soft representation | slope dλ/dd | Morse index by interval of d |",
             "|---|---|---|---|---|---|---|---|---|"]
    for f in report["families"]:
        crossings = f["crossings"] or [None]
        for c in crossings:
            if c is None:
                lines.append(f"| {f['name']} | {f['isotropy']} | none on the range | | | | | | {_interval_text(f['morse_intervals'])} |")
                continue
            lines.append(f"| {f['name']} | {f['isotropy']} | {c['d_star']} | {c['digits_verified']} | "
                         f"{_enclosure_text(c)} | "
                         f"{_num(c['loss'], '.12g')} | {c['representation']} | {_num(c['slope'], '.3e')} | "
                         f"{_interval_text(f['morse_intervals'])} |")
    lines += [""] + _figure_lines() + ["## Folds and branch points found along the branches", "",
                                       "| family | kind | d | label |", "|---|---|---|---|"]
    other = [(f["name"], e) for f in report["families"] for e in f["events"] if e["kind"] != "stability"]
    lines += [f"| {n} | {e['kind']} | {e['d']:.12f} | {e['label']} |" for n, e in other] or ["| (none) | | | |"]
    lines += ["", "## As d → ∞: power series in t = d^(-1/2)", "",
              "Each family expanded by formal Newton on Laurent series in `t = d^(-1/2)` (`spurious series`; the "
              "same kernels run on series). Coefficients are *verified* (two working precisions agree) and "
              "checked against the continuation at `d = 10^4 ... 10^12`: the remainder after the printed terms "
              "behaves like the next term (worst deviation of remainder/next term from 1 at `d = 10^10`), "
              "and a Neville extrapolation of the continuation reproduces the first coefficients (digits on "
              "which they agree). Closed forms are PSLQ *conjectures* (they match to 15+ digits beyond the size "
              "of their integers), not proofs.", "",
              "| family | loss | remainder check | extrapolation agrees to |", "|---|---|---|---|"]
    for f in report["families"]:
        sr = f.get("series")
        if not sr:
            continue
        loss = " ".join(_term_text(t) for t in sr["loss"][:3])
        lines.append(f"| {f['name']} | {loss} + ... | {_num(sr['remainder_worst'], '.1e')} | "
                     f"{_num(sr['extrapolation_digits'], 'd')} digits |")
    lines += _pairwise_lines(report)
    lines += ["", "Limits of the Hessian spectrum (Theorem 2 of the seed paper, as numbers): the bulk eigenvalues "
              "tend to constants, the `Θ(d)` ones grow like `slope · d`.", "",
              "| family | block | multiplicity | kind | limit (bulk) or slope (Θ(d)) | conjectured closed form |",
              "|---|---|---|---|---|---|"]
    for f in report["families"]:
        sr = f.get("series")
        if not sr:
            continue
        seen = set()
        for row in sr["limits"]:
            key = (row["representation"], row["kind"], row["limit"])
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"| {f['name']} | {row['representation']} | {row['multiplicity']} | {row['kind']} | "
                         f"{row['limit'] if row['power'] <= 0 else '0 (decays like t^' + str(row['power']) + ')'} | "
                         f"{row['form'] or ''} |")
    lines += _born_lines(report)
    lines += _overparam_lines(report)
    lines += ["", "## Loss and smallest Hessian eigenvalue at integer d", ""]
    for f in report["families"]:
        lines += [f"### {f['name']} ({f['isotropy']})", "",
                  "| d | loss | λ_min (fixed) | Morse (fixed) | certified | λ_min (trainable, balanced) | Morse (trainable) | certified |",
                  "|---|---|---|---|---|---|---|---|"]
        tr = {r["d"]: r for r in f["integer_d"]["trainable"]}
        for r in f["integer_d"]["fixed"]:
            t = tr.get(r["d"], {})
            lines.append(f"| {r['d']} | {_loss_text(r['loss'], r['d'])} | {_num(r['lambda_min'], '.6e')} | "
                         f"{_num(r['morse_index'], 'g')} | {_certified_text(r)} | {_num(t.get('lambda_min'), '.6e')} | "
                         f"{_num(t.get('morse_index'), 'g')} | {_certified_text(t)} |")
        lines.append("")
    return "\n".join(lines)


def _enclosure_text(c):
    """The certified enclosure of ``d*`` as ``[lo, hi]``, shortened to two digits past the first
    digit where the ends differ, rounded outward (so it still encloses ``d*``)."""
    import decimal

    enc = c.get("certified_enclosure")
    if not enc:
        return "not certified"
    lo, hi = decimal.Decimal(enc["lo"]), decimal.Decimal(enc["hi"])
    if hi - lo <= 0:
        return f"[{enc['lo']}, {enc['hi']}]"
    places = -(hi - lo).adjusted() + 1  # decimals: the first differing one and one more
    q = decimal.Decimal(1).scaleb(-places)
    with decimal.localcontext() as ctx:
        ctx.prec = 200
        return (f"[{lo.quantize(q, rounding=decimal.ROUND_FLOOR)}, "
                f"{hi.quantize(q, rounding=decimal.ROUND_CEILING)}]")


def _certified_text(r):
    value = r.get("morse_certified")
    return "n/a" if value is None else f"{value} ✓"


def _born_lines(report):
    """The section "Where spurious minima are born"."""
    lines = ["", "## Where spurious minima are born", "",
             "At each `d*` a family turns from a saddle into a spurious minimum (above its last `d*`) and, by "
             "the equivariant branching lemma, branches of lower symmetry pass through it: found by branch "
             "switching on the fixed space of each axial subgroup (`spurious branches`), classified, continued "
             "over `d* -+ 4` and checked in the full space at integer `d` (gradient below 1e-10, spectrum equal "
             "to `eigvalsh`).", "",
             "| family | d* | block | new branch (isotropy) | bifurcation (predicted) | Morse index at integer d | its own d* |",
             "|---|---|---|---|---|---|---|"]
    for f in report["families"]:
        for c in f.get("born") or []:
            if c["reason"]:
                lines.append(f"| {f['name']} | {c['d_star'][:12]} | {c['representation']} | not handled: axial subgroups "
                             "outside Delta(S_a x S_b x ...) | | | |")
                continue
            for b in c["branches"]:
                own = "; ".join(f"{x['d_star'][:14]} ({x['representation']}{', certified' if x['certified'] else ''})"
                                for x in b.get("crossings", [])) or "none in d* -+ 4"
                idx = ", ".join(f"{s['morse_index']} (d={s['d']})" for s in b["samples"][:6]) or (
                    "not continued: d* is below the range of its isotypic spectrum" if "not continued" in b["message"]
                    else "no integer d in range")
                lines.append(f"| {f['name']} | {c['d_star'][:12]} | {c['representation']} | {b['isotropy']} | "
                             f"{b['kind']}{'' if b['kind'] == b['expected_kind'] else ' (predicted ' + b['expected_kind'] + ')'}"
                             f"{', ' + b['side'] if b['side'] != 'both' else ''} | {idx} | {own} |")
    return lines


def _overparam_lines(report):
    """The section "Over-parameterisation: k = d + m"."""
    lines = ["", "## Over-parameterisation: k = d + m", "",
             "Each family's point embedded with `m` more neurons, keeping the network function "
             "(`spurious overparam`; fixed second layer): a special or a generic neuron split into `m + 1` "
             "equal copies, or `m` zero neurons. *Embedded point*: its Morse index in the `k = d + m` problem "
             "(the split's own null directions removed) by interval of `d`, and the block of the most "
             "negative direction. *Zero neuron*: the smallest one-sided derivative along a new neuron "
             "(negative: the loss decreases as it grows). *Descent*: from the split saddle at d = 20, "
             "BFGS and Newton on its fixed space reach a critical point of the `k = d + m` problem, "
             "continued over the range; where its Morse index is 0 it is a spurious minimum that survives "
             "the added neurons, and `d*` (its verified digits) is where it becomes one; *certified*: proved in "
             "ball arithmetic to be the only crossing within `1e-15` (in `certificates.json`).", "",
             "| family | m | embedding | embedded point | descent reaches | its Morse index by interval of d | minimum for d in | d* (verified) |",
             "|---|---|---|---|---|---|---|---|"]
    for f in report["families"]:
        for r in f.get("overparam") or []:
            if r["embedding"] == "zero-neuron":
                phis = ", ".join(f"{s['phi_min']:.3g} (d={s['d']:g})" for s in r["samples"])
                kinds = sorted({s["kind"] for s in r["samples"]})
                lines.append(f"| {f['name']} | {r['m']} | zero neuron | {'/'.join(kinds)}: min phi {phis} | | | | |")
                continue
            kinds = sorted({iv["kind"] for iv in r["intervals"]})
            blocks = sorted({iv["descent"] for iv in r["intervals"] if iv["descent"]})
            embedded = "/".join(kinds) + (f" at every d (descent in {', '.join(blocks)})" if blocks else "")
            x = r["descendant"]
            if x["status"] != "critical point":
                reach = x["status"]
            else:
                reach = f"loss {x['start_loss']:.5g} → {x['loss']:.5g} ({x['family']})"
            if x.get("continued"):
                ivs = "; ".join(f"({iv['d_lo']:.3f}, {iv['d_hi']:.3f}): {iv['morse_index_formula']}"
                                for iv in x["intervals"])
                mins = "; ".join(f"{lo:.3f} – {hi:.3f}" for lo, hi in x["minimum"]) or "never"
                stars = "; ".join(f"{c['d_star'] or '(not refined)'} ({c['representation']}"
                                  f"{', certified' if c.get('certified') else ''})"
                                  for c in x["crossings"]) or "none"
            else:
                ivs = x.get("reason", "") if x["status"] == "critical point" else ""
                mins = stars = ""
            lines.append(f"| {f['name']} | {r['m']} | {r['embedding']} | {embedded} | {reach} | {ivs} | {mins} | {stars} |")
    return lines


def _pairwise_lines(report):
    """The order in ``t`` at which the spectra of two families first differ (eigenvalues whose
    multiplicity grows with ``d``; :func:`cases.series.first_difference`)."""
    from .cases.series import first_difference

    fams = [(f["name"], f["series"]["growing_eigenvalues"]) for f in report["families"]
            if f.get("series") and "growing_eigenvalues" in f["series"]]
    if len(fams) < 2:
        return []
    lines = ["", "Order in `t` at which the spectra of two families first differ (the eigenvalues whose "
             "multiplicity grows with `d`, each matched to its best partner; `=`: equal to every computed "
             "order). The seed paper's statement that spurious and global minima have the same curvature "
             "to `O(d^(-1/2))` is the row of sd-i.", "",
             "| | " + " | ".join(n for n, _ in fams) + " |", "|---|" + "---|" * len(fams)]
    for name, terms in fams:
        cells = []
        for other, other_terms in fams:
            p = first_difference(terms, other_terms)
            cells.append("=" if p is None else f"t^{p}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _term_text(t):
    form = f" (= {t['form']})" if t.get("form") else ""
    c = t["coefficient"]
    short = c if len(c) < 14 else c[:12] + "…"
    return f"{short}·t^{t['power']}{form}"


def _figure_lines():
    lines = ["## Figures", ""]
    for n, (name, title, caption) in enumerate(FIGURES, 1):
        caption = caption.replace("*", "\\*")  # "d*" would end the italics
        lines += [f"![{title}]({name})", "", f"*Figure {n}. {caption}*", ""]
    return lines


def _checkpoint_path(out):
    return out.parent / f".{out.name}.checkpoint.json"


def _load_checkpoint(path, digits, names):
    """Families finished by an interrupted run with the same ``digits`` (a dict name -> entry)."""
    try:
        with open(path, encoding="utf-8") as fh:
            state = json.load(fh)
    except FileNotFoundError:
        raise UserError(f"nothing to resume: no checkpoint {path} (it is written when a report run is interrupted)")
    except (OSError, ValueError) as err:
        raise UserError(f"cannot resume from {path}: {err}")
    if not isinstance(state, dict) or state.get("tool") != "spurious" or not isinstance(state.get("families"), dict):
        raise UserError(f"cannot resume from {path}: not a spurious report checkpoint")
    if state.get("digits") != digits:
        raise UserError(f"cannot resume from {path}: it was made with --digits {state.get('digits')}, not {digits}")
    return {name: entry for name, entry in state["families"].items() if name in names}


def write_report(out="report", digits=40, cases=None, quiet=False, force=False, resume=False):
    """Write ``out/report.md``, ``out/report.json`` and the figures; returns the markdown path.

    The output folder is checked first (:func:`spurious.safeio.check_report_folder`: new, empty,
    or a previous report replaced only with ``force``). Each finished family is saved to a
    checkpoint file ``.<out>.checkpoint.json`` beside the folder; an interrupted run keeps it and
    ``resume=True`` continues from it without recomputing those families. The report is built
    in a staging folder and swapped in complete; the checkpoint is removed on success.
    """
    out = check_report_folder(out, force)
    names = cases or [f.name for f in families()]
    for name in names:
        get_case(name)
    from .plotting import require_matplotlib

    require_matplotlib()
    checkpoint = _checkpoint_path(out)
    finished = _load_checkpoint(checkpoint, digits, names) if resume else {}
    state = {"tool": "spurious", "digits": digits, "families": dict(finished)}

    def save(name, entry):
        state["families"][name] = entry
        atomic_write_text(checkpoint, json.dumps(state) + "\n")

    progress = Progress(len(names), "report", enabled=not quiet)
    report = build_report(names, digits, progress, finished=finished, on_family=save)
    progress.close()
    staging = new_staging_folder(out)
    try:
        from .cases.certify import certificate_set

        certificates = certificate_set(doc for f in report["families"] for doc in f.pop("certificates"))
        (staging / "certificates.json").write_text(json.dumps(certificates, indent=1) + "\n")
        (staging / "report.json").write_text(json.dumps(report, indent=1) + "\n")
        (staging / "report.md").write_text(markdown(report))
        from .plotting import report_figures

        report_figures(report, staging)
        write_marker(staging)
        swap_into_place(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    checkpoint.unlink(missing_ok=True)
    return out / "report.md"
