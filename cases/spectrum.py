"""The Hessian spectrum at a symmetric critical point, by isotypic component, at real d.

The components, their exact bases and the blocks ``B_rho`` are those of :mod:`cases.monitors`
(docs/mathematics.md section 7, (M21)-(M25)): one :class:`~cases.monitors.Monitor` per
isotypic component, evaluated here in float64 all at once (one fine Hessian per point). Each
eigenvalue of ``B_rho`` is an eigenvalue of the full ``kd x kd`` (or ``kd + k``) Hessian with
multiplicity ``Representation.dimension(d)``::

    dim [p] = 1, dim [p-1,1] = p - 1, dim [p-2,2] = p (p - 3) / 2, dim [p-2,1,1] = (p-1)(p-2)/2

times the dimension of the ``S_q`` irreducible for a special block of size 2 or 3 (labels
such as ``trivial(S_{d-2}) x sign(S_2)``). Equal eigenvalues within a block are merged in the
report, their multiplicities added.

Trainable second layer: the spectrum is that of the balanced representative; the ``d``
rescaling zero modes (``1 + q`` copies of ``[p]`` and one of ``[p-1,1]``) are removed from
the blocks and reported separately, so ``lambda_min`` and the Morse index never see them.

Valid for ``p - 2 > 1`` (the fine generic block must have off-diagonal entries).
"""
from dataclasses import dataclass, field

import numpy as np

from .monitors import FLOAT64, evaluate

MERGE_RTOL = 1e-9


@dataclass(frozen=True)
class SpectrumEntry:
    eigenvalue: float
    representation: str
    multiplicity: float

    def as_dict(self):
        return {"eigenvalue": self.eigenvalue, "representation": self.representation,
                "multiplicity": self.multiplicity}


@dataclass(frozen=True)
class Spectrum:
    """Distinct eigenvalues of the full Hessian with representation and multiplicity.

    ``blocks``: representation label -> eigenvalues of ``B_rho`` (ascending, rescaling modes
    removed); ``dims``: label -> multiplicity of each of them in the full Hessian;
    ``representations``: label -> :class:`~cases.monitors.Representation`. ``zero_modes``: the
    eigenvalues of the Hessian on the rescaling directions (~0 at a critical point) with their
    multiplicities, ``d`` in all; empty for a fixed second layer.
    """

    d: float
    entries: list
    blocks: dict
    dims: dict
    zero_modes: list = field(default_factory=list)
    representations: dict = field(default_factory=dict)

    @property
    def lambda_min(self):
        return min(e.eigenvalue for e in self.entries)

    def morse_index(self, tol=0.0):
        """Number of negative eigenvalues (with multiplicity), rescaling modes excluded."""
        return sum(e.multiplicity for e in self.entries if e.eigenvalue < -tol)

    def block_minima(self):
        """Smallest eigenvalue of every isotypic block (the continuation monitors)."""
        return {label: float(vals[0]) for label, vals in self.blocks.items() if len(vals)}

    def expanded(self):
        """All eigenvalues with multiplicity (integer ``d`` only), zero modes included, sorted."""
        out = []
        for e in self.entries:
            out.extend([e.eigenvalue] * int(round(e.multiplicity)))
        for value, mult in self.zero_modes:
            out.extend([value] * int(round(mult)))
        return np.sort(np.array(out))


def hessian_spectrum(family_structure, x, d, gauge=()):
    """The spectrum (:class:`Spectrum`) at the point ``x`` of ``family_structure`` at dimension
    ``d`` (balanced first in the trainable setting). ``gauge``: split copies whose null
    directions are reported with the zero modes (:func:`cases.monitors.evaluate`)."""
    blocks, entries, dims, representations, zero_modes = {}, [], {}, {}, []
    for monitor, C, Z in evaluate(FLOAT64, family_structure, x, d, gauge):
        label, rep = monitor.label, monitor.representation
        dim = float(rep.dimension(d))
        vals = np.linalg.eigvalsh(C)
        blocks[label], dims[label], representations[label] = vals, dim, rep
        if dim > 0:
            entries.extend(_merge(vals, label, dim))
        if Z is not None:
            zero_modes.extend((float(v), dim) for v in np.linalg.eigvalsh(Z))
    entries.sort(key=lambda e: e.eigenvalue)
    return Spectrum(float(d), entries, blocks, dims, zero_modes, representations)


def index_formula(representations, negative):
    """The Morse index as a formula in ``d``: ``sum_rho n_rho dim(rho)`` for the blocks with
    ``n_rho`` negative eigenvalues (``negative``: label -> count; ``representations``: label ->
    :class:`~cases.monitors.Representation`), e.g. ``d-2 + (d-2)(d-3)/2``; ``"0"`` if none."""
    terms = []
    for label, n in negative.items():
        if not n:
            continue
        rep = representations[label]
        constant = rep.constant_dimension
        if constant is not None:
            terms.append(str(n * constant))
            continue
        text = rep.dimension_formula()
        terms.append(text if n == 1 else f"{n}*{text}" if text.startswith("(") else f"{n}*({text})")
    return " + ".join(terms) or "0"


def _merge(vals, label, dim):
    out = []
    for v in vals:
        if out and abs(v - out[-1][0]) <= MERGE_RTOL * max(1.0, abs(v)):
            out[-1][1] += dim
        else:
            out.append([float(v), dim])
    return [SpectrumEntry(v, label, m) for v, m in out]
