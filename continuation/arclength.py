"""Pseudo-arclength continuation of ``G(x, d) = 0`` with event detection and location.

Unknown ``y = (x, d)``, ``J(y) = [G_x, G_d]`` (``m x (m+1)``). With the unit tangent ``t``
(``J t = 0``) the step from ``y0`` is (Keller; Seydel ch. 4; Govaerts ch. 2)::

    predictor   y_p = y0 + ds t0
    corrector   Newton on  [ G(y) ; t0 . (y - y_p) ] = 0,  Jacobian  [ J(y) ; t0^T ]       (A1)
    tangent     [ J(y1) ; t0^T ] t1 = [0 ; 1],  t1 <- t1 / |t1|   (so t1 . t0 > 0)        (A2)

Test functions along the branch, each monitored for a sign change between two points and
then located by the Illinois variant of regula falsi on the arclength ``s`` of the step
(each trial point re-solved by (A1) with anchor ``y0 + s t0``)::

    fold          t_d, the d-component of the tangent (the branch turns back)
    branch point  sign det [ J(y) ; t^T ]   (changes at a simple branch point, not at a fold)
    stability     every monitor value (e.g. the smallest eigenvalue of an isotypic block)

Steps adapt: grow by 1.5 after a corrector needing <= 3 iterations, halve after a failure or
after a turn of the tangent by more than ~25 degrees; the branch ends (``end_reason``) when
``ds < ds_min``, when ``d`` leaves ``[d_min, d_max]`` (the last point is put exactly on the
bound by Newton at fixed ``d``), when ``domain`` gives a reason, or after ``max_steps``.
"""
from dataclasses import asdict, dataclass

import numpy as np

from .branch import Branch, Event
from .rootfind import EvaluationFailed, illinois

MAX_TURN_COS = 0.9


@dataclass(frozen=True)
class ArclengthSettings:
    """How to continue: step lengths, bounds on ``d``, tolerances, initial direction in ``d``."""

    ds: float = 0.1
    ds_min: float = 1e-8
    ds_max: float = 1.0
    d_min: float = -np.inf
    d_max: float = np.inf
    max_steps: int = 10000
    newton_tol: float = 1e-11
    newton_max_iter: int = 8
    locate_tol: float = 1e-12
    direction: int = -1

    def __post_init__(self):
        if not (0 < self.ds_min <= self.ds <= self.ds_max):
            raise ValueError(f"need 0 < ds_min <= ds <= ds_max, got {self.ds_min}, {self.ds}, {self.ds_max}")
        if not self.d_min < self.d_max:
            raise ValueError(f"need d_min < d_max, got {self.d_min}, {self.d_max}")
        if self.direction not in (-1, 1):
            raise ValueError(f"direction must be +1 or -1, got {self.direction}")
        if self.max_steps < 1 or self.newton_max_iter < 1:
            raise ValueError("max_steps and newton_max_iter must be at least 1")
        if not (self.newton_tol > 0 and self.locate_tol > 0):
            raise ValueError("tolerances must be positive")


@dataclass
class Step:
    """One accepted step, as handed to observers."""

    index: int
    x: np.ndarray
    d: float
    tangent: np.ndarray
    ds: float
    newton_iterations: int
    events: list


def _bordered(problem, y, border):
    Gx, Gd = problem.jacobian(y[:-1], y[-1])
    return np.vstack([np.column_stack([Gx, Gd]), border[None, :]])


def _tangent(problem, y, t_prev):
    """(A2)."""
    A = _bordered(problem, y, t_prev)
    rhs = np.zeros(len(y))
    rhs[-1] = 1.0
    try:
        t = np.linalg.solve(A, rhs)
    except np.linalg.LinAlgError:  # exactly at a branch point: the tangent is not unique
        t = np.linalg.lstsq(A, rhs, rcond=None)[0]
    norm = np.linalg.norm(t)
    return t / norm if norm > 0 else t_prev


