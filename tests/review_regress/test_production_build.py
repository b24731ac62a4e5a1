"""The production settings' new requirement (an https KCITY_SITE_URL, kcity/settings/production.py)
must not stop the places that load those settings without a deployment's .env: the image build
(Dockerfile: collectstatic and compilemessages run under kcity.settings.production) and the
submission-cost bench."""

import os
import re
import shlex
import subprocess
import sys

from django.conf import settings


def _dockerfile_manage_commands() -> list[tuple[dict[str, str], list[str]]]:
    """Each ``manage.py`` command the Dockerfile runs, with the variables set on its line."""
    text = (settings.BASE_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    image_env = {}
    commands = []
    for line in text.splitlines():
        if line.startswith("ENV "):
            image_env.update(dict(pair.split("=", 1) for pair in shlex.split(line[4:])))
        if not line.startswith("RUN "):
            continue
        for part in re.split(r"&&", line[4:]):
            words = shlex.split(part)
            if "manage.py" not in words:
                continue
            env = dict(image_env)
            while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
                name, value = words.pop(0).split("=", 1)
                env[name] = value
            commands.append((env, words))
    return commands


def _loads_settings(tmp_path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_image_build_loads_the_production_settings(tmp_path):
    commands = _dockerfile_manage_commands()
    assert {words[words.index("manage.py") + 1] for _env, words in commands} >= {
        "collectstatic",
        "compilemessages",
    }
    for env, words in commands:
        assert env["DJANGO_SETTINGS_MODULE"] == "kcity.settings.production"
        result = _loads_settings(tmp_path, env)
        assert result.returncode == 0, (words, result.stderr[-600:])


def test_the_submission_cost_bench_loads_its_settings(tmp_path):
    sys.path.insert(0, str(settings.BASE_DIR / "bench"))
    try:
        source = (settings.BASE_DIR / "bench" / "submit_cost.py").read_text()
        block = source[
            source.index("ENVIRONMENT = {") : source.index("}\n", source.index("ENVIRONMENT = {"))
            + 1
        ]
        namespace = {"DATABASE_NAME": "kcity_bench_submit"}
        exec(block, namespace)  # noqa: S102 - the bench's own literal
    finally:
        sys.path.pop(0)
    env = dict(namespace["ENVIRONMENT"])
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    result = _loads_settings(tmp_path, env)
    assert result.returncode == 0, result.stderr[-600:]
