"""Branch switching (continuation/switching.py) on algebraic toy problems with known equivariant
branches: no ReLU code."""
import math

import numpy as np
import pytest

from spurious.continuation import ContinuationProblem
from spurious.continuation.switching import classify, switch_branch


def s3_cubic():
    """The S_3-equivariant quadratic vector field on C = R^2 (the standard representation of
    S_3: rotations by 2 pi / 3 and complex conjugation): G(z, l) = l z + conj(z)^2. The trivial
    branch z = 0 (isotropy S_3) loses stability at l = 0; the axial subgroups are the three
    conjugates of S_2 (fixing the lines at angles 0, 2 pi / 3, 4 pi / 3); on each line the
    branch is transcritical (the representation has the cubic invariant Re z^3)."""

    def residual(x, l):
        z = complex(x[0], x[1])
        g = l * z + z.conjugate() ** 2
        return np.array([g.real, g.imag])

    def jacobian(x, l):
        a, b = x
        Gx = np.array([[l + 2 * a, -2 * b], [-2 * b, l - 2 * a]])
        return Gx, np.array([a, b])

    return ContinuationProblem(residual, jacobian)


def z2_pitchfork():
    """G(x, y, l) = (l x - x^3 - x y, y - l^2): a Z_2-symmetric (x -> -x) problem whose branch
    x = 0, y = l^2 has a pitchfork at l = 0 with the new branch x^2 = l - l^2 (above)."""

    def residual(z, l):
        x, y = z
        return np.array([l * x - x ** 3 - x * y, y - l * l])

    def jacobian(z, l):
        x, y = z
        return np.array([[l - 3 * x * x - y, -x], [0.0, 1.0]]), np.array([x, -2 * l])

    return ContinuationProblem(residual, jacobian)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_s3_axial_branches_are_transcritical(k):
    """Each axial line gives its own branch, with the predicted isotropy (on that line) and the
    predicted shape (transcritical, slope d'(0) = -1 in the line's coordinate)."""
    angle = 2 * math.pi * k / 3
    line = np.array([math.cos(angle), math.sin(angle)])
    # on the line x = r e^{i angle}: G = l r e^{i angle} + r^2 e^{-2 i angle} = r e^{i angle} (l + r): r = -l
    res = switch_branch(s3_cubic(), [0.0, 0.0], 0.0, line, parent_basis=None, h=1e-3)
    assert res.success and res.kind == "transcritical" and res.side == "both"
    assert res.slope == pytest.approx(-1.0, rel=1e-6)
    for p in res.points:
        r = p.x @ line
        assert np.linalg.norm(p.x - r * line) < 1e-12  # on the axial line: isotropy S_2 (conjugate)
        assert p.d == pytest.approx(-r, abs=1e-12)
        assert np.max(np.abs(s3_cubic().residual(p.x, p.d))) < 1e-12


def test_z2_pitchfork_above():
    prob = z2_pitchfork()
    res = switch_branch(prob, [0.0, 0.0], 0.0, [1.0, 0.0], parent_basis=[[0.0], [1.0]], h=1e-2)
    assert res.success and res.kind == "pitchfork" and res.side == "above"
    for p in res.points:
        x, y = p.x
        assert abs(x) == pytest.approx(1e-2, rel=1e-9) and y == pytest.approx(p.d ** 2, abs=1e-12)
        assert x * x == pytest.approx(p.d - p.d ** 2, abs=1e-12)
    assert res.curvature == pytest.approx(1.0, rel=1e-3)  # d = s^2 + ...


def test_kernel_inside_the_parent_space_is_refused():
    res = switch_branch(z2_pitchfork(), [0.0, 0.0], 0.0, [0.0, 1.0], parent_basis=[[0.0], [1.0]])
    assert not res.success and "no symmetry is broken" in res.message


def test_classify_rules():
    assert classify(0.0, 1e-3, -1e-3) == ("transcritical", "both")
    assert classify(0.0, 1e-4, 1.02e-4) == ("pitchfork", "above")
    assert classify(5.0, 4.9, 4.9) == ("pitchfork", "below")
    assert classify(0.0, 1e-4, 5e-4)[0] == "unresolved"