class Continuation:
    """The pseudo-arclength algorithm for one problem and one set of settings."""

    def __init__(self, problem, settings):
        self.problem = problem
        self.settings = settings

    # ----------------------------------------------------------- solvers
    def _converged(self, G, dy, y):
        s = self.settings
        return np.max(np.abs(G)) <= s.newton_tol or np.max(np.abs(dy)) <= 1e-14 * (1 + np.max(np.abs(y)))

    def correct(self, y_pred, border):
        """Newton on (A1) with anchor ``y_pred``; returns (y, iterations) or (None, iterations)."""
        y = y_pred.copy()
        for it in range(1, self.settings.newton_max_iter + 1):
            G = self.problem.residual(y[:-1], y[-1])
            F = np.append(G, border @ (y - y_pred))
            if np.max(np.abs(F)) <= 1e-3 * self.settings.newton_tol:
                return y, it - 1
            try:
                dy = np.linalg.solve(_bordered(self.problem, y, border), -F)
            except np.linalg.LinAlgError:
                return None, it
            y = y + dy
            if not np.all(np.isfinite(y)):
                return None, it
            if self._converged(G, dy, y):
                G = self.problem.residual(y[:-1], y[-1])
                if np.max(np.abs(G)) <= 10 * self.settings.newton_tol or self._converged(G, dy, y):
                    return y, it
        return None, self.settings.newton_max_iter

    def solve_fixed_d(self, x, d, max_iter=20):
        """Plain Newton at fixed ``d``; returns (x, |G|_inf)."""
        x = np.array(x, dtype=float)
        G = self.problem.residual(x, d)
        for _ in range(max_iter):
            Gx, _ = self.problem.jacobian(x, d)
            try:
                dx = np.linalg.solve(Gx, -G)
            except np.linalg.LinAlgError:
                break
            x = x + dx
            G = self.problem.residual(x, d)
            if np.max(np.abs(G)) <= self.settings.newton_tol or np.max(np.abs(dx)) <= 1e-15 * (1 + np.max(np.abs(x))):
                break
        return x, float(np.max(np.abs(G)))

    # ---------------------------------------------------- test functions
    def _tests(self, y, t):
        out = {("fold", ""): t[-1]}
        sign, logdet = np.linalg.slogdet(_bordered(self.problem, y, t))
        out[("branch_point", "")] = sign * np.exp(min(logdet, 700.0))
        if self.problem.monitors is not None:
            for label, value in self.problem.monitors(y[:-1], y[-1]).items():
                out[("stability", label)] = value
        return out

    def _locate(self, key, y0, t0, s_hi, f0, f1):
        """Illinois regula falsi on the arclength s in (0, s_hi) for the test function ``key``;
        each trial point is re-solved by (A1) with anchor ``y0 + s t0``."""
        points = {}

        def f(s):
            y, _ = self.correct(y0 + s * t0, t0)
            if y is None:
                raise EvaluationFailed(f"corrector failed at s = {s}")
            points[s] = y
            return self._tests(y, _tangent(self.problem, y, t0))[key]

        try:
            s, _, _, _ = illinois(f, 0.0, s_hi, f0, f1, self.settings.locate_tol)
        except EvaluationFailed:
            s = max(points) if points else None
        return points[s] if s in points else y0 + 0.5 * s_hi * t0

    def _events(self, y0, t0, tests0, y1, tests1, ds, index):
        found = []
        for key, f1 in tests1.items():
            f0 = tests0.get(key)
            if f0 is None or not np.isfinite(f0) or not np.isfinite(f1) or np.sign(f0) == np.sign(f1) or f0 == 0:
                continue
            s_hi = float(t0 @ (y1 - y0))
            y = self._locate(key, y0, t0, s_hi, f0, f1)
            found.append((float(t0 @ (y - y0)), Event(kind=key[0], d=float(y[-1]), x=[float(v) for v in y[:-1]],
                                                      values={"before": float(f0), "after": float(f1)},
                                                      label=key[1], index=index)))
        return [e for _, e in sorted(found, key=lambda p: p[0])]

    # --------------------------------------------------------- main loop
    def _append(self, branch, y, t):
        values = self.problem.describe(y[:-1], y[-1]) if self.problem.describe else {}
        monitors = self.problem.monitors(y[:-1], y[-1]) if self.problem.monitors else {}
        branch.append(y[:-1], y[-1], t, values, monitors)

    def steps(self, x0, d0, branch=None):
        """Iterate over accepted steps; ``self.branch`` holds the data. With ``branch`` given,
        resume from its last point, tangent and step length (appending to it)."""
        s = self.settings
        p = self.problem
        if branch is None:
            branch = Branch(settings=asdict(s))
            x, res = self.solve_fixed_d(x0, d0)
            if not res <= 10 * s.newton_tol:
                branch.end_reason = f"start point is not a solution: |G| = {res:.3e} at d = {d0}"
                self.branch = branch
                return
            y = np.append(x, d0)
            t_seed = np.zeros(len(y))
            t_seed[-1] = s.direction
            t = _tangent(p, y, t_seed)
            self._append(branch, y, t)
            ds = s.ds
            yield Step(0, y[:-1], y[-1], t, 0.0, 0, [])
        else:
            y = np.append(branch.x[-1], branch.d[-1])
            t = np.asarray(branch.tangents[-1], dtype=float)
            ds = float(branch.state.get("ds", s.ds))
            branch.end_reason = ""
        self.branch = branch
        tests = self._tests(y, t)
        for _ in range(s.max_steps):
            y_new, iters = self.correct(y + ds * t, t)
            t_new = _tangent(p, y_new, t) if y_new is not None else None
            if y_new is None or t_new @ t < MAX_TURN_COS:
                ds /= 2
                if ds < s.ds_min:
                    branch.end_reason = f"newton failed at minimal step (d = {y[-1]:.12g})"
                    break
                continue
            reason = p.domain(y_new[:-1], y_new[-1]) if p.domain else None
            bound = s.d_min if y_new[-1] < s.d_min else s.d_max if y_new[-1] > s.d_max else None
            if bound is not None:
                # land exactly on the bound: interpolate in d, then Newton at fixed d
                w = (bound - y[-1]) / (y_new[-1] - y[-1])
                x_b, res = self.solve_fixed_d(y[:-1] + w * (y_new[:-1] - y[:-1]), bound)
                if res <= 10 * s.newton_tol and (p.domain is None or p.domain(x_b, bound) is None):
                    y_new = np.append(x_b, bound)
                    t_new = _tangent(p, y_new, t)
                    reason = f"reached d = {bound:.12g}"
                else:
                    reason = reason or f"reached d = {bound:.12g} (no solution on the bound)"
                    bound = None
            if reason is not None and bound is None:
                branch.end_reason = reason
                break
            tests_new = self._tests(y_new, t_new)
            events = self._events(y, t, tests, y_new, tests_new, ds, len(branch) - 1)
            branch.events.extend(events)
            self._append(branch, y_new, t_new)
            y, t, tests = y_new, t_new, tests_new
            if iters <= 3:
                ds = min(1.5 * ds, s.ds_max)
            branch.state["ds"] = ds
            yield Step(len(branch) - 1, y[:-1], y[-1], t, ds, iters, events)
            if reason is not None:
                branch.end_reason = reason
                break
        else:
            branch.end_reason = f"max_steps = {s.max_steps} reached"


def continue_branch(problem, x0, d0, settings, observers=(), branch=None):
    """Run :meth:`Continuation.steps` to the end, calling every observer with each step."""
    algo = Continuation(problem, settings)
    for step in algo.steps(x0, d0, branch=branch):
        for observer in observers:
            observer(step)
    return algo.branch


def continue_both_ways(problem, x0, d0, settings, observers=()):
    """Two branches from ``(x0, d0)``: towards decreasing and increasing ``d`` (each starts
    at the same polished point)."""
    from dataclasses import replace

    return tuple(continue_branch(problem, x0, d0, replace(settings, direction=sgn), observers)
                 for sgn in (-1, 1))
