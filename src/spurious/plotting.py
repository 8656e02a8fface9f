"""Figures (matplotlib is an optional dependency, imported only here).

Every function builds a :class:`matplotlib.figure.Figure` directly (no ``pyplot``) and returns
it: nothing global changes, in particular not the caller's backend, so the figures display
in a notebook as they are and are saved with ``fig.savefig(path)``.

* :func:`plot_branch` -- one continued branch: loss vs ``d``; the smallest eigenvalue of each
  isotypic block vs ``d``, every stability event marked on the block that crosses.
* :func:`bifurcation_diagram` -- loss vs ``d`` of every family, solid where it is a minimum
  (Morse index 0) and dashed where it is a saddle, the Morse index on each interval and every
  ``d*`` marked with its value. Linear axes: the global minimum (loss 0) is one of the curves.
* :func:`block_eigenvalues_figure` -- per family, the smallest eigenvalue of every block.

The report figures take the family entries of ``report.json`` (:func:`spurious.report.build_report`);
a :class:`spurious.continuation.Branch` is accepted wherever a family is.
"""
import math
import re
from pathlib import Path

import numpy as np

from .errors import UserError

MISSING = "plotting needs matplotlib: pip install 'spurious[plot]'"
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")
LINTHRESH = 1e-2
"""Linear width of the eigenvalue axes (matplotlib's ``asinh`` scale: a smooth symlog, linear
for ``|λ| << LINTHRESH`` and logarithmic for ``|λ| >> LINTHRESH``): the spectra near a crossing
are O(1e-2), so the crossings are drawn on a near-linear scale and the large eigenvalues of the
other blocks still fit."""


def require_matplotlib():
    """Raise :class:`UserError` when matplotlib (the ``plot`` extra) is not installed."""
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError:
        raise UserError(MISSING) from None


def _figure(figsize):
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)  # this figure's own canvas (text extents); no global state is touched
    return fig


def _colors(n):
    import matplotlib

    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    return [cycle[i % len(cycle)] for i in range(n)]


def _math(label):
    """A representation or isotropy label (``std(S_{d-2}) x trivial(S_2)``) as mathtext; the
    plain label when it does not parse."""
    from matplotlib.mathtext import MathTextParser

    text = re.sub(r"Delta\b ?", r"\\Delta ", label)
    text = re.sub(r"([A-Za-z]{2,})(?=\()", lambda m: m.group(1) if m.group(1) == "Delta"
                  else f"\\mathrm{{{m.group(1)}}}", text).replace(" x ", r" \times ")
    text = f"${text}$"
    try:
        MathTextParser("path").parse(text)
    except Exception:  # noqa: BLE001 -- any parse failure: fall back to the plain label
        return label
    return text


# ---------------------------------------------------------------------------------------------
# Data: a family as the figures need it (report entries and Branch objects alike)


def _finite(values):
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def _family_data(obj):
    """``name, isotropy, d, loss, monitors {label: array}, crossings [(d*, label, text)],
    intervals [(d_lo, d_hi, formula)]`` of a report family entry or a tracked branch."""
    from spurious.continuation import Branch

    if isinstance(obj, Branch):
        return _branch_data(obj, with_intervals=True)
    br = obj["branch"]
    d = _finite(br["d"])
    monitors = {k: _finite(v) for k, v in (br.get("monitors") or {}).items()}
    if not monitors:  # an entry from before per-block data was stored
        monitors = {"smallest eigenvalue": _finite(br["lambda_min"])}
    crossings = [(float(c["d_star_float"]), c.get("label", c.get("representation", "")),
                  _short(c.get("d_star"), c["d_star_float"])) for c in obj.get("crossings", [])]
    intervals = [(iv["d_lo"], iv["d_hi"], iv["morse_index_formula"]) for iv in obj.get("morse_intervals", [])]
    return {"name": obj["name"], "isotropy": obj.get("isotropy", ""), "d": d, "loss": _finite(br["loss"]),
            "monitors": monitors, "crossings": crossings, "intervals": intervals}


def _short(d_star, d_float):
    """A d* to ~4 decimals for a label (from the verified digits when there are any)."""
    try:
        return f"{float(d_star):.4f}"
    except (TypeError, ValueError):
        return f"{float(d_float):.4f}"


