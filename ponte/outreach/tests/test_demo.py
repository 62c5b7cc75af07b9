"""The demo's outreach data: sent through the real sync, loaded twice without duplicates."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from conftest import verified_client
from ponte.accounts.models import User
from ponte.outreach.demo import WORKER_EMAIL
from ponte.outreach.models import Contact, Outing


def test_demo_outreach_is_idempotent_and_shows_on_the_dashboard(db, settings) -> None:
    settings.DEMO = True
    call_command("load_demo", stdout=StringIO())
    first = (Outing.objects.count(), Contact.objects.count())
    call_command("load_demo", stdout=StringIO())
    assert (Outing.objects.count(), Contact.objects.count()) == first == (3, 8)
    # "Raj del furgone" and "Samir" were met twice: the repeat contacts the dashboard counts.
    # (The alias is encrypted at rest, so it is compared after decryption.)
    assert sum(1 for contact in Contact.objects.all() if contact.alias == "Samir") == 2
    client = verified_client(User.objects.get(email=WORKER_EMAIL))
    assert client.get(reverse("outreach:dashboard")).status_code == 200
