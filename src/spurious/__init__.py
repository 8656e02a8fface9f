"""spurious: high-precision continuation of symmetric critical points of two-layer ReLU networks.

Public API (see README.md): :func:`get_case`, :func:`critical_point`, :func:`track`,
:func:`refine`; the kernels are in :mod:`spurious.kernels`, the families in
:mod:`spurious.cases`, the generic engine in :mod:`spurious.continuation`.
"""
__version__ = "0.1.0"
