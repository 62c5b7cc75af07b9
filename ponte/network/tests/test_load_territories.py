from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import codicefiscale
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from ponte.network.management.territories import REGIONS_FILE, ambiti_data, municipality_name
from ponte.network.models import Territory

Level = Territory.Level


def load(*regions: str) -> str:
    out = StringIO()
    args = [f"--region={region}" for region in regions]
    call_command("load_territories", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> list[tuple[int, str, str, str, int | None, int | None]]:
    return list(
        Territory.objects.order_by("pk").values_list(
            "pk", "level", "code", "name", "parent_id", "ambito_id"
        )
    )


def test_regions_file_has_every_region_and_province() -> None:
    regions = json.loads(REGIONS_FILE.read_text(encoding="utf-8"))["regions"]
    siglas = [p["sigla"] for region in regions for p in region["provinces"]]
    assert len(regions) == 20
    assert len({r["istat_code"] for r in regions}) == 20
    assert len(siglas) == len(set(siglas)) == 107
    # Every current municipality in the package must find its province in our file.
    data = Path(codicefiscale.__file__).parent / "data" / "municipalities.json"
    active = {
        row["province"]
        for row in json.loads(data.read_text(encoding="utf-8"))
        if row["active"] and row["province"]
    }
    assert active == set(siglas)


def test_ambiti_file_names_each_province_once_and_is_lombard() -> None:
    ambiti = ambiti_data("lombardia")
    lombard = {"BG", "BS", "CO", "CR", "LC", "LO", "MB", "MI", "MN", "PV", "SO", "VA"}
    assert {a["province"] for a in ambiti} == lombard
    assert len({a["name"] for a in ambiti}) == len(ambiti)
    assert all(a["source"] for a in ambiti)


def test_lombardy_tree(db) -> None:
    with translation.override("en"):  # the summary is checked in the source wording
        output = load()  # lombardia is the default

    region = Territory.objects.get(level=Level.REGION)
    assert (region.code, region.name) == ("03", "Lombardia")
    provinces = Territory.objects.filter(level=Level.PROVINCE)
    assert provinces.count() == 12
    assert set(provinces.values_list("parent_id", flat=True)) == {region.pk}
    assert Territory.objects.get(level=Level.PROVINCE, code="MB").name == "Monza e della Brianza"

    ambiti = Territory.objects.filter(level=Level.AMBITO)
    assert ambiti.count() == len(ambiti_data("lombardia"))
    assert set(ambiti.filter(parent__code="MB").values_list("name", flat=True)) == {
        "Monza",
        "Desio",
        "Vimercate",
        "Carate Brianza",
        "Seregno",
    }
    assert ambiti.filter(parent__code="PV", name="Alto e Basso Pavese").exists()
    assert ambiti.filter(parent__code="CO").count() == 7

    towns = Territory.objects.filter(level=Level.MUNICIPALITY)
    assert towns.count() > 1000
    assert not towns.exclude(parent__in=provinces).exists()
    milano = towns.get(code="F205")
    assert (milano.name, milano.parent.code, milano.ambito.name) == ("Milano", "MI", "Milano")
    assert towns.get(code="L411").name == "Trezzo sull'Adda"
    assert milano.region() == region
    assert "12 provinces" in output


def test_reload_changes_nothing_and_keeps_hand_made_links(db) -> None:
    load()
    # A town the Ambiti file does not name, linked by hand: the link must survive a reload.
    town = Territory.objects.filter(level=Level.MUNICIPALITY, ambito=None).order_by("code")[0]
    town.ambito = Territory.objects.get(level=Level.AMBITO, code="CO-erba")
    town.save()
    before = snapshot()

    load()

    assert snapshot() == before


def test_other_regions_and_all(db) -> None:
    load("valle-d-aosta", "molise")
    assert Territory.objects.filter(level=Level.REGION).count() == 2
    assert Territory.objects.filter(level=Level.PROVINCE).count() == 3
    assert not Territory.objects.filter(level=Level.AMBITO).exists()
    assert Territory.objects.filter(level=Level.MUNICIPALITY, parent__code="AO").count() > 70


def test_unknown_region_is_refused(db) -> None:
    with pytest.raises(CommandError, match="atlantide"):
        load("atlantide")
    assert not Territory.objects.exists()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Trezzo Sull'Adda", "Trezzo sull'Adda"),
        ("Cassano D'Adda", "Cassano d'Adda"),
        ("Sotto Il Monte Giovanni XXIII", "Sotto il Monte Giovanni XXIII"),
        ("Cassina De' Pecchi", "Cassina de' Pecchi"),
        ("Milano", "Milano"),
        ("San Giovanni In Croce", "San Giovanni in Croce"),
    ],
)
def test_municipality_names_read_as_istat_writes_them(raw: str, expected: str) -> None:
    assert municipality_name(raw) == expected
