"""The Ponte taxonomy: the areas of the FairJob map of resources, and the map's other fields.

Stored as plain choices on our models; exported to HSDS as `taxonomy_term` and
`attribute` rows under the taxonomy named PONTE_TAXONOMY_ID.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

PONTE_TAXONOMY_ID = "4f6e7465-0000-4000-8000-706f6e746501"  # stable UUID of "ponte-areas"


class Area(models.TextChoices):
    WORK_GUIDANCE = "work_guidance", _("Work guidance")
    TRAINING = "training", _("Training")
    INTERNSHIPS = "internships", _("Internships")
    JOB_PLACEMENT = "job_placement", _("Job placement")
    LEGAL = "legal", _("Legal advice and permits")
    LABOUR_DISPUTES = "labour_disputes", _("Labour disputes and unions")
    ANTI_TRAFFICKING = "anti_trafficking", _("Anti-trafficking")
    HOUSING_EMERGENCY = "housing_emergency", _("Housing — emergency")
    HOUSING_TEMPORARY = "housing_temporary", _("Housing — temporary")
    HOUSING_SHARED = "housing_shared", _("Housing — shared")
    HEALTH = "health", _("Health and psychological support")
    MEDIATION = "mediation", _("Linguistic-cultural mediation")
    ITALIAN_LANGUAGE = "italian_language", _("Italian language (CPIA)")
    BASIC_NEEDS = "basic_needs", _("Basic needs")
    ECONOMIC_SUPPORT = "economic_support", _("Economic support")
    RECEPTION = "reception", _("Reception (SAI/CAS)")


class Stage(models.TextChoices):
    ACTIVE = "active", _("Active")
    BEING_DESIGNED = "being_designed", _("Being designed")
    TO_BE_DEVELOPED = "to_be_developed", _("To be developed")


class Status(models.TextChoices):
    """HSDS 3 service.status."""

    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DEFUNCT = "defunct", _("Defunct")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")


class Presence(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    BOTH = "both", _("In person and online")


class Format(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    GROUP = "group", _("Group")
    BOTH = "both", _("Individual and group")


# Languages operators and mediators most often need in the Lombard network (ISO 639-1/3).
COMMON_LANGUAGES: list[tuple[str, str]] = [
    ("it", "italiano"),
    ("en", "English"),
    ("fr", "français"),
    ("ar", "العربية"),
    ("ur", "اردو"),
    ("pa", "ਪੰਜਾਬੀ"),
    ("bn", "বাংলা"),
    ("es", "español"),
    ("hi", "हिन्दी"),
    ("wo", "Wolof"),
    ("sq", "shqip"),
    ("ro", "română"),
    ("uk", "українська"),
    ("ru", "русский"),
    ("zh", "中文"),
    ("tl", "Tagalog"),
    ("ti", "ትግርኛ"),
    ("so", "Soomaali"),
    ("ff", "Fulfulde"),
    ("bm", "Bamanankan"),
    ("pt", "português"),
    ("tr", "Türkçe"),
]
LANGUAGE_NAMES = dict(COMMON_LANGUAGES)
