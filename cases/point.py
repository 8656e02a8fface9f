"""A family's critical point at a (possibly fractional) dimension, with its Hessian spectrum."""
from dataclasses import dataclass

import numpy as np

from spurious.kernels import block_derivatives

from .family import balanced, point_from_seed
from .spectrum import Spectrum, hessian_spectrum

ZERO_TOL = 1e-10


@dataclass(frozen=True)
class CriticalPoint:
    """The polished point (balanced gauge in the trainable setting) and what it is."""

    case: str
    setting: str
    d: float
    names: list
    params: np.ndarray
    loss: float
    grad_norm: float
    spectrum: Spectrum

    @property
    def lambda_min(self):
        return self.spectrum.lambda_min

    @property
    def morse_index(self):
        return self.spectrum.morse_index(ZERO_TOL)

    @property
    def kind(self):
        """``minimum`` / ``saddle``, or ``degenerate`` when lambda_min is within ZERO_TOL of 0."""
        if abs(self.lambda_min) <= ZERO_TOL:
            return "degenerate"
        return "minimum" if self.lambda_min > 0 else "saddle"

    def as_dict(self):
        return {"case": self.case, "setting": self.setting, "d": self.d,
                "params": dict(zip(self.names, map(float, self.params))),
                "loss": self.loss, "grad_norm": self.grad_norm,
                "spectrum": [e.as_dict() for e in self.spectrum.entries],
                "rescaling_zero_modes": [{"value": v, "multiplicity": m} for v, m in self.spectrum.zero_modes],
                "lambda_min": self.lambda_min, "morse_index": self.morse_index, "kind": self.kind}


def describe_point(family, setting, x, d):
    """Spectrum, loss and gradient norm of ``x`` (any gauge) at ``d``."""
    st = family.structure(setting)
    xb = balanced(st, x, d)
    bd = block_derivatives(st, xb, d)
    grad_norm = float(np.max(np.abs(bd.gradient_operator())))
    return CriticalPoint(family.name, setting, float(d), st.names, xb, float(bd.loss), grad_norm,
                         hessian_spectrum(st, xb, d))


def critical_point(family, setting, d):
    """The family's critical point at ``d`` (raises FamilyError when it cannot be had)."""
    return describe_point(family, setting, point_from_seed(family, setting, d), d)
