from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = _("Organisations and the qualification directory")

    def ready(self) -> None:
        from accounts import navigation
        from accounts.models import Role

        navigation.register(_("Directory"), "vendors:directory", order=25)
        navigation.register(_("My organisation"), "vendors:my_organisation", roles=[Role.SUPPLIER], order=33)
        navigation.register(
            _("Directory administration"), "vendors:draft", roles=[Role.DIRECTORY_ADMIN], order=40
        )
