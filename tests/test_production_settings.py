"""The production settings, read in a clean interpreter with only the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, config.settings as s; print(json.dumps({"
    "'hsts': s.SECURE_HSTS_SECONDS, 'sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "'secure': s.SESSION_COOKIE_SECURE, 'name': s.SESSION_COOKIE_NAME, "
    "'csrf': s.CSRF_COOKIE_NAME, 'httponly': s.SESSION_COOKIE_HTTPONLY, 'debug': s.DEBUG, "
    "'idle': s.SESSION_COOKIE_AGE, 'absolute': s.PONTE_SESSION_ABSOLUTE_SECONDS, "
    "'hasher': s.PASSWORD_HASHERS[0], 'twofa': s.PONTE_REQUIRE_2FA}))"
)


def run_settings(env: dict[str, str], probe: str = PROBE) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("PONTE_", "DJANGO_", "DATABASE"))
    }
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_are_strict() -> None:
    result = run_settings(
        {
            "SECRET_KEY": "x" * 60,
            "PONTE_FIELD_KEYS": "1:" + "A" * 43 + "=",
            "PONTE_AUDIT_KEY": "k",
            "DATABASE_URL": "postgres://u@h/db",
            "ALLOWED_HOSTS": "ponte.example.org",
        }
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["hsts"] >= 31536000 and values["sub"] is True
    assert values["secure"] is True and values["httponly"] is True
    assert values["name"].startswith("__Host-") and values["csrf"].startswith("__Host-")
    assert values["debug"] is False and values["twofa"] is True
    assert values["idle"] == 30 * 60 and values["absolute"] == 10 * 3600
    assert values["hasher"].endswith("Argon2PasswordHasher")


def test_the_demo_switch_cannot_relax_production() -> None:
    result = run_settings(
        {
            "SECRET_KEY": "x" * 60,
            "PONTE_FIELD_KEYS": "1:" + "A" * 43 + "=",
            "PONTE_AUDIT_KEY": "k",
            "DATABASE_URL": "postgres://u@h/db",
            "PONTE_DEMO": "1",
        }
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["twofa"] is True


def test_production_refuses_to_start_without_secrets() -> None:
    result = run_settings({"DATABASE_URL": "postgres://u@h/db"})
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_transaction_pooling_disables_server_side_cursors() -> None:
    probe = (
        "import json, config.settings as s; "
        "print(json.dumps(s.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False)))"
    )
    base = {
        "SECRET_KEY": "x" * 60,
        "PONTE_FIELD_KEYS": "1:" + "A" * 43 + "=",
        "PONTE_AUDIT_KEY": "k",
        "DATABASE_URL": "postgres://u@h/db",
        "ALLOWED_HOSTS": "ponte.example.org",
    }

    def read(extra: dict[str, str]) -> object:
        result = run_settings({**base, **extra}, probe)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    assert read({}) is False
    assert read({"DATABASE_POOLER_TRANSACTION": "1"}) is True
