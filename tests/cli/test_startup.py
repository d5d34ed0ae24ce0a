"""`conduct` loads a command's libraries only when that command runs.

In the spirit of Harlequin's test: a fresh interpreter runs the command, then lists what
it imported. Listing cases must not load Textual, WeasyPrint or the mail libraries; listing
letter kinds must not even open the store. (How long start-up takes is bench/cli_bench.py's
business; this only checks what is loaded.)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

import pytest

from casework.config import Config
from conduct.cli import COMMANDS, asks_for_help, build_parser, line_words, main
from store.casebook import Casebook

# Runs `conduct ARGS...` in this process, then prints its output and every module loaded.
PROBE = """
import contextlib, io, json, sys
from conduct.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exit:
        code = exit.code
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""

# The dashboard, the letter renderer and the mail daemon, with the libraries only they use.
UI_LETTERS_MAIL = {
    "textual",
    "rich",
    "tui",
    "weasyprint",
    "jinja2",
    "icalendar",
    "letters",
    "imapclient",
    "imaplib",
    "smtplib",
    "pymap",
    "aiosmtpd",
    "watchdog",
    "mailer",
}
STORE = {"store", "tinydb", "filelock"}
# What only writing to the store needs: TinyDB (reads look records up in the tables' dicts),
# the commit and audit-log code (unless there is an interrupted commit to finish), hashlib
# and OpenSSL (a read never works out a file's digest, but for a copy of the case list) and
# logging (the store logs only a commit's warnings). Reading a case loads none of them.
WRITING_THE_STORE = {"tinydb", "store.journal", "store.audit", "hashlib", "_hashlib", "logging"}
# What listing cases does not need: the event payload classes and the timeline, the rules for
# writing (workflow, fold, ladder), letters as records, mail settings and health.
# Each is a module of frozen dataclasses, and building those is most of start-up.
NOT_FOR_LISTING = {
    "casework.payloads",
    "casework.events",
    "casework.workflow",
    "casework.fold",
    "casework.ladder",
    "casework.outbox",
    "casework.notices",
    "casework.mailconfig",
    "casework.mailauth",
    "casework.health",
    "casework.mailrecords",
    "casework.mailthread",
}


