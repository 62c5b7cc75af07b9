"""The generator makes outings and contacts with real repeat contacts, the same for a seed."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db.models import Count

from ponte.outreach.models import Contact, Outing, Place
from ponte.outreach.synthetic import OUTINGS


def _generate(seed: int) -> None:
    call_command(
        "generate_data", "--scale=small", f"--seed={seed}", "--no-progress", stdout=StringIO()
    )


def _fingerprint() -> list[tuple]:  # type: ignore[type-arg]
    return sorted(
        Contact.objects.values_list(
            "public_id", "outing__public_id", "alias", "sector", "nationality"
        )
    )


def test_outings_contacts_and_repeat_contacts(db) -> None:  # type: ignore[no-untyped-def]
    _generate(3)
    assert Outing.objects.count() == OUTINGS["small"]
    assert Place.objects.exists()
    contacts = Contact.objects.count()
    assert contacts > OUTINGS["small"]
    repeated = (
        Contact.objects.exclude(alias_key="")
        .values("alias_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    assert repeated > 10
    assert Contact.objects.filter(case_ref__isnull=False).exists()
    first = _fingerprint()
    _generate(3)  # a new run replaces the previous one, identically
    assert Outing.objects.count() == OUTINGS["small"]
    assert _fingerprint() == first
