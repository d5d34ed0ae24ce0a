"""Names the policy and the letters share: built-in letter kinds, the fields letters read, roles.

The letters themselves (templates, checks) live in ``letters``; the policy only needs the
names, so that a step naming an unknown kind or a misspelt option is caught when
config.toml is read.
"""

from __future__ import annotations

BUILTIN_KINDS = (
    "information-request",
    "warning",
    "meeting-invitation",
    "stop-and-warn",
    "ban-provisional",
    "ban-intent",
    "ban-confirmed",
    "ban-review",
    "ban-lifted",
)

MEETING_WITH = ("senior", "chair", "formal")

# Free fields (``--set key=value`` or a step's ``letter_options``) the built-in letters read.
DATE_FIELDS = ("incident_date", "meeting_date", "reply_by", "next_review_on", "lifted_on")
TEXT_FIELDS = (
    "incident_summary",
    "incident_place",
    "meeting_with",
    "meeting_place",
    "meeting_attendees",
    "meeting_outcome",
    "outcome",
    "representations",
    "representations_summary",
    "contact",
    "language",
    "large_print",
)
KNOWN_FIELDS = (*DATE_FIELDS, "meeting_time", "meeting_duration", *TEXT_FIELDS)

# People inside the school a step can notify (issue 13's staff register gives each an address).
ROLES = ("headteacher", "chair", "dsl", "office", "deputy", "senior-staff")
# Roles config.toml names a person for ([school] headteacher, chair_of_governors), so a
# letter can be signed in their name or point representations to them.
NAMED_ROLES = ("headteacher", "chair")
ROLE_TITLES = {
    "headteacher": "Headteacher",
    "chair": "Chair of Governors",
    "dsl": "Designated Safeguarding Lead",
    "office": "School Office",
    "deputy": "Deputy Headteacher",
    "senior-staff": "Senior Leadership Team",
}
# How a sentence names each role (and a panel of governors, who decide some appeals).
ROLE_PHRASES = {
    "headteacher": "the headteacher",
    "chair": "the Chair of Governors",
    "dsl": "the Designated Safeguarding Lead",
    "office": "the school office",
    "deputy": "the Deputy Headteacher",
    "senior-staff": "the senior leadership team",
    "governors": "a panel of governors",
}

# Letter languages: English, Welsh, or both in one letter (Welsh first).
LANGUAGES = ("en", "cy", "cy+en")
