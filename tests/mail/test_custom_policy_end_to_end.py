"""A third school's policy, unlike both presets, written in config.toml alone and walked end to end.

Hillside Primary tells its designated safeguarding lead and the Chair when a case starts,
calls a ban a "withdrawal of permission to enter the school site", sends appeals to the
Clerk to the Governors within 15 days, leaves collection to the parent, and has a letter of
its own: the governors' appeal outcome ("upheld" or "dismissed"), signed by the Chair who
decided it. Everything goes through the real command line, the real renderer and a real
SMTP server (aiosmtpd); the letters are checked by their extracted text.
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import re
from datetime import timedelta
from pathlib import Path

from pypdf import PdfReader

from casework.config import load_config
from casework.notices import FixedDirectory, NoticeStatus
from mailer.notices import send_due_notices
from mailer.sender import send_pending
from store.casebook import Casebook
from store.notices import NoticeBox
from store.outbox import Outbox
from tests.support.cli import conduct
from tests.support.clock import FIXED_CLOCK
from tests.support.mailservers.smtp import RecordingSmtp

POLICY = """
[policy]
id = "hillside"
name = "Hillside Primary School: behaviour of adults on the school site"
first_step = "concern"

[policy.defaults]
signed_by = "headteacher"
decided_by = "headteacher"
representations_to = "the Clerk to the Governors, at the school address"
representations_days = 15
collection_arrangements = "You have told us who will bring your children to school and collect them, and the school needs to make no arrangement of its own."

[policy.wording]
ban = "withdrawal of permission to enter the school site"
ban_short = "withdrawal of permission"
to_ban = "withdraw your permission to enter the school site"
lifted = "ended"
representations = "appeal"
make_representations = "appeal"

[policy.complaints]
route = ["Talk to your child's teacher", "Then to the headteacher", "Then write to the governors"]
url = "https://hillside.example.sch.uk/complaints"

[[policy.letter_kinds]]
id = "appeal-outcome"
label = "The governors' decision on your appeal"
subject = "Your appeal: the governors' decision"
about = "the governors' decision on your appeal"
template = "appeal-outcome.html.j2"
required = ["appeal_result", "ban"]

[[policy.behaviours]]
id = "aggression"
label = "Aggressive or threatening words or behaviour towards anyone on the school site"
route = "criminal"
[[policy.behaviours]]
id = "parking"
label = "Parking across the school gates or on the zig-zag lines"

[[policy.steps]]
id = "concern"
label = "Concern logged: the safeguarding lead and the Chair are told"
notify = ["dsl", "chair", "governors@hillside.example.sch.uk"]
next = ["withdrawal", "close"]

[[policy.steps]]
id = "withdrawal"
label = "Notice that permission to enter the site will be withdrawn"
letter = "ban-intent"
approval = true
ban = "intent"
next = ["appeal-heard", "close"]
when = { representations-received = "appeal-heard" }

[[policy.steps]]
id = "appeal-heard"
label = "Appeal heard by the Chair of Governors"
letter = "appeal-outcome"
approval = true
signed_by = "chair"
decided_by = "chair"
notify = ["headteacher"]
next = ["close"]

[[policy.steps]]
id = "close"
label = "Case closed"
closes = true
"""

APPEAL_TEMPLATE = """{% extends "base.html.j2" %}
{% block body %}
<p>The governors have heard your appeal against the {{ words.ban }} set out in our letter of
{{ ban.imposed_on | date }}. As Chair of Governors, I decided the appeal.</p>
<p>Your appeal is <strong>{{ fields.appeal_result }}</strong>.</p>
{% endblock %}
{% block closing %}<p>This decision is final under our policy.</p>{% endblock %}
"""

SCHOOL = """
[school]
name = "Hillside Primary School"
address = ["Hill Road", "Hillside", "HS1 2AB"]
phone = "01234 000111"
email = "office@hillside.example.sch.uk"
headteacher = "Mrs Helen Head"
chair_of_governors = "Mr Colin Chair"
staff_domains = ["hillside.example.sch.uk"]

[letters]
template_dir = "templates"
"""


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_a_third_schools_policy_walked_end_to_end(
    tmp_path: Path, smtp_server: RecordingSmtp, smtp_password_env: str
) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "appeal-outcome.html.j2").write_text(APPEAL_TEMPLATE)
    smtp = smtp_server.smtp_settings(smtp_password_env)
    mail = f"""
