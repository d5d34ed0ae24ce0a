"""The store's files: which exist, the shape each must have, and the digest the audit log keeps.

Every store file is TinyDB JSON: an object of tables, each an object of records keyed by a
numeric id. A file that is empty, not JSON, or JSON of another shape has been damaged: the
store says which file and never reads it as "no records".
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from store.files import dump_json, sha256_hex

META = "meta.json"
JOURNAL = "journal.json"
AUDIT = "audit.jsonl"
# meta.json's table that records the audit chain's length and head. It is rewritten by every
# commit and is left out of meta.json's own digest (the digest goes into the entry it names).
CHAIN = "chain"
SHARD_DIRS = ("cases", "events", "people", "letters", "mail", "sar")

_STR, _INT, _LIST = (str,), (int,), (list,)
# What each table's records must hold for the store to read them (the keys it reads raw).
REQUIRED: Mapping[str, Mapping[str, tuple[type, ...]]] = {
    "meta": {"schema": _INT},
    "counters": {"name": _STR, "value": _INT},
    CHAIN: {"seq": _INT, "head": _STR},
    "cases": {
        "ref": _STR,
        "status": _STR,
        "step": _STR,
        "summary": _STR,
        "subjects": _LIST,
        "behaviours": _LIST,
        "incidents": _LIST,
        "last_activity": _STR,
    },
    "events": {"id": _STR, "case_ref": _STR, "type": _STR, "at": _STR, "summary": _STR},
    "people": {"id": _STR, "name": _STR, "emails": _LIST},
    "letters": {"id": _STR, "case_ref": _STR, "status": _STR},
    "requests": {"id": _STR, "person_id": _STR, "received_on": _STR},
    "messages": {
        "sha256": _STR,
        "folder": _STR,
        "uidvalidity": _INT,
        "uid": _INT,
        "outcome": _STR,
    },
}
# The table each kind of file must hold (meta.json may also hold "counters" and the chain).
TABLES: Mapping[str, str] = {
    META: "meta",
    "cases": "cases",
    "events": "events",
    "people": "people",
    "letters": "letters",
    "mail": "messages",
    "sar": "requests",
}


class Damaged(Exception):
    """A store file that cannot be read as what it should be; the message says why."""


def install_group(root: Path) -> str | None:
    """The group sharing this data directory, as meta.json records it; None for a private one.

    A new data directory whose folder is setgid (``conduct init --group`` made it so) is a
    group install from its first file, before meta.json can say so.
    """
    try:
        raw = (root / META).read_bytes()
    except FileNotFoundError:
        try:
            return root.group() if root.stat().st_mode & stat.S_ISGID else None
        except (FileNotFoundError, KeyError):
            return None
    try:
        doc = json.loads(raw).get("meta", {}).get("1", {})
    except (ValueError, AttributeError, UnicodeDecodeError):
        return None  # a damaged meta.json is reported by the store itself
    group = doc.get("group") if isinstance(doc, dict) else None
    return str(group) if group else None


def kind_of(rel: str) -> str:
    """meta.json, or the directory of a shard ("cases", "events", ...)."""
    return rel if rel == META else rel.partition("/")[0]


def parse(rel: str, raw: bytes) -> dict[str, Any]:
    """A store file's tables from its bytes; Damaged if it is empty, not JSON or mis-shaped."""
    if not raw.strip():
        raise Damaged("it is empty" if not raw else "it holds only whitespace")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Damaged(f"it is not valid JSON ({exc})") from None
    problem = shape_problem(rel, data)
    if problem:
        raise Damaged(problem)
    assert isinstance(data, dict)
    return data


