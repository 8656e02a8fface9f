"""A family as a continuation problem for the generic engine (:mod:`spurious.continuation`).

Unknowns: the ``W``-parameters of the family's fixed space (in the trainable setting the
second layer is held at ``a = 1``, the slice gauge of :mod:`cases.family`). Equations:

    G(x, d) = grad_W L_H(x; d) = 0,   G_x = Hess_WW L_H,   G_d = d(grad_W L_H)/dd

Monitors: the smallest eigenvalue of every isotypic block, one
:class:`~cases.monitors.Monitor` per component (evaluated together through
:mod:`cases.spectrum`, at the balanced representative) -- continuous functions of ``d``
whose sign changes are the stability changes; stored in ``Branch.monitor_values`` under the
representation's label (e.g. ``"std(S_{d-1})"``). The refinement's test function
(:func:`mp_test_function`) is the same monitor in mpmath. Domain: the isotypic spectrum needs ``d > q + 3``; a row
collapsing to zero or two rows becoming parallel end the branch (the loss is not smooth
there).

Values stored with every point (``Branch.values``, from ``describe``):

    loss         L_H(x; d), the population loss at the point
    lambda_min   the smallest Hessian eigenvalue over all blocks (balanced gauge)
    morse_index  the number of negative Hessian eigenvalues (counted with multiplicity,
                 |lambda| <= 1e-10 counted as zero), as a float

Residual scale: ``k d`` (:func:`cases.family.residual_scale`), so that the engine's Newton
accepts ``max |G| <= max(1e-11, 32 eps k d)``, the rounding level of ``G`` at large ``d``.
"""
import mpmath
import numpy as np

from spurious.continuation import ContinuationProblem, MPProblem
from spurious.kernels import block_derivatives, max_row_cosine, row_norms_squared
from spurious.kernels.contexts import MPMATH_ARB

from .family import residual_scale, slice_unknowns, with_second_layer
from .monitors import monitor_for
from .point import describe_point

ROW_COLLAPSE = 1e-10
PARALLEL_COSINE = 1.0 - 1e-10


def second_layer(structure):
    return [1.0] * structure.row_blocks


def family_problem(family, setting):
    """The float64 :class:`ContinuationProblem` of ``family`` in ``setting``."""
    st = family.structure(setting)
    idx = slice_unknowns(st)
    a = second_layer(st)
    template = with_second_layer(st, np.zeros(len(idx)), a)

    def full(xw):
        """The full parameter vector (``with_second_layer``, precomputed: it runs every evaluation)."""
        x = template.copy()
        x[idx] = xw
        return x

    def residual(xw, d):
        return block_derivatives(st, full(xw), d, order=1).grad[idx]

    def jacobian(xw, d):
        bd = block_derivatives(st, full(xw), d)
        return bd.hess[np.ix_(idx, idx)], bd.grad_d[idx]

    last = {}

    def point(xw, d):
        """describe_point, remembered for the last (x, d): monitors and describe share it."""
        key = (np.asarray(xw, dtype=float).tobytes(), float(d))
        if last.get("key") != key:
            last["key"], last["point"] = key, describe_point(family, setting, full(xw), d)
        return last["point"]

    def monitors(xw, d):
        return point(xw, d).spectrum.block_minima()

    def describe(xw, d):
        cp = point(xw, d)
        return {"loss": cp.loss, "lambda_min": cp.lambda_min, "morse_index": float(cp.morse_index)}

    def domain(xw, d):
        if not d > family.d_min:
            return f"d reached {family.d_min}, the lower end of the isotypic spectrum (d > q + 3)"
        x = full(xw)
        if np.min(row_norms_squared(st, x, d)) < ROW_COLLAPSE:
            return "a row of W collapsed to zero"
        if max_row_cosine(st, x, d) > PARALLEL_COSINE:
            return "two rows of W became parallel"
        return None

    def scale(xw, d):
        return residual_scale(st, d)

    return ContinuationProblem(residual=residual, jacobian=jacobian, monitors=monitors, domain=domain,
                               describe=describe, residual_scale=scale)


def family_mp_problem(family, setting):
    """The same equations in mpmath (``x`` an ``mp.matrix`` column, ``d`` an ``mpf``).

    The kernels run on arb balls and return mpf midpoints at the working precision
    (:data:`~spurious.kernels.contexts.MPMATH_ARB`: the same code, faster). The block
    derivatives of the last ``(x, d)`` and working precision are remembered, so that
    ``residual`` and ``jacobian`` at one point (one Newton iteration) cost one evaluation."""
    st = family.structure(setting)
    idx = [int(i) for i in slice_unknowns(st)]
    a = second_layer(st)
    last = {}

    def _derivatives(x, d):
        xs = list(x) + [mpmath.mpf(v) for v in a] if st.trainable else list(x)
        key = (mpmath.mp.prec, d, tuple(xs))
        if last.get("key") != key:
            last["key"], last["bd"] = None, None  # not kept if the evaluation raises
            last["bd"] = MPMATH_ARB.block_derivatives(st, xs, d, 2)
            last["key"] = key
        return last["bd"]

    def residual(x, d):
        bd = _derivatives(x, d)
        return mpmath.matrix([bd.grad[i] for i in idx])

    def jacobian(x, d):
        bd = _derivatives(x, d)
        J = mpmath.matrix([[bd.hess[i, j] for j in idx] for i in idx])
        return J, mpmath.matrix([bd.grad_d[i] for i in idx])

    return MPProblem(residual=residual, jacobian=jacobian)


def mp_test_function(family, setting, label):
    """``f(x, d)`` in mpmath on the W-unknowns (second layer at the slice ``a = 1``): the
    eigenvalue nearest 0 of the isotypic block called ``label`` -- the continuation's monitor
    of that label (:func:`cases.monitors.monitor_for`), at the current mpmath precision (its
    kernels evaluated through :data:`~spurious.kernels.contexts.MPMATH_ARB`)."""
    st = family.structure(setting)
    monitor = monitor_for(st, label)
    a = [mpmath.mpf(v) for v in second_layer(st)] if st.trainable else []
    return lambda x, d: monitor.nearest_zero(MPMATH_ARB, list(x) + a, d)
