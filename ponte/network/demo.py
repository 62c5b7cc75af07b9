"""The demo network `make demo` loads: real organisations from the Lombardy mapping, plus a
fictitious InLav network (12 PUAs, partners of every kind, 3 territorial pacts, one
account per role) so every screen has something true-to-life to show.

Everything fictitious carries is_demo=True and "(demo)" in its name; accounts use the
reserved `.invalid` top-level domain so no e-mail can ever reach a real person. Every
record is keyed by a natural key (name, e-mail, title), so loading twice changes nothing.

Plug-in point: apps above the network (the catalog, later cases) add their demo data through
a `demo` module with `extend_demo() -> dict[str, int]` (found with `app_modules`, since the
network may not import them). It runs after the network is loaded, in the same transaction,
in INSTALLED_APPS order, and returns counts for the summary.
"""

from __future__ import annotations

import datetime
import json
import secrets
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _

from ponte.accounts.models import User
from ponte.audit.services import record_now
from ponte.network.management.mappatura import load_mappatura
from ponte.network.management.synthetic import app_modules, vocabulary
from ponte.network.management.territories import (
    DATA_DIR,
    Level,
    TerritoryIndex,
    ambiti_data,
    load_regions,
    regions_data,
)
from ponte.network.models import (
    AccessPoint,
    Agreement,
    Membership,
    Organization,
    OrganizationKind,
    Signatory,
    Site,
    TeamMember,
    Territory,
)
from ponte.network.roles import Role

REGION = "lombardia"
EMAIL_DOMAIN = "demo.ponte.invalid"
DEMO_SOURCE = "Dati dimostrativi fittizi (load_demo)"
K = OrganizationKind
Prof = TeamMember.ProfessionalRole

# Short names for the PUAs; the official province name is kept on the Territory.
SHORT_NAMES = {"MB": "Monza Brianza"}
CAPOLUOGO = {"MB": "Monza"}
FORMS = [
    AccessPoint.Form.SOCIAL_SERVICES,
    AccessPoint.Form.INCLUSION_SPACE,
    AccessPoint.Form.THIRD_SECTOR,
    AccessPoint.Form.ACCREDITED_BODY,
]
OPENING_HOURS = [
    "Lun e Mer 9-13; Gio 14-18",
    "Mar e Ven 9-13; Mer 14-17 su appuntamento",
    "Lun-Ven 9-12; Mar 15-19 (serale per chi lavora)",
]
ITINERANT_HOURS = "Sab 8-12 al mercato settimanale; Dom 17-20 davanti alla stazione"
MEDIATOR_LANGUAGES = ["ar, fr", "pa, ur, hi", "bn, en", "wo, fr", "sq, it", "ur, pa", "ar, ti"]
# (e-mail local part, role, professional role in the Milano PUA team, languages, job title)
ROLE_ACCOUNTS: list[tuple[str, Role, str | None, str, str]] = [
    ("operatore.strada", Role.OUTREACH_WORKER, Prof.EDUCATOR, "ar, fr", "operatore di strada"),
    ("case.manager", Role.CASE_MANAGER, Prof.CASE_MANAGER, "", "case manager"),
    ("specialista", Role.SPECIALIST, Prof.LEGAL_ADVISOR, "", "consulente legale"),
    ("partner.cpi", Role.PARTNER_OPERATOR, None, "", "operatore CPI"),
    ("coordinatore", Role.COORDINATOR, Prof.COORDINATOR, "", "coordinamento PUA"),
    ("analista", Role.ANALYST, None, "", "monitoraggio"),
    ("amministratore", Role.ORG_ADMIN, None, "", "amministrazione ente"),
]
PLATFORM_ADMIN = "admin"

NETWORK_FILE = DATA_DIR / "demo_network.json"


@cache
def network_data() -> dict[str, Any]:
    """Partners, pacts and pact terms: data, so they can be edited without touching code."""
    with NETWORK_FILE.open(encoding="utf-8") as handle:
        return dict(json.load(handle))


@dataclass
class Account:
    role_label: str
    email: str
    organization: str


@dataclass
class DemoResult:
    password: str
    accounts: list[Account]
    team_accounts: list[str]
    counts: dict[str, int] = field(default_factory=dict)


def _org(name: str, kind: str, territory: Territory | None, **extra: Any) -> Organization:
    organization, _ = Organization.objects.update_or_create(
        name=name,
        is_demo=True,
        defaults={"kind": kind, "territory": territory, "source": DEMO_SOURCE, **extra},
    )
    return organization


