"""People from the command line: added, shown, edited (and recorded), identified, imported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from casework.config import load_config
from store.casebook import Casebook
from tests.support.cli import conduct, draft_information_request, open_case, show
from tests.support.clock import FIXED_CLOCK
from tests.support.school import write_config

MIS = Path(__file__).resolve().parents[1] / "data" / "mis"


def test_a_person_is_added_with_every_detail_and_shown(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    pid = conduct(
        cfg,
        "person",
        "add",
        "--name",
        "Jane Smith",
        "--email",
        "jane@example.org",
        "--email",
        "jane.work@example.com",
        "--phone",
        "07700 900001",
        "--phone",
        "01234 500001",
        "--address",
        "12 Acacia Avenue",
        "--address",
        "Stockham",
        "--address",
        "OX1 2AB",
        "--channel",
        "post",
        "--language",
        "cy",
        "--large-print",
        "--child",
        "Amy Smith; Year 3 (Kestrels); yes",
        "--child",
        "Ben Smith; Reception",
        "--relationship",
        "Mother",
        "--signed-code",
        "2025-09-04",
        "--mis-id",
        "C1001",
    ).stdout.strip()
    assert pid == "p-jane-smith"
    data = json.loads(conduct(cfg, "person", "show", pid, "--json").stdout)["person"]
    assert data["emails"] == ["jane@example.org", "jane.work@example.com"]
    assert data["phones"] == ["07700 900001", "01234 500001"]
    assert data["address"] == ["12 Acacia Avenue", "Stockham", "OX1 2AB"]
    assert (data["channel"], data["language"], data["format_needs"]) == (
        "post",
        "cy",
        ["large-print"],
    )
    assert [
        (c["name"], c["class_name"], c["parental_responsibility"]) for c in data["children"]
    ] == [
        ("Amy Smith", "Year 3 (Kestrels)", True),
        ("Ben Smith", "Reception", True),
    ]
    assert (data["signed_code_on"], data["mis_id"], data["relationship"]) == (
        "2025-09-04",
        "C1001",
        "Mother",
    )
    text = conduct(cfg, "person", "show", pid).stdout
    assert "large print" in text and "signed code:  2025-09-04" in text
    assert "p-jane-smith" in conduct(cfg, "person", "list", "amy").stdout


def test_bad_details_are_refused_naming_the_field(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    bad = conduct(cfg, "person", "add", "--name", "X", "--email", "not-an-address", ok=False)
    assert bad.returncode == 1 and "emails: 'not-an-address' is not an email address" in bad.stderr
    bad = conduct(cfg, "person", "add", "--name", "X", "--signed-code", "4/9/2025", ok=False)
    assert "signed_code_on: expected a date YYYY-MM-DD" in bad.stderr
    bad = conduct(cfg, "person", "add", "--name", "X", "--child", "Amy; Y3; maybe", ok=False)
    assert "expected yes or no, got 'maybe'" in bad.stderr


def test_an_edit_is_recorded_on_the_persons_cases_and_the_other_parent_is_known(
    tmp_path: Path,
) -> None:
    cfg = write_config(tmp_path, "warning-first")
    ref = open_case(cfg, "swearing")  # Pat Parent, pat@example.org
    person = show(cfg, ref)["people"][0]["id"]
    out = conduct(
        cfg,
        "person",
        "edit",
        person,
        "--address",
        "1 New Street",
        "--address",
        "Stockham",
        "--child",
        "Kim Parent; Year 2",
    ).stdout
    assert "address: (none) -> 1 New Street; Stockham" in out
    events = [e for e in show(cfg, ref)["events"] if e["type"] == "person-updated"]
    assert len(events) == 1
    changed = {c["field"]: (c["before"], c["after"]) for c in events[0]["data"]["changes"]}
    assert changed["address"] == ("", "1 New Street; Stockham")
    other = conduct(
        cfg, "person", "add", "--name", "Robin Parent", "--child", "Kim Parent; Year 2; yes"
    ).stdout.strip()
    shown = conduct(cfg, "person", "show", person).stdout
    assert f"also responsible for Kim Parent: Robin Parent ({other})" in shown
    assert "Details of Pat Parent changed: address, children" in shown
    # The change is in the tamper-evident audit log too.
    audit = (tmp_path / "data" / "audit.jsonl").read_text()
    assert f"person {person} changed: address, children" in audit


def test_a_case_about_someone_unknown_drafts_no_letter_until_identified(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    book = Casebook(load_config(cfg), clock=FIXED_CLOCK)
    case = book.open_case(name=None, behaviours=["swearing"], summary="Forwarded by a TA")
    refused = conduct(
        cfg,
        "letter",
        "render",
        case.ref,
        "information-request",
        "--out",
        str(tmp_path / "x.pdf"),
        ok=False,
    )
    assert refused.returncode == 1
    assert "someone still to be identified" in refused.stderr
    assert not (tmp_path / "x.pdf").exists()
    pid = conduct(
        cfg,
        "person",
        "add",
        "--name",
        "Chris Doyle",
        "--email",
        "chris@example.org",
        "--address",
        "31 Station Road",
        "--address",
        "Exampleton",
    ).stdout.strip()
    assert conduct(cfg, "case", "identify", case.ref, pid).stdout.strip().endswith("Chris Doyle")
    subjects = show(cfg, case.ref)["case"]["subjects"]
    assert subjects == [{"person_id": pid, "name": "Chris Doyle"}]
    draft_information_request(cfg, case.ref, tmp_path / "x.pdf")


def test_a_letter_for_the_post_needs_an_address_before_it_is_queued(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    ref = open_case(cfg, "swearing")
    conduct(cfg, "person", "edit", show(cfg, ref)["people"][0]["id"], "--channel", "post")
    letter_id = draft_information_request(cfg, ref, tmp_path / "a.pdf")
    refused = conduct(cfg, "letter", "queue", ref, letter_id, ok=False)
    assert refused.returncode == 1
    assert "goes by post and has no postal address" in refused.stderr


def test_an_mis_export_adds_then_updates_by_mis_id_and_deletes_nothing(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    kept = conduct(cfg, "person", "add", "--name", "Not In The Export").stdout.strip()
    first = conduct(cfg, "person", "import", "--csv", str(MIS / "sims-contacts.csv")).stdout
    assert first.startswith("sims export: 3 added, 0 updated, 0 unchanged, 0 left out")
    people = {p["mis_id"]: p for p in json.loads(conduct(cfg, "person", "list", "--json").stdout)}
    jane = people["C1001"]
    assert jane["name"] == "Mrs Jane Smith" and jane["emails"] == ["jane.smith@example.org"]
    assert jane["phones"] == ["07700 900001", "01234 500001"]
    assert jane["address"] == ["12 Acacia Avenue", "Stockham", "OX1 2AB"]
    assert [(c["name"], c["class_name"], c["mis_id"]) for c in jane["children"]] == [
        ("Amy Smith", "Year 3 (Kestrels)", "S2001"),
        ("Ben Smith", "Reception", "S2002"),
    ]
    assert people["C1003"]["children"][0]["parental_responsibility"] is False
    # Both parents hold parental responsibility for Amy; her grandmother does not.
    shown = conduct(cfg, "person", "show", jane["id"]).stdout
    assert f"also responsible for Amy Smith: Mr Tom Smith ({people['C1002']['id']})" in shown
    assert "Mrs Rose Green" not in shown
    # The office adds a detail the MIS does not hold; the next export changes an address.
    conduct(cfg, "person", "edit", jane["id"], "--large-print")
    changed = tmp_path / "again.csv"
    changed.write_text((MIS / "sims-contacts.csv").read_text().replace("4,Mill Road", "9,New Road"))
    dry = conduct(cfg, "person", "import", "--csv", str(changed), "--dry-run").stdout
    assert "1 would be updated" in dry and "dry run: nothing changed" in dry
    again = conduct(cfg, "person", "import", "--csv", str(changed)).stdout
    assert again.startswith("sims export: 0 added, 1 updated, 2 unchanged, 0 left out")
    assert "address: 4 Mill Road; Stockham; OX1 3CD -> 9 New Road; Stockham; OX1 3CD" in again
    after = {
        p["mis_id"] or p["id"]: p
        for p in json.loads(conduct(cfg, "person", "list", "--json").stdout)
    }
    assert after["C1001"]["format_needs"] == ["large-print"], "the office's own detail is kept"
    assert kept in after, "nobody is deleted by an import"


def test_arbor_bromcom_and_a_mapped_export_are_read(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    arbor = conduct(cfg, "person", "import", "--csv", str(MIS / "arbor-guardians.csv")).stdout
    assert arbor.startswith("arbor export: 1 added")
    bromcom = conduct(cfg, "person", "import", "--csv", str(MIS / "bromcom-contacts.csv")).stdout
    assert bromcom.startswith("bromcom export: 1 added")
    unknown = conduct(cfg, "person", "import", "--csv", str(MIS / "other-export.csv"), ok=False)
    assert "no column for the contact's MIS id (contact_id)" in unknown.stderr
    mapping = shutil.copy(MIS / "other-mapping.toml", tmp_path / "m.toml")
    mapped = conduct(
        cfg, "person", "import", "--csv", str(MIS / "other-export.csv"), "--mapping", str(mapping)
    ).stdout
    assert mapped.startswith("mapping export: 1 added")
    people = {p["name"]: p for p in json.loads(conduct(cfg, "person", "list", "--json").stdout)}
    assert people["Priya Patel"]["address"] == ["3 Station Road", "Stockham", "OX2 1AA"]
    assert people["Mr Owen Jones"]["children"][0]["class_name"] == "Year 5"
    assert people["Alex Reed"]["children"][0]["name"] == "Sam Reed"
