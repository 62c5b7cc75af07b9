"""The public guide (/guida/<lang>/…): anonymous, published services only, eight languages,
no cookies, the helpline and the quick exit on every page."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import verified_client
from ponte.catalog.models import (
    CostOption,
    Location,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceTranslation,
)
from ponte.catalog.services import save_service
from ponte.catalog.taxonomy import Area, Stage, Status
from ponte.network.factories import OrganizationFactory, TerritoryFactory, UserFactory
from ponte.network.models import Organization, Territory
from tests.test_translations import parse_po

LANGS = [code for code, _name in settings.LANGUAGES]
TRANSLATED = [code for code in LANGS if code not in ("it", "en")]  # catalogs this guide owns
RTL = {"ar", "ur"}
HELPLINE_SENTENCE = (
    "Anti-trafficking helpline: free, anonymous, 24 hours a day, every day, in many languages."
)
ITALIAN_ONLY = "Available in Italian only"
LOCALE = Path(settings.BASE_DIR) / "ponte" / "locale"
# Where the guide's strings come from: its templates and views, and the taxonomy it shows.
GUIDE_SOURCES = re.compile(
    r"catalog/templates/catalog/public/|catalog/public_views\.py|catalog/taxonomy\.py"
)
GUIDE_ALSO = {"Region", "Province", "Ambito territoriale", "Municipality"}  # territory levels


@dataclass
class GuideData:
    region: Territory
    province: Territory
    other_province: Territory
    ambito: Territory
    town: Territory
    city: Territory
    accented: Territory
    provider: Organization
    legal: Service  # public, in the Ambito; translated into French and Arabic
    housing: Service  # public, in the other province; no translation at all
    hidden: list[Service]  # never in the guide


def _service(
    provider: Organization,
    actor: Any,
    *,
    areas: list[str],
    territories: list[Territory],
    languages: tuple[str, ...] = (),
    **fields: Any,
) -> Service:
    values = {"is_public": True, **fields}
    return save_service(
        Service(organization=provider, **values),
        actor=actor,
        areas=areas,
        languages=languages,
        territories=territories,
    )


def build_guide_data() -> GuideData:
    """A small published catalog with everything the detail page can show."""
    level = Territory.Level
    region = TerritoryFactory(level=level.REGION, code="R-T", name="Regione di prova")
    province = TerritoryFactory(level=level.PROVINCE, code="P-BG", name="Bergamo", parent=region)
    other_province = TerritoryFactory(level=level.PROVINCE, code="P-CO", name="Como", parent=region)
    ambito = TerritoryFactory(
        level=level.AMBITO, code="A-TR", name="Ambito di Treviglio", parent=province
    )
    town = TerritoryFactory(
        level=level.MUNICIPALITY, code="M-TR", name="Treviglio", parent=province, ambito=ambito
    )
    city = TerritoryFactory(level=level.MUNICIPALITY, code="M-BG", name="Bergamo", parent=province)
    accented = TerritoryFactory(
        level=level.MUNICIPALITY, code="M-CA", name="Cantù", parent=other_province
    )
    TerritoryFactory(level=level.MUNICIPALITY, code="M-TA", name="Trescore", parent=province)
    admin = UserFactory(email="guide-admin@ponte.test", is_platform_admin=True)
    provider = OrganizationFactory(name="Cooperativa Ponte di Prova")
    legal = _service(
        provider,
        admin,
        areas=[Area.LEGAL, Area.LABOUR_DISPUTES],
        territories=[ambito],
        languages=("it", "ar", "pa", "fr"),
        name="Sportello legale per lavoratori",
        description="Consulenza gratuita su contratti, buste paga e permesso di soggiorno.",
        eligibility_description="Lavoratrici e lavoratori stranieri dell'Ambito.",
        application_process="Senza appuntamento negli orari di apertura.",
        fees_description="",
        open_without_permit=True,
        minimum_age=18,
        email="sportello@example.test",
        last_verified_on=dt.date(2026, 3, 12),
    )
    ServiceTranslation.objects.create(
        service=legal,
        language="fr",
        name="Permanence juridique pour les travailleurs",
        description="Conseils gratuits sur les contrats, les fiches de paie et le titre de séjour.",
    )
    ServiceTranslation.objects.create(
        service=legal,
        language="ar",
        name="مكتب الاستشارة القانونية للعمال",
        description="استشارة مجانية حول العقود وكشوف الرواتب وتصريح الإقامة.",
    )
    office = Location.objects.create(
        organization=provider,
        name="Sede di Treviglio",
        address_1="Via dei Mille 12",
        postal_code="24047",
        municipality=town,
        transportation="10 minuti a piedi dalla stazione",
    )
    at_office = ServiceAtLocation.objects.create(service=legal, location=office)
    Schedule.objects.create(
        service_at_location=at_office,
        byday="MO,WE",
        opens_at=dt.time(9, 0),
        closes_at=dt.time(13, 0),
    )
    Schedule.objects.create(service=legal, description="Su appuntamento il venerdì pomeriggio")
    Phone.objects.create(service=legal, number="+39 0363 123 456", description="Segreteria")
    RequiredDocument.objects.create(service=legal, document="Un documento d'identità, se c'è")
    CostOption.objects.create(service=legal, option="Consulenza", amount=0)

    housing = _service(
        provider,
        admin,
        areas=[Area.HOUSING_EMERGENCY],
        territories=[other_province],
        languages=("it", "bn"),
        name="Accoglienza notturna Como",
        description="Posti letto per la notte, su invio dei servizi.",
    )
    hidden = [
        _service(provider, admin, areas=[Area.LEGAL], territories=[ambito], **extra)
        for extra in (
            {"name": "Servizio non pubblicato", "is_public": False},
            {"name": "Servizio sospeso", "status": Status.INACTIVE},
            {"name": "Servizio chiuso per ora", "status": Status.TEMPORARILY_CLOSED},
            {"name": "Servizio in progettazione", "stage": Stage.BEING_DESIGNED},
        )
    ]
    closed_org = OrganizationFactory(name="Ente cessato", is_active=False)
    hidden.append(
        _service(
            closed_org,
            admin,
            areas=[Area.LEGAL],
            territories=[ambito],
            name="Servizio di un ente cessato",
        )
    )
    return GuideData(
        region=region,
        province=province,
        other_province=other_province,
        ambito=ambito,
        town=town,
        city=city,
        accented=accented,
        provider=provider,
        legal=legal,
        housing=housing,
        hidden=hidden,
    )


@pytest.fixture
def guide(db: Any) -> GuideData:
    return build_guide_data()


def page(client: Client, url: str, **headers: str) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def results_url(lang: str, **params: str) -> str:
    url = reverse("guide:results", args=[lang])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def detail_url(lang: str, service: Service) -> str:
    return reverse("guide:detail", args=[lang, service.public_id])


def in_language(lang: str, msgid: str) -> str:
    with translation.override(lang):
        return translation.gettext(msgid)


def names_listed(html: str) -> set[str]:
    return set(re.findall(r'class="guide-card-title">\s*<a [^>]*>([^<]+)</a>', html))


# --- Access, languages, direction --------------------------------------------------------


def test_anonymous_visitor_reaches_every_page_in_every_language(guide: GuideData) -> None:
    client = Client()
    for lang in LANGS:
        for url in (
            reverse("guide:home", args=[lang]),
            results_url(lang),
            detail_url(lang, guide.legal),
            detail_url(lang, guide.housing),
        ):
            html = page(client, url)
            direction = "rtl" if lang in RTL else "ltr"
            assert f'<html lang="{lang}" dir="{direction}">' in html, (lang, url)
            assert in_language(lang, HELPLINE_SENTENCE) in html, (lang, url)
            assert 'href="tel:800290290"' in html
            assert 'id="quick-exit"' in html


def test_key_strings_are_really_translated(guide: GuideData) -> None:
    """Each of the six languages shows its own words, not the English or the Italian ones."""
    keys = [HELPLINE_SENTENCE, "Quick exit", "Find help near you", "Legal advice and permits"]
    for lang in TRANSLATED:
        html = page(Client(), reverse("guide:home", args=[lang]))
        for key in keys:
            text = in_language(lang, key)
            assert text != key, f"{lang}: {key!r} is not translated"
            assert text != in_language("it", key), f"{lang}: {key!r} is the Italian text"
            assert text in html, (lang, key)
    assert in_language("ar", "Quick exit") != in_language("ur", "Quick exit")
    italian = page(Client(), reverse("guide:home", args=["it"]))
    for key in keys:
        assert in_language("it", key) != key, f"it: {key!r} is not translated"
        assert in_language("it", key) in italian


def _guide_entries(lang: str) -> list[Any]:
    path = LOCALE / lang / "LC_MESSAGES" / "django.po"
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for entry in parse_po(path):
        refs = []
        for line in lines[entry.line - 1 :]:
            if not line.startswith("#"):
                break
            refs.append(line)
        if GUIDE_SOURCES.search(" ".join(refs)) or entry.msgid in GUIDE_ALSO:
            found.append(entry)
    return found


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_string_of_the_guide_is_translated(lang: str) -> None:
    entries = _guide_entries(lang)
    assert len(entries) > 90, f"{lang}: the guide's strings are missing from the catalog"
    missing = [e.msgid for e in entries if not all(s.strip() for s in e.msgstr.values())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert missing == [], f"{lang}: untranslated: {missing}"
    assert fuzzy == [], f"{lang}: fuzzy: {fuzzy}"
    placeholders = re.compile(r"%\(\w+\)s")
    for entry in entries:
        for text in entry.msgstr.values():
            assert sorted(placeholders.findall(text)) == sorted(
                placeholders.findall(entry.msgid)
            ), (lang, entry.msgid, text)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_compiled_catalog_is_used(lang: str) -> None:
    for entry in _guide_entries(lang)[:40]:
        if entry.msgid_plural is None and entry.msgctxt is None:
            assert in_language(lang, entry.msgid) == entry.msgstr[0], (
                f"{lang}: the .mo is missing or stale: run `make messages`"
            )


def test_language_chooser_lists_each_language_in_its_own_script(guide: GuideData) -> None:
    html = page(Client(), reverse("guide:choose_language"))
    for lang, name in [("ar", "العربية"), ("ur", "اردو"), ("pa", "ਪੰਜਾਬੀ"), ("bn", "বাংলা")]:
        assert f'href="/guida/{lang}/" lang="{lang}"' in html
        assert f">{name}</a>" in html
    assert 'lang="ar" hreflang="ar" dir="rtl"' in html
    assert '<html lang="it" dir="ltr">' in html  # Italian unless the browser prefers another
    html = page(Client(), reverse("guide:choose_language"), HTTP_ACCEPT_LANGUAGE="ur,en;q=0.5")
    assert '<html lang="ur" dir="rtl">' in html


def test_language_chooser_redirects_to_the_chosen_language(guide: GuideData) -> None:
    response = Client().get(reverse("guide:choose_language") + "?lang=pa")
    assert response.status_code == 302
    assert response["Location"] == "/guida/pa/"
    unknown = Client().get(reverse("guide:choose_language") + "?lang=xx")
    assert unknown.status_code == 200


def test_path_language_wins_over_the_browser_and_cookie(guide: GuideData) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page(client, reverse("guide:home", args=["bn"]), HTTP_ACCEPT_LANGUAGE="it")
    assert '<html lang="bn" dir="ltr">' in html
    assert in_language("bn", "Find help near you") in html


def test_unknown_language_is_not_found(guide: GuideData) -> None:
    client = Client()
    for url in ("/guida/xx/", "/guida/de/servizi/", f"/guida/zz/servizi/{guide.legal.public_id}/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert 'href="tel:800290290"' in response.content.decode()
        assert not response.cookies


def test_switching_language_keeps_the_page_and_the_search(guide: GuideData) -> None:
    html = page(Client(), results_url("fr", area="legal"))
    assert re.search(
        r'href="/guida/ur/servizi/\?area=legal"\s+lang="ur"\s+hreflang="ur"\s+dir="rtl"', html
    )
    html = page(Client(), detail_url("es", guide.legal))
    assert f'href="/guida/bn/servizi/{guide.legal.public_id}/"' in html


def test_only_get_and_head(guide: GuideData) -> None:
    assert Client().post(reverse("guide:home", args=["it"])).status_code == 405


# --- Only published services -------------------------------------------------------------


def test_unpublished_inactive_or_planned_services_never_appear(guide: GuideData) -> None:
    client = Client()
    for lang in ("it", "ar"):
        listed = page(client, results_url(lang))
        for service in guide.hidden:
            assert service.name not in listed
            response = client.get(detail_url(lang, service))
            assert response.status_code == 404, service.name
            assert service.name not in response.content.decode()
        assert guide.housing.name in listed
    assert Service.objects.count() == 7
    missing = client.get(
        reverse("guide:detail", args=["it", "00000000-0000-4000-8000-000000000000"])
    )
    assert missing.status_code == 404


def test_signed_in_operator_sees_the_same_public_guide(guide: GuideData, world: Any) -> None:
    client = verified_client(world.users["coordinator"])
    html = page(client, results_url("it"))
    assert all(service.name not in html for service in guide.hidden)
    response = client.get(detail_url("it", guide.hidden[0]))
    assert response.status_code == 404


# --- Content language ----------------------------------------------------------------------


def test_translated_name_and_description_are_shown(guide: GuideData) -> None:
    html = page(Client(), detail_url("fr", guide.legal))
    assert "<h1 >Permanence juridique pour les travailleurs</h1>" in html
    assert "fiches de paie" in html
    assert in_language("fr", ITALIAN_ONLY) not in html.split("</h1>")[0]
    html = page(Client(), detail_url("ar", guide.legal))
    assert "مكتب الاستشارة القانونية للعمال" in html


def test_italian_text_is_marked_and_announced_when_no_translation_exists(
    guide: GuideData,
) -> None:
    for lang in ("ur", "pa", "bn", "es", "en"):
        html = page(Client(), detail_url(lang, guide.housing))
        assert f'<h1 lang="it" dir="ltr">{guide.housing.name}</h1>' in html, lang
        note = in_language(lang, ITALIAN_ONLY)
        assert note in html
        if lang != "en":
            assert note != ITALIAN_ONLY
        assert '<div class="guide-text" lang="it" dir="ltr"><p>Posti letto' in html
        listed = page(Client(), results_url(lang))
        assert f'lang="it" dir="ltr">{guide.housing.name}</a>' in listed
        assert note in listed
    italian = page(Client(), detail_url("it", guide.housing))
    assert in_language("it", ITALIAN_ONLY) not in italian
    assert f"<h1 >{guide.housing.name}</h1>" in italian


def test_detail_shows_what_who_how_when_where_and_contacts(guide: GuideData) -> None:
    html = page(Client(), detail_url("es", guide.legal))
    assert "Via dei Mille 12" in html and "24047" in html and "Treviglio" in html
    assert "10 minuti a piedi dalla stazione" in html
    assert 'href="tel:+390363123456"' in html
    assert "mailto:sportello@example.test" in html
    assert "lunes" in html and "miércoles" in html  # weekdays in the page's language
    assert '<li class="guide-tag">Conflictos laborales y sindicatos</li>' in html  # area label
    assert "Vertenze" not in html and "Lunedì" not in html
    arabic = page(Client(), detail_url("ar", guide.legal))
    assert "الاثنين، الأربعاء" in arabic  # the Arabic comma between days
    assert '<span class="guide-slot-hours" dir="ltr">09:00–13:00</span>' in html
    assert "Su appuntamento il venerdì pomeriggio" in html
    assert "Un documento d&#x27;identità, se c&#x27;è" in html
    assert in_language("es", "Free of charge.") in html
    assert in_language("es", "Open also to people without a residence permit.") in html
    assert "ਪੰਜਾਬੀ" in html and "العربية" in html
    assert "12 de marzo de 2026" in html
    # No map and nothing loaded from elsewhere: the only outside links are the exit
    # and, when clicked, the service's own address.
    assert "maps" not in html.lower() and "openstreetmap" not in html.lower()
    for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html):
        assert url == settings.PONTE_QUICK_EXIT_URL, url


# --- Filters -----------------------------------------------------------------------------


def test_filter_by_area(guide: GuideData) -> None:
    assert names_listed(page(Client(), results_url("it", area="housing_emergency"))) == {
        guide.housing.name
    }
    assert names_listed(page(Client(), results_url("it", area="labour_disputes"))) == {
        guide.legal.name
    }
    assert names_listed(page(Client(), results_url("it", area="training"))) == set()
    # An invalid value in the URL is ignored, not an error.
    both = {guide.legal.name, guide.housing.name}
    assert names_listed(page(Client(), results_url("it", area="nonsense"))) == both


def test_filter_by_place_typed_by_the_person(guide: GuideData) -> None:
    client = Client()
    # A town finds the services of its Ambito (and province, and region).
    assert names_listed(page(client, results_url("it", place="Treviglio"))) == {guide.legal.name}
    assert names_listed(page(client, results_url("it", place="treviglio "))) == {guide.legal.name}
    assert names_listed(page(client, results_url("it", place="Como"))) == {guide.housing.name}
    # Without the accent, and by the Ambito's name.
    assert names_listed(page(client, results_url("it", place="Cantu"))) == {guide.housing.name}
    assert names_listed(page(client, results_url("it", place="Ambito+di+Treviglio"))) == {
        guide.legal.name
    }


def test_a_name_shared_by_town_and_province_picks_the_town_and_offers_the_province(
    guide: GuideData,
) -> None:
    html = page(Client(), results_url("it", place="Bergamo"))
    assert f"Bergamo · {in_language('it', 'Municipality')}" in html
    assert names_listed(html) == set()  # the city of Bergamo is outside the Ambito served
    assert f"t={guide.province.pk}" in html  # "Or: Bergamo (province)"
    province = page(Client(), results_url("it", t=str(guide.province.pk)))
    assert names_listed(province) == {guide.legal.name}


def test_an_ambiguous_place_asks_which_one(guide: GuideData) -> None:
    html = page(Client(), results_url("fr", place="Tre", area="legal"))
    assert in_language("fr", "Which place do you mean?") in html
    assert f"?area=legal&amp;t={guide.town.pk}" in html
    assert 'class="guide-card' not in html


def test_an_unknown_place_says_so(guide: GuideData) -> None:
    html = page(Client(), results_url("es", place="Atlantide"))
    assert "Atlantide" in html
    assert "No place called" not in html  # translated
    assert 'class="guide-card' not in html


def test_filter_by_language_spoken_and_without_permit(guide: GuideData) -> None:
    client = Client()
    assert names_listed(page(client, results_url("it", spoken="bn"))) == {guide.housing.name}
    assert names_listed(page(client, results_url("it", spoken="pa"))) == {guide.legal.name}
    assert names_listed(page(client, results_url("it", no_permit="1"))) == {guide.legal.name}
    assert names_listed(page(client, results_url("it", spoken="ar", no_permit="1"))) == {
        guide.legal.name
    }
    assert names_listed(page(client, results_url("it", spoken="zh"))) == set()
    # The results page marks services speaking the page's language.
    assert in_language("pa", "Speaks your language") in page(client, results_url("pa"))


def test_filters_are_kept_in_the_form(guide: GuideData) -> None:
    html = page(Client(), results_url("it", area="legal", spoken="ar", no_permit="1"))
    assert '<option value="legal" selected>' in html
    assert '<option value="ar" lang="ar" selected>' in html
    assert 'name="no_permit" value="1" checked' in html
    assert 'method="post"' not in html


# --- Privacy ------------------------------------------------------------------------------


def test_no_cookie_at_all_and_a_short_public_cache(guide: GuideData) -> None:
    client = Client()
    for url in (
        reverse("guide:choose_language"),
        reverse("guide:home", args=["ar"]),
        results_url("ar", area="legal", place="Treviglio"),
        detail_url("ar", guide.legal),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies, (url, response.cookies)
        assert "Set-Cookie" not in response.headers
        assert response["Cache-Control"] == "public, max-age=300"
        assert response["Content-Language"] in LANGS
        assert "csrfmiddlewaretoken" not in response.content.decode()
    assert not client.cookies


def test_signed_in_operator_gets_no_store(guide: GuideData, world: Any) -> None:
    client = verified_client(world.users["case_manager"])
    response = client.get(detail_url("it", guide.legal))
    assert response.status_code == 200
    cache = response["Cache-Control"]
    assert "no-store" in cache and "private" in cache and "public" not in cache
    assert "max-age=0" in cache


def test_quick_exit_goes_to_the_configured_neutral_site(guide: GuideData, settings: Any) -> None:
    settings.PONTE_QUICK_EXIT_URL = "https://meteo.example/"
    html = page(Client(), reverse("guide:home", args=["ur"]))
    assert 'id="quick-exit"' in html
    assert 'href="https://meteo.example/"' in html
    assert '<script src="/static/ponte/quick-exit.js" defer></script>' in html


def test_no_inline_script_or_style_and_nothing_from_elsewhere(guide: GuideData) -> None:
    for url in (reverse("guide:home", args=["ar"]), detail_url("pa", guide.legal)):
        html = page(Client(), url)
        assert "<style" not in html and " style=" not in html
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
        for asset in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
            assert asset.startswith("/static/") or asset == "data:,", asset  # data: = no icon
        assert "htmx" not in html
