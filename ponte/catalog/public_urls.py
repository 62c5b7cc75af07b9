"""The public guide, mounted at /guida/ (no login; every view declares @access_rule("public"))."""

from django.urls import path

from ponte.catalog import public_views

app_name = "guide"

urlpatterns = [
    path("", public_views.choose_language, name="choose_language"),
    path("<slug:lang>/", public_views.home, name="home"),
    path("<slug:lang>/servizi/", public_views.results, name="results"),
    path("<slug:lang>/servizi/<uuid:public_id>/", public_views.detail, name="detail"),
]
