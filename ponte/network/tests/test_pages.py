"""Network pages: writes through services, bad input, uploads, query counts, live revocation."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import World, verified_client
from ponte.audit.testing import assert_audited
from ponte.network.factories import (
    AccessPointFactory,
    AgreementFactory,
    OrganizationFactory,
    SignatoryFactory,
    SiteFactory,
)
from ponte.network.models import Agreement, Membership, Organization
from ponte.network.roles import Role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def agreement_form(world: World, **overrides) -> dict:
    data = {
        "kind": Agreement.Kind.TERRITORIAL_PACT,
        "title": "Patto fittizio per il lavoro dignitoso",
        "promoter": world.own.pk,
        "valid_from": "2026-01-01",
        "valid_until": "2027-12-31",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_an_organisation_it_then_keeps(world: World) -> None:
    client = verified_client(world.users["coordinator"])
    response = client.post(
        reverse("network:organization_create"),
        {
            "name": "Sportello fittizio",
            "kind": "union",
            "managed_by": world.own.pk,
            # mass assignment attempt: none of these are form fields
            "is_demo": "",
            "source": "forged",
            "public_id": "00000000-0000-0000-0000-000000000000",
        },
    )
    assert response.status_code == 302
    created = Organization.objects.get(name="Sportello fittizio")
    assert created.managed_by == world.own and created.source == ""
    assert_audited("network.organization_created", created)
    edit = client.get(reverse("network:organization_edit", args=[created.public_id]))
    assert edit.status_code == 200


def test_bad_organisation_input_gets_clear_messages_and_saves_nothing(world: World) -> None:
    client = verified_client(world.users["coordinator"])
    before = Organization.objects.count()
    response = client.post(
        reverse("network:organization_create"),
        {
            "name": "",
            "kind": "not-a-kind",
            "email": "nope",
            "phone": "call me",
            "managed_by": world.foreign.pk,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"name", "kind", "email", "phone", "managed_by"} <= set(errors)
    assert Organization.objects.count() == before


def test_agreement_date_range_and_upload_validation(world: World) -> None:
    client = verified_client(world.users["coordinator"])
    url = reverse("network:agreement_create")
    bad_dates = client.post(url, agreement_form(world, valid_until="2025-01-01"))
    assert "valid_until" in bad_dates.context["form"].errors
    fake = SimpleUploadedFile("patto.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    not_pdf = client.post(url, {**agreement_form(world), "document": fake})
    assert "document" in not_pdf.context["form"].errors
    assert not Agreement.objects.filter(title="Patto fittizio per il lavoro dignitoso").exists()


def test_oversized_pdf_is_refused(world: World, settings) -> None:
    settings.PONTE_MAX_AGREEMENT_PDF_BYTES = 100
    client = verified_client(world.users["coordinator"])
    big = SimpleUploadedFile("patto.pdf", PDF + b"0" * 200, content_type="application/pdf")
    response = client.post(
        reverse("network:agreement_create"), {**agreement_form(world), "document": big}
    )
    assert "document" in response.context["form"].errors


def test_signed_pdf_is_stored_and_served_as_an_attachment(world: World) -> None:
    client = verified_client(world.users["coordinator"])
    pdf = SimpleUploadedFile("patto.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("network:agreement_create"), {**agreement_form(world), "document": pdf}
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(title="Patto fittizio per il lavoro dignitoso")
    SignatoryFactory(agreement=agreement, organization=world.partner)
    partner = verified_client(world.users["partner_operator@partner"])
    download = partner.get(reverse("network:agreement_document", args=[agreement.public_id]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PDF
    assert_audited("network.agreement_document_downloaded", agreement)
    outsider = verified_client(world.users["coordinator@foreign"])
    assert (
        outsider.get(reverse("network:agreement_document", args=[agreement.public_id])).status_code
        == 404
    )


def test_stale_agreement_edit_is_refused(world: World) -> None:
    agreement = world.own_agreement
    url = reverse("network:agreement_edit", args=[agreement.public_id])
    first = verified_client(world.users["coordinator"])
    second = verified_client(world.users["org_admin"])
    opened_version = agreement.version
    ok = first.post(url, agreement_form(world, title="Prima modifica", version=opened_version))
    assert ok.status_code == 302
    stale = second.post(
        url, agreement_form(world, title="Seconda modifica", version=opened_version)
    )
    assert stale.status_code == 200 and stale.context["form"].non_field_errors()
    agreement.refresh_from_db()
    assert agreement.title == "Prima modifica" and agreement.version == opened_version + 1


def test_revoked_role_is_denied_on_the_same_session_next_request(world: World) -> None:
    coordinator = world.users["coordinator"]
    client = verified_client(coordinator)
    edit_url = reverse("network:organization_edit", args=[world.own.public_id])
    assert client.get(edit_url).status_code == 200
    admin = verified_client(world.users["org_admin"])
    membership = Membership.objects.get(user=coordinator, organization=world.own)
    admin.post(reverse("network:member_revoke", args=[world.own.public_id, membership.pk]))
    # Last role gone: the session itself is ended.
    assert client.get(edit_url).status_code == 302
    assert_audited("network.membership_revoked", coordinator)


def test_existing_account_must_accept_and_the_page_does_not_tell(world: World) -> None:
    target = world.users["case_manager"]  # has an account at `own`
    admin = verified_client(world.users["org_admin@foreign"])
    url = reverse("network:member_list", args=[world.foreign.public_id])
    existing = admin.post(url, {"email": target.email, "role": Role.CASE_MANAGER}, follow=True)
    unknown = admin.post(url, {"email": "chi@nessuno.test", "role": Role.CASE_MANAGER}, follow=True)
    assert [str(m) for m in existing.context["messages"]] == [
        str(m).replace("chi@nessuno.test", target.email) for m in unknown.context["messages"]
    ]
    page = existing.content.decode()
    assert target.full_name not in page  # the name stays private until accepted
    pending = Membership.objects.get(user=target, organization=world.foreign)
    assert pending.accepted_at is None
    # Not a role yet: the foreign organisation's pages treat the person as an outsider.
    invitee = verified_client(target)
    assert (
        invitee.get(reverse("network:member_list", args=[world.foreign.public_id])).status_code
        == 403
    )
    # Only the invitee can answer.
    other = verified_client(world.users["coordinator"])
    accept_url = reverse("network:invitation_accept", args=[pending.pk])
    assert other.post(accept_url).status_code == 404
    assert world.foreign.name in invitee.get(reverse("home")).content.decode()
    assert invitee.post(accept_url).status_code == 302
    pending.refresh_from_db()
    assert pending.accepted_at is not None
    assert_audited("network.membership_accepted", target)


def test_declined_invitation_disappears(world: World) -> None:
    target = world.users["specialist"]
    admin = verified_client(world.users["org_admin@foreign"])
    admin.post(
        reverse("network:member_list", args=[world.foreign.public_id]),
        {"email": target.email, "role": Role.ANALYST},
    )
    pending = Membership.objects.get(user=target, organization=world.foreign)
    invitee = verified_client(target)
    invitee.post(reverse("network:invitation_decline", args=[pending.pk]))
    assert not Membership.objects.filter(pk=pending.pk).exists()


def test_invite_creates_account_and_sends_neutral_mail(world: World) -> None:
    admin = verified_client(world.users["org_admin"])
    url = reverse("network:member_list", args=[world.own.public_id])
    response = admin.post(url, {"email": "Nuova.Collega@Example.test", "role": Role.CASE_MANAGER})
    assert response.status_code == 302
    assert Membership.objects.filter(
        user__email="nuova.collega@example.test", role=Role.CASE_MANAGER
    ).exists()
    assert len(mail.outbox) == 1
    assert "sfruttamento" not in mail.outbox[0].subject.lower()


def test_csrf_is_enforced(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["analyst"])
    assert client.post(reverse("accounts:logout")).status_code == 403


@pytest.mark.parametrize(
    ("url_name", "factory", "limit"),
    [
        ("network:organization_list", lambda: OrganizationFactory(), 12),
        ("network:access_point_list", lambda: SiteFactory(access_point=AccessPointFactory()), 14),
        ("network:agreement_list", None, 12),
    ],
)
def test_list_query_counts_do_not_grow(
    world, url_name, factory, limit, django_assert_max_num_queries
) -> None:
    client = verified_client(world.users["coordinator"])
    for _ in range(30):
        if factory:
            factory()
        else:
            SignatoryFactory(
                agreement=AgreementFactory(promoter=world.own), organization=world.partner
            )
    with django_assert_max_num_queries(limit):
        assert client.get(reverse(url_name)).status_code == 200


def test_security_headers_on_every_page(world: World) -> None:
    client = verified_client(world.users["coordinator"])
    for url in [reverse("home"), reverse("network:organization_list"), reverse("accounts:login")]:
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "'unsafe-inline'" not in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
    personal = client.get(reverse("home"))
    assert "no-store" in personal["Cache-Control"]


def test_replaced_pdf_gets_a_random_name_and_the_old_file_goes(
    world: World, django_capture_on_commit_callbacks
) -> None:
    client = verified_client(world.users["coordinator"])
    first = SimpleUploadedFile(
        "Accordo firmato - Mario Rossi.pdf", PDF, content_type="application/pdf"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("network:agreement_create"), {**agreement_form(world), "document": first}
        )
    agreement = Agreement.objects.get(title="Patto fittizio per il lavoro dignitoso")
    old_name = agreement.document.name
    assert "Rossi" not in old_name and old_name.startswith("agreements/")
    second = SimpleUploadedFile("v2.pdf", PDF + b"%v2", content_type="application/pdf")
    url = reverse("network:agreement_edit", args=[agreement.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {**agreement_form(world), "document": second, "version": agreement.version}
        )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.document.name != old_name
    assert not agreement.document.storage.exists(old_name)


def test_edit_without_version_is_refused(world: World) -> None:
    client = verified_client(world.users["coordinator"])
    url = reverse("network:agreement_edit", args=[world.own_agreement.public_id])
    response = client.post(url, agreement_form(world, title="Senza versione"))
    assert response.status_code == 200 and response.context["form"].non_field_errors()
