"""Closed-form loss, gradient and Hessian of the two-layer ReLU teacher-student problem.

Float64 kernels are compiled with Numba (``cache=True``); the same code runs on mpmath
numbers and on arb balls (:mod:`.backend`). :mod:`.contexts` puts the three number systems
behind one interface (``FLOAT64``, ``MPMATH``, ``ARB``; arb results are rigorous enclosures,
undecidable cases raise ``PrecisionError``). Formulas: :mod:`.gram` (the single source), :mod:`.fullspace`,
:mod:`.blocks` and :mod:`.blockkernel` (fixed-point spaces with a real block size). The validated
entry points are in :mod:`.api` (float64 full-space rows must have norms in
``[ROW_NORM_MIN, ROW_NORM_MAX]``; see its docstring for the scale-safe evaluation).
"""
from .api import (ROW_NORM_MAX, ROW_NORM_MIN, BlockDerivatives, block_derivatives, block_metric, embed,
                  gradient, gram_values, hessian, loss, max_row_cosine, mp_block_derivatives, mp_loss,
                  project, row_norms_squared)
from .blocks import REAL, FixedPointSpace
from .contexts import ARB, FLOAT64, MPMATH, NumberContext, PrecisionError, context

__all__ = ["ARB", "FLOAT64", "MPMATH", "NumberContext", "PrecisionError", "context", "ROW_NORM_MAX",
           "ROW_NORM_MIN", "BlockDerivatives", "FixedPointSpace", "REAL", "block_derivatives", "block_metric", "embed", "gradient", "gram_values", "hessian", "loss", "max_row_cosine",
           "mp_block_derivatives", "mp_loss", "project", "row_norms_squared"]
