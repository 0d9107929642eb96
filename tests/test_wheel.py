"""The built wheel works outside the checkout: prompts ship as package data, `rag` runs.

The wheel is built from this checkout and installed without `-e` into a fresh virtualenv
that runs in a temporary folder. Its third-party dependencies come from the test's own
environment through a path entry (installing them again would download gigabytes); a
`.pth` path entry does not activate the editable install that environment holds, and the
check below proves `rag` and `prompts` are imported from the fresh virtualenv.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.integration


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    build = ["pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist)]
    run([sys.executable, "-m", *build, str(ROOT)], cwd=dist)
    (path,) = dist.glob("newsrag-*.whl")
    return path


def test_the_wheel_holds_the_packages_prompts_and_gold_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"prompts/{p}.toml" for p in ("answer", "condense", "judge")} <= set(names)
    assert "eval/gold/news.jsonl" in names and "rag/cli/__init__.py" in names
    reader = {f"rag/reading/models/reader.{x}" for x in ("onnx", "json", "md")}
    assert reader <= set(names)  # the shipped reader and its card
    assert (
        "rag/language/lexicon/lexicon.json" in names
    )  # WordNet lemmas and antonyms, with the notice
    static = Path(__file__).resolve().parent.parent / "api" / "static"
    page = {f"api/static/{p.relative_to(static)}" for p in static.rglob("*") if p.is_file()}
    assert page and page <= set(names)  # the web page: HTML, CSS, JS modules, fonts
    assert not [n for n in names if n.startswith(("tests/", "seeds/"))]


def test_an_installed_wheel_loads_its_prompts_and_answers(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python, rag = venv / "bin" / "python", venv / "bin" / "rag"
    run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], tmp_path
    )
    fresh = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            tmp_path,
        ).strip()
    )
    ours = [
        p for p in {sysconfig.get_paths()["purelib"], *site.getsitepackages()} if Path(p).is_dir()
    ]
    (fresh / "deps-from-the-test-env.pth").write_text("\n".join(ours) + "\n")

    work = tmp_path / "work"  # not the checkout: nothing can be imported from there
    work.mkdir()
    where = run(
        [
            str(python),
            "-c",
            "import rag, prompts; from rag.llm.prompts import load_prompt, prompt_files; "
            "print(rag.__file__); print(prompts.__file__); "
            "print(' '.join(load_prompt(f.name[:-5]).name for f in prompt_files()))",
        ],
        work,
    ).splitlines()
    assert all(line.startswith(str(fresh)) for line in where[:2]), where
    assert where[2].split() == ["answer", "compare_source", "condense", "judge", "strict_retry"]

    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(RAG_DATA_DIR=str(tmp_path / "data"), HF_HUB_OFFLINE="1")
    run([str(rag), "ingest", str(SEEDS)], work, env)
    answer = run(
        [str(rag), "ask", "How much money has the US sent to Ukraine?", "--json"], work, env
    )
    assert '"mode": "answer"' in answer and "$119 billion" in answer
