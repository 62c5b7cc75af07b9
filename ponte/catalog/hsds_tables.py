"""Nested HSDS objects ⇄ the tabular form (one list of flat rows per table).

Pure functions on dicts, no database: `flatten` for the datapackage export, `assemble`
for importing a datapackage (or the `tabular.json` form, which is the same tables as
JSON). Foreign keys follow HSDS: an array child carries `<parent table>_id` (attributes
carry `link_id` + `link_entity`, metadata `resource_id` + `resource_type`); a single
nested object is pointed at by the parent's `<key>_id` (`taxonomy_detail` by
`taxonomy_id`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ponte.catalog.hsds_spec import NUMBER, TABLES, Child, Issue, is_number

Row = dict[str, Any]

# Tables a catalog import reads, and the nested keys it uses from a service's organisation
# (building an organisation's whole tree for every service would only waste memory).
SERVICE_TABLES = [
    "organization",
    "service",
    "phone",
    "schedule",
    "service_area",
    "service_at_location",
    "location",
    "address",
    "language",
    "required_document",
    "cost_option",
    "contact",
    "attribute",
    "taxonomy_term",
    "taxonomy",
    "service_capacity",
    "unit",
]
_ORGANIZATION_KEYS = {"phones", "attributes"}


def parent_key(parent_table: str, child_table: str) -> tuple[str, str | None]:
    """(foreign-key column, entity column) linking an array child row to its parent."""
    if child_table == "attribute":
        return "link_id", "link_entity"
    if child_table == "metadata":
        return "resource_id", "resource_type"
    return f"{parent_table}_id", None


def object_key(key: str) -> str:
    """Column of the parent row that points at a single nested object."""
    return "taxonomy_id" if key == "taxonomy_detail" else f"{key}_id"


@dataclass
class Tables:
    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    _by_id: dict[str, dict[str, Row]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, table: str, row: Row) -> None:
        """Add a row; a row whose id is already there only fills in missing columns."""
        row_id = row.get("id")
        existing = self._by_id[table].get(row_id) if isinstance(row_id, str) else None
        if existing is None:
            self.rows[table].append(row)
            if isinstance(row_id, str):
                self._by_id[table][row_id] = row
            return
        for column, value in row.items():
            if existing.get(column) in (None, ""):
                existing[column] = value


def flatten(services: Iterable[dict[str, Any]]) -> dict[str, list[Row]]:
    tables = Tables()
    for service in services:
        _flatten("service", service, tables, {})
    return dict(tables.rows)


def _flatten(table: str, obj: dict[str, Any], tables: Tables, links: Row) -> None:
    spec = TABLES[table]
    row: Row = {name: obj[name] for name in spec.fields if name in obj}
    row.update(links)
    for key, child in spec.children.items():
        value = obj.get(key)
        if value is None:
            continue
        if not child.many:
            if isinstance(value, dict):
                row[object_key(key)] = value.get("id", "")
                _flatten(child.table, value, tables, {})
            continue
        fk, entity = parent_key(table, child.table)
        for item in value:
            child_links: Row = {fk: obj.get("id", "")}
            if entity:
                child_links[entity] = table
            _flatten(child.table, item, tables, child_links)
    tables.add(table, row)


def _convert(table: str, raw: Row) -> Row:
    """Typed values from tabular cells: numbers parsed, empty cells and unknown columns dropped.

    A cell that does not parse stays text, so the conformance check reports it in place.
    """
    spec = TABLES[table]
    row: Row = {}
    for column, value in raw.items():
        if column not in spec.fields or value is None or value == "":
            continue
        kind = spec.fields[column].kind
        if kind == NUMBER and isinstance(value, str):
            row[column] = _number(value)
        elif kind != NUMBER and is_number(value):
            # The tabular form is text: a JSON number in a text column is that text.
            row[column] = str(value)
        else:
            row[column] = value
    return row


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return number if number == number and abs(number) != float("inf") else text


@dataclass
class Assembled:
    """Services built from tables, with problems found on the way.

    `issues[i]` belong to `services[i]`; `general` concerns the tables as a whole.
    """

    services: list[dict[str, Any]] = field(default_factory=list)
    issues: list[list[Issue]] = field(default_factory=list)
    general: list[Issue] = field(default_factory=list)


class _Index:
    def __init__(self, tables: dict[str, list[Row]]) -> None:
        self.by_id: dict[str, dict[str, Row]] = defaultdict(dict)
        self.children: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
        for table, rows in tables.items():
            for row in rows:
                if isinstance(row.get("id"), str):
                    self.by_id[table].setdefault(row["id"], row)
        for parent_table in SERVICE_TABLES:
            for child in TABLES[parent_table].children.values():
                if not child.many:
                    continue
                fk, entity = parent_key(parent_table, child.table)
                for row in tables.get(child.table, []):
                    if entity and row.get(entity) not in (None, "", parent_table):
                        continue
                    if isinstance(row.get(fk), str):
                        self.children[(parent_table, child.table, row[fk])].append(row)

    def build(self, table: str, row: Row, only: set[str] | None = None) -> dict[str, Any]:
        obj: dict[str, Any] = dict(row)
        for key, child in TABLES[table].children.items():
            if (only is not None and key not in only) or child.table not in SERVICE_TABLES:
                continue
            nested = self._nested(table, row, key, child)
            if nested is not None:
                obj[key] = nested
        return obj

    def _nested(self, table: str, row: Row, key: str, child: Child) -> Any:
        if not child.many:
            target = self.by_id[child.table].get(str(row.get(object_key(key), "")))
            if target is None:
                return None
            only = _ORGANIZATION_KEYS if child.table == "organization" else None
            return self.build(child.table, target, only)
        rows = self.children.get((table, child.table, str(row.get("id", ""))), [])
        return [self.build(child.table, item) for item in rows] or None


def assemble(raw_tables: dict[str, list[Row]]) -> Assembled:
    """Nested service objects from tabular rows (values may be CSV text or JSON values)."""
    tables = {name: [_convert(name, row) for row in rows] for name, rows in raw_tables.items()}
    index = _Index(tables)
    result = Assembled()
    for row in tables.get("service", []):
        result.services.append(index.build("service", row))
        result.issues.append(
            [
                Issue(key, "required", _("is required"))
                for key in ("organization_id",)
                if not row.get(key)
            ]
        )
    result.general.extend(_orphans(tables, index))
    return result


def _points_to(row: Row, column: str, rows_by_id: dict[str, Row]) -> bool:
    value = row.get(column)
    return isinstance(value, str) and value in rows_by_id


def _orphans(tables: dict[str, list[Row]], index: _Index) -> list[Issue]:
    """Rows of service tables that no service, location or contact points to."""
    issues = []
    for table in ("phone", "schedule", "service_area", "service_at_location", "language"):
        parents = [
            (parent, parent_key(parent, table)[0])
            for parent in SERVICE_TABLES
            if any(c.table == table and c.many for c in TABLES[parent].children.values())
        ]
        for number, row in enumerate(tables.get(table, []), start=1):
            if not any(_points_to(row, fk, index.by_id[parent]) for parent, fk in parents):
                issues.append(
                    Issue(
                        f"{TABLES[table].path} {number}",
                        "orphan",
                        _("row not linked to any service, location or contact: ignored"),
                    )
                )
    for table in ("required_document", "cost_option", "service_capacity"):
        for number, row in enumerate(tables.get(table, []), start=1):
            if not _points_to(row, "service_id", index.by_id["service"]):
                issues.append(
                    Issue(
                        f"{TABLES[table].path} {number}",
                        "orphan",
                        _("row not linked to any service: ignored"),
                    )
                )
    return issues
