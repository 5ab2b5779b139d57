from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Performance evaluation")

    def ready(self) -> None:
        from accounts import navigation, notifications
        from accounts.models import Role
        from evaluation import documents
        from evaluation.selectors import profile_section
        from vendors import profile

        # The key differs from "performance" on purpose: tests/vendors register and pop that one.
        profile.register_section(
            "grades",
            _("Performance evaluations"),
            "evaluation/includes/profile_grades.html",
            profile_section,
            order=20,
        )

        navigation.register(_("Performance evaluation"), "evaluation:overview", order=60)
        navigation.register(
            _("My evaluations"),
            "evaluation:list",
            roles=[Role.EVALUATOR, Role.PURCHASER, Role.SUPPLIER, Role.SUPERVISOR],
            order=61,
        )
        navigation.register(
            _("Commission an evaluation"), "evaluation:commission", roles=[Role.PURCHASER], order=62
        )
        navigation.register(
            _("Indicator systems"), "evaluation:template_list", roles=[Role.SUPERVISOR], order=64
        )
        navigation.register(
            _("Suspension proposals"), "evaluation:suspension_list", roles=[Role.DIRECTORY_ADMIN], order=63
        )
        documents.register()
        register_kind = getattr(notifications, "register_kind", None)
        if register_kind is not None:
            for key, label in [
                ("evaluation.declined", _("An evaluator declined for a conflict of interest")),
                ("evaluation.submitted", _("Performance evaluation submitted for review")),
                ("evaluation.returned", _("Performance evaluation returned for revision")),
                ("evaluation.appealed", _("Appeal against a performance evaluation")),
                ("evaluation.suspension_proposed", _("Directory suspension proposed after a poor grade")),
            ]:
                register_kind(key, label)
