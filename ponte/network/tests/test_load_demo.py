from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ponte.accounts.models import User
from ponte.audit.models import AuditEvent
from ponte.network.demo import demo_counts
from ponte.network.management.mappatura import MAPPATURA_SOURCE
from ponte.network.models import (
    AccessPoint,
    Agreement,
    Membership,
    Organization,
    OrganizationKind,
    TeamMember,
    Territory,
)
from ponte.network.roles import Role

# A day the three demo pacts must all cover (they run 2025-2027).
PACT_DAY = datetime.date(2026, 11, 22)


def load_demo(settings) -> str:
    settings.DEMO = True
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def printed_password(output: str, email: str) -> str:
    line = next(line for line in output.splitlines() if email in line)
    return re.split(r"\s{2,}", line)[2]


def test_twice_gives_the_same_rows_and_a_new_working_password(db, settings) -> None:
    first_output = load_demo(settings)
    first = demo_counts()
    second_output = load_demo(settings)

    assert demo_counts() == first
    assert AuditEvent.objects.filter(action="demo.loaded").count() == 2
    event = AuditEvent.objects.filter(action="demo.loaded").latest("seq")
    assert event.data["organizations"] == first["organizations"]

    email = "coordinatore@demo.ponte.invalid"
    old, new = printed_password(first_output, email), printed_password(second_output, email)
    assert old != new
    coordinator = User.objects.get(email=email)
    assert not coordinator.check_password(old)
    assert coordinator.check_password(new)
    assert User.objects.get(email="mediatore.bg@demo.ponte.invalid").check_password(new)


def test_every_role_has_an_account_with_a_membership(db, settings) -> None:
    output = load_demo(settings)

    demo_users = User.objects.filter(is_demo=True)
    for role in Role:
        assert Membership.objects.filter(role=role, user__in=demo_users).exists(), role
    admin = User.objects.get(email="admin@demo.ponte.invalid")
    assert admin.is_platform_admin and admin.memberships.exists()
    assert not demo_users.exclude(email__endswith="@demo.ponte.invalid").exists()
    assert not User.objects.filter(is_demo=True, memberships=None).exists()

    coordinator = Membership.objects.get(user__email="coordinatore@demo.ponte.invalid")
    milano_pua = AccessPoint.objects.get(name="PUA InLav Milano (demo)")
    assert coordinator.organization == milano_pua.lead_organization
    partner = Membership.objects.get(user__email="partner.cpi@demo.ponte.invalid")
    assert partner.organization.kind == OrganizationKind.CPI
    for email in ("coordinatore@demo.ponte.invalid", "admin@demo.ponte.invalid"):
        assert email in output


def test_twelve_puas_with_sites_teams_and_ambiti(db, settings) -> None:
    load_demo(settings)

    puas = AccessPoint.objects.filter(is_demo=True)
    assert puas.count() == 12
    provinces = {pua.lead_organization.territory.code for pua in puas}
    assert len(provinces) == 12
    for pua in puas:
        assert "(demo)" in pua.name and pua.lead_organization.is_demo
        assert 1 <= pua.sites.count() <= 3
        assert all(site.opening_hours for site in pua.sites.all())
        assert pua.team.filter(professional_role=TeamMember.ProfessionalRole.MEDIATOR).exists()
    milano = puas.get(name="PUA InLav Milano (demo)")
    assert milano.ambiti.filter(name="Milano").exists()
    languages = {
        code
        for member in TeamMember.objects.filter(professional_role="mediator")
        for code in member.language_list()
    }
    assert {"ar", "pa", "ur", "bn", "wo", "sq"} <= languages


def test_partner_network_covers_every_kind_and_is_marked_fictitious(db, settings) -> None:
    load_demo(settings)

    demo = Organization.objects.filter(is_demo=True)
    assert set(demo.values_list("kind", flat=True)) == set(OrganizationKind.values)
    assert all("(demo)" in name for name in demo.values_list("name", flat=True))


def test_three_pacts_in_force(db, settings) -> None:
    load_demo(settings)

    pacts = Agreement.objects.filter(kind=Agreement.Kind.TERRITORIAL_PACT, is_demo=True)
    assert pacts.count() == 3
    assert pacts.in_force(on=PACT_DAY).count() == 3
    for pact in pacts:
        assert pact.signatories.count() >= 5
        assert pact.signatories.filter(organization=pact.promoter).exists()
        assert all(s.commitments and s.resources for s in pact.signatories.all())


def test_real_organisations_from_the_mapping(db, settings) -> None:
    load_demo(settings)

    real = Organization.objects.filter(is_demo=False)
    assert real.filter(source__startswith=MAPPATURA_SOURCE).count() == real.count() > 50
    ruah = real.get(name="Cooperativa Ruah")
    assert ruah.kind == OrganizationKind.COOPERATIVE
    assert ruah.territory.code == "BG"
    crema = real.get(name="Ufficio di Piano – Ambito Crema")
    assert crema.kind == OrganizationKind.AMBITO_OFFICE
    assert crema.territory == Territory.objects.get(level="ambito", name="Crema")
    assert "LAB'IMPACT" in crema.source and "Mediazione nelle scuole" in crema.description
    # A bare "CARITAS" means the diocesan Caritas of the row's province.
    assert real.filter(name="Caritas Diocesana di Como", kind=OrganizationKind.CARITAS).exists()
    assert real.get(name="Prefettura di Monza e della Brianza").kind == "prefecture"


def test_refuses_without_the_demo_flag(db, settings) -> None:
    settings.DEMO = False
    with pytest.raises(CommandError):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.exists()
