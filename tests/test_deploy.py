"""The deployment files in deploy/ keep residents' data safe by default, and stay that way when edited.

The systemd unit is rated by `systemd-analyze security` offline (a unit file needs no running systemd for
that); the compose file and the Containerfile are read and checked for secrets written into them,
privileges the containers do not need, and images that could change under the same name.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNIT = DEPLOY / "quartiersbot.service"
MAX_EXPOSURE = 4.0
SECRET_WORD = re.compile(r"pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential", re.IGNORECASE)
CREDENTIALS_IN_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
# An exact release: at least major.minor (python:3.11.13-slim-bookworm, postgres:15.13-bookworm), or a digest.
PINNED = re.compile(r"^[\w./-]+(:\d+\.\d+[\w.-]*)?(@sha256:[0-9a-f]{64})?$")


def exposure(unit: Path) -> float:
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
                            capture_output=True, text=True, check=False, env={**os.environ, "SYSTEMD_COLORS": "0"})
    match = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", result.stdout)
    assert match, f"no overall exposure in the output ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return float(match.group(1))


def unit_settings(unit: Path) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_unit_is_sandboxed_to_an_exposure_of_4_or_less() -> None:
    level = exposure(UNIT)
    assert level <= MAX_EXPOSURE, f"systemd-analyze security rates {UNIT.name} {level}, more than {MAX_EXPOSURE}"


def test_the_systemd_unit_keeps_the_data_folder_private() -> None:
    settings = unit_settings(UNIT)
    assert settings.get("UMask") == ["0077"]
    assert settings.get("StateDirectory") == ["quartiersbot"] and settings.get("StateDirectoryMode") == ["0700"]
    assert settings.get("User") == ["quartiersbot"]
    assert settings.get("CapabilityBoundingSet") == [""]


def scalars(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every scalar with its path; `KEY=value` items of a list (environment in list form) as KEY: value."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from scalars(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, str) and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", item):
                key, value = item.split("=", 1)
                yield (*path, key), value
            else:
                yield from scalars(item, (*path, index))
    elif node is not None:
        yield path, str(node)


def written_secrets(compose: dict[str, Any]) -> list[str]:
    """Values that look like a password, token or secret written into the file itself.

    Allowed: references to a secret (anything under a `secrets` key: names and host files), and `…_FILE`
    variables that point into /run/secrets, where the container finds them."""
    found = []
    for path, value in scalars(compose):
        where = ".".join(str(part) for part in path)
        if CREDENTIALS_IN_URL.search(value):
            found.append(f"{where}: a URL with a password")
        keys = [part for part in path if isinstance(part, str)]
        if "secrets" in keys or not keys or not SECRET_WORD.search(keys[-1]) or not value.strip():
            continue
        if keys[-1].upper().endswith("_FILE") and value.startswith("/run/secrets/"):
            continue
        found.append(f"{where}: {value!r}")
    return found


def service_problems(compose: dict[str, Any]) -> list[str]:
    problems = []
    for name, service in compose["services"].items():
        if "no-new-privileges:true" not in [option.replace(" ", "") for option in service.get("security_opt", [])]:
            problems.append(f"{name}: no security_opt no-new-privileges:true")
        if [capability.upper() for capability in service.get("cap_drop", [])] != ["ALL"]:
            problems.append(f"{name}: cap_drop is not [ALL]")
        image = service.get("image")
        if image is None and "build" not in service:
            problems.append(f"{name}: neither an image nor a build")
        elif image is not None and (":" not in image.split("/")[-1] or ":latest" in image or not PINNED.match(image)):
            problems.append(f"{name}: image {image!r} is not pinned to an exact release")
    return problems


def load_compose(text: str) -> dict[str, Any]:
    compose = yaml.safe_load(text)
    assert isinstance(compose, dict) and compose.get("services"), "no services in the compose file"
    return compose


def test_the_compose_file_holds_no_secret() -> None:
    assert written_secrets(load_compose((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))) == []


def test_every_container_runs_without_privileges_and_from_a_pinned_image() -> None:
    compose = load_compose((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert service_problems(compose) == []
    bot = compose["services"]["bot"]
    assert bot.get("read_only") is True
    assert not bot.get("cap_add"), "the bot needs no capability"


def test_the_checks_catch_a_careless_compose_file() -> None:
    """The checks above would not pass the compose file as it was before they existed."""
    careless = load_compose("""
services:
  database:
    image: postgres:15
    environment:
      POSTGRES_PASSWORD: change-me
  cache:
    image: redis
  bot:
    build: .
    environment:
      - QB_DATABASE_URL=postgresql://quartiersbot:change-me@database/quartiersbot
      - QB_TELEGRAM_TOKEN=123456789:AAE
""")
    assert written_secrets(careless) == [
        "services.database.environment.POSTGRES_PASSWORD: 'change-me'",
        "services.bot.environment.QB_DATABASE_URL: a URL with a password",
        "services.bot.environment.QB_TELEGRAM_TOKEN: '123456789:AAE'",
    ]
    problems = service_problems(careless)
    assert "database: image 'postgres:15' is not pinned to an exact release" in problems
    assert "cache: image 'redis' is not pinned to an exact release" in problems
    assert "bot: cap_drop is not [ALL]" in problems and "bot: no security_opt no-new-privileges:true" in problems


def test_the_container_image_is_pinned_and_runs_privately_as_a_user() -> None:
    containerfile = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM\s+(\S+)", containerfile, re.MULTILINE)
    assert bases and all(PINNED.match(base) and ":" in base for base in bases), bases
    users = re.findall(r"^USER\s+(\S+)", containerfile, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert "umask 0077" in containerfile
    assert re.search(r"install -d -m 0700 .*/var/lib/quartiersbot", containerfile)
