"""Bracketed root finding shared by the float64 event location and the mpmath refinement."""


class EvaluationFailed(Exception):
    """Raised by a function handed to :func:`illinois` that cannot be evaluated at a trial point."""


def illinois(f, a, b, fa, fb, tol, max_iter=200):
    """A zero of ``f`` in a bracket ``[a, b]`` with ``f(a) f(b) <= 0``: Illinois regula falsi.

    The trial point is the secant root ``c = b - f(b) (b - a) / (f(b) - f(a))`` of the current
    bracket; ``c`` replaces the end with the same sign of ``f``, and when the same end is
    replaced twice in a row the value kept at the other end is halved. This removes the
    one-sided stagnation of plain regula falsi: convergence is superlinear (order ~1.44) for a
    simple zero, and the iterates never leave the bracket (a trial point that would, through
    rounding, falls back to the midpoint). Works on floats and on mpmath numbers.

    Stops when ``f`` vanishes at a trial point or when the bracket is narrower than
    ``tol * (1 + |c|)``. Returns ``(c, f(c), iterations, converged)``; ``f`` may raise
    :class:`EvaluationFailed`, which propagates.
    """
    if fa == 0:
        return a, fa, 0, True
    if fb == 0:
        return b, fb, 0, True
    side, c, fc = 0, a, fa
    for it in range(1, max_iter + 1):
        c = b - fb * (b - a) / (fb - fa)
        if not (min(a, b) < c < max(a, b)):
            c = (a + b) / 2
        fc = f(c)
        if fc == 0:
            return c, fc, it, True
        if (fc > 0) == (fa > 0):
            a, fa = c, fc
            if side == -1:
                fb /= 2
            side = -1
        else:
            b, fb = c, fc
            if side == 1:
                fa /= 2
            side = 1
        if abs(b - a) <= tol * (1 + abs(c)):
            return c, fc, it, True
    return c, fc, max_iter, False
