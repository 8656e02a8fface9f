"""Pseudo-arclength continuation of ``G(x, d) = 0`` with event detection and location.

Unknown ``y = (x, d)`` in ``R^(m+1)``, ``J(y) = [G_x, G_d]`` (``m x (m+1)``). With the unit
tangent ``t0`` at the current point ``y0`` (``J(y0) t0 = 0``), one step of length ``ds`` is
(Keller 1977; Seydel, *Practical Bifurcation and Stability Analysis*, ch. 4; Govaerts,
*Numerical Methods for Bifurcations of Dynamical Equilibria*, ch. 2)::

    predictor   y_p = y0 + ds t0
    corrector   Newton on  F(y) = [ G(y) ; t0 . (y - y_p) ] = 0,  F'(y) = [ J(y) ; t0^T ]   (A1)
    tangent     [ J(y1) ; t0^T ] t1 = [ 0 ; 1 ],   t1 <- t1 / |t1|                          (A2)

(A2) orients the tangent continuously: ``t1 . t0 = 1 / |t1| > 0``. The first tangent uses
the border ``(0, ..., 0, direction)``, so the branch starts towards increasing ``d`` for
``direction = +1``. Newton (here and at fixed ``d``) is the project's one Newton
(:func:`.newton.newton`; (A1) is its bordered form) with its default rule (N2): at least one
update, converged when ``max |G| <= tol`` after an update below ``1e-7 (1 + max |y|)`` -- by
quadratic convergence the error is then at rounding level, which event location relies on --
or when an update is at rounding level, ``max |dy| <= 1e-14 (1 + max |y|)``.

The residual tolerance is relative to the problem's scale::

    tol(x, d) = max(newton_tol, ROUNDING_ULPS * eps * residual_scale(x, d))            (A3)

``eps = 2.2e-16``. A computed ``G`` is a sum of terms of total size ``residual_scale`` (the
problem says how large), so its rounding error is up to ``~ eps * residual_scale``, and
Newton cannot push ``max |G|`` below that level however accurate ``x`` is (the point itself
is known to ``|dx| ~ |G_x^-1| eps residual_scale``, which is all float64 can give). Where
this level exceeds the absolute ``newton_tol`` (e.g. sums over ``d^2`` entries at large
``d``) an absolute threshold would reject every point; ``ROUNDING_ULPS = 32`` leaves a factor
of ~35 above the rounding levels measured on the catalogue's families (``<= 0.9 eps *
scale``). Without ``residual_scale`` the tolerance is ``newton_tol``; where ``newton_tol``
dominates (small scale) the rule, and every float computed, is as before.

Test functions, evaluated at every point and watched for a sign change between consecutive
points::

    fold          t_d, the d-component of the tangent (the branch turns back in d)
    branch point  det A / (|A|_F / sqrt(n))^n,  A = [ J(y) ; t^T ]  (n = m + 1; scale-free, in
                  [-1, 1]; changes sign at a simple branch point, not at a fold)
    stability     every monitor value of the problem, labelled by its key

A sign change is located by Illinois regula falsi (:func:`.rootfind.illinois`) on the
pseudo-arclength ``s`` in ``(0, t0 . (y1 - y0))``: each trial point is re-solved by (A1) with
anchor ``y0 + s t0``, so it lies on the branch. The bracket is shrunk to ``locate_tol`` in
``s``; since ``|dd| <= |ds|`` along the step, ``d`` is located at least as accurately. An
event whose location failed (a trial corrector failed, or the root finder's iteration cap) is
still recorded -- at the evaluated point with the smallest ``|f|``, resp. the last trial --
but flagged: its ``status`` is the root finder's (``EVALUATION_FAILED``, ``SINGULAR``,
``MAX_ITERATIONS``, ...) instead of ``CONVERGED``, and ``bracket`` keeps the ``d`` of the final
bracket's ends. Two sign
changes of the same test function within one step cancel and are not seen; the step control
below keeps steps short where the branch bends.

Step control: the step grows by 1.5 (up to ``ds_max``) after a corrector that needed at most
3 iterations, and is halved and retried after a failed corrector or a turn of the tangent by
more than ~25 degrees. The branch ends (``Branch.status`` and ``Branch.message``, never an
exception) when the step falls below ``ds_min`` (``STEP_TOO_SMALL``), when ``d`` would leave
``[d_min, d_max]`` (``BOUND_REACHED``: the last point is put exactly on the bound by Newton at
fixed ``d`` from the linear interpolation of the step; if that Newton fails, its status), when
the problem's ``domain`` gives a reason (``DOMAIN_EXIT``), or after ``max_steps`` accepted
steps (``MAX_STEPS``); ``START_FAILED`` when no admissible start point is found.
"""
import math
from dataclasses import asdict, dataclass, replace
from numbers import Integral

