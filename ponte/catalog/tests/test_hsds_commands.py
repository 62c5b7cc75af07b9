"""export_hsds and import_hsds: formats, the acting user, the report and the exit status."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ponte.audit.testing import assert_audited
from ponte.catalog.models import Location, Service
from ponte.catalog.tests.hsds_support import EXAMPLES, HSDS_DIR, full_service
from ponte.network.factories import UserFactory

ADMIN = "platform-cmd@ponte.test"


@pytest.fixture
def admin(db: Any) -> Any:
    return UserFactory(email=ADMIN, is_platform_admin=True)


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _empty_catalog(service: Service) -> None:
    Service.objects.all().delete()
    Location.objects.all().delete()
    service.organization.delete()


@pytest.mark.parametrize("target", ["services.json", "package", "package.zip"])
def test_export_then_import_restores_the_catalog(admin: Any, tmp_path: Path, target: str) -> None:
    service = full_service()
    out = tmp_path / target
    fmt = "json" if target.endswith(".json") else "datapackage"
    run("export_hsds", str(out), "--format", fmt, "--full")
    assert_audited("catalog.hsds_exported")
    _empty_catalog(service)
    printed = run("import_hsds", str(out), "--as-user", ADMIN)
    assert "1" in printed.splitlines()[-1]
    restored = Service.objects.get(public_id=service.public_id)
    assert restored.name == service.name and restored.areas == ["legal", "work_guidance"]


def test_public_export_to_stdout(admin: Any, capsys: Any) -> None:
    full_service()
    call_command("export_hsds", "-", "--public-only")
    services = json.loads(capsys.readouterr().out)
    assert len(services) == 1 and "name" not in services[0]["contacts"][0]


def test_import_needs_a_platform_admin(db: Any, tmp_path: Path) -> None:
    UserFactory(email="op@coop.test")
    path = tmp_path / "s.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(CommandError):
        run("import_hsds", str(path), "--as-user", "op@coop.test")


def test_errors_exit_1_and_write_nothing(admin: Any, tmp_path: Path) -> None:
    service = full_service()
    path = tmp_path / "s.json"
    run("export_hsds", str(path), "--full")
    data = json.loads(path.read_text(encoding="utf-8"))
    _empty_catalog(service)
    bad = {**data[0], "id": "3f7b145d-84af-42d7-8fae-eaca714b02b2", "status": "open"}
    path.write_text(json.dumps([data[0], bad]), encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_hsds", str(path), "--as-user", ADMIN, stdout=out)
    assert failure.value.returncode == 1
    assert "3f7b145d-84af-42d7-8fae-eaca714b02b2 status" in out.getvalue()
    assert Service.objects.count() == 0
    with pytest.raises(CommandError) as partly:
        call_command("import_hsds", str(path), "--as-user", ADMIN, "--partial", stdout=out)
    assert partly.value.returncode == 2
    assert Service.objects.count() == 1


def test_not_json(admin: Any, tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError):
        run("import_hsds", str(path), "--as-user", ADMIN)


def test_dry_run_writes_nothing(admin: Any, tmp_path: Path) -> None:
    service = full_service()
    path = tmp_path / "s.json"
    run("export_hsds", str(path), "--full")
    _empty_catalog(service)
    run("import_hsds", str(path), "--as-user", ADMIN, "--dry-run")
    assert Service.objects.count() == 0


@pytest.mark.skipif(not HSDS_DIR.exists(), reason="the official HSDS files are not here")
def test_import_the_official_examples(admin: Any) -> None:
    run(
        "import_hsds",
        str(EXAMPLES / "service_full.json"),
        "--as-user",
        ADMIN,
        "--default-area",
        "health",
    )
    run("import_hsds", str(EXAMPLES / "csv"), "--as-user", ADMIN, "--default-area", "health")
    assert Service.objects.get().areas == ["health"]
