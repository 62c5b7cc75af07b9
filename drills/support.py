"""What the drills share: the report of a drill, the app's environment, bounded subprocesses.

Every child process gets a timeout: a drill that hangs must fail, not block `make drills`.
"""

# ruff: noqa: S603 - the drills run our own tools (manage.py, pg_dump...) with argument lists
from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# The variables of the environment that configure the app: a drill sets its own, so whatever
# the shell that runs `make drills` exports (a real DATABASE_URL, a Redis...) never leaks in.
_APP_VARIABLES = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "REDIS_URL",
    "CONN_MAX_AGE",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "BIND",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "BEHIND_PROXY",
    "LOG_LEVEL",
)


class DrillError(Exception):
    """A step of a drill could not run at all (as opposed to a check that failed)."""


@dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class Outcome:
    """What a drill prints: its figures, then each check with PASS or FAIL."""

    name: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    def figure(self, label: str, value: object) -> None:
        self.figures.append((label, str(value)))
        print(f"    {label}: {value}", flush=True)

    def check(self, name: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, passed, detail))
        suffix = f" ({detail})" if detail else ""
        print(f"    [{'PASS' if passed else 'FAIL'}] {name}{suffix}", flush=True)
        return passed

    @property
    def passed(self) -> bool:
        # A drill that checked nothing has not shown anything: that is a failure too.
        return bool(self.checks) and all(c.passed for c in self.checks)


def step(message: str) -> None:
    print(f"  - {message}", flush=True)


def new_field_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class Secrets:
    """The secrets of one run: fresh each time, never the developer defaults."""

    secret_key: str
    audit_key: str
    key1: str
    key2: str

    @classmethod
    def generate(cls) -> Secrets:
        return cls(
            secret_key=f"drills-{secrets.token_urlsafe(48)}",
            audit_key=f"drills-audit-{secrets.token_urlsafe(24)}",
            key1=new_field_key(),
            key2=new_field_key(),
        )


def app_env(
    database_url: str, *, field_keys: str, secrets_: Secrets, audit_key: str = ""
) -> dict[str, str]:
    """The environment of manage.py, the probe and gunicorn for one database and key ring.

    PONTE_DEV=1 keeps static files and cookies simple on plain HTTP; DEBUG stays off (it needs
    DJANGO_DEBUG as well), so errors are answered as in production.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PONTE_", "DJANGO_")) and k not in _APP_VARIABLES
    }
    env.update(
        PONTE_DEV="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        SECRET_KEY=secrets_.secret_key,
        PONTE_FIELD_KEYS=field_keys,
        PONTE_AUDIT_KEY=audit_key or secrets_.audit_key,
        LOG_LEVEL="CRITICAL",
        PYTHONUNBUFFERED="1",
    )
    return env


def run(
    args: list[str], *, env: dict[str, str] | None = None, timeout: float, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a command to its end within `timeout` seconds; its output is captured."""
    try:
        result = subprocess.run(
            args,
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DrillError(f"{' '.join(args[:4])}… did not finish within {timeout:.0f} s") from exc
    if check and result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-8:]
        raise DrillError(f"{' '.join(args[:4])}… exited {result.returncode}: " + " | ".join(tail))
    return result


def manage(
    env: dict[str, str], *args: str, timeout: float = 300, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return run([PYTHON, "manage.py", *args], env=env, timeout=timeout, check=check)


def probe(env: dict[str, str], *args: str, timeout: float = 120) -> Any:
    """Run drills/probe.py (Django set up on `env`) and return the JSON it prints last."""
    result = run([PYTHON, "-m", "drills.probe", *args], env=env, timeout=timeout)
    lines = result.stdout.strip().splitlines()
    if not lines:
        raise DrillError(f"probe {args[0]} printed nothing")
    return json.loads(lines[-1])


def free_port(preferred: int = 0) -> int:
    """A loopback port nobody listens on: `preferred` and the next 100, or any free one."""
    candidates = [*range(preferred, preferred + 100)] if preferred else []
    for port in [*candidates, 0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise DrillError("no free loopback port")


def wait_until(
    condition: Callable[[], bool], *, timeout: float, interval: float = 0.1, what: str
) -> float:
    """Poll `condition` until true; return the seconds waited, or raise after `timeout`."""
    started = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise DrillError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)
