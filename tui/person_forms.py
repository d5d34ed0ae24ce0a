"""The forms for a person: their details, and who a case about 'To be identified' is about.

What a form's answers mean is decided in ``casework.person_fields``, as for the command line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from casework.fields import FieldError
from casework.people import Person
from casework.person_fields import person_from_fields, person_text_fields
from tui.screens.form_modal import Field, FormModal

NEW = "(new)"  # the identify form's choice for someone not yet on record

LANGUAGE_OPTIONS = (
    ("", "The school's language"),
    ("en", "English"),
    ("cy", "Welsh (Cymraeg)"),
    ("cy+en", "Welsh and English"),
)


def answers_text(answers: Mapping[str, Any]) -> dict[str, str]:
    """A person form's answers as the text fields person_from_fields reads."""
    return {k: str(v or "") for k, v in answers.items()}


def person_form(person: Person | None, *, title: str = "", intro: str = "") -> FormModal:
    """Every detail of a person, prefilled; refused on save as the command line would refuse it."""
    base = person or Person(id="", name="")
    values = person_text_fields(base)
    if person is not None and person.placeholder:
        values["name"] = ""

    def validate(answers: Mapping[str, Any]) -> str | None:
        try:
            person_from_fields(base, answers_text(answers))
        except FieldError as exc:
            return str(exc)
        return None

    fields = [
        Field("name", "Name, as letters address them", value=values["name"], required=True),
        Field("emails", "Email addresses (the first gets letters)", value=values["emails"]),
        Field("phones", "Telephone numbers (comma between)", value=values["phones"]),
        Field("address", "Postal address (a line per line)", "area", value=values["address"]),
        Field(
            "channel",
            "Letters go by",
            "choice",
            value=values["channel"],
            options=(("email", "Email"), ("post", "Post")),
        ),
        Field(
            "language",
            "Language of letters",
            "choice",
            value=values["language"],
            options=LANGUAGE_OPTIONS,
        ),
        Field(
            "large_print",
            "Large print",
            "choice",
            value=values["large_print"],
            options=(("no", "Standard print"), ("yes", "Large print")),
        ),
        Field(
            "children",
            "Children: 'Name; Class; yes|no' a line each (yes: parental responsibility)",
            "area",
            value=values["children"],
        ),
        Field("relationship", "Relationship to the children", value=values["relationship"]),
        Field(
            "signed_code_on",
            "Signed the code of conduct on",
            "date",
            value=values["signed_code_on"],
        ),
        Field(
            "mis_id", "MIS id", value=values["mis_id"], help="Imports from the MIS update by this"
        ),
    ]
    return FormModal(
        title or (f"{base.name}" if person and not person.placeholder else "New person"),
        fields,
        intro=intro,
        submit="Save",
        validate=validate,
    )


def identify_search(name_hint: str = "") -> FormModal:
    """Who the case is about: words to find them by."""
    return FormModal(
        "Who is this case about?",
        [
            Field(
                "search",
                "Name, email, phone or a child's name",
                value=name_hint,
                help="Leave empty to add someone new",
            )
        ],
        intro="No letter can be drafted until the person is identified.",
        submit="Find",
    )


def identify_choice(found: Sequence[Person], search: str) -> FormModal:
    """The people found, and someone new."""
    options = [
        (p.id, f"{p.name}  {p.email or ''}  {', '.join(c.name for c in p.children)}".strip())
        for p in found[:20]
    ]
    options.append((NEW, "Someone new: add their details"))
    return FormModal(
        "Identify the person",
        [
            Field(
                "person",
                f"Found for '{search}'" if search else "Choose",
                "choice",
                value=options[0][0],
                options=tuple(options),
                required=True,
            )
        ],
        submit="Next",
    )
