"""The tabular HSDS form: datapackage export/import, the official CSV example, zip safety."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ponte.catalog.hsds import export_services, import_services
from ponte.catalog.hsds_datapackage import (
    MAX_FILE_BYTES,
    export_datapackage,
    import_datapackage,
    unsafe_member,
)
from ponte.catalog.hsds_spec import TABLES, check, scalar_fields
from ponte.catalog.hsds_tables import SERVICE_TABLES
from ponte.catalog.models import Location, Service
from ponte.catalog.tests.hsds_support import (
    EXAMPLES,
    HSDS_DIR,
    counts,
    full_service,
    json_values,
    normalized,
)
from ponte.network.factories import UserFactory
from ponte.network.models import Organization


@pytest.fixture
def admin(db: Any) -> Any:
    return UserFactory(email="platform-dp@ponte.test", is_platform_admin=True)


def _rows(directory: Path, table: str) -> list[dict[str, str]]:
    text = (directory / TABLES[table].path).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_writes_one_csv_per_table_and_a_descriptor(db: Any, tmp_path: Path) -> None:
    service = full_service()
    export_datapackage(Service.objects.all(), tmp_path, full=True)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["profile"] == "tabular-data-package"
    assert [r["name"] for r in descriptor["resources"]] == SERVICE_TABLES
    for resource in descriptor["resources"]:
        header = (tmp_path / resource["path"]).read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == scalar_fields(resource["name"])
        assert [f["name"] for f in resource["schema"]["fields"]] == scalar_fields(resource["name"])
    [row] = _rows(tmp_path, "service")
    assert row["id"] == str(service.public_id)
    assert row["organization_id"] == str(service.organization.public_id)
    # every row of every table satisfies the tabular required fields
    for table in SERVICE_TABLES:
        for number, row in enumerate(_rows(tmp_path, table)):
            cells = {k: v for k, v in row.items() if v != ""}
            required = TABLES[table].required + TABLES[table].tabular_required
            missing = [k for k in required if k not in cells and k != "unit"]
            assert missing == [], (table, number, missing)


def test_datapackage_round_trip_is_exact(admin: Any, tmp_path: Path) -> None:
    service = full_service()
    first = export_services(Service.objects.all(), full=True)
    export_datapackage(Service.objects.all(), tmp_path / "pkg.zip", full=True)
    Service.objects.all().delete()
    Location.objects.all().delete()
    service.organization.delete()
    report = import_datapackage(tmp_path / "pkg.zip", actor=admin)
    assert report.ok, report.lines()
    second = export_services(Service.objects.all(), full=True)
    assert normalized(second) == normalized(first)
    assert check("service", second[0]) == []


@pytest.mark.skipif(not HSDS_DIR.exists(), reason="the official HSDS files are not here")
def test_the_official_csv_example_imports(admin: Any, tmp_path: Path) -> None:
    # In the published examples datapackage.json is a link to the repository's root
    # file, which is not shipped: the importer falls back to the standard file names.
    report = import_datapackage(EXAMPLES / "csv", actor=admin, default_areas=["legal"])
    assert report.ok, report.lines()
    service = Service.objects.get()
    assert service.name == "Community Counselling"
    assert service.phones.get().number.startswith('"+44 1234 234567"')
    assert service.service_at_locations.get().location.name == "MyCity Civic Center"
    assert service.languages.get().code == "ur"
    assert "datapackage.json" in {p.field for p in report.warnings}
    # the same tables zipped inside a folder import the same way, as an update
    archive = tmp_path / "example.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in (EXAMPLES / "csv").glob("*.csv"):
            zipped.write(path, f"hsds-example/{path.name}")
    again = import_datapackage(archive, actor=admin, default_areas=["legal"])
    assert again.updated == [str(service.public_id)], again.lines()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


@pytest.mark.parametrize(
    "name",
    ["../services.csv", "pkg/../../services.csv", "/etc/services.csv", "C:/x.csv", "a\\b.csv"],
)
def test_zip_with_an_escaping_member_is_refused(admin: Any, tmp_path: Path, name: str) -> None:
    header = ",".join(scalar_fields("service")).encode()
    archive = _zip(tmp_path / "evil.zip", {"services.csv": header, name: b"x"})
    report = import_datapackage(archive, actor=admin)
    assert [p.code for p in report.errors] == ["package"]
    assert Service.objects.count() == 0 and Organization.objects.count() == 0


def test_unsafe_member_names() -> None:
    assert unsafe_member("../x") and unsafe_member("a/../../x") and unsafe_member("/x")
    assert unsafe_member("c:x") and unsafe_member("a\\..\\x") and unsafe_member("")
    assert not unsafe_member("services.csv") and not unsafe_member("pkg/services.csv")


def test_zip_with_a_symlink_is_refused(admin: Any, tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        info = zipfile.ZipInfo("services.csv")
        info.external_attr = 0o120777 << 16  # a symbolic link
        zipped.writestr(info, "/etc/passwd")
    report = import_datapackage(archive, actor=admin)
    assert [p.code for p in report.errors] == ["package"]


def test_zip_bomb_is_refused(admin: Any, tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("services.csv", b"0" * (MAX_FILE_BYTES + 1))
    report = import_datapackage(archive, actor=admin)
    assert [p.code for p in report.errors] == ["package"]


def test_not_a_zip_and_missing_services(admin: Any, tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert [p.code for p in import_datapackage(junk, actor=admin).errors] == ["package"]
    empty = _zip(tmp_path / "empty.zip", {"phones.csv": b"id,number\n"})
    assert [p.code for p in import_datapackage(empty, actor=admin).errors] == ["package"]


def test_bad_rows_are_reported_per_service_and_nothing_is_written(
    admin: Any, tmp_path: Path
) -> None:
    service = full_service()
    export_datapackage(Service.objects.all(), tmp_path, full=True)
    Service.objects.all().delete()
    header, row = (tmp_path / "services.csv").read_text(encoding="utf-8").splitlines()[:2]
    other = "3f7b145d-84af-42d7-8fae-eaca714b02b2"
    broken = row.replace(str(service.public_id), other).replace(",active,", ",open,")
    (tmp_path / "services.csv").write_text(f"{header}\n{row}\n{broken}\n", encoding="utf-8")
    report = import_datapackage(tmp_path, actor=admin)
    assert [(p.index, p.record_id, p.field) for p in report.errors] == [(2, other, "status")]
    assert Service.objects.count() == 0
    partial = import_datapackage(tmp_path, actor=admin, partial=True)
    assert partial.created == [str(service.public_id)]
    assert Service.objects.count() == 1


# --- property: garbled tables never raise and never write half ---------------------------

_IDS = ["3f7b145d-84af-42d7-8fae-eaca714b02b2", "1554f2e2-a373-45db-a3fa-9fc48a61c15e", "x", ""]
_GARBLED_TABLES = [
    "service",
    "organization",
    "phone",
    "service_at_location",
    "location",
    "address",
    "attribute",
    "schedule",
    "service_capacity",
    "contact",
]


def _rows_of(table: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    cell = st.one_of(
        st.sampled_from(_IDS), json_values, st.sampled_from(["active", "physical", "12", "1.5"])
    )
    keys = st.sampled_from(scalar_fields(table))
    return st.lists(st.dictionaries(keys, cell, max_size=8), max_size=3)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(data=st.data())
def test_garbled_tables_never_raise_and_never_write_partially(admin: Any, data: Any) -> None:
    chosen = data.draw(st.lists(st.sampled_from(_GARBLED_TABLES), min_size=1, unique=True))
    payload = {TABLES[t].path: data.draw(_rows_of(t)) for t in chosen}
    before = counts()
    report = import_services(payload, actor=admin, default_areas=["legal"])
    assert "internal" not in {p.code for p in report.problems}, report.lines()
    if report.ok:
        assert report.written == report.records
    else:
        assert counts() == before and report.written == 0
