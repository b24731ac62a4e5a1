"""`make run`'s script (scripts/run_demo.py): the web server's port, and a port another program
holds (a second portal beside this one) refused before anything starts."""

import importlib.util
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = ROOT / "scripts" / "run_demo.py"


@pytest.fixture(scope="module")
def run_demo():
    spec = importlib.util.spec_from_file_location("run_demo", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def taken_port():
    """A port something listens on, as another checkout's web server would."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_the_port_is_8000_unless_port_is_set(run_demo, monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    assert run_demo.demo_port() == 8000
    monkeypatch.setenv("PORT", "8123")
    assert run_demo.demo_port() == 8123
    assert run_demo.demo_commands(8123)["web"][-2] == "127.0.0.1:8123"
    for wrong in ("web", "0", "70000"):
        monkeypatch.setenv("PORT", wrong)
        with pytest.raises(SystemExit, match="not a port number"):
            run_demo.demo_port()


def test_a_port_in_use_is_told_apart_from_a_free_one(run_demo, taken_port):
    assert run_demo.port_is_free(taken_port) is False
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert run_demo.port_is_free(free) is True


def test_a_taken_port_stops_the_demo_before_it_starts_anything(taken_port):
    """Before, the script waited for *a* server on the port, found the other one, announced the
    demo as running there, and only then saw its own web server fail."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        env={"PATH": "/usr/bin:/bin", "PORT": str(taken_port)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"Port {taken_port} on 127.0.0.1 is in use" in result.stderr
    assert f"make run PORT={taken_port + 1}" in result.stderr
    assert "is running at" not in result.stdout
