"""Interrupted runs: the previous output is always intact and complete, and ``--resume``
reproduces the uninterrupted result.

In-process tests inject the interrupt at a chosen moment (deterministic); subprocess tests send
SIGINT, SIGTERM and SIGKILL to a real ``spurious`` process at random moments, including while it
is saving.
"""
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spurious.cli import main
from spurious.continuation import Branch
from spurious.safeio import REPORT_MARKER


def _events(branch):
    return [(e.kind, e.label, float(e.d)) for e in branch.events]


def _same_events(a, b, tol=1e-12):
    assert [(k, lab) for k, lab, _ in a] == [(k, lab) for k, lab, _ in b]
    for (_, _, da), (_, _, db) in zip(a, b):
        assert abs(da - db) <= tol * max(1.0, abs(da)), (da, db)


def _interrupt_on_save(monkeypatch, n):
    """Make the ``n``-th branch save raise KeyboardInterrupt right after writing its file."""
    original = Branch.save
    calls = {"n": 0}

    def save(self, path, *args, **kwargs):
        original(self, path, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt

    monkeypatch.setattr(Branch, "save", save)
    return calls, original


def test_track_interrupted_then_resumed_reproduces_the_events(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["track", "sd2-i", "--d-from", "12", "--d-to", "5", "--quiet"]
    assert main(argv + ["--out", "full.json"]) == 0
    full = Branch.load("full.json")
    calls, original_save = _interrupt_on_save(monkeypatch, 15)
    assert main(argv + ["--out", "part.json", "--checkpoint-every", "0"]) == 130
    err = capsys.readouterr().err
    assert "--resume part.json" in err and err.strip().endswith("spurious: interrupted")
    part = Branch.load("part.json")
    assert 1 < len(part) < len(full) and calls["n"] >= 15
    monkeypatch.setattr(Branch, "save", original_save)
    assert main(["track", "--resume", "part.json", "--quiet"]) == 0
    resumed = Branch.load("part.json")
    assert len(resumed) == len(full)
    _same_events(_events(resumed), _events(full))
    assert abs(resumed.d[-1] - full.d[-1]) <= 1e-12
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_report_interrupted_then_resumed_skips_finished_families(tmp_path, monkeypatch, capsys):
    import spurious.report as report

    monkeypatch.chdir(tmp_path)
    argv = ["report", "--out", "rep", "--cases", "sd1-i", "sd-i", "--digits", "12", "--quiet"]
    original = report.refine_case
    computed = []

    def refine_once(fam, *args, **kwargs):
        computed.append(fam.name)
        if len(computed) == 2 and not resumed["now"]:
            raise KeyboardInterrupt
        return original(fam, *args, **kwargs)

    resumed = {"now": False}
    monkeypatch.setattr(report, "refine_case", refine_once)
    assert main(argv) == 130
    assert not (tmp_path / "rep").exists()
    checkpoint = tmp_path / ".rep.checkpoint.json"
    assert list(json.loads(checkpoint.read_text())["families"]) == ["sd1-i"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".rep.checkpoint.json"]
    resumed["now"] = True
    computed.clear()
    assert main(argv + ["--resume"]) == 0
    assert computed == ["sd-i"]  # sd1-i came from the checkpoint
    assert not checkpoint.exists()
    data = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert [f["name"] for f in data["families"]] == ["sd1-i", "sd-i"]
    monkeypatch.setattr(report, "refine_case", original)
    assert main(["report", "--out", "fresh", "--cases", "sd1-i", "sd-i", "--digits", "12", "--quiet"]) == 0
    fresh = json.loads((tmp_path / "fresh" / "report.json").read_text())
    assert [c["d_star"] for c in data["families"][0]["crossings"]] == \
        [c["d_star"] for c in fresh["families"][0]["crossings"]]
    capsys.readouterr()


def _spurious(args, cwd):
    return subprocess.Popen([sys.executable, "-m", "spurious", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _complete_report(folder):
    marker = json.loads((folder / REPORT_MARKER).read_text())
    assert marker["tool"] == "spurious"
    assert sorted(marker["files"]) == sorted(p.name for p in folder.iterdir() if p.name != REPORT_MARKER)
    json.loads((folder / "report.json").read_text())
    assert (folder / "report.md").read_text().startswith("#")


@pytest.mark.slow
def test_killing_track_never_damages_the_branch_file(tmp_path):
    """A long track (d from 1500 down) checkpointing every 0.05 s is killed at random moments;
    the branch file is always a complete, loadable branch; resuming gives the full run's events."""
    rng = random.Random(20261125)
    argv = ["track", "sd1-i", "--d-from", "1500", "--d-to", "5", "--quiet"]
    assert subprocess.run([sys.executable, "-m", "spurious", *argv, "--out", "full.json"], cwd=tmp_path,
                          capture_output=True, timeout=600).returncode == 0
    full = Branch.load(tmp_path / "full.json")
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL, signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        (tmp_path / "b.json").write_bytes((tmp_path / "full.json").read_bytes())
        # a SIGKILL during a checkpoint write may leave its temporary file (nothing can clean up
        # after SIGKILL); it is never the branch file, and a user may delete it
        for stale in tmp_path.glob(".b.json.tmp-*"):
            stale.unlink()
        proc = _spurious(argv + ["--out", "b.json", "--force", "--checkpoint-every", "0.05"], tmp_path)
        time.sleep(rng.uniform(1.0, 4.0))
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        if proc.returncode == 0:  # finished before the signal: nothing to check
            continue
        expected = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGKILL: -9}[sig]
        assert proc.returncode == expected, err
        assert "Traceback" not in err
        branch = Branch.load(tmp_path / "b.json")  # complete: either the old file or a checkpoint
        assert len(branch) >= 1
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
        if sig != signal.SIGKILL:
            assert leftovers == []
        else:
            assert all(name.startswith(".b.json.tmp-") for name in leftovers), leftovers
    done = subprocess.run([sys.executable, "-m", "spurious", "track", "--resume", "b.json", "--quiet"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    _same_events(_events(Branch.load(tmp_path / "b.json")), _events(full))


@pytest.mark.slow
def test_killing_report_never_damages_the_previous_report(tmp_path):
    rng = random.Random(7)
    argv = ["report", "--out", "rep", "--cases", "sd1-i", "sd-i", "--digits", "12", "--quiet"]
    assert subprocess.run([sys.executable, "-m", "spurious", *argv], cwd=tmp_path, capture_output=True,
                          timeout=600).returncode == 0
    _complete_report(tmp_path / "rep")
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        proc = _spurious(argv + ["--force"], tmp_path)
        time.sleep(rng.uniform(1.0, 6.0))
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=300)
        assert "Traceback" not in err
        _complete_report(tmp_path / "rep")
        if sig != signal.SIGKILL:
            left = [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and "checkpoint" not in p.name]
            assert left == [], left
