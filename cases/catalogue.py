"""The catalogue of families: definitions in code, numbers in ``cases/data/catalogue.json``.

A family is *defined* here by its isotropy and a characterisation of its critical point
at the reference dimension (signs of the diagonal values ``D1`` of the generic block and
``D2`` of the special block); its *numbers* (seed points) are data written by
:mod:`cases.build_catalogue`, with the command that reproduces them.
"""
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .family import Family, FamilyError, Seed

CATALOGUE_FILE = "catalogue.json"


@dataclass(frozen=True)
class Definition:
    """What a family is: isotropy ``Delta(S_{d-q} x S_q)`` and a rule on ``(D1, D2)``."""

    name: str
    q: int
    description: str
    rule: str  # "D1>0", "D1<0", "D1>0,D2<0", "D1<0,D2>0": signs with |D| > 1/2

    def matches(self, params, names):
        values = dict(zip(names, params))
        for cond in self.rule.split(","):
            key, sign = cond[:2], cond[2]
            v = values[key]
            if not (v > 0.5 if sign == ">" else v < -0.5):
                return False
        if self.q > 0 and abs(values["D1"] - values["D2"]) < 0.1:
            return False  # more symmetric than Delta(S_{d-q} x S_q): it belongs to a Delta S_d family
        return True


DEFINITIONS = (
    Definition("sd-i", 0, "the global minimum W = I", "D1>0"),
    Definition("sd-ii", 0, "diagonal of W near -1; loss bounded away from 0", "D1<0"),
    Definition("sd1-i", 1, "type A of Safran & Shamir (2018): diagonal mostly +1, one entry near -1; "
               "loss -> 0 like 1/d", "D1>0,D2<0"),
    Definition("sd1-ii", 1, "diagonal mostly near -1, one entry near +1; loss bounded away from 0",
               "D1<0,D2>0"),
    Definition("sd2-i", 2, "two diagonal entries near -1, the rest near +1", "D1>0,D2<0"),
    Definition("sd2-ii", 2, "diagonal mostly near -1, two entries near +1", "D1<0,D2>0"),
    Definition("sd3-i", 3, "three diagonal entries near -1, the rest near +1", "D1>0,D2<0"),
)


def definition(name):
    for df in DEFINITIONS:
        if df.name == name:
            return df
    raise FamilyError(f"unknown case {name!r}; the catalogue has: {', '.join(d.name for d in DEFINITIONS)}")


@lru_cache(maxsize=None)
def _load():
    text = resources.files("spurious.cases.data").joinpath(CATALOGUE_FILE).read_text()
    return json.loads(text)


def families():
    """All catalogue families (definitions joined with their stored seeds), in catalogue order."""
    data = _load()
    stored = {f["name"]: f for f in data["families"]}
    out = []
    for df in DEFINITIONS:
        if df.name not in stored:
            continue
        f = stored[df.name]
        seeds = tuple(Seed(float(s["d"]), tuple(float(v) for v in s["params"]), s["source"]) for s in f["seeds"])
        out.append(Family(df.name, df.q, df.description, seeds, tuple(f["settings"]),
                          provenance=data["provenance"]["command"], extra={"found_by": f["found_by"]}))
    return out


def get_case(name):
    """The family called ``name`` (:class:`FamilyError` if the catalogue has none)."""
    definition(name)
    for f in families():
        if f.name == name:
            return f
    raise FamilyError(f"case {name!r} is defined but has no stored seed; rebuild the catalogue")