def _user(local: str, full_name: str, **extra: Any) -> User:
    user, _ = User.objects.update_or_create(
        email=f"{local}@{EMAIL_DOMAIN}",
        defaults={"full_name": full_name, "is_demo": True, "is_active": True, **extra},
    )
    return user


def _person_name(index: int, suffix: str) -> str:
    """A fixed fictitious name per account, from the same lists as the synthetic data."""
    first_names, last_names = vocabulary()["first_names"], vocabulary()["last_names"]
    first = first_names[index % len(first_names)]
    last = last_names[(index * 7) % len(last_names)]
    return f"{first} {last} ({suffix}, demo)"


class _Builder:
    def __init__(self) -> None:
        self.index = TerritoryIndex()
        self.provinces = {
            p["sigla"]: self.index.one(f"province:{p['sigla']}")
            for p in regions_data()[REGION]["provinces"]
        }
        self.leads: dict[str, Organization] = {}
        self.access_points: dict[str, AccessPoint] = {}
        self.partners: dict[str, Organization] = {}
        self.team_emails: list[str] = []

    def town(self, sigla: str, name: str) -> Territory | None:
        return Territory.objects.filter(
            level=Level.MUNICIPALITY, parent__code=sigla, name__iexact=name
        ).first()

    def access_points_for_provinces(self) -> None:
        ambiti_towns: dict[str, list[str]] = {}
        for ambito in ambiti_data(REGION):
            ambiti_towns.setdefault(ambito["province"], []).extend(ambito.get("municipalities", []))
        for number, (sigla, province) in enumerate(self.provinces.items()):
            short = SHORT_NAMES.get(sigla, province.name)
            lead = _org(
                f"Ufficio di Piano InLav {short} (demo)",
                K.AMBITO_OFFICE,
                province,
                description=f"Ente capofila fittizio del PUA InLav della provincia di {short}.",
                email=f"udp.{sigla.lower()}@{EMAIL_DOMAIN}",
            )
            access_point, _ = AccessPoint.objects.update_or_create(
                name=f"PUA InLav {short} (demo)",
                is_demo=True,
                defaults={
                    "lead_organization": lead,
                    "form": FORMS[number % len(FORMS)],
                    "description": "Punto unico di accesso fittizio: ascolto, valutazione, "
                    "piano individuale e invii alla rete.",
                    "email": f"pua.{sigla.lower()}@{EMAIL_DOMAIN}",
                    "phone": f"+39 000 000 {number + 1:04d}",
                },
            )
            access_point.ambiti.set(Territory.objects.filter(level=Level.AMBITO, parent=province))
            capoluogo = CAPOLUOGO.get(sigla, province.name)
            towns = [capoluogo] + [t for t in ambiti_towns.get(sigla, []) if t != capoluogo]
            for position, town in enumerate(towns[: 1 + number % 2]):
                Site.objects.update_or_create(
                    access_point=access_point,
                    name=f"Sede di {town} (demo)",
                    defaults={
                        "address": f"Via dell'Accoglienza {position + 1}, {town}",
                        "municipality": self.town(sigla, town),
                        "opening_hours": OPENING_HOURS[(number + position) % len(OPENING_HOURS)],
                    },
                )
            if number % 3 == 0:  # some PUAs also go out to fields, markets and stations
                Site.objects.update_or_create(
                    access_point=access_point,
                    name=f"Unità mobile {short} (demo)",
                    defaults={
                        "opening_hours": ITINERANT_HOURS,
                        "is_itinerant": True,
                        "municipality": self.town(sigla, capoluogo),
                    },
                )
            self.leads[sigla] = lead
            self.access_points[sigla] = access_point
            self.team(sigla, number, access_point, lead)

    def team(self, sigla: str, number: int, access_point: AccessPoint, lead: Organization) -> None:
        members = [
            ("casemanager", Role.CASE_MANAGER, Prof.CASE_MANAGER, "", "case manager"),
            (
                "mediatore",
                Role.SPECIALIST,
                Prof.MEDIATOR,
                MEDIATOR_LANGUAGES[number % len(MEDIATOR_LANGUAGES)],
                "mediazione",
            ),
            (
                "esperto.lavoro" if number % 2 else "assistente.sociale",
                Role.SPECIALIST,
                Prof.LABOUR_EXPERT if number % 2 else Prof.SOCIAL_WORKER,
                "",
                "lavoro" if number % 2 else "servizio sociale",
            ),
        ]
        for offset, (local, role, prof, languages, label) in enumerate(members):
            user = _user(f"{local}.{sigla.lower()}", _person_name(number * 3 + offset, label))
            Membership.objects.get_or_create(user=user, organization=lead, role=role)
            TeamMember.objects.update_or_create(
                access_point=access_point,
                user=user,
                professional_role=prof,
                defaults={"languages": languages},
            )
            self.team_emails.append(user.email)

    def partner_network(self) -> None:
        data = network_data()
        for partner in data["partners"]:
            self.partners[partner["name"]] = _org(
                partner["name"],
                partner["kind"],
                self.provinces[partner["province"]],
                managed_by=self.leads[partner["province"]],
                description="Organizzazione fittizia della rete dimostrativa.",
            )
        coordination = data["coordination"]
        self.partners[coordination["name"]] = _org(
            coordination["name"],
            coordination["kind"],
            self.index.get(f"region:{REGION}"),
            description="Coordinamento regionale fittizio dei PUA InLav.",
        )

    def role_accounts(self) -> list[Account]:
        milano_lead, milano_pua = self.leads["MI"], self.access_points["MI"]
        accounts = []
        for number, (local, role, prof, languages, title) in enumerate(ROLE_ACCOUNTS):
            user = _user(local, _person_name(100 + number, title))
            partner = role == Role.PARTNER_OPERATOR
            organization = self.partners[network_data()["partner_cpi"]] if partner else milano_lead
            Membership.objects.get_or_create(user=user, organization=organization, role=role)
            if prof is not None:
                TeamMember.objects.update_or_create(
                    access_point=milano_pua,
                    user=user,
                    professional_role=prof,
                    defaults={"languages": languages},
                )
            accounts.append(Account(str(role.label), user.email, organization.name))
        admin = _user(
            PLATFORM_ADMIN,
            _person_name(120, "amministrazione piattaforma"),
            is_platform_admin=True,
            is_staff=True,
            is_superuser=True,
        )
        coordination = self.partners[network_data()["coordination"]["name"]]
        Membership.objects.get_or_create(user=admin, organization=coordination, role=Role.ORG_ADMIN)
        accounts.append(Account(_("Platform administrator"), admin.email, coordination.name))
        return accounts

    def pacts(self) -> None:
        data = network_data()
        for pact in data["pacts"]:
            promoter = self.leads[pact["province"]]
            agreement, _ = Agreement.objects.update_or_create(
                title=pact["title"],
                is_demo=True,
                defaults={
                    "kind": Agreement.Kind.TERRITORIAL_PACT,
                    "promoter": promoter,
                    "territory": self.provinces[pact["province"]],
                    "description": pact["description"],
                    "valid_from": datetime.date.fromisoformat(pact["valid_from"]),
                    "valid_until": datetime.date.fromisoformat(pact["valid_until"]),
                },
            )
            for organization in [promoter, *(self.partners[n] for n in pact["signatories"])]:
                terms = data["pact_terms"].get(organization.kind, data["default_terms"])
                Signatory.objects.update_or_create(
                    agreement=agreement, organization=organization, defaults=terms
                )


