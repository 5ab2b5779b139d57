from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Procurement")

    def ready(self) -> None:
        from accounts import navigation, notifications
        from accounts.models import Role

        navigation.register(_("Tenders"), "procurement:tender_list", order=20)
        navigation.register(_("My tenders"), "procurement:my_tenders", roles=[Role.PURCHASER], order=30)
        navigation.register(_("New tender"), "procurement:tender_create", roles=[Role.PURCHASER], order=31)
        navigation.register(
            _("Followed categories"), "procurement:subscriptions", roles=[Role.SUPPLIER], order=32
        )
        navigation.register(_("My bids"), "procurement:my_bids", roles=[Role.SUPPLIER], order=33)
        # Kinds the shared list does not have yet (guarded: the registry may land after this app).
        register_kind = getattr(notifications, "register_kind", None)
        if register_kind is not None:
            register_kind("tender.clarification_asked", _("A supplier asked a question about your tender"))
            register_kind("bid.submitted", _("Your bid was received and sealed"))
            register_kind("bid.reconfirm", _("A tender you bid on was amended: confirm your bid"))
