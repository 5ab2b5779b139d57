from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Procurement")

    def ready(self) -> None:
        from accounts import navigation, notifications
        from accounts.models import Role
        from procurement import fragments
        from procurement.documents import award as award_documents
        from procurement.documents import tendering as tendering_documents

        award_documents.register()
        tendering_documents.register()
        fragments.connect_signals()
        _sealed_bids_are_on_no_public_page()

        navigation.register(_("Tenders"), "procurement:tender_list", order=20)
        navigation.register(_("My tenders"), "procurement:my_tenders", roles=[Role.PURCHASER], order=30)
        navigation.register(_("New tender"), "procurement:tender_create", roles=[Role.PURCHASER], order=31)
        navigation.register(
            _("Followed categories"), "procurement:subscriptions", roles=[Role.SUPPLIER], order=32
        )
        navigation.register(_("My bids"), "procurement:my_bids", roles=[Role.SUPPLIER], order=33)
        navigation.register(_("Deadlines"), "procurement:deadlines_board", roles=[Role.PURCHASER], order=34)
        navigation.register(
            _("Contracts"), "procurement:contract_list", roles=[Role.PURCHASER, Role.SUPPLIER], order=35
        )
        navigation.register(_("My committees"), "procurement:my_seats", roles=[Role.EXPERT], order=36)
        navigation.register(
            _("Expert pool"), "procurement:expert_list", roles=[Role.SUPERVISOR, "*"], order=37
        )
        # Kinds the shared list does not have yet (guarded: the registry may land after this app).
        register_kind = getattr(notifications, "register_kind", None)
        if register_kind is not None:
            register_kind("tender.clarification_asked", _("A supplier asked a question about your tender"))
            register_kind("bid.submitted", _("Your bid was received and sealed"))
            register_kind("bid.reconfirm", _("A tender you bid on was amended: confirm your bid"))
            register_kind("committee.invited", _("You are invited to an evaluation committee"))
            register_kind("committee.closed", _("An evaluation committee you sit on was closed"))
            register_kind("evaluation.report", _("An evaluation report awaits your confirmation"))
            register_kind("procurement.deadline", _("Award, challenge and contract deadlines"))


def _sealed_bids_are_on_no_public_page() -> None:
    """Before its opening nothing of a bid is public (sealed): saving it, its documents or its
    receipt, or the tender's data key (never public), keeps the anonymous page cache
    (accounts.pagecache.unseen_while)."""
    from accounts import pagecache
    from procurement.models import Bid, BidDocument, BidReceipt, TenderKey

    def of_a_sealed_bid(row: Any) -> bool:
        bid = getattr(row, "bid", None)  # None when the bid is gone already (a draft deleted)
        return bid is None or bid.opened_at is None

    pagecache.unseen_while(Bid, lambda bid: bid.opened_at is None)
    pagecache.unseen_while(BidDocument, of_a_sealed_bid)
    pagecache.unseen_while(BidReceipt, of_a_sealed_bid)
    pagecache.unseen_while(TenderKey, lambda key: True)
