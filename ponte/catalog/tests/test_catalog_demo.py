from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from ponte.audit.models import AuditEvent
from ponte.catalog.demo import catalog_counts
from ponte.catalog.mappatura import SOURCE as MAPPATURA_SOURCE
from ponte.catalog.models import (
    Location,
    Opportunity,
    Phone,
    Schedule,
    Service,
    ServiceCapacity,
    ServiceLanguage,
    ServiceTopic,
    ServiceTranslation,
)
from ponte.catalog.queries import gap_matrix
from ponte.catalog.taxonomy import Area, Stage
from ponte.network.models import Territory

GUIDE_LANGUAGES = {"en", "fr", "ar", "ur", "pa", "bn", "es"}


def load_demo(settings) -> None:
    settings.DEMO = True
    call_command("load_demo", "--password=demo-test-password", stdout=StringIO())


def rows() -> dict[str, int]:
    models = [Service, ServiceTopic, ServiceLanguage, ServiceCapacity, ServiceTranslation]
    models += [Schedule, Phone, Location, Opportunity]
    return {model.__name__: model.objects.count() for model in models}


def test_demo_catalog_is_varied_has_holes_and_reloads_unchanged(db, settings) -> None:
    load_demo(settings)
    first = rows()
    demo = Service.objects.filter(is_demo=True)

    # The real mapping comes in through the same plug-in, with the demo admin as actor.
    assert Service.objects.filter(source=MAPPATURA_SOURCE, is_demo=False).count() > 49
    event = AuditEvent.objects.get(action="catalog.mappatura_imported")
    assert event.actor_label == "admin@demo.ponte.invalid"
    assert AuditEvent.objects.get(action="demo.loaded").data["services"] == first["Service"]

    assert all("(demo)" in name for name in demo.values_list("name", flat=True))
    assert set(demo.values_list("stage", flat=True)) == set(Stage.values)
    assert set(ServiceTopic.objects.filter(service__in=demo).values_list("area", flat=True)) == set(
        Area.values
    )
    languages = set(ServiceLanguage.objects.filter(service__in=demo).values_list("code", flat=True))
    assert GUIDE_LANGUAGES | {"wo", "sq"} <= languages
    assert demo.filter(open_without_permit=True).exists()
    assert demo.filter(capacities__available__gt=0).exists()
    assert Location.objects.filter(municipality__level="municipality").count() >= 10

    stale, fresh = demo.stale().count(), demo.count() - demo.stale().count()
    assert stale >= 5 and fresh >= 20
    public = demo.public()
    assert public.count() >= 10
    translated = [
        s for s in public if {t.language for t in s.translations.all()} >= GUIDE_LANGUAGES
    ]
    assert len(translated) >= 3

    opportunities = Opportunity.objects.filter(is_demo=True)
    assert set(opportunities.values_list("kind", flat=True)) == set(Opportunity.Kind.values)
    assert 0 < opportunities.open_now().count() < opportunities.count()
    assert opportunities.filter(driving_licence_required=True).exists()
    assert opportunities.exclude(italian_level="").exists()

    # The deliberate holes: nothing active against exploitation or for housing in Sondrio,
    # while Milano has both.
    matrix = gap_matrix(Service.objects.all())
    sondrio = Territory.objects.get(level="ambito", name="Sondrio")
    milano = Territory.objects.get(level="ambito", name="Milano")
    assert matrix.cell(sondrio.pk, Area.ANTI_TRAFFICKING).is_hole
    assert matrix.cell(sondrio.pk, Area.HOUSING_TEMPORARY).is_hole
    assert not matrix.cell(milano.pk, Area.ANTI_TRAFFICKING).is_hole
    assert not matrix.cell(milano.pk, Area.HOUSING_TEMPORARY).is_hole

    counts = catalog_counts()
    load_demo(settings)
    assert rows() == first
    assert catalog_counts() == counts