def _branch_data(branch, with_intervals=False):
    d = _finite(branch.d)
    stability = [e for e in branch.events if e.kind == "stability"]
    intervals = []
    if with_intervals and branch.metadata.get("case"):
        from .api import event_rows

        rows = sorted((r for r in event_rows(branch) if r["kind"] == "stability"), key=lambda r: r["d"])
        cuts = [float(np.nanmin(d))] + [r["d"] for r in rows] + [float(np.nanmax(d))]
        formulas = [r["index_below"] for r in rows[:1]] + [r["index_above"] for r in rows]
        intervals = [(a, b, f) for a, b, f in zip(cuts[:-1], cuts[1:], formulas) if f is not None and b > a]
    return {"name": branch.metadata.get("case", "branch"), "isotropy": "", "d": d,
            "loss": _finite(branch.values.get("loss", [np.nan] * len(d))),
            "monitors": {k: _finite(v) for k, v in branch.monitor_values.items()},
            "crossings": [(float(e.d), e.label, f"{float(e.d):.4f}") for e in stability],
            "intervals": intervals}


def _families(report_or_families):
    if isinstance(report_or_families, dict):
        report_or_families = report_or_families["families"]
    from spurious.continuation import Branch

    if isinstance(report_or_families, (Branch, dict)):
        report_or_families = [report_or_families]
    return [_family_data(f) for f in report_or_families]


def _index_at(fam, d):
    """The Morse index formula at ``d`` (None when ``d`` is in no interval)."""
    for lo, hi, formula in fam["intervals"]:
        if lo - 1e-9 <= d <= hi + 1e-9:
            return formula
    return None


# ---------------------------------------------------------------------------------------------
# Label placement: greedy, away from other labels and from the drawn curves


class _Placer:
    def __init__(self, ax):
        self.ax = ax
        self.renderer = ax.figure.canvas.get_renderer()
        self.boxes = []
        pts = []
        for line in ax.get_lines():
            xy = np.asarray(line.get_xydata(), dtype=float)
            xy = xy[np.all(np.isfinite(xy), axis=1)]
            if len(xy) < 2:
                pts.append(ax.transData.transform(xy) if len(xy) else np.zeros((0, 2)))
                continue
            disp = ax.transData.transform(xy)
            seg = np.linalg.norm(np.diff(disp, axis=0), axis=1)
            s = np.concatenate([[0.0], np.cumsum(seg)])
            fine = np.linspace(0.0, s[-1], max(2, int(s[-1] / 2.0)))
            pts.append(np.column_stack([np.interp(fine, s, disp[:, 0]), np.interp(fine, s, disp[:, 1])]))
        self.points = np.concatenate(pts) if pts else np.zeros((0, 2))

    def _cost(self, bb):
        ax_bb = self.ax.get_window_extent(self.renderer)
        cost = 0.0
        if bb.x0 < ax_bb.x0 or bb.x1 > ax_bb.x1 or bb.y0 < ax_bb.y0 or bb.y1 > ax_bb.y1:
            cost += 1e6
        for other in self.boxes:
            w = min(bb.x1, other.x1) - max(bb.x0, other.x0)
            h = min(bb.y1, other.y1) - max(bb.y0, other.y0)
            if w > 0 and h > 0:
                cost += 1e3 + w * h
        p = self.points
        inside = (p[:, 0] > bb.x0 - 1) & (p[:, 0] < bb.x1 + 1) & (p[:, 1] > bb.y0 - 1) & (p[:, 1] < bb.y1 + 1)
        return cost + 20.0 * np.count_nonzero(inside)

    def place(self, text, candidates, **kw):
        """Annotate ``text`` at the cheapest of ``candidates`` (``(x, y, dx_pt, dy_pt)``, the
        label's centre offset by ``(dx, dy)`` points from the data point ``(x, y)``)."""
        from matplotlib.text import Text

        best = None
        for rank, (x, y, dx, dy) in enumerate(candidates):
            ann = self.ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                                   ha="center", va="center", annotation_clip=False, **kw)
            ann.set_in_layout(False)
            ann.update_positions(self.renderer)
            pad = 3.0 if ann.get_bbox_patch() is not None else 1.0
            bb = Text.get_window_extent(ann, self.renderer).padded(pad)  # the text, not its leader line
            cost = self._cost(bb) + rank * 1e-3
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, ann, bb)
            else:
                ann.remove()
        self.boxes.append(best[2])
        return best[1]


