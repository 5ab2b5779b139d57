"""The qualification directory (具备承接政府职能转移和购买服务资质的社会组织目录), published in versions.

Every version is a complete snapshot: a draft starts as a copy of the latest published version and
the directory administrators change it (add, suspend, revoke, reinstate entries, import a file);
publishing freezes it. A published version and its entries never change again, which the model
(save/delete), the querysets (update/delete/bulk_create), the category link (m2m_changed), the admin
site and the services all refuse. The eligibility check reads the version in force on a date.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from vendors.exceptions import PublishedVersionError
from vendors.models.organisations import Organisation, ServiceCategory


class Rating(models.TextChoices):
    """Social organisation rating (社会组织评估等级), 1000 points: 5A ≥ 950, 4A 901–950, 3A 851–900."""

    A5 = "5A", "5A"
    A4 = "4A", "4A"
    A3 = "3A", "3A"
    A2 = "2A", "2A"
    A1 = "1A", "1A"


class VersionQuerySet(models.QuerySet["DirectoryVersion"]):
    def published(self) -> VersionQuerySet:
        return self.filter(status=DirectoryVersion.Status.PUBLISHED)

    def drafts(self) -> VersionQuerySet:
        return self.filter(status=DirectoryVersion.Status.DRAFT)

    def update(self, **kwargs: Any) -> int:
        if self.published().exists():
            raise PublishedVersionError()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.published().exists():
            raise PublishedVersionError()
        return super().delete()


class DirectoryVersion(FSMModelMixin, models.Model):
    """One batch of the directory (第 N 批). Drafted, then published by a directory administrator."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    number = models.PositiveIntegerField(_("number"), unique=True)
    status = FSMField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, protected=True
    )
    note = models.TextField(_("note"), blank=True, help_text=_("What this version changes, shown with it."))
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The published version this draft started from."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = VersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("directory version")
        verbose_name_plural = _("directory versions")
        ordering = ["-number"]
        constraints = [
            # At most one draft: every change goes into "the next version".
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="draft"), name="directory_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", published_at__isnull=True)
                | Q(status="published", published_at__isnull=False),
                name="directory_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Directory version %(number)s") % {"number": self.number})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._was_published():
            raise PublishedVersionError()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._was_published() or self.is_published:
            raise PublishedVersionError()
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def _was_published(self) -> bool:
        """Asked of the database, not of this instance: it may be stale (another request published
        the version meanwhile) or partial (``.only()``). Versions are saved rarely; one query is cheap."""
        if self.pk is None or self._state.adding:
            return False
        return DirectoryVersion.objects.filter(pk=self.pk).published().exists()

    @transition(field=status, source=Status.DRAFT, target=Status.PUBLISHED)
    def publish(self, *, by: Any, at: Any) -> None:
        """A draft is published by a directory administrator (the service checks the permission);
        from then on it and its entries never change."""
        self.published_by, self.published_at = by, at


class EntryQuerySet(models.QuerySet["DirectoryEntry"]):
    def in_published(self) -> EntryQuerySet:
        return self.filter(version__status=DirectoryVersion.Status.PUBLISHED)

    def update(self, **kwargs: Any) -> int:
        if self.in_published().exists():
            raise PublishedVersionError()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.in_published().exists():
            raise PublishedVersionError()
        return super().delete()

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[DirectoryEntry]:
        objs = list(objs)
        version_ids = {o.version_id for o in objs}
        if DirectoryVersion.objects.filter(pk__in=version_ids).published().exists():
            raise PublishedVersionError()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Any, *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        version_ids = {o.version_id for o in objs}
        if DirectoryVersion.objects.filter(pk__in=version_ids).published().exists():
            raise PublishedVersionError()
        return super().bulk_update(objs, *args, **kwargs)


