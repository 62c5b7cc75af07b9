"""Writes of outreach: the offline sync, places, and the seam towards cases ("aggancio").

`sync_entries` follows SYNC_CONTRACT.md: each entry is checked and written on its own, in its
own savepoint, so a bad entry never leaves half a record and never blocks the good ones; an id
already received answers "already_synced" and changes nothing.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from ponte.audit.services import record
from ponte.network.models import AccessPoint, ApiToken
from ponte.network.roles import Cap, capabilities_of, has_cap, require
from ponte.outreach.models import (
    Contact,
    ContactNeed,
    ContactSignal,
    Outing,
    OutingMaterial,
    PeopleMet,
    Place,
)
from ponte.outreach.validation import Errors, clean_contact, clean_outing

MAX_ENTRIES = 200
MAX_BODY_BYTES = 512 * 1024
_ALIAS_SALT = "ponte.outreach.alias_key"

CREATED, ALREADY_SYNCED, REJECTED = "created", "already_synced", "rejected"


@dataclass
class EntryResult:
    id: str
    status: str
    errors: Errors = field(default_factory=dict)


class Rejected(Exception):
    def __init__(self, errors: Errors) -> None:
        super().__init__(errors)
        self.errors = errors


def _reject(name: str, message: str) -> Rejected:
    return Rejected({name: [message]})


# ---- "seen before?" -------------------------------------------------------------------------


def normalise_alias(alias: str) -> str:
    """Case, accents and spacing do not make a different person: "Mamadù " == "mamadu"."""
    decomposed = unicodedata.normalize("NFKD", alias.casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.split())


def alias_key(access_point: AccessPoint | int, alias: str) -> str:
    """A keyed hash of alias + PUA: equal inside one PUA's records, meaningless outside them,
    and not reversible without the server's secret key (no lookup table of aliases)."""
    normal = normalise_alias(alias or "")
    if not normal:
        return ""
    ap_id = access_point if isinstance(access_point, int) else access_point.pk
    return salted_hmac(_ALIAS_SALT, f"{ap_id}:{normal}", algorithm="sha256").hexdigest()


def contact_seen_before(
    access_point: AccessPoint, alias: str, *, exclude: Contact | None = None
) -> int:
    """How many contacts of this PUA already carry the same alias (0 when there is no alias)."""
    key = alias_key(access_point, alias)
    if not key:
        return 0
    qs = Contact.objects.filter(access_point=access_point, alias_key=key)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.count()


# ---- sync -------------------------------------------------------------------------------------


class Sender:
    """Who sends the entries: a signed-in user, or a partner system's token."""

    def __init__(self, actor: Any, token: ApiToken | None) -> None:
        self.actor = actor
        self.token = token
        self._cache: dict[int, bool] = {}

    def may_record(self, organization_id: int) -> bool:
        if organization_id not in self._cache:
            if self.token is not None:
                allowed = self.token.organization_id == organization_id and (
                    Cap.RECORD_OUTREACH in capabilities_of(self.token.role)
                )
            else:
                allowed = has_cap(self.actor, organization_id, Cap.RECORD_OUTREACH)
            self._cache[organization_id] = allowed
        return self._cache[organization_id]

    @property
    def user(self) -> Any:
        return self.actor if getattr(self.actor, "is_authenticated", False) else None

    @property
    def audit_actor(self) -> Any:
        return self.user or (f"API token {self.token}" if self.token else None)


def sync_entries(
    entries: list[Any], *, actor: Any, token: ApiToken | None = None
) -> list[EntryResult]:
    """Write each entry of a sync payload on its own; see SYNC_CONTRACT.md for the rules."""
    sender = Sender(actor, token)
    results: list[EntryResult] = []
    audits: list[dict[str, Any]] = []
    for position, entry in enumerate(entries):
        entry_id = str(entry.get("id", "")) if isinstance(entry, dict) else ""
        try:
            status = _sync_one(entry, sender, audits)
        except Rejected as rejected:
            results.append(EntryResult(entry_id or f"#{position}", REJECTED, rejected.errors))
        else:
            results.append(EntryResult(entry_id, status))
    # The audit rows of the burst are written together at the end, still in the request's
    # transaction: each takes the audit chain's lock until commit, and taking it at the first
    # entry made every audited request of the site wait for the whole burst (benchmarks/).
    with transaction.atomic():
        for audit in audits:
            record(**audit)
    return results


