from pathlib import Path

import pytest

from rag.errors import PromptError
from rag.prompts import PROMPTS_DIR, load_prompt


@pytest.mark.parametrize("path", sorted(PROMPTS_DIR.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_prompt_loads(path: Path) -> None:
    prompt = load_prompt(path.stem)
    assert prompt.user


def test_missing_variable_is_a_named_error() -> None:
    prompt = load_prompt("answer")
    with pytest.raises(PromptError, match="evidence"):
        prompt.messages(question="q", strict="")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('variables = ["a"]\nuser = "{a} {b}"', "declared"),
        ('variables = "a"\nuser = "{a}"', "list"),
        ('variables = []\nsystem = 3\nuser = "x"', "strings"),
        ("not toml = = =", "toml"),
    ],
)
def test_malformed_prompt_files_are_rejected(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "p.toml").write_text(body)
    with pytest.raises(PromptError, match=f"(?i){message}|Expected|Invalid"):
        load_prompt.__wrapped__("p", tmp_path)


def test_unknown_prompt_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="no prompt file"):
        load_prompt.__wrapped__("nope", tmp_path)
