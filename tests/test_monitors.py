"""Typed isotypic monitors (cases.monitors): representations, exact bases, one monitor for the
float64 continuation and the high-precision refinement."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from spurious.cases import critical_point, families, get_case
from spurious.cases.family import balanced, with_second_layer
from spurious.cases.monitors import ARB, FLOAT64, MPMATH, Representation, family_monitors, monitor_for
from spurious.cases.problem import family_problem, mp_test_function
from spurious.kernels import embed, hessian

FAMILIES = [f.name for f in families()]
CASES = [(f.name, s) for f in families() for s in f.settings]


# ------------------------------------------------------------------ representations
@pytest.mark.parametrize("rep, label, formula", [
    (Representation((), 0), "trivial(S_{d})", "1"),
    (Representation((1,), 0), "std(S_{d})", "d-1"),
    (Representation((2,), 0), "[d-2,2](S_{d})", "d*(d-3)/2"),
    (Representation((1, 1), 0), "[d-2,1,1](S_{d})", "(d-1)(d-2)/2"),
    (Representation((1,), 1), "std(S_{d-1})", "d-2"),
    (Representation((2,), 1), "[d-3,2](S_{d-1})", "(d-1)(d-4)/2"),
    (Representation((1, 1), 1), "[d-3,1,1](S_{d-1})", "(d-2)(d-3)/2"),
    (Representation((), 2, (1, 1)), "trivial(S_{d-2}) x sign(S_2)", "1"),
    (Representation((1,), 2, (2,)), "std(S_{d-2}) x trivial(S_2)", "d-3"),
    (Representation((1, 1), 2, (2,)), "[d-4,1,1](S_{d-2}) x trivial(S_2)", "(d-3)(d-4)/2"),
    (Representation((), 3, (2, 1)), "trivial(S_{d-3}) x standard(S_3)", "2"),
    (Representation((1,), 3, (2, 1)), "std(S_{d-3}) x standard(S_3)", "2*(d-4)"),
    (Representation((), 3, (1, 1, 1)), "trivial(S_{d-3}) x sign(S_3)", "1"),
])
def test_labels_and_formulas(rep, label, formula):
    assert rep.label() == label
    assert rep.dimension_formula() == formula
    d = Fraction(23, 2)
    value = eval(formula.replace(")(", ")*(").replace("2*(", "2*("), {"d": d})
    assert rep.dimension(d) == value  # exact rational arithmetic: only + - * / on d


def test_dimension_is_the_hook_length_formula_at_integer_p():
    for p in range(4, 12):
        dims = {(): 1, (1,): p - 1, (2,): p * (p - 3) // 2, (1, 1): (p - 1) * (p - 2) // 2}
        for shape, dim in dims.items():
            assert Representation(shape, 0).dimension(p) == dim
        assert Representation((3,), 0).dimension(p) == p * (p - 1) * (p - 5) // 6  # [p-3,3]
    with mpmath.workdps(40):
        v = Representation((1, 1), 1, None).dimension(mpmath.mpf("7.25"))
        assert isinstance(v, mpmath.mpf) and v == mpmath.mpf("5.25") * mpmath.mpf("4.25") / 2


def test_representation_is_validated_and_hashable():
    with pytest.raises(ValueError, match="partition"):
        Representation((1, 2), 0)
    with pytest.raises(ValueError, match="q must be"):
        Representation((), -1)
    with pytest.raises(ValueError, match="special"):
        Representation((), 4, (4,))
    assert len({Representation((1,), 2, (2,)), Representation((1,), 2, (2,))}) == 1
    assert Representation((1, 1), 3).partition() == "[p-2,1,1]"


# ------------------------------------------------------------------ decomposition
@pytest.mark.parametrize("name, setting", CASES)
def test_dimension_times_copies_adds_up_to_the_full_dimension(name, setting):
    fam = get_case(name)
    st = fam.structure(setting)
    monitors = family_monitors(st)
    for d in [fam.q + 4, fam.q + 5, 11, 20, Fraction(37, 3)]:
        total = sum(m.representation.dimension(d) * m.copies for m in monitors)
        modes = sum(m.representation.dimension(d) * (m.copies - m.size) for m in monitors)
        assert total == d * d + (d if setting == "trainable" else 0)
        assert modes == (d if setting == "trainable" else 0)  # the rescaling zero modes


def test_block_sizes_split_by_the_special_symmetric_group():
    sizes = lambda name: {m.label: m.size for m in family_monitors(get_case(name).structure("fixed"))}
    assert sizes("sd2-i") == {
        "trivial(S_{d-2}) x trivial(S_2)": 6, "trivial(S_{d-2}) x sign(S_2)": 4,
        "std(S_{d-2}) x trivial(S_2)": 5, "std(S_{d-2}) x sign(S_2)": 2,
        "[d-4,2](S_{d-2}) x trivial(S_2)": 1, "[d-4,1,1](S_{d-2}) x trivial(S_2)": 1}
    # standard(S_3) is 2-dimensional: one basis vector per copy, each eigenvalue of multiplicity 2 dim rho
    assert sizes("sd3-i") == {
        "trivial(S_{d-3}) x trivial(S_3)": 6, "trivial(S_{d-3}) x standard(S_3)": 5,
        "trivial(S_{d-3}) x sign(S_3)": 1, "std(S_{d-3}) x trivial(S_3)": 5,
        "std(S_{d-3}) x standard(S_3)": 2, "[d-5,2](S_{d-3}) x trivial(S_3)": 1,
        "[d-5,1,1](S_{d-3}) x trivial(S_3)": 1}
    assert list(sizes("sd1-i")) == ["trivial(S_{d-1})", "std(S_{d-1})", "[d-3,2](S_{d-1})", "[d-3,1,1](S_{d-1})"]


@pytest.mark.parametrize("name, setting", [("sd2-i", "fixed"), ("sd3-i", "trainable"), ("sd-ii", "fixed")])
def test_monitor_eigenvalues_are_full_hessian_eigenvalues_with_their_multiplicity(name, setting):
    fam = get_case(name)
    d = 9
    cp = critical_point(fam, setting, d)
    W, a = embed(fam.structure(setting), cp.params, d)
    full = np.linalg.eigvalsh(hessian(W, a, np.eye(d), np.ones(d), setting == "trainable"))
    for m in family_monitors(fam.structure(setting)):
        mult = int(round(m.representation.dimension(d)))
        for v in m.eigenvalues(FLOAT64, cp.params, d):
            assert np.sum(np.abs(full - v) < 1e-9) >= mult, (m.label, v)


# ------------------------------------------------------------------ one object, two uses
@pytest.mark.parametrize("name, setting", CASES)
def test_float_monitors_are_the_continuation_monitors(name, setting):
    fam = get_case(name)
    d = fam.q + 4.7
    cp = critical_point(fam, setting, d)
    minima = cp.spectrum.block_minima()
    monitors = family_monitors(fam.structure(setting))
    assert list(minima) == [m.label for m in monitors]
    for m in monitors:
        assert abs(m.smallest(FLOAT64, cp.params, d) - minima[m.label]) < 1e-12
        assert cp.spectrum.dims[m.label] == pytest.approx(m.representation.dimension(d), rel=1e-15)
    # the continuation problem stores exactly these values
    problem = family_problem(fam, setting)
    xw = cp.params[[i for i, k in enumerate(fam.structure(setting).parameters) if k[0] != "a"]]
    if setting == "trainable":  # the slice point a = 1 of the same orbit
        xw = _to_slice(fam.structure(setting), cp.params, d)
    stored = problem.monitors(xw, d)
    for m in monitors:
        assert abs(stored[m.label] - minima[m.label]) < 1e-10


def _to_slice(st, x, d):
    """The W-parameters of the point of x's rescaling orbit with a = 1 on every block."""
    x = np.array(x, dtype=float)
    for al in range(len(st.sizes)):
        ic = st.index(("a", al))
        c = x[ic]
        for i, key in enumerate(st.parameters):
            if key[0] != "a" and key[1] == al:
                x[i] *= c
        x[ic] = 1.0
    return np.array([x[i] for i, k in enumerate(st.parameters) if k[0] != "a"])


