"""Five real OS accounts share one school: each does what the policy lets them and no more,
restricted records stay with the roles named, and each person is told what concerns them
through a real SMTP server, at most once, across a daemon restart too.

Runs as root (CI does): the accounts and the group are made with useradd/groupadd.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from casework.clock import Clock
from casework.config import load_config
from casework.outbox import LetterMove
from casework.policy import preset_text
from casework.staff import Actor, Role, StaffMember
from conduct.cli import main
from mailer.daemon import DAEMON_ACTOR, Daemon
from mailer.staff_notify import staff_pass
from store.casebook import Casebook
from store.outbox import Outbox
from store.staff import StaffBook
from tests.support.accounts import Accounts, need_root, run_as, staff_accounts
from tests.support.clock import FIXED
from tests.support.mailfixtures import message, school_config, unique_folder
from tests.support.mailservers.dovecot import Dovecot
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.school import SCHOOL

ROLES = ("head", "deputy", "office", "chair", "dsl")
EMAIL = {label: f"{label}@stockham.sch.uk" for label in ROLES}


@pytest.fixture
def accounts() -> Iterator[Accounts]:
    """The school's five staff accounts in one group, and an outsider in none."""
    need_root()
    with staff_accounts(ROLES) as made:
        yield made


@pytest.fixture
def school_dir() -> Iterator[Path]:
    """A directory other accounts can reach (pytest's own tmp is root's alone)."""
    top = Path(tempfile.mkdtemp(prefix="conduct-staff-", dir="/tmp"))
    top.chmod(0o755)
    (top / "out").mkdir(mode=0o1777)
    (top / "out").chmod(0o1777)
    yield top
    shutil.rmtree(top, ignore_errors=True)


def _policy() -> str:
    """warning-first, with the Chair told of a meeting-chair step and the DSL of a police referral."""
    text = preset_text("warning-first")
    text = text.replace('letter_options = { meeting_with = "chair" }\n', 'letter_options = { meeting_with = "chair" }\nnotify = ["chair"]\n')
    text = re.sub(r'(id = "referral-authorities"\n[^\[]*?referral = "police"\n)', r'\1notify = ["dsl"]\n', text)
    assert text.count("notify = ") == 2
    return text


def _set_up(top: Path, acc: Accounts, smtp: RecordingSmtp, env: str) -> Path:
    school = top / "school"
    code = main(
        ["init", str(school), "--preset", "warning-first", "--school", "Stockham Primary School",
         "--group", acc.group, "--head", acc["head"], "--head-name", "Mrs Helen Head",
         "--head-email", EMAIL["head"]]
    )
    assert code == 0
    config = school / "config.toml"
    settings = smtp.smtp_settings(env)
    # The school's own settings replace the reference file init wrote (its mode and group kept).
    text = SCHOOL + "\n" + _policy() + f"""
[mail.imap]
host = "127.0.0.1"
port = 1
security = "plain"
user = "office"
password_env = "{env}"
[mail.smtp]
host = "127.0.0.1"
port = {settings.port}
security = "plain"
user = "{settings.user}"
password_env = "{env}"
from_address = "office@stockham.sch.uk"
"""
    config.write_text(text)
    load_config(config)  # the test's own edit is valid
    return config


def _messages(smtp: RecordingSmtp) -> list[tuple[tuple[str, ...], str, str]]:
    found = []
    for m in smtp.messages:
        parsed = email.message_from_bytes(m.data, policy=email.policy.default)
        assert not any(part.get_filename() for part in parsed.walk()), "no attachment, ever"
        found.append((tuple(sorted(m.rcpt_tos)), str(parsed["Subject"]), parsed.get_content()))
    return found


