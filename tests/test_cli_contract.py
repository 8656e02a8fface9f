"""The command line's error contract, driven by a few hundred bad or edge-case command lines.

Every user error must: exit with code 2, print exactly one line ``spurious: error: ...`` on
stderr (no traceback, no usage block), print nothing on stdout, and leave every file in the
working folder untouched (nothing created, changed or deleted). Run in-process for speed.
"""
import hashlib
import json
import os
from pathlib import Path

import pytest

from spurious.cli import main
from spurious.safeio import REPORT_MARKER

CASES = ("sd-i", "sd-ii", "sd1-i", "sd1-ii", "sd2-i", "sd2-ii", "sd3-i")
BAD_NUMBERS = ("x", "nan", "inf", "-inf", "1e999", "", " ", "1,5", "0x10", "--")
BAD_CASES = ("SD1-I", "sd9-i", "", "../sd1-i", "sd1-i ", "all", "type-A")


def _snapshot(root):
    """Every path below ``root`` with the hash of its content (folders: None)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            out[os.path.relpath(os.path.join(dirpath, name), root)] = None
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    """A working folder holding a user's files: a thesis, a folder of notes, a foreign JSON."""
    (tmp_path / "thesis.tex").write_text("\\section{results}\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("mine\n")
    (tmp_path / "data.json").write_text('{"mine": true}\n')
    (tmp_path / "bad.json").write_text('{"x": [[1, 2], [3]], "d": [1, 2], "tangents": [[1], [2]]}')
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "notjson.json").write_text("hello")
    (tmp_path / "array.json").write_text("[1, 2, 3]")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _bad_command_lines():
    lines = [[], ["bogus"], ["--bogus"], ["cases", "--bogus"], ["cases", "extra"]]
    # point
    lines += [["point"], ["point", "sd1-i"], ["point", "--d", "5"], ["point", "sd1-i", "--d"]]
    lines += [["point", "sd1-i", "--d", v] for v in BAD_NUMBERS]
    lines += [["point", c, "--d", "5.5"] for c in BAD_CASES]
    for case in CASES:
        lines += [["point", case, "--d", v] for v in ("3", "2.5", "-1", "0", "1e5", "10000.5")]
        lines += [["point", case, "--d", "8", "--setting", s] for s in ("Fixed", "both", "")]
    # discover
    lines += [["discover"], ["discover", "--runs", "3"]]
    lines += [["discover", "--d", v] for v in ("1", "0", "-3", "2.5", "x", "101", "1e6", "1000000", "")]
    lines += [["discover", "--d", "5", "--runs", v] for v in ("0", "-1", "1.5", "x", "1000000000", "100001")]
    lines += [["discover", "--d", "5", "--workers", v] for v in ("0", "-2", "x", "65")]
    lines += [["discover", "--d", "5", "--seed", v] for v in ("-1", "x", "1.5")]
    lines += [["discover", "--d", "5", "--setting", "both"]]
    # track
    lines += [["track"], ["track", "--d-to", "5"]]
    lines += [["track", c] for c in BAD_CASES if c]
    lines += [["track", "sd1-i", "--d-from", v] for v in BAD_NUMBERS]
    lines += [["track", "sd1-i", "--d-to", v] for v in BAD_NUMBERS]
    for case in CASES:
        lines += [["track", case, "--d-from", v] for v in ("3", "1", "-5", "1e5", "20000")]
        lines.append(["track", case, "--d-from", "8", "--d-to", "1e6"])
    lines += [["track", "sd1-i", "--out", p] for p in ("", ".", "notes", "/", "/proc/x/y.json", "missing/b.json",
                                                      "data.json", "thesis.tex", "/dev/full")]
    lines += [["track", "--resume", p] for p in ("missing.json", "data.json", "bad.json", "empty.json",
                                                 "notjson.json", "array.json", "notes", "thesis.tex", "")]
    lines += [["track", "sd1-i", "--setting", "x"], ["track", "sd1-i", "--resume"]]
    # plot
    lines += [["plot"], ["plot", "missing.json"], ["plot", "notes"]]
    lines += [["plot", p] for p in ("data.json", "bad.json", "empty.json", "notjson.json", "array.json", "thesis.tex")]
    # refine
    lines += [["refine"], ["refine", "sd1-i", "--digits", "--json"]]
    lines += [["refine", c] for c in BAD_CASES]
    lines += [["refine", "sd1-i", "--digits", v] for v in ("0", "-1", "10001", "100000", "1.5", "x", "", "1e3", "nan")]
    lines += [["refine", "sd1-i", "--setting", "x"]]
    # report
    lines += [["report", "--out", p] for p in ("", ".", "..", "/", "/usr", "~", "notes", "thesis.tex", "/proc/x",
                                              "missing/report", "/dev/null")]
    lines += [["report", "--digits", v] for v in ("0", "10001", "x", "")]
    lines += [["report", "--cases"], ["report", "--cases", "sd9"], ["report", "--cases", "sd1-i", "SD2-I"]]
    lines += [["report", "--out", "new", "--resume"], ["report", "--bogus"]]
    # certify and check
    lines += [["certify"], ["certify", "sd1-i"], ["certify", "sd9", "--d", "6"], ["certify", "sd1-i", "--d", "x"],
              ["certify", "sd1-i", "--d", "1/0"], ["certify", "sd1-i", "--d", "3"], ["certify", "sd1-i", "--d", "1e5"],
              ["certify", "sd1-i", "--d", "6", "--crossings"], ["certify", "sd1-i", "--d-range", "1", "3"],
              ["certify", "sd1-i", "--d-range", "9", "8"], ["certify", "sd1-i", "--d-range", "5", "x"],
              ["certify", "sd1-i", "--d", "6", "--digits", "5"], ["certify", "sd1-i", "--d", "6", "--out", "data.json"],
              ["certify", "sd1-i", "--d", "6", "--out", "notes"], ["certify", "sd1-i", "--d", "6", "--setting", "x"],
              ["certify", "sd1-i", "--all", "--d", "6"], ["certify", "--all", "--d", "x"],
              ["certify", "--all", "--d-range", "20000", "30000"], ["certify", "--all", "--d", "6", "--digits", "2000"],
              ["certify", "sd1-i", "--crossings", "--halfwidth", "-1"], ["certify", "sd1-i", "--crossings", "--halfwidth", "x"],
              ["certify", "sd1-i", "--crossings", "--halfwidth", "2"]]
    lines += [["series"], ["series", "sd9"], ["series", "sd1-i", "--order", "0"], ["series", "sd1-i", "--order", "x"],
              ["series", "sd1-i", "--order", "99"], ["series", "sd1-i", "--digits", "5"],
              ["series", "sd1-i", "--compare"], ["series", "sd1-i", "--compare", "sd9"]]
    lines += [["branches"], ["branches", "sd9"], ["branches", "sd1-i", "--crossing", "x"],
              ["branches", "sd1-i", "--crossing", "5"], ["branches", "sd1-i", "--out", "notes"],
              ["branches", "sd1-i", "--out", "fig.txt"]]
    lines += [["overparam"], ["overparam", "sd1-i"], ["overparam", "sd9", "--m", "1"],
              ["overparam", "sd1-i", "--m", "0"], ["overparam", "sd1-i", "--m", "4"], ["overparam", "sd1-i", "--m", "x"],
              ["overparam", "sd1-i", "--m", "1", "--d", "3"], ["overparam", "sd1-i", "--m", "1", "--d", "x"],
              ["overparam", "sd1-i", "--m", "1", "--d", "1e5"], ["overparam", "sd1-i", "--m", "1", "--d-from", "8"],
              ["overparam", "sd1-i", "--m", "1", "--d-to", "8"],
              ["overparam", "sd1-i", "--m", "1", "--d-from", "9", "--d-to", "8"],
              ["overparam", "sd1-i", "--m", "1", "--d", "8", "--d-from", "6"],
              ["overparam", "sd1-i", "--m", "1", "--d-from", "2", "--d-to", "8"],
              ["overparam", "sd1-i", "--m", "1", "--digits", "5"], ["overparam", "sd1-i", "--m", "1", "--setting", "x"]]
    lines += [["check"], ["check", "missing.json"], ["check", "notes"]]
    lines += [["check", p] for p in ("data.json", "bad.json", "empty.json", "notjson.json", "array.json", "thesis.tex")]
    return lines


