"""Certified critical points, Morse indices and crossings (cases/certify.py, issue #12)."""
import copy
import json
from fractions import Fraction

import pytest

from spurious.api import critical_point, refine_case
from spurious.cases.certify import (certificate_document, certify_box, certify_crossings, certify_point,
                                    check_certificate)


def _all_hold(doc):
    claims = check_certificate(json.loads(json.dumps(doc)))
    assert claims
    return all(holds for _, holds, _ in claims), claims


@pytest.fixture(scope="module")
def refined():
    return refine_case("sd1-i", "fixed", digits=40)


@pytest.mark.parametrize("d, index", [(6, 0), (10, 0), (20, 0), (5, 3)])
def test_sd1i_fixed_points_certified(d, index):
    cert = certify_point("sd1-i", "fixed", d, digits=40)
    assert cert.certified and cert.reason is None and cert.integer_d
    assert cert.morse_index == index == critical_point("sd1-i", "fixed", d).morse_index
    row = cert.as_dict()
    assert row["radius"] == "1e-40" and row["morse_index"] == index and row["d"] == str(d)
    ok, claims = _all_hold(cert.document())
    assert ok, claims


def test_trainable_certified_directly():
    cert = certify_point("sd1-i", "trainable", 5, digits=30)
    assert cert.certified and cert.morse_index == 3 == critical_point("sd1-i", "trainable", 5).morse_index
    assert _all_hold(cert.document())[0]


def test_fractional_d_reports_polynomial_value():
    cert = certify_point("sd1-i", "fixed", Fraction(11, 2), digits=30)
    assert cert.certified and not cert.integer_d
    assert cert.morse_index == Fraction(7, 2)  # d - 2 at d = 5.5
    assert cert.as_dict()["morse_index"] == "7/2"


def test_tampered_certificates_fail_check():
    doc = certify_point("sd1-i", "fixed", 6, digits=40).document()
    assert _all_hold(doc)[0]
    moved = copy.deepcopy(doc)  # one digit changed 25 digits in: the point leaves the box
    mid = moved["points"][0]["midpoint"]
    s = mid["D1"]
    k = s.index(".") + 25
    mid["D1"] = s[:k] + ("1" if s[k] != "1" else "2") + s[k + 1:]
    assert not _all_hold(moved)[0]
    shrunk = copy.deepcopy(doc)  # radius far below the Newton error
    shrunk["points"][0]["radius"] = "1e-75"
    assert not _all_hold(shrunk)[0]
    index = copy.deepcopy(doc)
    index["points"][0]["morse_index"] = 1
    assert not _all_hold(index)[0]
    with pytest.raises(ValueError):
        check_certificate({"format": "something else"})


def test_not_a_critical_point_is_not_certified():
    good = certify_point("sd1-i", "fixed", 6, digits=30)
    mid = list(good.midpoint)
    mid[0] = str(Fraction(mid[0]) + Fraction(1, 1000))
    cert = certify_box("sd1-i", "fixed", mid, 6, "1e-10", digits=30)
    assert not cert.point_certified and not cert.certified and cert.morse_index is None
    assert "Krawczyk" in cert.reason
    row = cert.as_dict()
    assert row["certified"] is False and row["morse_index"] is None
    ok, claims = _all_hold(cert.document())  # nothing is claimed, so nothing fails
    assert ok and any("not claimed" in c for c, _, _ in claims)


def test_morse_index_at_d_star_not_certified(refined):
    d_star = refined.crossings[0].d_star
    assert refined.crossings[0].digits_verified == 40
    cert = certify_point("sd1-i", "fixed", d_star, digits=30)
    assert cert.point_certified and not cert.morse_certified and not cert.certified
    assert "std(S_{d-1})" in cert.reason and "contains 0" in cert.reason
    assert cert.as_dict()["morse_index"] is None


