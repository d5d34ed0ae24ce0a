"""The core is importable without Textual, as DESIGN.md's layering requires."""

from __future__ import annotations

import subprocess
import sys


def _printed(code: str) -> str:
    """What a fresh interpreter prints running ``code`` (so no test has imported anything)."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_core_packages_never_load_textual() -> None:
    code = (
        "import sys, casework.workflow, store.casebook, conduct.case_cmd;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui'));"
        "print(','.join(bad))"
    )
    assert _printed(code) == ""


def test_mailtext_loads_only_the_standard_library() -> None:
    code = (
        "import sys; before = set(sys.modules); import mailtext;"
        "new = {m.split('.')[0] for m in set(sys.modules) - before};"
        "print(','.join(sorted(new - set(sys.stdlib_module_names) - {'mailtext'})))"
    )
    assert _printed(code) == ""


def test_nothing_imports_from_a_conftest() -> None:
    """Shared helpers live in tests/support/: a conftest holds fixtures, and pytest loads it."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = []
    for path in [*root.glob("tests/**/*.py"), *root.glob("bench/*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if any(n.split(".")[-1] == "conftest" for n in names):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
