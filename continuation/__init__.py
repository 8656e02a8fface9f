"""The generic continuation engine: problem, pseudo-arclength algorithm, events, refinement.

Works for any smooth ``G(x, d) = 0``; imports numpy, scipy and mpmath only (never the
kernels or the cases).
"""
from .arclength import ArclengthSettings, Continuation, Step, continue_both_ways, continue_branch
from .branch import Branch, Event
from .problem import ContinuationProblem, MPProblem
from .refine import RefinedPoint, agreeing_digits, format_digits, refine_fold, refine_zero, solve_at

__all__ = ["ArclengthSettings", "Branch", "Continuation", "ContinuationProblem", "Event", "MPProblem",
           "RefinedPoint", "Step", "agreeing_digits", "continue_both_ways", "continue_branch", "format_digits",
           "refine_fold", "refine_zero", "solve_at"]
