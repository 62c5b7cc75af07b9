"""A deterministic synthetic network for load tests and screenshots (`generate_data`).

The same scale and seed give the same names, kinds, places and links: every random choice
comes from one `random.Random(seed)`, consumed in a fixed order, over territories read
in code order. Each model has one `make_*` step in `STEPS`. Everything is is_demo=True, marked
"fittizio", and recognised by its `source` / e-mail domain so a new run replaces the previous one.

Plug-in point for the apps above the network (import-linter forbids importing them here):
an app with a `synthetic` module (`ponte.catalog.synthetic`) is found through the app registry
(`app_modules`) and may define
- `SYNTHETIC_STEPS: list[Callable[[Context], None]]`, run after STEPS, in INSTALLED_APPS order;
- `delete_previous() -> None`, run before the network's own, in reverse order (its rows point
  at the network's: delete them first);
- `expected_rows(scale_name: str) -> int`, for the progress bar.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import json
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any, TypeVar

from django.apps import apps
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import models, transaction
from tqdm import tqdm

from ponte.accounts.models import User
from ponte.network.management.territories import (
    DATA_DIR,
    Level,
    load_regions,
    region_slugs,
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

K = OrganizationKind
Prof = TeamMember.ProfessionalRole
SOURCE_PREFIX = "Dati sintetici (generate_data"
EMAIL_DOMAIN = "synthetic.ponte.invalid"
BATCH = 1000
# An unusable password (Django's "!" prefix): synthetic accounts are for load, not for login.
NO_LOGIN = UNUSABLE_PASSWORD_PREFIX + "synthetic"
M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Scale:
    regions: tuple[str, ...]  # ("all",) for every region in italy_regions.json
    access_points: int
    organizations: int  # including the PUA lead organisations
    users: int
    agreements: int


SCALES = {
    "small": Scale(("lombardia",), 12, 200, 50, 10),
    "regional": Scale(("lombardia",), 12, 2_000, 500, 100),
    "national": Scale(("all",), 250, 20_000, 5_000, 1_000),
}

VOCABULARY_FILE = DATA_DIR / "synthetic_vocabulary.json"


@cache
def vocabulary() -> dict[str, Any]:
    """Names, words and per-kind name patterns (see the file's "about")."""
    with VOCABULARY_FILE.open(encoding="utf-8") as handle:
        return dict(json.load(handle))


# Roles at a PUA lead organisation, with the professional role they hold in its team.
PUA_ROLES: list[tuple[Role, str | None, int]] = [
    (Role.CASE_MANAGER, Prof.CASE_MANAGER, 30),
    (Role.OUTREACH_WORKER, Prof.EDUCATOR, 20),
    (Role.SPECIALIST, Prof.MEDIATOR, 15),
    (Role.SPECIALIST, Prof.LEGAL_ADVISOR, 6),
    (Role.SPECIALIST, Prof.LABOUR_EXPERT, 6),
    (Role.SPECIALIST, Prof.SOCIAL_WORKER, 8),
    (Role.SPECIALIST, Prof.PSYCHOLOGIST, 3),
    (Role.COORDINATOR, Prof.COORDINATOR, 6),
    (Role.ANALYST, None, 3),
    (Role.ORG_ADMIN, None, 3),
]
AGREEMENT_KINDS = [
    (Agreement.Kind.TERRITORIAL_PACT, "Patto territoriale", 3),
    (Agreement.Kind.CONVENTION, "Convenzione", 3),
    (Agreement.Kind.PROTOCOL, "Protocollo d'intesa", 2),
    (Agreement.Kind.LETTER_OF_INTENT, "Lettera di intenti", 1),
    (Agreement.Kind.PROGRAMME_AGREEMENT, "Accordo di programma", 1),
]


@dataclass
class Context:
    """What the steps share: the seeded generator, the territories and what was made so far."""

    scale: Scale
    scale_name: str
    seed: int
    rng: random.Random
    progress: Any
    provinces: list[Territory] = field(default_factory=list)
    towns: dict[int | None, list[Territory]] = field(default_factory=dict)  # by province pk
    ambiti: dict[int | None, list[Territory]] = field(default_factory=dict)  # by province
    leads: list[Organization] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    access_points: list[AccessPoint] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return f"{SOURCE_PREFIX}, scala {self.scale_name}, seed {self.seed})"

    def town(self, province: Territory) -> Territory:
        return self.rng.choice(self.towns[province.pk])


def _batches(items: list[M]) -> Iterator[list[M]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def save_all(ctx: Context, model: type[M], items: list[M], label: str) -> list[M]:
    """bulk_create in batches, advancing the progress bar; returns the rows with their pks."""
    saved: list[M] = []
    for chunk in _batches(items):
        saved += model._default_manager.bulk_create(chunk)
        ctx.progress.update(len(chunk))
    ctx.counts[label] = ctx.counts.get(label, 0) + len(items)
    return saved


def _weighted(rng: random.Random, options: Iterable[tuple[Any, int]]) -> Any:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _spread(rng: random.Random, provinces: list[Territory], count: int) -> list[Territory]:
    """`count` provinces, each used once before any is used twice, in a seeded order."""
    order = list(provinces)
    rng.shuffle(order)
    return [order[i % len(order)] for i in range(count)]


def read_territories(ctx: Context) -> None:
    regions = region_slugs() if "all" in ctx.scale.regions else list(ctx.scale.regions)
    load_regions(regions)
    codes = [regions_data()[slug]["istat_code"] for slug in regions]
    ctx.provinces = list(
        Territory.objects.filter(
            level=Level.PROVINCE, parent__level=Level.REGION, parent__code__in=codes
        ).order_by("code")
    )
    towns = Territory.objects.filter(level=Level.MUNICIPALITY, parent__in=ctx.provinces)
    for town in towns.order_by("code"):
        ctx.towns.setdefault(town.parent_id, []).append(town)
    ambiti = Territory.objects.filter(level=Level.AMBITO, parent__in=ctx.provinces)
    for ambito in ambiti.order_by("code"):
        ctx.ambiti.setdefault(ambito.parent_id, []).append(ambito)
    ctx.provinces = [p for p in ctx.provinces if ctx.towns.get(p.pk)]


def make_organizations(ctx: Context) -> None:
    rng = ctx.rng
    drafts = []
    for number, province in enumerate(_spread(rng, ctx.provinces, ctx.scale.access_points)):
        town = ctx.town(province)
        drafts.append(
            Organization(
                name=f"Ufficio di Piano {town.name} n. {number + 1} (fittizio)",
                kind=K.AMBITO_OFFICE,
                territory=province,
                source=ctx.source,
                is_demo=True,
                description="Ente capofila fittizio di un PUA sintetico.",
            )
        )
    words = vocabulary()
    kinds = [(kind, spec["weight"]) for kind, spec in words["kind_names"].items()]
    weights = [len(ctx.towns[p.pk]) for p in ctx.provinces]  # bigger provinces, more bodies
    for _ in range(ctx.scale.organizations - len(drafts)):
        kind = _weighted(rng, kinds)
        province = rng.choices(ctx.provinces, weights=weights)[0]
        town = ctx.town(province)
        pattern = rng.choice(words["kind_names"][kind]["patterns"])
        name = pattern.format(
            w=rng.choice(words["words"]),
            t=town.name,
            p=province.name,
            s=rng.choice(words["last_names"]),
            sector=rng.choice(words["sectors"]),
            d=rng.choice(words["directions"]),
        )
        territory = town if kind == K.MUNICIPALITY else province
        drafts.append(
            Organization(
                name=name,
                kind=kind,
                territory=territory,
                source=ctx.source,
                is_demo=True,
            )
        )
    saved = save_all(ctx, Organization, drafts, "organizations")
    ctx.leads = saved[: ctx.scale.access_points]
    ctx.organizations = saved


def make_access_points(ctx: Context) -> None:
    forms = list(AccessPoint.Form)
    drafts = [
        AccessPoint(
            name=f"PUA {lead.name.removeprefix('Ufficio di Piano ')}",
            lead_organization=lead,
            form=ctx.rng.choice(forms),
            is_demo=True,
            description="Punto unico di accesso sintetico.",
        )
        for lead in ctx.leads
    ]
    ctx.access_points = save_all(ctx, AccessPoint, drafts, "access_points")
    through = AccessPoint.ambiti.through
    links = []
    for access_point, lead in zip(ctx.access_points, ctx.leads, strict=True):
        ambiti = ctx.ambiti.get(lead.territory_id, [])
        if ambiti:
            chosen = ctx.rng.sample(ambiti, ctx.rng.randint(1, len(ambiti)))
            links += [through(accesspoint_id=access_point.pk, territory_id=a.pk) for a in chosen]
    through.objects.bulk_create(links, batch_size=BATCH)


def make_sites(ctx: Context) -> None:
    rng, words = ctx.rng, vocabulary()
    drafts = []
    provinces: dict[int | None, Territory] = {p.pk: p for p in ctx.provinces}
    for access_point, lead in zip(ctx.access_points, ctx.leads, strict=True):
        province = provinces[lead.territory_id]
        for number in range(rng.randint(1, 3)):
            town = ctx.town(province)
            itinerant = number == 2
            drafts.append(
                Site(
                    access_point=access_point,
                    municipality=town,
                    is_itinerant=itinerant,
                    name=f"{'Unità mobile' if itinerant else 'Sede'} di {town.name} (fittizia)",
                    address=""
                    if itinerant
                    else f"Via {rng.choice(words['words'])} {rng.randint(1, 99)}",
                    opening_hours=rng.choice(words["opening_hours"]),
                )
            )
    save_all(ctx, Site, drafts, "sites")


def make_users(ctx: Context) -> None:
    words = vocabulary()
    drafts = []
    for number in range(ctx.scale.users):
        first, last = ctx.rng.choice(words["first_names"]), ctx.rng.choice(words["last_names"])
        drafts.append(
            User(
                email=f"{first}.{last}.{number + 1}@{EMAIL_DOMAIN}".lower(),
                full_name=f"{first} {last} (fittizio)",
                password=NO_LOGIN,
                is_demo=True,
            )
        )
    ctx.users = save_all(ctx, User, drafts, "users")


def make_memberships(ctx: Context) -> None:
    """Two users in three work in a PUA team; the rest are partner operators or admins."""
    rng = ctx.rng
    partners = ctx.organizations[len(ctx.leads) :] or ctx.leads
    memberships, team = [], []
    for user in ctx.users:
        if rng.random() < 2 / 3:
            index = rng.randrange(len(ctx.leads))
            role, prof = _weighted(rng, ((r[:2], r[2]) for r in PUA_ROLES))
            memberships.append(Membership(user=user, organization=ctx.leads[index], role=role))
            if prof is not None:
                languages = ""
                if prof == Prof.MEDIATOR:
                    codes = vocabulary()["languages"]
                    languages = ", ".join(rng.sample(codes, rng.randint(1, 3)))
                team.append(
                    TeamMember(
                        access_point=ctx.access_points[index],
                        user=user,
                        professional_role=prof,
                        languages=languages,
                    )
                )
        else:
            role = _weighted(rng, [(Role.PARTNER_OPERATOR, 9), (Role.ORG_ADMIN, 1)])
            memberships.append(Membership(user=user, organization=rng.choice(partners), role=role))
    ctx.memberships = save_all(ctx, Membership, memberships, "memberships")
    save_all(ctx, TeamMember, team, "team_members")


def make_agreements(ctx: Context) -> None:
    rng = ctx.rng
    by_province: dict[int | None, list[Organization]] = {}
    for organization in ctx.organizations:
        province_id = organization.territory_id
        if organization.kind == K.MUNICIPALITY and organization.territory is not None:
            province_id = organization.territory.parent_id
        by_province.setdefault(province_id, []).append(organization)
    drafts, signatories = [], []
    for number in range(ctx.scale.agreements):
        promoter = rng.choice(ctx.leads)
        kind, label = _weighted(rng, ((k[:2], k[2]) for k in AGREEMENT_KINDS))
        valid_from = datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randrange(4 * 365))
        valid_until = valid_from + datetime.timedelta(days=rng.randrange(365, 4 * 365))
        drafts.append(
            Agreement(
                kind=kind,
                promoter=promoter,
                territory_id=promoter.territory_id,
                is_demo=True,
                title=f"{label} {rng.choice(vocabulary()['words'])} n. {number + 1} (fittizio)",
                description="Accordo sintetico tra enti della rete.",
                valid_from=valid_from,
                valid_until=valid_until,
            )
        )
        pool = [o for o in by_province.get(promoter.territory_id, []) if o.pk != promoter.pk]
        chosen = rng.sample(pool, min(len(pool), rng.randint(2, 8)))
        signatories.append([promoter, *chosen])
    saved = save_all(ctx, Agreement, drafts, "agreements")
    rows = [
        Signatory(
            agreement=agreement,
            organization=organization,
            role="Capofila" if position == 0 else "Partner",
        )
        for agreement, orgs in zip(saved, signatories, strict=True)
        for position, organization in enumerate(orgs)
    ]
    save_all(ctx, Signatory, rows, "signatories")


# The order matters: later steps use what earlier ones made, and the seeded generator is
# consumed in this order. Add new steps at the end so earlier data stays the same.
STEPS: list[Callable[[Context], None]] = [
    make_organizations,
    make_access_points,
    make_sites,
    make_users,
    make_memberships,
    make_agreements,
]


def app_modules(name: str) -> list[ModuleType]:
    """`ponte.<app>.<name>` for every other Ponte app that has one, in INSTALLED_APPS order.

    The network's plug-in point (also used by `load_demo`): found at run time, so the network
    never imports the apps that build on it.
    """
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("ponte.") or config.name == "ponte.network":
            continue
        dotted = f"{config.name}.{name}"
        if importlib.util.find_spec(dotted) is not None:
            modules.append(importlib.import_module(dotted))
    return modules


def expected_total(scale: Scale) -> int:
    """Rough row count for the progress bar (sites, members and signatories are estimates)."""
    return scale.organizations + scale.access_points * 3 + scale.users * 2 + scale.agreements * 6


def delete_previous() -> None:
    """Remove what an earlier run generated, children first (several links are PROTECT)."""
    organizations = Organization.objects.filter(source__startswith=SOURCE_PREFIX)
    Agreement.objects.filter(promoter__in=organizations).delete()
    Signatory.objects.filter(organization__in=organizations).delete()
    AccessPoint.objects.filter(lead_organization__in=organizations).delete()
    User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
    organizations.delete()


def generate(scale_name: str, seed: int, *, progress: bool = True) -> dict[str, int]:
    scale = SCALES[scale_name]
    plugins = app_modules("synthetic")
    total = expected_total(scale) + sum(
        p.expected_rows(scale_name) for p in plugins if hasattr(p, "expected_rows")
    )
    with (
        transaction.atomic(),
        tqdm(total=total, unit="rows", disable=not progress) as bar,
    ):
        for plugin in reversed(plugins):
            if hasattr(plugin, "delete_previous"):
                plugin.delete_previous()
        delete_previous()
        # Not for security: a seeded, reproducible generator is the whole point.
        rng = random.Random(seed)  # noqa: S311  # nosec B311
        ctx = Context(scale=scale, scale_name=scale_name, seed=seed, rng=rng, progress=bar)
        read_territories(ctx)
        for step in STEPS + [s for p in plugins for s in getattr(p, "SYNTHETIC_STEPS", [])]:
            bar.set_description(step.__name__.removeprefix("make_"))
            step(ctx)
        bar.total = bar.n
        bar.refresh()
    return ctx.counts
