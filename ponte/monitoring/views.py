"""Monitoring pages: the dashboards, their exports, the periodic report, the microdata.

All of them read anonymous aggregates through `indicators` within the user's aggregate scope
(`scope.aggregate_access_point_ids`); the only links to named records are drill-downs to the
case list, offered on rows of PUAs whose cases the user may already open.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.accounts.http import AuthedRequest
from ponte.accounts.views import recently_verified
from ponte.audit.services import record
from ponte.cases.pdf import render_pdf
from ponte.common.access import access_rule
from ponte.common.exports import csv_response
from ponte.monitoring import indicators
from ponte.monitoring.breakdowns import Breakdown
from ponte.monitoring.charts import network_graph
from ponte.monitoring.exports import csv_export, xlsx_export
from ponte.monitoring.forms import DashboardFilter, MicrodataRequest, ReportFilter
from ponte.monitoring.microdata import COLUMNS as MICRODATA_COLUMNS
from ponte.monitoring.microdata import build_microdata
from ponte.monitoring.scope import (
    Scope,
    aggregate_access_point_ids,
    current_year,
    drilldown_access_point_ids,
)
from ponte.monitoring.tables import Table
from ponte.network.models import AccessPoint
from ponte.network.roles import Cap

# ---- scope and filters -------------------------------------------------------------------------


def _allowed(request: AuthedRequest, cap: Cap = Cap.VIEW_AGGREGATES) -> frozenset[int] | None:
    allowed = aggregate_access_point_ids(request.user, cap)
    if allowed is not None and not allowed:
        raise PermissionDenied
    return allowed


def _access_points(allowed: frozenset[int] | None) -> Any:
    qs = AccessPoint.objects.order_by("name")
    return qs if allowed is None else qs.filter(pk__in=sorted(allowed))


def _narrowed(allowed: frozenset[int] | None, access_point: AccessPoint | None) -> Any:
    return allowed if access_point is None else frozenset({access_point.pk})


def _dashboard_scope(request: AuthedRequest) -> tuple[Scope, DashboardFilter]:
    allowed = _allowed(request)
    form = DashboardFilter(request.GET or None, access_points=_access_points(allowed))
    since, until = current_year()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        scope = Scope(
            _narrowed(allowed, data["access_point"]),
            data["since"],
            data["until"],
            data["breakdown"] or "",
        )
    else:
        scope = Scope(allowed, since, until, "")
    return scope, form


def _describe(scope: Scope, access_point: AccessPoint | None) -> list[tuple[str, str]]:
    """The filters, in words: the first lines of every export and the report's heading."""
    return [
        (_("Period"), f"{scope.since:%d/%m/%Y} – {scope.until:%d/%m/%Y}"),
        (_("PUA"), access_point.name if access_point else _("All the PUAs I may see")),
        (_("Breakdown"), str(Breakdown(scope.breakdown).label)),
        (_("Produced by Ponte on"), f"{timezone.localtime():%d/%m/%Y %H:%M}"),
    ]


def _with_drilldown(tables: list[Table], user: Any) -> list[Table]:
    """Rows link to the cases behind them only where the user may open those cases."""
    openable = drilldown_access_point_ids(user)
    cases_url = reverse("cases:case_list")
    for table in tables:
        for row in table.rows:
            if table.drill == "access_point" and (openable is None or row.key in openable):
                query = {"access_point": row.key, "include_closed": "on"}
                row.href = f"{cases_url}?{urlencode(query)}"
            elif table.drill == "phase" and (openable is None or openable):
                row.href = f"{cases_url}?{urlencode({'phase': row.key})}"
    return tables


def _graph(tables: list[Table]) -> Any:
    """The referral network drawn from the rows of its table (keys are the two names)."""
    for table in tables:
        if table.key == "referral_network" and table.rows:
            edges = []
            for row in table.rows:
                pair: tuple[str, str] = row.key  # type: ignore[assignment]
                sender, receiver = pair
                sent, acceptance = row.values[0], row.values[3]
                edges.append(
                    (
                        str(sender),
                        str(receiver),
                        sent if isinstance(sent, int) else 0,
                        acceptance if isinstance(acceptance, float) else None,
                    )
                )
            return network_graph(edges)
    return None


# ---- dashboard and exports ---------------------------------------------------------------------


@access_rule("capability:view_aggregates", "anonymous figures of the PUAs in the user's scope")
def dashboard(request: AuthedRequest, section: str = "path") -> HttpResponse:
    if section not in indicators.SECTION_KEYS:
        raise Http404
    scope, form = _dashboard_scope(request)
    current = indicators.section(section)
    tables = _with_drilldown(indicators.compute(current.indicators, scope), request.user)
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "form": form,
            "scope": scope,
            "sections": indicators.SECTIONS,
            "current": current,
            "tables": tables,
            "graph": _graph(tables) if section == "network" else None,
            "querystring": request.GET.urlencode(),
            "can_export_microdata": _may_export_microdata(request),
        },
    )


