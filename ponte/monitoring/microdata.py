"""Anonymised microdata for evaluators: one row per case, k-anonymous (k = 11 by default).

STANDARDS.md §5 and SECURITY.md: what leaves the team follows the Counter-Trafficking Data
Collaborative, which publishes only k-anonymised data with k = 11. A row never carries a name,
an id of ours, an exact date or free text; only people who gave the consent "anonymous use for
evaluation" (still in force) and whose processing is not restricted are included.

The quasi-identifiers (what an outsider could know about someone: where, when, age, gender,
citizenship) are generalised in fixed levels (`LEVELS`) until every combination occurs at least
k times; the rows still in smaller groups are dropped. `anonymise` is that step alone, a pure
function of plain records, so it is tested without the database.

`record_id` is a keyed hash of the case's public id: the same case has the same id in every
export (evaluators can link two exports), but nobody without the key can compute it from
anything. The default key is derived from SECRET_KEY: rotating SECRET_KEY changes every id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case as CaseExpr
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.cases.models import (
    PHASE_ORDER,
    Case,
    CaseEvent,
    FollowUp,
    Outcome,
    OutcomeKind,
    Phase,
)
from ponte.monitoring.indicators.cases_scope import restricted_people
from ponte.monitoring.tables import Label
from ponte.network.models import AccessPoint
from ponte.people.models import Consent
from ponte.people.models import Gender as PersonGender
from ponte.referrals.models import Direction, Referral
from ponte.referrals.models import Status as ReferralStatus

MicroValue = str | int | bool
Record = dict[str, MicroValue]

DEFAULT_K = 11
# Above this share of rows dropped, a coarser level is tried (see `choose_level`).
MAX_SUPPRESSED_SHARE = 0.05
_KEY_LABEL = b"ponte-microdata-v1"
UNKNOWN = "unknown"
# A PUA whose Ambiti lie in more than one province (or region): no single place to name.
SEVERAL = "several"

# --- Citizenship: ISO 3166-1 codes grouped in world areas (UN M49 regions, merged where a
# region alone would be a handful of people in Italy). Italy is its own area; EU citizens are
# apart from the rest of Europe because they need no permit.
_AREA_COUNTRIES: dict[str, str] = {
    "italy": "IT",
    "europe_eu_west": (
        "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE LV LT LU MT NL PL PT RO SK SI ES SE "
        "AX AD CH FO GB GG GI IM IS JE LI MC NO SJ SM VA"
    ),
    "europe_east": "AL BA BY MD ME MK RS RU UA XK",
    "africa_north": "DZ EG EH LY MA SD TN",
    "africa_west": "BF BJ CI CV GH GM GN GW LR ML MR NE NG SH SL SN TG",
    "africa_east": "BI DJ ER ET IO KE KM MG MU MW MZ RE RW SC SO SS TF TZ UG YT ZM ZW",
    "africa_central_southern": "AO BW CD CF CG CM GA GQ LS NA ST SZ TD ZA",
    "asia_west": "AE AM AZ BH GE IL IQ JO KW LB OM PS QA SA SY TR YE",
    "asia_central": "KG KZ TJ TM UZ",
    "asia_south": "AF BD BT IN IR LK MV NP PK",
    "asia_east": "CN HK JP KP KR MN MO TW",
    "asia_southeast": "BN ID KH LA MM MY PH SG TH TL VN",
    "latin_america": (
        "AG AI AR AW BB BL BO BQ BR BS BV BZ CL CO CR CU CW DM DO EC FK GD GF GP GS GT GY HN HT "
        "JM KN KY LC MF MQ MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI"
    ),
    "north_america": "BM CA GL PM US",
    "oceania": (
        "AS AU CC CK CX FJ FM GU HM KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"
    ),
    # Antarctica has no citizens: whoever is recorded with it is effectively unknown.
    UNKNOWN: "AQ",
}
COUNTRY_AREA: dict[str, str] = {
    code: area for area, codes in _AREA_COUNTRIES.items() for code in codes.split()
}
AREA_LABELS: dict[str, Label] = {
    "italy": _("Italy"),
    "europe_eu_west": _("Europe – European Union (except Italy) and Western Europe"),
    "europe_east": _("Europe – Eastern Europe and the Balkans outside the EU"),
    "africa_north": _("Africa – North"),
    "africa_west": _("Africa – West"),
    "africa_east": _("Africa – East"),
    "africa_central_southern": _("Africa – Central and Southern"),
    "asia_west": _("Asia – West (Middle East, Turkey, Caucasus)"),
    "asia_central": _("Asia – Central"),
    "asia_south": _("Asia – South"),
    "asia_east": _("Asia – East"),
    "asia_southeast": _("Asia – South-East"),
    "latin_america": _("Latin America and the Caribbean"),
    "north_america": _("North America"),
    "oceania": _("Oceania"),
    UNKNOWN: _("Not known"),
}
# The coarsest level keeps only the continent.
AREA_CONTINENT: dict[str, str] = {
    "italy": "europe",
    "europe_eu_west": "europe",
    "europe_east": "europe",
    "africa_north": "africa",
    "africa_west": "africa",
    "africa_east": "africa",
    "africa_central_southern": "africa",
    "asia_west": "asia",
    "asia_central": "asia",
    "asia_south": "asia",
    "asia_east": "asia",
    "asia_southeast": "asia",
    "latin_america": "americas",
    "north_america": "americas",
    "oceania": "oceania",
    UNKNOWN: UNKNOWN,
}

# --- Age and gender.
AGE_BANDS: tuple[tuple[int, str], ...] = ((18, "<18"), (35, "18-34"), (50, "35-49"))
AGE_OVER = "50+"
COARSE_AGE: dict[str, str] = {
    "<18": "<35",
    "18-34": "<35",
    "35-49": "35+",
    "50+": "35+",
    UNKNOWN: UNKNOWN,
}
# Transgender feminine or masculine and non-conforming are merged with "not known": groups that
# small point at a person.
GENDER_GROUP: dict[str, str] = {
    PersonGender.FEMALE: "female",
    PersonGender.MALE: "male",
}
OTHER_GENDER = "other_or_unknown"

DAYS_OPEN_BANDS: tuple[tuple[int, str], ...] = (
    (30, "0-30"),
    (90, "31-90"),
    (180, "91-180"),
    (365, "181-365"),
)
DAYS_OPEN_OVER = ">365"

# The phases a case works through; "closed" has its own column, so the furthest phase is the
# one reached before closing (a case closed at first contact is not a completed path).
_WORKING_PHASES: list[str] = [p for p in PHASE_ORDER if p != Phase.CLOSED]
_PHASE_RANK: dict[str, int] = {phase: i for i, phase in enumerate(_WORKING_PHASES)}

OUTCOME_FLAGS: dict[str, tuple[str, ...]] = {
    "job": (OutcomeKind.JOB,),
    "dispute": (OutcomeKind.DISPUTE,),
    "permit": (OutcomeKind.PERMIT,),
    "regularisation": (OutcomeKind.REGULARISATION,),
    "housing": (OutcomeKind.HOUSING,),
    "course_or_certification": (OutcomeKind.COURSE, OutcomeKind.CERTIFICATION),
}


# --- Generalisation levels.
@dataclass(frozen=True)
class Level:
    place: str  # "province" or "region": the column that names the place
    by_year: bool  # the opening period is the year, not the quarter
    coarse_age: bool  # <35 / 35+ / unknown instead of the four bands
    continent: bool  # the continent instead of the world area
    description: Label


LEVELS: tuple[Level, ...] = (
    Level("province", False, False, False, _("Province, quarter, age band, gender, world area")),
    Level("province", True, False, False, _("Province, year, age band, gender, world area")),
    Level("region", True, False, False, _("Region, year, age band, gender, world area")),
    Level("region", True, True, True, _("Region, year, under or over 35, gender, continent")),
)
# The quasi-identifiers after the place column, the same names at every level.
_OTHER_QUASI = ("opened_period", "age_band", "gender", "citizenship_area")
ATTRIBUTES: tuple[str, ...] = (
    "source",
    "work_situation",
    "intervention_logic",
    "phase_reached",
    "closed",
    "closure_outcome",
    "days_open_band",
    "referrals_sent",
    "referrals_completed",
    "follow_ups_done",
    *OUTCOME_FLAGS,
)

# The data dictionary the page shows: every column that may appear, in header order.
COLUMNS: list[tuple[str, Label]] = [
    (
        "record_id",
        _(
            "Pseudonymous id of the case: the same in every export, not derivable from any "
            "other data."
        ),
    ),
    ("province", _('Province of the PUA that opened the case ("several" if it serves more).')),
    ("region", _("Region of the PUA that opened the case (used instead of the province).")),
    (
        "opened_period",
        _("When the case was opened: year and quarter (2026-T1), or the year alone."),
    ),
    (
        "age_band",
        _("Age in the year of opening: <18, 18-34, 35-49, 50+ (or <35, 35+), or unknown."),
    ),
    (
        "gender",
        _(
            "female, male, or other_or_unknown (transgender feminine or masculine, "
            "non-conforming, not known)."
        ),
    ),
    (
        "citizenship_area",
        _("World area of the citizenship (or the continent, at the coarsest level)."),
    ),
    ("source", _("How the person arrived (code).")),
    ("work_situation", _("Work situation assessed (code).")),
    ("intervention_logic", _("Intervention logic (code; empty if not chosen).")),
    ("phase_reached", _("Furthest phase of the path reached before any closing (code).")),
    ("closed", _("Whether the case is closed now.")),
    ("closure_outcome", _("Outcome recorded at closing (code; empty if open).")),
    (
        "days_open_band",
        _(
            "Days from opening to closing, or to the end of the period (today at the latest): "
            "0-30 … >365."
        ),
    ),
    ("referrals_sent", _("Referrals from the case to other services, sent (not drafts).")),
    ("referrals_completed", _("Of those, referrals completed by the receiving service.")),
    ("follow_ups_done", _("Follow-ups done.")),
    ("job", _("At least one job placement.")),
    ("dispute", _("At least one labour dispute.")),
    ("permit", _("At least one permit or protection obtained.")),
    ("regularisation", _("Documents regularised.")),
    ("housing", _("Housing found.")),
    ("course_or_certification", _("At least one course completed or certification obtained.")),
]


def quasi_identifiers(level: int) -> list[str]:
    return [LEVELS[level].place, *_OTHER_QUASI]


def header(level: int) -> list[str]:
    return ["record_id", *quasi_identifiers(level), *ATTRIBUTES]


def generalise(record: Mapping[str, MicroValue], level: int) -> Record:
    """The record's quasi-identifiers at `level`. The record holds the finest values:
    province and region, the quarter ("2026-T1"), the age band, gender group and world area."""
    spec = LEVELS[level]
    period = str(record["opened_period"])
    age = str(record["age_band"])
    area = str(record["citizenship_area"])
    return {
        spec.place: record[spec.place],
        "opened_period": period.split("-")[0] if spec.by_year else period,
        "age_band": COARSE_AGE.get(age, UNKNOWN) if spec.coarse_age else age,
        "gender": record["gender"],
        "citizenship_area": AREA_CONTINENT.get(area, UNKNOWN) if spec.continent else area,
    }


def _kept_at(records: list[Record], level: int, k: int) -> tuple[list[Record], int]:
    generalised = [generalise(record, level) for record in records]
    keys = quasi_identifiers(level)
    combos = [tuple(g[key] for key in keys) for g in generalised]
    sizes = Counter(combos)
    kept: list[Record] = []
    for record, general, combo in zip(records, generalised, combos, strict=True):
        if sizes[combo] >= k:
            rest = {
                key: value
                for key, value in record.items()
                if key not in ("province", "region") and key not in general
            }
            kept.append({**rest, **general})
    return kept, len(records) - len(kept)


def anonymise(records: list[Record], k: int = DEFAULT_K) -> tuple[list[Record], int, int]:
    """Generalise and suppress: returns (rows at the chosen level, level, rows dropped).

    The rule: take the lowest level (the least generalised, `LEVELS`) whose suppression drops
    at most 5% of the rows; if none does, the level that drops the fewest (the lowest of those
    on a tie). Every level coarsens the one before, so a group that is large enough stays so,
    and the rows dropped never grow with the level. Rows in groups smaller than k are removed
    outright, not blanked: a blanked row would form its own small group.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    tried: list[tuple[list[Record], int, int]] = []
    for level in range(len(LEVELS)):
        kept, dropped = _kept_at(records, level, k)
        if dropped <= MAX_SUPPRESSED_SHARE * len(records):
            return kept, level, dropped
        tried.append((kept, level, dropped))
    return min(tried, key=lambda result: (result[2], result[1]))


