"""Load the Territory tree (region → province → Ambito → municipality) from the data files.

Shared by `load_territories`, `load_demo` and `generate_data`, so the three agree on codes:
regions use the ISTAT code ("03"), provinces their sigla ("MI"), municipalities the
cadastral code ("F205") and Ambiti "<sigla>-<slug>" ("CO-erba").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from ponte.network.models import Territory

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
REGIONS_FILE = DATA_DIR / "italy_regions.json"

Level = Territory.Level

# Lower-case particles the Agenzia delle Entrate list title-cases ("Trezzo Sull'Adda"),
# so names read as in ISTAT's list ("Trezzo sull'Adda").
_PARTICLES = {
    "a",
    "al",
    "alla",
    "allo",
    "agli",
    "all'",
    "con",
    "d'",
    "da",
    "dal",
    "dalla",
    "de'",
    "degli",
    "dei",
    "del",
    "dell'",
    "della",
    "delle",
    "dello",
    "di",
    "e",
    "ed",
    "il",
    "in",
    "la",
    "le",
    "lo",
    "nel",
    "nell'",
    "nella",
    "sopra",
    "sotto",
    "sul",
    "sull'",
    "sulla",
    "sullo",
}
_ELIDED = re.compile(r"^(d'|dell'|sull'|nell'|all'|dall')(.+)$", re.IGNORECASE)


def municipality_name(raw: str) -> str:
    words = raw.split(" ")
    out = [words[0]]
    for word in words[1:]:
        lower = word.lower()
        elided = _ELIDED.match(word)
        if lower in _PARTICLES:
            out.append(lower)
        elif elided:
            out.append(elided.group(1).lower() + elided.group(2))
        else:
            out.append(word)
    return " ".join(out)


@cache
def regions_data() -> dict[str, dict[str, Any]]:
    """The 20 regions keyed by slug, in ISTAT order."""
    with REGIONS_FILE.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return {region["slug"]: region for region in data["regions"]}


def region_slugs() -> list[str]:
    return list(regions_data())


def ambiti_file(slug: str) -> Path:
    return DATA_DIR / f"ambiti_{slug}.json"


@cache
def ambiti_data(slug: str) -> list[dict[str, Any]]:
    path = ambiti_file(slug)
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(json.load(handle)["ambiti"])


def ambito_code(sigla: str, name: str) -> str:
    return f"{sigla}-{slugify(name)}"[:64]


@cache
def _municipalities_by_province() -> dict[str, list[dict[str, Any]]]:
    # Imported here so the package is needed only when territories are loaded.
    import codicefiscale

    path = Path(codicefiscale.__file__).resolve().parent / "data" / "municipalities.json"
    with path.open(encoding="utf-8") as handle:
        rows = json.load(handle)
    by_province: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        # Only current municipalities: the file also keeps every one merged away since 1861.
        if row.get("active") and row.get("province"):
            by_province.setdefault(row["province"], []).append(row)
    for items in by_province.values():
        items.sort(key=lambda row: row["code"])
    return by_province


@dataclass
class LoadResult:
    regions: int = 0
    provinces: int = 0
    ambiti: int = 0
    municipalities: int = 0
    linked_to_ambito: int = 0
    unknown_ambito_towns: list[str] = field(default_factory=list)


def resolve_regions(requested: list[str] | None) -> list[str]:
    """Slugs to load; "all" means every region in the data file."""
    known = region_slugs()
    if not requested:
        return ["lombardia"]
    if "all" in requested:
        return known
    unknown = [slug for slug in requested if slug not in known]
    if unknown:
        raise ValueError(", ".join(unknown))
    return list(dict.fromkeys(requested))


def load_regions(slugs: list[str]) -> LoadResult:
    """Create or update the given regions; safe to run again (same rows, same codes)."""
    result = LoadResult()
    with transaction.atomic():
        for slug in slugs:
            _load_region(regions_data()[slug], result)
    return result


def _load_region(region: dict[str, Any], result: LoadResult) -> None:
    region_node, _ = Territory.objects.update_or_create(
        level=Level.REGION,
        code=region["istat_code"],
        defaults={"name": region["name"], "parent": None},
    )
    result.regions += 1
    provinces: dict[str, Territory] = {}
    for province in region["provinces"]:
        provinces[province["sigla"]], _ = Territory.objects.update_or_create(
            level=Level.PROVINCE,
            code=province["sigla"],
            defaults={"name": province["name"], "parent": region_node},
        )
        result.provinces += 1

    ambiti: dict[str, Territory] = {}
    for ambito in ambiti_data(region["slug"]):
        ambiti[ambito["name"]], _ = Territory.objects.update_or_create(
            level=Level.AMBITO,
            code=ambito_code(ambito["province"], ambito["name"]),
            defaults={"name": ambito["name"], "parent": provinces[ambito["province"]]},
        )
        result.ambiti += 1

    rows = [
        Territory(
            level=Level.MUNICIPALITY,
            code=row["code"],
            name=municipality_name(row["name"]),
            parent=provinces[sigla],
        )
        for sigla in provinces
        for row in _municipalities_by_province().get(sigla, [])
    ]
    # One upsert for ~1,500 rows; `ambito` is left out of the update so a link set by
    # hand (or below) survives a reload.
    Territory.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["level", "code"],
        update_fields=["name", "parent"],
    )
    result.municipalities += len(rows)
    _link_ambito_towns(region["slug"], provinces, ambiti, result)


def _link_ambito_towns(
    slug: str, provinces: dict[str, Territory], ambiti: dict[str, Territory], result: LoadResult
) -> None:
    """Link the municipalities the data file names to their Ambito (the rest stay unlinked)."""
    wanted: dict[tuple[int | None, str], Territory] = {}
    for ambito in ambiti_data(slug):
        for town in ambito.get("municipalities", []):
            wanted[(provinces[ambito["province"]].pk, town.lower())] = ambiti[ambito["name"]]
    if not wanted:
        return
    towns = Territory.objects.filter(
        level=Level.MUNICIPALITY, parent__in=list(provinces.values())
    ).only("pk", "name", "parent_id", "ambito_id")
    found: set[tuple[int | None, str]] = set()
    changed = []
    for town in towns:
        key = (town.parent_id, town.name.lower())
        ambito_node = wanted.get(key)
        if ambito_node is None:
            continue
        found.add(key)
        if town.ambito_id != ambito_node.pk:
            town.ambito = ambito_node
            changed.append(town)
    Territory.objects.bulk_update(changed, ["ambito"])
    result.linked_to_ambito += len(found)
    result.unknown_ambito_towns += sorted(key[1] for key in wanted if key not in found)


class TerritoryIndex:
    """Finds loaded territories from the short specs the data files use.

    "province:MI", "ambito:Erba", "comune:MI:Milano", "region:lombardia"; None for no territory.
    Raises KeyError on a spec that names nothing, so a typo in a data file fails loudly.
    """

    def __init__(self) -> None:
        self._cache: dict[str, Territory] = {}

    def get(self, spec: str | None) -> Territory | None:
        if not spec:
            return None
        if spec not in self._cache:
            self._cache[spec] = self._find(spec)
        return self._cache[spec]

    def one(self, spec: str) -> Territory:
        found = self.get(spec)
        if found is None:
            raise KeyError(spec)
        return found

    def _find(self, spec: str) -> Territory:
        kind, _, rest = spec.partition(":")
        query = Territory.objects.all()
        if kind == "province":
            query = query.filter(level=Level.PROVINCE, code=rest)
        elif kind == "ambito":
            query = query.filter(level=Level.AMBITO, name=rest)
        elif kind == "comune":
            sigla, _, name = rest.partition(":")
            query = query.filter(level=Level.MUNICIPALITY, parent__code=sigla, name__iexact=name)
        elif kind == "region":
            query = query.filter(level=Level.REGION, code=regions_data()[rest]["istat_code"])
        else:
            raise KeyError(spec)
        found = query.first()
        if found is None:
            raise KeyError(spec)
        return found
