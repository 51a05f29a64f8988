"""The command line: --help for each command, and one clear line with exit code 2 for bad settings."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.support.portal_process import ROOT, request, run_portal, serving_demo


@pytest.mark.parametrize("command", ["serve", "migrate", "demo", "create-admin", "outbox"])
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
        pytest.param({}, id="nothing-set"),
        pytest.param(
            {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ORIGIN": "http://localhost:8000"},
            id="production-on-http-localhost",
        ),
    ],
)
@pytest.mark.parametrize("command", ["migrate", "serve"])
def test_bad_settings_give_one_line_and_exit_2(env: dict[str, str], command: str) -> None:
    result = run_portal(command, env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("portal: ")
    assert "Traceback" not in result.stderr


def test_nothing_set_refuses_the_demo_and_says_what_to_set() -> None:
    result = run_portal("demo")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "portal: PORTAL_ENV is not set, so the portal runs in production and needs PORTAL_SECRET_KEY "
        "(32+ characters) and an https PORTAL_ORIGIN; set PORTAL_ENV=demo for the demo"
    )


def test_bad_port_is_one_line() -> None:
    result = run_portal("serve", "--port", "99999")
    assert result.returncode == 2
    assert "port must be between 1 and 65535" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_then_demo_twice(tmp_path: Path) -> None:
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ENV": "demo"}
    assert run_portal("migrate", env=env).returncode == 0
    first = run_portal("demo", env=env)
    assert first.returncode == 0, first.stderr
    assert "demo data loaded" in first.stdout
    assert "Annette" in first.stdout
    second = run_portal("demo", env=env)
    assert second.returncode == 0
    assert "nothing changed" in second.stdout


def test_demo_prints_the_address_of_its_port(tmp_path: Path) -> None:
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'port.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ENV": "demo"}
    assert run_portal("migrate", env=env).returncode == 0
    result = run_portal("demo", "--port", "18100", env=env)
    assert result.returncode == 0, result.stderr
    assert "open http://localhost:18100/demo " in result.stdout
    assert "localhost:8000" not in result.stdout
    chosen = run_portal("demo", "--port", "18100", env={**env, "PORTAL_ORIGIN": "http://localhost:9000"})
    assert "open http://localhost:9000/demo " in chosen.stdout


def test_demo_without_schema_is_one_line(tmp_path: Path) -> None:
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ENV": "demo"}
    result = run_portal("demo", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == "portal: the database has no schema yet: run `portal migrate` first"


def test_a_broken_demo_data_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "portal" / "demo" / "data", data)
    staff = data / "staff.toml"
    staff.write_text(staff.read_text(encoding="utf-8").replace('"ishoj_job"', '"ishoj_jobs"', 1), encoding="utf-8")
    database = tmp_path / "broken.sqlite3"
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{database}", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ENV": "demo"}
    assert run_portal("migrate", env=env).returncode == 0
    # `portal demo` as the console script runs it, with the shipped data swapped for the broken copy.
    code = (
        f"import pathlib, sys, portal.demo.loader as loader; loader.DATA = pathlib.Path({str(data)!r}); "
        "from portal.cli import main; sys.exit(main(['demo']))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")} | env
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, cwd=ROOT, timeout=60
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"portal: the demo data cannot be loaded: {staff}: caseworkers #1.department: "
        '"ishoj_jobs" is not a department in organisations.toml\n'
    )
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM municipality").fetchone() == (0,)


def test_unreachable_database_is_one_line() -> None:
    env = {"PORTAL_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ENV": "demo"}
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
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'admin.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ENV": "demo"}
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
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'admin.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ENV": "demo"}
    assert run_portal("migrate", env=env).returncode == 0
    result = run_portal("create-admin", *args, env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == f"portal: {message}"


def test_serve_demo_origin_follows_the_port_and_logs_no_token(tmp_path: Path) -> None:
    env = {
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40,
        "PORTAL_ENV": "demo", "PYTHONIOENCODING": "utf-8",
    }
    token = "ACTIVATIONtoken0123456789abcdefghij"
    with serving_demo(env) as served:
        port = served.port
        status, headers, page = request(port, "GET", "/demo")
        assert status == 200
        cookies = "; ".join(c.split(";", 1)[0] for c in headers.get("set-cookie", []))
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        user_id = re.search(r'name="user_id" value="(\d+)"', page)
        assert csrf and user_id
        # What a browser on http://localhost:PORT sends with the form.
        status, headers, _ = request(
            port, "POST", "/demo", urlencode({"csrf_token": csrf.group(1), "user_id": user_id.group(1)}),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies, "Origin": f"http://localhost:{port}"},
        )
        assert status == 303
        assert any(c.startswith("enplan_session=") for c in headers["set-cookie"])
        # An invented token: refused as a bad link, but the request is logged like any other.
        assert request(port, "GET", f"/aktiver/{token}?kode={token}")[0] == 400
    out, err = served.out, served.err
    assert f"portal: serving http://localhost:{port} (demo)" in out
    assert f"open http://localhost:{port}/demo" in out
    logged = out + err
    assert '"POST /demo HTTP/1.1" 303' in logged
    assert '"GET /aktiver/… HTTP/1.1"' in logged
    assert token not in logged


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("how", ["argument", "environment"])
def test_make_run_asks_for_the_demo_on_the_chosen_port(how: str) -> None:
    args = ["make", "-n", "run"] + (["PORT=18123"] if how == "argument" else [])
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    if how == "environment":
        environ["PORT"] = "18123"
    result = subprocess.run(args, capture_output=True, text=True, env=environ, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if "bin/portal " in line]
    assert [c.split("bin/portal ", 1)[1] for c in commands] == ["migrate", "demo --port 18123", "serve --port 18123 --catch-mail"]
    assert all(c.startswith("PORTAL_ENV=demo ") for c in commands)
