"""A branch is data: points, tangents, stored scalars, monitors, events; saved as JSON.

File format: one JSON object with the fields of :class:`Branch` (``x`` and ``tangents`` as
nested lists, events as objects). Floats are written by Python's ``repr``, which round-trips
every float64 exactly, so a loaded branch is bit-for-bit the saved one and can be resumed
(:func:`spurious.continuation.continue_branch` with ``branch=``). Infinite bounds in the
settings and missing values (NaN) use Python's JSON extensions ``Infinity`` and ``NaN``.
"""
import json
from dataclasses import asdict, dataclass, field, fields

import numpy as np


@dataclass
class Event:
    """A located event on a branch.

    ``kind``: ``"fold"``, ``"branch_point"`` or ``"stability"``; ``d`` and ``x``: the located
    point; ``values``: the test function at the two branch points bracketing the sign change
    (``"before"``, ``"after"``) and at the located point (``"at"``); ``label``: the monitor of a
    stability event (``""`` otherwise); ``index``: the event lies between branch points
    ``index`` and ``index + 1``.
    """

    kind: str
    d: float
    x: list
    values: dict
    label: str = ""
    index: int = 0

    def as_dict(self):
        return asdict(self)


@dataclass
class Branch:
    """A continued branch of ``G(x, d) = 0``.

    ``x[i]`` (arrays of shape ``(m,)``; ``np.asarray(branch.x)`` is ``(n_points, m)``), ``d[i]``
    and unit tangents ``tangents[i]`` in ``(x, d)``; ``values[name][i]`` from the problem's
    ``describe`` and ``monitor_values[label][i]`` from its ``monitors`` (NaN where a name is
    missing at a point); ``events`` in order along the branch; ``end_reason`` (``""`` while the
    branch is still being continued); ``settings`` of the last run as a dict; ``metadata``,
    free-form and supplied by the caller; ``state``: what a resumed run needs beyond the last
    point and tangent (the next step length).
    """

    x: list = field(default_factory=list)
    d: list = field(default_factory=list)
    tangents: list = field(default_factory=list)
    values: dict = field(default_factory=dict)
    monitor_values: dict = field(default_factory=dict)
    events: list = field(default_factory=list)
    end_reason: str = ""
    settings: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    state: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.d)

    def append(self, x, d, tangent, values, monitors):
        """Add one point with its ``describe`` values and monitor values (dicts name -> float)."""
        self.x.append(np.array(x, dtype=float))
        self.d.append(float(d))
        self.tangents.append(np.array(tangent, dtype=float))
        n = len(self.d)
        for store, new in ((self.values, values), (self.monitor_values, monitors)):
            for key, value in new.items():
                store.setdefault(key, [float("nan")] * (n - 1)).append(float(value))
            for column in store.values():
                if len(column) < n:
                    column.append(float("nan"))

    def as_dict(self):
        """Plain Python data (lists, floats, strings), as written by :meth:`save`."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["x"] = [[float(v) for v in row] for row in self.x]
        out["tangents"] = [[float(v) for v in row] for row in self.tangents]
        out["events"] = [e.as_dict() for e in self.events]
        return out

    def save(self, path):
        with open(path, "w") as fh:
            json.dump(self.as_dict(), fh, default=_plain)

    @classmethod
    def load(cls, path):
        with open(path) as fh:
            raw = json.load(fh)
        missing = {"x", "d", "tangents"} - set(raw)
        if missing:
            raise ValueError(f"{path}: not a branch file (missing {', '.join(sorted(missing))})")
        known = {f.name for f in fields(cls)}
        branch = cls(**{k: v for k, v in raw.items() if k in known})
        branch.x = [np.array(v, dtype=float) for v in branch.x]
        branch.tangents = [np.array(v, dtype=float) for v in branch.tangents]
        branch.events = [Event(**e) for e in branch.events]
        if not len(branch.x) == len(branch.d) == len(branch.tangents):
            raise ValueError(f"{path}: inconsistent branch file (x, d and tangents differ in length)")
        return branch


def _plain(obj):
    """JSON fallback for numpy scalars and arrays in caller-supplied metadata."""
    if isinstance(obj, (np.generic, np.ndarray)):
        return obj.tolist()
    raise TypeError(f"cannot store {type(obj).__name__} in a branch file")
