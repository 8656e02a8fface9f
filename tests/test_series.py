"""Power series in t = d^(-1/2) (cases/series.py, issue #13): checked against the continuation
at large d (remainder, extrapolation) and, at the global minimum, against the Hessian at W = I
computed by the ordinary mpmath code (not the series code)."""
import json

import mpmath
import pytest

from spurious.cases import families, get_case
from spurious.cases.monitors import family_monitors
from spurious.cases.series import extrapolate, family_series, first_difference, identify, spectrum_limits
from spurious.kernels.contexts import MPMATH


@pytest.fixture(scope="module")
def sd1i():
    return family_series("sd1-i", order=6, digits=20, identify=True)


@pytest.fixture(scope="module")
def sdi():
    return family_series("sd-i", order=6, digits=20, checks=False)


def _check_against_continuation(result, min_digits=15):
    for name, rem in result.checks["remainder"].items():
        if rem is None:
            continue
        ratios = {r["d"]: float(r["ratio"]) for r in rem["ratios"]}
        # remainder / next term -> 1 as d -> infinity (t -> 0), like t: the series is the expansion
        dev = [abs(ratios[str(10 ** k)] - 1) for k in (4, 6, 8, 10)]
        assert dev[3] < 1e-2, (name, ratios)
        assert (dev[3] < 0.2 * dev[2] and dev[2] < 0.2 * dev[1]) or dev[3] < 1e-6, (name, ratios)  # like t
    worst = result.checks["remainder_worst_deviation"]
    assert worst is None or worst < 1e-2  # None: no series has a further term (the global minimum)
    for name, rows in result.checks["extrapolation"].items():
        assert rows and all(r["digits_agreeing"] >= min_digits for r in rows[:3]), (name, rows)


def test_sd1i_series_checked_against_the_continuation(sd1i):
    assert sd1i.order == 6
    assert set(sd1i.series) >= {"loss", "D1", "O1", "D2", "P12", "P21", "lambda[std(S_{d-1})]"}
    assert [t.power for t in sd1i.series["loss"]] == [2, 3, 4, 5, 6, 7]  # loss ~ 1/d, found, not assumed
    assert [t.power for t in sd1i.series["O1"]][0] == 4
    for name, terms in sd1i.series.items():
        assert len(terms) == 6 and all(t.digits >= 20 for t in terms), name
    _check_against_continuation(sd1i)


def test_sdii_loss_tends_to_a_positive_constant():
    r = family_series("sd-ii", order=4, digits=20)
    lead = r.series["loss"][0]
    assert lead.power == 0 and lead.coefficient > 0.1
    _check_against_continuation(r)


def test_global_minimum_limits_from_the_exact_hessian(sdi):
    """At W = I the bulk eigenvalues tend to (1 -+ 2/pi)/4 and 1/4 and the Theta(d) ones grow like
    d/4 and d/(2 pi): read off the ordinary mpmath spectrum at W = I (d = 10^10), and compare
    with the series' limits and with these closed forms."""
    st = get_case("sd-i").structure("fixed")
    d = mpmath.mpf(10) ** 10
    with mpmath.workdps(40):
        values = [v for m in family_monitors(st) for v in m.eigenvalues(MPMATH, [1, 0], d)]
        bulk = sorted(float(v) for v in values if abs(v) < 10)
        slopes = sorted(float(v / d) for v in values if abs(v) >= 10)
        pi = float(mpmath.pi)
    closed_bulk = [(1 - 2 / pi) / 4, 1 / 4, (1 + 2 / pi) / 4]
    for v in bulk:
        assert min(abs(v - c) for c in closed_bulk) < 1e-4
    for v in slopes:
        assert min(abs(v - c) for c in (1 / (2 * pi), 1 / 4)) < 1e-4
    rows = spectrum_limits(sdi)
    with mpmath.workdps(40):
        exact_bulk = [(1 - 2 / mpmath.pi) / 4, mpmath.mpf(1) / 4, (1 + 2 / mpmath.pi) / 4]
        exact_slopes = [1 / (2 * mpmath.pi), mpmath.mpf(1) / 4]
        for r in rows:
            v = r["limit"]
            near_hessian = bulk if r["kind"] == "bulk" else slopes
            near_closed = exact_bulk if r["kind"] == "bulk" else exact_slopes
            assert min(abs(float(v) - c) for c in near_hessian) < 1e-4
            assert min(abs(v - c) for c in near_closed) < mpmath.mpf(10) ** -25 and r["digits"] >= 20
    assert sdi.series["loss"][0].coefficient == 0  # the global minimum: zero to every order


def test_closed_forms_and_spectra_comparison(sd1i, sdi):
    forms = {(name, f["power"]): f["form"] for name, fs in sd1i.identified.items() for f in fs}
    assert forms[("loss", 2)] == "(1 - 4/π²)/2"
    assert forms[("P12", 2)] == "2" and forms[("P21", 2)] == "4/π"
    with mpmath.workdps(60):
        assert identify(mpmath.mpf("0.4831904761728191038472614058271693049183746219"), 40) is None  # no relation
        assert identify((1 - 2 / mpmath.pi) / 4, 50)[0] == "(1 - 2/π)/4"
    assert first_difference(sd1i, sdi) == 1  # spurious and global minima: spectra agree to O(d^-1/2)
    assert first_difference(sdi, sdi) is None


def test_extrapolation_recovers_a_known_series():
    with mpmath.workdps(60):
        f = lambda t: t ** 2 * (3 - 2 * t + mpmath.mpf(1) / 7 * t ** 2) / (1 + t)
        ts = [mpmath.mpf(10) ** -2 / mpmath.mpf("1.6") ** j for j in range(22)]
        c = extrapolate(ts, [f(t) for t in ts], 2, 3)
        want = mpmath.taylor(lambda t: (3 - 2 * t + mpmath.mpf(1) / 7 * t ** 2) / (1 + t), 0, 2)
        assert max(abs(a - b) for a, b in zip(c, want)) < mpmath.mpf(10) ** -30


def test_series_json_contract(capsys):
    from spurious.cli import main

    assert main(["series", "sd1-i", "--order", "3", "--digits", "15", "--json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["case"] == "sd1-i" and data["variable"] == "t = d^(-1/2)"
    assert {"loss", "D1", "lambda[std(S_{d-1})]"} <= set(data["series"])
    term = data["series"]["loss"][0]
    assert set(term) == {"power", "coefficient", "digits"} and term["power"] == 2 and term["digits"] >= 15
    assert float(term["coefficient"]) == pytest.approx(0.5 - 2 / 3.141592653589793 ** 2, rel=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("case", [f.name for f in families()])
def test_every_family_expands(case):
    r = family_series(case, order=4, digits=20)
    assert all(len(terms) == 4 for terms in r.series.values()) or case == "sd-i"
    _check_against_continuation(r)
