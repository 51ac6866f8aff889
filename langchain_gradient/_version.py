"""The package version, as a constant (no metadata lookup at run time)."""

__version__ = "1!0.1.0"
