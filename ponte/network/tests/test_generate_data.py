from __future__ import annotations

import random
from io import StringIO

from django.core.management import call_command

from ponte.accounts.models import User
from ponte.network.factories import OrganizationFactory
from ponte.network.management.synthetic import EMAIL_DOMAIN, SCALES, SOURCE_PREFIX
from ponte.network.models import (
    AccessPoint,
    Agreement,
    Membership,
    Organization,
    Signatory,
    Site,
    TeamMember,
)


def generate(seed: int) -> None:
    call_command(
        "generate_data", "--scale=small", f"--seed={seed}", "--no-progress", stdout=StringIO()
    )


def fingerprint() -> dict[str, list[tuple[str, ...]]]:
    """Everything a seed decides, by name rather than by primary key."""
    orgs = Organization.objects.filter(source__startswith=SOURCE_PREFIX)
    return {
        "organizations": sorted(orgs.values_list("name", "kind", "territory__code")),
        "access_points": sorted(
            AccessPoint.objects.filter(lead_organization__in=orgs).values_list(
                "name", "form", "lead_organization__name"
            )
        ),
        "ambiti": sorted(
            AccessPoint.ambiti.through.objects.filter(
                accesspoint__lead_organization__in=orgs
            ).values_list("accesspoint__name", "territory__name")
        ),
        "sites": sorted(
            Site.objects.filter(access_point__lead_organization__in=orgs).values_list(
                "name", "municipality__code", "opening_hours"
            )
        ),
        "users": sorted(
            User.objects.filter(email__endswith=EMAIL_DOMAIN).values_list("email", "full_name")
        ),
        "memberships": sorted(
            Membership.objects.filter(organization__in=orgs).values_list(
                "user__email", "organization__name", "role"
            )
        ),
        "team": sorted(
            TeamMember.objects.filter(access_point__lead_organization__in=orgs).values_list(
                "user__email", "access_point__name", "professional_role", "languages"
            )
        ),
        "agreements": sorted(
            Agreement.objects.filter(promoter__in=orgs).values_list(
                "title", "kind", "valid_from", "valid_until"
            )
        ),
        "signatories": sorted(
            Signatory.objects.filter(organization__in=orgs).values_list(
                "agreement__title", "organization__name", "role"
            )
        ),
    }


def test_same_seed_same_data_other_seed_other_data(db) -> None:
    kept = OrganizationFactory(name="Ente non sintetico (fittizio)")
    random.seed(1)  # the global generator must play no part
    generate(1)
    first = fingerprint()
    first_pks = set(Organization.objects.values_list("pk", flat=True))

    random.seed(99)
    generate(1)  # replaces the first run's rows with new ones
    assert set(Organization.objects.values_list("pk", flat=True)) - first_pks
    assert fingerprint() == first

    generate(2)
    other = fingerprint()
    assert other["organizations"] != first["organizations"]
    assert other["users"] != first["users"]
    assert Organization.objects.filter(pk=kept.pk).exists()


def test_small_scale_sizes_and_markings(db) -> None:
    generate(7)
    scale = SCALES["small"]
    orgs = Organization.objects.filter(source__startswith=SOURCE_PREFIX)
    assert orgs.count() == scale.organizations
    assert AccessPoint.objects.filter(lead_organization__in=orgs).count() == scale.access_points
    assert User.objects.filter(email__endswith=EMAIL_DOMAIN).count() == scale.users
    assert Agreement.objects.filter(promoter__in=orgs).count() == scale.agreements

    assert not orgs.filter(is_demo=False).exists()
    assert all("fittizi" in name for name in orgs.values_list("name", flat=True))
    assert not AccessPoint.objects.filter(is_demo=False).exists()
    assert not Agreement.objects.filter(is_demo=False).exists()
    users = User.objects.filter(email__endswith=EMAIL_DOMAIN)
    assert not users.filter(is_demo=False).exists()
    assert not any(user.has_usable_password() for user in users)
    # Lombardy has 12 provinces and the small scale 12 PUAs: one each.
    assert len(set(orgs.filter(kind="ambito_office").values_list("territory", flat=True))) == 12
