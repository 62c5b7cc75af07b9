"""Syntax checks of one sync entry (SYNC_CONTRACT.md): shape, types, code lists, lengths.

Returns cleaned values and per-field messages in the user's language; the domain rules (which
PUA the sender may record for, whether an id is taken) are in `services`.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ponte.catalog.taxonomy import Area
from ponte.outreach.codes import (
    AgeBand,
    Channel,
    Gender,
    MaterialKind,
    Method,
    NextStep,
    Sector,
    Signal,
)

Errors = dict[str, list[str]]

MAX_LIST = 50
# The contact's languages are stored comma-separated in a column of this size.
LANGUAGES_TEXT_MAX = 100
# Matched with fullmatch: "$" alone also matches before a final newline, and "IT\n" then
# reached a two-character column (a 500 on PostgreSQL).
_COUNTRY = re.compile(r"[A-Z]{2}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?")
EARLIEST = dt.date(2015, 1, 1)


class Cleaner:
    """Collects errors field by field while reading one entry's data."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: Errors = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def ident(self, value: Any, name: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(str(value))
        except (TypeError, ValueError):
            self.fail(name, _("Not a valid identifier."))
            return None

    def optional_uuid(self, name: str) -> uuid.UUID | None:
        value = self.data.get(name)
        return None if value in (None, "") else self.ident(value, name)

    def uuid_list(self, name: str) -> list[uuid.UUID]:
        values = self.items(name)
        found = [self.ident(v, f"{name}.{i}") for i, v in enumerate(values)]
        return [v for v in found if v is not None]

    def items(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, _("Expected a list."))
            return []
        if len(value) > MAX_LIST:
            self.fail(name, _("Too many items (at most %(n)d).") % {"n": MAX_LIST})
            return []
        return value

    def text(self, name: str, limit: int, source: dict[str, Any] | None = None) -> str:
        value = (self.data if source is None else source).get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(name, _("Expected text."))
            return ""
        value = value.replace("\x00", "").strip()
        if not _encodable(value):
            self.fail(name, _("Contains characters that are not valid text."))
            return ""
        if len(value) > limit:
            self.fail(name, _("Too long (at most %(n)d characters).") % {"n": limit})
            return ""
        return value

    def choice(
        self,
        name: str,
        choices: list[str],
        *,
        default: str | None = None,
        source: dict[str, Any] | None = None,
        label: str | None = None,
    ) -> str:
        value = (self.data if source is None else source).get(name)
        label = label or name
        if value in (None, "") and default is not None:
            return default
        if value not in choices:
            self.fail(label, _("“%(value)s” is not one of the allowed values.") % {"value": value})
            return default or ""
        return str(value)

    def codes(self, name: str, choices: list[str]) -> list[str]:
        out: list[str] = []
        for i, value in enumerate(self.items(name)):
            if value not in choices:
                self.fail(f"{name}.{i}", _("Unknown code “%(value)s”.") % {"value": value})
            elif value not in out:
                out.append(value)
        return out

    def country(self, name: str, source: dict[str, Any] | None = None, label: str = "") -> str:
        value = (self.data if source is None else source).get(name) or ""
        if value and not (isinstance(value, str) and _COUNTRY.fullmatch(value.upper())):
            self.fail(label or name, _("Use a two-letter country code (ISO 3166-1)."))
            return ""
        return str(value).upper()

    def count(self, name: str, source: dict[str, Any], label: str, maximum: int) -> int:
        value = source.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
            self.fail(label, _("Enter a whole number from 1 to %(n)d.") % {"n": maximum})
            return 0
        return value

    def date(self, name: str) -> dt.date | None:
        value = self.data.get(name)
        try:
            day = dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None:
            self.fail(name, _("Enter a date as YYYY-MM-DD."))
            return None
        if day > timezone.localdate() + dt.timedelta(days=1) or day < EARLIEST:
            self.fail(name, _("The date is in the future or too far in the past."))
            return None
        return day

    def time(self, name: str) -> dt.time | None:
        value = self.data.get(name)
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not _TIME.fullmatch(value):
            self.fail(name, _("Enter a time as HH:MM."))
            return None
        return dt.time.fromisoformat(value[:5])

    def moment(self, name: str) -> dt.datetime | None:
        value = self.data.get(name)
        try:
            moment = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            self.fail(name, _("Enter a date and time (ISO 8601)."))
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        if moment > timezone.now() + dt.timedelta(days=1) or moment.date() < EARLIEST:
            self.fail(name, _("The date is in the future or too far in the past."))
            return None
        return moment

    def boolean(self, name: str) -> bool:
        value = self.data.get(name, False)
        if not isinstance(value, bool):
            self.fail(name, _("Expected true or false."))
            return False
        return value


