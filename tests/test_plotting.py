"""Figures: returned as Figure objects without touching the backend, each d* on its own block,
no log axis holding the global minimum, and the file rules of ``plot_branch_file``."""
import sys

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from spurious.api import get_case, track
from spurious.errors import UserError
from spurious.plotting import (bifurcation_diagram, block_eigenvalues_figure, plot_branch, plot_branch_file,
                               overparam_figure, report_figures, require_matplotlib)
from spurious.report import build_report


class _Quiet:
    def update(self, *args):
        pass


@pytest.fixture(scope="module")
def branch():
    # both stability changes of sd2-i (d* = 6.014 on trivial x sign, 7.561 on std x trivial)
    return track(get_case("sd2-i"), d_from=8.5, d_to=5.5)


@pytest.fixture(scope="module")
def report():
    return build_report(["sd2-i", "sd-i"], 6, _Quiet())


@pytest.fixture(scope="module")
def branch_file(branch, tmp_path_factory):
    path = tmp_path_factory.mktemp("plot") / "b.json"
    branch.save(str(path))
    return path


def _lines(ax, prefix):
    return {line.get_gid()[len(prefix):]: line for line in ax.get_lines() if (line.get_gid() or "").startswith(prefix)}


def _check_crossings_on_their_blocks(ax, expected_labels, monitors, d):
    crossings = [line for line in ax.get_lines() if (line.get_gid() or "").startswith("crossing:")]
    assert sorted(line.get_gid()[9:] for line in crossings) == sorted(expected_labels)
    blocks = _lines(ax, "block:")
    for marker in crossings:
        label = marker.get_gid()[9:]
        (x,), (y,) = marker.get_xdata(), marker.get_ydata()
        assert y == 0.0
        curve = blocks[label]
        xs, ys = np.asarray(curve.get_xdata(), float), np.asarray(curve.get_ydata(), float)
        order = np.argsort(xs)
        assert abs(np.interp(x, xs[order], ys[order])) < 1e-12  # the drawn curve goes through the marker
        # and it is the block that crosses: between the two computed points around d* its value
        # changes sign, and no other block's does
        dd = np.asarray(d, float)
        i_lo = np.flatnonzero(dd < x)[np.argmax(dd[dd < x])]
        i_hi = np.flatnonzero(dd > x)[np.argmin(dd[dd > x])]
        for other, v in monitors.items():
            changes = np.sign(v[i_lo]) != np.sign(v[i_hi])
            assert changes == (other == label), (label, other)


def test_figures_are_returned_and_the_backend_is_untouched(branch, report):
    before = matplotlib.get_backend()
    figs = [plot_branch(branch), bifurcation_diagram(report), bifurcation_diagram(report["families"]),
            block_eigenvalues_figure(report), bifurcation_diagram(branch), overparam_figure(report)]
    assert all(isinstance(f, Figure) for f in figs)
    assert matplotlib.get_backend() == before


def test_plot_branch_marks_each_event_on_its_block(branch):
    fig = plot_branch(branch)
    ax = fig.axes[1]
    stability = [e for e in branch.events if e.kind == "stability"]
    assert len({e.label for e in stability}) == 2
    _check_crossings_on_their_blocks(ax, [e.label for e in stability], branch.monitor_values, branch.d)
    lo, hi = ax.get_ylim()
    assert lo < 0 < hi
    texts = [t.get_text() for t in ax.texts]
    for e in stability:
        assert any(f"{e.d:.4f}" in t for t in texts)


def test_block_figure_marks_each_crossing_on_its_block(report):
    fig = block_eigenvalues_figure(report)
    for f, ax in zip(report["families"], fig.axes):
        br = f["branch"]
        _check_crossings_on_their_blocks(ax, [c["label"] for c in f["crossings"]], br["monitors"], br["d"])


def test_bifurcation_diagram(report):
    fig = bifurcation_diagram(report)
    for ax in fig.axes:
        assert ax.get_yscale() == "linear" and ax.get_xscale() == "linear"  # sd-i (loss 0) is in both panels
        assert any((line.get_gid() or "").startswith("loss:sd-i:") for line in ax.get_lines())
        lo, hi = ax.get_ylim()
        assert lo < 0 < hi
    zoom = fig.axes[1]
    texts = [t.get_text() for t in zoom.texts]
    for f in report["families"]:
        for c in f["crossings"]:
            assert f"{float(c['d_star']):.4f}" in texts
        for iv in f["morse_intervals"]:
            assert iv["morse_index_formula"] in texts
    # solid where the index is 0, dashed elsewhere
    for line in zoom.get_lines():
        gid = line.get_gid() or ""
        if gid.startswith("loss:"):
            assert line.get_linestyle() == ("-" if gid.endswith(":0") else "--")


def test_report_figures_write_pngs(report, tmp_path):
    paths = report_figures(report, tmp_path)
    assert {p.name for p in paths} >= {"bifurcation.png", "blocks.png", "overparam.png"}
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_branch_file_names(branch_file, tmp_path):
    out = plot_branch_file(branch_file)
    assert out == branch_file.with_suffix(".png") and out.read_bytes()[:4] == b"\x89PNG"
    assert plot_branch_file(branch_file, tmp_path / "fig") == tmp_path / "fig.png"
    assert plot_branch_file(branch_file, tmp_path / "fig.pdf").read_bytes()[:4] == b"%PDF"
    assert plot_branch_file(branch_file, tmp_path / "fig.svg").exists()
    assert plot_branch_file(branch_file, tmp_path / "fig.v2") == tmp_path / "fig.v2.png"
    with pytest.raises(UserError, match="exists"):
        plot_branch_file(branch_file, tmp_path / "fig.png")
    assert plot_branch_file(branch_file, tmp_path / "fig.png", force=True) == tmp_path / "fig.png"


def test_plot_branch_file_refuses_its_input(branch_file):
    data = branch_file.read_bytes()
    # --out b.json has no figure suffix: b.json.png is written, the branch is untouched
    assert plot_branch_file(branch_file, branch_file) == branch_file.with_name("b.json.png")
    png_branch = branch_file.parent / "branch.png"  # a branch saved under a figure's name
    png_branch.write_bytes(data)
    link = branch_file.parent / "link.png"
    link.symlink_to(png_branch)
    same = branch_file.parent / ".." / branch_file.parent.name / "branch.png"
    for out in (None, png_branch, same, link):
        with pytest.raises(UserError, match="refusing to overwrite the branch file"):
            plot_branch_file(png_branch, out, force=True)
    assert branch_file.read_bytes() == data and png_branch.read_bytes() == data


def test_plot_branch_file_bad_input(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    for path in (bad, tmp_path / "missing.json"):
        with pytest.raises(UserError) as err:
            plot_branch_file(path)
        assert "\n" not in str(err.value)


def test_require_matplotlib(monkeypatch):
    require_matplotlib()
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(UserError, match=r"pip install 'spurious\[plot\]'"):
        require_matplotlib()