@pytest.mark.parametrize("name, setting", [("sd1-ii", "fixed"), ("sd2-i", "trainable"), ("sd3-i", "fixed")])
def test_mpmath_monitor_agrees_with_float64_and_converges(name, setting):
    fam = get_case(name)
    d = fam.q + 4.5
    cp = critical_point(fam, setting, d)
    for m in family_monitors(fam.structure(setting)):
        with MPMATH.precision(30):
            v30 = m.nearest_zero(MPMATH, list(cp.params), d)
        with MPMATH.precision(60):
            v60 = m.nearest_zero(MPMATH, list(cp.params), d)
            assert abs(v60 - v30) < mpmath.mpf(10) ** -25
        assert abs(float(v60) - min(m.eigenvalues(FLOAT64, cp.params, d), key=abs)) < 1e-11


def test_trainable_monitor_does_not_depend_on_the_gauge():
    fam = get_case("sd2-i")
    st = fam.structure("trainable")
    d = 7.3
    xb = critical_point(fam, "trainable", d).params
    x1 = with_second_layer(st, _to_slice(st, xb, d), [1.0, 1.0])
    assert np.max(np.abs(balanced(st, x1, d) - xb)) < 1e-12
    for m in family_monitors(st):
        assert abs(m.smallest(FLOAT64, x1, d) - m.smallest(FLOAT64, xb, d)) < 1e-12
    f = mp_test_function(fam, "trainable", "trivial(S_{d-2}) x sign(S_2)")
    with MPMATH.precision(30):
        value = f([mpmath.mpf(v) for v in _to_slice(st, xb, d)], mpmath.mpf(d))
    m = monitor_for(st, "trivial(S_{d-2}) x sign(S_2)")
    assert abs(float(value) - m.nearest_zero(FLOAT64, xb, d)) < 1e-11


