"""Serializers of the procurement API. Output serializers are read-only views of what the web pages
show; input serializers only parse, the services decide. Sealed fields are never declared for anyone
but the bid's own staff (documents) and, after the opening, the purchaser (price)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from procurement.models import (
    Amendment,
    Award,
    AwardStatus,
    Bid,
    BidDocument,
    Challenge,
    Clarification,
    Contract,
    ContractStatus,
    ProcurementMethod,
    ScoringCriterion,
    Tender,
    TenderDocument,
)
from procurement.scoring import DEFAULT_NEUTRAL_SHARE

# The states a published award or contract can be in (a confirmed award is not yet announced, a
# draft or signed contract not yet published).
PUBLIC_AWARD_STATUSES = [AwardStatus.ANNOUNCED, AwardStatus.CONTRACTED, AwardStatus.RESCINDED]
PUBLIC_CONTRACT_STATUSES = [ContractStatus.PUBLISHED, ContractStatus.TERMINATED]


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class TenderRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tender
        fields = ["id", "reference", "title"]


class TenderListSerializer(serializers.ModelSerializer):
    department = NamedRefSerializer(read_only=True)
    category = CategoryRefSerializer(read_only=True)

    class Meta:
        model = Tender
        fields = [
            "id",
            "reference",
            "title",
            "department",
            "category",
            "method",
            "status",
            "budget",
            "published_at",
            "bid_deadline",
            "opening_at",
        ]
        read_only_fields = fields


class CriterionSerializer(serializers.ModelSerializer):
    """A scoring factor. ``kind`` ``past_performance`` (履约评价) is scored by the platform from the
    bidders' final performance grades (docs/performance-evaluation.md); ``neutral_share`` is the
    share of its points a bidder with no grade gets (null for a factor the committee scores)."""

    neutral_share = serializers.SerializerMethodField()

    class Meta:
        model = ScoringCriterion
        fields = ["name", "description", "max_points", "kind", "neutral_share"]

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True))
    def get_neutral_share(self, obj: ScoringCriterion) -> str | None:
        return str(obj.neutral_share) if obj.is_computed else None


class TenderDocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = TenderDocument
        fields = ["id", "title", "version", "size", "sha256", "uploaded_at", "url"]

    def get_url(self, obj: TenderDocument) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class AmendmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Amendment
        fields = [
            "number",
            "summary",
            "text",
            "affects_bids",
            "previous_bid_deadline",
            "new_bid_deadline",
            "published_at",
        ]


class ClarificationSerializer(serializers.ModelSerializer):
    """Published questions and answers; who asked is not published."""

    class Meta:
        model = Clarification
        fields = ["id", "question", "answer", "published_at"]


class TenderDetailSerializer(TenderListSerializer):
    criteria = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    amendments = serializers.SerializerMethodField()
    clarifications = serializers.SerializerMethodField()

    class Meta(TenderListSerializer.Meta):
        fields = [
            *TenderListSerializer.Meta.fields,
            "description",
            "deposit",
            "admitted_kinds",
            "qualification_conditions",
            "price_weight",
            "contract_term_months",
            "is_recurring",
            "recurring_reason",
            "documents_available_until",
            "clarification_deadline",
            "bids_opened_at",
            "cancelled_at",
            "cancel_reason",
            "failed_at",
            "failure_reason",
            "criteria",
            "documents",
            "amendments",
            "clarifications",
        ]
        read_only_fields = fields

    @extend_schema_field(CriterionSerializer(many=True))
    def get_criteria(self, obj: Tender) -> Any:
        return CriterionSerializer(obj.criteria.all(), many=True).data

    @extend_schema_field(TenderDocumentSerializer(many=True))
    def get_documents(self, obj: Tender) -> Any:
        from procurement.selectors.tenders import tender_current_documents

        return TenderDocumentSerializer(tender_current_documents(obj), many=True, context=self.context).data

    @extend_schema_field(AmendmentSerializer(many=True))
    def get_amendments(self, obj: Tender) -> Any:
        return AmendmentSerializer(obj.amendments.all(), many=True).data

    @extend_schema_field(ClarificationSerializer(many=True))
    def get_clarifications(self, obj: Tender) -> Any:
        from procurement.selectors.tenders import tender_published_clarifications

        return ClarificationSerializer(tender_published_clarifications(obj), many=True).data


class TenderPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TenderListSerializer(many=True)


MAX_ID = 2**31 - 1


class TenderFilterSerializer(serializers.Serializer):
    """The public list's query parameters; anything out of range is a 400, never a database error."""

    cursor = serializers.CharField(required=False, allow_blank=True, max_length=200)
    before = serializers.CharField(required=False, allow_blank=True, max_length=200)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)
    category = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    department = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    method = serializers.CharField(required=False, allow_blank=True, max_length=40)
    status = serializers.CharField(required=False, allow_blank=True, max_length=40)
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CriterionInputSerializer(serializers.Serializer):
    """One scoring factor, with the web form's rules (``procurement.forms.tenders.CriterionForm``)."""

    name = serializers.CharField(max_length=200)
    max_points = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0.01"))
    description = serializers.CharField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(
        choices=ScoringCriterion.Kind.choices,
        default=ScoringCriterion.Kind.COMMITTEE,
        help_text="`past_performance` (履约评价): scored by the platform, at most one per tender.",
    )
    neutral_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        default=DEFAULT_NEUTRAL_SHARE,
        help_text="Past performance only: the share (per cent) of the points for a bidder with no "
        "performance grade in the last three years.",
    )


