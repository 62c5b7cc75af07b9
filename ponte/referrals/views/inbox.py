from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpResponse

from ponte.accounts.http import AuthedRequest
from ponte.common.access import access_rule


@access_rule("member", "skeleton: being written")
def inbox(request: AuthedRequest) -> HttpResponse:
    raise Http404


@access_rule("member", "skeleton: being written")
def case_referrals(request: AuthedRequest, public_id: UUID) -> HttpResponse:
    raise Http404
