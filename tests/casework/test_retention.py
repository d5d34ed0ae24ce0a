"""The retention schedule: defaults, the [retention] section with every mistake named, review dates."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from casework.config import load_config
from casework.retention import (
    DEFAULT_SCHEDULE,
    Period,
    RecordClass,
    RetentionError,
    RetentionSchedule,
    reached_review,
)
from casework.tomlread import ConfigError
from tests.support.school import write_config


def test_defaults_follow_the_irms_practice_and_are_not_yet_confirmed(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "warning-first"))
    schedule = config.retention
    assert schedule == DEFAULT_SCHEDULE
    assert not schedule.confirmed
    assert str(schedule.period(RecordClass.CONDUCT_CASE)) == "6 years"
    assert str(schedule.period(RecordClass.BAN)) == "6 years"
    # Criminal-offence data is a class of its own, so a school can keep it for less or more.
    assert schedule.period(RecordClass.CRIMINAL_OFFENCE) == Period(years=6)
    assert str(schedule.period(RecordClass.UNFILED_MAIL)) == "1 year"
    assert schedule.period(RecordClass.LETTER) == Period(years=6)


def test_a_school_sets_its_own_periods_and_keeps_defaults_for_the_rest(tmp_path: Path) -> None:
    extra = """
[retention]
confirmed = true
[retention.criminal-offence]
years = 7
[retention.unfiled-mail]
months = 6
[retention.ban]
years = 2
months = 6
"""
    schedule = load_config(write_config(tmp_path, "warning-first", extra)).retention
    assert schedule.confirmed
    assert schedule.period(RecordClass.CRIMINAL_OFFENCE) == Period(years=7)
    assert str(schedule.period(RecordClass.UNFILED_MAIL)) == "6 months"
    assert str(schedule.period(RecordClass.BAN)) == "2 years and 6 months"
    assert schedule.period(RecordClass.CONDUCT_CASE) == Period(years=6)


def test_every_mistake_is_named_with_its_dotted_key(tmp_path: Path) -> None:
    extra = """
[retention]
confirmed = "yes"
bans = { years = 6 }
letter = 6
[retention.conduct-case]
years = "six"
[retention.ban]
years = 0
[retention.criminal-offence]
years = 6
days = 10
[retention.unfiled-mail]
"""
    with pytest.raises(ConfigError) as err:
        load_config(write_config(tmp_path, "warning-first", extra))
    problems = sorted(str(p) for p in err.value.problems)
    assert problems == sorted(
        [
            'retention.confirmed: expected true or false, got "yes"',
            "retention.bans: unknown key",
            "retention.letter: expected a table, got 6",
            'retention.conduct-case.years: expected an integer 0-100, got "six"',
            "retention.ban: expected years and/or months: a period of at least one month",
            "retention.criminal-offence.days: unknown key",
            "retention.unfiled-mail: expected years and/or months: a period of at least one month",
        ]
    )


def test_reference_config_carries_the_default_schedule() -> None:
    root = Path(__file__).resolve().parents[2]
    config = load_config(root / "config.toml")
    assert config.retention == DEFAULT_SCHEDULE
    text = (root / "config.toml").read_text(encoding="utf-8")
    assert "must confirm its own schedule" in text


@pytest.mark.parametrize(
    ("record_class", "last_action", "today", "due"),
    [
        # Last action plus six years, then review: the day itself counts.
        (RecordClass.CONDUCT_CASE, date(2020, 3, 15), date(2026, 3, 14), False),
        (RecordClass.CONDUCT_CASE, date(2020, 3, 15), date(2026, 3, 15), True),
        (RecordClass.BAN, date(2020, 3, 15), date(2027, 1, 1), True),
        # A last action on 29 February reaches review on 28 February six years on.
        (RecordClass.BAN, date(2024, 2, 29), date(2030, 2, 27), False),
        (RecordClass.BAN, date(2024, 2, 29), date(2030, 2, 28), True),
        (RecordClass.UNFILED_MAIL, date(2025, 12, 31), date(2026, 12, 30), False),
        (RecordClass.UNFILED_MAIL, date(2025, 12, 31), date(2026, 12, 31), True),
        (RecordClass.CRIMINAL_OFFENCE, date(2019, 7, 1), date(2025, 7, 1), True),
        (RecordClass.LETTER, date(2019, 7, 1), date(2025, 6, 30), False),
    ],
)
def test_reached_review(
    record_class: RecordClass, last_action: date, today: date, due: bool
) -> None:
    assert reached_review(DEFAULT_SCHEDULE, record_class, last_action, today) is due


def test_review_uses_the_schools_own_period() -> None:
    schedule = RetentionSchedule.of(
        {**dict(DEFAULT_SCHEDULE.periods), RecordClass.CRIMINAL_OFFENCE: Period(years=7)}
    )
    assert schedule.review_on(RecordClass.CRIMINAL_OFFENCE, date(2020, 1, 31)) == date(2027, 1, 31)
    assert not reached_review(
        schedule, RecordClass.CRIMINAL_OFFENCE, date(2020, 1, 31), date(2026, 6, 1)
    )


def test_bad_questions_are_refused() -> None:
    with pytest.raises(RetentionError, match="after today"):
        reached_review(DEFAULT_SCHEDULE, RecordClass.BAN, date(2026, 1, 2), date(2026, 1, 1))
    with pytest.raises(RetentionError, match="today: expected a date"):
        reached_review(
            DEFAULT_SCHEDULE,
            RecordClass.BAN,
            date(2026, 1, 1),
            datetime(2026, 1, 1),  # type: ignore[arg-type]
        )
    with pytest.raises(ValueError, match="'bans' is not a valid RecordClass"):
        DEFAULT_SCHEDULE.period("bans")  # type: ignore[arg-type]
    with pytest.raises(RetentionError, match="no period for letter"):
        RetentionSchedule(DEFAULT_SCHEDULE.periods[:-1])
    with pytest.raises(RetentionError, match="at least one month"):
        Period()


def test_check_says_whether_the_school_has_confirmed_its_schedule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conduct.cli import main

    path = write_config(tmp_path, "warning-first")
    assert main(["--config", str(path), "check"]) == 0
    assert "retention: NOT yet confirmed by the school" in capsys.readouterr().out
    path = write_config(tmp_path, "warning-first", "[retention]\nconfirmed = true\n")
    assert main(["--config", str(path), "check"]) == 0
    assert "retention: confirmed by the school" in capsys.readouterr().out