[mail.imap]
host = "127.0.0.1"
port = 1
security = "plain"
user = "office"
password_env = "{smtp_password_env}"
[mail.smtp]
host = "127.0.0.1"
port = {smtp.port}
security = "plain"
user = "{smtp.user}"
password_env = "{smtp_password_env}"
from_address = "office@hillside.example.sch.uk"
from_name = "Hillside Primary School"
"""
    cfg = tmp_path / "config.toml"
    cfg.write_text(SCHOOL + POLICY + mail, encoding="utf-8")

    checked = conduct(cfg, "check")
    assert "policy: hillside" in checked.stdout and "1 letter kinds of its own" in checked.stdout
    kinds = json.loads(conduct(cfg, "letter", "kinds", "--json").stdout)
    assert kinds["appeal-outcome"]["own"] is True

    ref = conduct(
        cfg, "case", "open", "--name", "Pat Parent", "--email", "pat@example.org",
        "--behaviour", "aggression", "--summary", "Shouted at the lollipop man",
    ).stdout.strip()

    # The first step writes no letter; it makes a notice due to the DSL, the Chair and an
    # address, which goes out as plain text naming the case and the step, and nothing else.
    config = load_config(cfg)
    book = Casebook(config, clock=FIXED_CLOCK)
    (due,) = NoticeBox(book).due()
    assert due.case_ref == ref and due.to == ("dsl", "chair", "governors@hillside.example.sch.uk")
    # Issue 13's staff register will say who holds each role; until then, a stand-in.
    staff = FixedDirectory(
        (("dsl", ("dsl@hillside.example.sch.uk",)), ("chair", ("chair@hillside.example.sch.uk",)),
         ("headteacher", ("head@hillside.example.sch.uk",)))
    )
    counts = send_due_notices(book, config, staff)
    assert (counts.sent, counts.failed, counts.waiting) == (1, 0, 0)
    (received,) = smtp_server.messages
    assert set(received.rcpt_tos) == {
        "dsl@hillside.example.sch.uk",
        "chair@hillside.example.sch.uk",
        "governors@hillside.example.sch.uk",
    }
    notice = email.message_from_bytes(received.data, policy=email.policy.default)
    assert notice["Subject"] == f"[{ref}] Conduct Desk: {due.step_label}"
    assert not notice.is_multipart()  # no attachment, no evidence
    body = notice.get_content()
    assert ref in body and due.step_label in body and "Hillside Primary School" in body
    assert "Pat Parent" not in body and "lollipop" not in body
    assert NoticeBox(book).with_status(NoticeStatus.SENT)[0].id == due.id
    assert send_due_notices(book, config, staff).sent == 0  # sent once, not again

    # The ban step: the school's words, its representations route and period, its default
    # collection text and its complaints route, in the letter as the parent reads it.
    conduct(cfg, "case", "step", ref, "withdrawal", "--set", "reasons=Threatening words to staff")
    intent_pdf = tmp_path / "intent.pdf"
    conduct(cfg, "letter", "render", ref, "ban-intent", "--out", str(intent_pdf))
    text = pdf_text(intent_pdf.read_bytes())
    today = FIXED_CLOCK.today()
    deadline = today + timedelta(days=15)
    assert "Notice of intention to withdraw your permission to enter the school site" in text
    assert "No withdrawal of permission is in place yet" in text
    assert "How to appeal" in text
    assert "Please write to the Clerk to the Governors, at the school address, Hillside" in text
    assert f"{deadline.day} {deadline:%B %Y}" in text
    assert "the school needs to make no arrangement of its own" in text
    assert not re.search(r"\bban\b", text, re.IGNORECASE)  # the school's word, everywhere
    assert "Mrs Helen Head Headteacher" in text

    # The school's own letter kind: same drafting, approval and sending path as ours.
    conduct(cfg, "case", "record", ref, "representations-received", "Pat's appeal letter")
    conduct(cfg, "case", "step", ref, "appeal-heard")
    missing = conduct(cfg, "letter", "render", ref, "appeal-outcome", "--out", "x.pdf", ok=False)
    assert missing.returncode == 1 and '"appeal_result"' in missing.stderr
    appeal_pdf = tmp_path / "appeal.pdf"
    drafted = conduct(
        cfg, "letter", "render", ref, "appeal-outcome", "--set", "appeal_result=dismissed",
        "--out", str(appeal_pdf),
    )
    assert "needs the headteacher's approval" in drafted.stdout
    text = pdf_text(appeal_pdf.read_bytes())
    assert "The governors' decision on your appeal" in text
    assert "Your appeal is dismissed." in text
    assert "withdrawal of permission to enter the school site" in text
    assert "This decision is final under our policy. Yours sincerely, Mr Colin Chair Chair of Governors" in text

    (letter,) = [x for x in book.letters(ref) if x.kind == "appeal-outcome"]
    assert letter.kind == "appeal-outcome" and letter.needs_approval
    conduct(cfg, "letter", "approve", ref, letter.id)
    conduct(cfg, "letter", "queue", ref, letter.id)
    sent = send_pending(Outbox(book), config)
    assert sent.sent == 1
    parent = email.message_from_bytes(smtp_server.messages[-1].data, policy=email.policy.default)
    assert parent["To"].addresses[0].addr_spec == "pat@example.org"
    assert str(parent["Subject"]).strip().startswith(f"[{ref}] Your appeal: the governors' decision")
    attached = [p for p in parent.iter_attachments()]
    assert [p.get_filename() for p in attached] == [f"{ref}-appeal-outcome.pdf"]
    assert "Your appeal is dismissed." in pdf_text(attached[0].get_content())

    # The appeal step also told the headteacher.
    assert send_due_notices(book, config, staff).sent == 1
    assert smtp_server.messages[-1].rcpt_tos == ("head@hillside.example.sch.uk",)
