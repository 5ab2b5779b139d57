"""The eligibility check every later step asks: may this organisation bid for this kind of service
on this date, and according to which published version of the directory?

Rules (DOMAIN.md "Who may bid"; Order 102 Art. 6):
- The version relied on is the latest one *published on or before* the day asked about, the
  publication day read in China time (Asia/Shanghai). Drafts never count. So a question about a
  past day gets the answer the directory gave on that day, and a re-check later gives the same one.
- A social organisation (code 51/52/53) is eligible only with an entry in that version that is in
  force, valid on the day (valid_from ≤ day ≤ valid_to) and covers the category (an entry for a parent
  category covers its sub-categories).
- A suspension with an end date (``suspended_until``, e.g. one year after a 差 performance grade) is
  over after its last day: from the next day the entry counts as in force, without a new version.
- Other kinds (enterprises, public institutions, others) are not governed by the directory: the
  answer is eligible with ``not_social_organisation``; the tender decides whether they are admitted.

Queries: one when the organisation is listed (entry, version and category coverage together), two
when it is not (then the version alone is read, to say which version it is missing from).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections, router
from django.db.models.expressions import Col
from django.utils.formats import date_format
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext, gettext_noop

from vendors.models import (
    DirectoryEntry,
    DirectoryEntryCategory,
    DirectoryVersion,
    Organisation,
    ServiceCategory,
)

CHINA = ZoneInfo("Asia/Shanghai")

# reason_code: English msgid (translated when the reason is rendered). Placeholders:
# %(version)s version number, %(category)s category name, %(from)s/%(to)s/%(date)s dates, %(reason)s.
REASONS = {
    "in_force": gettext_noop(
        "In force in directory version %(version)s for %(category)s, valid from %(from)s to %(to)s."
    ),
    "not_social_organisation": gettext_noop(
        "Not a social organisation: the qualification directory does not apply; the tender decides "
        "whether this kind of undertaker may bid."
    ),
    "no_published_version": gettext_noop(
        "No version of the qualification directory was published by %(date)s."
    ),
    "not_in_directory": gettext_noop("Not listed in directory version %(version)s."),
    "suspended": gettext_noop("Suspended in directory version %(version)s since %(status_date)s: %(reason)s"),
    "suspended_until": gettext_noop(
        "Suspended in directory version %(version)s from %(status_date)s to %(until)s: %(reason)s"
    ),
    "revoked": gettext_noop("Revoked in directory version %(version)s since %(status_date)s: %(reason)s"),
    "not_yet_valid": gettext_noop(
        "The qualification in directory version %(version)s is valid only from %(from)s."
    ),
    "expired": gettext_noop("The qualification in directory version %(version)s expired on %(to)s."),
    "category_not_covered": gettext_noop(
        "Directory version %(version)s does not list this organisation for %(category)s."
    ),
}


def _render(code: str, params: dict[str, Any]) -> str:
    rendered = {}
    for key, value in params.items():
        if isinstance(value, date):
            rendered[key] = date_format(value, "Y-m-d")
        elif value is None:
            rendered[key] = "—"
        else:
            rendered[key] = str(value)  # a category or a lazy string: in the current language
    message = REASONS["suspended_until"] if code == "suspended" and params.get("until") else REASONS[code]
    return gettext(message) % rendered


_render_lazy = lazy(_render, str)


@dataclass(frozen=True)
class EligibilityResult:
    """The answer and what it relied on: keep ``version`` and ``entry`` with the decision so it can be
    shown and re-checked later. ``reason`` is a lazy string, rendered in the reader's language."""

    eligible: bool
    reason: Promise | str
    reason_code: str
    version: DirectoryVersion | None
    entry: DirectoryEntry | None
    checked_on: date

    def __bool__(self) -> bool:
        return self.eligible