def shape_problem(rel: str, data: Any) -> str | None:
    """Why ``data`` is not what the file ``rel`` must hold, or None when it is."""
    if not isinstance(data, dict):
        return f"it holds a JSON {type(data).__name__}, not the object of tables a store file holds"
    required = {TABLES[kind_of(rel)]} if kind_of(rel) in TABLES else set()
    missing = sorted(required - data.keys())
    if missing:
        return f"it has no {missing[0]!r} table"
    # Tables it does not know are left alone (a newer Conduct Desk may add some: the schema
    # check then says to upgrade); they must still be tables.
    for table, docs in data.items():
        if not isinstance(docs, dict):
            return f"its {table!r} table is a JSON {type(docs).__name__}, not an object of records"
        if not _records_sound(table, docs):
            problem = _record_problem(table, docs)
            if problem:
                return problem
    return None


def _records_sound(table: str, docs: dict[str, Any]) -> bool:
    """Whether every record of a table has a numeric id and its fields: a quick yes for the
    whole table (a case shard is read on every listing); no says only "look closer"."""
    if not all(map(str.isdigit, docs)):
        return False
    if table not in REQUIRED:
        return set(map(type, docs.values())) <= {dict}
    if len(docs) < _GENERATE_FROM:
        return _record_problem(table, docs) is None
    try:
        # A record that lacks a field raises KeyError; one that is not an object, TypeError.
        return _sound_records(table)(docs.values())
    except (KeyError, TypeError):
        return False


# A table this small is checked record by record: generating its test costs more than that.
_GENERATE_FROM = 32


@cache
def _sound_records(table: str) -> Callable[[Iterable[Any]], bool]:
    """A function checking every record of ``table``, generated once per table (as
    casework/serial.py generates its readers): one line of tests per record, no loop over
    the fields, so checking 1,000 cases costs half what a loop does.

    A file parsed from JSON holds only dict, list, str, int, float, bool and None, so the
    exact type is what _record_problem's isinstance() asks, bool (an int subclass) refused
    alike.
    """
    names: dict[str, Any] = {}
    tests = []
    for n, (key, types) in enumerate(REQUIRED[table].items()):
        (names[f"t{n}"],) = types  # one type per field, or this test would not say the same
        tests.append(f"type(d[{key!r}]) is t{n}")
    source = (
        "def sound(docs):\n"
        "    for d in docs:\n"
        f"        if not ({' and '.join(tests)}):\n"
        "            return False\n"
        "    return True\n"
    )
    exec(source, names)  # our own text, made of REQUIRED's keys
    sound: Callable[[Iterable[Any]], bool] = names["sound"]
    return sound


def _record_problem(table: str, docs: dict[str, Any]) -> str | None:
    """The first record of a table that is not sound, and what it lacks (record by record)."""
    needs = REQUIRED.get(table, {})
    for doc_id, doc in docs.items():
        if not doc_id.isdigit() or not isinstance(doc, dict):
            return f"record {doc_id!r} of its {table!r} table is not a record"
        for key, types in needs.items():
            value = doc.get(key)
            if not isinstance(value, types) or isinstance(value, bool):
                return f"record {doc_id} of its {table!r} table has no valid {key!r}"
    return None


def digest(rel: str, raw: bytes, data: Mapping[str, Any] | None = None) -> str:
    """The SHA-256 the audit log records for a file's content (meta.json without its chain)."""
    if rel == META:
        if data is None:
            try:
                data = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                return sha256_hex(raw)
        if isinstance(data, dict):
            return meta_digest(data)
    return sha256_hex(raw)


def meta_digest(data: Mapping[str, Any]) -> str:
    """meta.json's digest: its content apart from the chain record that names the digest."""
    return sha256_hex(dump_json({k: v for k, v in data.items() if k != CHAIN}))


def store_files(root: Path) -> list[str]:
    """Every store file present, as paths relative to the data directory, sorted."""
    found = [META] if (root / META).exists() else []
    for sub in SHARD_DIRS:
        try:
            with os.scandir(root / sub) as entries:
                found += [f"{sub}/{e.name}" for e in entries if e.name.endswith(".json")]
        except FileNotFoundError:
            continue
    return sorted(found)


def holds_data(root: Path) -> bool:
    """Whether the data directory has anything in it apart from meta.json."""
    audit = root / AUDIT
    if audit.exists() and audit.stat().st_size > 0:
        return True
    return any(rel != META for rel in store_files(root))
