from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        # Each part of the portal wires itself here (search signals, navigation entries).
        from accounts import navigation
        from portal import signals

        signals.connect()
        navigation.register(_("Search"), "portal:search", order=22)
        navigation.register(_("Statistics"), "portal:statistics", order=23)
