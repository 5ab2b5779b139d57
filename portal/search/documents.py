"""Elasticsearch documents: one index per kind of public object (``<SEARCH_INDEX_PREFIX>-<kind>``).

Chinese text is analysed with the built-in ``cjk`` analyzer (CJK bigrams, width-normalised,
lower-cased), so 养老 finds 长者养老服务 without a plug-in. Facet fields are keywords; amounts are
``scaled_float`` in fen. The fields are exactly those of ``portal.search.sources`` records: there is
no field a bid's content could go into.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from elasticsearch.dsl import Date, Document, Integer, Keyword, MetaField, ScaledFloat, Text

CJK = "cjk"
INDEX_SETTINGS = {"number_of_shards": 1}


class PublicDocument(Document):
    """Fields shared by every kind, so one query and one set of aggregations run over all indices."""

    uid = Keyword()
    kind = Keyword()
    pk = Integer()
    title = Text(analyzer=CJK, fields={"raw": Keyword(ignore_above=256)})
    body = Text(analyzer=CJK)
    reference = Keyword()
    organisation = Text(analyzer=CJK)
    category = Keyword()  # service category ids (several for a directory organisation)
    category_name = Keyword(index=False)
    department = Keyword()
    department_name = Keyword(index=False)
    method = Keyword()
    status = Keyword()  # "<kind>:<status>"
    amount = ScaledFloat(scaling_factor=100)
    year = Integer()
    published_at = Date(default_timezone="UTC")
    url = Keyword(index=False)

    class Meta:
        # A field that is not in the mapping is refused, not silently added.
        dynamic = MetaField("strict")


def _name(kind: str) -> str:
    return f"{settings.SEARCH_INDEX_PREFIX}-{kind}"


class TenderDoc(PublicDocument):
    """A tender notice (采购公告), every state after publication."""

    class Index:
        name = _name("tender")
        settings = INDEX_SETTINGS


class AwardDoc(PublicDocument):
    """An award announcement (中标公告): winner and winning price."""

    class Index:
        name = _name("award")
        settings = INDEX_SETTINGS


class ContractDoc(PublicDocument):
    """A published contract (合同公告)."""

    class Index:
        name = _name("contract")
        settings = INDEX_SETTINGS


class OrganisationDoc(PublicDocument):
    """An organisation as listed in the current qualification directory version."""

    version = Integer()

    class Index:
        name = _name("organisation")
        settings = INDEX_SETTINGS


class EvaluationDoc(PublicDocument):
    """A published performance evaluation result (第三方绩效评价结果)."""

    class Index:
        name = _name("evaluation")
        settings = INDEX_SETTINGS


DOCUMENTS: dict[str, type[PublicDocument]] = {
    "tender": TenderDoc,
    "award": AwardDoc,
    "contract": ContractDoc,
    "organisation": OrganisationDoc,
    "evaluation": EvaluationDoc,
}


def index_name(kind: str) -> str:
    """The alias the site reads and writes (the rebuild swaps the concrete index behind it)."""
    return _name(kind)


def index_body(kind: str) -> dict[str, Any]:
    """Settings and mappings of a kind's index, as sent to ``indices.create``."""
    return DOCUMENTS[kind]._index.to_dict()


def document_source(record: dict[str, Any]) -> dict[str, Any]:
    """The ``_source`` of a record: only the mapped fields (``dynamic`` fields cannot sneak in)."""
    fields = DOCUMENTS[record["kind"]]._doc_type.mapping.properties.to_dict()["properties"]
    # Absent rather than "": an empty keyword would be a facet bucket of its own.
    source = {key: value for key, value in record.items() if key in fields and value not in ("", None)}
    if "amount" in source:
        source["amount"] = float(source["amount"])
    if "published_at" in source:
        source["published_at"] = source["published_at"].isoformat()
    return source
