"""A throwaway PostgreSQL for tests, and the store's settings on either catalog backend.

    settings = backend_settings          # in a test module: its store tests run twice,
    def test_x(settings: Settings): ...  # [sqlite] and [postgres] (fixtures: tests/conftest.py)

    def test_y(postgres: PgServer) -> None:                    # the server itself
        url = postgres.new_database()
        postgres.stop(); postgres.start()

The server is initdb'd into a fresh temporary folder and started on a free 127.0.0.1 port
once per session (`postgres`), then stopped and removed. PostgreSQL refuses to run as
root, so as root it runs as the system user `rag-test` (made if missing). Each test gets
its own database. Without the PostgreSQL binaries the postgres tests are skipped.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from eval.bench.common import free_port
from rag.config import Settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
USER = "rag-test"  # the OS user the server runs as when the tests run as root
ROLE, PASSWORD = "rag", "rag-test-password"  # the database superuser the tests log in as
BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"), Path("/usr/local/bin"), Path("/usr/bin"))


def pg_bin() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres (None: PostgreSQL is not installed)."""
    found = shutil.which("pg_ctl")
    dirs = [Path(found).resolve().parent] if found else []
    for folder in [*dirs, *BIN_DIRS]:
        if all((folder / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


class PgServer:
    """One PostgreSQL cluster in `root`, on 127.0.0.1:`port`, password login."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir, self.root, self.port = bindir, root, free_port()
        self._names = itertools.count()
        self._as = []
        if os.geteuid() == 0:
            if subprocess.run(["id", USER], capture_output=True).returncode != 0:
                subprocess.run(["useradd", "--system", "--no-create-home", USER], check=True)
            shutil.chown(root, USER, USER)
            self._as = ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--clear-groups", "--"]
        (root / "pw").write_text(PASSWORD)
        self._run(
            "initdb", "-D", str(root / "data"), "-U", ROLE, f"--pwfile={root / 'pw'}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync",
        )  # fmt: skip

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self._as, str(self.bindir / tool), *args], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )  # a throwaway server: durability costs time and proves nothing here
        data, log = str(self.root / "data"), str(self.root / "server.log")
        self._run("pg_ctl", "-D", data, "-l", log, "-w", "-o", options, "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{ROLE}:{password}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database's URL."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    bindir = pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (initdb, pg_ctl, postgres): make setup-dev")
    root = Path(tempfile.mkdtemp(prefix="rag-pg-"))  # outside pytest's root-only tmp dirs
    root.chmod(0o755)
    try:
        server = PgServer(bindir, root)
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings of a fresh index on each catalog backend (SQLite in the data dir, then
    PostgreSQL in a new database of the session's server)."""
    url = None
    if request.param == "postgres":
        url = request.getfixturevalue("postgres").new_database()
    return Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS, catalog_url=url, _env_file=None)  # type: ignore[call-arg]
