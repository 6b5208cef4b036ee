"""The container files, checked without a Docker engine: docker-compose.yml is valid
against the Compose specification's JSON schema (tests/data/compose-spec.json, vendored
from the compose-spec project), every service runs the one nemobot image with a command
it knows, services wait on health, and the Dockerfile runs as a non-root user with a
health check. CI runs the Dockerfile's install command itself (.ci/image-check)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bots.cli import _parser

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "data" / "compose-spec.json"


def compose() -> dict[str, Any]:
    """docker-compose.yml as Compose reads it (YAML merge keys resolved)."""
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def nemobot_services() -> dict[str, dict[str, Any]]:
    """The services that run the nemobot image."""
    return {name: service for name, service in compose()["services"].items()
            if service.get("image", "").startswith("nemobot")}


def test_the_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert schema["title"] == "Compose Specification"
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose()), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_catches_mistakes() -> None:
    schema = json.loads(SCHEMA.read_text())
    broken = compose()
    broken["services"]["chat"]["depends_on"]["simulator"]["condition"] = "service_happy"
    broken["services"]["telegram"]["restart_policy"] = "always"
    assert len(list(jsonschema.Draft7Validator(schema).iter_errors(broken))) == 2


def test_every_service_runs_the_one_image_with_a_known_command() -> None:
    services = nemobot_services()
    assert {"discord", "telegram", "simulator", "chat", "check"} <= set(services)
    commands = set(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    for name, service in services.items():
        assert service["build"] == "." and service["image"] == "nemobot:latest", name
        assert service["command"][0] in commands, name


def test_services_wait_on_health() -> None:
    spec = compose()["services"]
    for name, service in spec.items():
        for needed, how in service.get("depends_on", {}).items():
            assert needed in spec, f"{name} depends on an unknown service {needed}"
            if "healthcheck" in spec[needed] or needed in nemobot_services():
                assert how["condition"] == "service_healthy", f"{name} -> {needed}"
    for bot in ("discord", "telegram"):
        assert spec[bot]["environment"]["METRICS_PORT"] == "9100"
        assert spec[bot]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_the_demo_profile_runs_the_simulator_and_the_terminal_chat() -> None:
    spec = compose()["services"]
    simulator, chat = spec["simulator"], spec["chat"]
    assert simulator["profiles"] == ["demo"] == chat["profiles"]
    listen = "0.0.0.0"  # noqa: S104 (the container listens on its network)
    assert simulator["command"][0] == "simulator" and listen in simulator["command"]
    public = simulator["command"][simulator["command"].index("--public-url") + 1]
    assert chat["environment"]["NEMO_API_URL"] == public == "http://simulator:8765"
    assert chat["command"][0] == "chat" and chat["stdin_open"] and chat["tty"]
    assert chat["depends_on"]["simulator"]["condition"] == "service_healthy"
    assert "bots.healthcheck" in simulator["healthcheck"]["test"]


def test_the_image_runs_as_a_user_with_a_health_check() -> None:
    lines = dockerfile()
    [user] = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert user not in ("root", "0")
    [check] = [line for line in lines if line.startswith("HEALTHCHECK ")]
    assert '["python", "-m", "bots.healthcheck"]' in check
    assert 'ENTRYPOINT ["nemobot"]' in lines
    install = image_install_command()
    assert "'.[sim]'" in install, "the simulator's extras are in the image"


def image_install_command() -> str:
    """The Dockerfile's pip install command (what .ci/image-check runs too)."""
    [run] = [line for line in dockerfile() if line.startswith("RUN pip install ")]
    return run.removeprefix("RUN ").split("&&")[0].strip()


def test_ci_runs_the_images_install_command() -> None:
    script = (ROOT / ".ci" / "image-check").read_text()
    assert "sed -n" in script and "Dockerfile" in script
    assert re.search(r"^\s*\.ci/image-check\b", (ROOT / ".ci" / "run").read_text(), re.M)
    words = shlex.split(image_install_command())
    assert words[:2] == ["pip", "install"]