# --- Building the records from the database.
@dataclass
class Microdata:
    header: list[str]
    rows: list[list[MicroValue]]
    level: int
    suppressed: int  # rows dropped because their group stayed below k
    considered: int  # rows before suppression
    k: int
    quasi_identifiers: list[str] = field(default_factory=list)

    def dictionary(self) -> list[tuple[str, Label]]:
        """The data dictionary of the columns this file has."""
        described = dict(COLUMNS)
        return [(key, described[key]) for key in self.header]

    @property
    def level_description(self) -> Label:
        return LEVELS[self.level].description


def default_key() -> bytes:
    """A key of its own for record ids, derived from SECRET_KEY with a fixed label."""
    return hmac.new(settings.SECRET_KEY.encode(), _KEY_LABEL, hashlib.sha256).digest()


def record_id(public_id: object, key: bytes) -> str:
    return hmac.new(key, str(public_id).encode(), hashlib.sha256).hexdigest()[:16]


def age_band(opened_year: int, birth_year: int | None) -> str:
    if birth_year is None:
        return UNKNOWN
    age = opened_year - birth_year
    for below, band in AGE_BANDS:
        if age < below:
            return band
    return AGE_OVER


def days_open_band(days: int) -> str:
    for up_to, band in DAYS_OPEN_BANDS:
        if days <= up_to:
            return band
    return DAYS_OPEN_OVER


