"""The child-server supervisor (rag/supervisor.py) with real tiny children: a Python HTTP
server on 127.0.0.1 started, polled until ready and stopped; a child that never gets ready,
one that exits first, one that ignores SIGTERM; and a child outliving the thread that
started it but not the process."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from rag.errors import ServerError
from rag.supervisor import ChildServer, free_port, healthy, spawn, stop
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

# A health URL on `port` (argv[1]); with "deaf" it ignores SIGTERM.
SERVE = """
import http.server, signal, sys
if "deaf" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
print("serving", flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
"""


def server(
    tmp_path: Path, *extra: str, stop_grace_s: float = 15.0, append_log: bool = False
) -> ChildServer:
    port = free_port()
    return ChildServer(
        [sys.executable, "-c", SERVE, str(port), *extra],
        f"http://127.0.0.1:{port}/health",
        log=tmp_path / "child.log",
        name="the test server",
        stop_grace_s=stop_grace_s,
        append_log=append_log,
    )


def gone(pid: int, timeout: float = 10.0) -> bool:
    try:
        psutil.Process(pid).wait(timeout=timeout)
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        return False
    return True


def test_a_child_is_started_polled_ready_and_stopped(tmp_path: Path) -> None:
    with server(tmp_path) as child:
        assert child.proc is not None and child.proc.poll() is None
        assert healthy(child.health_url)
    assert child.proc.returncode == -signal.SIGTERM
    assert not healthy(child.health_url)
    assert "serving" in (tmp_path / "child.log").read_text()


def test_a_child_that_never_gets_ready_times_out_and_is_stopped(tmp_path: Path) -> None:
    never = ChildServer(
        [sys.executable, "-c", "import time; print('warming up', flush=True); time.sleep(60)"],
        f"http://127.0.0.1:{free_port()}/health",
        log=tmp_path / "child.log",
        name="the slow server",
        start_timeout_s=1.0,
    )
    with pytest.raises(ServerError, match=r"the slow server did not answer within 1 s: warming up"):
        never.start()
    assert never.proc is not None and never.proc.poll() is not None


def test_a_child_that_exits_early_is_reported_with_its_log(tmp_path: Path) -> None:
    early = ChildServer(
        [sys.executable, "-c", "import sys; print('no model here'); sys.exit(3)"],
        f"http://127.0.0.1:{free_port()}/health",
        log=tmp_path / "child.log",
        name="the broken server",
    )
    with pytest.raises(ServerError, match=r"the broken server exited with code 3: no model here"):
        early.start()


def test_a_command_that_cannot_run_is_a_server_error(tmp_path: Path) -> None:
    with pytest.raises(ServerError, match="cannot run"):
        spawn([str(tmp_path / "no-such-command")], tmp_path / "child.log")


def test_stopping_a_child_that_ignores_sigterm_kills_it(tmp_path: Path) -> None:
    with server(tmp_path, "deaf", stop_grace_s=0.5) as child:
        pass
    assert child.proc is not None and child.proc.returncode == -signal.SIGKILL


def test_a_log_is_appended_to_when_asked(tmp_path: Path) -> None:
    (tmp_path / "child.log").write_text("earlier run\n")
    with server(tmp_path, append_log=True):
        pass
    assert (tmp_path / "child.log").read_text().startswith("earlier run\nserving")


def test_a_child_outlives_the_thread_that_started_it(tmp_path: Path) -> None:
    """Linux signals a child when the *thread* that forked it ends; a request's worker thread
    may start a server, and the server must stay up after that thread is gone."""
    child = server(tmp_path)
    starter = threading.Thread(target=child.start)
    starter.start()
    starter.join()
    try:
        assert child.proc is not None
        time.sleep(0.5)  # a signal sent at the thread's end would have landed by now
        assert child.proc.poll() is None and healthy(child.health_url)
    finally:
        child.stop()


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_dies_with_its_parent_process(tmp_path: Path) -> None:
    """`kill -9` of the process that started a child: the child gets SIGTERM and exits."""
    port = free_port()
    parent_code = f"""
import sys, time
from pathlib import Path
from rag.supervisor import ChildServer
cmd = [sys.executable, "-c", {SERVE!r}, "{port}"]
child = ChildServer(cmd, "http://127.0.0.1:{port}/health", log=Path({str(tmp_path / "c.log")!r}))
print(child.start().pid, flush=True)
time.sleep(60)
"""
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        assert healthy(f"http://127.0.0.1:{port}/health")
    finally:
        parent.kill()
        parent.wait()
    assert gone(pid), "the child outlived its parent"


def test_stop_leaves_an_exited_child_alone(tmp_path: Path) -> None:
    proc = spawn([sys.executable, "-c", "pass"], tmp_path / "child.log")
    proc.wait()
    stop(proc)
    assert proc.returncode == 0
