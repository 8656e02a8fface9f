"""Branch files (issue #9): versioned, validated on load, written atomically; checkpoints and resume."""
import copy
import json
import math
import os
import signal
import sys

import numpy as np
import pytest

from spurious.api import get_case, track
from spurious.cases.family import FamilyError
from spurious.continuation import ArclengthSettings, Branch, ContinuationProblem, continue_branch
from spurious.continuation import branch as branch_module

PITCHFORK = ContinuationProblem(
    residual=lambda x, d: np.array([x[0] * (d - x[0] ** 2), x[1] - d ** 2]),
    jacobian=lambda x, d: (np.array([[d - 3 * x[0] ** 2, 0.0], [0.0, 1.0]]), np.array([x[0], -2 * d])),
    monitors=lambda x, d: {"a": d - 0.3, "b": 0.7 - d},
    describe=lambda x, d: {"y": x[1]} if d < 0.5 else {"y": x[1], "late": d / 3})


@pytest.fixture(scope="module")
def small():
    b = continue_branch(PITCHFORK, [0.0, 1.0], -1.0,
                        ArclengthSettings(ds=0.07, ds_max=0.13, d_min=-1, d_max=1, direction=1))
    b.metadata.update({"case": "pitchfork", "third": np.float64(1) / 3})
    return b


@pytest.fixture(scope="module")
def raw(small):
    return json.loads(json.dumps(small.as_dict(), default=branch_module._plain))


# ------------------------------------------------------------- the data
def test_branch_is_arrays(small):
    n, m = len(small), 2
    assert isinstance(small.d, np.ndarray) and small.d.shape == (n,) and small.d.dtype == float
    assert small.x.shape == (n, m) and small.tangents.shape == (n, m + 1)
    assert set(small.values) == {"y", "late"} and set(small.monitor_values) == {"a", "b"}
    assert all(isinstance(v, np.ndarray) and v.shape == (n,) for v in small.values.values())
    late = small.values["late"]
    assert np.all(np.isnan(late[small.d < 0.5])) and np.allclose(late[small.d >= 0.5], small.d[small.d >= 0.5] / 3)
    with pytest.raises(ValueError):
        small.d[0] = 1.0  # read-only views: the branch cannot be corrupted by accident
    text = repr(small)
    assert text.count("\n") <= 1 and f"{n} points" in text and "2 stability" in text and "pitchfork" in text
    assert "reached d = 1" in text


def test_append_grows_past_the_initial_capacity():
    b = Branch()
    for i in range(100):
        b.append([i, -i], i / 10, [0, 0, 1], {"v": i} if i % 2 else {}, {"m": -i})
    assert len(b) == 100 and b.d[-1] == 9.9 and b.x[37].tolist() == [37, -37]
    assert np.isnan(b.values["v"][0]) and b.values["v"][99] == 99 and b.monitor_values["m"][50] == -50


def test_to_dataframe(small, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="needs pandas"):
        small.to_dataframe()
    monkeypatch.undo()
    pytest.importorskip("pandas")
    df = small.to_dataframe()
    assert list(df.columns) == ["d", "y", "late", "a", "b"] and len(df) == len(small)
    assert np.array_equal(df["d"].to_numpy(), small.d)


