"""The generic continuation engine: problem, pseudo-arclength algorithm, events, refinement.

Works for any smooth ``G(x, d) = 0``, ``x`` in ``R^m``, ``d`` a real parameter; imports
numpy, scipy and mpmath only (never the kernels or the cases).

- :mod:`.problem`: what is continued (float64 and mpmath descriptions of ``G``);
- :mod:`.arclength`: pseudo-arclength continuation with fold, branch-point and stability events;
- :mod:`.branch`: a branch as data (numpy arrays; versioned JSON files, validated on load and
  written atomically; checkpoints from observers via ``Step.branch``; resume);
- :mod:`.newton`: the one Newton iteration (float64 and mpmath, optional bordering row);
- :mod:`.status`: :class:`Status`, how every computation ended (results carry ``status``,
  ``success``, ``message``; numerical failures are statuses, never exceptions);
- :mod:`.rootfind`: the bracketing root finder shared by event location and refinement;
- :mod:`.refine`: events to many verified digits in mpmath; :mod:`.digits`: how digits are compared.
"""
from .arclength import ArclengthSettings, Continuation, Step, continue_both_ways, continue_branch
from .branch import Branch, Event
from .digits import agreeing_digits, common_digits, format_digits
from .newton import Border, NewtonResult, newton
from .problem import ContinuationProblem, MPProblem
from .refine import RefinedPoint, refine_fold, refine_zero, solve_at
from .rootfind import RootResult, illinois
from .status import Status

__all__ = ["ArclengthSettings", "Border", "Branch", "Continuation", "ContinuationProblem", "Event", "MPProblem",
           "NewtonResult", "RefinedPoint", "RootResult", "Status", "Step", "agreeing_digits", "common_digits",
           "continue_both_ways", "continue_branch", "format_digits", "illinois", "newton", "refine_fold",
           "refine_zero", "solve_at"]
