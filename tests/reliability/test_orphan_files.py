"""Files are not transactional: a service that stores uploads and then fails must not leave them
behind (``accounts.uploads.atomic_discarding_files``). Any database; the refusals are real ones."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings

from accounts.exceptions import DomainError
from accounts.uploads import atomic_discarding_files, discard_on_failure, files_discarded_on_failure
from tests.factories import MembershipFactory
from tests.vendors.factories import category
from tests.vendors.test_applications import documents
from vendors.models import DirectoryApplication
from vendors.services import application_submit

pytestmark = pytest.mark.django_db


def _files(settings: Any) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_an_application_refused_at_its_last_document_leaves_no_files(supplier: Any, settings: Any) -> None:
    membership = MembershipFactory(user=supplier, is_admin=True)
    uploads = documents()
    kind = uploads[-1][0]  # the last one is over the limit
    uploads[-1] = (kind, SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.4 " + b"x" * 2000, "application/pdf"))
    with override_settings(GOVBUY_APPLICATION_MAX_FILE_BYTES=1000), pytest.raises(DomainError):
        application_submit(
            organisation=membership.organisation, categories=[category("YL")], documents=uploads, by=supplier
        )
    assert not DirectoryApplication.objects.exists()
    assert _files(settings) == []  # the first two documents were stored, then deleted again


def test_the_same_application_within_the_limit_keeps_its_files(supplier: Any, settings: Any) -> None:
    membership = MembershipFactory(user=supplier, is_admin=True)
    application_submit(
        organisation=membership.organisation, categories=[category("YL")], documents=documents(), by=supplier
    )
    assert len(_files(settings)) == 3


def test_nested_blocks_hand_their_files_to_the_outer_one(settings: Any) -> None:
    @atomic_discarding_files
    def inner(name: str) -> str:
        return discard_on_failure(default_storage.save(name, ContentFile(b"x")))

    @atomic_discarding_files
    def outer(fail: bool) -> None:
        inner("a.txt")
        with contextlib.suppress(DomainError):  # a refusal the caller handles: its file goes
            inner_failing()
        if fail:
            raise DomainError("later refusal")

    @atomic_discarding_files
    def inner_failing() -> None:
        discard_on_failure(default_storage.save("b.txt", ContentFile(b"y")))
        raise DomainError("inner refusal")

    outer(fail=False)
    assert _files(settings) == ["a.txt"]
    default_storage.delete("a.txt")
    with pytest.raises(DomainError, match="later refusal"):
        outer(fail=True)
    assert _files(settings) == []  # the inner block succeeded, but the outer one failed


def test_outside_a_block_a_file_is_not_tracked(settings: Any) -> None:
    with files_discarded_on_failure():
        pass
    with transaction.atomic():
        assert discard_on_failure("never-stored.txt") == "never-stored.txt"
