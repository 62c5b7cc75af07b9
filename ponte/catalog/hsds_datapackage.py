"""The HSDS tabular form: a Frictionless datapackage (one CSV per table + datapackage.json).

Export writes a directory, or a .zip when the target name ends in .zip. Import reads a
directory or a zip. Zips come from outside, so they are checked before anything is read:
no absolute paths, no `..`, no backslashes or drive letters, no symbolic links, a bounded
number of members and bounded sizes (declared and actually read: a header can lie).
Nothing is ever extracted to disk; members are read into memory.
"""

from __future__ import annotations

import csv
import io
import json
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.catalog.hsds import export_services, timestamp
from ponte.catalog.hsds_import import ImportReport, import_services
from ponte.catalog.hsds_spec import EMAIL, NUMBER, TABLES, URI, UUID, scalar_fields
from ponte.catalog.hsds_tables import SERVICE_TABLES, flatten
from ponte.catalog.models import Service

MAX_MEMBERS = 64
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
DESCRIPTOR = "datapackage.json"


class PackageError(Exception):
    """The package cannot be read safely; the message is for the user."""


# --- export ------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _csv(table: str, rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    columns = scalar_fields(table)
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _cell(row[c]) for c in columns if c in row})
    return out.getvalue().encode("utf-8")


def _field_descriptor(table: str, name: str) -> dict[str, Any]:
    spec = TABLES[table]
    kind = spec.fields[name].kind
    descriptor: dict[str, Any] = {"name": name, "type": "number" if kind == NUMBER else "string"}
    if kind in (UUID, EMAIL, URI):
        descriptor["format"] = kind
    constraints: dict[str, Any] = {}
    if name in spec.required or name in spec.tabular_required:
        constraints["required"] = True
    if spec.fields[name].enum:
        constraints["enum"] = list(spec.fields[name].enum)
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def _foreign_keys(table: str) -> list[dict[str, Any]]:
    keys = []
    for name in scalar_fields(table):
        target = "taxonomy" if name == "taxonomy_id" else name.removesuffix("_id")
        if name.endswith("_id") and target in SERVICE_TABLES and target != table:
            keys.append({"fields": name, "reference": {"resource": target, "fields": "id"}})
    return keys


def _resource(table: str) -> dict[str, Any]:
    return {
        "name": table,
        "path": TABLES[table].path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [_field_descriptor(table, name) for name in scalar_fields(table)],
            "primaryKey": "id",
            "foreignKeys": _foreign_keys(table),
        },
    }


def datapackage_files(services: list[dict[str, Any]]) -> dict[str, bytes]:
    """File name → content of the package for these HSDS service objects."""
    tables = flatten(services)
    files = {TABLES[t].path: _csv(t, tables.get(t, [])) for t in SERVICE_TABLES}
    descriptor = {
        "name": "ponte-hsds",
        "title": "Ponte — catalog of services (Open Referral HSDS 3.0)",
        "profile": "tabular-data-package",
        "created": timestamp(timezone.now()),
        "resources": [_resource(t) for t in SERVICE_TABLES],
    }
    files[DESCRIPTOR] = json.dumps(descriptor, indent=2, ensure_ascii=False).encode("utf-8")
    return files


def export_datapackage(
    queryset: QuerySet[Service], directory: Path | str, *, full: bool = False
) -> Path:
    """Write the package into `directory` (created if needed), or a zip if it ends in .zip."""
    target = Path(directory)
    files = datapackage_files(export_services(queryset, full=full))
    if target.suffix.lower() == ".zip":
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (target / name).write_bytes(content)
    return target


# --- reading ------------------------------------------------------------------------------


def _wanted_names() -> set[str]:
    return {TABLES[t].path for t in SERVICE_TABLES} | {DESCRIPTOR}


