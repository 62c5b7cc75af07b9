"""The public guide: services near you, in your language.

For a person who may be on a cheap phone, perhaps watched by the person exploiting them:
no login, no session, no cookie, no external resource, nothing recorded about the visit.
Only published services (`Service.objects.public()`) of active organisations are shown.
The language is in the path (`/guida/<lang>/…`) and activated here, whatever the browser
asks for; every page has a quick exit and the national anti-trafficking helpline.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Page
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_safe

from ponte.catalog.models import (
    Location,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceTranslation,
)
from ponte.catalog.queries import ServiceFilters, search_services
from ponte.catalog.taxonomy import COMMON_LANGUAGES, LANGUAGE_NAMES, Area
from ponte.common.access import access_rule
from ponte.common.views import paginate, querystring_without_page
from ponte.network.models import Territory

CACHE_SECONDS = 300  # public content, no personal data: a short browser/proxy cache is fine
PAGE_SIZE = 20
PLACE_CHOICES_SHOWN = 12
HELPLINE = "800 290 290"
DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]  # RFC 5545 BYDAY, Monday first
PUBLIC = "public"
PUBLIC_DETAIL = "the public guide: published services only, no personal data"


def guide_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def autonym(code: str) -> str:
    """A language's name in its own script (ਪੰਜਾਬੀ, not "Punjabi")."""
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    try:
        return str(translation.get_language_info(code)["name_local"])
    except KeyError:
        return code


def is_rtl(code: str) -> bool:
    try:
        return bool(translation.get_language_info(code)["bidi"])
    except KeyError:
        return False


# --- Rendering -----------------------------------------------------------------


def _switch_links(request: HttpRequest, lang: str) -> list[dict[str, Any]]:
    """The same page in every other language (the query string is kept)."""
    match = request.resolver_match
    query = request.GET.urlencode()
    links = []
    for code in guide_languages():
        if match is not None and match.url_name and "lang" in match.kwargs:
            url = reverse(f"guide:{match.url_name}", kwargs={**match.kwargs, "lang": code})
            if query:
                url += "?" + query
        else:
            url = reverse("guide:home", args=[code])
        links.append(
            {
                "code": code,
                "name": autonym(code),
                "dir": "rtl" if is_rtl(code) else "ltr",
                "url": url,
                "current": code == lang,
            }
        )
    return links


