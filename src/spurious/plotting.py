"""Figures (matplotlib is an optional dependency, imported only here)."""
from pathlib import Path

from .errors import UserError


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise UserError("plotting needs matplotlib: pip install 'spurious[plot]'")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_branch_file(path, out=None):
    """Loss and the monitored (per-block smallest) eigenvalues vs d of a saved branch, events marked."""
    from spurious.continuation import Branch

    try:
        branch = Branch.load(path)
    except (OSError, ValueError, KeyError) as err:
        raise UserError(f"cannot read the branch {path}: {err}")
    out = Path(out) if out else Path(path).with_suffix(".png")
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 7), sharex=True)
    ax1.plot(branch.d, branch.values["loss"], "-", lw=1.5)
    ax1.set_ylabel("loss")
    for label, values in branch.monitor_values.items():
        ax2.plot(branch.d, values, "-", lw=1.2, label=label)
    ax2.axhline(0.0, color="k", lw=0.6)
    for e in branch.events:
        for ax in (ax1, ax2):
            ax.axvline(e.d, color="r" if e.kind == "stability" else "g", ls="--", lw=0.8)
        ax2.annotate(f"{e.kind} {e.d:.4f}", (e.d, 0), fontsize=7, rotation=90, va="bottom")
    ax2.set_xlabel("d")
    ax2.set_ylabel("smallest eigenvalue per isotypic block")
    ax2.set_yscale("symlog", linthresh=1e-3)
    ax2.legend(fontsize=7)
    title = f"{branch.metadata.get('case', '')} ({branch.metadata.get('setting', '')})"
    ax1.set_title(title)
    fig.tight_layout()
    try:
        fig.savefig(out, dpi=120)
    except OSError as err:
        raise UserError(f"cannot write {out}: {err.strerror}")
    plt.close(fig)
    return out


def report_figures(report, folder):
    """``loss.png``, ``lambda_min.png`` (d* marked) and ``branches.png`` for the report."""
    plt = _pyplot()
    folder = Path(folder)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for f in report["families"]:
        ax.plot(f["branch"]["d"], f["branch"]["loss"], label=f["name"])
    ax.set_xlabel("d")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.set_title("loss along each family")
    fig.tight_layout()
    fig.savefig(folder / "loss.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for f in report["families"]:
        line, = ax.plot(f["branch"]["d"], f["branch"]["lambda_min"], label=f["name"])
        for c in f["crossings"]:
            ax.plot([float(c["d_star_float"])], [0.0], "o", color=line.get_color())
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_xlabel("d")
    ax.set_ylabel("smallest Hessian eigenvalue")
    ax.set_title("λ_min along each family; dots: refined d*")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "lambda_min.png", dpi=120)
    plt.close(fig)

    n = len(report["families"])
    fig, axes = plt.subplots(n, 1, figsize=(7, 2.2 * n), squeeze=False)
    for ax, f in zip(axes[:, 0], report["families"]):
        ax.plot(f["branch"]["d"], f["branch"]["lambda_min"], "-", lw=1.2)
        ax.axhline(0.0, color="k", lw=0.6)
        for c in f["crossings"]:
            ax.axvline(float(c["d_star_float"]), color="r", ls="--", lw=0.8)
        for e in f["events"]:
            if e["kind"] != "stability":
                ax.axvline(e["d"], color="g", ls=":", lw=0.8)
        ax.set_ylabel("λ_min")
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.set_title(f"{f['name']}  {f['isotropy']}", fontsize=9)
    axes[-1, 0].set_xlabel("d")
    fig.tight_layout()
    fig.savefig(folder / "branches.png", dpi=110)
    plt.close(fig)