def test_crossing_certified_and_contains_verified_digits(refined):
    (cert,) = certify_crossings("sd1-i", "fixed", digits=40, refined=refined)
    assert cert.certified and cert.reason is None
    row = cert.as_dict()
    assert row["existence"] is True and row["uniqueness"] is True and row["extended_krawczyk"]
    assert row["representation"] == "std(S_{d-1})"
    d_star = Fraction(refined.crossings[0].d_star)
    assert Fraction(row["d_lo"]) < d_star < Fraction(row["d_hi"])
    lo, hi = Fraction(row["d_star_enclosure"]["lo"]), Fraction(row["d_star_enclosure"]["hi"])
    # the certified enclosure holds the 40 verified digits: |d* - d*_verified| < 10^-39
    assert Fraction(row["d_lo"]) < lo < hi < Fraction(row["d_hi"]) and hi - lo < Fraction(1, 10 ** 50)
    assert lo - Fraction(1, 10 ** 39) < d_star < hi + Fraction(1, 10 ** 39)
    assert Fraction(row["d_hi"]) - Fraction(row["d_lo"]) == Fraction(2, 10 ** 30)
    assert row["negative_eigenvalues"] == {"d_lo": 1, "d_hi": 0}
    ok, claims = _all_hold(certificate_document("sd1-i", "fixed", crossings=[cert]))
    assert ok, claims
    swapped = certificate_document("sd1-i", "fixed", crossings=[cert])
    swapped["crossings"][0]["negative_eigenvalues"] = {"d_lo": 0, "d_hi": 1}
    assert not _all_hold(swapped)[0]
    narrowed = certificate_document("sd1-i", "fixed", crossings=[cert])  # an enclosure K(Z) does not prove
    enc = narrowed["crossings"][0]["d_star_enclosure"]
    enc["lo"] = str((Fraction(enc["lo"]) + Fraction(enc["hi"])) / 2)
    ok, claims = _all_hold(narrowed)
    assert not ok and [c for c, holds, _ in claims if not holds][0].endswith("(C6), d* in [%s, %s]" % (enc["lo"], enc["hi"]))
    unclaimed = certificate_document("sd1-i", "fixed", crossings=[cert])
    unclaimed["crossings"][0]["uniqueness"] = False
    assert not _all_hold(unclaimed)[0]


def test_uniqueness_test_fails_where_there_is_no_crossing(refined):
    """(C6) on a box of d away from d* (the block is nonsingular there): the extended Krawczyk
    test cannot succeed, and says so."""
    from spurious.cases import get_case
    from spurious.cases.certify import _crossing_uniqueness, _exact_string, certify_crossing

    d_star = Fraction(refined.crossings[0].d_star)
    lo, hi = _exact_string(d_star + Fraction(1, 10 ** 6)), _exact_string(d_star + Fraction(3, 10 ** 6))
    cert = certify_crossing("sd1-i", "fixed", "std(S_{d-1})", lo, hi, digits=30)
    assert not cert.certified and not cert.existence and "no sign change" in cert.reason
    st = get_case("sd1-i").structure("fixed")
    ok, reason, _, enclosure = _crossing_uniqueness(st, "std(S_{d-1})", cert.midpoint, cert.radius, lo, hi, 50)
    assert not ok and enclosure is None and "Krawczyk" in reason


@pytest.mark.parametrize("setting", ["fixed", "trainable"])
def test_every_crossing_of_sd2i_certified_with_uniqueness(setting):
    """Both d* of sd2-i (one in a 1-d block of sign(S_2), one in std(S_{d-2})) in both settings."""
    certs = certify_crossings("sd2-i", setting, digits=30, halfwidth="1e-25")
    assert [c.representation for c in certs] == ["trivial(S_{d-2}) x sign(S_2)", "std(S_{d-2}) x trivial(S_2)"]
    for c in certs:
        assert c.certified and c.existence and c.uniqueness, c.reason
        assert Fraction(c.d_lo) < Fraction(c.d_star_enclosure[0]) < Fraction(c.d_star_enclosure[1]) < Fraction(c.d_hi)
    assert _all_hold(certificate_document("sd2-i", setting, crossings=certs))[0]


@pytest.mark.parametrize("setting, d", [("fixed", 7), ("trainable", 9), ("fixed", Fraction(13, 2))])
def test_teacher_point_certified_exactly(setting, d):
    """sd-i is W = I: rows exactly parallel to the teacher's, where (C1) cannot apply; (C7)
    certifies it exactly (radius 0) and its Morse index equals the float one."""
    cert = certify_point("sd-i", setting, d, digits=30)
    assert cert.certified and cert.exact_point and cert.radius == "0" and cert.midpoint == ["1", "0"]
    if Fraction(d).denominator == 1:
        assert cert.morse_index == 0 == critical_point("sd-i", setting, int(d)).morse_index
    ok, claims = _all_hold(cert.document())
    assert ok and any("(C7)" in c for c, _, _ in claims)


