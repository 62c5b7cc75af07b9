"""Test settings: the production file with local secrets and fast hashing."""

import os

os.environ.setdefault("PONTE_DEV", "1")

from config.settings import *  # noqa: F403
from config.settings import DATABASES

# Argon2 stays the hasher (tests assert it) but with cheap parameters would need a
# subclass; MD5 is only for the bulk of tests that create users in loops.
PASSWORD_HASHERS = [
    "ponte.accounts.hashers.FastArgon2PasswordHasher",
]
PONTE_REQUIRE_2FA = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not the shared in-memory database: the live server used by the browser tests
    # answers several requests at once, and in-memory SQLite fails them with "table is
    # locked" instead of waiting. (pytest-django adds a suffix per xdist worker.)
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
    # PONTE_TEST_SQLITE lets parallel runs in one checkout keep apart.
    test_db = os.environ.get("PONTE_TEST_SQLITE") or str(BASE_DIR / "var" / "test-ponte.sqlite3")  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": test_db}
AXES_ENABLED = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (WhiteNoise warns when it is missing)
