"""A branch is data: points, tangents, stored scalars, monitors, events; save, load, resume."""
import json
from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass
class Event:
    """A located event: ``kind`` (``fold``, ``branch_point``, ``stability``), where (``d``,
    ``x``), the test function at the two bracketing branch points (``values``), the monitor
    ``label`` of a stability event, and ``index``: the event lies between branch points
    ``index`` and ``index + 1``."""

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
    """Points ``x[i]`` at ``d[i]`` with unit tangents in ``(x, d)``; ``values[name][i]`` from
    the problem's ``describe``; ``monitor_values[label][i]``; ``events``; why it ended."""

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
        self.x.append(np.asarray(x, dtype=float).copy())
        self.d.append(float(d))
        self.tangents.append(np.asarray(tangent, dtype=float).copy())
        for store, new in ((self.values, values), (self.monitor_values, monitors)):
            for key, value in new.items():
                store.setdefault(key, [float("nan")] * (len(self.d) - 1)).append(float(value))
            for key, column in store.items():
                if len(column) < len(self.d):
                    column.append(float("nan"))

    def as_dict(self):
        return {"x": [list(map(float, v)) for v in self.x], "d": list(map(float, self.d)),
                "tangents": [list(map(float, v)) for v in self.tangents], "values": self.values,
                "monitor_values": self.monitor_values, "events": [e.as_dict() for e in self.events],
                "end_reason": self.end_reason, "settings": self.settings, "metadata": self.metadata,
                "state": self.state}

    def save(self, path):
        """JSON; Python's float repr round-trips every float64 exactly."""
        with open(path, "w") as fh:
            json.dump(self.as_dict(), fh)

    @classmethod
    def load(cls, path):
        with open(path) as fh:
            raw = json.load(fh)
        b = cls(x=[np.array(v) for v in raw["x"]], d=list(raw["d"]),
                tangents=[np.array(v) for v in raw["tangents"]], values=raw["values"],
                monitor_values=raw["monitor_values"], events=[Event(**e) for e in raw["events"]],
                end_reason=raw["end_reason"], settings=raw["settings"], metadata=raw["metadata"],
                state=raw.get("state", {}))
        if len(b.x) != len(b.d) or len(b.tangents) != len(b.d):
            raise ValueError("inconsistent branch file: x, d and tangents differ in length")
        return b
