"""The public Python API: a few lines per research question.

    from spurious.api import get_case, critical_point, track, refine_case
    fam = get_case("sd1-i")
    cp = critical_point(fam, "fixed", 5.5)          # point, loss, spectrum at fractional d
    branch = track(fam, d_from=20, d_to=4.5)        # continuation with events
    branch.events; branch.save("sd1-i.json")
"""
from spurious.cases import critical_point, families, get_case

__all__ = ["catalogue_rows", "critical_point", "families", "get_case"]


def catalogue_rows():
    """The catalogue as JSON-ready rows."""
    return [{"name": f.name, "isotropy": f.isotropy, "blocks": list(f.blocks), "description": f.description,
             "settings": list(f.settings), "d_min": f.d_min, "d_max": f.d_max,
             "seed_d": [s.d for s in f.seeds], "found_by": f.extra.get("found_by", ""),
             "provenance": f.provenance} for f in families()]
