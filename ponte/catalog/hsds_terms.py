"""The Ponte taxonomy as HSDS `taxonomy` and `taxonomy_term` objects.

Our FairJob map fields become HSDS `attribute` rows pointing at these terms. A term's
code is `group:value` for choices (`area:legal`, `stage:active`) or a bare name for
free-text and yes/no attributes (`objectives`, `open_without_permit`). Term ids are
uuid5(PONTE_TAXONOMY_ID, code): stable across installations and releases, so a partner
can filter on them and our importer recognises them without a lookup table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ponte.catalog.taxonomy import PONTE_TAXONOMY_ID, Area, Format, Presence, Stage
from ponte.network.models import OrganizationKind

TAXONOMY_NAMESPACE = uuid.UUID(PONTE_TAXONOMY_ID)
TAXONOMY_VERSION = "1"

# Choice groups: the attribute's link_type is the group, the term's code `group:value`.
CHOICE_GROUPS: dict[str, tuple[type[models.TextChoices], Promise]] = {
    "area": (Area, _lazy("Area of the FairJob map of resources")),
    "stage": (Stage, _lazy("Stage of the service (active, being designed, to be developed)")),
    "presence": (Presence, _lazy("How the service runs (in person, online)")),
    "format": (Format, _lazy("Format (individual, group)")),
    "organization_kind": (OrganizationKind, _lazy("Kind of organisation")),
}
# Free text carried in the attribute's value.
TEXT_TERMS: dict[str, tuple[Promise, Promise]] = {
    "objectives": (_lazy("Objectives and skills developed"), _lazy("Free text in the value.")),
    "duration": (_lazy("Total duration"), _lazy("Free text in the value.")),
    "notes": (_lazy("Notes"), _lazy("Free text in the value.")),
}
# Yes/no facts: the attribute is present (value "true") when the fact holds.
FLAG_TERMS: dict[str, tuple[Promise, Promise]] = {
    "open_without_permit": (
        _lazy("Open to people without a valid permit"),
        _lazy("The service accepts people whose residence permit is missing or expired."),
    ),
    "public_guide": (
        _lazy("Shown in the public guide"),
        _lazy("The provider agreed to list the service in Ponte's public guide."),
    ),
    "demo": (
        _lazy("Fictitious (demo) record"),
        _lazy("Made-up data for demonstrations and training; not a real service."),
    ),
}


@dataclass(frozen=True)
class Term:
    code: str
    group: str  # "" for text and flag terms

    @property
    def id(self) -> str:
        return term_id(self.code)


def term_id(code: str) -> str:
    return str(uuid.uuid5(TAXONOMY_NAMESPACE, code))


@cache
def all_terms() -> dict[str, Term]:
    """Every term by id: group terms, choice terms, text and flag terms."""
    terms = [Term(group, "") for group in CHOICE_GROUPS]
    for group, (choices, _description) in CHOICE_GROUPS.items():
        terms.extend(Term(f"{group}:{value}", group) for value in choices.values)
    terms.extend(Term(code, "") for code in [*TEXT_TERMS, *FLAG_TERMS])
    return {term.id: term for term in terms}


def find_term(attribute: dict[str, Any]) -> Term | None:
    """The Ponte term an incoming attribute points at, or None for another taxonomy."""
    nested = attribute.get("taxonomy_term")
    candidates = [attribute.get("taxonomy_term_id")]
    if isinstance(nested, dict):
        candidates.append(nested.get("id"))
    terms = all_terms()
    for candidate in candidates:
        if isinstance(candidate, str) and candidate in terms:
            return terms[candidate]
    return None


def taxonomy_object() -> dict[str, Any]:
    return {
        "id": PONTE_TAXONOMY_ID,
        "name": "Ponte",
        "description": _(
            "The Ponte taxonomy: areas of the FairJob map of resources and the map's other "
            "fields (stage, presence, format, objectives, duration)."
        ),
        "version": TAXONOMY_VERSION,
    }


def _choice_label(group: str, value: str) -> str:
    choices = CHOICE_GROUPS[group][0]
    return str(dict(choices.choices).get(value, value))


def term_object(code: str) -> dict[str, Any]:
    """The HSDS taxonomy_term for `code`, named in the active language."""
    group, _sep, value = code.partition(":")
    parent_id = ""
    if value:
        name = _choice_label(group, value)
        description = f"{CHOICE_GROUPS[group][1]}: {name}"
        parent_id = term_id(group)
    elif code in CHOICE_GROUPS:
        name = str(CHOICE_GROUPS[code][1])
        description = name
    else:
        label, explanation = {**TEXT_TERMS, **FLAG_TERMS}[code]
        name, description = str(label), str(explanation)
    term: dict[str, Any] = {
        "id": term_id(code),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": "Ponte",
        "taxonomy_id": PONTE_TAXONOMY_ID,
        "language": (get_language() or "it").split("-")[0],
        "taxonomy_detail": taxonomy_object(),
    }
    if parent_id:
        term["parent_id"] = parent_id
    return term
