"""Prompts: TOML files in `prompts/`, each declaring the variables it needs.

    load_prompt("answer").messages(question=..., evidence=..., strict="")

The files ship as package data of the `prompts` package and load through
`importlib.resources`, so an installed wheel finds them as a checkout does.
A file has `variables = [...]`, `system = "..."` and `user = "..."`. Loading checks that
the declared variables are exactly those the templates use; formatting without one of
them raises `PromptError` naming it.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

from rag.errors import PromptError

PROMPTS_PACKAGE = "prompts"


def prompt_files() -> list[Traversable]:
    """Every shipped prompt file."""
    return sorted(
        (f for f in files(PROMPTS_PACKAGE).iterdir() if f.name.endswith(".toml")),
        key=lambda f: f.name,
    )


@dataclass(frozen=True)
class Prompt:
    name: str
    variables: tuple[str, ...]
    system: str
    user: str

    def chat_template(self) -> ChatPromptTemplate:
        messages = [("system", self.system)] if self.system else []
        return ChatPromptTemplate.from_messages([*messages, ("human", self.user)])

    def format_user(self, **values: str) -> str:
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise PromptError(f"prompt {self.name!r} is missing variable(s): {', '.join(missing)}")
        return self.user.format(**values)

    def messages(self, **values: str) -> list[tuple[str, str]]:
        """(role, text) pairs with every variable filled in."""
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise PromptError(f"prompt {self.name!r} is missing variable(s): {', '.join(missing)}")
        out = [("system", self.system.format(**values))] if self.system else []
        return [*out, ("human", self.user.format(**values))]


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@lru_cache
def load_prompt(name: str, folder: Path | None = None) -> Prompt:
    """The prompt `name` from the shipped files (or from `folder`, for your own prompts)."""
    path = (folder if folder is not None else files(PROMPTS_PACKAGE)) / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PromptError(f"no prompt file {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PromptError(f"{path}: not valid TOML ({exc})") from exc
    variables = data.get("variables")
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise PromptError(f"{path}: 'variables' must be a list of names")
    system, user = data.get("system", ""), data.get("user")
    if not isinstance(user, str) or not isinstance(system, str):
        raise PromptError(f"{path}: 'user' (and optional 'system') must be strings")
    used = _fields(system) | _fields(user)
    if used != set(variables):
        raise PromptError(
            f"{path}: declared variables {sorted(variables)} but the templates use {sorted(used)}"
        )
    return Prompt(name=name, variables=tuple(variables), system=system, user=user)
