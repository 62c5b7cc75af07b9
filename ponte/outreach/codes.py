"""The code lists of outreach, shared by the models, the sync API and the quick form.

The values are the wire format of SYNC_CONTRACT.md: never rename one, add new ones.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    MARKET = "market", _("Market")
    STATION = "station", _("Station / transit point")
    FIELD = "field", _("Field or farm")
    DELIVERY_HUB = "delivery_hub", _("Delivery hub")
    ETHNIC_SHOP = "ethnic_shop", _("Ethnic shop")
    PLACE_OF_WORSHIP = "place_of_worship", _("Place of worship")
    MEETING_PLACE = "meeting_place", _("Meeting place")
    DORMITORY = "dormitory", _("Dormitory")
    INDUSTRIAL_AREA = "industrial_area", _("Factory / industrial area")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
    RECEPTION_CENTRE = "reception_centre", _("Reception centre")
    EVENT = "event", _("Event or religious feast")
    ONLINE_SPACE = "online_space", _("Online space")


class Method(models.TextChoices):
    TERRITORIAL = "territorial", _("Territorial presence")
    PEER = "peer", _("Peer outreach")
    DIGITAL = "digital", _("Digital outreach")
    NETWORK = "network", _("Network / institutional work")


class MaterialKind(models.TextChoices):
    LEAFLET = "leaflet", _("Leaflet")
    RIGHTS_CARD = "rights_card", _("Rights card")
    GUIDE = "guide", _("Guide to services")
    HEALTH_KIT = "health_kit", _("Health / hygiene kit")
    FOOD_WATER = "food_water", _("Food or water")
    OTHER = "other", _("Other")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class AgeBand(models.TextChoices):
    UNDER_18 = "<18", _("Under 18")
    AGE_18_24 = "18-24", "18-24"
    AGE_25_34 = "25-34", "25-34"
    AGE_35_49 = "35-49", "35-49"
    AGE_50_PLUS = "50+", _("50 and over")
    UNKNOWN = "unknown", _("Not known")


class Channel(models.TextChoices):
    STREET = "street", _("Street (in person)")
    DIGITAL = "digital", _("Digital (chat, social)")


class Sector(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture")
    LOGISTICS = "logistics", _("Logistics and delivery")
    CONSTRUCTION = "construction", _("Construction")
    HOSPITALITY = "hospitality", _("Hospitality")
    DOMESTIC = "domestic", _("Domestic and care work")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    TRADE = "trade", _("Trade")
    OTHER = "other", _("Other")


# ISIC Rev. 4 sections (the sector is a quick tag; the section is what statistics use).
ISIC_SECTION: dict[str, str] = {
    Sector.AGRICULTURE: "A",
    Sector.LOGISTICS: "H",
    Sector.CONSTRUCTION: "F",
    Sector.HOSPITALITY: "I",
    Sector.DOMESTIC: "T",
    Sector.MANUFACTURING: "C",
    Sector.TRADE: "G",
    Sector.OTHER: "",
}


class Signal(models.TextChoices):
    """Possible exploitation signals: the 603-bis c.p. indices and the ILO indicators."""

    WAGES = "wages", _("Wages far below the agreements (603-bis)")
    WORKING_TIME = "working_time", _("Working time, rest and holidays breached (603-bis)")
    HEALTH_SAFETY = "health_safety", _("Health and safety rules breached (603-bis)")
    DEGRADING_CONDITIONS = (
        "degrading_conditions",
        _("Degrading working or housing conditions (603-bis)"),
    )
    ILO_ABUSE_OF_VULNERABILITY = "ilo_abuse_of_vulnerability", _("Abuse of vulnerability (ILO)")
    ILO_DECEPTION = "ilo_deception", _("Deception (ILO)")
    ILO_RESTRICTION_OF_MOVEMENT = "ilo_restriction_of_movement", _("Restriction of movement (ILO)")
    ILO_ISOLATION = "ilo_isolation", _("Isolation (ILO)")
    ILO_VIOLENCE = "ilo_violence", _("Physical and sexual violence (ILO)")
    ILO_INTIMIDATION = "ilo_intimidation", _("Intimidation and threats (ILO)")
    ILO_DOCUMENTS_RETAINED = "ilo_documents_retained", _("Retention of identity documents (ILO)")
    ILO_WAGES_WITHHELD = "ilo_wages_withheld", _("Withholding of wages (ILO)")
    ILO_DEBT_BONDAGE = "ilo_debt_bondage", _("Debt bondage (ILO)")
    ILO_ABUSIVE_CONDITIONS = (
        "ilo_abusive_conditions",
        _("Abusive working and living conditions (ILO)"),
    )
    ILO_EXCESSIVE_OVERTIME = "ilo_excessive_overtime", _("Excessive overtime (ILO)")


class NextStep(models.TextChoices):
    PUA_APPOINTMENT = "pua_appointment", _("Appointment at a PUA")
    REFERRAL = "referral", _("Referral to a service")
    ANOTHER_MEETING = "another_meeting", _("Another meeting")
    NONE = "none", _("None")