def unsafe_member(name: str) -> bool:
    """A zip member name that could escape a directory if anyone ever extracted it."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return True
    first = name.split("/", 1)[0]
    return ":" in first or any(part == ".." for part in PurePosixPath(name).parts)


def _read_zip(path: Path) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(_("not a readable zip file: %(error)s") % {"error": exc}) from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise PackageError(_("too many files in the zip (at most %(n)d)") % {"n": MAX_MEMBERS})
        total = 0
        for info in members:
            if unsafe_member(info.filename):
                raise PackageError(
                    _("unsafe path in the zip: %(name)s") % {"name": info.filename[:200]}
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise PackageError(
                    _("symbolic link in the zip: %(name)s") % {"name": info.filename}
                )
            total += info.file_size
            if info.file_size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
                raise PackageError(_("the zip is too large once unpacked"))
        return _zip_members(archive, members)


def _zip_members(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> dict[str, bytes]:
    """Package files at the root of the zip, or inside its one top-level folder."""
    files = [m for m in members if not m.is_dir()]
    folders = {m.filename.split("/", 1)[0] for m in files if "/" in m.filename}
    prefix = (
        f"{folders.pop()}/" if len(folders) == 1 and all("/" in m.filename for m in files) else ""
    )
    wanted = _wanted_names()
    out: dict[str, bytes] = {}
    for info in files:
        name = info.filename.removeprefix(prefix)
        if name not in wanted:
            continue
        try:
            with archive.open(info) as handle:
                content = handle.read(MAX_FILE_BYTES + 1)
        except (RuntimeError, zipfile.BadZipFile, OSError) as exc:
            raise PackageError(
                _("cannot read %(name)s from the zip: %(error)s") % {"name": name, "error": exc}
            ) from exc
        if len(content) > MAX_FILE_BYTES:
            raise PackageError(_("the zip is too large once unpacked"))
        out[name] = content
    return out


def _read_directory(directory: Path) -> dict[str, bytes]:
    root = directory.resolve()
    out: dict[str, bytes] = {}
    for name in sorted(_wanted_names()):
        path = directory / name
        if not path.exists():
            continue
        if path.is_symlink() or not path.resolve().is_relative_to(root) or not path.is_file():
            raise PackageError(_("%(name)s is not a plain file of the package") % {"name": name})
        if path.stat().st_size > MAX_FILE_BYTES:
            raise PackageError(_("%(name)s is too large") % {"name": name})
        out[name] = path.read_bytes()
    return out


def read_package_files(path: Path | str) -> dict[str, bytes]:
    target = Path(path)
    if target.is_dir():
        return _read_directory(target)
    if target.is_file():
        return _read_zip(target)
    raise PackageError(_("no such file or directory: %(path)s") % {"path": target})


def _resource_paths(files: dict[str, bytes], report: ImportReport) -> dict[str, str]:
    """Standard file name of each table → the file that holds it in this package.

    HSDS packages name their files the standard way; datapackage.json may say otherwise,
    and when it is missing or unreadable the standard names are used.
    """
    paths = {TABLES[t].path: TABLES[t].path for t in SERVICE_TABLES}
    raw = files.get(DESCRIPTOR)
    if raw is None:
        return paths
    try:
        descriptor = json.loads(raw.decode("utf-8-sig"))
        resources = descriptor["resources"]
        if not isinstance(resources, list):
            raise TypeError
    except (ValueError, KeyError, TypeError, RecursionError):  # Recursion: "[[[[…" too deep
        report.add_warning(
            DESCRIPTOR, _("not a valid datapackage descriptor: standard file names used")
        )
        return paths
    for resource in resources:
        if not isinstance(resource, dict):
            continue
        name, path = resource.get("name"), resource.get("path")
        if name in SERVICE_TABLES and isinstance(path, str) and path in files:
            paths[TABLES[name].path] = path
    return paths


def _rows(name: str, content: bytes) -> list[dict[str, Any]]:
    try:
        text = content.decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise PackageError(
            _("%(name)s is not a UTF-8 CSV file: %(error)s") % {"name": name, "error": exc}
        ) from exc


def read_datapackage(path: Path | str, report: ImportReport) -> dict[str, list[dict[str, Any]]]:
    """The tables as `{"services.csv": rows, ...}`, the tabular-JSON shape the importer reads."""
    files = read_package_files(path)
    tables: dict[str, list[dict[str, Any]]] = {}
    for standard, actual in _resource_paths(files, report).items():
        if actual in files:
            tables[standard] = _rows(actual, files[actual])
    if "services.csv" not in tables:
        raise PackageError(_("the package has no services.csv"))
    return tables


def import_datapackage(path: Path | str, *, actor: Any, **options: Any) -> ImportReport:
    """Import a datapackage directory or zip; options as for `import_services`."""
    report = ImportReport()
    try:
        tables = read_datapackage(path, report)
    except PackageError as exc:
        report.general_error(str(exc), "package")
        report.rolled_back = True
        return report
    return import_services(tables, actor=actor, report=report, **options)
