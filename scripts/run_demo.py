"""Start the demo: Django's web server, a Celery worker and Celery beat, until Ctrl-C.

Uses the embedded defaults (SQLite, a folder on disk as the Celery broker), so nothing else
has to be installed or running. Prints the URL and the demo logins written by seed_demo.
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


def _wait_for_web(*, timeout: float) -> bool:
    """Wait until the web server accepts connections on 127.0.0.1:8000."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", 8000), timeout=1):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def demo_commands() -> dict[str, list[str]]:
    """The three processes of the demo. The one worker is given no --queues: it then consumes
    every queue of CELERY_TASK_QUEUES (default, mail and long), so no task waits in a queue
    nobody reads (production splits them over two services, docker-compose.yml)."""
    return {
        "web": [sys.executable, "manage.py", "runserver", "127.0.0.1:8000", "--noreload"],
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


def main() -> int:
    os.chdir(ROOT)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kcity.settings.local", "PYTHONUNBUFFERED": "1"}
    for folder in ("var/broker/out", "var/broker/processed", "var/broker/control"):
        (ROOT / folder).mkdir(parents=True, exist_ok=True)
    commands = demo_commands()
    # Own sessions: Ctrl-C reaches only this script, which then stops the three in order
    # (SIGTERM), instead of every process getting the terminal's SIGINT at once.
    processes = {
        name: subprocess.Popen(cmd, env=env, start_new_session=True)
        for name, cmd in commands.items()
    }
    credentials = ROOT / "var" / "demo-credentials.txt"
    _wait_for_web(timeout=30)
    print("\n" + "=" * 72)
    print("K-City Network Portal is running at http://127.0.0.1:8000/")
    print("Back office: http://127.0.0.1:8000/admin/   Staff screens: http://127.0.0.1:8000/staff/")
    if credentials.exists():
        print("\nDemo logins (e-mail / password):")
        print(credentials.read_text().rstrip())
    print("\nPress Ctrl-C to stop the web server, the worker and beat.")
    print("=" * 72 + "\n", flush=True)

    def stop(*_):
        for proc in processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
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
