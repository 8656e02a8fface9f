"""A branch is data: points, tangents, stored scalars, monitors, events; saved as JSON.

In memory (:class:`Branch`): ``d`` is a float array ``(n,)``, ``x`` an array ``(n, m)``,
``tangents`` an array ``(n, m + 1)`` (unit tangents in ``(x, d)``), ``values[name]`` and
``monitor_values[label]`` float arrays ``(n,)`` (NaN where a name is missing at a point).
These are read-only views of storage that grows geometrically, so appending a point costs
amortised O(m) and reading ``branch.d[-1]`` is O(1).

File format (version 2): one JSON object::

    {"format": "spurious-branch", "version": 2,
     "d": [n floats], "x": [n rows of m floats], "tangents": [n rows of m + 1 floats],
     "values": {name: [n floats or NaN]}, "monitor_values": {label: [n floats or NaN]},
     "events": [{"kind", "d", "x", "values", "label", "index", "status", "message", "bracket"}, ...],
     "status": str, "message": str, "settings": {...}, "metadata": {...}, "state": {...}}

``status`` is a :class:`.status.Status` value (how the branch ended, ``"unfinished"`` for a
checkpoint), ``message`` the human line (e.g. ``"reached d = 4.01"``). Version 1 (and 0) files
have ``"end_reason": str`` instead, and events without ``status``/``message``/``bracket``; they
are still read: the status is derived from the end reason's wording (``"reached d = ..."`` ->
``bound reached``, ``"max_steps ..."`` -> ``max steps``, ``"newton failed at minimal step"``
-> ``step too small``, ``"start ..."`` -> ``start failed``, ``""`` -> ``unfinished``, any other
reason -> ``domain exit``; the reason becomes the message), their events are taken as located
(``converged``, bracket ``[d, d]``).

Floats are written by Python's ``repr``, which round-trips every float64 exactly, so a loaded
branch is bit-for-bit the saved one and can be resumed
(:func:`spurious.continuation.continue_branch` with ``branch=``). Infinite bounds in the
settings and missing values (NaN) use Python's JSON extensions ``Infinity`` and ``NaN``.
Files written before the format tag existed (no ``"format"``, but ``x``, ``d``, ``tangents``)
are read as version 0, which has the same fields.

:meth:`Branch.save` writes atomically (:func:`.files.atomic_write_text`): a crash or kill
during the save leaves the previous file intact. :meth:`Branch.load` checks everything before
trusting it -- a regular file (never opens a FIFO or device for a blocking read), at most
``MAX_FILE_BYTES``, UTF-8 JSON with the format tag and a supported version, finite numeric
``d``/``x``/``tangents`` of consistent shapes, columns of the right length, well-formed
events -- and raises ``ValueError`` with a one-line message naming the file and the problem.
"""
import json
import math
import os
import stat
from dataclasses import asdict, dataclass

import numpy as np

from .files import atomic_write_text
from .status import Status

FORMAT = "spurious-branch"
VERSION = 2
READ_VERSIONS = (0, 1, 2)
MAX_FILE_BYTES = 256 * 2 ** 20
EVENT_KINDS = ("fold", "branch_point", "stability")


@dataclass
class Event:
    """A located event on a branch.

    ``kind``: ``"fold"``, ``"branch_point"`` or ``"stability"``; ``d`` and ``x``: the located
    point; ``values``: the test function at the two branch points bracketing the sign change
    (``"before"``, ``"after"``) and at the located point (``"at"``); ``label``: the monitor of a
    stability event (``""`` otherwise); ``index``: the event lies between branch points
    ``index`` and ``index + 1``. ``status``: ``CONVERGED`` when the root finder located the
    sign change to ``locate_tol``; otherwise (a trial corrector failed, the iteration cap) the
    root finder's status, with ``d``/``x`` the best point evaluated; ``message`` says which;
    ``success`` is ``status.success``. ``bracket``: ``(d_lo, d_hi)``, the ``d`` of the final
    bracket's ends (the sign change lies between them; about ``locate_tol`` wide when located).
    """

    kind: str
    d: float
    x: list
    values: dict
    label: str = ""
    index: int = 0
    status: Status = Status.CONVERGED
    message: str = "located"
    bracket: tuple = ()

    def __post_init__(self):
        self.status = Status.of(self.status)
        self.bracket = tuple(float(v) for v in self.bracket) if len(self.bracket) else (float(self.d), float(self.d))

    @property
    def success(self):
        return self.status.success

    def as_dict(self):
        out = asdict(self)
        out["status"], out["bracket"] = self.status.value, list(self.bracket)
        return out


