"""Versioned prompt templates: `prompts/<name>.<version>.md` rendered with string.Template.

Prompt text lives in files so it can be reviewed and versioned; code only fills `$placeholders`.
A missing placeholder value is an error rather than a silently broken prompt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

from assistant.config import PROMPTS_DIR

DEFAULT_VERSION = "v2"  # prompts/segment_*.v2.md: the generic, catalog-driven prompt


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
    """Read `prompt_dir/name.version.md` (default directory: the project's prompts/)."""
    path = (prompt_dir or PROMPTS_DIR) / f"{name}.{version}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"prompt file not found: {path}") from None
    return Prompt(name=name, version=version, template=text)
