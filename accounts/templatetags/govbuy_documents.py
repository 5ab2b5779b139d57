"""``{% document_button "kind" obj label %}``: a button that asks for a document and then shows
its progress and download link in place (htmx)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

register = template.Library()


@register.inclusion_tag("accounts/includes/document_button.html", takes_context=True)
def document_button(context: Any, kind: str, obj: models.Model, label: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "object_type": obj._meta.label_lower,
        "object_id": obj.pk,
        "label": label,
        "csrf_token": context.get("csrf_token"),
    }
