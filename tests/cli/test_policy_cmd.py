"""`conduct policy new|show --toml` and `conduct check` on a school's own policy and templates."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.school import SCHOOL


def run(*args: str, cwd: Path, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CONDUCT_CONFIG"}
    head = ["--config", str(config)] if config else []
    return subprocess.run(
        [sys.executable, "-m", "conduct.cli", *head, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
    )


def test_policy_show_toml_needs_no_config(tmp_path: Path) -> None:
    shown = run("policy", "show", "--toml", "meeting-first", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "\n[policy]\n" in shown.stdout and "[[policy.steps]]" in shown.stdout
    # Without --toml it shows the policy in effect, and so does need one.
    missing = run("policy", "show", cwd=tmp_path)
    assert missing.returncode == 1 and "config.toml" in missing.stderr


@pytest.mark.parametrize("preset", ["meeting-first", "warning-first"])
def test_policy_new_pasted_into_config_toml_passes_check(tmp_path: Path, preset: str) -> None:
    init = run("init", "school", "--preset", preset, cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    cfg = tmp_path / "school" / "config.toml"
    new = run("policy", "new", "our-code", "--from", preset, cwd=tmp_path)
    assert new.returncode == 0, new.stderr
    # What the instructions in config.toml say: replace the [policy] section with it.
    text = cfg.read_text()
    start, end = text.index("\n[policy]\n") + 1, text.index("\n[periods]\n") + 1
    cfg.write_text(text[:start] + new.stdout + "\n" + text[end:])
    checked = run("check", cwd=tmp_path, config=cfg)
    assert checked.returncode == 0, checked.stderr
    assert "policy: our-code" in checked.stdout


def test_the_config_explains_the_required_keys_of_a_policy(tmp_path: Path) -> None:
    run("init", "school", "--preset", "warning-first", cwd=tmp_path)
    text = (tmp_path / "school" / "config.toml").read_text()
    for key in ('id = "our-policy"', "name = ", "first_step = ", "conduct policy new"):
        assert key in text


OWN = """
[letters]
template_dir = "templates"

[policy]
id = "ours"
name = "Ours"
first_step = "start"

[[policy.letter_kinds]]
id = "appeal-outcome"
label = "Your appeal"
template = "appeal-outcome.html.j2"
required = ["appeal_result"]

[[policy.behaviours]]
id = "shouting"
label = "Shouting"

[[policy.steps]]
id = "start"
label = "Start"
next = ["appeal"]

[[policy.steps]]
id = "appeal"
label = "Appeal heard"
letter = "appeal-outcome"
letter_options = { panel = "the Chair and two governors" }
next = ["start"]
"""

GOOD = (
    '{% extends "base.html.j2" %}{% block body %}<p>Heard by {{ fields.panel }}: your appeal '
    "is {{ fields.appeal_result }}.</p>{% endblock %}"
)


def school(tmp_path: Path, template: str | None, policy: str = OWN) -> Path:
    (tmp_path / "templates").mkdir(exist_ok=True)
    if template is not None:
        (tmp_path / "templates" / "appeal-outcome.html.j2").write_text(template)
    cfg = tmp_path / "config.toml"
    cfg.write_text(SCHOOL + policy, encoding="utf-8")
    return cfg


def test_check_passes_a_schools_own_letter(tmp_path: Path) -> None:
    checked = run("check", cwd=tmp_path, config=school(tmp_path, GOOD))
    assert checked.returncode == 0, checked.stderr
    assert "1 letter kinds of its own" in checked.stdout


@pytest.mark.parametrize(
    ("template", "policy_change", "expected"),
    [
        (
            GOOD.replace("{% endblock %}", "{% endblok %}"),
            None,
            "letters.template_dir: appeal-outcome.html.j2 line 1: Encountered unknown tag "
            "'endblok'",
        ),
        (
            GOOD.replace("your appeal", "{{ recipent.name }}, your appeal"),
            None,
            "policy.steps[1].letter: template appeal-outcome.html.j2 reads 'recipent', which no "
            "letter has; did you mean recipient",
        ),
        (
            GOOD.replace("your appeal", "on {{ fields.hearing_date | date }} your appeal"),
            None,
            "policy.steps[1].letter: template appeal-outcome.html.j2 reads fields.hearing_date, "
            "which no step supplies",
        ),
        (
            GOOD.replace("{{ fields.panel }}", "the panel"),
            None,
            "policy.steps[1].letter_options.panel: unused: the appeal-outcome letter's templates "
            "never read 'panel'",
        ),
        (
            None,
            None,
            "policy.letter_kinds[0].template: no file appeal-outcome.html.j2 in",
        ),
    ],
)
def test_check_names_every_mistake_in_a_schools_letters(
    tmp_path: Path, template: str | None, policy_change: str | None, expected: str
) -> None:
    checked = run("check", cwd=tmp_path, config=school(tmp_path, template))
    assert checked.returncode == 1
    lines = [line.strip() for line in checked.stderr.splitlines()[1:]]
    assert len(lines) == 1 and lines[0].startswith(expected), checked.stderr
    assert not re.search("Traceback", checked.stderr)