class _Columns:
    """Named float columns growing with the branch; missing entries are NaN."""

    def __init__(self):
        self._data = {}

    def extend_to(self, capacity):
        for key, column in self._data.items():
            if len(column) < capacity:
                grown = np.full(capacity, np.nan)
                grown[:len(column)] = column
                self._data[key] = grown

    def clear(self, i):
        for column in self._data.values():
            column[i] = np.nan

    def put(self, key, i, value, capacity):
        column = self._data.get(key)
        if column is None:
            column = self._data[key] = np.full(capacity, np.nan)
        column[i] = value

    def view(self, n):
        out = {}
        for key, column in self._data.items():
            v = column[:n]
            v.flags.writeable = False
            out[key] = v
        return out


class Branch:
    """A continued branch of ``G(x, d) = 0``.

    ``d`` (array ``(n,)``), ``x`` (array ``(n, m)``; row ``i`` is the point at ``d[i]``) and
    unit tangents ``tangents`` (array ``(n, m + 1)``, in ``(x, d)``); ``values[name]`` (array
    ``(n,)``) from the problem's ``describe`` and ``monitor_values[label]`` from its
    ``monitors`` (NaN where a name is missing at a point). For a family of
    :mod:`spurious.cases` (``spurious.api.track``) ``values`` holds ``"loss"``,
    ``"lambda_min"`` (the smallest Hessian eigenvalue, balanced gauge) and ``"morse_index"``
    (as a float), and ``monitor_values`` the smallest eigenvalue of every isotypic block,
    keyed by the representation's label. The arrays are read-only views; :meth:`append` adds
    a point.

    ``events`` (list of :class:`Event`) in order along the branch; ``status`` (a
    :class:`.status.Status`: how the branch ended, ``UNFINISHED`` while it is being continued),
    ``success`` (``status.success``: it reached its bound) and ``message`` (e.g. ``"reached
    d = 4.01"``; ``""`` while unfinished); ``end_reason`` is the former name of ``message``
    (read-only alias); ``settings`` of the last run as a dict;
    ``metadata``, free-form and supplied by the caller (``track`` stores ``case``,
    ``setting``, ``names`` of the unknowns, ``d_from``, ``d_to``); ``state``: what a resumed
    run needs beyond the last point and tangent (the next step length ``ds``).
    ``len(branch)`` is the number of points; :meth:`to_dataframe` gives a table.
    """

    def __init__(self, x=None, d=None, tangents=None, values=None, monitor_values=None, events=None,
                 end_reason=None, settings=None, metadata=None, state=None, status=None, message=None):
        self._n = 0
        self._d = np.empty(0)
        self._x = np.empty((0, 0))
        self._t = np.empty((0, 0))
        self._values, self._monitors = _Columns(), _Columns()
        self.events = list(events or [])
        if status is None:
            status, legacy = legacy_status(end_reason or "")
            message = legacy if message is None else message
        self.finish(status, message)
        self.settings = dict(settings or {})
        self.metadata = dict(metadata or {})
        self.state = dict(state or {})
        d = [] if d is None else list(d)
        x = [] if x is None else list(x)
        tangents = [] if tangents is None else list(tangents)
        if not len(x) == len(d) == len(tangents):
            raise ValueError(f"x, d and tangents differ in length ({len(x)}, {len(d)}, {len(tangents)})")
        values, monitor_values = dict(values or {}), dict(monitor_values or {})
        for name, col in list(values.items()) + list(monitor_values.items()):
            if len(col) != len(d):
                raise ValueError(f"column {name!r} has {len(col)} entries for {len(d)} points")
        for i in range(len(d)):
            self.append(x[i], d[i], tangents[i], {k: v[i] for k, v in values.items()},
                        {k: v[i] for k, v in monitor_values.items()})

    # ------------------------------------------------------------ data
    def __len__(self):
        return self._n

    def _view(self, array):
        v = array[:self._n]
        v.flags.writeable = False
        return v

    @property
    def d(self):
        return self._view(self._d)

    @property
    def x(self):
        return self._view(self._x)

    @property
    def tangents(self):
        return self._view(self._t)

    @property
    def values(self):
        return self._values.view(self._n)

    @property
    def monitor_values(self):
        return self._monitors.view(self._n)

    def _grow(self, m):
        capacity = max(16, 2 * len(self._d))
        d, x, t = np.empty(capacity), np.empty((capacity, m)), np.empty((capacity, m + 1))
        n = self._n
        if n:
            d[:n], x[:n], t[:n] = self._d[:n], self._x[:n], self._t[:n]
        self._d, self._x, self._t = d, x, t
        self._values.extend_to(capacity)
        self._monitors.extend_to(capacity)

    def append(self, x, d, tangent, values, monitors):
        """Add one point with its ``describe`` values and monitor values (dicts name -> float)."""
        x = np.asarray(x, dtype=float).reshape(-1)
        tangent = np.asarray(tangent, dtype=float).reshape(-1)
        if self._n and x.shape[0] != self._x.shape[1]:
            raise ValueError(f"point of size {x.shape[0]} appended to a branch of size {self._x.shape[1]}")
        if tangent.shape[0] != x.shape[0] + 1:
            raise ValueError(f"tangent of size {tangent.shape[0]} for a point of size {x.shape[0]} (need size + 1)")
        if self._n == len(self._d) or (self._n == 0 and self._x.shape[1] != x.shape[0]):
            self._grow(x.shape[0])
        i = self._n
        self._d[i], self._x[i], self._t[i] = float(d), x, tangent
        capacity = len(self._d)
        for store, new in ((self._values, values), (self._monitors, monitors)):
            store.clear(i)  # NaN unless given (a row left by an interrupted append is overwritten)
            for key, value in new.items():
                store.put(key, i, float(value), capacity)
        self._n = i + 1  # last: an append interrupted before this line leaves the branch as it was

    # ---------------------------------------------------------- status
    def finish(self, status, message=None):
        """Record how the branch ended (``message`` ``None``: the status's default message,
        ``""`` for ``UNFINISHED``)."""
        self.status = Status.of(status)
        if message is None:
            message = "" if self.status is Status.UNFINISHED else self.status.message
        if not isinstance(message, str):
            raise TypeError(f"message must be a string, got {type(message).__name__}")
        self.message = message

    @property
    def success(self):
        return self.status.success

    @property
    def end_reason(self):
        """The former name of :attr:`message` (``""`` while unfinished)."""
        return self.message

    # ---------------------------------------------------------- display
    def __repr__(self):
        meta = self.metadata
        who = " ".join(str(meta[k]) for k in ("case", "setting") if meta.get(k) is not None)
        head = f"Branch({who + ', ' if who else ''}{self._n} points"
        if self._n:
            head += f", d {self.d[0]:.6g} -> {self.d[-1]:.6g}"
        counts = {}
        for e in self.events:
            counts[e.kind] = counts.get(e.kind, 0) + 1
        events = ", ".join(f"{n} {k}" for k, n in counts.items()) or "no"
        return f"{head}, {events} events; ended: {self.message or self.status.message} [{self.status}])"

    def to_dataframe(self):
        """A pandas DataFrame with the columns ``d``, every ``values`` key and every monitor
        label (one row per point). Needs pandas (``pip install pandas``)."""
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError("Branch.to_dataframe needs pandas, which is not installed "
                              "(pip install pandas)") from err
        columns = {"d": np.array(self.d)}
        for store in (self.values, self.monitor_values):
            for key, column in store.items():
                if key not in columns:
                    columns[key] = np.array(column)
        return pd.DataFrame(columns)

    # ---------------------------------------------------------- files
    def as_dict(self):
        """Plain Python data (lists, floats, strings), as written by :meth:`save`."""
        return {"format": FORMAT, "version": VERSION,
                "d": self.d.tolist(), "x": self.x.tolist(), "tangents": self.tangents.tolist(),
                "values": {k: v.tolist() for k, v in self.values.items()},
                "monitor_values": {k: v.tolist() for k, v in self.monitor_values.items()},
                "events": [e.as_dict() for e in self.events], "status": self.status.value, "message": self.message,
                "settings": self.settings, "metadata": self.metadata, "state": self.state}

    def save(self, path):
        """Write the branch to ``path`` atomically (the previous file survives a failed save)."""
        text = json.dumps(self.as_dict(), default=_plain)
        atomic_write_text(path, text)

    @classmethod
    def load(cls, path):
        """Read a branch file; ``ValueError`` naming ``path`` and the problem if it is not a
        valid branch file (see the module docstring for what is checked)."""
        raw = _read_json(path)
        try:
            return _from_raw(cls, raw)
        except _Invalid as err:
            raise ValueError(f"{path}: invalid branch file: {err}") from None