def _sync_one(entry: Any, sender: Sender, audits: list[dict[str, Any]]) -> str:
    """Write one entry; its audit record is added to `audits` only once the entry's own
    savepoint has been released (a rejected entry leaves no audit row)."""
    if not isinstance(entry, dict):
        raise _reject("entry", _("Each entry must be an object."))
    kind = entry.get("kind")
    if kind not in ("outing", "contact"):
        raise _reject("kind", _("The kind must be “outing” or “contact”."))
    try:
        public_id = uuid.UUID(str(entry.get("id")))
    except ValueError:
        raise _reject("id", _("Not a valid identifier.")) from None
    data = entry.get("data")
    if not isinstance(data, dict):
        raise _reject("data", _("The entry has no data."))
    model: type[Outing] | type[Contact] = Outing if kind == "outing" else Contact
    existing = _existing(model, public_id, sender)
    if existing is not None:
        return existing
    entry_audit: list[dict[str, Any]] = []
    try:
        with transaction.atomic():
            if kind == "outing":
                _create_outing(public_id, data, sender, entry_audit)
            else:
                _create_contact(public_id, data, sender, entry_audit)
    except IntegrityError:
        # The same id arrived twice at the same moment (two tabs, a retry): the first won.
        existing = _existing(model, public_id, sender)
        if existing is not None:
            return existing
        raise _reject("id", _("The entry could not be saved.")) from None
    audits.extend(entry_audit)
    return CREATED


def _existing(model: type[Outing] | type[Contact], public_id: uuid.UUID, sender: Sender) -> Any:
    found = (
        model.objects.filter(public_id=public_id)
        .values_list("access_point__lead_organization_id", flat=True)
        .first()
    )
    if found is None:
        return None
    if sender.may_record(found):
        return ALREADY_SYNCED
    raise _reject("id", _("This identifier is already in use."))


def _access_point(public_id: uuid.UUID | None, sender: Sender, name: str) -> AccessPoint:
    access_point = (
        AccessPoint.objects.filter(public_id=public_id, is_active=True)
        .select_related("lead_organization")
        .first()
        if public_id
        else None
    )
    if access_point is None:
        raise _reject(name, _("Unknown PUA."))
    if not sender.may_record(access_point.lead_organization_id):
        raise _reject(name, _("You may not record outreach for this PUA."))
    return access_point


def _create_outing(
    public_id: uuid.UUID, data: dict[str, Any], sender: Sender, audits: list[dict[str, Any]]
) -> Outing:
    clean, errors = clean_outing(data)
    if errors:
        raise Rejected(errors)
    access_point = _access_point(clean["access_point"], sender, "access_point")
    places = list(
        Place.objects.filter(
            public_id__in=clean["place_ids"], organization_id=access_point.lead_organization_id
        )
    )
    found = {p.public_id for p in places}
    missing = [i for i, pid in enumerate(clean["place_ids"]) if pid not in found]
    if missing:
        raise Rejected({f"place_ids.{i}": [_("Unknown place.")] for i in missing})
    outing = Outing.objects.create(
        public_id=public_id,
        access_point=access_point,
        date=clean["date"],
        start_time=clean["start_time"],
        end_time=clean["end_time"],
        method=clean["method"],
        place_note=clean["place_note"],
        logbook=clean["logbook"],
        safety_incident=clean["safety_incident"],
        created_by=sender.user,
        synced_at=timezone.now(),
    )
    outing.places.set(places)
    if sender.user is not None:
        outing.team.add(sender.user)
    OutingMaterial.objects.bulk_create(
        [OutingMaterial(outing=outing, **item) for item in clean["materials"]]
    )
    PeopleMet.objects.bulk_create(
        [PeopleMet(outing=outing, **item) for item in clean["people_met"]]
    )
    audits.append(
        dict(
            action="outreach.outing_synced",
            actor=sender.audit_actor,
            target=outing,
            organization=access_point.lead_organization,
            data={
                "access_point": str(access_point.public_id),
                "date": clean["date"].isoformat(),
                "method": clean["method"],
                "places": len(places),
                "materials": len(clean["materials"]),
                "people_met": sum(p["count"] for p in clean["people_met"]),
            },
        )
    )
    return outing


