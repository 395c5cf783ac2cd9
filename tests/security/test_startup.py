"""Start-up refuses unsafe or broken configuration with a clear message (manage.py in a subprocess)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

# manage.py in a subprocess with production settings: no test database at all.
pytestmark = pytest.mark.no_orchestrator_db

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
GOOD_KEY = "8Qw0c3Qk3sY2m3H0fGmU3cQJmJxq7m1lq3H1m2ZQ8Xc="


def example_env() -> dict[str, str]:
    """The production example from .env.example (commented-out lines are not set)."""
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "orchestrator_site.settings",
        # Keep files the settings create (var/, SQLite) out of the checkout.
        "CONSOLE_VAR_DIR": str(tmp_path / "var"),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production(**changes: str | None) -> dict[str, str]:
    env = example_env()
    env.pop("CONSOLE_VAR_DIR")  # a Windows path; manage() points it at a temporary folder
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def test_check_deploy_is_clean_with_the_production_example(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production(), tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_local_mode_refuses_to_start_with_a_pairing_secret(tmp_path):
    env = {"CONSOLE_LOCAL_USER": "dev", "CONSOLE_PAIRING_SECRET": "a-secret"}
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "Local sign-in mode (CONSOLE_LOCAL_USER) refuses to start" in result.stderr
    assert "a-secret" not in result.stderr


def test_local_mode_starts_without_a_pairing_secret(tmp_path):
    result = manage("check", env={"CONSOLE_LOCAL_USER": "dev"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_iis_mode_needs_a_pairing_secret(tmp_path):
    result = manage("check", env=production(CONSOLE_PAIRING_SECRET=None), tmp_path=tmp_path)
    assert result.returncode != 0
    assert "Set CONSOLE_PAIRING_SECRET" in result.stderr


def test_production_needs_a_secret_key(tmp_path):
    result = manage("check", env=production(CONSOLE_SECRET_KEY=None), tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set CONSOLE_SECRET_KEY (or CONSOLE_SECRET_KEY_FILE)" in result.stderr


def test_an_unreadable_secret_file_is_named_but_not_echoed(tmp_path):
    env = production(CONSOLE_SECRET_KEY=None, CONSOLE_SECRET_KEY_FILE=str(tmp_path / "missing"))
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "CONSOLE_SECRET_KEY_FILE points to" in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "mssql+pyodbc://rpa:Hunter2-Secret@sqlserver:notaport/OpenOrchestrator",
        "Server=sqlserver;Database=OO;User Id=rpa;Password=Hunter2-Secret;",
        "oracle://rpa:Hunter2-Secret@db/OO",
    ],
)
def test_an_unparseable_connection_string_is_a_clear_error_without_the_password(tmp_path, url):
    result = manage("check", env=production(OpenOrchestratorSQL=url), tmp_path=tmp_path)
    assert result.returncode != 0
    assert "OpenOrchestratorSQL is not a usable connection string" in result.stderr
    assert "Hunter2-Secret" not in result.stderr + result.stdout


@pytest.mark.parametrize("key", ["not-a-key", GOOD_KEY[:-2], "x" * 44])
def test_a_malformed_openorchestrator_key_stops_start_up(tmp_path, key):
    result = manage("check", env=production(OpenOrchestratorKey=key), tmp_path=tmp_path)
    assert result.returncode != 0
    assert "OpenOrchestratorKey is not a valid Fernet key" in result.stderr
    assert key not in result.stderr.replace("OpenOrchestratorKey", "")


def test_debug_is_off_unless_asked(tmp_path):
    code = "from django.conf import settings; print(settings.DEBUG)"
    result = manage("shell", "-c", code, env=production(CONSOLE_DEBUG=None), tmp_path=tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def _variables_read_by_the_code() -> set[str]:
    pattern = re.compile(r"env_(?:str|bool|int|list|secret)\(\s*\"([A-Za-z_]+)\"")
    names: set[str] = set()
    for path in (ROOT / "orchestrator_site").glob("*.py"):
        names |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return names


def test_env_example_documents_every_variable_the_code_reads():
    documented = set(re.findall(r"^#?([A-Za-z_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    read = _variables_read_by_the_code()
    assert "CONSOLE_SECRET_KEY" in read  # the scan itself works
    assert read - documented == set()


def test_an_empty_var_dir_means_the_default_folder(tmp_path):
    # `CONSOLE_VAR_DIR= make run` must not scatter the console's files into the working folder.
    env = {"CONSOLE_LOCAL_USER": "dev", "CONSOLE_VAR_DIR": ""}
    code = "from django.conf import settings; print(settings.VAR_DIR)"
    result = manage("shell", "-c", code, env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip().splitlines()[-1]) == ROOT / "var"
    assert list(tmp_path.iterdir()) == []