# ------------------------------------------------------------------ reading
class _Invalid(Exception):
    pass


def _read_json(path):
    try:
        info = os.stat(path)
    except OSError as err:
        raise ValueError(f"{path}: cannot read the branch file: {err.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path}: not a regular file (a branch file is a JSON file)")
    if info.st_size > MAX_FILE_BYTES:
        raise ValueError(f"{path}: {info.st_size} bytes is larger than the {MAX_FILE_BYTES} bytes allowed "
                         "for a branch file")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise ValueError(f"{path}: cannot read the branch file: {err.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since the stat above
            raise ValueError(f"{path}: not a regular file (a branch file is a JSON file)")
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise ValueError(f"{path}: cannot read the branch file: {err.strerror}") from None
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{path}: larger than the {MAX_FILE_BYTES} bytes allowed for a branch file")
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not a branch file (not UTF-8 text: byte {err.start})") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"{path}: not a branch file (JSON nested too deeply)") from None
    except ValueError as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(f"{path}: not a branch file (not JSON: {first})") from None


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _float(v, what, allow_nan=False):
    """``v`` as a float; finite unless ``allow_nan`` (columns: NaN marks a missing value)."""
    if not _is_number(v):
        raise _Invalid(f"{what} is not a number ({type(v).__name__})")
    try:
        f = float(v)
    except OverflowError:
        raise _Invalid(f"{what} is out of the float range") from None
    if math.isfinite(f) or allow_nan:
        return f
    raise _Invalid(f"{what} is {f} (must be finite)")


def _vector(v, what, allow_nan=False):
    if not isinstance(v, list):
        raise _Invalid(f"{what} is not a list ({type(v).__name__})")
    return [_float(e, f"{what}[{i}]", allow_nan) for i, e in enumerate(v)]


def _matrix(v, what, width=None):
    if not isinstance(v, list):
        raise _Invalid(f"{what} is not a list of rows ({type(v).__name__})")
    rows = [_vector(row, f"{what}[{i}]") for i, row in enumerate(v)]
    for i, row in enumerate(rows):
        if width is None:
            width = len(row)
        if len(row) != width:
            raise _Invalid(f"{what}[{i}] has {len(row)} entries, expected {width} (ragged rows)")
    return rows, width


def _dict(raw, key, default):
    v = raw.get(key, default)
    if not isinstance(v, dict):
        raise _Invalid(f"{key!r} is not an object ({type(v).__name__})")
    return v


def _columns(raw, key, n):
    out = {}
    for name, column in _dict(raw, key, {}).items():
        col = _vector(column, f"{key}[{name!r}]", allow_nan=True)
        if len(col) != n:
            raise _Invalid(f"{key}[{name!r}] has {len(col)} entries for {n} points")
        out[name] = col
    return out


def _event(e, i, n, m):
    what = f"events[{i}]"
    if not isinstance(e, dict):
        raise _Invalid(f"{what} is not an object ({type(e).__name__})")
    missing = {"kind", "d", "x", "values"} - set(e)
    if missing:
        raise _Invalid(f"{what} lacks {', '.join(sorted(missing))}")
    extra = set(e) - {"kind", "d", "x", "values", "label", "index", "status", "message", "bracket"}
    if extra:
        raise _Invalid(f"{what} has unknown fields {', '.join(sorted(map(str, extra)))}")
    if e["kind"] not in EVENT_KINDS:
        raise _Invalid(f"{what}.kind is {e['kind']!r}, not one of {', '.join(EVENT_KINDS)}")
    d = _float(e["d"], f"{what}.d")
    x = _vector(e["x"], f"{what}.x")
    if len(x) != m:
        raise _Invalid(f"{what}.x has {len(x)} entries, the points have {m}")
    values = e["values"]
    if not isinstance(values, dict):
        raise _Invalid(f"{what}.values is not an object")
    values = {k: _float(v, f"{what}.values[{k!r}]", allow_nan=True) for k, v in values.items()}
    label = e.get("label", "")
    if not isinstance(label, str):
        raise _Invalid(f"{what}.label is not a string")
    index = e.get("index", 0)
    if not (isinstance(index, int) and not isinstance(index, bool) and 0 <= index < n):
        raise _Invalid(f"{what}.index is {index!r}, not a point index in 0..{n - 1}")
    status = _status(e.get("status", Status.CONVERGED.value), f"{what}.status")
    message = e.get("message", "located")
    if not isinstance(message, str):
        raise _Invalid(f"{what}.message is not a string")
    bracket = e.get("bracket", [d, d])
    bracket = _vector(bracket, f"{what}.bracket")
    if len(bracket) != 2:
        raise _Invalid(f"{what}.bracket has {len(bracket)} entries, expected 2")
    return Event(kind=e["kind"], d=d, x=x, values=values, label=label, index=index, status=status,
                 message=message, bracket=tuple(bracket))


def _status(value, what):
    if not isinstance(value, str):
        raise _Invalid(f"{what} is not a string")
    try:
        return Status.of(value)
    except ValueError as err:
        raise _Invalid(f"{what}: {err}") from None


def legacy_status(end_reason):
    """``(status, message)`` for the free-text ``end_reason`` of a version 0/1 file (module
    docstring)."""
    if end_reason == "":
        return Status.UNFINISHED, ""
    for prefix, status in (("reached d = ", Status.BOUND_REACHED), ("max_steps", Status.MAX_STEPS),
                           ("newton failed at minimal step", Status.STEP_TOO_SMALL),
                           ("start ", Status.START_FAILED)):
        if end_reason.startswith(prefix) and not (status is Status.BOUND_REACHED and " but " in end_reason):
            return status, end_reason
    return Status.DOMAIN_EXIT, end_reason


def _from_raw(cls, raw):
    if not isinstance(raw, dict):
        raise _Invalid(f"the top level is a {type(raw).__name__}, not an object")
    if "format" in raw:
        if raw["format"] != FORMAT:
            raise _Invalid(f"format is {raw['format']!r}, not {FORMAT!r}")
        version = raw.get("version")
        if version not in READ_VERSIONS or isinstance(version, bool):
            raise _Invalid(f"unsupported version {version!r} (this program reads versions "
                           f"{', '.join(map(str, READ_VERSIONS))})")
    elif "version" in raw:
        raise _Invalid("a version but no format tag")
    else:
        version = 0
    missing = {"x", "d", "tangents"} - set(raw)
    if missing:
        raise _Invalid(f"missing {', '.join(sorted(missing))} (not a branch file)")
    d = _vector(raw["d"], "d")
    n = len(d)
    if n == 0:
        raise _Invalid("the branch has no points")
    x, m = _matrix(raw["x"], "x")
    tangents, _ = _matrix(raw["tangents"], "tangents", m + 1)
    if not len(x) == n == len(tangents):
        raise _Invalid(f"x, d and tangents differ in length ({len(x)}, {n}, {len(tangents)})")
    if m == 0:
        raise _Invalid("the points have no coordinates")
    values, monitors = _columns(raw, "values", n), _columns(raw, "monitor_values", n)
    events = raw.get("events", [])
    if not isinstance(events, list):
        raise _Invalid(f"events is not a list ({type(events).__name__})")
    events = [_event(e, i, n, m) for i, e in enumerate(events)]
    if version >= 2 or "status" in raw:
        status = _status(raw.get("status"), "status")
        message = raw.get("message", "")
        if not isinstance(message, str):
            raise _Invalid("message is not a string")
    else:
        end_reason = raw.get("end_reason", "")
        if not isinstance(end_reason, str):
            raise _Invalid("end_reason is not a string")
        status, message = legacy_status(end_reason)
    settings, metadata, state = (_dict(raw, key, {}) for key in ("settings", "metadata", "state"))
    if "ds" in state and not (_float(state["ds"], "state.ds") > 0):
        raise _Invalid(f"state.ds is {state['ds']!r}, not positive")
    return cls(x=x, d=d, tangents=tangents, values=values, monitor_values=monitors, events=events,
               status=status, message=message, settings=settings, metadata=metadata, state=state)


def _plain(obj):
    """JSON fallback for numpy scalars and arrays in caller-supplied metadata."""
    if isinstance(obj, (np.generic, np.ndarray)):
        return obj.tolist()
    raise TypeError(f"cannot store {type(obj).__name__} in a branch file")
