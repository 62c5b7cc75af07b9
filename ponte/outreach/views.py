"""Pages of outreach for workers and coordinators: places, outings, contacts, dashboard.

Gate 1 is `visible_to` (404 for outsiders); writes check RECORD_OUTREACH in the service.
The alias of a contact and the logbook of an outing are shown to the PUA's team only, and
never exported.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ponte.accounts.http import AuthedRequest
from ponte.audit.services import record
from ponte.common.access import access_rule
from ponte.common.exports import csv_response
from ponte.common.views import paginate, querystring_without_page, render_list
from ponte.network.models import Organization
from ponte.network.roles import Cap, has_cap, has_cap_anywhere, organizations_with_cap
from ponte.outreach import queries, services
from ponte.outreach.codes import ISIC_SECTION
from ponte.outreach.forms import (
    ContactFilterForm,
    OutingFilterForm,
    PeriodForm,
    PlaceFilterForm,
    PlaceForm,
)
from ponte.outreach.models import Contact, Outing, Place

EXPORT_LIMIT = 50_000


def _require_data(request: AuthedRequest) -> list[int] | None:
    if not has_cap_anywhere(request.user, Cap.VIEW_PERSONAL_DATA):
        raise PermissionDenied
    return queries.data_orgs(request.user)


def _recording_orgs(user: Any) -> QuerySet[Organization]:
    if getattr(user, "is_platform_admin", False):
        return Organization.objects.filter(access_points__isnull=False).distinct()
    return Organization.objects.filter(pk__in=organizations_with_cap(user, Cap.RECORD_OUTREACH))


def _audit_export(request: AuthedRequest, what: str, rows: int) -> None:
    with transaction.atomic():
        record(
            "outreach.exported",
            actor=request.user,
            data={"list": what, "rows": rows, "filters": sorted(k for k in request.GET if k)},
            request=request,
        )


# ---- outings ----------------------------------------------------------------------------------


def _outings(request: AuthedRequest) -> tuple[OutingFilterForm, QuerySet[Outing]]:
    orgs = _require_data(request)
    form = OutingFilterForm(
        request.GET or None,
        access_points=queries.access_points_for(orgs),
        places=Place.objects.visible_to(request.user).order_by("name"),
    )
    qs = (
        Outing.objects.visible_to(request.user)
        .select_related("access_point")
        .prefetch_related("places")
        .annotate(contact_count=Count("contacts", distinct=True))
        .order_by("-date", "-start_time", "pk")
    )
    return form, form.apply(qs)


@access_rule("member", "records of the organisations where the user sees personal data")
def outing_list(request: AuthedRequest) -> HttpResponse:
    form, qs = _outings(request)
    return render_list(
        request,
        "outreach/outing_list.html",
        {
            "form": form,
            "page": paginate(request, qs),
            "querystring": querystring_without_page(request),
        },
    )


@access_rule("member", "aggregate fields only: no logbook, no free text")
def outing_export(request: AuthedRequest) -> HttpResponse:
    _form, qs = _outings(request)
    rows = [
        [
            o.public_id,
            o.access_point.name,
            o.date.isoformat(),
            o.start_time.strftime("%H:%M") if o.start_time else "",
            o.end_time.strftime("%H:%M") if o.end_time else "",
            o.method,
            "; ".join(p.name for p in o.places.all()),
            o.contact_count,  # type: ignore[attr-defined]
        ]
        for o in qs[:EXPORT_LIMIT]
    ]
    _audit_export(request, "outings", len(rows))
    header = ["id", "pua", "date", "start", "end", "method", "places", "contacts"]
    return csv_response("uscite.csv", header, rows)


@access_rule("member", "visible_to: outsiders get 404; logbook to the team only")
def outing_detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    outing = get_object_or_404(
        Outing.objects.visible_to(request.user).select_related("access_point", "created_by"),
        public_id=public_id,
    )
    team_view = queries.in_outing_team(request.user, outing)
    contacts = list(outing.contacts.prefetch_related("needs", "signals").order_by("met_at"))
    team_aps = queries.team_access_point_ids(request.user)
    return render(
        request,
        "outreach/outing_detail.html",
        {
            "outing": outing,
            "team_view": team_view,
            "team": outing.team.all(),
            "places": outing.places.select_related("municipality"),
            "materials": outing.materials.all(),
            "people_met": outing.people_met.all(),
            "people_total": sum(p.count for p in outing.people_met.all()),
            "contacts": [(c, queries.sees_alias(request.user, c, team_aps)) for c in contacts],
        },
    )


# ---- contacts ---------------------------------------------------------------------------------


def _contacts(request: AuthedRequest) -> tuple[ContactFilterForm, QuerySet[Contact]]:
    orgs = _require_data(request)
    form = ContactFilterForm(request.GET or None, access_points=queries.access_points_for(orgs))
    qs = (
        Contact.objects.visible_to(request.user)
        .select_related("access_point", "outing")
        .prefetch_related("needs", "signals")
        .order_by("-met_at", "pk")
    )
    return form, queries.with_times_seen_before(form.apply(qs))


@access_rule("member", "records of the organisations where the user sees personal data")
def contact_list(request: AuthedRequest) -> HttpResponse:
    form, qs = _contacts(request)
    page = paginate(request, qs)
    team_aps = queries.team_access_point_ids(request.user)
    return render_list(
        request,
        "outreach/contact_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(c, queries.sees_alias(request.user, c, team_aps)) for c in page],
            "querystring": querystring_without_page(request),
            # Case workers of the PUA open a case from a contact (the cases module's page).
            "case_orgs": set(organizations_with_cap(request.user, Cap.MANAGE_CASES)),
        },
    )


@access_rule("member", "aggregate fields only: never the alias or free text")
def contact_export(request: AuthedRequest) -> HttpResponse:
    _form, qs = _contacts(request)
    rows = [
        [
            c.public_id,
            c.access_point.name,
            c.outing.public_id if c.outing else "",
            c.channel,
            c.met_at.date().isoformat(),
            c.gender,
            c.age_band,
            c.nationality,
            c.languages.replace(",", " "),
            c.sector,
            ISIC_SECTION.get(c.sector, ""),
            " ".join(n.area for n in c.needs.all()),
            " ".join(s.code for s in c.signals.all()),
            c.next_step,
            "yes" if c.consent_recontact else "no",
            "yes" if bool(c.alias_key) else "no",
            c.seen_before,  # type: ignore[attr-defined]
            "yes" if c.engaged_at else "no",
            "yes" if c.case_ref else "no",
        ]
        for c in qs[:EXPORT_LIMIT]
    ]
    _audit_export(request, "contacts", len(rows))
    header = [
        "id",
        "pua",
        "outing",
        "channel",
        "date",
        "gender",
        "age_band",
        "nationality",
        "languages",
        "sector",
        "isic_section",
        "needs",
        "signals",
        "next_step",
        "consent_recontact",
        "has_alias",
        "seen_before",
        "engaged",
        "has_case",
    ]
    return csv_response("contatti.csv", header, rows)


# ---- places -----------------------------------------------------------------------------------


def _places(request: AuthedRequest) -> tuple[PlaceFilterForm, QuerySet[Place]]:
    _require_data(request)
    form = PlaceFilterForm(request.GET or None)
    qs = (
        Place.objects.visible_to(request.user)
        .select_related("municipality", "organization")
        .annotate(visits=Count("outings", distinct=True))
        .order_by("name", "pk")
    )
    return form, form.apply(qs)


@access_rule("member", "places of the organisations where the user sees personal data")
def place_list(request: AuthedRequest) -> HttpResponse:
    form, qs = _places(request)
    return render_list(
        request,
        "outreach/place_list.html",
        {
            "form": form,
            "page": paginate(request, qs),
            "querystring": querystring_without_page(request),
            "can_create": _recording_orgs(request.user).exists(),
        },
    )


@access_rule("member", "never the safety notes or best times")
def place_export(request: AuthedRequest) -> HttpResponse:
    _form, qs = _places(request)
    rows = [
        [
            p.public_id,
            p.name,
            p.kind,
            p.municipality.name if p.municipality else "",
            p.latitude if p.latitude is not None else "",
            p.longitude if p.longitude is not None else "",
            p.visits,  # type: ignore[attr-defined]
        ]
        for p in qs[:EXPORT_LIMIT]
    ]
    _audit_export(request, "places", len(rows))
    header = ["id", "name", "kind", "municipality", "latitude", "longitude", "outings"]
    return csv_response("luoghi.csv", header, rows)


@access_rule("member", "visible_to: outsiders get 404")
def place_detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    place = get_object_or_404(
        Place.objects.visible_to(request.user).select_related(
            "organization", "municipality__ambito"
        ),
        public_id=public_id,
    )
    visits = (
        place.outings.select_related("access_point")
        .annotate(contact_count=Count("contacts", distinct=True))
        .order_by("-date", "-start_time")
    )
    return render(
        request,
        "outreach/place_detail.html",
        {
            "place": place,
            "visits": paginate(request, visits),
            "can_edit": has_cap(request.user, place.organization_id, Cap.RECORD_OUTREACH),
        },
    )


@access_rule("capability", Cap.RECORD_OUTREACH)
@require_http_methods(["GET", "POST"])
def place_edit(request: AuthedRequest, public_id: str | None = None) -> HttpResponse:
    place = (
        get_object_or_404(Place.objects.visible_to(request.user), public_id=public_id)
        if public_id
        else None
    )
    if place is not None and not has_cap(request.user, place.organization_id, Cap.RECORD_OUTREACH):
        raise PermissionDenied
    choices = _recording_orgs(request.user)
    if not choices.exists():
        raise PermissionDenied
    form = PlaceForm(request.POST or None, instance=place, organization_choices=choices)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.municipality = form.cleaned_data["place"]
        saved = services.save_place(item, actor=request.user, changed=form.changed_data)
        messages.success(request, _("Place saved."))
        return redirect("outreach:place_detail", public_id=saved.public_id)
    return render(
        request,
        "outreach/place_form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": place} if place else _("New place"),
            "cancel_href": reverse("outreach:place_detail", args=[public_id])
            if public_id
            else reverse("outreach:place_list"),
        },
    )


# ---- dashboard --------------------------------------------------------------------------------


@access_rule("member", "counts only, for personal-data roles and analysts")
def dashboard(request: AuthedRequest) -> HttpResponse:
    orgs = queries.dashboard_orgs(request.user)
    if orgs is not None and not orgs:
        raise PermissionDenied
    form = PeriodForm(request.GET or None, access_points=queries.access_points_for(orgs))
    data = queries.dashboard(
        orgs,
        date_from=form.value("date_from"),
        date_to=form.value("date_to"),
        access_point=form.value("access_point"),
    )
    funnel_labels = {
        "contacts": _("Contacts"),
        "consent": _("Agreed to be contacted again"),
        "engaged": _("Engaged (aggancio)"),
        "case": _("With a case"),
    }
    return render(
        request,
        "outreach/dashboard.html",
        {
            "form": form,
            "d": data,
            "funnel": [(funnel_labels[key], n) for key, n in data.funnel],
            "repeat_percent": round(data.repeat_rate * 100)
            if data.repeat_rate is not None
            else None,
        },
    )