def demo_counts() -> dict[str, int]:
    return {
        "territories": Territory.objects.count(),
        "organizations": Organization.objects.count(),
        "real_organizations": Organization.objects.filter(is_demo=False).count(),
        "access_points": AccessPoint.objects.count(),
        "sites": Site.objects.count(),
        "team_members": TeamMember.objects.count(),
        "agreements": Agreement.objects.count(),
        "signatories": Signatory.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
    }


def load_demo(*, password: str | None = None) -> DemoResult:
    """Load (or reload) the demo. Every run sets one new password on all demo accounts."""
    password = password or secrets.token_urlsafe(15)
    with transaction.atomic():
        load_regions([REGION])
        load_mappatura()
        builder = _Builder()
        builder.access_points_for_provinces()
        builder.partner_network()
        accounts = builder.role_accounts()
        builder.pacts()
        extra: dict[str, int] = {}
        for plugin in app_modules("demo"):
            extra.update(plugin.extend_demo())
        # One hash for every account: hashing ~50 times with Argon2 would take seconds.
        User.objects.filter(is_demo=True, email__endswith=f"@{EMAIL_DOMAIN}").update(
            password=make_password(password)
        )
        counts = {**demo_counts(), **extra}
        record_now("demo.loaded", actor=None, data=counts)
    return DemoResult(
        password=password, accounts=accounts, team_accounts=builder.team_emails, counts=counts
    )
