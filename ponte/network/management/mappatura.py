"""Turn the real Lombardy mapping of services for migrants into Organization rows.

The CSV comes from the annex of the InLav quaderno (seed 002): one row per project or
service found in an Ambito's Piano di Zona 2021-2023. Every row with a single Ambito was
written by that Ambito's Ufficio di Piano, so the Ufficio di Piano is its lead body; the
other bodies come from `mappatura_enti.json`, a hand-checked list of the names the rows
clearly mention. These records are real (is_demo=False).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ponte.network.management.territories import (
    DATA_DIR,
    TerritoryIndex,
    ambiti_data,
    regions_data,
)
from ponte.network.models import Organization, OrganizationKind, Territory

MAPPATURA_CSV = DATA_DIR / "mappatura_servizi_lombardia_2021_2023.csv"
BODIES_FILE = DATA_DIR / "mappatura_enti.json"
MAPPATURA_SOURCE = (
    "Mappatura servizi per persone immigrate dai Piani di Zona 2021-2023 "
    "(InLav Lombardia, ANCI Lombardia / Univ. Milano-Bicocca)"
)
REGION = "lombardia"
SOURCE_MAX = 255  # Organization.source


def ambito_office_name(ambito: str) -> str:
    return f"Ufficio di Piano – Ambito {ambito}"


@dataclass
class _Draft:
    kind: str
    territory: str | None
    intro: str
    rows: list[dict[str, str]] = field(default_factory=list)


@dataclass
class MappaturaResult:
    organizations: list[Organization]
    rows: int
    unmatched_ambiti: list[str]


def read_rows() -> list[dict[str, str]]:
    with MAPPATURA_CSV.open(encoding="utf-8", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


@cache
def _bodies() -> list[dict[str, Any]]:
    with BODIES_FILE.open(encoding="utf-8") as handle:
        return list(json.load(handle)["bodies"])


@cache
def _pattern(alias: str) -> re.Pattern[str]:
    # Whole words only: "CPI" must not match inside "CPIA".
    return re.compile(rf"(?<!\w){re.escape(alias)}(?!\w)", re.IGNORECASE)


def _province_sigla_by_name() -> dict[str, str]:
    names: dict[str, str] = {}
    for province in regions_data()[REGION]["provinces"]:
        for name in [province["name"], *province.get("aliases", [])]:
            names[name.lower()] = province["sigla"]
    return names


def _ambito_by_spelling() -> dict[tuple[str, str], str]:
    spellings: dict[tuple[str, str], str] = {}
    for ambito in ambiti_data(REGION):
        for spelling in [ambito["name"], *ambito.get("aliases", [])]:
            spellings[(ambito["province"], spelling.lower())] = ambito["name"]
    return spellings


def _in_scope(body: dict[str, Any], sigla: str, ambito: str | None) -> bool:
    scope = body.get("scope") or []
    return sigla in scope or (ambito is not None and f"ambito:{ambito}" in scope)


def _mentions(body: dict[str, Any], text: str) -> bool:
    return any(_pattern(alias).search(text) for alias in body["match"])


def _collect(rows: list[dict[str, str]]) -> tuple[dict[str, _Draft], list[str]]:
    provinces = _province_sigla_by_name()
    spellings = _ambito_by_spelling()
    drafts: dict[str, _Draft] = {}
    unmatched: list[str] = []

    def office(ambito: str, sigla: str) -> str:
        name = ambito_office_name(ambito)
        drafts.setdefault(
            name,
            _Draft(
                kind=OrganizationKind.AMBITO_OFFICE,
                territory=f"ambito:{ambito}",
                intro=(
                    f"Ufficio di Piano dell'Ambito territoriale sociale {ambito} ({sigla}): "
                    "programma e gestisce in forma associata i servizi sociali dei comuni "
                    "dell'Ambito (Piano di Zona)."
                ),
            ),
        )
        return name

    for row in rows:
        sigla = provinces[row["provincia"].lower()]
        # Values like "Provincia di Brescia" or "Ambito di Como e tutti gli Ambiti del
        # comasco" are not one Ambito: those rows keep only the bodies they name.
        ambito = spellings.get((sigla, row["ambito"].lower())) if row["ambito"] else None
        if row["ambito"] and ambito is None:
            unmatched.append(row["ambito"])
        names = [office(ambito, sigla)] if ambito else []
        text = f"{row['titolo']}\n{row['riferimenti']}"
        for body in _bodies():
            if not _in_scope(body, sigla, ambito) or not _mentions(body, text):
                continue
            if "ambito_office" in body:
                names.append(office(body["ambito_office"], sigla))
                continue
            drafts.setdefault(
                body["name"],
                _Draft(
                    kind=body["kind"],
                    territory=body["territory"],
                    intro=body.get("description", ""),
                ),
            )
            names.append(body["name"])
        for name in dict.fromkeys(names):
            drafts[name].rows.append({**row, "_where": ambito or row["provincia"]})
    return drafts, sorted(set(unmatched))


def _description(draft: _Draft) -> str:
    lines = [draft.intro, ""] if draft.intro else []
    lines.append("Nella mappatura dei Piani di Zona 2021-2023:")
    for row in draft.rows:
        detail = row["contenuto"] or row["tipologia"]
        lines.append(f"- {row['titolo']} ({row['_where']}): {detail}".rstrip(": "))
    return "\n".join(lines)


def _source(draft: _Draft) -> str:
    titles = "; ".join(dict.fromkeys(row["titolo"] for row in draft.rows))
    text = f"{MAPPATURA_SOURCE} — {titles}"
    return text if len(text) <= SOURCE_MAX else text[: SOURCE_MAX - 1] + "…"


def load_mappatura(index: TerritoryIndex | None = None) -> MappaturaResult:
    """Create or update one Organization per body; keyed by name, so a reload changes nothing."""
    index = index or TerritoryIndex()
    rows = read_rows()
    drafts, unmatched = _collect(rows)
    organizations = []
    for name, draft in drafts.items():
        territory: Territory | None = index.get(draft.territory)
        organization, _ = Organization.objects.update_or_create(
            name=name,
            is_demo=False,
            defaults={
                "kind": draft.kind,
                "territory": territory,
                "description": _description(draft),
                "source": _source(draft),
            },
        )
        organizations.append(organization)
    return MappaturaResult(organizations=organizations, rows=len(rows), unmatched_ambiti=unmatched)