def test_exact_point_claim_on_another_point_fails_check():
    doc = certify_point("sd1-i", "fixed", 6, digits=30).document()
    fake = copy.deepcopy(doc)
    fake["points"][0].update(exact_point=True, radius="0")
    ok, claims = _all_hold(fake)
    assert not ok and any("(C7)" in c and not holds for c, holds, _ in claims)
    teacher = certify_point("sd-i", "fixed", 7, digits=30).document()
    moved = copy.deepcopy(teacher)
    moved["points"][0]["midpoint"]["O1"] = "1/1000000"
    assert not _all_hold(moved)[0]


@pytest.mark.parametrize("case, d", [("sd2-i", 7), ("sd3-i", 8), ("sd-ii", 9), ("sd2-ii", 12)])
def test_other_families_match_float_morse_index(case, d):
    cert = certify_point(case, "fixed", d, digits=40)
    assert cert.certified, cert.reason
    assert cert.morse_index == critical_point(case, "fixed", d).morse_index
    assert _all_hold(cert.document())[0]


# ------------------------------------------------------------------ command line
def test_certify_and_check_on_the_command_line(tmp_path, monkeypatch, capsys):
    """certify --d-range writes a certificate that check accepts (exit 0); a tampered Morse
    index makes check exit 1 naming the claim; a file that is not a certificate exits 2."""
    import json

    from spurious.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["certify", "sd1-i", "--d-range", "5", "7", "--out", "c.json", "--quiet", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [(p["d"], p["certified"], p["morse_index"]) for p in printed["points"]] == \
        [("5", True, 3), ("6", True, 0), ("7", True, 0)]
    assert main(["check", "c.json"]) == 0
    assert "claims hold" in capsys.readouterr().out
    data = json.loads((tmp_path / "c.json").read_text())
    data["points"][0]["morse_index"] = 2
    (tmp_path / "t.json").write_text(json.dumps(data))
    assert main(["check", "t.json"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Morse index = 2" in err
    (tmp_path / "n.json").write_text('{"format": "something else"}')
    assert main(["check", "n.json"]) == 2
    assert main(["certify", "sd1-i", "--d", "6", "--out", "c.json", "--quiet"]) == 2  # exists: --force needed
    assert main(["certify", "sd1-i", "--d", "6", "--out", "c.json", "--force", "--quiet"]) == 0
    assert main(["check", "c.json"]) == 0


def test_certify_all_and_check_the_set(tmp_path, monkeypatch, capsys):
    """--all certifies every family of the catalogue (here at one d); the set file checks; a
    tampered member fails; CASE and --all together, or nothing to certify, are usage errors."""
    from spurious.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["certify", "--all", "--d", "7", "--out", "all.json", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "7 of 7 claims certified, 7 families" in out and "teacher point" in out
    data = json.loads((tmp_path / "all.json").read_text())
    assert [doc["case"] for doc in data["certificates"]] == ["sd-i", "sd-ii", "sd1-i", "sd1-ii", "sd2-i", "sd2-ii",
                                                             "sd3-i"]
    assert main(["check", "all.json"]) == 0
    data["certificates"][2]["points"][0]["morse_index"] = 5
    (tmp_path / "bad.json").write_text(json.dumps(data))
    assert main(["check", "bad.json"]) == 1
    assert "sd1-i fixed" in capsys.readouterr().err
    assert main(["certify", "sd1-i", "--all", "--d", "7"]) == 2
    assert main(["certify", "sd1-i"]) == 2


def test_summary_flags_must_agree_with_the_proofs():
    """A reader looks at 'certified' and 'morse_index': check refuses a file whose summary
    claims more than its proved flags (found by a review: these passed before)."""
    doc = certify_point("sd2-i", "fixed", 7, digits=30).document()
    assert _all_hold(doc)[0]
    a = copy.deepcopy(doc)
    a["points"][0].update(point_certified=False, morse_certified=False, certified=True)
    assert not _all_hold(a)[0]
    b = copy.deepcopy(doc)
    b["points"][0].update(morse_certified=False, morse_index=99, certified=True)
    assert not _all_hold(b)[0]
    c = copy.deepcopy(doc)
    c["points"][0].update(point_certified=False, certified=False)
    c["certified"] = True  # top level says yes, the entry says no
    assert not _all_hold(c)[0]
    for bad in ({**doc, "points": ["x"]}, {**doc, "points": [{**doc["points"][0], "d": "1e999999999"}]}):
        with pytest.raises(ValueError):
            check_certificate(json.loads(json.dumps(bad)))
