"""The offline quick entry: mounted under /outreach/ by the app's urls.py."""

from django.urls import path

from ponte.outreach import offline_views

urlpatterns = [
    path("quick/", offline_views.quick_entry, name="outreach_quick_entry"),
    path("csrf/", offline_views.csrf, name="outreach_csrf"),
    path("sw.js", offline_views.service_worker, name="outreach_service_worker"),
]
