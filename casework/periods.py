"""The day counts a school sets ([periods] in config.toml): DfE guidance sets none."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Periods:
    """Day counts the school sets; DfE guidance sets none."""

    representations_days: int = 10
    ban_length_days: int = 90
    ban_review_days: int = 28
    meeting_notice_days: int = 5
