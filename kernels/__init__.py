"""Closed-form loss, gradient and Hessian of the two-layer ReLU teacher-student problem.

Float64 kernels are compiled with Numba (``cache=True``); the same code runs on mpmath
numbers (:mod:`.backend`). Formulas: :mod:`.gram` (the single source), :mod:`.fullspace`,
:mod:`.blocks` and :mod:`.blockkernel` (fixed-point spaces with a real block size).
"""
from .api import (BlockDerivatives, block_derivatives, block_metric, embed, gradient, hessian, loss,
                  gram_values, max_row_cosine, row_norms_squared,
                  mp_block_derivatives, mp_loss, project)
from .blocks import REAL, BlockStructure

__all__ = ["BlockDerivatives", "BlockStructure", "REAL", "block_derivatives", "block_metric", "embed",
           "gradient", "hessian", "loss", "mp_block_derivatives", "mp_loss", "project", "row_norms_squared",
           "gram_values", "max_row_cosine"]
