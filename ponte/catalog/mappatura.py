"""Turn the real Lombardy mapping of services for migrants into catalog Services.

The CSV (see `ponte.network.management.mappatura`) has one row per project or service found
in an Ambito's Piano di Zona 2021-2023. A row is free text copied from a PDF table, so the
parsing is best effort and says what it understood:

- `titolo` may list several projects side by side ("LAB'IMPACT FAMIREDO MIGRAMENTI
  BERGAMONDO SAI"): it is split on the programme names in PROJECT_NAMES, one service each;
- `contenuto` lists activities, separated by ";", ",", ":", line breaks, or only by a capital
  letter where the PDF lost a line break ("Accoglienza migranti Accoglienza, orientamento");
  each activity is matched against AREA_RULES, and the ones that match nothing are reported;
- the provider is found with the network module's own matching, so services hang on the
  organisations `load_demo` creates from the same file (see `providers_for`).

Every service keeps the whole row in `original_text`, and MAPPATURA_SOURCE in `source`;
(organisation, name, source) is the key, so importing the file again updates, never duplicates.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ponte.accounts.models import User
from ponte.audit.services import record_now
from ponte.catalog.models import Service
from ponte.catalog.services import save_service
from ponte.catalog.taxonomy import Area, Presence, Stage, Status
from ponte.network.management import mappatura as network_mappatura
from ponte.network.management.mappatura import MAPPATURA_SOURCE, ambito_office_name
from ponte.network.management.territories import (
    TerritoryIndex,
    load_regions,
    regions_data,
)
from ponte.network.models import Organization, OrganizationKind, Territory

REGION = network_mappatura.REGION
COLUMNS = [
    "provincia",
    "ambiti_in_provincia",
    "ambito",
    "titolo",
    "contenuto",
    "tipologia",
    "riferimenti",
]
# `source` is the key of an imported service: the same text load_demo gives organisations.
SOURCE = MAPPATURA_SOURCE
# The real file is 13 KB; the whole file is read into memory, so anything far larger is refused
# before a byte of it is read.
MAX_FILE_BYTES = 5 * 1024 * 1024

# Programme and service names the Piani di Zona list side by side in one `titolo` cell.
PROJECT_NAMES = [
    r"LAB\s*'?\s*IMPACT",
    r"FAMIREDO",
    r"MIGRAMENTI",
    r"BERGAMONDO",
    r"(?:SPRAR|SIPROIMI|SAI)(?:[\s/]+(?:SPRAR|SIPROIMI|SAI))*",  # one reception system, renamed
    r"MISURA PER MISURA",
    r"I'M START",
    r"METTIAMO LE ALI",
    r"STARS",
    r"Call for (?:a Job|ideas|Living)",
    r"SIL",
    r"NIL",
    r"Informa\s?lavoro",
    r"INCLUSIONE ATTIVA",
    r"Sportello Stranieri",
]
_PROJECT = re.compile(
    r"(?<!\w)(?:" + "|".join(PROJECT_NAMES) + r")(?!\w)", re.IGNORECASE | re.UNICODE
)
# What may sit between two project names without being a project itself.
_CONNECTORS = re.compile(r"^(?:[\s,/+&-]|\b(?:e|ed|progett[oi](?: specific[oi])?)\b)*$", re.I)

# Keyword rules, most specific first. A match is removed from the text before the next rule
# runs, so "inserimento lavorativo" counts as job placement and not also as generic "lavoro".
AREA_RULES: list[tuple[str, tuple[str, ...]]] = [
    (r"facilitazione linguistica|alfabetizzazion\w*|lingua italiana", (Area.ITALIAN_LANGUAGE,)),
    (r"(?:corsi|corso|scuola) di italiano|italiano l2|cpia", (Area.ITALIAN_LANGUAGE,)),
    (
        r"(?:re)?inseriment\w* lavorativ\w*|inclusione lavorativ\w*|matching|incrocio domanda"
        r"|assunzion\w*|collocamento|sportello badanti|\bsil\b|\bnil\b",
        (Area.JOB_PLACEMENT,),
    ),
    (r"tirocin\w*|borse? lavoro|on the job", (Area.INTERNSHIPS,)),
    (r"mediazion\w*|mediator\w*|intercultur\w*", (Area.MEDIATION,)),
    (
        r"sfruttament\w*|anti-?\s?tratta|antir\w*tratta|\btratta\b|caporalato",
        (Area.ANTI_TRAFFICKING,),
    ),
    (
        r"permess\w* di soggiorno|legal\w*|pratiche amministrative|ricongiungiment\w*"
        r"|consulenza giuridic\w*",
        (Area.LEGAL,),
    ),
    (r"vertenz\w*|sindacal\w*", (Area.LABOUR_DISPUTES,)),
    (r"co-?housing|coabitazion\w*", (Area.HOUSING_SHARED,)),
    (r"emergenza abitativa|dormitori\w*|pronto intervento", (Area.HOUSING_EMERGENCY,)),
    (r"\bcasa\b|abitar\w*|abitativ\w*|alloggi\w*|housing", (Area.HOUSING_TEMPORARY,)),
    (r"accoglien\w*|\bsai\b|sprar|siproimi|\bcas\b", (Area.RECEPTION,)),
    (
        r"sanitari\w*|salute|consultori\w*|disagio mentale|dipendenz\w*|psicolog\w*|diagnosi"
        r"|uonpia",
        (Area.HEALTH,),
    ),
    (r"povert\w*", (Area.ECONOMIC_SUPPORT, Area.BASIC_NEEDS)),
    (r"microfinanz\w*|economic\w*|finanziari\w*|working poor|reddito", (Area.ECONOMIC_SUPPORT,)),
    (r"prima necessit\w*|pacchi alimentari|mens[ae]\b|beni primari", (Area.BASIC_NEEDS,)),
    (r"formazion\w*|formativ\w*|\bcorsi\b|\bcorso\b|laboratori di mestiere", (Area.TRAINING,)),
    # "Lavoro di rete" is how services work together, not work for people: no area.
    (r"lavoro di rete", ()),
    (
        r"orientamento al lavoro|ricerca (?:attiva|di occupazione)|disoccupa\w*|\bneet\b"
        r"|avvio (?:d'|di )?impresa|start-?up|informa\s?lavoro|lavor\w*|occupazion\w*",
        (Area.WORK_GUIDANCE,),
    ),
]
_RULES = [(re.compile(rf"(?<!\w)(?:{p})", re.IGNORECASE), areas) for p, areas in AREA_RULES]
# A row that names no recognisable activity still becomes a service (the map must list every
# row); it is filed here and flagged in the report and in its notes for a coordinator to fix.
FALLBACK_AREA = Area.BASIC_NEEDS
_ONLINE = re.compile(r"informatic\w*|piattaforma|online|telematic\w*|www\.", re.IGNORECASE)

# Words after which a capitalised word continues the same phrase ("servizi di Cariplo").
# fmt: off
_FUNCTION_WORDS = frozenset({
    "a", "ad", "ai", "al", "alla", "alle", "agli", "anche", "con", "da", "dal", "dalla", "dai",
    "dagli", "dalle", "de", "dei", "del", "della", "delle", "dello", "degli", "di", "e", "ed",
    "fra", "i", "il", "in", "la", "le", "lo", "nei", "nel", "nella", "nelle", "negli", "o",
    "per", "su", "sul", "sulla", "sui", "tra", "un", "una", "uno",
})
# fmt: on
_SEPARATORS = re.compile(r"[;\n:,]+")


@dataclass
class RowPlan:
    """What one CSV row becomes, before anything is written."""

    number: int  # as a spreadsheet shows it: the header is row 1
    row: dict[str, str]
    sigla: str = ""
    projects: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    territory_specs: dict[str, str] = field(default_factory=dict)  # provider -> territory spec
    areas: dict[str, list[str]] = field(default_factory=dict)  # area -> fragments that said so
    unmapped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return self.row.get("ambito") or self.row.get("provincia", "")


@dataclass
class ServiceOutcome:
    name: str
    provider: str
    action: str  # created / updated / unchanged
    areas: list[str]


@dataclass
class RowReport:
    plan: RowPlan
    services: list[ServiceOutcome] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowReport] = field(default_factory=list)
    rejected: list[RowPlan] = field(default_factory=list)
    services: list[ServiceOutcome] = field(default_factory=list)  # each once, even if merged
    file_errors: list[str] = field(default_factory=list)
    organizations_created: list[str] = field(default_factory=list)
    written: bool = False

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.services if outcome.action == action)

    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows) + len(self.rejected),
            "rows_loaded": len(self.rows) if self.written else 0,
            "rows_rejected": len(self.rejected),
            "services_created": self.count("created"),
            "services_updated": self.count("updated"),
            "services_unchanged": self.count("unchanged"),
            "organizations_created": len(self.organizations_created),
            "fragments_unmapped": sum(len(r.plan.unmapped) for r in self.rows),
            "rows_without_area": sum(1 for r in self.rows if not r.plan.areas),
        }


class MappaturaError(Exception):
    """The file cannot be imported as it is; `report` says why, row by row."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(_("The mapping file has errors; nothing was imported."))
        self.report = report