def _ring(x, y, radii=(16, 24, 34, 46)):
    out = []
    for r in radii:
        for a in (90, 270, 60, 120, 240, 300, 30, 150, 210, 330, 0, 180):
            out.append((x, y, r * 1.6 * math.cos(math.radians(a)), r * math.sin(math.radians(a))))
    return out


# ---------------------------------------------------------------------------------------------
# Panels


def _with_point(d, values, d_star):
    """The curve with the crossing ``(d*, 0)`` inserted: the refined ``d*`` is where this
    block's eigenvalue vanishes, so it is a point of the curve; inserting it makes the drawn
    curve pass through its marker on any axis scale."""
    order = np.argsort(d)
    d, values = d[order], values[order]
    i = np.searchsorted(d, d_star)
    return np.insert(d, i, d_star), np.insert(values, i, 0.0)


def _dense(d, v, n=8):
    """The points with ``n - 1`` linear interpolants (in d) between each pair: on the nonlinear
    eigenvalue axis a straight segment in display space would put kinks and a shifted zero
    crossing between the computed points."""
    if len(d) < 2:
        return d, v
    t = np.linspace(0.0, 1.0, n, endpoint=False)
    dd = np.concatenate([d[:-1, None] + t * np.diff(d)[:, None], d[-1:, None]], axis=None)
    vv = np.concatenate([v[:-1, None] + t * np.diff(v)[:, None], v[-1:, None]], axis=None)
    return dd, vv


