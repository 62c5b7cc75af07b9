"""Every page of the app, with who opens it: the list the axe and CSP tests walk."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from playwright.sync_api import Page, Response

from ponte.accounts.models import EncryptedTOTPDevice
from ponte.network.factories import MembershipFactory, UserFactory
from ponte.network.roles import Role


@dataclass(frozen=True)
class PageSpec:
    name: str
    path: str
    persona: str | None = None  # a key of world.users; None for anonymous
    verified: bool = True  # past the second factor
    status: int = 200
    # Something to do after the page loaded (submit a form...); returns the new response.
    then: Callable[[Page], Response | None] | None = None


def _submit_empty_form(page: Page) -> Response | None:
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").first.click()
    return None


def _new_backup_codes(page: Page) -> Response | None:
    with page.expect_navigation():
        page.locator("main form[action$='/2fa/backup-codes/'] button").click()
    return None


HOME_PERSONAS = [
    "coordinator",
    "org_admin",
    "analyst",
    "outreach_worker",
    "case_manager",
    "specialist",
    "partner_operator@partner",
    "no_membership",
    "platform_admin",
]


def prepare(world: Any) -> None:
    """Users the catalogue needs beyond the root conftest's personas."""
    # Signed in with the password, has an authenticator: lands on the verify page.
    with_totp = world.users["specialist"]
    EncryptedTOTPDevice.objects.create(
        user=with_totp, name="app", key="3132333435363738393031323334353637383930", confirmed=True
    )
    world.users["needs_verify"] = with_totp
    # A new operator without any device: lands on the 2FA setup page.
    newcomer = MembershipFactory(
        organization=world.own, role=Role.CASE_MANAGER, user=UserFactory(email="new@own.test")
    ).user
    world.users["newcomer"] = newcomer


def catalogue(world: Any) -> list[PageSpec]:
    own, ap, agr = world.own, world.own_access_point, world.own_agreement
    network = "network:"
    specs = [
        PageSpec("login", reverse("accounts:login")),
        PageSpec("password reset", reverse("accounts:password_reset")),
        PageSpec("password reset sent", reverse("accounts:password_reset_done")),
        PageSpec(
            "password reset, expired link",
            reverse("accounts:password_reset_confirm", args=["MQ", "expired-token"]),
        ),
        PageSpec("verify (2FA)", reverse("accounts:verify"), "needs_verify", verified=False),
        PageSpec("2FA setup", reverse("accounts:setup"), "newcomer", verified=False),
    ]
    specs += [PageSpec(f"home: {p}", reverse("home"), p) for p in HOME_PERSONAS]
    c = "coordinator"
    specs += [
        PageSpec("network overview", reverse(network + "overview"), c),
        PageSpec(
            "network overview: province",
            reverse(network + "overview_territory", args=[world.province.pk]),
            c,
        ),
        PageSpec("organisation list", reverse(network + "organization_list"), c),
        PageSpec(
            "organisation detail",
            reverse(network + "organization_detail", args=[own.public_id]),
            c,
        ),
        PageSpec("organisation create", reverse(network + "organization_create"), c),
        PageSpec(
            "organisation create, with errors",
            reverse(network + "organization_create"),
            c,
            then=_submit_empty_form,
        ),
        PageSpec(
            "organisation edit",
            reverse(network + "organization_edit", args=[own.public_id]),
            c,
        ),
        PageSpec("access point list", reverse(network + "access_point_list"), c),
        PageSpec(
            "access point detail",
            reverse(network + "access_point_detail", args=[ap.public_id]),
            "org_admin",
        ),
        PageSpec("access point create", reverse(network + "access_point_create"), c),
        PageSpec(
            "access point edit",
            reverse(network + "access_point_edit", args=[ap.public_id]),
            c,
        ),
        PageSpec("site create", reverse(network + "site_create", args=[ap.public_id]), c),
        PageSpec("team add", reverse(network + "team_add", args=[ap.public_id]), "org_admin"),
        PageSpec("agreement list", reverse(network + "agreement_list"), c),
        PageSpec(
            "agreement detail",
            reverse(network + "agreement_detail", args=[agr.public_id]),
            c,
        ),
        PageSpec("agreement create", reverse(network + "agreement_create"), c),
        PageSpec(
            "agreement create, with errors",
            reverse(network + "agreement_create"),
            c,
            then=_submit_empty_form,
        ),
        PageSpec(
            "agreement edit",
            reverse(network + "agreement_edit", args=[agr.public_id]),
            c,
        ),
        PageSpec(
            "member list", reverse(network + "member_list", args=[own.public_id]), "org_admin"
        ),
        PageSpec(
            "API token list", reverse(network + "token_list", args=[own.public_id]), "org_admin"
        ),
        PageSpec("audit trail", reverse(network + "audit_list"), c),
        PageSpec("profile", reverse("accounts:profile"), c),
        PageSpec("password change", reverse("accounts:password_change"), c),
        PageSpec("backup codes", reverse("accounts:profile"), "org_admin", then=_new_backup_codes),
        PageSpec(
            "404 page",
            reverse(network + "organization_detail", args=[uuid.uuid4()]),
            c,
            status=404,
        ),
        PageSpec("403 page", reverse(network + "organization_create"), "analyst", status=403),
    ]
    specs += _catalog_pages(world)
    return specs