class TenderInputSerializer(serializers.Serializer):
    """The fields of a draft (``procurement.services.tenders.TenderData``) and its scoring criteria."""

    title = serializers.CharField(max_length=200)
    category = serializers.IntegerField(help_text="Service category id.")
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    method = serializers.ChoiceField(
        choices=ProcurementMethod.choices, default=ProcurementMethod.PUBLIC_TENDER
    )
    deposit = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    admitted_kinds = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    qualification_conditions = serializers.CharField(required=False, allow_blank=True, default="")
    price_weight = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    contract_term_months = serializers.IntegerField(min_value=1, max_value=120, required=False)
    is_recurring = serializers.BooleanField(required=False, default=False)
    recurring_reason = serializers.CharField(required=False, allow_blank=True, default="")
    documents_available_until = serializers.DateTimeField(required=False, allow_null=True)
    clarification_deadline = serializers.DateTimeField(required=False, allow_null=True)
    bid_deadline = serializers.DateTimeField(required=False, allow_null=True)
    opening_at = serializers.DateTimeField(required=False, allow_null=True)
    criteria = CriterionInputSerializer(many=True, required=False)

    def validate_criteria(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.partial:
            # A PATCH replaces the criteria whole: each one is validated in full, with its defaults
            # (under a partial root DRF would let a criterion without points through).
            full = CriterionInputSerializer(data=self.initial_data.get("criteria"), many=True)
            full.is_valid(raise_exception=True)
            value = list(full.validated_data)
        kinds = [c["kind"] for c in value]
        if kinds.count(ScoringCriterion.Kind.PAST_PERFORMANCE) > 1:
            raise serializers.ValidationError(_("A tender has at most one past-performance scoring factor."))
        return value

    def to_data(self, base: Any = None) -> tuple[Any, list[Any]]:
        """``TenderData`` (over ``base``'s values for a partial update) and the criteria list."""
        from dataclasses import replace

        from procurement.services.tenders import CriterionData, TenderData

        values = dict(self.validated_data)
        criteria_in = values.pop("criteria", None)
        if "category" in values:
            values["category_id"] = values.pop("category")
        fields = TenderData.__dataclass_fields__
        values = {k: v for k, v in values.items() if k in fields}
        data = replace(base, **values) if base is not None else TenderData(**values)
        criteria = None if criteria_in is None else [CriterionData(**c) for c in criteria_in]
        return data, criteria  # type: ignore[return-value]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class OpeningResultSerializer(serializers.Serializer):
    tender = serializers.IntegerField()
    opened_at = serializers.DateTimeField()
    bids = serializers.IntegerField()


# --- Bids ------------------------------------------------------------------------------------------


class BidDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = BidDocument
        fields = ["id", "name", "kind", "size", "sha256", "uploaded_at"]


class BidSerializer(serializers.ModelSerializer):
    """A bid as its own organisation's staff see it, or the purchaser after the opening.

    ``documents`` only for whoever may change the bid (its staff) or read its documents (after the
    opening); ``opened_price`` only after the opening. Nobody else ever gets a bid from the API."""

    tender = TenderRefSerializer(read_only=True)
    organisation = NamedRefSerializer(read_only=True)
    receipt_number = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    opened_price = serializers.SerializerMethodField()

    class Meta:
        model = Bid
        fields = [
            "id",
            "uuid",
            "tender",
            "organisation",
            "status",
            "created_at",
            "submitted_at",
            "withdrawn_at",
            "to_reconfirm",
            "bid_hash",
            "receipt_number",
            "opened_at",
            "opened_price",
            "documents",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_receipt_number(self, obj: Bid) -> str | None:
        try:
            return obj.receipt.number
        except Bid.receipt.RelatedObjectDoesNotExist:
            return None

    def _may(self, perm: str, obj: Bid) -> bool:
        """The rule ``perm`` on the bid (without the superuser bypass, as ``procurement.services.bids.can``).

        With ``own_bids`` in the context the caller's lists (``bids_owned_by``) have already decided
        ``change_bid`` for every row in SQL, so ``read_bid_documents`` (``is_bid_opened & (... |
        is_bid_owner)``) reduces to the bid being opened: no query per row."""
        if self.context.get("own_bids"):
            return perm == "procurement.change_bid" or obj.opened_at is not None
        from procurement.services.bids import can

        request = self.context.get("request")
        user = getattr(request, "user", None)
        return user is not None and can(user, perm, obj)

    @extend_schema_field(BidDocumentSerializer(many=True, allow_null=True))
    def get_documents(self, obj: Bid) -> Any:
        if not (self._may("procurement.change_bid", obj) or self._may("procurement.read_bid_documents", obj)):
            return None
        return BidDocumentSerializer(obj.documents.all(), many=True).data

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True))
    def get_opened_price(self, obj: Bid) -> Any:
        if obj.opened_at is None or not self._may("procurement.read_bid_documents", obj):
            return None
        return None if obj.opened_price is None else str(obj.opened_price)


class StartBidSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(
        required=False, help_text="The organisation the bid is for (needed only if you act for several)."
    )


class BidUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class BidSubmitSerializer(serializers.Serializer):
    price = serializers.DecimalField(max_digits=14, decimal_places=2)


# --- Awards, challenges, contracts -----------------------------------------------------------------


class PublicStatusFilterSerializer(serializers.Serializer):
    """A public list's filter (pagination has its own parameters): ``status``, repeated for several
    (none: every status)."""

    status = serializers.MultipleChoiceField(choices=[], required=False)


class AwardFilterSerializer(PublicStatusFilterSerializer):
    status = serializers.MultipleChoiceField(
        choices=[(s.value, s.label) for s in PUBLIC_AWARD_STATUSES],
        required=False,
        help_text="Only awards in these states; `announced` and `contracted` stand, `rescinded` was undone.",
    )


class ContractFilterSerializer(PublicStatusFilterSerializer):
    status = serializers.MultipleChoiceField(
        choices=[(s.value, s.label) for s in PUBLIC_CONTRACT_STATUSES],
        required=False,
        help_text="Only contracts in these states.",
    )


class AwardSerializer(serializers.ModelSerializer):
    """An announced award (中标公告): public. A rescinded award stays on the record with
    ``status`` ``rescinded``, ``rescinded_at`` and ``rescind_reason``: it is not the current award."""

    tender = TenderRefSerializer(read_only=True)
    supplier = serializers.SerializerMethodField()

    class Meta:
        model = Award
        fields = [
            "id",
            "tender",
            "supplier",
            "price",
            "total_score",
            "status",
            "announced_at",
            "challenge_until",
            "rescinded_at",
            "rescind_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(NamedRefSerializer)
    def get_supplier(self, obj: Award) -> dict[str, Any]:
        organisation = obj.bid.organisation
        return {"id": organisation.pk, "name": organisation.name}


class AwardConfirmSerializer(serializers.Serializer):
    bid = serializers.IntegerField()
    deviation_reason = serializers.CharField(required=False, allow_blank=True, default="")


class ConfirmedAwardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Award
        fields = [
            "id",
            "tender",
            "bid",
            "rank",
            "price",
            "total_score",
            "status",
            "confirmed_at",
            "announcement_due",
        ]
        read_only_fields = fields


class ChallengeInputSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(required=False)
    grounds = serializers.CharField(max_length=10000)
    document = serializers.FileField(required=False)


class ChallengeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Challenge
        fields = [
            "id",
            "tender",
            "award",
            "organisation",
            "filed_at",
            "grounds",
            "reply_due",
            "status",
            "reply",
            "replied_at",
        ]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer):
    """The published parts of a contract (合同公告)."""

    tender = TenderRefSerializer(read_only=True)
    department = NamedRefSerializer(read_only=True)
    organisation = NamedRefSerializer(read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "tender",
            "department",
            "organisation",
            "value",
            "term_start",
            "term_end",
            "service_content",
            "status",
            "signed_at",
            "published_at",
            "terminated_at",
            "termination_reason",
        ]
        read_only_fields = fields


class MilestoneInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    deliverables = serializers.CharField(allow_blank=True)
    due_date = serializers.DateField()
    percentage = serializers.DecimalField(max_digits=5, decimal_places=2)


class ContractDraftSerializer(serializers.Serializer):
    term_start = serializers.DateField()
    term_end = serializers.DateField()
    service_content = serializers.CharField()
    milestones = MilestoneInputSerializer(many=True)


class ContractSignSerializer(serializers.Serializer):
    sha256 = serializers.RegexField(r"^[0-9a-f]{64}$", help_text="SHA-256 of the contract text you read.")


class ContractDraftResultSerializer(ContractSerializer):
    text_sha256 = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()

    class Meta(ContractSerializer.Meta):
        fields = [*ContractSerializer.Meta.fields, "text", "text_sha256"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_text(self, obj: Contract) -> str | None:
        version = obj.current_version
        return version.text if version else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_text_sha256(self, obj: Contract) -> str | None:
        version = obj.current_version
        return version.sha256 if version else None
