"""The inbox (站内消息) and notification preferences. htmx marks items read in place."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import notifications
from accounts.models import EmailMode, Notification
from accounts.types import AuthenticatedRequest


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


PAGE_SIZE = 25


def _badge(request: AuthenticatedRequest) -> str:
    """The header's unread counter, swapped out-of-band after a change."""
    from django.template.loader import render_to_string

    return render_to_string(
        "accounts/includes/unread_badge.html",
        {"unread_notifications": notifications.unread_count(request.user), "oob": True},
        request=request,
    )


@login_required
@require_GET
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(notifications.inbox_for(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/notification_list.html",
        {"page": page, "unread_only": unread_only, "query": "unread=1" if unread_only else ""},
    )


@login_required
@require_POST
def mark_read(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        notification = notifications.notification_mark_read(notification_id=pk, by=request.user)
    except Notification.DoesNotExist:
        raise Http404 from None
    if is_htmx(request):
        item = render(request, "accounts/includes/notification_item.html", {"n": notification})
        return HttpResponse(item.content.decode() + _badge(request))
    return redirect("notifications:inbox")


@login_required
@require_POST
def open_notification(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way. A POST (the item's button, with
    the CSRF token): a GET that changes state could be triggered by any page or link prefetcher."""
    try:
        notification = notifications.notification_mark_read(notification_id=pk, by=request.user)
    except Notification.DoesNotExist:
        raise Http404 from None
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: AuthenticatedRequest) -> HttpResponse:
    count = notifications.notification_mark_all_read(by=request.user)
    if is_htmx(request):
        page = Paginator(notifications.inbox_for(request.user), PAGE_SIZE).get_page(1)
        body = render(request, "accounts/includes/notification_items.html", {"page": page})
        return HttpResponse(body.content.decode() + _badge(request))
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("notifications:inbox")


class PreferencesForm(forms.Form):
    """One choice per registered kind: e-mail immediately, in the daily digest, or not at all."""

    def __init__(self, *args: object, current: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind in notifications.registered_kinds():
            self.fields[kind.key] = forms.ChoiceField(
                label=str(kind.label), choices=EmailMode.choices, initial=current.get(kind.key)
            )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    current = notifications.preferences_for(request.user)
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        notifications.notification_preferences_set(
            user=request.user, modes=form.cleaned_data, by=request.user
        )
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("notifications:preferences")
    return render(request, "accounts/notification_preferences.html", {"form": form})
