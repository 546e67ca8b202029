"""Versioned prompt templates: `prompts/<name>.<version>.md` rendered with string.Template.

Prompt text lives in files so it can be reviewed and versioned; code only fills `$placeholders`.
A missing placeholder value is an error rather than a silently broken prompt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

from assistant.config import PROMPTS_DIR

# prompts/segment_*.v3.md: a stable prefix (instructions, the catalog's names) then the request's
# own details; v2 (one system message with the focused card and the schema) is kept to compare.
DEFAULT_VERSION = "v3"


class PromptError(ValueError):
    """A prompt file that is missing or a template that lacks a value."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    template: str

    @property
    def id(self) -> str:
        """`segment_system.v2`: what cassettes and logs record."""
        return f"{self.name}.{self.version}"

    def render(self, **values: object) -> str:
        try:
            return Template(self.template).substitute({k: str(v) for k, v in values.items()})
        except KeyError as err:
            raise PromptError(f"prompt {self.id} needs a value for ${err.args[0]}") from None
        except ValueError as err:
            raise PromptError(f"prompt {self.id} has a bad placeholder: {err}") from None


def load_prompt(
    name: str, version: str = DEFAULT_VERSION, prompt_dir: Path | None = None
) -> Prompt:
    """Read `prompt_dir/name.version.md` (default directory: the project's prompts/).

    A prompt version names a set: a prompt that did not change in it (the narrative ideas of
    v3) is its newest earlier version's file, recorded as that version."""
    folder = prompt_dir or PROMPTS_DIR
    path = folder / f"{name}.{version}.md"
    if not path.exists():
        earlier = _earlier_version(folder, name, version)
        if earlier is not None:
            version, path = earlier, folder / f"{name}.{earlier}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"prompt file not found: {path}") from None
    return Prompt(name=name, version=version, template=text)


def _earlier_version(folder: Path, name: str, version: str) -> str | None:
    wanted = _number(version)
    if wanted is None:
        return None
    found = [
        (n, v)
        for p in folder.glob(f"{name}.v*.md")
        for v in [p.name[len(name) + 1 : -len(".md")]]
        for n in [_number(v)]
        if n is not None and n < wanted
    ]
    return max(found)[1] if found else None


def _number(version: str) -> int | None:
    return int(version[1:]) if version[:1] == "v" and version[1:].isdigit() else None