def quarter_label(day: dt.date) -> str:
    return f"{day.year}-T{(day.month - 1) // 3 + 1}"


def furthest_phase(ranks: Iterable[int | None], *phases: str) -> str:
    """The furthest working phase among event ranks and the case's own phase(s)."""
    found = [r for r in ranks if r is not None]
    found += [_PHASE_RANK[p] for p in phases if p in _PHASE_RANK]
    return _WORKING_PHASES[max(found)] if found else str(Phase.CONTACT)


def _selected_cases(
    access_point_ids: frozenset[int] | None, since: dt.date, until: dt.date
) -> QuerySet[Case]:
    evaluation = Consent.objects.active().filter(
        person_id=OuterRef("person_id"), purpose=Consent.Purpose.EVALUATION
    )
    # As in the HTCDS export: people who agreed, and people already anonymised (no identity
    # is left to protect, and their consents may have gone with it).
    cases = Case.objects.filter(
        Q(Exists(evaluation)) | Q(person__anonymised_at__isnull=False),
        opened_on__gte=since,
        opened_on__lte=until,
    ).exclude(person_id__in=restricted_people())
    if access_point_ids is not None:
        cases = cases.filter(access_point_id__in=sorted(access_point_ids))
    return cases.order_by()


def _places(cases: QuerySet[Case]) -> dict[int, tuple[str, str]]:
    """(province, region) of each PUA, from the Ambiti it serves: one query."""
    through = AccessPoint.ambiti.through
    provinces: dict[int, set[str]] = {}
    regions: dict[int, set[str]] = {}
    rows = through.objects.filter(accesspoint_id__in=cases.values("access_point_id")).values_list(
        "accesspoint_id", "territory__parent__name", "territory__parent__parent__name"
    )
    for ap_id, province, region in rows:
        if province:
            provinces.setdefault(ap_id, set()).add(province)
        if region:
            regions.setdefault(ap_id, set()).add(region)

    def one(names: set[str] | None) -> str:
        if not names:
            return UNKNOWN
        return next(iter(names)) if len(names) == 1 else SEVERAL

    ap_ids = set(provinces) | set(regions)
    return {ap: (one(provinces.get(ap)), one(regions.get(ap))) for ap in ap_ids}


