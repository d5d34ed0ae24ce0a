"""The domain of Conduct Desk: people, cases, events, bans, letters as records, the policy ladder.

Pure Python: imports nothing else of ours and does no I/O beyond reading configuration.
"""

import sys
import types


def _import_dataclasses_without_inspect() -> None:
    """Import the standard library's dataclasses without making it load ``inspect``.

    dataclasses imports inspect (and with it ast, dis and tokenize: 22M instructions, 7%
    of a short command here) only to write a docstring for a dataclass that has none. It is
    given a stand-in that imports the real inspect the first time an attribute is asked of
    it; sys.modules never holds the stand-in afterwards, so every other importer of inspect
    gets the real module. tests/casework/test_record.py checks both.
    """
    if "dataclasses" in sys.modules or "inspect" in sys.modules:
        return  # too late, or nothing to save
    stand_in = types.ModuleType("inspect", "Imports the real inspect when first used.")

    def real_attribute(name: str) -> object:
        import importlib

        return getattr(importlib.import_module("inspect"), name)

    stand_in.__getattr__ = real_attribute  # type: ignore[method-assign]
    sys.modules["inspect"] = stand_in
    try:
        import dataclasses  # noqa: F401  (the point: imported now, with the stand-in)
    finally:
        if sys.modules.get("inspect") is stand_in:
            del sys.modules["inspect"]


_import_dataclasses_without_inspect()
