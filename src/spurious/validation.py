"""Argument checks shared by every public entry point.

Each function takes what a user might pass, returns it in the one form the code below
expects, and otherwise raises ``TypeError`` (wrong kind of object) or ``ValueError`` (right
kind, bad value) with a one-line message that names the argument. Nothing is ever cast
silently: a complex number is refused rather than losing its imaginary part, ``"no"`` is not
a flag, ``True`` is not a number of digits.

This module imports only numpy and mpmath (the kernels use it, so it must not import them);
:func:`as_family` and :func:`as_setting` import the catalogue lazily.
"""
from __future__ import annotations

import decimal
import fractions
import math
import numbers
from typing import Any

import mpmath
import numpy as np

__all__ = ["MAX_DIGITS", "SETTINGS", "as_digits", "as_family", "as_flag", "as_real", "as_real_array",
           "as_setting"]

MAX_DIGITS = 10_000
"""Largest number of decimal digits a refinement may ask for (as :mod:`continuation.refine`)."""
SETTINGS = ("fixed", "trainable")
"""The two settings of the second layer (as :mod:`cases.family`)."""


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} of type {type(value).__name__}"


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def as_real(value: Any, name: str = "d", *, keep_mpf: bool = False) -> float | mpmath.mpf:
    """A finite real number as a ``float``.

    Parameters
    ----------
    value
        ``int``, ``float``, a numpy integer or floating scalar (or 0-d array), ``mpmath.mpf``,
        ``fractions.Fraction`` or ``decimal.Decimal``.
    name
        The argument's name, used in error messages.
    keep_mpf
        Return an ``mpf`` input unchanged (for arbitrary-precision paths) instead of rounding
        it to a float.

    Returns
    -------
    float or mpmath.mpf

    Raises
    ------
    TypeError
        For ``bool``, complex numbers (Python, numpy or ``mpc``), strings, ``None`` and any
        other type.
    ValueError
        For NaN, infinities and numbers too large for a float.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if _is_bool(value):
        raise TypeError(f"{name} must be a real number, got the bool {value!r}")
    if isinstance(value, (complex, np.complexfloating, mpmath.mpc)):
        raise TypeError(f"{name} must be a real number, got the complex {value!r}")
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
        return value if keep_mpf else float(value)
    if not isinstance(value, (numbers.Real, decimal.Decimal, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    try:
        result = float(value)
    except (OverflowError, ValueError, decimal.InvalidOperation):
        raise ValueError(f"{name} = {value} cannot be represented as a float") from None
    if not math.isfinite(result):
        raise ValueError(f"{name} must be finite, got {value}")
    return result


_REAL_KINDS = "iuf"


def as_real_array(value: Any, name: str, ndim: int | None = None) -> np.ndarray:
    """A finite real float64 array (a fresh C-contiguous copy when a conversion is needed).

    Parameters
    ----------
    value
        Anything ``numpy.asarray`` takes, of integer or floating dtype; object arrays
        (e.g. of ``mpf`` or ``Fraction``) are converted entry by entry with :func:`as_real`.
    name
        The argument's name, used in error messages.
    ndim
        The required number of dimensions (``None``: any).

    Returns
    -------
    numpy.ndarray of float64

    Raises
    ------
    TypeError
        For complex, boolean, string or other non-numeric entries (never a silent cast).
    ValueError
        For the wrong number of dimensions or non-finite entries.
    """
    if value is None:
        raise TypeError(f"{name} must be a real array, got None")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as err:  # ragged nesting, unconvertible objects
        raise ValueError(f"{name} is not a rectangular numeric array ({str(err).splitlines()[0]})") from None
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must be real, got a complex array (dtype {arr.dtype}); "
                        "pass the real part explicitly if that is what you mean")
    if kind == "O":
        flat = [as_real(v, f"an entry of {name}") for v in arr.ravel()]
        arr = np.array(flat, dtype=np.float64).reshape(arr.shape)
    elif kind not in _REAL_KINDS:
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {arr.shape}")
    arr = arr.astype(np.float64, order="C", copy=False)  # (ascontiguousarray would make 0-d arrays 1-d)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite entries (NaN or inf, or integers too large for float64)")
    return arr


def as_flag(value: Any, name: str) -> bool:
    """A real ``bool`` (or numpy bool).

    Raises
    ------
    TypeError
        For anything else: ``"no"``, ``1``, ``None``... are refused rather than interpreted.
    """
    if not _is_bool(value):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def as_digits(value: Any, name: str = "digits") -> int:
    """A number of decimal digits: an ``int`` (or numpy integer) in ``1 .. MAX_DIGITS``.

    Raises
    ------
    TypeError
        For ``bool``, floats and anything not an integer.
    ValueError
        Outside ``1 .. MAX_DIGITS``.
    """
    if _is_bool(value) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}")
    value = int(value)
    if not 1 <= value <= MAX_DIGITS:
        raise ValueError(f"{name} must be between 1 and {MAX_DIGITS}, got {value}")
    return value


def as_setting(value: Any) -> str:
    """``"fixed"`` or ``"trainable"``.

    Raises
    ------
    TypeError
        If ``value`` is not a string.
    FamilyError
        (a ``ValueError``) for any other string.
    """
    if not isinstance(value, str):
        raise TypeError(f"setting must be a string, one of {', '.join(SETTINGS)}; got {_describe(value)}")
    if value not in SETTINGS:
        from spurious.cases.family import FamilyError

        raise FamilyError(f"unknown setting {value!r}; choose one of {', '.join(SETTINGS)}")
    return value


def as_family(value: Any):
    """A :class:`~spurious.cases.Family`: a family passes, a string is looked up in the catalogue.

    Raises
    ------
    TypeError
        For anything but a ``Family`` or a ``str``.
    FamilyError
        (a ``ValueError``) for a name the catalogue does not have.
    """
    from spurious.cases import Family, get_case

    if isinstance(value, Family):
        return value
    if isinstance(value, str):
        return get_case(value)
    raise TypeError(f"family must be a Family or a case name such as 'sd1-i', got {_describe(value)}")