def _phase_ranks(cases: QuerySet[Case]) -> dict[int, int | None]:
    """The furthest working phase each case's timeline moved to, as a rank: one query."""
    rank = CaseExpr(
        *(When(to_phase=phase, then=Value(i)) for phase, i in _PHASE_RANK.items()),
        output_field=IntegerField(),
    )
    rows = (
        CaseEvent.objects.filter(case_id__in=cases.values("pk"), to_phase__in=_WORKING_PHASES)
        .order_by()
        .values("case_id")
        .annotate(furthest=Max(rank))
        .values_list("case_id", "furthest")
    )
    return dict(rows)


def _referral_counts(cases: QuerySet[Case]) -> dict[int, tuple[int, int]]:
    rows = (
        Referral.objects.filter(case_id__in=cases.values("pk"), direction=Direction.OUTBOUND)
        .exclude(status=ReferralStatus.DRAFT)
        .order_by()
        .values("case_id")
        .annotate(
            sent=Count("pk"), completed=Count("pk", filter=Q(status=ReferralStatus.COMPLETED))
        )
        .values_list("case_id", "sent", "completed")
    )
    return {case_id: (sent, completed) for case_id, sent, completed in rows}


def _follow_ups_done(cases: QuerySet[Case]) -> dict[int, int]:
    rows = (
        FollowUp.objects.filter(case_id__in=cases.values("pk"), status=FollowUp.Status.DONE)
        .order_by()
        .values("case_id")
        .annotate(done=Count("pk"))
        .values_list("case_id", "done")
    )
    return dict(rows)