class DirectoryEntry(FSMModelMixin, models.Model):
    """An organisation's qualification in one version: categories, rating, validity and status.

    Name and registering authority are copied from the organisation when the entry is written, so
    a published version shows (and exports) what was published even after the organisation changes.
    """

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    version = models.ForeignKey(
        DirectoryVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="entries"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="directory_entries",
    )
    organisation_name = models.CharField(_("organisation name"), max_length=200)
    registering_authority = models.CharField(_("registering authority"), max_length=200, blank=True)
    categories: models.ManyToManyField[ServiceCategory, DirectoryEntryCategory] = models.ManyToManyField(
        ServiceCategory,
        verbose_name=_("service categories"),
        related_name="directory_entries",
        through="DirectoryEntryCategory",
    )
    rating = models.CharField(_("rating"), max_length=2, choices=Rating.choices, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    status = FSMField(
        _("status"), max_length=10, choices=Status.choices, default=Status.IN_FORCE, protected=True
    )
    status_reason = models.CharField(_("reason for the status"), max_length=500, blank=True)
    status_date = models.DateField(_("status since"), null=True, blank=True)
    suspended_until = models.DateField(
        _("suspended until"),
        null=True,
        blank=True,
        help_text=_(
            "Last day of a suspension for a fixed term; from the next day the entry counts as in force "
            "again. Empty: until reinstated."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory entries")
        ordering = ["version", "organisation_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "organisation"], name="directory_entry_once_per_version"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__lte=models.F("valid_to")), name="directory_entry_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_name} ({self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._version_published():
            raise PublishedVersionError()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._version_published():
            raise PublishedVersionError()
        return super().delete(*args, **kwargs)

    def _version_published(self) -> bool:
        if self.version_id is None:
            return False
        # One cheap query; entries are written through services, never in a hot loop one by one.
        return DirectoryVersion.objects.filter(pk=self.version_id).published().exists()

    def is_valid_on(self, day: Any) -> bool:
        return self.valid_from <= day <= self.valid_to

    @transition(field=status, source=Status.IN_FORCE, target=Status.SUSPENDED)
    def suspend(self, *, reason: str, on: Any, until: Any = None) -> None:
        """An entry in force is suspended (暂停) with a reason, e.g. a failed annual inspection or a
        poor performance grade confirmed by the directory administrator (then for one year: ``until``
        is the last day of the suspension; the eligibility check treats the entry as in force from
        the day after, without waiting for another version)."""
        self.status_reason, self.status_date, self.suspended_until = reason, on, until

    def is_suspended_on(self, day: Any) -> bool:
        """Suspended on ``day``: a suspension with an end date is over after its last day."""
        return self.status == self.Status.SUSPENDED and (
            self.suspended_until is None or day <= self.suspended_until
        )

    @transition(field=status, source=[Status.IN_FORCE, Status.SUSPENDED], target=Status.REVOKED)
    def revoke(self, *, reason: str, on: Any) -> None:
        """An entry in force or suspended is revoked (撤销) with a reason. Coming back needs a new
        application; a revocation is not reinstated."""
        self.status_reason, self.status_date, self.suspended_until = reason, on, None

    @transition(field=status, source=Status.SUSPENDED, target=Status.IN_FORCE)
    def reinstate(self, *, reason: str, on: Any) -> None:
        """A suspended entry is reinstated (恢复) once the cause is resolved."""
        self.status_reason, self.status_date, self.suspended_until = reason, on, None


class EntryCategoryQuerySet(models.QuerySet["DirectoryEntryCategory"]):
    def _touches_published(self) -> bool:
        return self.filter(entry__version__status=DirectoryVersion.Status.PUBLISHED).exists()

    def update(self, **kwargs: Any) -> int:
        if self._touches_published():
            raise PublishedVersionError()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._touches_published():
            raise PublishedVersionError()
        return super().delete()

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[DirectoryEntryCategory]:
        objs = list(objs)
        entry_ids = {o.entry_id for o in objs}
        if DirectoryEntry.objects.filter(pk__in=entry_ids).in_published().exists():
            raise PublishedVersionError()
        return super().bulk_create(objs, *args, **kwargs)


class DirectoryEntryCategory(models.Model):
    """The link entry ↔ category. PROTECT: deleting a category must not rewrite published versions
    (deactivate it instead)."""

    entry = models.ForeignKey(DirectoryEntry, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="+")

    objects = EntryCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("directory entry category")
        verbose_name_plural = _("directory entry categories")
        constraints = [
            models.UniqueConstraint(fields=["entry", "category"], name="directory_entry_category_once")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}:{self.category_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if DirectoryEntry.objects.filter(pk=self.entry_id).in_published().exists():
            raise PublishedVersionError()
        super().save(*args, **kwargs)


@receiver(m2m_changed, sender=DirectoryEntry.categories.through)
def _refuse_category_change_in_published_version(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """Integrity guard (not workflow): ``entry.categories.add()`` bypasses ``save()``."""
    if not action.startswith("pre_"):
        return
    if not reverse:
        if instance._version_published():
            raise PublishedVersionError()
    elif (
        DirectoryEntry.objects.in_published()
        .filter(categories=instance, **({"pk__in": pk_set} if pk_set else {}))
        .exists()
    ):
        raise PublishedVersionError()
