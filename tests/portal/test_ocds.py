"""OCDS 1.1 open data built from the demo seed: valid packages, every stage, nothing sealed, paging.

Validation runs libcoveocds offline: the standard comes from the schema zip in ``../shared/ocds/``
(skipped with a reason when it is absent) and GovBuy's own extension is fetched from this site
through the Django test client (a requests transport adapter), never from the network.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import urllib3
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from procurement.models import Bid, Tender
from procurement.models.bids import COUNTING_STATES
from procurement.models.tenders import TenderStatus

pytestmark = pytest.mark.django_db

STANDARD_ZIP = Path(settings.BASE_DIR).parent / "shared/ocds/standard-1__1__5.zip"
needs_zip = pytest.mark.skipif(
    not STANDARD_ZIP.exists(),
    reason=f"OCDS schema zip not found at {STANDARD_ZIP} (offline validation needs it)",
)


class OfflineAdapter(requests.adapters.HTTPAdapter):
    """http://testserver/... from the Django test client (this site's extension files) and
    https://standard.open-contracting.org/schema/<tag>/... from the standard's zip: no network."""

    def __init__(self, client: Client) -> None:
        super().__init__()
        self.client = client

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url)
        if url.hostname == "testserver":
            got = self.client.get(f"{url.path}?{url.query}" if url.query else url.path)
            status = got.status_code
            content = b"".join(got.streaming_content) if got.streaming else got.content
        else:
            name = "standard-1__1__5/schema/" + url.path.rsplit("/", 1)[-1]
            with zipfile.ZipFile(STANDARD_ZIP) as standard:
                status, content = (200, standard.read(name)) if name in standard.namelist() else (404, b"")
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(content),
            headers={"Content-Type": "application/json"},
            status=status,
            reason="OK" if status == 200 else "Not Found",
            preload_content=False,
            decode_content=False,
            request_url=request.url,
        )
        return self.build_response(request, raw)


@pytest.fixture
def offline(client: Client, monkeypatch: Any) -> Iterator[None]:
    """Route libcoveocds' fetches (ocdsextensionregistry's session, jsonref's requests.get) offline."""
    import jsonref
    from ocdsextensionregistry import util

    adapter = OfflineAdapter(client)
    session = requests.Session()
    for prefix in ("http://testserver/", "https://standard.open-contracting.org/"):
        session.mount(prefix, adapter)
        util.session.mount(prefix, adapter)
    monkeypatch.setattr(jsonref, "requests", session)
    util.session.cache.clear()
    yield
    for prefix in ("http://testserver/", "https://standard.open-contracting.org/"):
        util.session.adapters.pop(prefix)
    util.session.cache.clear()


def validate(package: dict[str, Any]) -> dict[str, Any]:
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig({"standard_zip": STANDARD_ZIP.as_uri(), "context": "api"})
    return ocds_json_output(json_data=json.loads(json.dumps(package)), lib_cove_ocds_config=config)


def assert_valid(package: dict[str, Any]) -> dict[str, Any]:
    result = validate(package)
    assert result["validation_errors"] == [], result["validation_errors"][:3]
    assert not result.get("json_deref_error")
    extensions = result.get("extensions") or {}
    assert not extensions.get("invalid_extension"), extensions
    assert extensions.get("is_extended_schema"), "the performance extension was not applied"
    # ``links`` (links.next) is the only field beyond OCDS 1.1 core and the extension: the paging
    # field of the standard's pagination extension (core from OCDS 1.2).
    extra = [(f["path"], f["field"]) for f in result.get("additional_fields") or []]
    assert set(extra) <= {("", "links")}, extra
    return result


@pytest.fixture(scope="module")
def _seeded_module(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[None]:
    """The demo seed once per module (it is slow), in a transaction rolled back after the module;
    each test runs in a savepoint inside it (pytest-django's ``db``)."""
    overrides = override_settings(
        DEBUG=True,
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES={**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}},
    )
    with django_db_blocker.unblock(), overrides:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", stdout=StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def seeded(_seeded_module: None, db: Any) -> None:
    return None


