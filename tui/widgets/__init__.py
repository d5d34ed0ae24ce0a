"""Reusable widgets: they never touch the store, and post past-tense messages."""
