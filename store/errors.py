"""The store's one error type, apart so that every store module can raise it."""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot be used: locked too long, newer schema, or damaged file."""