def _catalog_pages(world: Any) -> list[PageSpec]:
    from ponte.catalog.factories import CapacityFactory, OpportunityFactory, ServiceFactory
    from ponte.catalog.taxonomy import Area

    service = ServiceFactory(
        organization=world.own,
        name="Sportello legale fittizio",
        areas=[Area.LEGAL, Area.MEDIATION],
        langs=["ar", "pa"],
        places=[world.province],
        open_without_permit=True,
        description="Consulenza su permessi di soggiorno e contratti (dati fittizi).",
    )
    CapacityFactory(service=service, available=2)
    OpportunityFactory(
        organization=world.own,
        service=service,
        title="Tirocinio fittizio",
        seats_total=3,
        seats_available=1,
    )
    cm = "case_manager"
    return [
        PageSpec("service search", reverse("catalog:service_list") + "?q=legale", cm),
        PageSpec("service detail", reverse("catalog:service_detail", args=[service.public_id]), cm),
        PageSpec("service create", reverse("catalog:service_create"), cm),
        PageSpec(
            "service create, with errors",
            reverse("catalog:service_create"),
            cm,
            then=_submit_empty_form,
        ),
        PageSpec("service edit", reverse("catalog:service_edit", args=[service.public_id]), cm),
        PageSpec("opportunity list", reverse("catalog:opportunity_list"), cm),
        PageSpec("opportunity create", reverse("catalog:opportunity_create"), cm),
        PageSpec("gap analysis", reverse("catalog:gap_analysis"), "analyst"),
    ]


@dataclass
class Visit:
    spec: PageSpec
    tab: Any  # conftest.Tab
    response: Response | None

    @property
    def problems(self) -> list[str]:
        """What is wrong before any accessibility check: the status code."""
        if self.response is None:
            return [f"{self.spec.name}: no response"]
        redirected = self.response.request.redirected_from
        if redirected is not None:
            return [f"{self.spec.name}: redirected from {redirected.url} to {self.response.url}"]
        if self.response.status != self.spec.status:
            return [f"{self.spec.name}: HTTP {self.response.status}, expected {self.spec.status}"]
        return []


def walk(kit: Any, world: Any, viewport: dict[str, int], locale: str = "it-IT") -> Any:
    """Open every page of the catalogue in turn, one tab per persona; yields a Visit."""
    tabs: dict[tuple[str | None, bool], Any] = {}
    for spec in catalogue(world):
        key = (spec.persona, spec.verified)
        if key not in tabs:
            user = world.users[spec.persona] if spec.persona else None
            context = kit.context(user, viewport=viewport, locale=locale, verified=spec.verified)
            tabs[key] = kit.tab(context)
        tab = tabs[key]
        tab.console.clear()
        tab.errors.clear()
        response = tab.page.goto(kit.url(spec.path))
        if spec.then is not None:
            spec.then(tab.page)
        yield Visit(spec, tab, response)
