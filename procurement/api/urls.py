from django.urls import path

from procurement.api import views

urlpatterns = [
    path("tenders/", views.TenderListView.as_view(), name="tenders"),
    path("tenders/<int:pk>/", views.TenderDetailView.as_view(), name="tender"),
    path("tenders/<int:pk>/publish/", views.TenderPublishView.as_view(), name="tender-publish"),
    path("tenders/<int:pk>/cancel/", views.TenderCancelView.as_view(), name="tender-cancel"),
    path("tenders/<int:pk>/open/", views.TenderOpenView.as_view(), name="tender-open"),
    path("tenders/<int:pk>/award/", views.TenderAwardView.as_view(), name="tender-award"),
    path("tenders/<int:pk>/bids/", views.TenderBidStartView.as_view(), name="tender-bid-start"),
    path("department/tenders/", views.DepartmentTenderListView.as_view(), name="department-tenders"),
    path("bids/", views.BidListView.as_view(), name="bids"),
    path("bids/<int:pk>/", views.BidDetailView.as_view(), name="bid"),
    path("bids/<int:pk>/documents/", views.BidDocumentUploadView.as_view(), name="bid-documents"),
    path("bids/<int:pk>/submit/", views.BidSubmitView.as_view(), name="bid-submit"),
    path("bids/<int:pk>/withdraw/", views.BidWithdrawView.as_view(), name="bid-withdraw"),
    path("results/", views.ResultListView.as_view(), name="results"),
    path("awards/", views.AwardViewSet.as_view({"get": "list"}), name="awards"),
    path("awards/<int:pk>/", views.AwardViewSet.as_view({"get": "retrieve"}), name="award"),
    path("awards/<int:pk>/challenges/", views.AwardChallengeView.as_view(), name="award-challenge"),
    path("awards/<int:pk>/contract/", views.AwardContractDraftView.as_view(), name="award-contract"),
    path("contracts/", views.ContractViewSet.as_view({"get": "list"}), name="contracts"),
    path("contracts/<int:pk>/", views.ContractViewSet.as_view({"get": "retrieve"}), name="contract"),
    path("contracts/<int:pk>/sign/", views.ContractSignView.as_view(), name="contract-sign"),
]
