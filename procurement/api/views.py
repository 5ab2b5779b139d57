"""Procurement API views: parse, check the rule, call the same service the web page calls.

No view writes the ORM or decides a permission of its own: reads go through the selectors, writes
through ``procurement.services.*``, and every refusal comes from ``user.has_perm`` or the service.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.pagination import SelectorKeysetPagination
from accounts.api.permissions import IsAuthenticated, require_perm
from procurement.api import serializers as s
from procurement.models import Award, AwardStatus, Bid, Contract, ContractStatus, Tender
from procurement.selectors import bids as bid_selectors
from procurement.selectors import tenders as tender_selectors

TAG_TENDERS = ["tenders"]
TAG_BIDS = ["bids"]
TAG_AWARDS = ["awards and contracts"]


def _tender(pk: int) -> Tender:
    return get_object_or_404(Tender, pk=pk)


# --- Tenders ---------------------------------------------------------------------------------------


class TenderListView(APIView):
    """Published tenders, newest first (keyset pagination: follow ``next``). Purchasers POST a draft."""

    pagination = SelectorKeysetPagination()

    def get_parsers(self) -> list[Any]:
        return [JSONParser()]

    @extend_schema(
        tags=TAG_TENDERS,
        operation_id="tenders_list",
        parameters=[s.TenderFilterSerializer],
        responses=s.TenderPageSerializer,
    )
    def get(self, request: Request) -> Response:
        query = s.TenderFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        filters = tender_selectors.TenderFilters(
            category=params.get("category"),
            department=params.get("department"),
            method=params.get("method", ""),
            status=params.get("status", ""),
            q=params.get("q", ""),
        )
        page = tender_selectors.tender_public_page(
            filters,
            params.get("cursor", ""),
            params.get("page_size", self.pagination.page_size),
            before=params.get("before", ""),
        )
        data = list(s.TenderListSerializer(page.items, many=True).data)
        return self.pagination.response(request, data, page.next_cursor, getattr(page, "prev_cursor", ""))

    @extend_schema(
        tags=TAG_TENDERS,
        operation_id="tenders_create",
        request=s.TenderInputSerializer,
        responses={201: s.TenderDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        from procurement.services.tenders import tender_create

        require_perm(request, "procurement.add_tender")
        serializer = s.TenderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, criteria = serializer.to_data()
        tender = tender_create(by=request.user, data=data, criteria=criteria or [])
        tender = tender_selectors.tender_get_for_page(tender.pk)
        return Response(s.TenderDetailSerializer(tender, context={"request": request}).data, status=201)


class TenderDetailView(APIView):
    """One tender with its criteria, current documents, amendments and published clarifications.
    Drafts are seen only by their department's purchasers; a draft is changed with PATCH."""

    def get_parsers(self) -> list[Any]:
        return [JSONParser()]

    def _get(self, request: Request, pk: int) -> Tender:
        try:
            tender = tender_selectors.tender_get_for_page(pk)
        except Tender.DoesNotExist as exc:
            raise exceptions.NotFound() from exc
        require_perm(request, "procurement.view_tender", tender, hide=True)
        return tender

    @extend_schema(tags=TAG_TENDERS, responses=s.TenderDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.TenderDetailSerializer(self._get(request, pk), context={"request": request}).data)

    @extend_schema(tags=TAG_TENDERS, request=s.TenderInputSerializer, responses=s.TenderDetailSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        from procurement.services.tenders import TenderData, tender_update

        tender = self._get(request, pk)
        require_perm(request, "procurement.change_tender", tender)
        serializer = s.TenderInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data, criteria = serializer.to_data(TenderData.from_tender(tender))
        if criteria is None:
            from procurement.services.tenders import CriterionData

            criteria = [
                CriterionData(c.name, c.max_points, c.description, c.kind, c.neutral_share)
                for c in tender.criteria.all()
            ]
        tender_update(tender=tender, by=request.user, data=data, criteria=criteria)
        tender = tender_selectors.tender_get_for_page(pk)
        return Response(s.TenderDetailSerializer(tender, context={"request": request}).data)


class DepartmentTenderListView(generics.ListAPIView):
    """The signed-in purchaser's department's tenders, drafts included."""

    serializer_class = s.TenderListSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[Tender]:
        user = self.request.user
        if not user.has_perm("procurement.add_tender"):
            return Tender.objects.none()
        return tender_selectors.tender_department_list(user.department_id).select_related(  # type: ignore[union-attr]
            "department"
        )

    @extend_schema(tags=TAG_TENDERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class _TenderAction(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]

    def done(self, request: Request, pk: int) -> Response:
        tender = tender_selectors.tender_get_for_page(pk)
        return Response(s.TenderDetailSerializer(tender, context={"request": request}).data)


class TenderPublishView(_TenderAction):
    @extend_schema(tags=TAG_TENDERS, request=None, responses=s.TenderDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        from procurement.services.tenders import tender_publish

        tender = _tender(pk)
        require_perm(request, "procurement.view_tender", tender, hide=True)
        tender_publish(tender=tender, by=request.user)
        return self.done(request, pk)


class TenderCancelView(_TenderAction):
    @extend_schema(tags=TAG_TENDERS, request=s.ReasonSerializer, responses=s.TenderDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        from procurement.services.tenders import tender_cancel

        tender = _tender(pk)
        require_perm(request, "procurement.view_tender", tender, hide=True)
        serializer = s.ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tender_cancel(tender=tender, by=request.user, reason=serializer.validated_data["reason"])
        return self.done(request, pk)


class TenderOpenView(_TenderAction):
    """Open the bids at or after the opening time."""

    @extend_schema(tags=TAG_BIDS, request=None, responses=s.OpeningResultSerializer)
    def post(self, request: Request, pk: int) -> Response:
        from procurement.services.opening import tender_open

        tender = _tender(pk)
        require_perm(request, "procurement.view_tender", tender, hide=True)
        record = tender_open(tender=tender, by=request.user)
        opened = Bid.objects.filter(tender_id=pk, opened_at__isnull=False).count()
        return Response({"tender": pk, "opened_at": record.opened_at, "bids": opened})


class TenderAwardView(_TenderAction):
    """Confirm the winner (定标) from the latest evaluation report."""

    @extend_schema(
        tags=TAG_AWARDS, request=s.AwardConfirmSerializer, responses={201: s.ConfirmedAwardSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        from procurement.services.awards import award_confirm

        tender = _tender(pk)
        require_perm(request, "procurement.view_tender", tender, hide=True)
        serializer = s.AwardConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bid = Bid.objects.filter(pk=serializer.validated_data["bid"], tender=tender).first()
        if bid is None:
            raise exceptions.ValidationError({"bid": [exceptions.NotFound.default_detail]})
        award = award_confirm(
            tender=tender,
            bid=bid,
            by=request.user,
            deviation_reason=serializer.validated_data["deviation_reason"],
        )
        return Response(s.ConfirmedAwardSerializer(award).data, status=201)


# --- Bids ------------------------------------------------------------------------------------------


class TenderBidStartView(APIView):
    """Start (or resume) the organisation's draft bid on a tender open for bids."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(tags=TAG_BIDS, request=s.StartBidSerializer, responses={201: s.BidSerializer})
    def post(self, request: Request, pk: int) -> Response:
        from procurement.services.bids import bid_create_draft

        tender = get_object_or_404(Tender.objects.public(), pk=pk)
        serializer = s.StartBidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisations = bid_selectors.organisations_acting_for(request.user)
        wanted = serializer.validated_data.get("organisation")
        if wanted is not None:
            organisations = organisations.filter(pk=wanted)
        chosen = list(organisations[:2])
        if not chosen:
            raise exceptions.PermissionDenied()
        if len(chosen) > 1:
            raise exceptions.ValidationError({"organisation": [_("Choose the organisation you act for.")]})
        bid = bid_create_draft(tender=tender, organisation=chosen[0], by=request.user)
        page = bid_selectors.bid_for_page(bid.pk)
        return Response(s.BidSerializer(page, context={"request": request}).data, status=201)


class BidListView(generics.ListAPIView):
    """The bids of the organisations the signed-in supplier acts for."""

    serializer_class = s.BidSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[Bid]:
        return bid_selectors.bids_owned_by(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        # The queryset holds only the caller's own bids: no permission check per row.
        return {**super().get_serializer_context(), "own_bids": True}

    @extend_schema(tags=TAG_BIDS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ResultListView(generics.ListAPIView):
    """The signed-in supplier's bids that reached the opening: their outcome, the price read out."""

    serializer_class = s.BidSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[Bid]:
        return bid_selectors.bids_owned_by(self.request.user).filter(opened_at__isnull=False)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "own_bids": True}

    @extend_schema(tags=TAG_BIDS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _bid(request: Request, pk: int, perm: str = "procurement.view_bid") -> Bid:
    """The bid if the rule allows, else 404: a bid's existence is not revealed."""
    bid = bid_selectors.bid_for_page(pk)
    if bid is None:
        raise exceptions.NotFound()
    # Bid permissions without Django's superuser bypass (procurement.services.bids.can), as on the
    # web pages: a site administrator does not read a sealed bid either.
    from procurement.services.bids import can

    if not can(request.user, perm, bid):
        raise exceptions.NotFound()
    return bid


class BidDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG_BIDS, responses=s.BidSerializer)
    def get(self, request: Request, pk: int) -> Response:
        from procurement.services.opening import sealed_read_record

        bid = _bid(request, pk)
        if bid.opened_at is not None:
            sealed_read_record(obj=bid, by=request.user, what="api_bid")
        return Response(s.BidSerializer(bid, context={"request": request}).data)


class BidDocumentUploadView(APIView):
    """Upload a document to a draft bid (multipart ``file``); it is sealed at once."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAG_BIDS,
        request={"multipart/form-data": s.BidUploadSerializer},
        responses={201: s.BidSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        from procurement.services.bids import bid_add_document

        bid = _bid(request, pk, "procurement.change_bid")
        serializer = s.BidUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        bid_add_document(bid=bid, name=upload.name, stream=upload, by=request.user)
        return Response(
            s.BidSerializer(bid_selectors.bid_for_page(pk), context={"request": request}).data, status=201
        )


class BidSubmitView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(tags=TAG_BIDS, request=s.BidSubmitSerializer, responses=s.BidSerializer)
    def post(self, request: Request, pk: int) -> Response:
        from procurement.services.bids import bid_submit

        bid = _bid(request, pk, "procurement.change_bid")
        serializer = s.BidSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bid_submit(bid=bid, price=serializer.validated_data["price"], by=request.user)
        return Response(s.BidSerializer(bid_selectors.bid_for_page(pk), context={"request": request}).data)


class BidWithdrawView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG_BIDS, request=None, responses=s.BidSerializer)
    def post(self, request: Request, pk: int) -> Response:
        from procurement.services.bids import bid_withdraw

        bid = _bid(request, pk, "procurement.change_bid")
        bid_withdraw(bid=bid, by=request.user)
        return Response(s.BidSerializer(bid_selectors.bid_for_page(pk), context={"request": request}).data)


# --- Awards, challenges, contracts -----------------------------------------------------------------


def public_awards() -> QuerySet[Award]:
    """Every announced award (中标公告), rescinded ones included with their status, as the portal's
    award export lists them: a rescinded award stays on the public record, marked as such."""
    return Award.objects.filter(announced_at__isnull=False).select_related("tender", "bid__organisation")


def public_contracts() -> QuerySet[Contract]:
    return Contract.objects.filter(published_at__isnull=False).select_related(
        "tender", "department", "organisation"
    )


class PublicReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """A public list (keyset-paginated) and detail of published rows: no authentication, GET only.

    Subclasses give ``public_queryset`` and ``filter_serializer_class``, a serializer of the list's
    query parameters whose ``status`` (when given) narrows the list; invalid parameters are a 400 in
    the one error format, never a database error."""

    permission_classes: list[Any] = []
    filter_serializer_class: type[serializers.Serializer] = s.PublicStatusFilterSerializer

    def public_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        queryset = self.public_queryset()
        if self.action != "list":
            return queryset
        query = self.filter_serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        statuses = query.validated_data.get("status")
        return queryset.filter(status__in=statuses) if statuses else queryset


@extend_schema(tags=TAG_AWARDS)
@extend_schema_view(
    list=extend_schema(
        summary="Announced awards (中标公告)",
        description="Announced awards, newest first, rescinded ones included: `status` says whether an "
        "award stands (`announced`, `contracted`) or was rescinded (`rescinded`, with `rescinded_at` and "
        "`rescind_reason`). Filter with `status` (repeat it for several).",
        parameters=[s.AwardFilterSerializer],
    ),
    retrieve=extend_schema(summary="One announced award (rescinded ones too, with their status)"),
)
class AwardViewSet(PublicReadOnlyViewSet):
    """Announced awards (中标公告)."""

    serializer_class = s.AwardSerializer
    filter_serializer_class = s.AwardFilterSerializer

    def public_queryset(self) -> QuerySet[Award]:
        return public_awards()


class AwardChallengeView(APIView):
    """A bidder challenges an announced award (质疑), within the challenge period."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        tags=TAG_AWARDS,
        request={
            "multipart/form-data": s.ChallengeInputSerializer,
            "application/json": s.ChallengeInputSerializer,
        },
        responses={201: s.ChallengeSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        from procurement.services.challenges import challenge_file

        award = get_object_or_404(public_awards(), pk=pk)
        serializer = s.ChallengeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisations = (
            bid_selectors.organisations_acting_for(request.user)
            .filter(bids__tender_id=award.tender_id)
            .distinct()
        )
        wanted = serializer.validated_data.get("organisation")
        if wanted is not None:
            organisations = organisations.filter(pk=wanted)
        chosen = list(organisations[:2])
        if len(chosen) != 1:
            raise (
                exceptions.PermissionDenied()
                if not chosen
                else exceptions.ValidationError({"organisation": [_("Choose the organisation you act for.")]})
            )
        challenge = challenge_file(
            award=award,
            organisation=chosen[0],
            by=request.user,
            grounds=serializer.validated_data["grounds"],
            document=serializer.validated_data.get("document"),
        )
        return Response(s.ChallengeSerializer(challenge).data, status=201)


@extend_schema(tags=TAG_AWARDS)
@extend_schema_view(
    list=extend_schema(
        summary="Published contracts (合同公告)",
        description="Published contracts, newest first; filter with `status` (repeat it for several).",
        parameters=[s.ContractFilterSerializer],
    ),
    retrieve=extend_schema(summary="One published contract"),
)
class ContractViewSet(PublicReadOnlyViewSet):
    """Published contracts (合同公告)."""

    serializer_class = s.ContractSerializer
    filter_serializer_class = s.ContractFilterSerializer

    def public_queryset(self) -> QuerySet[Contract]:
        return public_contracts()


class AwardContractDraftView(APIView):
    """The purchaser drafts the contract from the announced award."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAG_AWARDS, request=s.ContractDraftSerializer, responses={201: s.ContractDraftResultSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        from procurement.services.contracts import MilestoneSpec, contract_draft

        award = get_object_or_404(Award.objects.select_related("tender"), pk=pk)
        require_perm(request, "procurement.view_tender", award.tender, hide=True)
        serializer = s.ContractDraftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contract = contract_draft(
            award=award,
            by=request.user,
            term_start=data["term_start"],
            term_end=data["term_end"],
            service_content=data["service_content"],
            milestones=[MilestoneSpec(**m) for m in data["milestones"]],
        )
        return Response(s.ContractDraftResultSerializer(contract).data, status=201)


class ContractSignView(APIView):
    """One side signs the contract text it read (its SHA-256); the second signature completes it."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        tags=TAG_AWARDS, request=s.ContractSignSerializer, responses=s.ContractDraftResultSerializer
    )
    def post(self, request: Request, pk: int) -> Response:
        from procurement.services.contracts import contract_sign

        contract = get_object_or_404(
            Contract.objects.select_related("tender", "department", "organisation"), pk=pk
        )
        require_perm(request, "procurement.view_contract", contract, hide=True)
        serializer = s.ContractSignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = contract_sign(
            contract=contract, by=request.user, confirmed_sha256=serializer.validated_data["sha256"]
        )
        return Response(s.ContractDraftResultSerializer(contract).data)


__all__ = ["AwardStatus", "ContractStatus", "status"]
