"""Families of symmetric critical points: catalogue, seeds, points at real d, Hessian spectra."""
from .catalogue import DEFINITIONS, families, get_case
from .family import Family, FamilyError
from .monitors import Monitor, Representation, family_monitors
from .point import CriticalPoint, critical_point, describe_point
from .spectrum import Spectrum, hessian_spectrum

__all__ = ["DEFINITIONS", "CriticalPoint", "Family", "FamilyError", "Monitor", "Representation", "Spectrum",
           "critical_point", "describe_point", "families", "family_monitors", "get_case", "hessian_spectrum"]
