"""The day counts a school sets ([periods] in config.toml): DfE guidance sets none."""

from __future__ import annotations

from casework.record import record
from casework.schooldays import Count


@record
class Periods:
    """Day counts the school sets; DfE guidance sets none. Each counts school or calendar days."""

    representations_days: int = 10
    ban_length_days: int = 90
    ban_review_days: int = 28
    meeting_notice_days: int = 5
    representations_count: Count = Count.CALENDAR
    ban_length_count: Count = Count.CALENDAR
    ban_review_count: Count = Count.CALENDAR
    meeting_notice_count: Count = Count.CALENDAR