# --- reading and parsing (no database) -------------------------------------------------


def read_csv(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Rows numbered as in a spreadsheet (the header is row 1), and the file's own problems.

    A row with fewer cells than the header lacks the last columns: they are left out of its
    dict, so the row is reported as malformed instead of read with empty values.
    """
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            return [], [_("%(path)s is too large (at most %(n)d MB).") % {"path": path, "n": limit}]
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            records = list(reader)
    except UnicodeDecodeError:
        return [], [_("%(path)s is not a CSV file in UTF-8.") % {"path": path}]
    except (OSError, csv.Error) as error:
        return [], [_("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        return [], [_("Missing columns: %(columns)s") % {"columns": ", ".join(missing)}]
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(records, start=2):
        if any(value.strip() for value in values):  # a blank line is not a row
            cells = zip(header, values, strict=False)
            rows.append((number, {name: value.strip() for name, value in cells}))
    return rows, []


def split_projects(title: str) -> list[str]:
    """The projects a `titolo` lists; a title that only mentions a programme stays whole."""
    title = " ".join(title.split())
    matches = list(_PROJECT.finditer(title))
    if not matches or (len(matches) == 1 and matches[0].start() > 0):
        return [title]
    projects: list[str] = []
    # Words before the first programme name belong to it ("Sportello Call for a Job").
    start = 0
    for number, match in enumerate(matches):
        between = title[start : match.start()]
        if number == 0:
            projects.append((between + match.group(0)).strip())
        else:
            if not _CONNECTORS.match(between):
                projects.append(_strip_connectors(between))
            projects.append(match.group(0).strip())
        start = match.end()
    tail = title[start:]
    if not _CONNECTORS.match(tail):
        projects.append(_strip_connectors(tail))
    return [p for p in dict.fromkeys(projects) if p]


def _strip_connectors(text: str) -> str:
    text = text.strip(" ,/+&-")
    return re.sub(r"^(?:e|ed)\s+|\s+(?:e|ed)$", "", text, flags=re.IGNORECASE).strip()


def split_activities(text: str) -> list[str]:
    """Activities in a `contenuto` cell (see the module docstring for the separators)."""
    fragments: list[str] = []
    for part in _SEPARATORS.split(text):
        words = part.split()
        current: list[str] = []
        for word in words:
            previous = current[-1] if current else ""
            starts_phrase = (
                word[:1].isupper()
                and not word.isupper()  # acronyms (ASST, DVA) sit inside phrases
                and previous[:1].islower()
                and previous.lower() not in _FUNCTION_WORDS
            )
            if starts_phrase:
                fragments.append(" ".join(current))
                current = []
            current.append(word)
        if current:
            fragments.append(" ".join(current))
    return [f.strip(" .-–") for f in fragments if f.strip(" .-–")]


def areas_in(text: str) -> list[str]:
    """Area codes the keyword rules find in a piece of text, in rule order."""
    found: list[str] = []
    remaining = text
    for pattern, areas in _RULES:
        if pattern.search(remaining):
            found.extend(a for a in areas if a not in found)
            remaining = pattern.sub(" ", remaining)  # a phrase counts once, for its own rule
    return found


def _understand(plan: RowPlan) -> None:
    row = plan.row
    for fragment in split_activities(row.get("contenuto", "")):
        areas = areas_in(fragment)
        if not areas:
            plan.unmapped.append(fragment)
        for area in areas:
            plan.areas.setdefault(area, []).append(fragment)
    # The title and the kind of service are hints too ("SAI", "Servizi per il lavoro").
    for hint in [*plan.projects, row.get("tipologia", "")]:
        for area in areas_in(hint):
            plan.areas.setdefault(area, []).append(hint)


def _province_sigla(name: str) -> str | None:
    for province in regions_data()[REGION]["provinces"]:
        if name.lower() in {n.lower() for n in [province["name"], *province.get("aliases", [])]}:
            return str(province["sigla"])
    return None


def _mention_at(name: str, text: str) -> int | None:
    """Where the row first names an organisation, with the network module's own spellings."""
    positions = []
    for body in network_mappatura._bodies():
        body_name = body.get("name") or ambito_office_name(body["ambito_office"])
        if body_name != name:
            continue
        for alias in body["match"]:
            found = network_mappatura._pattern(alias).search(text)
            if found:
                positions.append(found.start())
    return min(positions, default=None)


def providers_for(plan: RowPlan) -> None:
    """Who runs the row's projects, in this order of preference:

    1. bodies the `titolo` itself names ("Associazione IL PORTO");
    2. the Ufficio di Piano of the row's Ambito (the row comes from its Piano di Zona);
    3. the Uffici di Piano the row names: an agreement between Ambiti, each runs its part
       in its own Ambito (Progetto Matrioska, Sportello Badanti in Monza e Brianza);
    4. the first body the row names ("ATS (coordinamento), ASST, ...").
    The other bodies the row names are its network, written in the service's notes.
    """
    # The network module's matching, on this one row (and the drafts it would create).
    drafts, unmatched = network_mappatura._collect([plan.row])
    names = list(drafts)
    own_ambito = bool(plan.row.get("ambito")) and not unmatched
    province_spec = f"province:{plan.sigla}"
    text = f"{plan.row['titolo']}\n{plan.row['riferimenti']}"
    mentioned = {name: _mention_at(name, text) for name in names}
    title_end = len(plan.row["titolo"])
    in_title = [n for n in names if mentioned[n] is not None and (mentioned[n] or 0) < title_end]
    offices = [n for n in names if drafts[n].kind == OrganizationKind.AMBITO_OFFICE]
    row_territory = drafts[names[0]].territory if own_ambito else province_spec
    if in_title:
        providers = in_title
        specs = dict.fromkeys(providers, row_territory or province_spec)
    elif own_ambito:
        providers = names[:1]
        specs = {names[0]: row_territory or province_spec}
    elif offices:
        providers = offices
        specs = {n: drafts[n].territory or province_spec for n in offices}
    elif names:
        first = min(names, key=lambda n: (mentioned[n] is None, mentioned[n] or 0))
        providers = [first]
        specs = {first: province_spec}
    else:
        plan.errors.append(_("No organisation recognised: no known Ambito and no known body."))
        return
    plan.providers = providers
    plan.territory_specs = specs
    plan.partners = [n for n in names if n not in providers]


def _service_name(plan: RowPlan, project: str) -> str:
    """A title that is just the provider's name says nothing: name the service by its activity."""
    if len(plan.projects) == 1 and any(
        _mention_at(p, project) == 0 and len(project) <= len(p) + 5 for p in plan.providers
    ):
        activities = split_activities(plan.row.get("contenuto", ""))
        if activities:
            return activities[0][:255]
    return project[:255]


def plan_row(number: int, row: dict[str, str]) -> RowPlan:
    plan = RowPlan(number=number, row=row)
    absent = [name for name in COLUMNS if name not in row]
    if absent:
        plan.errors.append(_("Missing columns: %(columns)s") % {"columns": ", ".join(absent)})
        return plan
    if not row["titolo"]:
        plan.errors.append(_("Empty titolo."))
    sigla = _province_sigla(row["provincia"])
    if sigla is None:
        plan.errors.append(_("Unknown provincia: %(name)s") % {"name": row["provincia"] or "—"})
    if plan.errors:
        return plan
    plan.sigla = sigla or ""
    plan.projects = split_projects(row["titolo"])
    providers_for(plan)
    _understand(plan)
    return plan


def plan_file(path: Path) -> tuple[list[RowPlan], list[str]]:
    rows, file_errors = read_csv(path)
    return [plan_row(number, row) for number, row in rows], file_errors


# --- writing ---------------------------------------------------------------------------


@dataclass
class ServiceDraft:
    """One service to write; two rows naming the same project of the same body merge here."""

    provider: str
    name: str
    plans: list[RowPlan] = field(default_factory=list)
    territory_specs: list[str] = field(default_factory=list)

    def areas(self) -> list[str]:
        return sorted({a for plan in self.plans for a in plan.areas}) or [FALLBACK_AREA]

    def fields(self) -> dict[str, Any]:
        rows = [plan.row for plan in self.plans]
        text = " ".join(f"{row['tipologia']} {row['contenuto']}" for row in rows)
        return {
            "description": "\n\n".join(dict.fromkeys(row["contenuto"] for row in rows)),
            "notes": "\n\n".join(_notes(plan) for plan in self.plans),
            "original_text": "\n\n".join(original_text(row) for row in rows),
            "presence": Presence.BOTH if _ONLINE.search(text) else Presence.IN_PERSON,
        }


def original_text(row: dict[str, str]) -> str:
    """The whole row, every column by name, values untouched."""
    return "\n".join(f"{name}: {row.get(name, '')}" for name in COLUMNS)


def _notes(plan: RowPlan) -> str:
    lines = [
        _("Imported from the 2021-2023 mapping (row %(number)d, %(where)s).")
        % {"number": plan.number, "where": plan.where}
    ]
    if plan.row.get("tipologia"):
        lines.append(_("Kind in the mapping: %(kind)s") % {"kind": plan.row["tipologia"]})
    if plan.partners:
        names = ", ".join(plan.partners)
        lines.append(_("Network named in the mapping: %(names)s") % {"names": names})
    if len(plan.projects) > 1:
        lines.append(
            _(
                "The row lists several projects together (%(projects)s): its activities are "
                "the row's, not necessarily all of this project's."
            )
            % {"projects": ", ".join(plan.projects)}
        )
    if not plan.areas:
        lines.append(
            _("No area recognised in the mapping: filed under “%(area)s” until someone checks.")
            % {"area": Area(FALLBACK_AREA).label}
        )
    return "\n".join(lines)


def service_drafts(plans: list[RowPlan]) -> list[ServiceDraft]:
    drafts: dict[tuple[str, str], ServiceDraft] = {}
    for plan in plans:
        for provider in plan.providers:
            for project in plan.projects:
                name = _service_name(plan, project)
                draft = drafts.setdefault((provider, name), ServiceDraft(provider, name))
                draft.plans.append(plan)
                spec = plan.territory_specs[provider]
                if spec not in draft.territory_specs:
                    draft.territory_specs.append(spec)
    return list(drafts.values())


def ensure_territories() -> None:
    """The import needs Lombardy's territories; an empty database gets them first."""
    if not Territory.objects.filter(level=Territory.Level.AMBITO).exists():
        load_regions([REGION])


def ensure_organizations(plans: list[RowPlan], index: TerritoryIndex) -> list[str]:
    """Create the bodies the rows name when `load_demo` has not: same names, kinds, places.

    Uses the network module's helpers (private there) so both imports can never disagree on
    who a row names; an organisation that exists already is left as it is.
    """
    drafts, _unmatched = network_mappatura._collect([p.row for p in plans])
    created = []
    for name, draft in drafts.items():
        _organization, made = Organization.objects.get_or_create(
            name=name,
            is_demo=False,
            defaults={
                "kind": draft.kind,
                "territory": index.get(draft.territory),
                "description": network_mappatura._description(draft),
                "source": network_mappatura._source(draft),
            },
        )
        if made:
            created.append(name)
    return created


def _unchanged(
    service: Service, fields: dict[str, Any], areas: list[str], places: set[int]
) -> bool:
    return (
        all(getattr(service, key) == value for key, value in fields.items())
        and set(service.topics.values_list("area", flat=True)) == set(areas)
        and set(service.territories.values_list("pk", flat=True)) == places
    )


def write_service(
    draft: ServiceDraft, provider: Organization, index: TerritoryIndex, actor: Any
) -> ServiceOutcome:
    """Create, update, or leave alone when the file says nothing new (no version, no audit)."""
    fields, areas = draft.fields(), draft.areas()
    territories = [index.one(spec) for spec in draft.territory_specs]
    service = Service.objects.filter(organization=provider, name=draft.name, source=SOURCE).first()
    if service is not None and _unchanged(service, fields, areas, {t.pk for t in territories}):
        return ServiceOutcome(draft.name, provider.name, "unchanged", areas)
    creating = service is None
    if service is None:
        # Listed in the 2021-2023 plans, so active. Never verified in Ponte (last_verified_on
        # stays empty), so it shows as stale until someone confirms it.
        service = Service(organization=provider, name=draft.name, source=SOURCE)
        service.stage, service.status = Stage.ACTIVE, Status.ACTIVE
    for key, value in fields.items():
        setattr(service, key, value)
    # The file knows no languages: keep those someone added in Ponte.
    languages = [] if creating else list(service.languages.values_list("code", flat=True))
    save_service(
        service,
        actor=actor,
        areas=areas,
        languages=languages,
        territories=territories,
        changed=sorted(fields),
    )
    return ServiceOutcome(draft.name, provider.name, "created" if creating else "updated", areas)


def default_actor(email: str | None) -> User:
    """The platform admin the import acts as: the one named, or the first one."""
    admins = User.objects.filter(is_platform_admin=True, is_active=True)
    actor = admins.filter(email__iexact=email).first() if email else admins.order_by("pk").first()
    if actor is not None:
        return actor
    if email:
        raise LookupError(
            _("No active platform administrator with e-mail %(email)s.") % {"email": email}
        )
    raise LookupError(
        _("No active platform administrator: create one (createsuperuser) or pass --as EMAIL.")
    )


def import_mappatura(path: Path, *, actor: Any, partial: bool = False) -> ImportReport:
    """All rows or none, unless `partial`: then the valid rows, and the others reported."""
    plans, file_errors = plan_file(path)
    report = ImportReport(file_errors=file_errors)
    valid = [p for p in plans if not p.errors]
    report.rejected = [p for p in plans if p.errors]
    report.rows = [RowReport(plan=p) for p in valid]
    if file_errors or (report.rejected and not partial):
        raise MappaturaError(report)
    by_plan = {id(r.plan): r for r in report.rows}
    with transaction.atomic():
        ensure_territories()
        index = TerritoryIndex()
        report.organizations_created = ensure_organizations(valid, index)
        drafts = service_drafts(valid)
        organizations = {
            o.name: o
            for o in Organization.objects.filter(
                is_demo=False, name__in={d.provider for d in drafts}
            )
        }
        for draft in drafts:
            outcome = write_service(draft, organizations[draft.provider], index, actor)
            report.services.append(outcome)
            for plan in draft.plans:
                by_plan[id(plan)].services.append(outcome)
        report.written = True
        record_now("catalog.mappatura_imported", actor=actor, data=report.counts())
    return report
