"""Closed-form loss, gradient and Hessian of the two-layer ReLU teacher-student problem.

Float64 kernels are compiled with Numba (``cache=True``); the same code runs on mpmath
numbers (:mod:`.backend`). Formulas: :mod:`.gram` (the single source), :mod:`.fullspace`,
:mod:`.blocks` and :mod:`.blockkernel` (fixed-point spaces with a real block size). The validated
entry points are in :mod:`.api` (float64 full-space rows must have norms in
``[ROW_NORM_MIN, ROW_NORM_MAX]``; see its docstring for the scale-safe evaluation).
"""
from .api import (ROW_NORM_MAX, ROW_NORM_MIN, BlockDerivatives, block_derivatives, block_metric, embed,
                  gradient, gram_values, hessian, loss, max_row_cosine, mp_block_derivatives, mp_loss,
                  project, row_norms_squared)
from .blocks import REAL, BlockStructure

__all__ = ["ROW_NORM_MAX", "ROW_NORM_MIN", "BlockDerivatives", "BlockStructure", "REAL", "block_derivatives",
           "block_metric", "embed", "gradient", "gram_values", "hessian", "loss", "max_row_cosine",
           "mp_block_derivatives", "mp_loss", "project", "row_norms_squared"]
