"""Bad files for the catalog imports, generated (hypothesis): the mapping CSV and HSDS files.

Random bytes, other encodings, byte-order marks, missing and extra columns, huge fields, cells
of the wrong type, spreadsheet formulas, nesting deeper than the parser goes. Each file is
imported (all or nothing) and either comes in or is refused with messages a person can act on;
a refused file leaves every table of the database exactly as it was. Oversized files and files
of another type are refused before they are read.

The HSDS importer's handling of odd JSON *values* is fuzzed in test_hsds.py and of odd tables
in test_hsds_datapackage.py; here it is the file as it arrives at the command.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ponte.catalog import mappatura
from ponte.catalog.hsds import export_services
from ponte.catalog.hsds_datapackage import MAX_FILE_BYTES as MAX_PACKAGE_FILE_BYTES
from ponte.catalog.hsds_datapackage import datapackage_files
from ponte.catalog.management.commands.import_hsds import MAX_JSON_BYTES
from ponte.catalog.mappatura import COLUMNS, MappaturaError, import_mappatura
from ponte.catalog.models import Service
from ponte.catalog.tests.hsds_support import full_service, json_values
from ponte.network.factories import UserFactory

ADMIN = "platform-fuzz@ponte.test"
FUZZ = settings(
    max_examples=60,
    derandomize=True,
    # One database per test: every example compares its own before and after.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def admin(db: Any) -> Any:
    return UserFactory(email=ADMIN, is_platform_admin=True)


class Files:
    """Numbered files in one temporary directory: hypothesis runs many examples per test."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    def write(self, content: bytes, suffix: str) -> Path:
        self.count += 1
        path = self.directory / f"upload-{self.count}{suffix}"
        path.write_bytes(content)
        return path


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return Files(tmp_path)


def table_counts() -> Counter[str]:
    """Rows of every table, many-to-many tables included."""
    return Counter(
        {
            model._meta.label: model._default_manager.count()
            for model in apps.get_models(include_auto_created=True)
        }
    )


