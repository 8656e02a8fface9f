"""Families of symmetric critical points: catalogue, seeds, points at real d, Hessian spectra."""
from .catalogue import DEFINITIONS, families, get_case
from .family import Family, FamilyError
from .point import CriticalPoint, critical_point, describe_point
from .spectrum import Spectrum, hessian_spectrum

__all__ = ["DEFINITIONS", "CriticalPoint", "Family", "FamilyError", "Spectrum", "critical_point",
           "describe_point", "families", "get_case", "hessian_spectrum"]