def _outcome_kinds(cases: QuerySet[Case]) -> dict[int, set[str]]:
    rows = (
        Outcome.objects.filter(case_id__in=cases.values("pk"))
        .order_by()
        .values_list("case_id", "kind")
        .distinct()
    )
    kinds: dict[int, set[str]] = {}
    for case_id, kind in rows:
        kinds.setdefault(case_id, set()).add(kind)
    return kinds


_CASE_FIELDS = (
    "pk",
    "public_id",
    "access_point_id",
    "opened_on",
    "closed_on",
    "phase",
    "phase_before_suspension",
    "source",
    "work_situation",
    "intervention_logic",
    "closure_outcome",
    "person__gender",
    "person__birth_year",
    "person__citizenship",
)


def case_records(
    access_point_ids: frozenset[int] | None,
    since: dt.date,
    until: dt.date,
    key: bytes,
) -> list[Record]:
    """One record per selected case at the finest level, in six queries whatever the count."""
    cases = _selected_cases(access_point_ids, since, until)
    places = _places(cases)
    ranks = _phase_ranks(cases)
    referrals = _referral_counts(cases)
    follow_ups = _follow_ups_done(cases)
    outcomes = _outcome_kinds(cases)
    # An open case counts its days up to the end of the period, but not beyond today.
    period_end = min(until, timezone.localdate())
    records: list[Record] = []
    for row in cases.values(*_CASE_FIELDS):
        pk: int = row["pk"]
        opened_on: dt.date = row["opened_on"]
        closed = row["phase"] == Phase.CLOSED
        end = row["closed_on"] if closed and row["closed_on"] else period_end
        province, region = places.get(row["access_point_id"], (UNKNOWN, UNKNOWN))
        sent, completed = referrals.get(pk, (0, 0))
        kinds = outcomes.get(pk, set())
        record: Record = {
            "record_id": record_id(row["public_id"], key),
            "province": province,
            "region": region,
            "opened_period": quarter_label(opened_on),
            "age_band": age_band(opened_on.year, row["person__birth_year"]),
            "gender": GENDER_GROUP.get(row["person__gender"], OTHER_GENDER),
            "citizenship_area": COUNTRY_AREA.get(row["person__citizenship"], UNKNOWN),
            "source": row["source"],
            "work_situation": row["work_situation"],
            "intervention_logic": row["intervention_logic"],
            "phase_reached": furthest_phase(
                [ranks.get(pk)], row["phase"], row["phase_before_suspension"]
            ),
            "closed": closed,
            "closure_outcome": row["closure_outcome"] if closed else "",
            "days_open_band": days_open_band(max(0, (end - opened_on).days)),
            "referrals_sent": sent,
            "referrals_completed": completed,
            "follow_ups_done": follow_ups.get(pk, 0),
        }
        for flag, flag_kinds in OUTCOME_FLAGS.items():
            record[flag] = any(kind in kinds for kind in flag_kinds)
        records.append(record)
    # Sorted by the pseudonymous id: the file's order says nothing about when cases opened.
    records.sort(key=lambda r: str(r["record_id"]))
    return records


def build_microdata(
    access_point_ids: frozenset[int] | None,
    since: dt.date,
    until: dt.date,
    *,
    k: int = DEFAULT_K,
    key: bytes | None = None,
) -> Microdata:
    """The k-anonymous microdata of the cases opened in [since, until] at the given PUAs
    (None: all), for people with an evaluation consent in force. See `anonymise` for the
    choice of the generalisation level."""
    records = case_records(access_point_ids, since, until, key or default_key())
    kept, level, suppressed = anonymise(records, k)
    columns = header(level)
    return Microdata(
        header=columns,
        rows=[[record[column] for column in columns] for record in kept],
        level=level,
        suppressed=suppressed,
        considered=len(records),
        k=k,
        quasi_identifiers=quasi_identifiers(level),
    )