# ------------------------------------------------------------ round trip
def test_round_trip_is_bit_exact(small, tmp_path):
    path = tmp_path / "b.json"
    small.save(path)
    text = path.read_text()
    assert json.loads(text)["format"] == "spurious-branch" and json.loads(text)["version"] == 2
    assert json.loads(text)["status"] == "bound reached" and json.loads(text)["message"] == "reached d = 1"
    loaded = Branch.load(path)
    for name in ("d", "x", "tangents"):
        assert np.array_equal(getattr(loaded, name), getattr(small, name))
    for store in ("values", "monitor_values"):
        a, b = getattr(loaded, store), getattr(small, store)
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
    assert loaded.events == small.events and loaded.end_reason == small.end_reason
    assert (loaded.status, loaded.message, loaded.success) == (small.status, small.message, True)
    assert all(e.status == "converged" and e.bracket[0] <= e.d <= e.bracket[1] for e in loaded.events)
    assert loaded.settings == small.settings and loaded.state == small.state
    assert loaded.metadata == {"case": "pitchfork", "third": 1 / 3}
    loaded.save(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == text


def test_version_1_files_load_with_a_status_derived_from_end_reason(raw, tmp_path):
    old = {k: v for k, v in raw.items() if k not in ("status", "message")}
    old["version"], old["end_reason"] = 1, "reached d = 1"
    old["events"] = [{k: v for k, v in e.items() if k not in ("status", "message", "bracket")} for e in raw["events"]]
    (tmp_path / "v1.json").write_text(json.dumps(old))
    loaded = Branch.load(tmp_path / "v1.json")
    assert loaded.status == "bound reached" and loaded.success and loaded.message == loaded.end_reason == "reached d = 1"
    assert all(e.status == "converged" and e.bracket == (e.d, e.d) for e in loaded.events)
    for reason, status in [("", "unfinished"), ("max_steps = 4 reached", "max steps"), ("x left the box", "domain exit"),
                           ("newton failed at minimal step (ds < 1e-08 at d = 2)", "step too small")]:
        old["end_reason"] = reason
        (tmp_path / "v1.json").write_text(json.dumps(old))
        assert Branch.load(tmp_path / "v1.json").status == status


def test_files_without_a_format_tag_load_as_version_0(raw, tmp_path):
    old = {k: v for k, v in raw.items() if k not in ("format", "version")}
    (tmp_path / "old.json").write_text(json.dumps(old))
    loaded = Branch.load(tmp_path / "old.json")
    assert np.array_equal(loaded.x, np.array(raw["x"])) and len(loaded.events) == len(raw["events"]) == 3


# -------------------------------------------------------- malformed files
def mutate(f):
    def make(raw):
        r = copy.deepcopy(raw)
        f(r)
        return json.dumps(r)
    return make


def _set(key, value):
    return mutate(lambda r: r.__setitem__(key, value))


def _drop(key):
    return mutate(lambda r: r.pop(key))


def _in_event(field, value):
    return mutate(lambda r: r["events"][0].__setitem__(field, value))


MALFORMED = {
    "empty": lambda r: "",
    "not json": lambda r: "hello",
    "truncated json": lambda r: json.dumps(r)[:-20],
    "not utf-8": lambda r: b'{"d": [1.0], "x": "\xff\xfe"}',
    "top level list": lambda r: "[]",
    "top level number": lambda r: "3",
    "nested too deeply": lambda r: "[" * 200000 + "]" * 200000,
    "wrong format tag": _set("format", "something-else"),
    "unsupported version": _set("version", 3),
    "version as a string": _set("version", "1"),
    "version true": _set("version", True),
    "version without format": mutate(lambda r: r.pop("format")),
    "missing x": _drop("x"),
    "missing tangents": _drop("tangents"),
    "d not a list": _set("d", 1.0),
    "d string entry": mutate(lambda r: r["d"].__setitem__(0, "1.0")),
    "d boolean entry": mutate(lambda r: r["d"].__setitem__(0, True)),
    "d NaN": mutate(lambda r: r["d"].__setitem__(1, math.nan)),
    "d infinite": mutate(lambda r: r["d"].__setitem__(1, -math.inf)),
    "d overflowing integer": lambda r: json.dumps(r).replace('"d": [', '"d": [' + "9" * 400 + ", ", 1),
    "x null entry": mutate(lambda r: r["x"][2].__setitem__(0, None)),
    "x not rows": _set("x", {"a": 1}),
    "x row not a list": mutate(lambda r: r["x"].__setitem__(0, 1.0)),
    "x ragged": mutate(lambda r: r["x"][3].pop()),
    "x NaN": mutate(lambda r: r["x"][0].__setitem__(1, math.nan)),
    "x empty rows": mutate(lambda r: (r.__setitem__("x", [[] for _ in r["x"]]),
                                      r.__setitem__("tangents", [[1.0] for _ in r["x"]]))),
    "tangents wrong width": mutate(lambda r: [t.pop() for t in r["tangents"]]),
    "tangents infinite": mutate(lambda r: r["tangents"][0].__setitem__(0, math.inf)),
    "d shorter than x": mutate(lambda r: r["d"].pop()),
    "tangents shorter than x": mutate(lambda r: r["tangents"].pop()),
    "zero points": mutate(lambda r: r.update(d=[], x=[], tangents=[], values={}, monitor_values={}, events=[])),
    "values not an object": _set("values", [1.0]),
    "values column too short": mutate(lambda r: r["values"]["y"].pop()),
    "monitor column string": mutate(lambda r: r["monitor_values"]["a"].__setitem__(0, "x")),
    "monitor column not a list": mutate(lambda r: r["monitor_values"].__setitem__("a", 0.5)),
    "events not a list": _set("events", {"kind": "fold"}),
    "event not an object": mutate(lambda r: r["events"].__setitem__(0, 3)),
    "event missing d": mutate(lambda r: r["events"][0].pop("d")),
    "event d NaN": _in_event("d", math.nan),
    "event d string": _in_event("d", "0.3"),
    "event unknown kind": _in_event("kind", "explosion"),
    "event x wrong length": _in_event("x", [0.0]),
    "event values not an object": _in_event("values", [1, 2]),
    "event index out of range": _in_event("index", 10 ** 6),
    "event label not a string": _in_event("label", 7),
    "event unknown field": _in_event("colour", "red"),
    "status unknown": _set("status", "exploded"),
    "status not a string": _set("status", 3),
    "message not a string": _set("message", 3),
    "end_reason not a string in version 1": mutate(lambda r: (r.update(version=1, end_reason=3), r.pop("status"),
                                                              r.pop("message"))),
    "event status unknown": _in_event("status", "exploded"),
    "event bracket not a pair": _in_event("bracket", [0.1]),
    "metadata not an object": _set("metadata", "sd1-i"),
    "state ds negative": _set("state", {"ds": -0.1}),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_file_is_a_value_error(name, raw, tmp_path):
    content = MALFORMED[name](raw)
    path = tmp_path / "bad.json"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    with pytest.raises(ValueError) as info:
        Branch.load(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message and type(info.value) is ValueError


def test_not_regular_files_are_rejected_without_blocking(tmp_path, monkeypatch):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(TimeoutError("load blocked")))
    signal.alarm(5)
    try:
        for path in (fifo, tmp_path, "/dev/zero"):
            with pytest.raises(ValueError, match="not a regular file"):
                Branch.load(path)
    finally:
        signal.alarm(0)
    with pytest.raises(ValueError, match="cannot read"):
        Branch.load(tmp_path / "missing.json")
    big = tmp_path / "big.json"
    big.write_text(" " * 1000)
    monkeypatch.setattr(branch_module, "MAX_FILE_BYTES", 999)
    with pytest.raises(ValueError, match="larger than"):
        Branch.load(big)


# -------------------------------------------------------------- atomicity
def test_a_failed_save_leaves_the_previous_file(small, tmp_path, monkeypatch):
    path = tmp_path / "b.json"
    small.save(path)
    before = path.read_bytes()
    other = Branch(x=[[1.0, 2.0]], d=[0.5], tangents=[[0.0, 0.0, 1.0]])

    def crash(fd):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk on fire"):
        other.save(path)
    monkeypatch.undo()
    other.metadata["bad"] = object()
    with pytest.raises(TypeError):
        other.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json"]
    other.metadata.clear()
    other.save(path)
    assert len(Branch.load(path)) == 1


# --------------------------------------------------- checkpoints and resume
class Stop(Exception):
    pass


@pytest.fixture(scope="module")
def uninterrupted():
    return track(get_case("sd1-i"), d_from=20.0, d_to=4.5)


def test_resuming_a_checkpoint_reproduces_the_uninterrupted_run(uninterrupted, tmp_path):
    path = tmp_path / "checkpoint.json"
    seen = []

    def checkpoint(step):
        assert step.branch is not None and len(step.branch) == step.index + 1
        seen.append(step.d)
        if step.index % 10 == 0:
            step.branch.save(path)
        if step.index == 45:  # past d* would be too late: the event must be found after the resume
            raise Stop

    with pytest.raises(Stop):
        track(get_case("sd1-i"), d_from=20.0, d_to=4.5, observers=(checkpoint,))
    saved = Branch.load(path)
    assert len(saved) == 41 and saved.metadata["case"] == "sd1-i" and saved.end_reason == ""
    assert saved.d[-1] > 5.6  # the stability event is still ahead
    resumed = track(get_case("sd1-i"), d_to=4.5, resume=saved)
    assert resumed is saved
    assert len(resumed) == len(uninterrupted) and resumed.end_reason == uninterrupted.end_reason
    assert [e.kind for e in resumed.events] == [e.kind for e in uninterrupted.events] == ["stability"]
    np.testing.assert_allclose([e.d for e in resumed.events], [e.d for e in uninterrupted.events], atol=1e-12, rtol=0)
    np.testing.assert_allclose(resumed.d, uninterrupted.d, atol=1e-12, rtol=0)


def test_a_finished_branch_is_extended_beyond_its_end(uninterrupted, tmp_path):
    short = track(get_case("sd1-i"), d_from=20.0, d_to=6.0)
    assert not short.events and short.d[-1] == 6.0
    short.save(tmp_path / "short.json")
    longer = track("sd1-i", d_to=4.5, resume=Branch.load(tmp_path / "short.json"))
    assert longer.d[-1] == 4.5 and longer.d[0] == 20.0 and "reached" in longer.end_reason
    assert longer.metadata["d_to"] == 4.5 and longer.metadata["d_from"] == 20.0
    np.testing.assert_allclose([e.d for e in longer.events], [e.d for e in uninterrupted.events], atol=1e-9)


def test_resume_checks_case_setting_and_range(uninterrupted):
    with pytest.raises(FamilyError, match="cannot resume a branch of sd1-i"):
        track("sd2-i", d_to=5.0, resume=uninterrupted)
    with pytest.raises(FamilyError, match="cannot resume a branch of sd1-i"):
        track("sd1-i", d_to=5.0, setting="trainable", resume=uninterrupted)
    with pytest.raises(FamilyError, match="already ends at d = 4.5"):
        track("sd1-i", d_to=6.0, resume=uninterrupted)
    with pytest.raises(TypeError, match="resume must be a Branch"):
        track("sd1-i", d_to=6.0, resume={"d": [1.0]})