def test_sd2_i_first_crossing_is_in_the_sign_block_of_S_2():
    """README: sd2-i turns at 6.0140890170443... in trivial(S_{d-2}) x sign(S_2), while the
    unsplit trivial block of S_{d-2} (which also holds the trivial(S_2) part) does not cross."""
    fam = get_case("sd2-i")
    st = fam.structure("fixed")
    d_star = 6.0140890170443139
    sign_block = monitor_for(st, "trivial(S_{d-2}) x sign(S_2)")
    even_block = monitor_for(st, "trivial(S_{d-2}) x trivial(S_2)")
    values = {}
    for d in (d_star - 1e-6, d_star + 1e-6):
        cp = critical_point(fam, "fixed", d)
        values[d] = (sign_block.smallest(FLOAT64, cp.params, d), even_block.smallest(FLOAT64, cp.params, d))
    (below_sign, below_even), (above_sign, above_even) = values.values()
    assert below_sign < 0 < above_sign and abs(below_sign) < 1e-6
    assert below_even > 1e-3 and above_even > 1e-3


def test_unknown_label_is_refused():
    with pytest.raises(ValueError, match="no isotypic block 'triv'.*std"):
        monitor_for(get_case("sd1-i").structure("fixed"), "triv")


def test_d_below_the_range_is_refused():
    fam = get_case("sd1-i")
    cp = critical_point(fam, "fixed", 5.5)
    with pytest.raises(ValueError, match="needs d > 4"):
        family_monitors(fam.structure("fixed"))[0].block(FLOAT64, cp.params, 3.9)


# ------------------------------------------------------------------ arb
@pytest.mark.parametrize("name, setting", [("sd1-i", "fixed"), ("sd2-i", "trainable")])
def test_arb_monitor_contains_the_mpmath_value(name, setting):
    _arb_contains_mpmath(name, setting, get_case(name).q + 4.5)


@pytest.mark.slow
@pytest.mark.parametrize("setting", ["fixed", "trainable"])
@pytest.mark.parametrize("name", ["sd-ii", "sd1-i", "sd1-ii", "sd2-i", "sd2-ii", "sd3-i"])
def test_arb_block_eigenvalues_contain_the_mpmath_values_for_every_family(name, setting):
    """Every eigenvalue of every isotypic block, at two real d (one below, one above the
    family's last d*)."""
    for d in (get_case(name).q + 4.75, 12.5):
        _arb_contains_mpmath(name, setting, d, every=True)


@pytest.mark.parametrize("setting, params", [("fixed", [1, 0]), ("trainable", [1, 0, 1])])
def test_arb_block_eigenvalues_of_the_global_minimum(setting, params):
    """sd-i at its exact point W = I (the catalogue's float point equals it only to ~1e-15, too
    close to the teacher's rows for arb to prove them non-parallel at 50 digits)."""
    for d in (4.5, 12.5):
        _arb_contains_mpmath("sd-i", setting, d, every=True, params=params)


def _arb_contains_mpmath(name, setting, d, every=False, params=None):
    fam = get_case(name)
    x = list(params if params is not None else critical_point(fam, setting, d).params)
    for m in family_monitors(fam.structure(setting)):
        with MPMATH.precision(100):
            exact = m.eigenvalues(MPMATH, x, d) if every else [m.smallest(MPMATH, x, d)]
        with ARB.precision(50):
            balls = m.eigenvalues(ARB, x, d) if every else [m.smallest(ARB, x, d)]
            assert len(balls) == len(exact)
            for ball, value in zip(balls, sorted(exact)):
                assert ball.contains(ARB.convert(value)), (m.label, d, ball, value)
                assert ball.rad() < 1e-30, (m.label, d, ball.rad())
