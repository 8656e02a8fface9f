"""Families of symmetric critical points."""
