"""``{% document_button "kind" obj label %}``: a button that asks for a document and then shows
its progress and download link in place (htmx). ``{% document_button_for "kind" object_type
object_id label %}`` does the same when only the object's type and id are at hand (audit entries)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

register = template.Library()


@register.inclusion_tag("accounts/includes/document_button.html", takes_context=True)
def document_button(context: Any, kind: str, obj: models.Model, label: str) -> dict[str, Any]:
    return document_button_for(context, kind, obj._meta.label_lower, obj.pk, label)


@register.inclusion_tag("accounts/includes/document_button.html", takes_context=True)
def document_button_for(
    context: Any, kind: str, object_type: str, object_id: Any, label: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "object_type": object_type,
        "object_id": object_id,
        "dom_id": f"document-request-{kind}-{object_type}-{object_id}".replace(".", "-"),
        "label": label,
        # Not on a cached public page (no per-visitor token there; a visitor's request needs none).
        "public_page": getattr(context.get("request"), "public_page", False),
        "csrf_token": None
        if getattr(context.get("request"), "public_page", False)
        else context.get("csrf_token"),
    }
