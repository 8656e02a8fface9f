"""The notebook-friendly API (issue #10): result objects, names accepted for families,
top-level exports, integer tables that never drop a d silently."""
import json
import math
import subprocess
import sys

import numpy as np
import pytest

import spurious
from spurious import api
from spurious.api import critical_point, get_case, integer_table, interval_summary, refine_case, track
from spurious.cases import FamilyError
from spurious.results import Crossing, RefineResult


@pytest.fixture(scope="module")
def sd1():
    return refine_case("sd1-i", "fixed", digits=15)


def test_refine_case_returns_a_refine_result(sd1):
    assert isinstance(sd1, RefineResult)
    assert sd1.success is True and sd1.status == "converged"
    assert sd1.message == "1 of 1 stability changes converged to 15 digits"
    assert sd1.case == "sd1-i" and sd1.setting == "fixed"
    (c,) = sd1.crossings
    assert isinstance(c, Crossing) and c.success
    assert c.d_star.startswith("5.58550524742588") and c.digits_verified == 15
    assert (c.index_below, c.index_above) == ("d-2", "0")
    assert sd1.last_crossing_d_star == c.d_star
    assert len(sd1.branch.d) > 10 and sd1.branch.metadata["case"] == "sd1-i"


def test_as_dict_is_the_former_json_ready_dict(sd1):
    d = sd1.as_dict()
    assert list(d) == ["case", "setting", "crossings", "last_crossing_d_star", "folds", "branch_points",
                       "morse_intervals", "end_reason"]
    assert list(d["crossings"][0]) == ["d_star", "digits_verified", "status", "message", "representation", "loss",
                                       "params", "slope", "transversal", "residual_norm", "test_value",
                                       "d_star_float", "index_below", "index_above"]
    assert json.loads(json.dumps(d)) == d
    # the former dict access still works
    assert sd1["crossings"][0]["d_star"] == sd1.crossings[0].d_star and sd1["branch"] is sd1.branch
    assert "crossings" in sd1 and "nope" not in sd1
    with pytest.raises(KeyError):
        sd1["nope"]


def test_repr_is_short(sd1):
    text = repr(sd1)
    assert text.startswith("RefineResult(case='sd1-i'") and "\n" not in text and len(text) < 200
    assert "5.58550524742588" in text and "success=True" in text
    assert "index d-2 -> 0" in repr(sd1.crossings[0])


def test_failed_crossing_makes_success_false():
    c = Crossing(d_star="", digits_verified=0, status="precision disagreement", message="m", representation="r",
                 loss=math.nan, params={}, slope=math.nan, transversal=False, residual_norm=math.nan,
                 test_value=math.nan, d_star_float=6.0)
    r = RefineResult(success=False, status="failed", message="0 of 1", case="x", setting="fixed", crossings=[c])
    assert not c.success and "~6" in repr(r) and r.as_dict()["crossings"][0]["status"] == "precision disagreement"


def test_names_are_accepted_everywhere():
    cp = critical_point("sd1-i", "fixed", 7)
    assert cp.case == "sd1-i" and cp.d == 7.0
    b = track("sd1-ii", d_from=8.0, d_to=7.0)
    assert b.metadata["case"] == "sd1-ii" and np.min(b.d) <= 7.0 + 1e-9
    iv = interval_summary("sd1-i", "fixed", 6.0, 8.0)
    assert iv["morse_index_at_sample"] == 0 and iv["d_sample"] == 7.0
    with pytest.raises(ValueError, match="d_lo < d_hi"):
        interval_summary("sd1-i", "fixed", 8.0, 6.0)
    with pytest.raises(TypeError, match="Branch made by track"):
        api.event_rows({"case": "sd1-i"})


def test_integer_table_records_failures_instead_of_dropping_them(monkeypatch):
    real = api._cases.critical_point

    def flaky(family, setting, d):
        if d == 6.0:
            raise FamilyError("Newton did not converge at d = 6")
        return real(family, setting, d)

    monkeypatch.setattr(api._cases, "critical_point", flaky)
    rows = integer_table("sd1-i", "fixed", range(3, 8))
    assert [r["d"] for r in rows] == [5, 6, 7]  # d <= d_min = 4 has no point: skipped, as documented
    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]
    assert rows[1]["message"] == "Newton did not converge at d = 6" and math.isnan(rows[1]["loss"])
    assert rows[0]["kind"] in ("saddle", "minimum") and rows[1]["kind"] == "unavailable"


def test_top_level_exports():
    for name in ("get_case", "families", "critical_point", "track", "refine_case", "RefineResult", "Branch",
                 "__version__"):
        assert name in spurious.__all__ and getattr(spurious, name) is not None
    assert spurious.refine_case is refine_case and spurious.get_case is get_case
    assert "refine(" not in spurious.__doc__ and "refine_case" in spurious.__doc__
    with pytest.raises(AttributeError):
        spurious.nope


def test_import_is_lazy():
    code = "import sys, spurious; print('numba' in sys.modules, spurious.__version__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", spurious.__version__]