def _may_export_microdata(request: AuthedRequest) -> bool:
    exportable = aggregate_access_point_ids(request.user, Cap.EXPORT_PSEUDONYMOUS)
    return exportable is None or bool(exportable)


@access_rule("capability:view_aggregates", "the dashboard's tables as CSV or XLSX")
def export(request: AuthedRequest, section: str, fmt: str) -> HttpResponse:
    if section not in indicators.SECTION_KEYS or fmt not in ("csv", "xlsx"):
        raise Http404
    scope, form = _dashboard_scope(request)
    chosen = indicators.section(section).indicators
    tables = indicators.compute(chosen, scope)
    if table_key := request.GET.get("table"):
        tables = [t for t in tables if t.key == table_key]
        if not tables:
            raise Http404
    access_point = (
        form.cleaned_data.get("access_point") if form.is_bound and form.is_valid() else None
    )
    meta = _describe(scope, access_point)
    with transaction.atomic():
        record(
            "monitoring.exported",
            actor=request.user,
            data={
                "section": section,
                "tables": [t.key for t in tables],
                "format": fmt,
                "since": str(scope.since),
                "until": str(scope.until),
                "breakdown": scope.breakdown,
                "access_point": access_point.pk if access_point else None,
            },
            request=request,
        )
    name = f"ponte-{section}-{scope.since:%Y%m%d}-{scope.until:%Y%m%d}.{fmt}"
    make = csv_export if fmt == "csv" else xlsx_export
    return make(tables, name, meta)


# ---- periodic report ---------------------------------------------------------------------------


@access_rule("capability:view_aggregates", "the quarterly or yearly report of the user's scope")
def report(request: AuthedRequest) -> HttpResponse:
    allowed = _allowed(request)
    initial = {"year": timezone.localdate().year, "breakdown": Breakdown.ACCESS_POINT}
    data = request.GET if "year" in request.GET else None
    form = ReportFilter(data, initial=initial, access_points=_access_points(allowed))
    if not form.is_bound or not form.is_valid():
        return render(request, "monitoring/report_form.html", {"form": form})
    since, until = form.period()
    access_point = form.cleaned_data["access_point"]
    scope = Scope(_narrowed(allowed, access_point), since, until, form.cleaned_data["breakdown"])
    sections = [
        (section, indicators.compute(section.indicators, scope)) for section in indicators.SECTIONS
    ]
    context = {
        "form": form,
        "scope": scope,
        "meta": _describe(scope, access_point),
        "sections": sections,
        "graph": _graph([t for _s, tables in sections for t in tables]),
        "querystring": request.GET.urlencode(),
        "for_pdf": request.GET.get("format") == "pdf",
    }
    if not context["for_pdf"]:
        return render(request, "monitoring/report.html", context)
    with transaction.atomic():
        record(
            "monitoring.report_downloaded",
            actor=request.user,
            data={"since": str(since), "until": str(until), "breakdown": scope.breakdown},
            request=request,
        )
    pdf = render_pdf(
        "monitoring/report.html",
        context,
        request=request,
        stylesheets=["ponte/report_print.css"],
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="ponte-report-{since:%Y%m%d}-{until:%Y%m%d}.pdf"'
    )
    return response


# ---- microdata for the evaluators ----------------------------------------------------------------


@access_rule("capability:export_pseudonymous", "k-anonymised case rows, with a purpose, audited")
def microdata(request: AuthedRequest) -> HttpResponse:
    allowed = _allowed(request, Cap.EXPORT_PSEUDONYMOUS)
    since, until = current_year()
    form = MicrodataRequest(
        request.POST if request.method == "POST" else None,
        initial={"since": since, "until": until},
        access_points=_access_points(allowed),
    )
    context = {"form": form, "columns": MICRODATA_COLUMNS}
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "monitoring/microdata.html", context, status=status)
    if not recently_verified(request):
        # A file that leaves the team: confirm the second factor first (ASVS 7.5.3).
        target = f"{reverse('accounts:verify')}?{urlencode({'next': request.path, 'reauth': 1})}"
        return redirect(target)
    data = form.cleaned_data
    result = build_microdata(_narrowed(allowed, data["access_point"]), data["since"], data["until"])
    with transaction.atomic():
        record(
            "monitoring.microdata_exported",
            actor=request.user,
            data={
                "purpose": data["purpose"].strip(),
                "since": str(data["since"]),
                "until": str(data["until"]),
                "access_point": data["access_point"].pk if data["access_point"] else None,
                "rows": len(result.rows),
                "suppressed": result.suppressed,
                "level": result.level,
                "k": result.k,
            },
            request=request,
        )
    name = f"ponte-microdata-{data['since']:%Y%m%d}-{data['until']:%Y%m%d}.csv"
    return csv_response(name, result.header, result.rows)
