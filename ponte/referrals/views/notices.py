"""The user's in-app notifications: newest first, marked read by a POST."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.accounts.http import AuthedRequest
from ponte.common.access import access_rule
from ponte.common.views import paginate, render_list
from ponte.referrals.forms import MarkReadForm
from ponte.referrals.models import Notification, Referral


@access_rule("authenticated", "the user's own notifications only")
def notifications(request: AuthedRequest) -> HttpResponse:
    mine = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        form = MarkReadForm(request.POST)
        if form.is_valid():
            unread = mine.filter(read_at__isnull=True)
            if not form.cleaned_data["all"]:
                unread = unread.filter(public_id=form.cleaned_data["notification"])
            count = unread.update(read_at=timezone.now())
            if count:
                messages.success(request, _("Marked as read."))
        return redirect("referrals:notifications")
    page = paginate(request, mine.select_related("referral").order_by("-created_at", "-pk"))
    referral_ids = [n.referral_id for n in page if n.referral_id]
    # The notice stays; the referral behind it may have closed for this user since.
    still_visible = set(
        Referral.objects.visible_to(request.user)
        .filter(pk__in=referral_ids)
        .values_list("pk", flat=True)
    )
    return render_list(
        request,
        "referrals/notifications.html",
        {
            "page": page,
            "rows": [{"n": n, "visible": n.referral_id in still_visible} for n in page],
            "unread": mine.filter(read_at__isnull=True).exists(),
        },
    )
