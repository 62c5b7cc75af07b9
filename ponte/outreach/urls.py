import importlib.util

from django.urls import URLPattern, URLResolver, include, path

from ponte.outreach import views

app_name = "outreach"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.outing_list, name="outing_list"),
    path("outings/export.csv", views.outing_export, name="outing_export"),
    path("outings/<uuid:public_id>/", views.outing_detail, name="outing_detail"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/export.csv", views.contact_export, name="contact_export"),
    path("places/", views.place_list, name="place_list"),
    path("places/new/", views.place_edit, name="place_create"),
    path("places/export.csv", views.place_export, name="place_export"),
    path("places/<uuid:public_id>/", views.place_detail, name="place_detail"),
    path("places/<uuid:public_id>/edit/", views.place_edit, name="place_edit"),
    path("dashboard/", views.dashboard, name="dashboard"),
]

# The offline quick entry, its CSRF refresh and its service worker (offline_urls.py, built
# with the offline front-end), mounted last under /outreach/.
if importlib.util.find_spec("ponte.outreach.offline_urls") is not None:
    urlpatterns.append(path("", include("ponte.outreach.offline_urls")))
