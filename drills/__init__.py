"""Fault drills: `make drills` (see drills/README.md)."""