def test_each_account_may_do_what_its_role_allows_and_is_told_what_concerns_it(
    accounts: Accounts, school_dir: Path, smtp_server: RecordingSmtp, smtp_password_env: str
) -> None:
    acc = accounts
    config = _set_up(school_dir, acc, smtp_server, smtp_password_env)
    data = config.parent / "data"

    # A group install: setgid folders of the group, files 0660, nothing for the world.
    assert data.stat().st_mode & stat.S_ISGID and data.stat().st_gid == _gid(acc.group)
    for path in [data, *data.rglob("*")]:
        assert path.stat().st_mode & 0o007 == 0, path
    assert stat.S_IMODE((data / "meta.json").stat().st_mode) == 0o660

    head, office = acc["head"], acc["office"]
    # Only the headteacher manages staff.
    refused = run_as(office, config, "staff", "add", office, "--name", "O", "--email", EMAIL["office"], "--role", "headteacher")
    assert refused.code == 1 and "only the headteacher manages staff" in refused.err
    for label, role, name in [
        ("deputy", "deputy", "Mr Dan Deputy"),
        ("office", "office", "Olive Office"),
        ("chair", "chair", "Mr Colin Chair"),
        ("dsl", "dsl", "Ms Dee Safeguarding"),
    ]:
        added = run_as(head, config, "staff", "add", acc[label], "--name", name, "--email", EMAIL[label], "--role", role)
        assert added.code == 0, added.err
    listed = run_as(office, config, "staff", "list")
    assert f"You are {office} (office)." in listed.out
    # Someone outside the group cannot even read the store; files made by staff stay shared.
    outsider = run_as(acc["outsider"], config, "case", "list")
    assert outsider.code == 1 and "ermission denied" in outsider.err

    # No configuration makes the office someone else: a copy naming the head is refused.
    mine = school_dir / "out" / "mine.toml"
    mine.write_text(config.read_text() + f'\n[operator]\nname = "{head}"\nrole = "headteacher"\n')
    mine.chmod(0o644)
    posing = run_as(office, mine, "staff", "list")
    assert posing.code == 1 and "operator: no longer used" in posing.err

    # The office opens a case and takes the ordinary steps; the actor is the office's account.
    opened = run_as(office, config, "case", "open", "--name", "Pat Parent", "--email", "pat@example.org",
                    "--behaviour", "swearing", "--summary", "Swore at the gate", "--json")
    assert opened.code == 0, opened.err
    ref = json.loads(opened.out)["ref"]
    assert run_as(office, config, "case", "step", ref, "warning").code == 0
    # ... but cannot decide a ban; the head can.
    ban = ("case", "step", ref, "ban-intent", "--set", "reasons=Repeated swearing at staff",
           "--set", "representations_deadline=2026-03-16")
    denied = run_as(office, config, *ban)
    assert denied.code == 1
    assert "only the deputy or the headteacher may take the step" in denied.err
    assert run_as(head, config, *ban).code == 0
    events = json.loads(run_as(office, config, "case", "show", ref, "--json").out)["events"]
    actors = {(e["type"], e["actor"]) for e in events}
    assert ("case-opened", office) in actors and ("ban-imposed", head) in actors
    for path in data.rglob("*"):
        assert path.stat().st_mode & 0o007 == 0 and path.stat().st_gid == _gid(acc.group), path

    # A letter the office prepares waits for the head or the deputy; the office cannot approve it.
    # (Drafted in this process as the office: the PDF's rendering is not what is tested here.)
    letter_id = _draft(config, office, ref, "warning")
    assert run_as(office, config, "letter", "submit", ref, letter_id).code == 0
    not_office = run_as(office, config, "letter", "approve", ref, letter_id)
    assert not_office.code == 1 and "only the deputy or the headteacher may" in not_office.err

    # Criminal-offence data: a threat is restricted; the office sees only that it exists.
    threat = run_as(office, config, "case", "open", "--name", "Sam Sender", "--behaviour", "threats",
                    "--summary", "Threatened a teacher", "--json")
    secret = json.loads(threat.out)["ref"]
    hidden = run_as(office, config, "case", "show", secret)
    assert hidden.code == 0 and "restricted record" in hidden.out and "Threatened" not in hidden.out
    assert "Mrs Helen Head (headteacher)" in hidden.out and "Ms Dee Safeguarding (dsl)" in hidden.out
    assert "Sam Sender" not in run_as(office, config, "case", "list").out
    seen = run_as(acc["dsl"], config, "case", "show", secret)
    assert "Threatened a teacher" in seen.out
    audit = (data / "audit.jsonl").read_text()
    assert f"{secret} restricted-viewed by {acc['dsl']} (case show)" in audit
    assert f"restricted-viewed by {office}" not in audit
    # The head refers it to the police (the DSL is told) and moves the first case to the Chair.
    assert run_as(head, config, "case", "step", secret, "referral-authorities", "--reason", "A threat").code == 0

    # The daemon (as a restart would find it: a new casebook each time) tells each person.
    now = [FIXED]
    clock = Clock(lambda: now[0])
    daemon_book = Casebook(load_config(config), clock=clock, actor=DAEMON_ACTOR)
    told = staff_pass(daemon_book, daemon_book.config)
    assert told.errors == [], told.errors
    got = _messages(smtp_server)
    to = {recipients: subject for recipients, subject, _ in got}
    assert to[(EMAIL["dsl"],)].startswith(f"[{secret}]")
    assert to[tuple(sorted((EMAIL["deputy"], EMAIL["head"])))] == "1 letter(s) waiting for your approval"
    digest = [body for r, s, body in got if s.startswith("Conduct Desk daily digest")]
    assert len(digest) == 1 and tuple(sorted((EMAIL["head"], EMAIL["office"]))) in to
    assert f"{ref}: ban {ref}-B1 representations by" in digest[0]
    assert f"{ref}: warning letter, waiting since" in digest[0] and "Audit chain" in digest[0]
    assert "Pat Parent" not in digest[0] and "Sam Sender" not in digest[0]

    # At most once, after a restart too; a second letter within ten minutes waits its turn.
    assert staff_pass(Casebook(load_config(config), clock=clock, actor=DAEMON_ACTOR), daemon_book.config).errors == []
    assert len(smtp_server.messages) == len(got)
    assert run_as(head, config, "case", "step", ref, "meeting-chair", "--reason", "Chair meeting").code == 0
    second_id = _draft(config, office, ref, "ban-intent")
    assert run_as(office, config, "letter", "submit", ref, second_id).code == 0
    now[0] = FIXED + timedelta(minutes=5)
    staff_pass(Casebook(load_config(config), clock=clock, actor=DAEMON_ACTOR), daemon_book.config)
    chair_told = [s for r, s, _ in _messages(smtp_server) if r == (EMAIL["chair"],)]
    assert len(chair_told) == 1 and chair_told[0].startswith(f"[{ref}]")
    assert sum(1 for r, s, _ in _messages(smtp_server) if "approval" in s) == 1
    now[0] = FIXED + timedelta(minutes=11)
    staff_pass(Casebook(load_config(config), clock=clock, actor=DAEMON_ACTOR), daemon_book.config)
    reminders = [b for r, s, b in _messages(smtp_server) if "approval" in s]
    assert len(reminders) == 2 and "ban-intent letter" in reminders[1]
    # The digest went once today, whatever the passes since.
    assert sum(1 for r, s, _ in _messages(smtp_server) if s.startswith("Conduct Desk daily")) == 1


