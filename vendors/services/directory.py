"""Writing the directory: the next draft version, its entries, publishing.

Every change goes into the one draft version ("the next version"); a draft starts as a copy of the
latest published version. Publishing is for directory administrators only and freezes the version.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_fsm import TransitionNotAllowed

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.notifications import notify
from accounts.rules import is_directory_admin
from vendors.exceptions import PublishedVersionError
from vendors.models import (
    DirectoryEntry,
    DirectoryEntryCategory,
    DirectoryVersion,
    Organisation,
    ServiceCategory,
)
from vendors.services.common import require, today

ENTRY_COPY_FIELDS = (
    "organisation_id",
    "organisation_name",
    "registering_authority",
    "rating",
    "valid_from",
    "valid_to",
    "status",
    "status_reason",
    "status_date",
    "suspended_until",
)


def _copy_entries(source: DirectoryVersion, target: DirectoryVersion) -> int:
    """Copy every entry of ``source`` (with its categories) into the draft ``target``, in bulk."""
    entries = list(DirectoryEntry.objects.filter(version=source).order_by("pk"))
    links: dict[int, list[int]] = {}
    for entry_id, category_id in DirectoryEntryCategory.objects.filter(entry__version=source).values_list(
        "entry_id", "category_id"
    ):
        links.setdefault(entry_id, []).append(category_id)
    copies = [
        DirectoryEntry(version=target, **{name: getattr(e, name) for name in ENTRY_COPY_FIELDS})
        for e in entries
    ]
    DirectoryEntry.objects.bulk_create(copies, batch_size=2000)
    DirectoryEntryCategory.objects.bulk_create(
        [
            DirectoryEntryCategory(entry_id=copy.pk, category_id=category_id)
            for original, copy in zip(entries, copies, strict=True)
            for category_id in links.get(original.pk, [])
        ],
        batch_size=5000,
    )
    return len(copies)


@transaction.atomic
def version_draft(*, by: Any, note: str = "") -> DirectoryVersion:
    """The next version: the existing draft, or a new one copied from the latest published version."""
    require(by, "vendors.manage_directory")
    draft = DirectoryVersion.objects.select_for_update().drafts().first()
    if draft is not None:
        if note and not draft.note:
            draft.note = note
            draft.save(update_fields=["note"])
        return draft
    latest = DirectoryVersion.objects.published().order_by("-number").first()
    last_number = DirectoryVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
    draft = DirectoryVersion.objects.create(number=last_number + 1, note=note, based_on=latest, created_by=by)
    copied = _copy_entries(latest, draft) if latest is not None else 0
    audit_record(
        actor=by,
        action="directory.version_draft",
        obj=draft,
        summary={"number": draft.number, "based_on": latest.number if latest else None, "entries": copied},
    )
    return draft


def _draft_entry(draft: DirectoryVersion, organisation: Organisation) -> DirectoryEntry:
    entry = DirectoryEntry.objects.filter(version=draft, organisation=organisation).first()
    if entry is None:
        raise DomainError(
            _("%(organisation)s is not in the directory.") % {"organisation": organisation.name},
            field="organisation",
        )
    return entry


def _check_dates(valid_from: date, valid_to: date) -> None:
    if valid_from > valid_to:
        raise DomainError(_("The validity must start before it ends."), field="valid_to")


@transaction.atomic
def entry_add(
    *,
    organisation: Organisation,
    categories: Iterable[ServiceCategory],
    valid_from: date,
    valid_to: date,
    rating: str = "",
    by: Any,
    reason: str = "",
) -> DirectoryEntry:
    """Put ``organisation`` into the next version, in force, for ``categories``. An entry it already
    has in the draft (for example a revoked one) is replaced: re-admission starts afresh."""
    require(by, "vendors.manage_directory")
    if not organisation.is_social_organisation:
        raise DomainError(_("Only social organisations are listed in the directory."), field="organisation")
    categories = list(categories)
    if not categories:
        raise DomainError(_("Choose at least one service category."), field="categories")
    _check_dates(valid_from, valid_to)
    draft = version_draft(by=by)
    DirectoryEntry.objects.filter(version=draft, organisation=organisation).delete()
    entry = DirectoryEntry.objects.create(
        version=draft,
        organisation=organisation,
        organisation_name=organisation.name,
        registering_authority=organisation.registering_authority,
        rating=rating,
        valid_from=valid_from,
        valid_to=valid_to,
        status_reason=reason,
        status_date=today(),
    )
    entry.categories.set(categories)
    audit_record(
        actor=by,
        action="directory.entry_add",
        obj=entry,
        summary={
            "version": draft.number,
            "credit_code": organisation.credit_code,
            "categories": sorted(c.code for c in categories),
            "rating": rating,
            "valid_from": valid_from,
            "valid_to": valid_to,
        },
    )
    return entry


def _status_change(
    *,
    transition: str,
    organisation: Organisation,
    reason: str,
    by: Any,
    on: date | None,
    until: date | None = None,
) -> DirectoryEntry:
    require(by, "vendors.manage_directory")
    if not (reason or "").strip():
        raise DomainError(_("State the reason; it is published with the entry."), field="reason")
    draft = version_draft(by=by)
    entry = _draft_entry(draft, organisation)
    old_status = entry.status
    extra = {"until": until} if transition == "suspend" else {}
    if until is not None and until < (on or today()):
        raise DomainError(_("A suspension cannot end before it starts."), field="until")
    try:
        getattr(entry, transition)(reason=reason.strip(), on=on or today(), **extra)
    except TransitionNotAllowed:
        raise DomainError(
            _("An entry that is %(status)s cannot be %(action)s.")
            % {"status": entry.get_status_display(), "action": TRANSITION_LABELS[transition]},
            code="transition",
        ) from None
    entry.save()
    audit_record(
        actor=by,
        action=f"directory.entry_{transition}",
        obj=entry,
        summary={
            "version": draft.number,
            "credit_code": organisation.credit_code,
            "from": old_status,
            "to": entry.status,
            "reason": entry.status_reason,
            "date": entry.status_date,
            "until": entry.suspended_until,
        },
    )
    return entry


TRANSITION_LABELS = {"suspend": _("suspended"), "revoke": _("revoked"), "reinstate": _("reinstated")}


@transaction.atomic
def entry_suspend(
    *, organisation: Organisation, reason: str, by: Any, on: date | None = None, until: date | None = None
) -> DirectoryEntry:
    """Suspend the organisation's entry in the next version (暂停), until further notice or, with
    ``until``, to that day inclusive: the eligibility check counts the entry in force again from the
    day after (docs/directory.md)."""
    return _status_change(
        transition="suspend", organisation=organisation, reason=reason, by=by, on=on, until=until
    )


@transaction.atomic
def entry_revoke(
    *, organisation: Organisation, reason: str, by: Any, on: date | None = None
) -> DirectoryEntry:
    """Revoke the organisation's entry in the next version (撤销)."""
    return _status_change(transition="revoke", organisation=organisation, reason=reason, by=by, on=on)


