"""The command line: --help for each command, and one clear line with exit code 2 for bad settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_portal(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "portal", *args], capture_output=True, text=True, env=environ, cwd=ROOT, timeout=60
    )


@pytest.mark.parametrize("command", ["serve", "migrate", "demo", "create-admin"])
def test_every_command_has_help(command: str) -> None:
    result = run_portal(command, "--help")
    assert result.returncode == 0
    assert f"usage: portal {command}" in result.stdout


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({"PORTAL_ENV": "production"}, id="production-without-secret"),
        pytest.param(
            {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ORIGIN": "https://x.dk", "PORTAL_DATABASE_URL": "nonsense"},
            id="production-bad-database-url",
        ),
        pytest.param({"PORTAL_ENV": "nonsense"}, id="unknown-env"),
    ],
)
def test_bad_settings_give_one_line_and_exit_2(env: dict[str, str]) -> None:
    result = run_portal("migrate", env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("portal: ")
    assert "Traceback" not in result.stderr


def test_bad_port_is_one_line() -> None:
    result = run_portal("serve", "--port", "99999")
    assert result.returncode == 2
    assert "port must be between 1 and 65535" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_then_demo_twice(tmp_path: Path) -> None:
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40}
    assert run_portal("migrate", env=env).returncode == 0
    first = run_portal("demo", env=env)
    assert first.returncode == 0, first.stderr
    assert "demo data loaded" in first.stdout
    assert "Annette" in first.stdout
    second = run_portal("demo", env=env)
    assert second.returncode == 0
    assert "nothing changed" in second.stdout


def test_demo_without_schema_is_one_line(tmp_path: Path) -> None:
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40}
    result = run_portal("demo", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == "portal: the database has no schema yet: run `portal migrate` first"


def test_unreachable_database_is_one_line() -> None:
    env = {"PORTAL_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "PORTAL_SECRET_KEY": "k" * 40}
    result = run_portal("migrate", env=env)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("portal: the database cannot be used")


def test_demo_refused_in_production() -> None:
    env = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ORIGIN": "https://x.dk"}
    result = run_portal("demo", env=env)
    assert result.returncode == 2
    assert "cannot be loaded when PORTAL_ENV=production" in result.stderr


def test_create_admin_prints_a_working_activation(tmp_path: Path) -> None:
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'admin.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40}
    assert run_portal("migrate", env=env).returncode == 0
    assert run_portal("demo", env=env).returncode == 0
    result = run_portal("create-admin", "--name", "Ada Admin", "--municipality", "183", env=env)
    assert result.returncode == 0, result.stderr
    assert "http://localhost:8000/aktiver/" in result.stdout
    assert "Ishøj" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "Ada", "--municipality", "999"], "no municipality with code '999' in the database"),
        (["--name", "   ", "--municipality", "183"], "--name must be 1 to 200 characters"),
    ],
)
def test_create_admin_bad_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'admin.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40}
    assert run_portal("migrate", env=env).returncode == 0
    result = run_portal("create-admin", *args, env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == f"portal: {message}"
