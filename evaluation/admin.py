from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from evaluation.models import Indicator, IndicatorTemplate


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fk_name = "template"
    extra = 0
    fields = ["code", "name", "name_en", "parent", "weight", "kind", "guidance", "sort_order"]


@admin.register(IndicatorTemplate)
class IndicatorTemplateAdmin(admin.ModelAdmin):
    """Indicator systems are administered here. Activation checks the weights; an edit never
    reaches an evaluation already commissioned (each evaluation holds its own copy)."""

    list_display = ["name", "version", "is_standard", "active"]
    inlines = [IndicatorInline]
    actions = ["activate"]
    readonly_fields = ["active"]

    @admin.action(description=_("Check the weights and activate"))
    def activate(self, request: HttpRequest, queryset: QuerySet[IndicatorTemplate]) -> None:
        from evaluation.services import template_activate

        for template in queryset:
            try:
                template_activate(template=template, by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{template}: {'; '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("%(t)s is active.") % {"t": template}, messages.SUCCESS)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        template = form.instance
        errors = template.weight_errors()
        if errors and template.active:
            IndicatorTemplate.objects.filter(pk=template.pk).update(active=False)
            self.message_user(
                request,
                _("The weights are not valid, so the system was deactivated: ") + "; ".join(errors),
                messages.WARNING,
            )
