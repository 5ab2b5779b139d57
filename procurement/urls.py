"""Procurement URLs, included at ``procurement/``. Public portal pages live under ``tenders/``."""

from django.urls import path

from procurement.views import bids, contracts, evaluation, experts, tenders

app_name = "procurement"

urlpatterns = [
    # Public portal (anyone): list, tender page, notices, document downloads.
    path("tenders/", tenders.tender_list, name="tender_list"),
    path("tenders/<int:pk>/", tenders.tender_detail, name="tender_detail"),
    path("tenders/<int:pk>/notice/", tenders.tender_notice, name="tender_notice"),
    path("tenders/<int:pk>/amendments/<int:number>/", tenders.amendment_detail, name="amendment_detail"),
    path("tenders/<int:pk>/documents/<int:document_pk>/", tenders.tender_document, name="tender_document"),
    # Suppliers.
    path("tenders/<int:pk>/ask/", tenders.clarification_ask, name="clarification_ask"),
    path("followed-categories/", tenders.subscriptions, name="subscriptions"),
    # Purchasers of the owning department.
    path("my/tenders/", tenders.my_tenders, name="my_tenders"),
    path("tenders/new/", tenders.tender_edit, name="tender_create"),
    path("tenders/<int:pk>/edit/", tenders.tender_edit, name="tender_edit"),
    path("tenders/<int:pk>/publish/", tenders.tender_publish, name="tender_publish"),
    path("tenders/<int:pk>/cancel/", tenders.tender_cancel, name="tender_cancel"),
    path("tenders/<int:pk>/retender/", tenders.tender_retender, name="tender_retender"),
    path("tenders/<int:pk>/documents/upload/", tenders.tender_document_upload, name="tender_document_upload"),
    path(
        "tenders/<int:pk>/documents/<int:document_pk>/remove/",
        tenders.tender_document_remove,
        name="tender_document_remove",
    ),
    path("tenders/<int:pk>/clarifications/", tenders.clarification_manage, name="clarification_manage"),
    path("tenders/<int:pk>/amend/", tenders.amendment_create, name="amendment_create"),
    # Bids (suppliers; purchasers after the opening).
    path("my/bids/", bids.my_bids, name="my_bids"),
    path("tenders/<int:pk>/bid/", bids.bid_start, name="bid_start"),
    path("bids/<int:pk>/", bids.bid_detail, name="bid_detail"),
    path("bids/<int:pk>/documents/", bids.bid_upload, name="bid_upload"),
    path("bids/<int:pk>/documents/<int:document_pk>/", bids.bid_document_download, name="bid_document"),
    path(
        "bids/<int:pk>/documents/<int:document_pk>/remove/",
        bids.bid_document_remove,
        name="bid_document_remove",
    ),
    path("bids/<int:pk>/submit/", bids.bid_submit, name="bid_submit"),
    path("bids/<int:pk>/receipt/", bids.bid_receipt, name="bid_receipt"),
    path("bids/<int:pk>/withdraw/", bids.bid_withdraw, name="bid_withdraw"),
    path("bids/<int:pk>/replace/", bids.bid_replace, name="bid_replace"),
    path("bids/<int:pk>/reconfirm/", bids.bid_reconfirm, name="bid_reconfirm"),
    path("tenders/<int:pk>/opening/", bids.tender_opening, name="tender_opening"),
    path("tenders/<int:pk>/opening-record/", bids.opening_record, name="opening_record"),
    path("tenders/<int:pk>/qualification/", bids.qualification_review, name="qualification_review"),
    # Evaluation, award, challenges (purchasers, committee members, bidders) and contracts.
    path("tenders/<int:pk>/evaluation/", evaluation.evaluation_manage, name="evaluation_manage"),
    path("my/committees/", evaluation.my_seats, name="my_seats"),
    path("committee-seats/<int:pk>/", evaluation.seat_detail, name="seat_detail"),
    path("awards/<int:pk>/", evaluation.award_announcement, name="award_announcement"),
    path("awards/<int:pk>/challenge/", evaluation.challenge_create, name="challenge_create"),
    path("challenges/<int:pk>/", evaluation.challenge_detail, name="challenge_detail"),
    path("awards/<int:pk>/contract/", contracts.contract_create, name="contract_create"),
    path("contracts/", contracts.contract_list, name="contract_list"),
    path("contracts/<int:pk>/", contracts.contract_detail, name="contract_detail"),
    path("my/deadlines/", contracts.deadlines_board, name="deadlines_board"),
    # The expert pool (supervisors, site administrator).
    path("experts/", experts.expert_list, name="expert_list"),
    path("experts/new/", experts.expert_create, name="expert_create"),
    path("experts/<int:pk>/", experts.expert_edit, name="expert_edit"),
    path("progress-reports/<int:pk>/evidence/", contracts.progress_evidence, name="progress_evidence"),
    path("challenges/<int:pk>/document/", contracts.challenge_document, name="challenge_document"),
]
