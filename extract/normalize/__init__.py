"""Normalize: matched spans → ``Claim`` values in canonical units (one pint registry, from the
rules' unit definitions)."""
