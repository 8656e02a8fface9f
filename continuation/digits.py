"""Decimal digits of high-precision results: how many two results share, and how to print them.

Convention (used for every ``d*`` the engine reports). Two results ``a`` and ``b`` -- the same
quantity computed at two working precisions -- are written as decimal expansions correctly
rounded to ``n + GUARD`` significant digits (``GUARD = 8``). Their verified digits are the
common prefix of the two digit strings (same sign and decimal exponent required), at most
``n`` digits, and the value is printed with exactly those digits: the digits beyond them are
dropped, never rounded into the last printed digit. The guard rounding only matters when
``a`` and ``b`` straddle a decimal boundary far beyond the requested digits, e.g.
``0.99999...97`` and ``1.00000...02`` for ``d* = 1``: both round to ``1.0000...`` and agree.
So every printed digit string is the truncation of a number within ``10^-(n + GUARD)``
(relative) of both results.

Significant digits of zero are undefined: two exact zeros agree on all ``n`` digits
(printed ``"0"``), a zero and a nonzero number on none.
"""
import mpmath

GUARD = 8


def _expansion(value, n):
    """``(sign, digits, exponent)`` of ``value`` (nonzero, finite) correctly rounded to ``n``
    significant digits: ``value ~ sign d1.d2d3...dn x 10^exponent``."""
    text = mpmath.nstr(value, n, strip_zeros=False, min_fixed=mpmath.inf, max_fixed=-mpmath.inf)
    mantissa, _, exponent = text.partition("e")
    sign = "-" if mantissa.startswith("-") else ""
    return sign, mantissa.lstrip("+-").replace(".", "")[:n], int(exponent or 0)


def _layout(sign, digits, exponent):
    """Positional notation for ``10^-6 <= |value| < 10^len(digits)``, scientific otherwise (so
    that no zero is printed that is not a verified digit)."""
    k = len(digits)
    if -6 <= exponent < 0:
        body = "0." + "0" * (-exponent - 1) + digits
    elif 0 <= exponent < k:
        body = digits[:exponent + 1] + ("." + digits[exponent + 1:] if exponent + 1 < k else "")
    else:
        body = digits[0] + ("." + digits[1:] if k > 1 else "") + f"e{exponent:+d}"
    return sign + body


def common_digits(a, b, n):
    """``(k, text)``: the number ``k <= n`` of leading significant digits on which ``a`` and
    ``b`` agree, and those digits printed as a number (``""`` when ``k = 0``)."""
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"n must be a positive integer, got {n!r}")
    a, b = mpmath.mpmathify(a), mpmath.mpmathify(b)
    if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
        return 0, ""
    if a == 0 or b == 0:
        return (n, "0") if a == b else (0, "")
    sa, da, ea = _expansion(a, n + GUARD)
    sb, db, eb = _expansion(b, n + GUARD)
    if (sa, ea) != (sb, eb):
        return 0, ""
    k = 0
    while k < n and da[k] == db[k]:
        k += 1
    return k, (_layout(sa, da[:k], ea) if k else "")


def agreeing_digits(a, b, n):
    """The number of leading significant decimal digits (at most ``n``) shared by ``a`` and ``b``."""
    return common_digits(a, b, n)[0]


def format_digits(value, n):
    """``value`` printed with exactly ``n`` significant digits, truncated (see the module docstring)."""
    return common_digits(value, value, n)[1]
