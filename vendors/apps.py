from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = _("Organisations and the qualification directory")

    def ready(self) -> None:
        from accounts import navigation, notifications
        from accounts.models import Role

        navigation.register(_("Directory"), "vendors:directory", order=25)
        navigation.register(_("My organisation"), "vendors:my_organisation", roles=[Role.SUPPLIER], order=33)
        navigation.register(
            _("Directory administration"), "vendors:draft", roles=[Role.DIRECTORY_ADMIN], order=40
        )
        # The kinds vendors.services notify about (the preferences page lists them).
        for key, label in [
            ("directory.entry_suspended", _("Your organisation's directory entry was suspended")),
            ("directory.entry_revoked", _("Your organisation's directory entry was revoked")),
            ("directory.entry_reinstated", _("Your organisation's directory entry was reinstated")),
            ("directory.application_submitted", _("New application to enter the directory")),
            ("directory.application_approved", _("Directory application approved")),
            ("directory.application_rejected", _("Directory application rejected")),
            ("organisation.claim_submitted", _("Someone asks to act for an organisation")),
            ("organisation.claim_approved", _("Your claim to act for an organisation was approved")),
            ("organisation.claim_rejected", _("Your claim to act for an organisation was rejected")),
        ]:
            notifications.register_kind(key, label)
        from vendors import documents

        documents.register()