def _render(
    request: HttpRequest,
    lang: str,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """Render in `lang`, whatever LocaleMiddleware picked, and allow a short public cache."""
    with translation.override(lang):
        response = render(
            request,
            template,
            {
                "lang": lang,
                "language_links": _switch_links(request, lang),
                "current_language_name": autonym(lang),
                "quick_exit_url": settings.PONTE_QUICK_EXIT_URL,
                "helpline": HELPLINE,
                "helpline_tel": "tel:" + HELPLINE.replace(" ", ""),
                **(context or {}),
            },
            status=status,
        )
    response["Content-Language"] = lang
    if status == 200:
        # NoStoreMiddleware runs afterwards and turns this into no-store for a signed-in user.
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


def _not_found(request: HttpRequest, lang: str) -> HttpResponse:
    """The guide's own 404: same exit button and helpline, and no form that sets a cookie."""
    if lang not in guide_languages():
        lang = settings.LANGUAGE_CODE
    return _render(request, lang, "catalog/public/not_found.html", status=404)


GuideView = Callable[..., HttpResponse]


def guide_view(view: GuideView) -> GuideView:
    """Checks the language of the path (anything else is the guide's 404) and speaks it."""

    def wrapped(request: HttpRequest, lang: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if lang not in guide_languages():
            return _not_found(request, lang)
        with translation.override(lang):  # labels and weekdays built in the view, too
            return view(request, lang, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    wrapped.__module__ = view.__module__
    return wrapped


# --- The published catalog ------------------------------------------------------


def published() -> QuerySet[Service]:
    return Service.objects.public().filter(organization__is_active=True)


@dataclass
class Shown:
    """A text as the guide shows it: translated, or the Italian original marked as such."""

    text: str
    lang: str
    italian_only: bool


def _translation_for(service: Service, lang: str) -> ServiceTranslation | None:
    found: Iterable[ServiceTranslation] | None = getattr(service, "guide_translations", None)
    if found is None:
        found = service.translations.all()
    for item in found:
        if item.language.split("-")[0] == lang:
            return item
    return None


def shown_name_and_description(service: Service, lang: str) -> tuple[Shown, Shown]:
    if lang != "it":
        found = _translation_for(service, lang)
        if found is not None and found.name.strip():
            description = found.description.strip()
            if description:
                return Shown(found.name, lang, False), Shown(description, lang, False)
            return Shown(found.name, lang, False), Shown(service.description, "it", True)
    fallback = lang != "it"
    return (
        Shown(service.name, "it", fallback),
        Shown(service.description, "it", fallback),
    )


def _translations_prefetch(lang: str) -> Prefetch[Any]:
    return Prefetch(
        "translations",
        queryset=ServiceTranslation.objects.filter(language__in=[lang, lang.split("-")[0]]),
        to_attr="guide_translations",
    )


def _place_of(location: Location) -> str:
    if location.municipality is not None:
        return location.municipality.name
    return location.city


@dataclass
class Card:
    service: Service
    name: Shown
    description: Shown
    areas: list[str]
    places: list[str]
    languages: list[tuple[str, str]]
    speaks_your_language: bool


def _card(service: Service, lang: str) -> Card:
    name, description = shown_name_and_description(service, lang)
    places: list[str] = []
    for sal in service.service_at_locations.all():
        place = _place_of(sal.location)
        if place and place not in places:
            places.append(place)
    if not places:
        places = [t.name for t in service.territories.all()]
    codes = [language.code for language in service.languages.all()]
    return Card(
        service=service,
        name=name,
        description=description,
        areas=service.area_labels(),
        places=places,
        languages=[(code, autonym(code)) for code in codes],
        speaks_your_language=lang in codes,
    )


# --- Places -----------------------------------------------------------------------

PLACE_LEVELS: list[str] = [
    Territory.Level.MUNICIPALITY,
    Territory.Level.AMBITO,
    Territory.Level.PROVINCE,
    Territory.Level.REGION,
]


def _fold(text: str) -> str:
    """Lower case without accents: "Cantu" finds "Cantù"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def _specificity(territory: Territory) -> int:
    return PLACE_LEVELS.index(territory.level) if territory.level in PLACE_LEVELS else 9


@dataclass
class PlaceSearch:
    """What a typed place resolved to: one territory, or a list to choose from."""

    text: str = ""
    chosen: Territory | None = None
    alternatives: list[Territory] = field(default_factory=list)
    ambiguous: bool = False
    not_found: bool = False


def find_places(text: str) -> tuple[list[Territory], bool]:
    """Territories whose name matches; True when the match is exact."""
    text = " ".join(text.split())[:100]
    if not text:
        return [], False
    places = Territory.objects.filter(level__in=PLACE_LEVELS).select_related("parent")
    exact = list(places.filter(name__iexact=text))
    if not exact:
        folded = _fold(text)
        exact = [t for t in places.filter(name__istartswith=text[:1]) if _fold(t.name) == folded]
    if exact:
        return sorted(exact, key=lambda t: (_specificity(t), t.name)), True
    partial = list(places.filter(name__icontains=text)[:200])
    if not partial:
        folded = _fold(text)
        partial = [t for t in places if folded in _fold(t.name)][:200]
    folded = _fold(text)
    partial.sort(key=lambda t: (not _fold(t.name).startswith(folded), _specificity(t), t.name))
    return partial, False


def resolve_place(text: str, territory_id: int | None) -> PlaceSearch:
    search = PlaceSearch(text=text)
    if territory_id is not None:
        search.chosen = (
            Territory.objects.filter(level__in=PLACE_LEVELS, pk=territory_id)
            .select_related("parent")
            .first()
        )
        if search.chosen is not None:
            search.text = search.chosen.name
            return search
    if not text.strip():
        return search
    found, exact = find_places(text)
    if not found:
        search.not_found = True
    elif exact or len(found) == 1:
        search.chosen, search.alternatives = found[0], found[1:PLACE_CHOICES_SHOWN]
    else:
        search.ambiguous = True
        search.alternatives = found[:PLACE_CHOICES_SHOWN]
    return search


def place_datalist() -> list[str]:
    """Provinces and Ambiti offered as suggestions while typing (municipalities are too many)."""
    return list(
        Territory.objects.filter(level__in=[Territory.Level.PROVINCE, Territory.Level.AMBITO])
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()[:300]
    )


# --- Filters ----------------------------------------------------------------------


class GuideSearchForm(forms.Form):
    """The results' filters, all in the query string so the page works without JavaScript."""

    area = forms.ChoiceField(label=_("What do you need?"), required=False)
    place = forms.CharField(label=_("Where?"), required=False, max_length=100)
    t = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    spoken = forms.ChoiceField(label=_("Language spoken by the staff"), required=False)
    no_permit = forms.BooleanField(
        label=_("Open also to people without a residence permit"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field: Any = self.fields["area"]
        area_field.choices = [("", _("Everything")), *Area.choices]
        spoken_field: Any = self.fields["spoken"]
        spoken_field.choices = [("", _("Any language")), *COMMON_LANGUAGES]

    def value(self, name: str) -> Any:
        """The cleaned value, or nothing when the URL carried something invalid."""
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None


# --- Schedules --------------------------------------------------------------------


@dataclass
class Slot:
    days: str
    hours: str
    note: str


def _days(byday: str) -> str:
    codes = [c.strip().upper() for c in byday.split(",") if c.strip()]
    names = [str(WEEKDAYS[DAY_CODES.index(c)]) for c in DAY_CODES if c in codes]
    return pgettext("list separator", ", ").join(names)  # Arabic and Urdu use "،"


def _slots(schedules: Iterable[Schedule], today: dt.date) -> list[Slot]:
    slots = []
    for s in schedules:
        if s.valid_to is not None and s.valid_to < today:
            continue
        hours = ""
        if s.opens_at and s.closes_at:
            hours = f"{s.opens_at:%H:%M}–{s.closes_at:%H:%M}"
        elif s.opens_at:
            hours = f"{s.opens_at:%H:%M}"
        slot = Slot(days=_days(s.byday), hours=hours, note=s.description)
        if slot.days or slot.hours or slot.note:
            slots.append(slot)
    return slots


def tel_href(number: str) -> str:
    digits = re.sub(r"[^\d+]", "", number)
    return "tel:" + digits if digits else ""


# --- Views ------------------------------------------------------------------------


@login_not_required
@access_rule(PUBLIC, PUBLIC_DETAIL)
@require_safe
def choose_language(request: HttpRequest) -> HttpResponse:
    """Every language in its own script; `?lang=xx` (the form without JS) goes there."""
    wanted = request.GET.get("lang", "")
    if wanted in guide_languages():
        return HttpResponseRedirect(reverse("guide:home", args=[wanted]))
    lang = translation.get_language_from_request(request)
    if lang not in guide_languages():
        lang = settings.LANGUAGE_CODE
    return _render(request, lang, "catalog/public/choose_language.html")


@login_not_required
@access_rule(PUBLIC, PUBLIC_DETAIL)
@require_safe
@guide_view
def home(request: HttpRequest, lang: str) -> HttpResponse:
    return _render(
        request,
        lang,
        "catalog/public/home.html",
        {"areas": list(Area.choices), "place_suggestions": place_datalist()},
    )


@login_not_required
@access_rule(PUBLIC, PUBLIC_DETAIL)
@require_safe
@guide_view
def results(request: HttpRequest, lang: str) -> HttpResponse:
    form = GuideSearchForm(request.GET or None)
    form.is_valid()
    place = resolve_place(form.value("place") or "", form.value("t"))
    filters = ServiceFilters(
        area=form.value("area") or "",
        territory=place.chosen,
        language=form.value("spoken") or "",
        without_permit=bool(form.value("no_permit")),
    )
    page: Page[Any] | None = None
    if not place.ambiguous and not place.not_found:
        services = search_services(published(), filters).select_related("organization")
        services = services.prefetch_related(
            "topics",
            "languages",
            "territories",
            _translations_prefetch(lang),
            Prefetch(
                "service_at_locations",
                queryset=ServiceAtLocation.objects.select_related("location__municipality"),
            ),
        )
        page = paginate(request, services, per_page=PAGE_SIZE)
        page.object_list = [_card(s, lang) for s in page.object_list]
    area_labels = dict(Area.choices)
    return _render(
        request,
        lang,
        "catalog/public/results.html",
        {
            "form": form,
            "page": page,
            "place": place,
            "area_label": area_labels.get(filters.area, ""),
            "spoken_name": autonym(filters.language) if filters.language else "",
            "querystring": querystring_without_page(request),
            "place_query": _query_without(request, "place", "t"),
            "areas": list(Area.choices),
            "languages": COMMON_LANGUAGES,
            "place_suggestions": place_datalist(),
        },
    )


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in (*names, "page"):
        params.pop(name, None)
    return params.urlencode()


@login_not_required
@access_rule(PUBLIC, PUBLIC_DETAIL)
@require_safe
@guide_view
def detail(request: HttpRequest, lang: str, public_id: str) -> HttpResponse:
    service = (
        published()
        .select_related("organization")
        .prefetch_related(
            "topics",
            "languages",
            "phones",
            "required_documents",
            "cost_options",
            "territories",
            _translations_prefetch(lang),
        )
        .filter(public_id=public_id)
        .first()
    )
    if service is None:
        return _not_found(request, lang)
    today = timezone.localdate()
    name, description = shown_name_and_description(service, lang)
    places = []
    for sal in (
        service.service_at_locations.select_related("location__municipality")
        .prefetch_related("schedules")
        .order_by("location__name", "pk")
    ):
        location = sal.location
        places.append(
            {
                "location": location,
                "town": _place_of(location),
                "note": sal.description,
                "slots": _slots(sal.schedules.all(), today),
                "virtual": location.location_type == Location.Kind.VIRTUAL,
            }
        )
    own_schedules = Schedule.objects.filter(service=service).order_by("pk")
    codes = [language.code for language in service.languages.all()]
    phones = [
        {"number": p.number, "href": tel_href(p.number), "note": p.description}
        for p in service.phones.all()
    ]
    costs = [c for c in service.cost_options.all()]
    free = bool(costs) and all(c.amount is not None and c.amount == 0 for c in costs)
    return _render(
        request,
        lang,
        "catalog/public/detail.html",
        {
            "service": service,
            "name": name,
            "description": description,
            "areas": service.area_labels(),
            "places": places,
            "slots": _slots(own_schedules, today),
            "phones": phones,
            "spoken": [(code, autonym(code), "rtl" if is_rtl(code) else "ltr") for code in codes],
            "documents": [d.document for d in service.required_documents.all()],
            "costs": costs,
            "free": free,
            "served": [t.name for t in service.territories.all()],
            "italian_details": lang != "it",
        },
    )