def walk(client: Client, url: str) -> list[dict[str, Any]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        pages.append(response.json())
        url = pages[-1].get("links", {}).get("next")
    return pages


def all_releases(client: Client, **query: str) -> list[dict[str, Any]]:
    url = "/api/v1/ocds/releases?" + "&".join(f"{k}={v}" for k, v in query.items())
    return [r for page in walk(client, url) for r in page["releases"]]


def test_ocid_and_ids(seeded: None, client: Client) -> None:
    releases = all_releases(client)
    assert releases
    ids = [r["id"] for r in releases]
    assert len(ids) == len(set(ids)), "release ids are unique"
    references = set(Tender.objects.public().values_list("reference", flat=True))
    assert {r["ocid"] for r in releases} == {f"ocds-govbuy-{ref}" for ref in references}
    assert all(r["id"].startswith(r["ocid"] + "-") for r in releases)
    assert [r["id"] for r in all_releases(client)] == ids, "ids and order are stable between requests"
    draft = Tender.objects.get(status=TenderStatus.DRAFT)
    assert draft.reference not in json.dumps(releases), "drafts are not public"


def test_prefix_is_a_setting(seeded: None, client: Client, settings: Any) -> None:
    settings.OCDS_OCID_PREFIX = "ocds-x1y2z3"
    releases = all_releases(client)
    assert releases
    assert all(r["ocid"].startswith("ocds-x1y2z3-") for r in releases)


def test_every_stage_is_released(seeded: None, client: Client) -> None:
    releases = all_releases(client)
    tags = {t for r in releases for t in r["tag"]}
    assert {
        "planning",
        "tender",
        "tenderAmendment",
        "tenderUpdate",
        "tenderCancellation",
        "award",
        "contract",
        "implementation",
    } <= tags
    amendment = next(r for r in releases if "tenderAmendment" in r["tag"])
    assert amendment["tender"]["amendments"][0]["rationale"] == "补充服务区域"
    planning = next(r for r in releases if "planning" in r["tag"])
    assert planning["planning"]["budget"]["amount"]["currency"] == "CNY"
    assert isinstance(planning["planning"]["budget"]["amount"]["amount"], int | float)
    award = next(r for r in releases if "award" in r["tag"])
    supplier = award["awards"][0]["suppliers"][0]
    party = next(p for p in award["parties"] if p["id"] == supplier["id"])
    assert "supplier" in party["roles"]
    assert party["identifier"]["scheme"] == "CN-USCC"
    assert len(party["identifier"]["id"]) == 18
    buyer = next(p for p in award["parties"] if p["id"] == award["buyer"]["id"])
    assert {"buyer", "procuringEntity"} <= set(buyer["roles"])
    implementation = [
        c["implementation"] for r in releases for c in r.get("contracts", []) if "implementation" in c
    ]
    transactions = [t for i in implementation for t in i.get("transactions", [])]
    assert transactions
    assert transactions[0]["value"]["currency"] == "CNY"
    assert any(i.get("milestones") for i in implementation)
    evaluations = [e for i in implementation for e in i.get("performanceEvaluations", [])]
    assert evaluations, "published performance evaluations are released (extension)"
    assert {"evaluator", "score", "grade", "date", "indicators"} <= set(evaluations[0])
    for release in releases:
        assert release["date"][-6:] in ("+08:00",), release["date"]  # ISO 8601 with its offset


def test_nothing_sealed_before_opening(seeded: None, client: Client) -> None:
    """A tender with sealed bids (published, bidding closed) shows no tenderer, bid or count anywhere."""
    sealed = Tender.objects.filter(status__in=[TenderStatus.PUBLISHED, TenderStatus.BIDDING_CLOSED])
    bids = Bid.objects.filter(tender__in=sealed, status__in=COUNTING_STATES).select_related("organisation")
    assert bids.exists(), "the seed has sealed bids to protect"
    ocids = {f"ocds-govbuy-{t.reference}" for t in sealed}
    releases = [r for r in all_releases(client) if r["ocid"] in ocids]
    assert releases
    for page in [{"releases": releases}, client.get("/api/v1/ocds/records?limit=500").json()]:
        text = json.dumps(page, ensure_ascii=False)
        for bid in bids:
            if bid.organisation.name in text:
                # The same organisation may have bid in an opened tender; never in a sealed one.
                for release in page.get("releases", []):
                    assert bid.organisation.credit_code not in json.dumps(release), release["id"]
    for release in releases:
        assert "tenderer" not in json.dumps([p["roles"] for p in release.get("parties", [])])
        assert "tenderers" not in release.get("tender", {})
        assert "numberOfTenderers" not in release.get("tender", {})
        assert "bids" not in release
    records = client.get("/api/v1/ocds/records?limit=500").json()["records"]
    for record in (r for r in records if r["ocid"] in ocids):
        compiled = record["compiledRelease"]
        assert "numberOfTenderers" not in compiled.get("tender", {})
        assert all("tenderer" not in p["roles"] for p in compiled.get("parties", []))


def test_tenderers_after_opening(seeded: None, client: Client) -> None:
    opened = Tender.objects.get(status=TenderStatus.OPENED)
    releases = [r for r in all_releases(client) if r["ocid"] == f"ocds-govbuy-{opened.reference}"]
    opening = next(r for r in releases if "tenderUpdate" in r["tag"])
    opened_bids = Bid.objects.filter(tender=opened, opened_at__isnull=False)
    assert opening["tender"]["numberOfTenderers"] == opened_bids.count() > 0
    names = {t["name"] for t in opening["tender"]["tenderers"]}
    assert names == {b.organisation.name for b in opened_bids}


@needs_zip
def test_release_packages_validate(seeded: None, client: Client, offline: None) -> None:
    pages = walk(client, "/api/v1/ocds/releases?limit=25")
    assert len(pages) > 1
    for page in pages:
        assert page["extensions"] == ["http://testserver/api/v1/ocds/extensions/performance/extension.json"]
        assert_valid(page)


@needs_zip
def test_record_packages_validate(seeded: None, client: Client, offline: None) -> None:
    pages = walk(client, "/api/v1/ocds/records?limit=5")
    assert len(pages) > 1
    for page in pages:
        for record in page["records"]:
            assert record["compiledRelease"]["tag"] == ["compiled"]
        assert_valid(page)


@needs_zip
def test_validation_without_the_extension_reports_it(seeded: None, client: Client) -> None:
    """Offline and the extension unreachable: libcoveocds names it and the core schema still passes."""
    page = client.get("/api/v1/ocds/releases?limit=500").json()
    page["extensions"] = ["http://ocds-extension.invalid/performance/extension.json"]
    result = validate(page)
    assert result["validation_errors"] == []
    assert (
        "http://ocds-extension.invalid/performance/extension.json"
        in result["extensions"]["invalid_extension"]
    )


def test_pages_walk_everything_exactly_once(seeded: None, client: Client) -> None:
    everything = client.get("/api/v1/ocds/releases?limit=500").json()
    assert "links" not in everything
    walked = all_releases(client, limit="4")
    assert [r["id"] for r in walked] == [r["id"] for r in everything["releases"]]
    assert len(walked) > 8
    records = [r["ocid"] for page in walk(client, "/api/v1/ocds/records?limit=2") for r in page["records"]]
    assert len(records) == len(set(records)) == Tender.objects.public().count()


def test_since_and_until(seeded: None, client: Client) -> None:
    releases = client.get("/api/v1/ocds/releases?limit=500").json()["releases"]
    middle = sorted(r["date"] for r in releases)[len(releases) // 2]
    after = all_releases(client, since=middle.replace("+", "%2B"), limit="3")
    before = all_releases(client, until=middle.replace("+", "%2B"), limit="3")
    assert all(r["date"] >= middle for r in after)
    assert all(r["date"] < middle for r in before)
    assert len(after) + len(before) == len(releases)
    assert client.get("/api/v1/ocds/releases?since=yesterday").status_code == 400
    assert client.get("/api/v1/ocds/releases?cursor=bogus").status_code == 400


def test_bulk_streams_one_package_per_project(seeded: None, client: Client) -> None:
    response = client.get("/api/v1/ocds/bulk")
    assert response.status_code == 200
    assert response.streaming
    lines = b"".join(response.streaming_content).decode().splitlines()
    packages = [json.loads(line) for line in lines]
    assert len(packages) == Tender.objects.public().count()
    assert sum(len(p["releases"]) for p in packages) == len(all_releases(client))


def test_public_read_only_and_cacheable(seeded: None, client: Client) -> None:
    response = client.get("/api/v1/ocds/releases")
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    assert client.post("/api/v1/ocds/releases").status_code == 405
    extension = client.get("/api/v1/ocds/extensions/performance/extension.json").json()
    assert extension["schemas"] == ["release-schema.json"]
    assert client.get("/api/v1/ocds/extensions/performance/../../views.py").status_code == 404


def test_a_page_costs_a_bounded_number_of_queries(
    seeded: None, client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(16):
        client.get("/api/v1/ocds/releases?limit=500")
    with django_assert_max_num_queries(16):
        client.get("/api/v1/ocds/records?limit=500")
