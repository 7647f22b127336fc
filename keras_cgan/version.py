"""The package version, defined here only (setup.py reads it)."""

__version__ = "0.2.0"
