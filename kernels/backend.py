"""The arbitrary-precision (mpmath) path: the Numba kernels' own code, run on mpmath numbers.

There is no second copy of any formula. Every ``@njit`` kernel keeps its Python function
(``dispatcher.py_func``); here the same code objects are rebound to a namespace in which
``sqrt``, ``atan2`` and ``PI`` are mpmath's and the kernels call each other's rebound
versions. The kernels only use exact literals and take every array (outputs and scratch)
as an argument, so on object arrays of ``mpf`` they compute the same expressions at the
working precision of the caller's ``mp.workdps``.
"""
import types

import mpmath

from . import blockkernel, fullspace, gram


def _rebind(modules, overrides):
    namespace = {}
    for module in modules:
        namespace.update(vars(module))
    namespace.update(overrides)
    for name, obj in list(namespace.items()):
        func = getattr(obj, "py_func", None)
        if func is not None:
            namespace[name] = types.FunctionType(
                func.__code__, namespace, func.__name__, func.__defaults__, func.__closure__)
    return types.SimpleNamespace(**{k: v for k, v in namespace.items() if not k.startswith("__")})


MP = _rebind([gram, fullspace, blockkernel],
             {"sqrt": mpmath.sqrt, "atan2": mpmath.atan2, "PI": mpmath.pi})
"""mpmath versions of the kernels: ``MP.gram_derivatives``, ``MP.block_eval``, ``MP._loss``..."""


def mp_parallel_tol():
    """The parallel threshold of :mod:`kernels.gram` at the current working precision."""
    return mpmath.mpf(10) ** (-(mpmath.mp.dps // 2))
