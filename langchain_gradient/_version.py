"""The package version, as a constant (no metadata lookup at run time)."""

__version__ = "0.1.0"
