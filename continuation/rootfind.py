"""Bracketed root finding shared by the float64 event location and the mpmath refinement."""


class EvaluationFailed(Exception):
    """Raised by a test function that cannot be evaluated at a trial point."""


def illinois(f, a, b, fa, fb, tol, max_iter=200):
    """The Illinois variant of regula falsi on a sign-changing bracket ``[a, b]``.

    Superlinear (order ~1.44) and never leaves the bracket: after two consecutive updates of
    the same end the other end's value is halved. Works on floats and on mpmath numbers.
    Stops when ``f`` vanishes or the bracket is narrower than ``tol * (1 + |c|)``.
    Returns ``(c, f(c), iterations, converged)``; ``f`` may raise :class:`EvaluationFailed`.
    """
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
