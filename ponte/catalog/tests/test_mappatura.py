from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from ponte.audit.models import AuditEvent
from ponte.catalog.mappatura import (
    COLUMNS,
    SOURCE,
    areas_in,
    read_csv,
    split_activities,
    split_projects,
)
from ponte.catalog.models import Service
from ponte.catalog.taxonomy import Area, Stage
from ponte.network.factories import UserFactory
from ponte.network.management.mappatura import MAPPATURA_CSV, load_mappatura
from ponte.network.management.territories import load_regions
from ponte.network.models import Organization

ROWS_IN_CSV = 49


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):  # the report is checked in the source wording
        call_command("import_mappatura", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def admin(db):
    return UserFactory(email="platform@ponte.test", is_platform_admin=True)


def write_csv(path: Path, rows: list[list[str]], header: list[str] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


CREMA = ["Cremona", "3", "Crema", "LAB'IMPACT", "Mediazione nelle scuole", "Progetto FAMI", "Acli"]


@pytest.mark.parametrize(
    ("title", "projects"),
    [
        (
            "LAB'IMPACT FAMIREDO MIGRAMENTI BERGAMONDO SAI",
            ["LAB'IMPACT", "FAMIREDO", "MIGRAMENTI", "BERGAMONDO", "SAI"],
        ),
        (
            "SPRAR/SAI/ SIPROIMI SAI e progetti specifici METTIAMO LE ALI",
            ["SPRAR/SAI/ SIPROIMI SAI", "METTIAMO LE ALI"],
        ),
        (
            "Sportello Call for a Job Call for ideas Call for Living",
            ["Sportello Call for a Job", "Call for ideas", "Call for Living"],
        ),
        ("INCLUSIONE ATTIVA E SIL", ["INCLUSIONE ATTIVA", "SIL"]),
        ("LAB'IMPACT Sportello Stranieri", ["LAB'IMPACT", "Sportello Stranieri"]),
        # A name that merely contains a programme stays whole.
        ("Rete SAI Sistema di Accoglienza e Integrazione", None),
        ("Percorsi di inclusione attiva", None),
        ("SPRAR/SAI", None),
        ("Progetto Matrioska, attivo dal 2014", None),
    ],
)
def test_split_projects(title: str, projects: list[str] | None) -> None:
    assert split_projects(title) == (projects or [title])


def test_split_activities_also_where_the_pdf_lost_the_line_breaks() -> None:
    text = (
        "Accoglienza migranti Accoglienza, orientamento al lavoro e integrazione "
        "Prevenzione sfruttamento, antirittratta, informazione sanitaria"
    )
    assert split_activities(text) == [
        "Accoglienza migranti",
        "Accoglienza",
        "orientamento al lavoro e integrazione",
        "Prevenzione sfruttamento",
        "antirittratta",
        "informazione sanitaria",
    ]
    # Capitals after a preposition, and acronyms, continue the phrase.
    assert split_activities("energia di Cariplo; diagnosi minori DVA - UONPIA") == [
        "energia di Cariplo",
        "diagnosi minori DVA - UONPIA",
    ]


@pytest.mark.parametrize(
    ("text", "areas"),
    [
        ("mediazione culturale", [Area.MEDIATION]),
        ("start-up e tirocini", [Area.INTERNSHIPS, Area.WORK_GUIDANCE]),
        ("Inserimento lavorativo", [Area.JOB_PLACEMENT]),  # not also generic "lavoro"
        ("Assistenza su permesso di soggiorno", [Area.LEGAL]),
        ("Facilitazione linguistica", [Area.ITALIAN_LANGUAGE]),  # not mediation
        ("Prevenzione sfruttamento", [Area.ANTI_TRAFFICKING]),
        ("accesso alla casa", [Area.HOUSING_TEMPORARY]),
        ("Assegnazione alloggi e Co-Housing", [Area.HOUSING_SHARED, Area.HOUSING_TEMPORARY]),
        ("contrasto alla povertà", [Area.ECONOMIC_SUPPORT, Area.BASIC_NEEDS]),
        ("informazione sanitaria", [Area.HEALTH]),
        ("Lavoro di rete per le scuole", []),
        ("Dispersione scolastica", []),
    ],
)
def test_areas_in(text: str, areas: list[str]) -> None:
    assert areas_in(text) == areas


def test_real_csv_every_row_becomes_services_on_an_empty_database(admin) -> None:
    out, err = run(str(MAPPATURA_CSV))

    assert not err
    imported = Service.objects.filter(source=SOURCE)
    event = AuditEvent.objects.get(action="catalog.mappatura_imported")
    assert event.data["rows"] == event.data["rows_loaded"] == ROWS_IN_CSV
    assert event.data["services_created"] == imported.count() > ROWS_IN_CSV
    assert event.data["organizations_created"] > 50  # none existed: created like load_demo does
    assert out.count("\nRow ") + out.startswith("Row ") == ROWS_IN_CSV
    assert "not mapped to any area: “Dispersione scolastica”" in out

    rows = list(csv.DictReader(MAPPATURA_CSV.open(encoding="utf-8")))
    texts = list(imported.values_list("original_text", flat=True))
    for row in rows:  # every row is kept whole in at least one service
        assert any(row["titolo"] in t and row["riferimenti"] in t for t in texts), row["titolo"]
    assert not imported.exclude(stage=Stage.ACTIVE).exists()
    assert all(s.is_stale() for s in imported)  # never verified in Ponte

    bergamo = imported.filter(organization__name="Ufficio di Piano – Ambito Bergamo")
    assert set(bergamo.values_list("name", flat=True)) == {
        "LAB'IMPACT",
        "FAMIREDO",
        "MIGRAMENTI",
        "BERGAMONDO",
        "SAI",
    }
    sai = bergamo.get(name="SAI")
    assert {Area.RECEPTION, Area.MEDIATION, Area.INTERNSHIPS} <= set(sai.areas)
    assert [t.name for t in sai.territories.all()] == ["Bergamo"]
    assert "Cooperativa Ruah" in sai.notes  # the network the row names

    crema = imported.get(organization__name="Ufficio di Piano – Ambito Crema", name="LAB'IMPACT")
    assert crema.territories.get().name == "Crema"
    # A province-wide row serves the province.
    kpax = imported.filter(organization__name="Cooperativa sociale K-Pax")
    assert {s.territories.get().code for s in kpax} == {"BS"}
    # An agreement between Ambiti: each Ufficio di Piano runs it in its own Ambito.
    matrioska = imported.filter(name__startswith="Progetto Matrioska")
    assert matrioska.count() == 5
    assert {s.territories.get().name for s in matrioska} == {
        "Monza",
        "Desio",
        "Vimercate",
        "Carate Brianza",
        "Seregno",
    }
    # A title that is the provider's name: the service is named by its activity.
    assert imported.get(organization__name="Associazione Il Porto").name.startswith("Accoglienza")


def test_uses_the_organisations_load_demo_made_and_is_idempotent(admin, tmp_path) -> None:
    load_regions(["lombardia"])
    load_mappatura()
    organizations = Organization.objects.count()
    run(str(MAPPATURA_CSV))
    assert Organization.objects.count() == organizations
    first = sorted(Service.objects.values_list("pk", "organization__name", "name", "version"))

    service = Service.objects.get(
        organization__name="Ufficio di Piano – Ambito Crema", name="LAB'IMPACT"
    )
    service.languages.create(code="pa")  # added by hand in Ponte
    run(str(MAPPATURA_CSV))
    assert (
        sorted(Service.objects.values_list("pk", "organization__name", "name", "version")) == first
    )
    second = AuditEvent.objects.filter(action="catalog.mappatura_imported").latest("seq")
    assert second.data["services_unchanged"] == len(first)

    rows = list(csv.reader(MAPPATURA_CSV.open(encoding="utf-8")))
    crema = next(r for r in rows if r[2] == "Crema" and r[3] == "LAB'IMPACT")
    crema[4] += "; tirocini"
    out, _err = run(write_csv(tmp_path / "changed.csv", rows[1:]).as_posix())
    assert "service updated: LAB'IMPACT — Ufficio di Piano – Ambito Crema" in out
    service.refresh_from_db()
    assert service.version == 2 and "tirocini" in service.description
    assert Area.INTERNSHIPS in service.areas
    assert list(service.languages.values_list("code", flat=True)) == ["pa"]
    assert Service.objects.count() == len(first)


def test_malformed_rows_write_nothing_unless_partial(admin, tmp_path) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            CREMA,
            ["Cremona", "3", "Crema", "", "Mediazione", "Progetto FAMI", "Acli"],  # no titolo
            ["Cremona", "3", "Crema", "Sportello"],  # the last three columns are missing
        ],
    )
    with pytest.raises(CommandError):
        _out, err = run(str(path))
    assert not Service.objects.exists()
    assert not Organization.objects.exists()
    assert not AuditEvent.objects.filter(action="catalog.mappatura_imported").exists()

    _out, err = run(str(path), "--partial")
    assert "Row 3" in err and "Empty titolo." in err
    assert "Row 4" in err and "Missing columns: contenuto, tipologia, riferimenti" in err
    service = Service.objects.get()
    assert (service.name, service.organization.name) == (
        "LAB'IMPACT",
        "Ufficio di Piano – Ambito Crema",
    )
    event = AuditEvent.objects.get(action="catalog.mappatura_imported")
    assert (event.data["rows_loaded"], event.data["rows_rejected"]) == (1, 2)


def test_a_missing_column_rejects_the_file(admin, tmp_path) -> None:
    path = write_csv(tmp_path / "cols.csv", [CREMA[:6]], header=COLUMNS[:6])
    with translation.override("en"):
        assert read_csv(path)[1] == ["Missing columns: riferimenti"]
    with pytest.raises(CommandError):
        run(str(path), "--partial")
    assert not Service.objects.exists()


def test_needs_a_platform_admin(db) -> None:
    UserFactory(email="nobody@ponte.test")
    with pytest.raises(CommandError, match="platform administrator"):
        run(str(MAPPATURA_CSV))
    with pytest.raises(CommandError, match=r"nobody@ponte\.test"):
        run(str(MAPPATURA_CSV), "--as", "nobody@ponte.test")
    assert not Service.objects.exists()
