"""The parts of a policy letters speak for: who signs and decides, representations, wording.

Each is read from config.toml with every mistake named. A policy sets defaults
(``[policy.defaults]``, ``[policy.wording]``) and a step may set any of the same keys
again for itself.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import Any

from casework.kinds import LANGUAGES, NAMED_ROLES, ROLES
from casework.record import record
from casework.tomlread import Problem, TableReader

ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Deciders: the roles, or a panel of governors (appeals in many schools' procedures).
DECIDERS = (*ROLES, "governors")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@record
class Terms:
    """Who signs, who decides, where representations go and the default ban texts.

    ``None`` means "not said here": a step's terms fall back to the policy's, and the
    policy's to the built-in ones (the headteacher signs, decides and hears representations).
    """

    signed_by: str | None = None
    decided_by: str | None = None
    representations_to: str | None = None
    representations_days: int | None = None
    collection_arrangements: str | None = None
    scope: str | None = None

    def over(self, base: Terms) -> Terms:
        """These terms where they say something, ``base`` where they do not."""
        changes = {f.name: getattr(self, f.name) for f in fields(self)}
        return replace(base, **{k: v for k, v in changes.items() if v is not None})


DEFAULT_TERMS = Terms(
    signed_by="headteacher",
    decided_by="headteacher",
    representations_to="headteacher",
)
TERM_KEYS = tuple(f.name for f in fields(Terms))


@record
class Wording:
    """The words letters use for a ban and its outcomes; ``None`` keeps the built-in words.

    ``ban`` names it in full ("ban from the school premises", "withdrawal of permission to
    enter the school premises"), ``ban_short`` after that ("ban", "withdrawal of
    permission"), ``to_ban`` is what the school does ("bar you from the school premises").
    """

    ban: str | None = None
    ban_short: str | None = None
    to_ban: str | None = None
    confirmed: str | None = None
    continued: str | None = None
    lifted: str | None = None
    representations: str | None = None
    make_representations: str | None = None


WORDING_KEYS = tuple(f.name for f in fields(Wording))


@record
class Complaints:
    """How a parent takes a concern further, in the policy's own words, and where to read it."""

    route: tuple[str, ...] = ()
    url: str = ""


def complaint_guidance(complaints: Complaints) -> list[str]:
    """What to show when a complaint is recorded: the policy's route and the procedure's address."""
    if not complaints.route and not complaints.url:
        return ["The policy sets out no complaints route: see the school's complaints procedure."]
    lines = ["The policy's route for a concern or complaint:"] if complaints.route else []
    lines += [f"{i}. {step}" for i, step in enumerate(complaints.route, 1)]
    if complaints.url:
        lines.append(f"The complaints procedure: {complaints.url}")
    return lines


@record
class KindWords:
    """A school letter kind's words in one language."""

    label: str
    subject: str
    about: str


@record
class CustomKind:
    """A letter kind a school adds: its words, its template and the fields it cannot do without."""

    id: str
    words: KindWords
    template: str
    required: tuple[str, ...] = ()
    ban: bool = False
    translations: tuple[tuple[str, KindWords], ...] = ()

    def words_in(self, language: str) -> KindWords:
        """The kind's words in ``language``, else in English."""
        return dict(self.translations).get(language, self.words)


def read_terms(r: TableReader) -> Terms:
    """The terms keys of a step or of ``[policy.defaults]``; other keys are left to the caller."""
    signed = r.choice("signed_by", NAMED_ROLES, None) if r.has("signed_by") else None
    decided = r.choice("decided_by", DECIDERS, None) if r.has("decided_by") else None
    return Terms(
        signed_by=signed,
        decided_by=decided,
        representations_to=r.text("representations_to", None),
        representations_days=r.integer("representations_days", 1, 365, None)
        if r.has("representations_days")
        else None,
        collection_arrangements=r.text("collection_arrangements", None),
        scope=r.text("scope", None),
    )


def read_wording(r: TableReader) -> tuple[tuple[str, Wording], ...]:
    """``[policy.wording]`` (English) and ``[policy.wording.cy]`` (Welsh), as (language, words)."""
    out: list[tuple[str, Wording]] = [("en", _wording(r))]
    for lang in LANGUAGES:
        if "+" not in lang and lang != "en" and r.has(lang):
            sub = r.sub(lang)
            out.append((lang, _wording(sub)))
            sub.finish()
    r.finish()
    return tuple((lang, w) for lang, w in out if w != Wording())


def _wording(r: TableReader) -> Wording:
    return Wording(**{k: r.text(k, None) for k in WORDING_KEYS})


def read_complaints(r: TableReader) -> Complaints:
    """``[policy.complaints]``: the route a concern takes, and the procedure's web address."""
    url = r.text("url", "")
    if url and not url.startswith(("https://", "http://")):
        r.bad("url", "a web address starting https://", url)
        url = ""
    complaints = Complaints(route=r.texts("route", ()), url=url)
    r.finish()
    return complaints


def read_kind(r: TableReader) -> CustomKind:
    """One ``[[policy.letter_kinds]]`` table."""
    kind_id = r.text("id")
    if kind_id and not ID.match(kind_id):
        r.bad("id", "lower-case letters, digits and hyphens", kind_id)
    words = _kind_words(r, None)
    template = r.text("template")
    if template and ("/" in template or "\\" in template or not template.endswith(".j2")):
        r.bad("template", "a file name ending .j2 in [letters] template_dir", template)
    translations = []
    for lang in LANGUAGES:
        if "+" not in lang and lang != "en" and r.has(lang):
            sub = r.sub(lang)
            translations.append((lang, _kind_words(sub, words)))
            sub.finish()
    kind = CustomKind(
        id=kind_id,
        words=words,
        template=template,
        required=r.texts("required", ()),
        ban=r.flag("ban", False),
        translations=tuple(translations),
    )
    r.finish()
    return kind


def _kind_words(r: TableReader, fallback: KindWords | None) -> KindWords:
    label = r.text("label", fallback.label if fallback else "")
    if not label:
        r.bad("label", "a string")
    subject = r.text("subject", None) or (fallback.subject if fallback else label)
    about = r.text("about", None) or (fallback.about if fallback else label[:1].lower() + label[1:])
    return KindWords(label=label, subject=subject, about=about)


def read_notify(r: TableReader) -> tuple[str, ...]:
    """A step's ``notify``: roles inside the school, or email addresses."""
    entries = r.texts("notify", ())
    for entry in entries:
        if entry not in ROLES and not ADDRESS.match(entry):
            r.problems.append(
                Problem(
                    r.key("notify"),
                    f"expected a role ({', '.join(ROLES)}) or an email address, got {entry!r}",
                )
            )
    return entries


def read_roles(r: TableReader, name: str) -> tuple[str, ...]:
    """A step's ``taken_by`` or ``approved_by``: roles on the staff register."""
    entries = r.texts(name, ())
    for entry in entries:
        if entry not in ROLES:
            r.problems.append(
                Problem(r.key(name), f"expected roles ({', '.join(ROLES)}), got {entry!r}")
            )
    return tuple(e for e in entries if e in ROLES)


def defaults_table(r: TableReader) -> Terms:
    """``[policy.defaults]``: the terms every step starts from."""
    terms = read_terms(r)
    r.finish()
    return terms


def describe_terms(terms: Terms) -> dict[str, Any]:
    """The terms that are set, for `policy show`."""
    return {k: getattr(terms, k) for k in TERM_KEYS if getattr(terms, k) is not None}
