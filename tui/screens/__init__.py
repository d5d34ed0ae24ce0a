"""Screens of the dashboard: one per file; modals end in ``Modal``."""