BAD = _bad_command_lines()


def test_enough_bad_command_lines():
    assert len(BAD) >= 200
    assert len({tuple(a) for a in BAD}) == len(BAD), "duplicates in the fuzz list"


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a) or "(none)" for a in BAD])
def test_user_error_contract(argv, workdir, capsys):
    before = _snapshot(workdir)
    code = main(argv)
    out, err = capsys.readouterr()
    if argv == []:  # no command: the help, exit 0
        assert code == 0 and "usage" in out
        return
    lines = err.strip().splitlines()
    assert code == 2, (code, err)
    assert len(lines) == 1, err
    assert lines[0].startswith("spurious: error: "), err
    assert "Traceback" not in err and out == ""
    assert _snapshot(workdir) == before


def test_internal_error_is_one_line_and_debug_shows_traceback(monkeypatch, capsys):
    import spurious.cli as cli

    def boom(args):
        raise RuntimeError("a bug\nsecond line")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["cases"].set_defaults(func=boom)
    assert main(["cases"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (RuntimeError): a bug" in err and "Traceback" not in err
    assert main(["--debug", "cases"]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_interrupt_is_one_line(monkeypatch, capsys):
    import spurious.cli as cli

    def interrupted(args):
        raise KeyboardInterrupt

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["cases"].set_defaults(func=interrupted)
    assert main(["cases"]) == 130
    assert capsys.readouterr().err == "spurious: interrupted\n"


def test_help_documents_every_option(capsys):
    """Every option of every command has a help text; point --help lists the cases."""
    from spurious.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        assert sub.description, name
        for action in sub._actions:
            assert action.help, (name, action.dest)
    with pytest.raises(SystemExit):
        main(["point", "--help"])
    out = capsys.readouterr().out
    assert all(case in out for case in CASES)


def test_cases_json_is_valid(capsys):
    assert main(["cases", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == list(CASES)


def test_report_refuses_a_folder_with_user_files_even_with_force(workdir, capsys):
    before = _snapshot(workdir)
    assert main(["report", "--out", "notes", "--force", "--cases", "sd1-i"]) == 2
    assert "no spurious report" in capsys.readouterr().err
    assert _snapshot(workdir) == before


def test_report_folder_with_marker_and_extra_user_file_is_refused(workdir, capsys):
    rep = workdir / "rep"
    rep.mkdir()
    (rep / "report.md").write_text("old")
    (rep / REPORT_MARKER).write_text(json.dumps({"tool": "spurious", "files": ["report.md"]}))
    (rep / "my-notes.md").write_text("mine")
    before = _snapshot(workdir)
    assert main(["report", "--out", "rep", "--force", "--cases", "sd1-i"]) == 2
    assert "my-notes.md" in capsys.readouterr().err
    assert _snapshot(workdir) == before


def test_previous_report_needs_force(workdir, capsys):
    rep = workdir / "rep"
    rep.mkdir()
    (rep / "report.md").write_text("old")
    (rep / REPORT_MARKER).write_text(json.dumps({"tool": "spurious", "files": ["report.md"]}))
    before = _snapshot(workdir)
    assert main(["report", "--out", "rep", "--cases", "sd1-i"]) == 2
    assert "--force" in capsys.readouterr().err
    assert _snapshot(workdir) == before


def test_track_refuses_to_overwrite_an_existing_branch_without_force(workdir, capsys):
    branch = workdir / "b.json"
    branch.write_text(json.dumps({"format": "spurious-branch", "version": 1}))
    before = _snapshot(workdir)
    assert main(["track", "sd1-i", "--d-from", "8", "--d-to", "7", "--out", "b.json", "--quiet"]) == 2
    assert "--force" in capsys.readouterr().err
    assert _snapshot(workdir) == before


def test_broken_pipe_exits_quietly(tmp_path):
    """``spurious cases --json | head -1``: no error message, no traceback."""
    import subprocess
    import sys

    proc = subprocess.run(f"'{sys.executable}' -m spurious cases --json | head -1", shell=True,
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.stdout.strip() == "["
    assert proc.stderr == ""
