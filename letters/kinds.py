"""The letters the school sends, what each one needs, and the checks made before rendering."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from casework.policy_terms import CustomKind
from casework.record import record


class LetterError(ValueError):
    """A letter that cannot be produced; the message says which letter and why."""


class UnknownKindError(LetterError):
    """No letter of that kind exists."""


class MissingFieldError(LetterError):
    """A letter needs a field its context does not have."""

    def __init__(self, kind: str, field: str, hint: str = "") -> None:
        self.kind = kind
        self.field = field
        message = f'the "{kind}" letter needs "{field}", which is missing or empty'
        super().__init__(f"{message}: {hint}" if hint else message)


class LetterTemplateError(LetterError):
    """A template (usually a school's override) failed or tried something the sandbox forbids."""


# How to supply each field, for error messages the office can act on.
HINTS: Mapping[str, str] = MappingProxyType(
    {
        "recipient.name": "the case has no named parent or carer yet",
        "case.ref": "the case has no reference",
        "case.behaviours": "record which parts of the code of conduct were broken",
        "incident_date": "record an incident on the case or --set incident_date=YYYY-MM-DD",
        "incident_summary": "no incident is recorded on the case: record one "
        "(conduct case record REF incident TEXT) or --set incident_summary=...",
        "meeting_with": "--set meeting_with=senior|chair|formal",
        "meeting_date": "schedule the meeting or --set meeting_date=YYYY-MM-DD",
        "meeting_time": "schedule the meeting or --set meeting_time=HH:MM",
        "meeting_place": "schedule the meeting or --set meeting_place=...",
        "meeting_outcome": "record the meeting as refused or not attended, "
        "or --set meeting_outcome=refused|no-show",
        "ban": "the case has no ban: move it to a ban step first",
        "ban.reasons": "the ban must state its reasons",
        "ban.scope": "the ban must state where it applies",
        "ban.starts_on": "the ban needs a start date",
        "ban.ends_on": "the ban needs an end date",
        "ban.review_on": "every ban needs a review date (DfE 2018)",
        "ban.representations_deadline": "a notice of intent needs a deadline for "
        "representations (DfE 2018)",
        "outcome": "--set outcome=continued|lifted",
        "next_review_on": "a continued ban needs its next review date: "
        "--set next_review_on=YYYY-MM-DD",
        "lifted_on": "--set lifted_on=YYYY-MM-DD",
    }
)

Check = Callable[[str, Mapping[str, Any]], None]

_COMMON = ("recipient.name", "case.ref")
_BAN = (*_COMMON, "ban", "ban.reasons", "ban.scope", "ban.starts_on", "ban.ends_on")


@record
class LetterInfo:
    """A letter kind's name and words in one language, for templates."""

    name: str
    title: str
    about: str
    subject: str = ""


@record
class LetterKind:
    """One kind of letter: its template, its title and the fields it cannot do without."""

    name: str
    title: str
    description: str
    about: str
    required: tuple[str, ...]
    ban: bool = False
    check: Check | None = None
    # A school's own kind: its template file, and its words in other languages.
    template_file: str = ""
    subject: str = ""
    translations: tuple[tuple[str, tuple[str, str, str]], ...] = ()

    @property
    def own(self) -> bool:
        """A kind the school added in its policy (its words are not in our catalogues)."""
        return bool(self.template_file)

    @property
    def info(self) -> LetterInfo:
        """The kind as templates see it, in English: words only (``check`` stays out)."""
        return LetterInfo(self.name, self.title, self.about, self.subject or self.title)

    @property
    def free_fields(self) -> tuple[str, ...]:
        """The required names given with the letter (``--set``), not read from recorded facts."""
        facts = {name.split(".")[0] for name in _BAN}
        return tuple(f for f in self.required if "." not in f and f not in facts)

    @property
    def english_title(self) -> str:
        """The title in English with the built-in words, for lists (`conduct letter kinds`)."""
        return self.title if self.own else _sentence(self.title.format(**DEFAULT_WORDS))

    @property
    def template(self) -> str:
        """The template's file name, in the package or a school's override directory."""
        return self.template_file or f"{self.name}.html.j2"

    def title_id(self, ctx: Mapping[str, Any]) -> str:
        """The title as the catalogue knows it, for this letter's variant."""
        if self.name == "meeting-invitation":
            return MEETING_TITLES.get(str(ctx.get("meeting_with", "")), self.title)
        if self.name == "ban-review" and ctx.get("outcome") == "lifted":
            return "Outcome of the review of your {ban}: {ban_short} {lifted}"
        return self.title

    def words_in(
        self,
        language: str,
        ctx: Mapping[str, Any],
        tr: Callable[[str], str],
        words: Mapping[str, str],
    ) -> LetterInfo:
        """The kind's title, subject and covering-note words in one language."""
        if self.own:
            title, subject, about = dict(self.translations).get(
                language, (self.title, self.subject or self.title, self.about)
            )
            return LetterInfo(self.name, title, about, subject)
        title = _sentence(tr(self.title_id(ctx)).format(**words))
        return LetterInfo(self.name, title, tr(self.about).format(**words), title)


# The built-in words for a ban and its outcomes (English message ids; each language's
# catalogue translates them). A policy's [policy.wording] replaces any of them.
DEFAULT_WORDS: Mapping[str, str] = {
    "ban": "ban from the school premises",
    "ban_short": "ban",
    "to_ban": "bar you from the school premises",
    "confirmed": "confirmed",
    "continued": "continued",
    "lifted": "lifted",
    "representations": "representations",
    "make_representations": "make representations",
}


MEETING_TITLES: Mapping[str, str] = {
    "senior": "Invitation to a meeting",
    "chair": "Invitation to a meeting with the Chair of Governors and the headteacher",
    "formal": "Formal invitation to a meeting",
}


def _sentence(value: str) -> str:
    return value[:1].upper() + value[1:]


def _ban_rules(kind: str, ctx: Mapping[str, Any]) -> None:
    """DfE 2018: a review date, and either provisional status or a deadline for representations."""
    ban = ctx["ban"]
    if not ban.review_on:
        raise MissingFieldError(kind, "ban.review_on", HINTS["ban.review_on"])
    if not ban.provisional and ban.representations_deadline is None:
        raise MissingFieldError(
            kind, "ban.representations_deadline", HINTS["ban.representations_deadline"]
        )
    wanted = {"ban-provisional": "provisional", "ban-intent": "intent"}.get(kind)
    if wanted and ban.kind != wanted:
        raise LetterError(
            f'the "{kind}" letter is for a {wanted} ban, but the current ban is {ban.kind}'
        )
    if kind == "ban-lifted" and ban.status != "lifted" and not ctx.get("lifted_on"):
        raise MissingFieldError(kind, "lifted_on", HINTS["lifted_on"])


def _review_rules(kind: str, ctx: Mapping[str, Any]) -> None:
    _ban_rules(kind, ctx)
    if ctx["outcome"] == "continued" and not ctx.get("next_review_on"):
        raise MissingFieldError(kind, "next_review_on", HINTS["next_review_on"])


def _stop_rules(kind: str, ctx: Mapping[str, Any]) -> None:
    if ctx["meeting_outcome"] not in ("refused", "no-show"):
        raise MissingFieldError(kind, "meeting_outcome", HINTS["meeting_outcome"])


_KIND_LIST = (
    LetterKind(
        "information-request",
        "Request for your account of an incident",
        "The school has been told of an incident and asks for the parent's account.",
        "an incident we would like to hear your account of",
        (*_COMMON, "incident_date", "incident_summary"),
    ),
    LetterKind(
        "warning",
        "Warning about conduct",
        "Warning letter: the behaviour, the part of the code it breaks, what must stop.",
        "a formal warning under our code of conduct for parents and carers",
        (*_COMMON, "incident_date", "incident_summary", "case.behaviours"),
    ),
    LetterKind(
        "meeting-invitation",
        "Invitation to a meeting",
        "Invitation to a meeting (senior staff, Chair of Governors, or the formal invitation).",
        "a meeting we would like to arrange with you",
        (*_COMMON, "meeting_with", "meeting_date", "meeting_time", "meeting_place"),
    ),
    LetterKind(
        "stop-and-warn",
        "Request to stop behaviour that breaks our code of conduct",
        "After a refused meeting: stop the behaviour, or a ban from the premises may follow.",
        "behaviour that breaks our code of conduct for parents and carers",
        (*_COMMON, "incident_summary", "case.behaviours"),
        check=_stop_rules,
    ),
    LetterKind(
        "ban-provisional",
        "Provisional {ban}",
        "Barred now, pending the chance to make representations.",
        "a provisional {ban}",
        _BAN,
        ban=True,
        check=_ban_rules,
    ),
    LetterKind(
        "ban-intent",
        "Notice of intention to {to_ban}",
        "Notice of intent to bar, with a deadline for representations.",
        "our intention to {to_ban}",
        (*_BAN, "ban.representations_deadline"),
        ban=True,
        check=_ban_rules,
    ),
    LetterKind(
        "ban-confirmed",
        "Decision: {ban} {confirmed}",
        "The decision after representations or the deadline: the ban is confirmed.",
        "our decision on the {ban}",
        _BAN,
        ban=True,
        check=_ban_rules,
    ),
    LetterKind(
        "ban-review",
        "Outcome of the review of your {ban}",
        "The outcome of a review: the ban continues or is lifted.",
        "the review of your {ban}",
        (*_BAN, "outcome"),
        ban=True,
        check=_review_rules,
    ),
    LetterKind(
        "ban-lifted",
        "{ban} {lifted}",
        "The ban no longer applies.",
        "the end of your {ban}",
        _BAN,
        ban=True,
        check=_ban_rules,
    ),
)

KINDS: Mapping[str, LetterKind] = MappingProxyType({k.name: k for k in _KIND_LIST})


def letter_kind(name: str, kinds: Mapping[str, LetterKind] = KINDS) -> LetterKind:
    """The kind with this name; UnknownKindError lists the kinds there are."""
    try:
        return kinds[name]
    except KeyError:
        raise UnknownKindError(
            f"no letter kind {name!r}; the kinds are: {', '.join(kinds)}"
        ) from None


def kinds_for(own: Iterable[CustomKind]) -> Mapping[str, LetterKind]:
    """Our kinds and a school's own ([[policy.letter_kinds]]), which go the same way."""
    found = dict(KINDS)
    for k in own:
        required = tuple(dict.fromkeys((*_COMMON, *(("ban",) if k.ban else ()), *k.required)))
        found[k.id] = LetterKind(
            name=k.id,
            title=k.words.label,
            description=f"The school's own letter: {k.words.label}.",
            about=k.words.about,
            required=required,
            ban=k.ban,
            template_file=k.template,
            subject=k.words.subject,
            translations=tuple(
                (lang, (w.label, w.subject, w.about)) for lang, w in k.translations
            ),
        )
    return MappingProxyType(found)


def lookup(ctx: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``ban.review_on``) through mappings and attributes.

    A name the context does not have is one of the office's free fields (``fields``): a
    school's own letter may require any.
    """
    value: Any = ctx
    if path.split(".")[0] not in ctx:
        value = ctx.get("fields") or {}
    for part in path.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
    return value


def check_context(kind: LetterKind, ctx: Mapping[str, Any]) -> None:
    """Raise MissingFieldError naming the first required field the context lacks."""
    for name in kind.required:
        value = lookup(ctx, name)
        if value is None or (isinstance(value, str | tuple | list) and not value):
            raise MissingFieldError(kind.name, name, HINTS.get(name, f"--set {name}=..."))
    if kind.check is not None:
        kind.check(kind.name, ctx)
