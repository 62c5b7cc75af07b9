from django.urls import path

from ponte.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.service_list, name="service_list"),
    path("new/", views.service_edit, name="service_create"),
    path("<uuid:public_id>/", views.service_detail, name="service_detail"),
    path("<uuid:public_id>/edit/", views.service_edit, name="service_edit"),
    path("<uuid:public_id>/verify/", views.service_verify, name="service_verify"),
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", views.opportunity_edit, name="opportunity_create"),
    path("opportunities/<uuid:public_id>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("gaps/", views.gap_analysis, name="gap_analysis"),
    path("gaps/export.csv", views.gap_export, {"fmt": "csv"}, name="gap_export_csv"),
    path("gaps/export.xlsx", views.gap_export, {"fmt": "xlsx"}, name="gap_export_xlsx"),
]
