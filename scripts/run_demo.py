"""Start the demo: Django's web server, a Celery worker and Celery beat, until Ctrl-C.

Uses the embedded defaults (SQLite, a folder on disk as the Celery broker), so nothing else
has to be installed or running. Prints the URL and the demo logins written by seed_demo.
The web server listens on 127.0.0.1, port ``PORT`` (8000 unless set: ``make run PORT=8001``);
a port another program holds is refused before anything starts.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def demo_port() -> int:
    """The web server's port: ``PORT`` from the environment, 8000 by default."""
    value = os.environ.get("PORT", "").strip() or "8000"
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SystemExit(f"PORT={value!r} is not a port number (1-65535).")
    return int(value)


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:``port`` (a web server of another checkout, say)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_for_web(process: subprocess.Popen, port: int, *, timeout: float) -> bool:
    """Wait until our web server accepts connections on 127.0.0.1:``port`` (False if it stops
    or the time runs out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def demo_commands(port: int = 8000) -> dict[str, list[str]]:
    """The three processes of the demo. The one worker is given no --queues: it then consumes
    every queue of CELERY_TASK_QUEUES (default, mail and long), so no task waits in a queue
    nobody reads (production splits them over two services, docker-compose.yml)."""
    return {
        "web": [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [
            str(VENV_BIN / "celery"),
            "-A",
            "kcity",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--pool=threads",
        ],
        "beat": [str(VENV_BIN / "celery"), "-A", "kcity", "beat", "--loglevel=INFO"],
    }


def stop_all(processes: dict[str, subprocess.Popen]) -> None:
    """Stop the demo's processes: SIGTERM to each still running, then up to 10 s each before
    it is killed."""
    for proc in processes.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in processes.values():
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> int:
    os.chdir(ROOT)
    port = demo_port()
    if not port_is_free(port):
        print(
            f"Port {port} on 127.0.0.1 is in use (another portal or program): stop it, or start "
            f"the demo on another port, e.g. `make run PORT={port + 1}`.",
            file=sys.stderr,
        )
        return 1
    site = f"http://127.0.0.1:{port}"
    env = {
        "KCITY_SITE_URL": site,  # the links in the demo's e-mails (unless set otherwise)
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kcity.settings.local",
        "PYTHONUNBUFFERED": "1",
    }
    for folder in ("var/broker/out", "var/broker/processed", "var/broker/control"):
        (ROOT / folder).mkdir(parents=True, exist_ok=True)
    commands = demo_commands(port)
    # Own sessions: Ctrl-C reaches only this script, which then stops the three in order
    # (SIGTERM), instead of every process getting the terminal's SIGINT at once.
    processes = {
        name: subprocess.Popen(cmd, env=env, start_new_session=True)
        for name, cmd in commands.items()
    }
    credentials = ROOT / "var" / "demo-credentials.txt"
    if not _wait_for_web(processes["web"], port, timeout=30):
        print(f"The web server did not start on {site}/; stopping the worker and beat.")
        stop_all(processes)
        return 1
    print("\n" + "=" * 72)
    print(f"K-City Network Portal is running at {site}/")
    print(f"Back office: {site}/admin/   Staff screens: {site}/staff/")
    if credentials.exists():
        print("\nDemo logins (e-mail / password):")
        print(credentials.read_text().rstrip())
    print("\nPress Ctrl-C to stop the web server, the worker and beat.")
    print("=" * 72 + "\n", flush=True)

    def stop(*_):
        stop_all(processes)
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        for name, proc in processes.items():
            if proc.poll() is not None:
                print(f"{name} stopped with exit code {proc.returncode}; stopping the rest.")
                stop()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
