import re
import subprocess
import sys
from pathlib import Path

import pytest

from rag.errors import PromptError
from rag.llm.prompts import load_prompt, prompt_files

SHIPPED = ["answer", "compare_source", "condense", "judge", "strict_retry"]


def test_every_shipped_prompt_is_found_and_loads() -> None:
    names = [f.name.removesuffix(".toml") for f in prompt_files()]
    assert names == SHIPPED
    for name in names:
        assert load_prompt(name).user


def test_missing_variable_is_a_named_error() -> None:
    prompt = load_prompt("answer")
    with pytest.raises(PromptError, match="missing variable\\(s\\): evidence"):
        prompt.messages(question="q", strict="")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('variables = ["a"]\nuser = "{a} {b}"', "declared variables ['a'] but the templates use"),
        ('variables = "a"\nuser = "{a}"', "'variables' must be a list of names"),
        (
            'variables = []\nsystem = 3\nuser = "x"',
            "'user' (and optional 'system') must be strings",
        ),
        ("not toml = = =", "not valid TOML (Expected '=' after a key"),
    ],
)
def test_malformed_prompt_files_are_rejected(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "p.toml").write_text(body)
    with pytest.raises(PromptError) as raised:
        load_prompt.__wrapped__("p", tmp_path)
    assert str(raised.value).startswith(f"{tmp_path / 'p.toml'}: {message}")


def test_unknown_prompt_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match=re.escape(f"no prompt file {tmp_path / 'nope.toml'}")):
        load_prompt.__wrapped__("nope", tmp_path)


@pytest.mark.integration
def test_importing_the_cli_loads_no_heavy_library() -> None:
    """`rag --help` must start fast: the CLI imports the library only inside commands."""
    code = (
        "import sys, rag.cli; "
        "heavy = [m for m in ('chromadb', 'langchain_core', 'openai', 'onnxruntime', 'api', "
        "'eval', 'rag.store.chunks', 'rag.answering.chain') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
