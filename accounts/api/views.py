"""The caller's identity, the schema's offline documentation page, and the "API tokens" web page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import IsAuthenticated
from accounts.api.serializers import MeSerializer
from accounts.api.tokens import api_token_create, api_token_revoke, may_hold_token
from accounts.exceptions import DomainError
from accounts.models import ApiToken


class MeView(APIView):
    """Who the token (or session) acts as."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["account"], responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


def api_docs(request: HttpRequest) -> HttpResponse:
    """Readable documentation of the OpenAPI schema, rendered on the server: works offline, without
    a JavaScript UI from a CDN. The machine-readable schema is at /api/schema/."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    operations = []
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary") or (op.get("description") or "").split("\n")[0],
                    "tag": (op.get("tags") or [""])[0],
                    "auth": "tokenAuth" in str(op.get("security", "")) and {} not in op.get("security", []),
                    "parameters": [p.get("name") for p in op.get("parameters", [])],
                }
            )
    operations.sort(key=lambda o: (o["tag"], o["path"], o["method"]))
    return render(request, "api/docs.html", {"schema": schema, "operations": operations})


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponseBase:
    """The signed-in person's API tokens: create one (shown once), see and revoke the others."""
    created: str | None = None
    if request.method == "POST":
        try:
            _token, created = api_token_create(by=request.user, name=request.POST.get("name", ""))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    tokens = ApiToken.objects.filter(user_id=request.user.pk)  # type: ignore[misc]
    context: dict[str, Any] = {"tokens": tokens, "created": created, "may_hold": may_hold_token(request.user)}
    return render(request, "accounts/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, by=request.user)
    messages.success(request, _("The token is revoked."))
    return redirect("api_tokens")
