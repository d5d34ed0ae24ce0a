"""`conduct check` for letters: every template compiles and reads only what its steps supply.

What the policy reader cannot see without Jinja: a school's template with a syntax error, a
name no letter has (``{{ recipent.name }}``), a free field (``fields.panel``) that neither the
kind requires nor the step's ``letter_options`` give, and options no template reads.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import fields as dataclass_fields
from pathlib import Path

import jinja2
from jinja2 import meta, nodes

from casework.config import Config
from casework.kinds import LANGUAGES
from casework.letter_context import LetterContext
from casework.policy import Step
from casework.tomlread import Problem
from letters.kinds import LetterKind, kinds_for
from letters.templating import COVERING_NOTE, TEMPLATES, Templates

# Names every template may read besides the context's fields: what the renderer adds, and
# what the document shell is given.
RENDERER_NAMES = frozenset(
    {"letter", "title", "logo_src", "lang", "words", "doc_lang", "doc_title", "parts"}
)
CONTEXT_NAMES = frozenset(f.name for f in dataclass_fields(LetterContext))
# Options the context itself takes (the letter's language and print size), read by no template.
CONSUMED = frozenset({"language", "large_print"})


def check_letters(config: Config) -> list[Problem]:
    """Every mistake in the school's letters and the templates its policy uses."""
    kinds = kinds_for(config.policy.letter_kinds)
    templates = Templates(config.letters.template_dir, kinds)
    problems = list(_compile_all(templates, config.letters.template_dir))
    for i, kind in enumerate(config.policy.letter_kinds):
        if config.letters.template_dir is None:
            problems.append(
                Problem(
                    f"policy.letter_kinds[{i}].template",
                    f"the {kind.id} letter's template {kind.template} needs [letters] "
                    "template_dir, the folder the school's templates are in",
                )
            )
        elif not (config.letters.template_dir / kind.template).is_file():
            problems.append(
                Problem(
                    f"policy.letter_kinds[{i}].template",
                    f"no file {kind.template} in {config.letters.template_dir}",
                )
            )
    if problems:
        return problems  # a template that does not compile cannot be read any further
    for i, step in enumerate(config.policy.steps):
        if step.letter is not None and step.letter in kinds:
            problems += _check_step(templates, kinds[step.letter], step, f"policy.steps[{i}]")
    return problems


def _compile_all(templates: Templates, template_dir: Path | None) -> Iterator[Problem]:
    """Our templates and the school's, in each language's environment."""
    where = {"": TEMPLATES}
    if template_dir is not None:
        where["letters.template_dir"] = template_dir
    for key, folder in where.items():
        for path in sorted(folder.rglob("*.j2")):
            rel = path.relative_to(folder).as_posix()
            lang = rel.split("/")[0] if "/" in rel else "en"
            try:
                templates.env(lang if lang in LANGUAGES else "en").get_template(rel)
            except jinja2.TemplateSyntaxError as exc:
                yield Problem(key or "letters", f"{rel} line {exc.lineno}: {exc.message}")
            except jinja2.TemplateError as exc:
                yield Problem(key or "letters", f"{rel}: {type(exc).__name__}: {exc}")


def _check_step(templates: Templates, kind: LetterKind, step: Step, where: str) -> list[Problem]:
    env = templates.env("en")
    problems = []
    names: set[str] = set()
    wanted_fields: set[str] = set()
    known = CONTEXT_NAMES | RENDERER_NAMES
    for name, ast in _family(env, [kind.template, COVERING_NOTE]):
        reads = meta.find_undeclared_variables(ast) - _declared(ast) - set(env.globals)
        names |= reads
        wanted_fields |= _free_fields(ast)
        for unknown in sorted(reads - known):
            near = difflib.get_close_matches(unknown, sorted(known), n=3)
            hint = f"; did you mean {' or '.join(near)}?" if near else ""
            problems.append(
                Problem(f"{where}.letter", f"template {name} reads {unknown!r}, which no letter has{hint}")
            )
    options = dict(step.letter_options)
    for field in sorted(wanted_fields - set(kind.required) - set(options)):
        problems.append(
            Problem(
                f"{where}.letter",
                f"template {kind.template} reads fields.{field}, which no step supplies: add "
                f'"{field}" to the kind\'s required fields or to this step\'s letter_options',
            )
        )
    for key in options:
        if key not in names and key not in wanted_fields and key not in CONSUMED:
            problems.append(
                Problem(
                    f"{where}.letter_options.{key}",
                    f"unused: the {kind.name} letter's templates never read {key!r}",
                )
            )
    return problems


def _family(
    env: jinja2.Environment, roots: list[str]
) -> Iterator[tuple[str, nodes.Template]]:
    """Each template and every template it extends, includes or imports, parsed once."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        assert env.loader is not None
        source, _, _ = env.loader.get_source(env, name)
        ast = env.parse(source)
        yield name, ast
        todo += [t for t in meta.find_referenced_templates(ast) if t is not None]


def _declared(ast: nodes.Template) -> set[str]:
    """Names a template makes itself: imports, macros and top-level assignments.

    Jinja compiles each block on its own, so an import outside the blocks of a child
    template shows up as "undeclared" inside them.
    """
    found: set[str] = set()
    for node in ast.find_all((nodes.Import, nodes.FromImport, nodes.Macro, nodes.Assign)):
        if isinstance(node, nodes.Import):
            found.add(node.target)
        elif isinstance(node, nodes.FromImport):
            found |= {n if isinstance(n, str) else n[1] for n in node.names}
        elif isinstance(node, nodes.Macro):
            found.add(node.name)
        elif isinstance(node, nodes.Assign) and isinstance(node.target, nodes.Name):
            found.add(node.target.name)
    return found


def _free_fields(ast: nodes.Template) -> set[str]:
    """The office's free fields a template reads: ``fields.x``, ``fields['x']``, ``fields.get('x')``."""
    found: set[str] = set()
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Call)):
        if isinstance(node, nodes.Getattr) and _is_fields(node.node) and node.attr != "get":
            found.add(node.attr)
        elif (
            isinstance(node, nodes.Getitem)
            and _is_fields(node.node)
            and isinstance(node.arg, nodes.Const)
        ):
            found.add(str(node.arg.value))
        elif (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Getattr)
            and node.node.attr == "get"
            and _is_fields(node.node.node)
            and node.args
            and isinstance(node.args[0], nodes.Const)
        ):
            found.add(str(node.args[0].value))
    return found


def _is_fields(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "fields"