@transaction.atomic
def entry_reinstate(
    *, organisation: Organisation, reason: str, by: Any, on: date | None = None
) -> DirectoryEntry:
    """Reinstate a suspended entry in the next version (恢复)."""
    return _status_change(transition="reinstate", organisation=organisation, reason=reason, by=by, on=on)


@transaction.atomic
def entry_update(
    *,
    entry: DirectoryEntry,
    by: Any,
    categories: Iterable[ServiceCategory] | None = None,
    rating: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> DirectoryEntry:
    """Change categories, rating or validity of an entry of the draft version."""
    require(by, "vendors.manage_directory")
    if entry.version.is_published:
        raise PublishedVersionError()
    before = {"rating": entry.rating, "valid_from": entry.valid_from, "valid_to": entry.valid_to}
    if rating is not None:
        entry.rating = rating
    if valid_from is not None:
        entry.valid_from = valid_from
    if valid_to is not None:
        entry.valid_to = valid_to
    _check_dates(entry.valid_from, entry.valid_to)
    entry.save()
    if categories is not None:
        categories = list(categories)
        if not categories:
            raise DomainError(_("Choose at least one service category."), field="categories")
        entry.categories.set(categories)
    audit_record(
        actor=by,
        action="directory.entry_update",
        obj=entry,
        summary={
            "version": entry.version.number,
            "before": before,
            "after": {"rating": entry.rating, "valid_from": entry.valid_from, "valid_to": entry.valid_to},
        },
    )
    return entry


NOTIFY_MESSAGES = {
    DirectoryEntry.Status.SUSPENDED: gettext_noop(
        "The directory entry of %(organisation)s was suspended in version %(version)s: %(reason)s"
    ),
    DirectoryEntry.Status.REVOKED: gettext_noop(
        "The directory entry of %(organisation)s was revoked in version %(version)s: %(reason)s"
    ),
    DirectoryEntry.Status.IN_FORCE: gettext_noop(
        "The directory entry of %(organisation)s was reinstated in version %(version)s: %(reason)s"
    ),
}


def _notify_status_changes(version: DirectoryVersion) -> None:
    """Tell each organisation's staff when its entry's status differs from the previous version."""
    from vendors.selectors import organisation_staff, previous_published

    previous = previous_published(version)
    if previous is None:
        return
    before = dict(DirectoryEntry.objects.filter(version=previous).values_list("organisation_id", "status"))
    for entry in DirectoryEntry.objects.filter(version=version).select_related("organisation"):
        old = before.get(entry.organisation_id)
        if old is None or old == entry.status:
            continue
        kind = {
            DirectoryEntry.Status.SUSPENDED: "directory.entry_suspended",
            DirectoryEntry.Status.REVOKED: "directory.entry_revoked",
            DirectoryEntry.Status.IN_FORCE: "directory.entry_reinstated",
        }[DirectoryEntry.Status(entry.status)]
        notify(
            recipients=organisation_staff(entry.organisation),
            kind=kind,
            message=NOTIFY_MESSAGES[DirectoryEntry.Status(entry.status)],
            params={
                "organisation": entry.organisation_name,
                "version": version.number,
                "reason": entry.status_reason,
            },
            obj=entry,
            url=reverse("vendors:organisation_profile", args=[entry.organisation.credit_code]),
        )


@transaction.atomic
def version_publish(*, version: DirectoryVersion, by: Any, note: str | None = None) -> DirectoryVersion:
    """Publish the draft: only directory administrators; from now on it never changes, and the
    eligibility check relies on it from today (China time)."""
    require(by, "vendors.publish_directory_version", version)
    if by is not None and not is_directory_admin(by):
        # Django lets a superuser pass every has_perm; publishing is the civil-affairs bureau's act
        # alone, so the site administrator may not publish in its place.
        raise NotAllowed()
    version = DirectoryVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise PublishedVersionError(_("This version is already published."))
    if note is not None:
        version.note = note
    try:
        version.publish(by=by, at=timezone.now())
    except TransitionNotAllowed:
        raise DomainError(_("This version cannot be published."), code="transition") from None
    version.save()
    count = DirectoryEntry.objects.filter(version=version).count()
    audit_record(
        actor=by,
        action="directory.version_publish",
        obj=version,
        summary={"number": version.number, "entries": count, "note": version.note},
    )
    _notify_status_changes(version)
    return version


@transaction.atomic
def version_discard(*, version: DirectoryVersion, by: Any) -> None:
    """Throw away the draft (nothing published changes)."""
    require(by, "vendors.manage_directory")
    if version.is_published:
        raise PublishedVersionError()
    if version.applications.exists():
        raise DomainError(
            _("Applications were approved into this draft; publish it or change their entries instead.")
        )
    audit_record(
        actor=by, action="directory.version_discard", obj=version, summary={"number": version.number}
    )
    version.delete()
