"""One error format for the whole API::

    {"error": {"code": "not_found", "message": "…", "fields": {"price": ["…"]}}}

``message`` is in the user's language. Services' ``DomainError`` (400), ``NotAllowed`` (403), Django and DRF validation errors (400), 401/403/404/405/415/429 all map
here, so a client handles one shape.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.exceptions import DomainError, NotAllowed


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        out: list[str] = []
        for key, value in detail.items():
            out += [f"{key}: {m}" for m in _flatten(value)]
        return out
    if isinstance(detail, list | tuple):
        return [m for item in detail for m in _flatten(item)]
    return [str(detail)]


def _fields(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    return {"non_field_errors": _flatten(detail)}


def _domain(exc: DomainError) -> Response:
    message = str(exc.message)
    if isinstance(exc, NotAllowed):
        return Response(error_body("forbidden", message), status=status.HTTP_403_FORBIDDEN)
    fields: dict[str, list[str]] = {}
    if exc.field:
        fields[exc.field] = [message]
    report = getattr(exc, "report", None)  # procurement.compliance.ComplianceError
    errors = getattr(report, "errors", None)
    if isinstance(errors, dict):
        for field, messages in errors.items():
            fields.setdefault(field or "non_field_errors", []).extend(str(m) for m in messages)
    return Response(error_body(exc.code or "invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)


_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "parse_error",
    exceptions.Throttled: "throttled",
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return _domain(exc)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, OverflowError):  # an id beyond what the database stores: no such object
        exc = exceptions.NotFound()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", _("The request is not valid."), _fields(exc.detail))
        return response
    code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.Throttled):
        message = _("Too many requests; try again in %(seconds)s seconds.") % {
            "seconds": int(getattr(exc, "wait", None) or 1)
        }
    elif isinstance(exc, exceptions.NotFound):
        message = _("Not found.")
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail) == str(
        exceptions.PermissionDenied.default_detail
    ):
        message = _("You are not allowed to do this.")
    else:
        message = (
            str(exc.detail) if not isinstance(exc.detail, dict | list) else "; ".join(_flatten(exc.detail))
        )
    response.data = error_body(code, message)
    return response


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown URL under /api/: the same format instead of the HTML 404 page."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)