def _decade_ticks(ax):
    """Ticks 0 and +-10^k for 10^k >= LINTHRESH (the default asinh ticks crowd around 0);
    refreshed when the limits change."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    k0 = math.floor(math.log10(LINTHRESH))
    ticks = [0.0] + [s * 10.0 ** k for k in range(k0, k0 + 8) for s in (1, -1)]

    def fmt(v, _pos):
        if v == 0:
            return "0"
        k = round(math.log10(abs(v)))
        return f"${'-' if v < 0 else ''}10^{{{k}}}$"

    ax.yaxis.set_major_locator(FixedLocator(sorted(ticks)))
    ax.yaxis.set_major_formatter(FuncFormatter(fmt))
    ax.yaxis.set_minor_locator(NullLocator())


def _block_panel(ax, fam, legend=True):
    """Smallest eigenvalue of every block vs d, each crossing marked on the block that crosses."""
    labels = list(fam["monitors"])
    colors = dict(zip(labels, _colors(len(labels))))
    curves = {k: (fam["d"], v) for k, v in fam["monitors"].items()}
    for d_star, label, _ in fam["crossings"]:
        if label in curves:
            curves[label] = _with_point(*curves[label], d_star)
    for label, (d, v) in curves.items():
        ax.plot(*_dense(d, v), "-", lw=1.3, color=colors[label], label=_math(label), gid=f"block:{label}")
    ax.axhline(0.0, color="k", lw=0.6, zorder=1)
    ax.set_yscale("asinh", linear_width=LINTHRESH)
    _decade_ticks(ax)
    ax.grid(True, which="major", lw=0.3, alpha=0.5)
    for d_star, label, _ in fam["crossings"]:
        ax.plot([d_star], [0.0], "o", ms=6, mfc=colors.get(label, "k"), mec="k", mew=0.8, zorder=5,
                gid=f"crossing:{label}")
    if legend:
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False,
                  title="isotypic block", title_fontsize=7)
    return colors


def _label_crossings(ax, fam, colors, xlim=None):
    placer = _Placer(ax)
    for d_star, label, text in sorted(fam["crossings"]):
        if xlim and not xlim[0] <= d_star <= xlim[1]:
            continue
        placer.place(f"d* = {text}", _ring(d_star, 0.0), fontsize=8, color="k",
                     bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=colors.get(label, "k"), lw=0.8),
                     arrowprops=dict(arrowstyle="-", color=colors.get(label, "k"), lw=0.8, shrinkA=0, shrinkB=3))


def _styled_loss(ax, fam, color, lw=1.6, label=None):
    """Loss vs d, solid on the intervals of Morse index 0 and dashed on the others (one line
    per interval, so that the style changes exactly at each d*)."""
    d, loss = fam["d"], fam["loss"]
    order = np.argsort(d)
    d, loss = d[order], loss[order]
    intervals = fam["intervals"] or [(float(np.nanmin(d)), float(np.nanmax(d)), None)]
    first = True
    for lo, hi, formula in intervals:
        inner = (d > lo) & (d < hi)
        seg_d = np.concatenate([[lo], d[inner], [hi]])
        seg_l = np.interp(seg_d, d, loss)
        ls = "-" if formula in ("0", None) else "--"
        ax.plot(seg_d, seg_l, ls, lw=lw, color=color, label=label if first else None,
                gid=f"loss:{fam['name']}:{formula}")
        first = False


def plot_branch(branch):
    """One branch (:class:`spurious.continuation.Branch`): loss vs d on top (solid: minimum,
    dashed: saddle); below, the smallest eigenvalue of each isotypic block vs d (``asinh``
    axis, linear near 0, logarithmic beyond ``LINTHRESH``), each stability event marked on the block that crosses."""
    fam = _branch_data(branch)
    if "morse_index" in branch.values:
        idx = _finite(branch.values["morse_index"])
        fam["intervals"] = _runs(fam["d"], idx, [c[0] for c in fam["crossings"]])
    fig = _figure((8.5, 7.0))
    gs = fig.add_gridspec(2, 1, height_ratios=[1, 1.5], left=0.11, right=0.68, top=0.93, bottom=0.08, hspace=0.08)
    ax1 = fig.add_subplot(gs[0])
    ax2 = fig.add_subplot(gs[1], sharex=ax1)
    _styled_loss(ax1, fam, "C0")
    ax1.set_ylabel("loss")
    ax1.tick_params(labelbottom=False)
    ax1.grid(True, lw=0.3, alpha=0.5)
    colors = _block_panel(ax2, fam)
    for d_star, label, _ in fam["crossings"]:
        ax1.axvline(d_star, color=colors.get(label, "k"), ls=":", lw=0.9)
    for e in branch.events:
        if e.kind != "stability":
            for ax in (ax1, ax2):
                ax.axvline(e.d, color="0.4", ls="-.", lw=0.8)
            ax2.annotate(e.kind.replace("_", " "), (e.d, 1.0), xycoords=("data", "axes fraction"),
                         fontsize=7, rotation=90, va="top", ha="right")
    ax2.set_xlabel("d")
    ax2.set_ylabel("smallest eigenvalue of each block")
    ax2.text(1.01, 0.02, f"asinh axis: linear for\n|λ| ≲ {LINTHRESH:g}, log beyond", transform=ax2.transAxes,
             fontsize=7, color="0.3", va="bottom")
    _label_crossings(ax2, fam, colors)
    from matplotlib.lines import Line2D

    ax1.legend(handles=[Line2D([], [], color="C0", ls="-", label="minimum (Morse index 0)"),
                        Line2D([], [], color="C0", ls="--", label="saddle")],
               fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    meta = branch.metadata
    ax1.set_title(f"{meta.get('case', 'branch')} ({meta.get('setting', '')}): loss and the smallest "
                  "eigenvalue of each isotypic block", fontsize=10)
    return fig


def _runs(d, index, cuts):
    """Intervals between the stability events labelled ``"0"`` where the (per-point) Morse
    index is 0 and ``"> 0"`` elsewhere (a branch alone carries no index formula)."""
    lo, hi = float(np.nanmin(d)), float(np.nanmax(d))
    edges = [lo] + sorted(c for c in cuts if lo < c < hi) + [hi]
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        inner = index[(d > a) & (d < b)]
        inner = inner[np.isfinite(inner)]
        out.append((a, b, None if not len(inner) else ("0" if np.all(inner == 0) else "> 0")))
    return out


def bifurcation_diagram(report_or_families):
    """Loss vs d of every family: solid where it is a minimum (Morse index 0), dashed where it
    is a saddle, the Morse index (as a formula in d) on each interval, every ``d*`` marked and
    labelled. Left: the whole range; right: the range of the stability changes. Both axes are
    linear, so the global minimum (loss 0) is drawn as it is."""
    fams = _families(report_or_families)
    colors = dict(zip([f["name"] for f in fams], _colors(len(fams))))
    fig = _figure((13.0, 6.0))
    gs = fig.add_gridspec(1, 2, width_ratios=[1, 1.7], left=0.06, right=0.99, top=0.9, bottom=0.2, wspace=0.12)
    full, zoom = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    stars = [c[0] for f in fams for c in f["crossings"]]
    lo = min(float(np.nanmin(f["d"])) for f in fams)
    hi = max(float(np.nanmax(f["d"])) for f in fams)
    z_hi = min(hi, max(stars) + 1.0) if stars else hi
    for ax in (full, zoom):
        for f in fams:
            _styled_loss(ax, f, colors[f["name"]], label=f["name"])
            for d_star, _, _ in f["crossings"]:
                ax.plot([d_star], [np.interp(d_star, np.sort(f["d"]), f["loss"][np.argsort(f["d"])])], "o",
                        ms=6 if ax is zoom else 4, mfc=colors[f["name"]], mec="k", mew=0.8, zorder=5,
                        gid=f"dstar:{f['name']}")
        ax.grid(True, lw=0.3, alpha=0.5)
        ax.set_xlabel("d")
    full.set_xlim(lo - 0.3, hi + 0.3)
    full.set_ylabel("loss at the critical point")
    full.set_title("whole range", fontsize=10)
    if z_hi > lo:
        full.axvspan(lo, z_hi, color="0.85", alpha=0.4, lw=0, zorder=0)
    zoom.set_xlim(lo - 0.1, z_hi)
    visible = [f["loss"][(f["d"] >= lo) & (f["d"] <= z_hi)] for f in fams]
    top = max((float(np.nanmax(v)) for v in visible if len(v)), default=1.0)
    top = top if top > 0 else 1.0  # only the global minimum (loss 0) in view
    zoom.set_ylim(-0.06 * top, 1.12 * top)
    zoom.set_title("where the families change stability (shaded on the left); "
                   "d* marked, Morse index on each interval", fontsize=10)
    full.set_ylim(bottom=-0.04 * full.get_ylim()[1])
    placer = _Placer(zoom)
    for f in fams:  # the d* labels first: they matter most
        for d_star, _, text in sorted(f["crossings"]):
            y = float(np.interp(d_star, np.sort(f["d"]), f["loss"][np.argsort(f["d"])]))
            placer.place(f"{text}", _ring(d_star, y, radii=(14, 22, 32, 44, 58)), fontsize=8,
                         bbox=dict(boxstyle="round,pad=0.15", fc="white", ec=colors[f["name"]], lw=0.8),
                         arrowprops=dict(arrowstyle="-", color=colors[f["name"]], lw=0.8, shrinkA=0, shrinkB=3))
    for f in fams:
        order = np.argsort(f["d"])
        for a, b, formula in f["intervals"]:
            a2, b2 = max(a, lo), min(b, z_hi)
            if formula is None or b2 <= a2:
                continue
            cands = []
            for frac in (0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9):
                x = a2 + frac * (b2 - a2)
                y = float(np.interp(x, f["d"][order], f["loss"][order]))
                cands += [(x, y, 0, 9), (x, y, 0, -9), (x, y, 0, 16), (x, y, 0, -16)]
            placer.place(formula, cands, fontsize=7.5, color=colors[f["name"]], style="italic",
                         bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8))
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=colors[f["name"]], lw=2, label=f"{f['name']}") for f in fams]
    handles += [Line2D([], [], color="0.3", ls="-", label="minimum (Morse index 0)"),
                Line2D([], [], color="0.3", ls="--", label="saddle (Morse index > 0)"),
                Line2D([], [], color="0.3", ls="", marker="o", mfc="white", mec="k", label="d*: stability change")]
    fig.legend(handles=handles, loc="lower center", ncol=math.ceil(len(handles) / 2), fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 0.0))
    fig.suptitle("Bifurcation diagram: loss of each symmetric family of critical points vs the dimension d",
                 fontsize=11)
    return fig


def block_eigenvalues_figure(report_or_families, d_max=None):
    """Per family a panel: the smallest eigenvalue of every isotypic block vs d, each crossing
    marked (and labelled) on the block that crosses. ``d_max`` (default: a little past the
    last crossing of all families) limits the d axis; the branches go on to the end of their
    range with every block positive."""
    fams = _families(report_or_families)
    stars = [c[0] for f in fams for c in f["crossings"]]
    lo = min(float(np.nanmin(f["d"])) for f in fams)
    if d_max is None:
        d_max = max(stars) * 1.35 if stars else max(float(np.nanmax(f["d"])) for f in fams)
    n = len(fams)
    fig = _figure((10.0, 0.9 + 2.3 * n))
    gs = fig.add_gridspec(n, 1, left=0.09, right=0.62, top=1 - 0.75 / (0.9 + 2.3 * n),
                          bottom=0.5 / (0.9 + 2.3 * n), hspace=0.35)
    axes = []
    for i, f in enumerate(fams):
        ax = fig.add_subplot(gs[i], sharex=axes[0] if axes else None)
        axes.append(ax)
        colors = _block_panel(ax, f)
        ax.set_xlim(lo - 0.1, d_max)
        visible = np.concatenate([v[(f["d"] <= d_max)] for v in f["monitors"].values()])
        visible = visible[np.isfinite(visible)]
        if len(visible):
            ax.set_ylim(min(-LINTHRESH, 1.5 * visible.min()), max(LINTHRESH, 1.5 * visible.max()))
        title = f["name"] + (f"  {_math(f['isotropy'])}" if f["isotropy"] else "")
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_ylabel("λ (asinh)", fontsize=8)
        ax.tick_params(labelsize=7)
        if i < n - 1:
            ax.tick_params(labelbottom=False)
        _label_crossings(ax, f, colors, xlim=(lo, d_max))
    axes[-1].set_xlabel("d")
    fig.suptitle(f"Smallest Hessian eigenvalue of each isotypic block vs d (asinh axis: linear for "
                 f"|λ| ≲ {LINTHRESH:g}, logarithmic beyond)\n● = d*, marked on the block that crosses zero",
                 fontsize=10)
    return fig


# ---------------------------------------------------------------------------------------------
# Files


def _save(fig, path, dpi=130):
    try:
        fig.savefig(path, dpi=dpi)
    except OSError as err:
        raise UserError(f"cannot write {path}: {err.strerror or err}") from None
    return Path(path)


def overparam_figure(report):
    """The map of over-parameterisation: per family (a panel), one row for the family itself
    (``k = d``) and, for each ``m`` and split, one for the critical point the descent from the
    split saddle reaches (``k = d + m``), coloured by kind over ``d``: minimum (green), saddle
    (orange), not a new critical point (grey, with the reason). The embedded points themselves
    are saddles at every ``d`` (the table says so and with which block)."""
    fams = [f for f in report["families"] if f.get("overparam")]
    fig = _figure((13.0, 1.6 + 1.45 * len(fams)))
    colors = {"minimum": "#2ca02c", "saddle": "#ff7f0e", "none": "0.8"}
    for n, f in enumerate(fams, 1):
        ax = fig.add_subplot(len(fams), 1, n)
        rows = [("k = d", [(iv["d_lo"], iv["d_hi"], iv["morse_index_formula"] == "0") for iv in f["morse_intervals"]],
                 "")]
        for r in f["overparam"]:
            desc = r.get("descendant")
            if desc is None:
                continue
            label = f"m={r['m']} {r['embedding'].replace('split-', '')}"
            spans = [(iv["d_lo"], iv["d_hi"], iv["morse_index_formula"] == "0") for iv in desc["intervals"]]
            rows.append((label, spans, "" if spans else desc["status"] if desc["status"] != "critical point"
                         else "not continued"))
        for y, (label, spans, note) in enumerate(rows):
            for lo, hi, is_min in spans:
                ax.barh(y, hi - lo, left=lo, height=0.7, color=colors["minimum" if is_min else "saddle"], lw=0)
            if not spans:
                ax.text(0.5, y, note, transform=ax.get_yaxis_transform(), va="center", ha="center", fontsize=7,
                        color="0.35")
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([r[0] for r in rows], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(3.5, report.get("d_max", 30.0))
        ax.set_title(f"{f['name']}: minimum (green) or saddle (orange) of the k = d family and of the "
                     "critical point reached from each split", fontsize=8, loc="left")
        ax.grid(True, axis="x", lw=0.3, alpha=0.5)
        if n == len(fams):
            ax.set_xlabel("d")
    fig.tight_layout()
    return fig


def report_figures(report, folder):
    """``bifurcation.png`` (:func:`bifurcation_diagram`), ``blocks.png``
    (:func:`block_eigenvalues_figure`) and ``overparam.png`` (:func:`overparam_figure`) for the
    report; returns the paths written."""
    folder = Path(folder)
    return [_save(bifurcation_diagram(report), folder / "bifurcation.png", dpi=130),
            _save(block_eigenvalues_figure(report), folder / "blocks.png", dpi=110),
            _save(overparam_figure(report), folder / "overparam.png", dpi=110)]


def plot_branch_file(path, out=None, force=False):
    """:func:`plot_branch` of a saved branch, written to ``out`` (default: ``path`` with the
    suffix ``.png``; ``.png`` is appended when ``out`` has none of ``.png .pdf .svg``). An
    existing figure is replaced only with ``force``; the branch file itself never. The file is
    written atomically. Returns the path written."""
    require_matplotlib()
    import io

    from spurious.continuation.files import atomic_write_bytes

    from .safeio import check_output_file, read_branch

    path = Path(path)
    if out is None or str(out).strip() == "":
        out = path.with_suffix(".png")
    else:
        out = Path(out)
        if out.suffix.lower() not in FIGURE_SUFFIXES:
            out = out.with_name(out.name + ".png")
    if out.resolve() == path.resolve():
        raise UserError(f"refusing to overwrite the branch file {path} with its plot: choose another --out")
    out = check_output_file(out, "cannot write the plot to", force=force,
                            replaceable=lambda p: p.suffix.lower() in FIGURE_SUFFIXES)
    branch = read_branch(path)
    buf = io.BytesIO()
    plot_branch(branch).savefig(buf, format=out.suffix.lower().lstrip("."), dpi=130)
    try:
        atomic_write_bytes(out, buf.getvalue())
    except OSError as err:
        raise UserError(f"cannot write {out}: {err.strerror or err}") from None
    return out


def branches_figure(graph):
    """Bifurcation diagram of :func:`cases.branching.branch_graph`: loss against ``d`` for the
    family and every branch born at its crossings, solid where a minimum (Morse index 0),
    dashed where a saddle; each branch point marked."""
    fig = _figure((7.5, 4.8))
    ax = fig.add_subplot(1, 1, 1)
    ids = list(dict.fromkeys(c["id"] for c in graph["curves"]))
    colors = dict(zip(ids, _colors(len(ids))))
    labelled = set()
    for curve in graph["curves"]:
        d, loss, index = (np.asarray(curve[k], dtype=float) for k in ("d", "loss", "morse_index"))
        order = np.argsort(d)
        d, loss, index = d[order], loss[order], index[order]
        for minimum in (True, False):
            y = np.where((index == 0) == minimum, loss, np.nan)
            label = None
            if curve["id"] not in labelled and np.isfinite(y).any():
                label = curve["id"].split("/", 1)[-1]  # "sd1-i@5.585505/Delta(...)" -> "Delta(...)"
                labelled.add(curve["id"])
            ax.plot(d, y, "-" if minimum else "--", color=colors[curve["id"]], lw=1.6 if minimum else 1.1,
                    label=label)
    for c in graph["crossings"]:
        if c["d_star"]:
            ax.axvline(float(c["d_star"]), color="0.7", lw=0.8, zorder=0)
    ax.set_xlabel("d")
    ax.set_ylabel("loss")
    ax.set_title(f"{graph['case']} and the branches born at its d* (solid: minimum, dashed: saddle)", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    return fig
