"""What the directory views share: permission guards and mapping refusals to the page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from accounts.exceptions import DomainError, NotAllowed

PAGE_SIZE = 50


class SignInFirst(Exception):
    """An anonymous visitor asked for a page that needs a signed-in user with a permission."""


def guarded(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Anonymous visitors who hit a guard are sent to sign in; signed-in users without the
    permission get 403 (``PermissionDenied``); a service's ``NotAllowed`` is a 403 too."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except SignInFirst:
            return redirect_to_login(request.get_full_path())
        except NotAllowed as exc:
            raise PermissionDenied from exc

    return wrapper


def require_perm(request: HttpRequest, perm: str, obj: Any = None) -> None:
    if request.user.has_perm(perm, obj):
        return
    if not request.user.is_authenticated:
        raise SignInFirst
    raise PermissionDenied


def form_error(form: Any, exc: DomainError) -> None:
    """Put a service's refusal on the field it names, or on the form."""
    field = exc.field if exc.field in getattr(form, "fields", {}) else None
    form.add_error(field, str(exc.message))


def refused(request: HttpRequest, exc: DomainError, *, status: int = 409, back: str = "") -> HttpResponse:
    """A change the rules refuse outright (a published version, a decided application): nothing changed."""
    return render(request, "vendors/refused.html", {"message": exc.message, "back": back}, status=status)


def paginate(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> tuple[Page[Any], str]:
    """The requested page (invalid numbers give the first or last page) and the query string
    without ``page`` for the pagination links."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