def published_before_end_of(day: date) -> datetime:
    """The first instant after ``day`` in China time: versions published before it count on ``day``."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=CHINA)


def version_in_force_on(day: date) -> DirectoryVersion | None:
    return (
        DirectoryVersion.objects.published()
        .filter(published_at__lt=published_before_end_of(day))
        .order_by("-published_at", "-number")
        .first()
    )


@lru_cache(maxsize=8)
def _listed_entry_plan(alias: str) -> tuple[str, list[Any], list[Any], list[list[Any]]]:
    """The one statement of the common case, written once per database connection alias.

    Hand-written because the ORM spent ten times longer building and compiling the equivalent
    queryset (a subquery and an EXISTS annotation) than the database spent answering it; every bid,
    qualification review, award and contract signature asks this question.
    """
    connection = connections[alias]
    qn = connection.ops.quote_name
    entry_meta, version_meta, link_meta = (
        DirectoryEntry._meta,
        DirectoryVersion._meta,
        DirectoryEntryCategory._meta,
    )
    entry_fields, version_fields = list(entry_meta.concrete_fields), list(version_meta.concrete_fields)

    def col(table: str, model: Any, name: str) -> str:
        return f"{table}.{qn(model._meta.get_field(name).column)}"

    selected = [f"e.{qn(f.column)}" for f in entry_fields] + [f"v.{qn(f.column)}" for f in version_fields]
    # Only quoted table and column names from the models are interpolated; values are parameters.
    sql = (
        f"SELECT {', '.join(selected)}, EXISTS("  # noqa: S608
        f"SELECT 1 FROM {qn(link_meta.db_table)} c WHERE {col('c', DirectoryEntryCategory, 'entry')} = "
        f"{col('e', DirectoryEntry, 'id')} AND {col('c', DirectoryEntryCategory, 'category')} IN (%s, %s)) "
        f"FROM {qn(entry_meta.db_table)} e INNER JOIN {qn(version_meta.db_table)} v "
        f"ON {col('v', DirectoryVersion, 'id')} = {col('e', DirectoryEntry, 'version')} "
        f"WHERE {col('e', DirectoryEntry, 'organisation')} = %s AND {col('e', DirectoryEntry, 'version')} = ("
        f"SELECT {col('w', DirectoryVersion, 'id')} FROM {qn(version_meta.db_table)} w "
        f"WHERE {col('w', DirectoryVersion, 'status')} = %s AND {col('w', DirectoryVersion, 'published_at')} < %s "
        f"ORDER BY {col('w', DirectoryVersion, 'published_at')} DESC, {col('w', DirectoryVersion, 'number')} DESC "
        f"LIMIT 1)"
    )
    converters = []
    for table, field in [("e", f) for f in entry_fields] + [("v", f) for f in version_fields]:
        expression = Col(table, field)
        converters.append(
            [
                (c, expression)
                for c in connection.ops.get_db_converters(expression)
                + expression.get_db_converters(connection)
            ]
        )
    return sql, entry_fields, version_fields, converters


def _listed_entry(
    organisation_id: int, category: ServiceCategory, on: date
) -> tuple[DirectoryEntry | None, bool]:
    """(the organisation's entry in the version in force on ``on`` with that version attached, whether
    it covers ``category`` or its parent) in one query; (None, False) when it is not listed."""
    alias = router.db_for_read(DirectoryEntry)
    connection = connections[alias]
    sql, entry_fields, version_fields, converters = _listed_entry_plan(alias)
    params: list[Any] = [
        category.pk,
        category.parent_id or category.pk,
        organisation_id,
        DirectoryVersion.Status.PUBLISHED.value,
        connection.ops.adapt_datetimefield_value(published_before_end_of(on)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None, False
    values = list(row)
    for index, field_converters in enumerate(converters):
        for converter, expression in field_converters:
            values[index] = converter(values[index], expression, connection)
    n = len(entry_fields)
    entry = DirectoryEntry.from_db(alias, [f.attname for f in entry_fields], values[:n])
    version = DirectoryVersion.from_db(
        alias, [f.attname for f in version_fields], values[n : n + len(version_fields)]
    )
    DirectoryEntry._meta.get_field("version").set_cached_value(entry, version)
    return entry, bool(values[-1])


def eligibility_check(
    *, organisation: Organisation, category: ServiceCategory, on: date
) -> EligibilityResult:
    """May ``organisation`` undertake ``category`` services on ``on``? (see the module docstring)."""

    def result(
        eligible: bool,
        code: str,
        version: DirectoryVersion | None = None,
        entry: DirectoryEntry | None = None,
        **params: Any,
    ) -> EligibilityResult:
        if version is not None:
            params.setdefault("version", version.number)
        return EligibilityResult(
            eligible=eligible,
            reason=_render_lazy(code, params),
            reason_code=code,
            version=version,
            entry=entry,
            checked_on=on,
        )

    if isinstance(on, datetime):
        on = on.astimezone(CHINA).date()
    if not organisation.is_social_organisation:
        return result(True, "not_social_organisation")
    entry = None
    covers_category = False
    if organisation.pk is not None:
        entry, covers_category = _listed_entry(organisation.pk, category, on)
    if entry is None:
        version = version_in_force_on(on)
        if version is None:
            return result(False, "no_published_version", date=on)
        return result(False, "not_in_directory", version)
    version = entry.version
    dates = {"from": entry.valid_from, "to": entry.valid_to, "status_date": entry.status_date}
    if entry.status == DirectoryEntry.Status.REVOKED:
        return result(False, "revoked", version, entry, reason=entry.status_reason or "—", **dates)
    # A suspension for a fixed term is over after its last day: the published version said so.
    if entry.is_suspended_on(on):
        return result(
            False,
            "suspended",
            version,
            entry,
            reason=entry.status_reason or "—",
            until=entry.suspended_until,
            **dates,
        )
    if on < entry.valid_from:
        return result(False, "not_yet_valid", version, entry, **dates)
    if on > entry.valid_to:
        return result(False, "expired", version, entry, **dates)
    if not covers_category:
        return result(False, "category_not_covered", version, entry, category=category)
    return result(True, "in_force", version, entry, category=category, **dates)
