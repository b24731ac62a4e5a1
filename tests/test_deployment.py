"""The compose stack can be scaled out as docs/deployment.md says: one migration before any
application process, web and worker without anything that would stop a second copy, exactly one
beat, every Celery queue read by some worker with mail apart from the long jobs, documents in
the bucket for every application container, and Caddy spreading requests over all web
containers. (``docker compose config -q`` checks the syntax; these check the layout.)"""

import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ("migrate", "web", "worker", "worker-long", "beat")
RUNTIME_SERVICES = ("web", "worker", "worker-long", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _command(service: dict) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else list(command)


def _queues(command: list[str]) -> set[str] | None:
    for index, part in enumerate(command):
        if part.startswith("--queues="):
            return set(part.split("=", 1)[1].split(","))
        if part in ("-Q", "--queues"):
            return set(command[index + 1].split(","))
    return None


def test_migrate_runs_once_and_everything_else_waits_for_it(services):
    migrate = services["migrate"]
    assert _command(migrate)[:3] == ["python", "manage.py", "migrate"]
    assert migrate["restart"] == "no"  # a one-shot, not restarted after it succeeded
    for name in RUNTIME_SERVICES:
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
        assert "migrate" not in " ".join(_command(services[name])), name


def test_web_and_worker_can_be_scaled(services):
    for name in ("web", "worker", "worker-long"):
        assert "container_name" not in services[name], name
        assert "ports" not in services[name], name  # a fixed host port would clash
    for name in ("worker", "worker-long"):
        hostname = _command(services[name])[_command(services[name]).index("--hostname") + 1]
        assert hostname.endswith("@%h"), name  # each replica a node name of its own
    assert services["web"]["expose"] == ["8000"]


def test_exactly_one_beat(services):
    beats = [name for name, service in services.items() if "beat" in _command(service)]
    assert beats == ["beat"]
    assert "deploy" not in services["beat"] or services["beat"]["deploy"].get("replicas") == 1


def test_every_queue_is_read_and_mail_never_waits_behind_long_jobs(services):
    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    workers = {
        name: _queues(_command(service))
        for name, service in services.items()
        if "worker" in _command(service)
    }
    assert None not in workers.values(), "name the queues of each compose worker"
    assert set().union(*workers.values()) == declared
    assert workers["worker"] == {"default", "mail"}
    assert workers["worker-long"] == {"long"}


def test_documents_in_the_bucket_for_every_application_container(services):
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["KCITY_S3_BUCKET"].startswith("${KCITY_S3_BUCKET"), name
        assert environment["KCITY_S3_ENDPOINT_URL"] == "${KCITY_S3_ENDPOINT_URL:-http://minio:9000}"
    for name in RUNTIME_SERVICES:
        assert services[name]["depends_on"]["createbucket"] == {
            "condition": "service_completed_successfully"
        }, name
    assert "ports" not in services["minio"]  # reached only through the portal
    script = services["createbucket"]["entrypoint"][-1]
    assert "mc anonymous set none" in script  # a private bucket
    assert "mc admin policy attach" in script  # the portal's own, bucket-only user


def test_caddy_balances_over_every_web_container():
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    block = re.search(r"reverse_proxy \{(.*?)\n\t\}", caddyfile, re.S).group(1)
    assert re.search(r"dynamic a \{\s*name web\s*port 8000", block)
    assert "lb_policy" in block and "lb_try_duration" in block


def test_env_example_names_every_variable_the_compose_file_requires(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    required = set(re.findall(r"\$\{(\w+):\?", text))
    example = (ROOT / ".env.example").read_text()
    assert required and {name for name in required if f"\n{name}=" not in example} == set()
