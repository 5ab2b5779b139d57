from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from accounts import checks, documents, navigation, notifications, pagecache  # noqa: F401 (checks register)

        navigation.register_defaults()
        navigation.register(_("Inbox"), "notifications:inbox", signed_in=True, order=15)
        navigation.register(_("API tokens"), "api_tokens", signed_in=True, order=95)
        notifications.register_default_kinds()
        documents.register_builtin_documents()
        pagecache.connect_signals()