def _draft(config: Path, account: str, ref: str, kind: str) -> str:
    book = Casebook(load_config(config), actor=Actor(account, Role.OFFICE))
    return Outbox(book).add_draft(ref, kind, b"%PDF-1.4 stand-in").id


def _gid(group: str) -> int:
    import grp

    return grp.getgrnam(group).gr_gid


def test_a_single_user_install_still_works_with_its_user_as_head(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "s"), "--preset", "warning-first"]) == 0
    config = tmp_path / "s" / "config.toml"
    assert main(["--config", str(config), "case", "open", "--name", "Pat", "--behaviour", "swearing",
                 "--summary", "x"]) == 0
    assert main(["--config", str(config), "case", "step", "C-2026-0001", "ban-intent", "--set", "reasons=r"]) == 0
    assert stat.S_IMODE((tmp_path / "s" / "data" / "meta.json").stat().st_mode) == 0o600


def test_the_daemon_tells_staff_once_across_a_restart(
    tmp_path: Path, dovecot: Dovecot, smtp_server: RecordingSmtp, imap_password_env: str, smtp_password_env: str
) -> None:
    folder = unique_folder()
    dovecot.deliver(message("Lunch menu"), folder=folder)  # the watched folder exists
    imap = dovecot.imap_settings(imap_password_env, folder=folder)
    config = school_config(tmp_path, imap, smtp_server.smtp_settings(smtp_password_env))
    head = Casebook(config, actor=Actor("hhead", Role.HEADTEACHER))
    staff = StaffBook(head.store, head.actor)
    staff.add(StaffMember("hhead", "Mrs Helen Head", EMAIL["head"], Role.HEADTEACHER))
    staff.add(StaffMember("ooffice", "Olive Office", EMAIL["office"], Role.OFFICE))
    office = Casebook(config, actor=Actor("ooffice", Role.OFFICE))
    case = office.open_case(name="Pat Parent", behaviours=["swearing"], summary="Swore")
    outbox = Outbox(office)
    letter = outbox.add_draft(case.ref, "warning", b"%PDF-1.4 stand-in")
    outbox.move(case.ref, letter.id, LetterMove.SUBMIT)

    # Two runs of the real daemon, each a new process's worth of state: told once.
    for _ in range(2):
        assert Daemon(config).run(once=True) == 0
    got = _messages(smtp_server)
    assert sorted(s for _, s, _ in got) == [
        "1 letter(s) waiting for your approval",
        "Conduct Desk daily digest, Tuesday 10 March 2026",
    ]
    assert {r for r, s, _ in got if "approval" in s} == {(EMAIL["head"],)}
    assert {r for r, s, _ in got if "digest" in s} == {tuple(sorted((EMAIL["head"], EMAIL["office"])))}