def sparse_file(path: Path, size: int) -> Path:
    """A file that says it is `size` bytes long without taking the disk space."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


# --- values for the cells ------------------------------------------------------------------------

FORMULAS = ["=1+1", "+SUM(A1:A9)", "-2+3", "@cmd", "\t=x", "\r=x", '=HYPERLINK("http://x")']
CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", '"', '""', "a,b", "riga\nnuova", "\ufeff", *FORMULAS]),
    # At, under and over the csv module's field limit (128 KiB).
    st.sampled_from([10_000, 131_072, 131_073]).map(lambda n: "x" * n),
)
# A row of the real file, and the real province names: most generated rows get past the first
# checks, so the later ones are exercised too.
REAL_ROW = [
    "Cremona",
    "3",
    "Crema",
    "LAB'IMPACT",
    "Mediazione nelle scuole; Corsi di italiano",
    "Progetto FAMI",
    "Acli",
]
PROVINCES = ["Cremona", "Bergamo", "Milano", "Brescia", "Atlantide", ""]
HEADERS = st.one_of(
    st.just(COLUMNS),
    st.permutations(COLUMNS),
    st.lists(st.sampled_from(COLUMNS), max_size=8),  # missing and repeated columns
    st.just([*COLUMNS, "extra", ""]),
    st.just([f" {c} " for c in COLUMNS]),
    st.just([c.upper() for c in COLUMNS]),
)


@st.composite
def mapping_rows(draw: Any, header: list[str]) -> list[list[str]]:
    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        by_name = dict(zip(COLUMNS, REAL_ROW, strict=True))
        by_name["provincia"] = draw(st.sampled_from(PROVINCES))
        for name in draw(st.lists(st.sampled_from(COLUMNS), max_size=3)):
            by_name[name] = draw(CELL)
        row = [by_name.get(name.strip(), "x") for name in header]
        cut = draw(st.sampled_from([None, None, None, 0, 3, len(row) + 2]))
        rows.append(row if cut is None else (row + ["spare"] * 3)[:cut])
    return rows


ENCODINGS = ["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]


@st.composite
def mapping_files(draw: Any) -> bytes:
    """A mapping file as someone might save it from a spreadsheet, or just bytes."""
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        return bytes(draw(st.binary(max_size=300)))
    header = list(draw(HEADERS))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\r\n", "\n", "\r"])))
    writer.writerow(header)
    writer.writerows(draw(mapping_rows(header)))
    encoding = draw(st.sampled_from(ENCODINGS))
    return out.getvalue().encode(encoding, errors="replace")


# --- the mapping CSV -----------------------------------------------------------------------------


@FUZZ
@given(content=mapping_files())
def test_a_mapping_file_is_imported_whole_or_refused_with_reasons(
    admin: Any, files: Files, content: bytes
) -> None:
    path = files.write(content, ".csv")
    before = table_counts()
    try:
        with translation.override("en"):
            report = import_mappatura(path, actor=admin)
    except MappaturaError as refused:
        event("refused")
        problems = [
            *refused.report.file_errors,
            *(e for plan in refused.report.rejected for e in plan.errors),
        ]
        assert problems and all(isinstance(p, str) and p.strip() for p in problems)
        assert table_counts() == before
        return
    event("imported")
    assert report.written and not report.rejected and not report.file_errors
    after = table_counts()
    assert not before - after  # nothing went missing
    assert after["catalog.Service"] >= before["catalog.Service"]
    for row in report.rows:
        assert row.services, row.plan.number  # every row of the file became a service


def _command(*args: str) -> str:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def _refused_by_command(*args: str) -> str:
    """Runs a command that must refuse: returns what it said and checks nothing changed."""
    before = table_counts()
    out, err = StringIO(), StringIO()
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command(*args, stdout=out, stderr=err)
    assert table_counts() == before
    return f"{refused.value}\n{out.getvalue()}\n{err.getvalue()}"


def _mapping_text(rows: list[list[str]], header: list[str] = COLUMNS) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue()


ACCENTED = ["Cremona", "3", "Crema", "Città aperta", "Attività", "Progetto", "Acli"]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (_mapping_text([ACCENTED]).encode("latin-1"), "not a CSV file in UTF-8"),
        (_mapping_text([ACCENTED]).encode("utf-16"), "not a CSV file in UTF-8"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not a CSV file in UTF-8"),
        (b"PK\x03\x04" + b"\x00" * 40, "Missing columns"),  # a spreadsheet, not its CSV
        (b"", "Missing columns"),
        (_mapping_text([REAL_ROW], header=COLUMNS[:-1]).encode(), "Missing columns: riferimenti"),
        (_mapping_text([[*REAL_ROW[:3], "x" * 131_073, *REAL_ROW[4:]]]).encode(), "field limit"),
        (_mapping_text([[*REAL_ROW[:3], "", *REAL_ROW[4:]]]).encode(), "Empty titolo."),
        (_mapping_text([["Atlantide", *REAL_ROW[1:]]]).encode(), "Unknown provincia: Atlantide"),
    ],
)
def test_the_mapping_command_says_why_and_writes_nothing(
    admin: Any, files: Files, content: bytes, said: str
) -> None:
    path = files.write(content, ".csv")
    assert said in _refused_by_command("import_mappatura", str(path), "--as", ADMIN)


def test_an_oversized_mapping_file_is_refused_before_it_is_read(admin: Any, tmp_path: Path) -> None:
    path = sparse_file(tmp_path / "huge.csv", mappatura.MAX_FILE_BYTES + 1)
    said = _refused_by_command("import_mappatura", str(path), "--as", ADMIN)
    assert "too large (at most 5 MB)" in said


def test_a_bom_and_spreadsheet_formulas_are_read_as_text(admin: Any, files: Files) -> None:
    """The file a spreadsheet saves (BOM, CRLF) is fine; a formula is a title like any other
    (the exports escape it, tests/test_exports_escape.py)."""
    row = [*REAL_ROW[:3], '=HYPERLINK("http://x")', *REAL_ROW[4:]]
    path = files.write(_mapping_text([row]).encode("utf-8-sig"), ".csv")
    _command("import_mappatura", str(path), "--as", ADMIN)
    assert Service.objects.get().name == '=HYPERLINK("http://x")'


# --- HSDS files ----------------------------------------------------------------------------------


@pytest.fixture
def exported(admin: Any) -> Iterator[dict[str, Any]]:
    """A complete service as HSDS JSON, taken out of the database: importing it creates it."""
    service = full_service()
    document = export_services(Service.objects.filter(pk=service.pk), full=True)[0]
    Service.objects.all().delete()
    yield document


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def hsds_json_files(draw: Any, document: dict[str, Any]) -> bytes:
    choice = draw(st.integers(min_value=0, max_value=5))
    if choice == 0:
        return bytes(draw(st.binary(max_size=300)))
    if choice == 1:
        return json.dumps(draw(json_values)).encode()
    if choice == 2:  # the service, with one key removed or replaced by any JSON value
        key = draw(st.sampled_from(sorted(document)))
        changed = {k: v for k, v in document.items() if k != key}
        if draw(st.booleans()):
            changed[key] = draw(json_values)
        return json.dumps(changed).encode()
    if choice == 3:  # nesting around and past the parser's limit
        return _nested(draw(st.sampled_from([10, 500, 990, 5_000, 100_000]))).encode()
    text = json.dumps(document, ensure_ascii=False)
    return text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


@FUZZ
@given(data=st.data())
def test_an_hsds_json_file_is_imported_whole_or_refused_with_reasons(
    exported: dict[str, Any], files: Files, data: Any
) -> None:
    path = files.write(data.draw(hsds_json_files(exported)), ".json")
    before = table_counts()
    try:
        said = _command("import_hsds", str(path), "--as-user", ADMIN, "--default-area", "legal")
    except CommandError as refused:
        event("refused")
        assert str(refused).strip()
        assert table_counts() == before
        return
    event("imported")
    assert "Import finished with errors" not in said
    # An import replaces what the file says of a service (its areas, phones...), so rows of
    # those tables may go; services never do, and the one in the file is there.
    assert table_counts()["catalog.Service"] >= before["catalog.Service"]
    assert Service.objects.filter(public_id=exported["id"]).exists()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


@st.composite
def packages(draw: Any, document: dict[str, Any]) -> bytes:
    """The service's datapackage with its services.csv rewritten: other encodings, formulas,
    huge cells, columns gone or added, or bytes."""
    members = datapackage_files([document])
    rows = list(csv.reader(io.StringIO(members["services.csv"].decode("utf-8"))))
    header, body = rows[0], rows[1:]
    for name in draw(st.lists(st.sampled_from(header), max_size=3, unique=True)):
        index = header.index(name)
        if draw(st.booleans()):
            header, body = (
                header[:index] + header[index + 1 :],
                [r[:index] + r[index + 1 :] for r in body],
            )
        else:
            body = [[*r[:index], draw(CELL), *r[index + 1 :]] for r in body]
    if draw(st.booleans()):
        header = [*header, "colonna_in_piu"]
        body = [[*r, draw(CELL)] for r in body]
    text = io.StringIO()
    csv.writer(text).writerows([header, *body])
    if draw(st.integers(min_value=0, max_value=5)) == 0:
        members["services.csv"] = bytes(draw(st.binary(max_size=200)))
    else:
        encoding = draw(st.sampled_from(ENCODINGS))
        members["services.csv"] = text.getvalue().encode(encoding, errors="replace")
    if draw(st.booleans()):
        members["datapackage.json"] = draw(
            st.sampled_from([b"", b"{", _nested(5_000).encode(), b'{"resources": 3}'])
        )
    return _zip(members)


@FUZZ
@given(data=st.data())
def test_an_hsds_datapackage_is_imported_whole_or_refused_with_reasons(
    exported: dict[str, Any], files: Files, data: Any
) -> None:
    path = files.write(data.draw(packages(exported)), ".zip")
    before = table_counts()
    try:
        _command("import_hsds", str(path), "--as-user", ADMIN, "--default-area", "legal")
    except CommandError as refused:
        event("refused")
        assert str(refused).strip()
        assert table_counts() == before
        return
    event("imported")
    assert table_counts()["catalog.Service"] >= before["catalog.Service"]
    assert Service.objects.filter(public_id=exported["id"]).exists()


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("services.json", "ü".encode("latin-1") + b'{"id": 1}', "Not a valid JSON file"),
        ("services.json", b"\x89PNG\r\n\x1a\n", "Not a valid JSON file"),
        ("services.json", _nested(100_000).encode(), "Not a valid JSON file"),
        ("services.json", b'{"name": "=1+1"}', "Import finished with errors"),
        ("services.zip", b"\x89PNG\r\n\x1a\n", "not a readable zip file"),
        ("services.zip", _zip({"services.csv": "é".encode("latin-1")}), "not a UTF-8 CSV file"),
        ("services.zip", _zip({"../services.csv": b"id\n"}), "unsafe path in the zip"),
        ("services.zip", _zip({"other.csv": b"id\n"}), "the package has no services.csv"),
    ],
)
def test_the_hsds_command_says_why_and_writes_nothing(
    admin: Any, files: Files, name: str, content: bytes, said: str
) -> None:
    path = files.write(content, Path(name).suffix)
    assert said in _refused_by_command("import_hsds", str(path), "--as-user", ADMIN)


def test_oversized_hsds_files_are_refused_before_they_are_read(admin: Any, tmp_path: Path) -> None:
    json_file = sparse_file(tmp_path / "huge.json", MAX_JSON_BYTES + 1)
    assert "too large" in _refused_by_command("import_hsds", str(json_file), "--as-user", ADMIN)
    package = tmp_path / "package"
    package.mkdir()
    sparse_file(package / "services.csv", MAX_PACKAGE_FILE_BYTES + 1)
    assert "too large" in _refused_by_command("import_hsds", str(package), "--as-user", ADMIN)
