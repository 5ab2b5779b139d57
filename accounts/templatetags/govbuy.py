"""Small display filters shared by every app's templates: ``{% load govbuy %}``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def as_datetime(value: Any) -> dt.datetime | str:
    """An ISO 8601 timestamp kept in a frozen JSON snapshot (UTC) as an aware datetime, so that
    ``|date`` shows it in the reader's time zone (Asia/Shanghai) like every other time on the page."""
    if isinstance(value, dt.datetime):
        return value
    parsed = parse_datetime(str(value or ""))
    if parsed is None:
        return str(value or "")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return timezone.localtime(parsed)