def _encodable(text: str) -> bool:
    """JSON can carry lone surrogates ("\\ud800"); no database or cipher can store them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _values(choices: Any) -> list[str]:
    return [str(v) for v in choices.values]


def clean_outing(data: dict[str, Any]) -> tuple[dict[str, Any], Errors]:
    c = Cleaner(data)
    out: dict[str, Any] = {
        "access_point": c.ident(data.get("access_point"), "access_point"),
        "date": c.date("date"),
        "start_time": c.time("start_time"),
        "end_time": c.time("end_time"),
        "method": c.choice("method", _values(Method)),
        "place_ids": c.uuid_list("place_ids"),
        "place_note": c.text("place_note", 200),
        "logbook": c.text("logbook", 20_000),
        "safety_incident": c.text("safety_incident", 5_000),
        "materials": [],
        "people_met": [],
    }
    if out["start_time"] and out["end_time"] and out["end_time"] < out["start_time"]:
        c.fail("end_time", _("The end comes before the start."))
    for i, item in enumerate(c.items("materials")):
        if not isinstance(item, dict):
            c.fail(f"materials.{i}", _("Expected an object."))
            continue
        language = item.get("language") or ""
        if not (isinstance(language, str) and _LANGUAGE.fullmatch(language)):
            c.fail(f"materials.{i}.language", _("Use a language code (ISO 639)."))
        out["materials"].append(
            {
                "kind": c.choice(
                    "kind", _values(MaterialKind), source=item, label=f"materials.{i}.kind"
                ),
                "language": language,
                "quantity": c.count("quantity", item, f"materials.{i}.quantity", 100_000),
            }
        )
    for i, item in enumerate(c.items("people_met")):
        if not isinstance(item, dict):
            c.fail(f"people_met.{i}", _("Expected an object."))
            continue
        out["people_met"].append(
            {
                "gender": c.choice(
                    "gender", _values(Gender), source=item, label=f"people_met.{i}.gender"
                ),
                "age_band": c.choice(
                    "age_band", _values(AgeBand), source=item, label=f"people_met.{i}.age_band"
                ),
                "nationality": c.country(
                    "nationality", source=item, label=f"people_met.{i}.nationality"
                ),
                "count": c.count("count", item, f"people_met.{i}.count", 10_000),
            }
        )
    return out, c.errors


def clean_contact(data: dict[str, Any]) -> tuple[dict[str, Any], Errors]:
    c = Cleaner(data)
    out: dict[str, Any] = {
        "outing_id": c.optional_uuid("outing_id"),
        "access_point": c.optional_uuid("access_point"),
        "channel": c.choice("channel", _values(Channel)),
        "met_at": c.moment("met_at"),
        "alias": c.text("alias", 80),
        "gender": c.choice("gender", _values(Gender), default=Gender.UNKNOWN),
        "age_band": c.choice("age_band", _values(AgeBand), default=AgeBand.UNKNOWN),
        "nationality": c.country("nationality"),
        "languages": [],
        "sector": c.choice("sector", _values(Sector), default=""),
        "needs": c.codes("needs", _values(Area)),
        "signals": c.codes("signals", _values(Signal)),
        "information_given": c.text("information_given", 5_000),
        "next_step": c.choice("next_step", _values(NextStep), default=NextStep.NONE),
        "consent_recontact": c.boolean("consent_recontact"),
        "safe_contact_note": c.text("safe_contact_note", 1_000),
    }
    for i, code in enumerate(c.items("languages")):
        if not (isinstance(code, str) and _LANGUAGE.fullmatch(code)):
            c.fail(f"languages.{i}", _("Use a language code (ISO 639)."))
        elif code not in out["languages"]:
            out["languages"].append(code)
    if len(",".join(out["languages"])) > LANGUAGES_TEXT_MAX:
        c.fail("languages", _("Too many languages."))
    if out["outing_id"] is None and out["access_point"] is None and "outing_id" not in c.errors:
        c.fail("access_point", _("Give the outing or the PUA the contact belongs to."))
    return out, c.errors