import numpy as np

from .branch import Branch, Event
from .newton import QUADRATIC, ROUNDOFF, Border, StepAndResidual, newton
from .rootfind import EvaluationFailed, illinois
from .status import Status

GROW = 1.5
SHRINK = 0.5
QUICK_NEWTON = 3
MAX_TURN_COS = 0.9
FIXED_D_MAX_ITER = 30
ROUNDING_ULPS = 32
EPS = float(np.finfo(float).eps)
LOG_FLOOR = -700.0


@dataclass(frozen=True)
class ArclengthSettings:
    """How to continue: step lengths in ``(x, d)``, bounds on ``d``, tolerances, and the
    initial direction in ``d`` (``+1`` or ``-1``). ``max_steps`` counts accepted steps of the
    whole branch (a resumed branch keeps counting); ``locate_tol`` is the accuracy of event
    location in arclength (hence in ``d``)."""

    ds: float = 0.1
    ds_min: float = 1e-8
    ds_max: float = 1.0
    d_min: float = -math.inf
    d_max: float = math.inf
    max_steps: int = 10000
    newton_tol: float = 1e-11
    newton_max_iter: int = 8
    locate_tol: float = 1e-12
    direction: int = -1

    def __post_init__(self):
        if not all(math.isfinite(v) for v in (self.ds_min, self.ds, self.ds_max)):
            raise ValueError(f"step lengths must be finite, got ds_min={self.ds_min}, ds={self.ds}, ds_max={self.ds_max}")
        if not 0 < self.ds_min <= self.ds <= self.ds_max:
            raise ValueError(f"need 0 < ds_min <= ds <= ds_max, got ds_min={self.ds_min}, ds={self.ds}, "
                             f"ds_max={self.ds_max}")
        if not self.d_min < self.d_max:
            raise ValueError(f"need d_min < d_max, got d_min={self.d_min}, d_max={self.d_max}")
        if self.direction not in (-1, 1):
            raise ValueError(f"direction must be +1 or -1, got {self.direction!r}")
        for name in ("max_steps", "newton_max_iter"):
            value = getattr(self, name)
            if not (isinstance(value, Integral) and value >= 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("newton_tol", "locate_tol"):
            value = getattr(self, name)
            if not (0 < value < math.inf):
                raise ValueError(f"{name} must be positive and finite, got {value!r}")


@dataclass(frozen=True)
class Step:
    """One accepted point, as handed to observers: its ``index`` in the branch, the point and
    unit tangent, the arclength step ``ds`` that produced it (0 for the start point), the
    corrector's Newton iterations, and the events located between it and the previous point.
    ``branch`` is the :class:`Branch` so far (this point included, its ``state`` ready for a
    resume): an observer can save it as a checkpoint (``step.branch.save(path)``) and a later
    run continue it (``continue_branch(..., branch=Branch.load(path))``)."""

    index: int
    x: np.ndarray
    d: float
    tangent: np.ndarray
    ds: float
    newton_iterations: int
    events: list
    branch: Branch | None = None


def _split(y):
    return y[:-1], y[-1]


def _bordered(problem, y, border):
    """``[ J(y) ; border^T ]``, the Jacobian of (A1) and the matrix of (A2)."""
    Gx, Gd = problem.jacobian(y[:-1], y[-1])
    return np.vstack([np.column_stack([Gx, Gd]), border[None, :]])


def _tangent(problem, y, t_prev):
    """(A2); at an exact branch point the system is singular and a least-squares solution is used."""
    A = _bordered(problem, y, t_prev)
    rhs = np.zeros(len(y))
    rhs[-1] = 1.0
    try:
        t = np.linalg.solve(A, rhs)
    except np.linalg.LinAlgError:
        t = np.linalg.lstsq(A, rhs, rcond=None)[0]
    norm = np.linalg.norm(t)
    return t / norm if norm > 0 else t_prev


def _branch_point_test(problem, y, t):
    """``det A / (|A|_F / sqrt(n))^n`` for the ``n x n`` matrix ``A = [J(y); t^T]``.

    By Hadamard's inequality and the AM-GM inequality this lies in ``[-1, 1]``; it is smooth
    along the branch (``|A|_F >= |t| = 1``) and has the sign of ``det A`` (from ``slogdet``).
    Its logarithm is clipped at -700 so that the sign survives float64 underflow."""
    A = _bordered(problem, y, t)
    sign, logdet = np.linalg.slogdet(A)
    n = len(A)
    log_scale = n * np.log(np.linalg.norm(A) / np.sqrt(n))
    return float(sign * np.exp(max(logdet - log_scale, LOG_FLOOR))) if sign != 0 else 0.0


class Continuation:
    """The pseudo-arclength algorithm for one problem and one set of settings.

    ``steps(x0, d0)`` is a generator of :class:`Step`; the branch being built is
    ``self.branch`` (set as soon as iteration starts).
    """

    def __init__(self, problem, settings):
        self.problem = problem
        self.settings = settings
        self.branch = None

    # ------------------------------------------------------------ Newton
    def residual_tol(self, x, d):
        """(A3): ``max(newton_tol, ROUNDING_ULPS * eps * residual_scale(x, d))``."""
        tol = self.settings.newton_tol
        if self.problem.residual_scale is None:
            return tol
        return max(tol, ROUNDING_ULPS * EPS * abs(float(self.problem.residual_scale(x, d))))

    def _rule(self, point):
        """Newton's stopping rule (:class:`.newton.StepAndResidual`): ``max |G| <= newton_tol``,
        or ``<= tol`` (A3) at ``point(y) = (x, d)``, after an update below ``1e-7 (1 + max |y|)``
        (quadratic convergence puts the error near the square of that, i.e. at rounding level,
        which event location relies on), or an update at rounding level, ``max |dy| <= 1e-14
        (1 + max |y|)``."""
        tol_at = None if self.problem.residual_scale is None else (lambda y: self.residual_tol(*point(y)))
        return StepAndResidual(self.settings.newton_tol, tol_at, ROUNDOFF, QUADRATIC)

    def correct(self, y_pred, border):
        """Newton on (A1) from ``y_pred``: a :class:`.newton.NewtonResult` (``x`` is ``y = (x, d)``)."""
        p = self.problem
        return newton(lambda y: p.residual(y[:-1], y[-1]), lambda y: np.column_stack(p.jacobian(y[:-1], y[-1])),
                      np.array(y_pred, dtype=float), test=self._rule(_split), border=Border(border, y_pred),
                      max_iter=self.settings.newton_max_iter)

    def solve_fixed_d(self, x, d):
        """Plain Newton on ``G(x, d) = 0`` at fixed ``d``: a :class:`.newton.NewtonResult`
        (``residual_norm`` is ``max |G(x, d)|`` at the result)."""
        p = self.problem
        return newton(lambda x: p.residual(x, d), lambda x: p.jacobian(x, d)[0], np.array(x, dtype=float),
                      test=self._rule(lambda x: (x, d)), max_iter=FIXED_D_MAX_ITER)

    # ---------------------------------------------------- test functions
    def _test(self, key, y, t):
        kind, label = key
        if kind == "fold":
            return float(t[-1])
        if kind == "branch_point":
            return _branch_point_test(self.problem, y, t)
        return float(self.problem.monitors(y[:-1], y[-1])[label])

    def _tests(self, y, t):
        """All test functions at ``(y, t)``, keyed by ``(kind, label)``."""
        out = {("fold", ""): float(t[-1]), ("branch_point", ""): _branch_point_test(self.problem, y, t)}
        if self.problem.monitors is not None:
            for label, value in self.problem.monitors(y[:-1], y[-1]).items():
                out[("stability", label)] = float(value)
        return out

    def _locate(self, key, y0, t0, y1, f0, f1):
        """Illinois on the arclength ``s`` in ``(0, t0 . (y1 - y0))`` for the test function ``key``,
        each trial point re-solved by (A1) with anchor ``y0 + s t0``. Returns ``(y, f(y), root)``
        with ``root`` the :class:`.rootfind.RootResult`: the located point, or, if a trial
        corrector failed, the evaluated point with the smallest ``|f|``; ``bracket`` the ``d``
        of the final bracket's ends."""
        s1 = float(t0 @ (y1 - y0))
        trials = {0.0: (y0, f0), s1: (y1, f1)}

        def f(s):
            res = self.correct(y0 + s * t0, t0)
            if not res.success:
                raise EvaluationFailed(f"corrector failed at arclength {s:.6g} ({res.message})", res.status)
            trials[s] = (res.x, self._test(key, res.x, _tangent(self.problem, res.x, t0)))
            return trials[s][1]

        root = illinois(f, 0.0, s1, f0, f1, self.settings.locate_tol)
        if root.status in (Status.CONVERGED, Status.MAX_ITERATIONS) and root.root in trials:
            s = root.root
        else:
            s = min(trials, key=lambda k: abs(trials[k][1]))
        bracket = tuple(sorted(float(trials[e][0][-1]) for e in root.bracket if e in trials))
        return trials[s][0], trials[s][1], root, bracket

    def _events(self, y0, t0, tests0, y1, tests1, index):
        """Every test function changing sign between ``y0`` and ``y1``, located, in arclength
        order; an event whose location failed carries the root finder's status and message."""
        found = []
        for key, f1 in tests1.items():
            f0 = tests0.get(key)
            if f0 is None or not (math.isfinite(f0) and math.isfinite(f1)) or f0 == 0 or np.sign(f0) == np.sign(f1):
                continue
            y, f_at, root, bracket = self._locate(key, y0, t0, y1, f0, f1)
            message = "located" if root.success else (
                f"not located ({root.message}); kept the point with the smallest |test function|"
                if root.status is not Status.MAX_ITERATIONS else f"not located ({root.message}); kept the last trial")
            event = Event(kind=key[0], d=float(y[-1]), x=[float(v) for v in y[:-1]],
                          values={"before": f0, "after": f1, "at": float(f_at)}, label=key[1], index=index,
                          status=root.status, message=message, bracket=bracket)
            found.append((float(t0 @ (y - y0)), event))
        return [e for _, e in sorted(found, key=lambda p: p[0])]

    # --------------------------------------------------------- main loop
    def _append(self, y, t, tests):
        values = self.problem.describe(y[:-1], y[-1]) if self.problem.describe else {}
        monitors = {label: v for (kind, label), v in tests.items() if kind == "stability"}
        self.branch.append(y[:-1], y[-1], t, values, monitors)

    def _start(self, x0, d0):
        """The polished start point and its tangent, ``(y, t, None)``, or ``(None, None, (status,
        message))`` with status ``START_FAILED`` when the branch cannot start."""
        s, p = self.settings, self.problem
        d0 = float(d0)
        if not s.d_min <= d0 <= s.d_max:
            return None, None, (Status.START_FAILED, f"start d = {d0:.12g} is outside [d_min, d_max] = "
                                                     f"[{s.d_min:.12g}, {s.d_max:.12g}]")
        res = self.solve_fixed_d(x0, d0)
        if not res.success:
            tol = self.residual_tol(res.x, d0) if np.all(np.isfinite(res.x)) else s.newton_tol
            return None, None, (Status.START_FAILED, f"start point is not a solution: |G| = {res.residual_norm:.3e} "
                                                     f"after Newton at d = {d0:.12g} (tolerance {tol:.3e}; "
                                                     f"{res.status}: {res.message})")
        x = res.x
        reason = p.domain(x, d0) if p.domain else None
        if reason is not None:
            return None, None, (Status.START_FAILED, f"start point outside the domain: {reason}")
        y = np.append(x, d0)
        seed = np.zeros(len(y))
        seed[-1] = s.direction
        return y, _tangent(p, y, seed), None

    def _admit(self, y, t, y_new, t_new):
        """Bounds and domain for a corrected point: ``(y, t, end)``, ``end`` ``None`` or the
        ``(status, message)`` with which the branch ends; ``y`` is ``None`` when the point is
        rejected and the branch ends at the previous one. Crossing a bound lands on it
        (``BOUND_REACHED``) by Newton at fixed ``d``; if that fails, the branch ends with the
        domain's reason (``DOMAIN_EXIT``) or Newton's status."""
        s, p = self.settings, self.problem
        reason = p.domain(y_new[:-1], y_new[-1]) if p.domain else None
        bound = s.d_min if y_new[-1] < s.d_min else s.d_max if y_new[-1] > s.d_max else None
        if bound is None:
            return (None, None, (Status.DOMAIN_EXIT, reason)) if reason is not None else (y_new, t_new, None)
        landed = f"reached d = {bound:.12g}"
        if y[-1] == bound:
            return None, None, (Status.BOUND_REACHED, landed)
        w = (bound - y[-1]) / (y_new[-1] - y[-1])
        res = self.solve_fixed_d(y[:-1] + w * (y_new[:-1] - y[:-1]), bound)
        outside = p.domain(res.x, bound) if res.success and p.domain else None
        if res.success and outside is None:
            y_b = np.append(res.x, bound)
            return y_b, _tangent(p, y_b, t), (Status.BOUND_REACHED, landed)
        if reason is not None:
            return None, None, (Status.DOMAIN_EXIT, reason)
        if outside is not None:
            return None, None, (Status.DOMAIN_EXIT, f"{landed} but the solution on the bound is outside the "
                                                    f"domain: {outside}")
        return None, None, (res.status, f"{landed} but Newton found no admissible solution on the bound "
                                        f"({res.message})")

    def steps(self, x0, d0, branch=None):
        """Yield a :class:`Step` per accepted point, starting with the polished start point.

        With ``branch`` (e.g. from :meth:`Branch.load`), ``x0`` and ``d0`` are ignored: the run
        resumes from the branch's last point, tangent and step length and appends to it.
        ``self.branch.status`` (and ``message``) is set before the last step is yielded; it
        stays ``UNFINISHED`` if the caller stops iterating early.
        """
        s, p = self.settings, self.problem
        if branch is None:
            self.branch = Branch(settings=asdict(s))
            y, t, failure = self._start(x0, d0)
            if failure is not None:
                self.branch.finish(*failure)
                return
            tests = self._tests(y, t)
            self._append(y, t, tests)
            ds = s.ds
            yield Step(0, y[:-1], float(y[-1]), t, 0.0, 0, [], self.branch)
        else:
            if len(branch) == 0:
                raise ValueError("cannot resume a branch without points")
            self.branch = branch
            branch.settings = asdict(s)
            branch.finish(Status.UNFINISHED, "")
            y = np.append(branch.x[-1], branch.d[-1])
            t = np.array(branch.tangents[-1], dtype=float)
            tests = self._tests(y, t)
            ds = min(max(float(branch.state.get("ds", s.ds)), s.ds_min), s.ds_max)
        branch = self.branch
        while len(branch) - 1 < s.max_steps:
            res = self.correct(y + ds * t, t)
            y_new, iters = (res.x if res.success else None), res.iterations
            t_new = _tangent(p, y_new, t) if y_new is not None else None
            if y_new is None or t_new @ t < MAX_TURN_COS:
                ds *= SHRINK
                if ds < s.ds_min:
                    why = (f"last corrector: {res.status}, {res.message}" if y_new is None
                           else "the tangent turned by more than ~25 degrees")
                    branch.finish(Status.STEP_TOO_SMALL, f"newton failed at minimal step (ds < {s.ds_min:g} at "
                                                         f"d = {y[-1]:.12g}; {why})")
                    return
                continue
            y_new, t_new, end = self._admit(y, t, y_new, t_new)
            if y_new is None:
                branch.finish(*end)
                return
            tests_new = self._tests(y_new, t_new)
            events = self._events(y, t, tests, y_new, tests_new, len(branch) - 1)
            branch.events.extend(events)
            self._append(y_new, t_new, tests_new)
            step = Step(len(branch) - 1, y_new[:-1], float(y_new[-1]), t_new, ds, iters, events, branch)
            y, t, tests = y_new, t_new, tests_new
            if iters <= QUICK_NEWTON:
                ds = min(GROW * ds, s.ds_max)
            branch.state["ds"] = ds
            if end is not None:
                branch.finish(*end)
            yield step
            if end is not None:
                return
        branch.finish(Status.MAX_STEPS, f"max_steps = {s.max_steps} reached")


def continue_branch(problem, x0, d0, settings, observers=(), branch=None):
    """Run :meth:`Continuation.steps` to the end, calling every observer with each
    :class:`Step`; returns the :class:`Branch` (resumed and extended if ``branch`` is given)."""
    algo = Continuation(problem, settings)
    for step in algo.steps(x0, d0, branch=branch):
        for observer in observers:
            observer(step)
    return algo.branch


def continue_both_ways(problem, x0, d0, settings, observers=()):
    """The branch through ``(x0, d0)`` in both directions: two independent runs with
    ``direction = -1`` and ``+1`` (``settings.direction`` is ignored), returned as the tuple
    ``(towards decreasing d, towards increasing d)``. Both start at the same polished point, so
    reversing the first and appending the second without its first point gives one branch."""
    return tuple(continue_branch(problem, x0, d0, replace(settings, direction=sign), observers)
                 for sign in (-1, 1))