def _create_contact(
    public_id: uuid.UUID, data: dict[str, Any], sender: Sender, audits: list[dict[str, Any]]
) -> Contact:
    clean, errors = clean_contact(data)
    if errors:
        raise Rejected(errors)
    outing = None
    if clean["outing_id"] is not None:
        outing = (
            Outing.objects.filter(public_id=clean["outing_id"])
            .select_related("access_point__lead_organization")
            .first()
        )
        if outing is None or not sender.may_record(outing.access_point.lead_organization_id):
            raise _reject("outing_id", _("Unknown outing: send the outing first."))
        if clean["access_point"] not in (None, outing.access_point.public_id):
            raise _reject("access_point", _("The PUA is not the outing's PUA."))
        access_point = outing.access_point
    else:
        access_point = _access_point(clean["access_point"], sender, "access_point")
    contact = Contact.objects.create(
        public_id=public_id,
        access_point=access_point,
        outing=outing,
        channel=clean["channel"],
        met_at=clean["met_at"],
        alias=clean["alias"],
        alias_key=alias_key(access_point, clean["alias"]),
        gender=clean["gender"],
        age_band=clean["age_band"],
        nationality=clean["nationality"],
        languages=",".join(clean["languages"]),
        sector=clean["sector"],
        information_given=clean["information_given"],
        next_step=clean["next_step"],
        consent_recontact=clean["consent_recontact"],
        safe_contact_note=clean["safe_contact_note"],
        created_by=sender.user,
        synced_at=timezone.now(),
    )
    ContactNeed.objects.bulk_create([ContactNeed(contact=contact, area=a) for a in clean["needs"]])
    ContactSignal.objects.bulk_create(
        [ContactSignal(contact=contact, code=s) for s in clean["signals"]]
    )
    audits.append(
        dict(
            action="outreach.contact_synced",
            actor=sender.audit_actor,
            target=contact,
            organization=access_point.lead_organization,
            data={
                "access_point": str(access_point.public_id),
                "outing": str(outing.public_id) if outing else None,
                "channel": clean["channel"],
                "repeat": bool(contact.alias_key)
                and contact_seen_before(access_point, clean["alias"], exclude=contact) > 0,
            },
        )
    )
    return contact


# ---- places and engagement ---------------------------------------------------------------------


def save_place(place: Place, *, actor: Any, changed: list[str] | None = None) -> Place:
    require(actor, place.organization_id, Cap.RECORD_OUTREACH)
    created = place.pk is None
    with transaction.atomic():
        place.save()
        record(
            "outreach.place_created" if created else "outreach.place_changed",
            actor=actor,
            target=place,
            organization=place.organization,
            data={"fields": sorted(changed or [])},
        )
    return place


def mark_engaged(contact: Contact, *, actor: Any, consent_given: bool) -> Contact:
    """The "aggancio": the person met agreed to be taken in charge by the PUA.

    Records the consent and the moment of engagement, which is the middle step of the funnel
    contact → engagement → case. The cases module creates the Person and the Case right here,
    in this transaction, and stores the Case's public id in `contact.case_ref`: that link is
    what lets the coordinator's dashboard count contacts that became cases. Without consent
    nothing is recorded.
    """
    require(actor, contact.access_point.lead_organization_id, Cap.RECORD_OUTREACH)
    if not consent_given:
        raise ValidationError(_("A contact becomes a case only with the person's consent."))
    now = timezone.now()
    with transaction.atomic():
        contact.engagement_consent_at = contact.engagement_consent_at or now
        contact.engaged_at = contact.engaged_at or now
        contact.save(update_fields=["engagement_consent_at", "engaged_at", "updated_at"])
        record(
            "outreach.contact_engaged",
            actor=actor,
            target=contact,
            organization=contact.access_point.lead_organization,
            data={"access_point": str(contact.access_point.public_id)},
        )
    return contact
