from __future__ import annotations

from django.http import Http404, HttpResponse

from ponte.accounts.http import AuthedRequest
from ponte.common.access import access_rule


@access_rule("member", "skeleton: being written")
def create(request: AuthedRequest) -> HttpResponse:
    raise Http404


@access_rule("member", "skeleton: being written")
def signal_create(request: AuthedRequest) -> HttpResponse:
    raise Http404


@access_rule("member", "skeleton: being written")
def anti_trafficking(request: AuthedRequest) -> HttpResponse:
    raise Http404
