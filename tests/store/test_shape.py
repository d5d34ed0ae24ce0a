"""The shape every store file must have: each record the store reads raw holds its fields.

A record missing a field, or holding it as the wrong JSON type, is damage to its file, named
with the record and the field, however many good records come before it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from casework.config import Config
from store.casebook import Casebook
from store.db import Store, StoreError
from store.layout import META, REQUIRED, TABLES, kind_of, parse, shape_problem
from store.records import case_shard

# A value of each JSON type, and one that no field of a store record may hold.
SAMPLE: dict[type, Any] = {str: "x", int: 7, list: []}
WRONG: dict[type, list[Any]] = {
    str: [7, None, [], {}, True],
    int: ["7", 7.0, True, False, None, []],
    list: ["x", {}, 7, None],
}
# The file each table lives in; tables meta.json holds beside "meta" go there.
FILE_OF = {table: kind if kind == META else f"{kind}/00.json" for kind, table in TABLES.items()}


def _record(table: str) -> dict[str, Any]:
    return {key: SAMPLE[types[0]] for key, types in REQUIRED[table].items()}


def _file(table: str, records: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A file holding ``records`` in ``table`` (and the table its kind of file must have)."""
    rel = FILE_OF.get(table, META if table in REQUIRED else "cases/00.json")
    main = TABLES[kind_of(rel)]
    return rel, {main: {}, table: records} if main != table else {table: records}


# A small table and a large one: the store checks them in different ways (layout.py).
SIZES = [1, 5, 299]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("table", sorted(REQUIRED))
def test_good_records_pass_however_many(table: str, size: int) -> None:
    rel, data = _file(table, {str(n): _record(table) | {"more": n} for n in range(1, size + 1)})
    assert shape_problem(rel, data) is None


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("table", "key"), [(t, k) for t in sorted(REQUIRED) for k in REQUIRED[t]])
def test_a_missing_or_mistyped_field_is_named_after_good_records(
    table: str, key: str, size: int
) -> None:
    types = REQUIRED[table][key]
    records = {str(n): _record(table) for n in range(1, size)}
    bad = _record(table)
    del bad[key]
    rel, data = _file(table, records | {str(size): bad})
    assert shape_problem(rel, data) == f"record {size} of its {table!r} table has no valid {key!r}"
    for value in WRONG[types[0]]:
        bad = _record(table) | {key: value}
        rel, data = _file(table, records | {str(size): bad})
        assert shape_problem(rel, data) == (
            f"record {size} of its {table!r} table has no valid {key!r}"
        ), value


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("table", [*sorted(REQUIRED), "unknown_table"])
def test_a_record_that_is_not_one_is_named(table: str, size: int) -> None:
    good = {str(n): (_record(table) if table in REQUIRED else {}) for n in range(1, size)}
    for doc_id, doc in [("x", {}), ("0", []), ("0", "text"), ("0", None), ("", {}), ("-1", {})]:
        if table in REQUIRED and isinstance(doc, dict):
            doc = _record(table)
        rel, data = _file(table, good | {doc_id: doc})
        assert shape_problem(rel, data) == (
            f"record {doc_id!r} of its {table!r} table is not a record"
        ), (doc_id, doc)


def test_the_first_problem_in_file_order_is_the_one_named() -> None:
    first, second = _record("cases"), _record("cases")
    del first["status"]
    second["ref"] = 1
    rel, data = _file("cases", {"1": _record("cases"), "7": first, "3": second})
    assert shape_problem(rel, data) == "record 7 of its 'cases' table has no valid 'status'"


def test_a_file_that_is_not_an_object_of_tables_is_named() -> None:
    assert shape_problem("cases/00.json", []) == (
        "it holds a JSON list, not the object of tables a store file holds"
    )
    assert shape_problem("cases/00.json", {"people": {}}) == "it has no 'cases' table"
    assert shape_problem("cases/00.json", {"cases": {}, "other": [1]}) == (
        "its 'other' table is a JSON list, not an object of records"
    )
    # Tables a newer Conduct Desk may add are left alone, as long as they are tables.
    assert shape_problem("cases/00.json", {"cases": {}, "other": {"1": {"a": 1}}}) is None


def test_parse_refuses_a_misshaped_record_among_good_ones() -> None:
    records = {str(n): _record("events") for n in range(1, 10)}
    records["5"]["at"] = None
    raw = json.dumps({"events": records}).encode()
    with pytest.raises(Exception, match="record 5 of its 'events' table has no valid 'at'"):
        parse("events/C-2026-0001.json", raw)


def _cases_file(config: Config, ref: str) -> Path:
    return config.store.data_dir / case_shard(ref)


def test_a_case_shard_damaged_after_it_was_read_is_refused(make_config: Any) -> None:
    # A process keeps the shards it read; a file changed under it is read again and checked.
    config: Config = make_config()
    book = Casebook(config)
    case = book.open_case(name="Pat", behaviours=["swearing"], summary="x")
    assert [c.ref for c in book.cases()] == [case.ref]
    path = _cases_file(config, case.ref)
    data = json.loads(path.read_bytes())
    (doc,) = data["cases"].values()
    doc["subjects"] = "Pat"
    path.write_text(json.dumps(data))
    with pytest.raises(StoreError) as caught:
        book.cases()
    assert str(path) in str(caught.value)
    assert "has no valid 'subjects'" in str(caught.value)
    # Nor does a write go over it.
    with pytest.raises(StoreError):
        book.note(case.ref, "after the damage")


def test_a_fresh_store_refuses_a_damaged_meta_record(make_config: Any) -> None:
    config: Config = make_config()
    Casebook(config)
    path = config.store.data_dir / "meta.json"
    data = json.loads(path.read_bytes())
    data["meta"]["1"]["schema"] = "4"
    path.write_text(json.dumps(data))
    with pytest.raises(StoreError, match="has no valid 'schema'"):
        Store(config.store.data_dir)