def run_conduct(*args: str) -> dict[str, Any]:
    """Run the command in a fresh interpreter; its exit code, output and loaded packages."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    result["packages"] = {m.split(".")[0] for m in result["modules"]}
    return result


@pytest.fixture
def school(make_config: Any) -> Config:
    """A school with one case in its store."""
    config: Config = make_config("warning-first")
    Casebook(config).open_case(name="Pat Parent", behaviours=["swearing"], summary="At the gate")
    return config


def test_listing_cases_loads_no_dashboard_letters_or_mail(school: Config) -> None:
    result = run_conduct("--config", str(school.path), "case", "list", "--json")
    assert result["code"] == 0
    assert [c["summary"] for c in json.loads(result["out"])] == ["At the gate"]
    assert result["packages"] & UI_LETTERS_MAIL == set()
    assert "filelock" not in result["packages"]
    # Bank holidays load when a date is first counted in school days, not at start-up.
    assert "holidays" not in result["packages"]
    # Nor the domain modules only showing or changing a case needs (this school has no [mail]).
    assert NOT_FOR_LISTING & set(result["modules"]) == set()
    # Listing checks its copy of the rows by the shards' SHA-256 (store/case_rows.py): hashlib
    # loads, and nothing else that writing the store needs.
    assert WRITING_THE_STORE & set(result["modules"]) == {"hashlib", "_hashlib"}
    # Nor what argparse's help formatter (shutil, with bz2 and lzma) or calendar (locale)
    # would bring: conduct/parsing.py sizes help without shutil, casework/months.py counts
    # days without calendar.
    assert {"shutil", "bz2", "lzma", "calendar"} & set(result["modules"]) == set()
    # Nor inspect, which dataclasses imports only to write a missing docstring
    # (casework/__init__.py).
    assert {"inspect", "ast", "dis"} & set(result["modules"]) == set()
    # Listing goes through the case shards in turn: no key is hashed to find its shard.
    assert "zlib" not in result["modules"]


def test_showing_a_case_loads_no_dashboard_letters_or_mail(school: Config) -> None:
    ref = Casebook(school).cases()[0].ref
    result = run_conduct("--config", str(school.path), "case", "show", ref)
    assert result["code"] == 0
    assert ref in result["out"] and "At the gate" in result["out"]
    assert result["packages"] & UI_LETTERS_MAIL == set()
    # The timeline needs the payloads and the ladder, never the rules for changing a case.
    assert {"casework.payloads", "casework.ladder"} <= set(result["modules"])
    writing = {"casework.workflow", "casework.fold", "casework.recording", "casework.mailconfig"}
    assert writing & set(result["modules"]) == set()
    assert WRITING_THE_STORE & set(result["modules"]) == set()
    # This case has no letters: the letters' records and rules stay unloaded.
    assert "casework.outbox" not in result["modules"]


def test_a_case_with_letters_shows_them(school: Config) -> None:
    # The other side of loading the letters' rules only for a case that has letters.
    from store.outbox import Outbox

    book = Casebook(school)
    ref = book.cases()[0].ref
    Outbox(book).add_draft(ref, "warning", b"%PDF-1.4 a stand-in letter")
    result = run_conduct("--config", str(school.path), "case", "show", ref, "--json")
    assert result["code"] == 0
    assert [x["kind"] for x in json.loads(result["out"])["letters"]] == ["warning"]
    assert "casework.outbox" in result["modules"]


def test_writing_to_the_store_still_loads_what_it_needs(school: Config) -> None:
    # The other side: a note is committed with its audit entry, so its command loads them.
    ref = Casebook(school).cases()[0].ref
    result = run_conduct("--config", str(school.path), "case", "note", ref, "Spoke to them")
    assert result["code"] == 0
    assert {"tinydb", "store.journal", "store.audit", "hashlib"} <= set(result["modules"])
    assert Casebook(school).file(ref).events[-1].summary == "Spoke to them"


def test_monitoring_and_the_gate_list_load_no_dashboard_letters_or_mail(school: Config) -> None:
    # Monitoring runs `check --health` every few minutes: it must stay light.
    result = run_conduct("--config", str(school.path), "check", "--health")
    assert (result["code"], result["out"]) == (0, "CONDUCT OK - daemon not needed (no [mail] section)\n")
    assert result["packages"] & UI_LETTERS_MAIL == set()
    result = run_conduct("--config", str(school.path), "bans")
    assert result["code"] == 0 and "No one is barred" in result["out"]
    assert result["packages"] & UI_LETTERS_MAIL == set()


def test_listing_letter_kinds_loads_neither_the_renderer_nor_the_store() -> None:
    result = run_conduct("letter", "kinds", "--json")
    assert result["code"] == 0
    assert "ban-provisional" in json.loads(result["out"])
    assert "letters.kinds" in result["modules"]
    assert result["packages"] & (UI_LETTERS_MAIL - {"letters"} | STORE) == set()
    # Nor another command's module, nor the event types only those commands need.
    others = {"conduct.case_cmd", "conduct.admin_cmd", "conduct.daemon_cmd", "conduct.demo_cmd"}
    assert others & set(result["modules"]) == set()
    assert "casework.payloads" not in result["modules"]
    # The fields a letter is drafted with are `letter render`'s business.
    assert "casework.letter_context" not in result["modules"]


def test_the_help_of_case_record_still_lists_each_types_fields() -> None:
    # Worked out when the help is shown: listing the fields loads every payload class.
    result = run_conduct("case", "record", "--help")
    assert result["code"] == 0
    assert "statement-taken: by" in " ".join(result["out"].split())
    result = run_conduct("case", "list", "--help")
    assert "casework.payloads" not in result["modules"]


def test_help_loads_no_command_libraries() -> None:
    result = run_conduct("--help")
    assert result["code"] == 0
    assert "letter" in result["out"] and "daemon" in result["out"]
    assert result["packages"] & (UI_LETTERS_MAIL | STORE) == set()


def _leaf_parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser that runs a command, with the words that reach it."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [(path, parser)]
    found = []
    for name, child in subs[0].choices.items():
        if isinstance(child, argparse.ArgumentParser):  # not a parser the line left unbuilt
            found += _leaf_parsers(child, (*path, name))
    return found


def test_every_command_is_in_the_parser_with_help_and_a_handler(
    capsys: pytest.CaptureFixture[str],
) -> None:
    leaves = dict(_leaf_parsers(build_parser()))
    # The whole command line is there, though no command's libraries were loaded to build it.
    assert {
        ("init",),
        ("check",),
        ("audit", "verify"),
        ("policy", "show"),
        ("backup",),
        ("restore",),
        ("case", "open"),
        ("case", "list"),
        ("case", "show"),
        ("case", "step"),
        ("case", "note"),
        ("case", "record"),
        ("case", "evidence"),
        ("case", "reopen"),
        ("letter", "kinds"),
        ("letter", "render"),
        ("letter", "list"),
        ("letter", "submit"),
        ("letter", "approve"),
        ("letter", "queue"),
        ("letter", "posted"),
        ("letter", "retry"),
        ("letter", "confirm-sent"),
        ("audit", "repair"),
        ("mail", "connect", "microsoft"),
        ("mail", "connect", "google"),
        ("daemon",),
        ("quarantine", "list"),
        ("quarantine", "retry"),
        ("demo",),
        ("tui",),
    } <= set(leaves)
    for path, parser in leaves.items():
        assert callable(parser.get_default("handler")), path
        with pytest.raises(SystemExit) as exit:
            build_parser().parse_args([*path, "--help"])
        assert exit.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: conduct {' '.join(path)}")



def test_each_command_alone_gets_its_whole_part_of_the_line() -> None:
    full = _leaf_parsers(build_parser())
    assert [path[0] for path, _ in full if path[0] not in COMMANDS] == []
    for command in COMMANDS:
        alone = _leaf_parsers(build_parser(command))
        mine = [(path, p.format_help()) for path, p in alone if path[0] == command]
        assert mine == [(path, p.format_help()) for path, p in full if path[0] == command]


def test_help_is_as_wide_as_argparse_makes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from conduct.parsing import Parser, _terminal_columns

    long_help = "a help text long enough to be wrapped at any width a terminal has " * 3
    for columns in ("60", "132"):
        monkeypatch.setenv("COLUMNS", columns)
        _terminal_columns.cache_clear()
        ours, theirs = Parser(prog="x"), argparse.ArgumentParser(prog="x")
        for parser in (ours, theirs):
            parser.add_argument("--flag", help=long_help)
        assert ours.format_help() == theirs.format_help()
        assert max(len(line) for line in ours.format_help().splitlines()) <= int(columns) - 2
    _terminal_columns.cache_clear()


def test_a_line_builds_only_the_parsers_it_names() -> None:
    full = _leaf_parsers(build_parser())
    for path, whole in full:
        built = _leaf_parsers(build_parser(path[0], [*path, "REF"]))
        # One parser at each level, the one the line names, the same as in the whole line.
        assert [(p, parser.format_help()) for p, parser in built] == [(path, whole.format_help())]
        assert built[0][1].get_default("handler") is whole.get_default("handler")


@pytest.mark.parametrize("argv", [["case", "lst"], ["case"], ["mail", "connect", "yahoo"]])
def test_a_line_naming_no_action_is_refused_as_by_the_whole_parser(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        build_parser(argv[0]).parse_args(argv)
    whole = capsys.readouterr().err
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    assert capsys.readouterr().err == whole
    assert "choose from" in whole or "required" in whole


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["case", "list", "--json"], "case"),
        (["--config", "school/config.toml", "letter", "kinds"], "letter"),
        (["--config", "case", "check"], "check"),
        (["--help"], None),
        ([], None),
        (["--conf", "x.toml", "case"], "x.toml"),  # an abbreviation: the whole line is built
    ],
)
def test_the_command_word_is_found_before_parsing(argv: list[str], word: str | None) -> None:
    assert next(iter(line_words(argv)), None) == word


@pytest.mark.parametrize(
    ("argv", "asked"),
    [(["-h"], True), (["--help"], True), (["--he"], True), (["--config", "x"], False), ([], False)],
)
def test_help_is_recognised_before_parsing(argv: list[str], asked: bool) -> None:
    assert asks_for_help(argv) is asked
