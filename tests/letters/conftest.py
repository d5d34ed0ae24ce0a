"""Fixtures for the letter tests: one Renderer, a logo, and contexts built as the app builds them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from casework.letter_context import LetterContext, build_context
from casework.people import Person
from letters.render import Renderer
from tests.support.letters import TODAY, make_case, make_config, make_person, tiny_png


@pytest.fixture(scope="session")
def logo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_png(tmp_path_factory.mktemp("school") / "crest.png")


ContextMaker = Callable[..., LetterContext]


@pytest.fixture
def context(logo: Path) -> ContextMaker:
    """Build a letter context the way the application does: config + case + person + fields."""

    def make(
        kind: str,
        preset: str = "meeting-first",
        fields: Mapping[str, str] | None = None,
        person: Person | None = None,
        **case_options: Any,
    ) -> LetterContext:
        config = make_config(preset, logo)
        who = person or make_person()
        case = make_case(kind, config, who, **case_options)
        return build_context(config, case, who, kind, dict(fields or {}), TODAY)

    return make


@pytest.fixture(scope="session")
def renderer(logo: Path) -> Renderer:
    return Renderer(logo=logo)
