"""CPython's email test messages (test.test_email), found through the running interpreter."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest


def cpython_email_corpus() -> Path:
    """The directory of msg_*.txt files; a FAILURE (not a skip) when the corpus is missing."""
    try:
        package = importlib.import_module("test.test_email")
    except ImportError:
        pytest.fail(
            "CPython's email test corpus (test.test_email) is not installed for this Python; "
            "on Debian install libpython3.X-testsuite (./run setup does it as root)",
            pytrace=False,
        )
    assert package.__file__ is not None
    data = Path(package.__file__).parent / "data"
    if not sorted(data.glob("msg_*.txt")):
        pytest.fail(f"no msg_*.txt in {data}: the email test corpus is incomplete", pytrace=False)
    return data
