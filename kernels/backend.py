"""The arbitrary-precision paths: the Numba kernels' own code, run on mpmath numbers or arb balls.

There is no second copy of any formula. Every ``@njit`` kernel keeps its Python function
(``dispatcher.py_func``); here the same code objects are rebound to a namespace in which
``sqrt``, ``atan2`` and ``PI`` are the number system's and the kernels call each other's
rebound versions. The kernels only use exact literals and allocate every array through
arguments or :func:`kernels.fullspace._zeros` (rebound to object arrays of the system's zeros),
so on object arrays of ``mpf`` (or ``arb``) they compute the same expressions at the working
precision of the caller's ``mp.workdps`` (or ``flint.ctx.workdps``) and return numbers of
that system.

**mpmath** (:data:`MP`): plain rebinding; the parallel threshold is :func:`mp_parallel_tol`.

**arb** (:func:`arb_kernels`): ball arithmetic is inclusion-monotone, so every formula
evaluated on balls gives a ball containing the exact value -- except where the code *decides*
on a number. In :mod:`kernels.gram` there are exactly three such places, written as small
functions, and the arb namespace replaces them (and nothing else):

* ``_root(q, same)`` -- ``s = sqrt(max(q, 0))``. A row with itself (``same``) has ``s = 0``
  exactly. If ``q`` is certainly positive, ``sqrt(q)``; certainly negative or exactly zero,
  ``0``; otherwise (the ball straddles 0) the enclosure ``[0, sqrt(upper(q))]``, rigorous
  because ``s`` is monotone in ``q``. (For rows of a real matrix ``q = AB - C^2 >= 0`` by
  Cauchy-Schwarz; the ``max`` is the definition of the float and mpmath paths as well.)
* ``_angle(s, C)`` -- ``t = atan2(s, C)`` on the closed upper half plane ``s >= 0``. If ``s``
  is certainly positive, arb's ``atan2`` (analytic there). If the ball of ``s`` touches 0 it
  straddles the branch cut of ``atan2`` on the negative axis, so the same function is
  evaluated as ``atan(s / C)`` for ``C > 0`` and ``pi - atan(s / -C)`` for ``C < 0``; if also
  ``C`` contains 0, ``t`` is only known to lie in ``[0, pi]``.
* ``_is_parallel(s, A, B, tol, same)`` -- the switch to the parallel limit of (G1)-(G2). The
  float threshold ``s <= tol sqrt(AB)`` is an approximation (error ``O(s)``), so it is never
  used on balls: the limit is taken only for a row with itself (``same``; then ``A = B = C``
  identically, ``F = A / 2`` and the limit values are the exact derivatives) and when
  ``s`` is exactly 0 (an exactly parallel or antiparallel pair, computed without rounding;
  ``F`` is ``C^2`` there and the limit is its exact Hessian, docs/mathematics.md 2.1). If
  ``s`` is certainly positive the full formulas (G1)-(G2) are used, which are exact for
  ``s > 0``. Otherwise -- a pair that cannot be proved non-parallel -- :class:`PrecisionError`
  is raised: no ball is returned that might not contain the derivative.

``PI`` must be pi at the working precision; an arb namespace is therefore built per precision
(cached).
"""
import types
from functools import lru_cache

import mpmath
import numpy as np

from . import blockkernel, fullspace, gram


class PrecisionError(ArithmeticError):
    """A decision (a sign, a non-parallel pair, positive definiteness, separated eigenvalues)
    cannot be made at the working precision: the balls are too wide. Raising the precision may
    help; an exactly degenerate case never resolves."""


def _rebind(modules, overrides):
    namespace = {}
    for module in modules:
        namespace.update(vars(module))
    namespace.update(overrides)
    for name, obj in list(namespace.items()):
        func = getattr(obj, "py_func", None)
        if func is not None:
            namespace[name] = types.FunctionType(
                func.__code__, namespace, func.__name__, func.__defaults__, func.__closure__)
    return types.SimpleNamespace(**{k: v for k, v in namespace.items() if not k.startswith("__")})


def object_zeros(shape, zero):
    """An object array of ``shape`` filled with ``zero`` (numbers are immutable: one object)."""
    out = np.empty(shape, dtype=object)
    out.fill(zero)
    return out


def _mp_zeros(shape):
    return object_zeros(shape, mpmath.mpf(0))


MP = _rebind([gram, fullspace, blockkernel],
             {"sqrt": mpmath.sqrt, "atan2": mpmath.atan2, "PI": mpmath.pi, "_zeros": _mp_zeros})
"""mpmath versions of the kernels: ``MP.gram_derivatives``, ``MP.block_eval``, ``MP._loss``..."""


def mp_parallel_tol():
    """The parallel threshold of :mod:`kernels.gram` at the current working precision."""
    return mpmath.mpf(10) ** (-(mpmath.mp.dps // 2))


# ------------------------------------------------------------------------------- arb
def _arb_helpers(PI):
    from flint import arb

    zero = arb(0)

    def _root(q, same):
        if same:
            return zero
        if q > 0:
            return q.sqrt()
        if q < 0 or q.is_zero():
            return zero
        return zero.union(q.upper().sqrt())  # s in [0, sqrt(upper(q))]

    def _angle(s, C):
        if s > 0:
            return arb.atan2(s, C)
        if C > 0:
            return (s / C).atan()
        if C < 0:
            return PI - (s / -C).atan()
        return zero.union(PI)

    def _is_parallel(s, A, B, tol, same):
        if same or s.is_zero():
            return True
        if s > 0:
            return False
        raise PrecisionError(
            "cannot decide whether a pair of rows is parallel: s = sqrt(AB - C^2) = "
            f"{s.str(5)} contains 0 at this precision; raise the precision (if the pair is exactly "
            "parallel, give its rows exactly)")

    def _zeros(shape):
        return object_zeros(shape, zero)

    return {"_root": _root, "_angle": _angle, "_is_parallel": _is_parallel, "_zeros": _zeros}


@lru_cache(maxsize=64)
def _arb_namespace(prec):
    from flint import arb, ctx

    old = ctx.prec
    ctx.prec = prec
    try:
        PI = arb.pi()
    finally:
        ctx.prec = old
    overrides = {"sqrt": arb.sqrt, "atan2": arb.atan2, "PI": PI}
    overrides.update(_arb_helpers(PI))
    return _rebind([gram, fullspace, blockkernel], overrides)


def arb_kernels():
    """arb versions of the kernels at the current ``flint.ctx.prec`` (``PI`` at that precision):
    ``arb_kernels().block_eval``, ``arb_kernels()._hessian``, ... Cached per precision."""
    from flint import ctx

    return _arb_namespace(ctx.prec)
