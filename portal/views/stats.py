"""Public statistics page and the exports of the public lists (no login: everything is public)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.pagecache import public_page
from portal import charts, exports, statistics

EXPORT_FORMATS = ("csv", "xlsx")


def _money_chart(rows: list[statistics.Row], attr: str, title: str, colour: int) -> str:
    return charts.bar_chart([(r.label, getattr(r, attr)) for r in rows], title=title, colour=colour)


@require_GET
@public_page
def statistics_page(request: HttpRequest) -> HttpResponse:
    stats = statistics.statistics()
    grade_series = [str(statistics.GRADE_LABELS[g]) for g in statistics.GRADE_LABELS]
    context = {
        "stats": stats,
        "programme": statistics.PROGRAMME_FIGURES,
        "programme_directory": statistics.PROGRAMME_DIRECTORY,
        "grade_labels": grade_series,
        "charts": {
            "year_projects": charts.bar_chart(
                [(str(r.label), r.projects) for r in stats.years], title=_("Projects published by year")
            ),
            "year_money": _money_chart(stats.years, "awarded", _("Money awarded by year (yuan)"), 1),
            "category_money": _money_chart(
                stats.categories, "budget", _("Budgets of published projects by category (yuan)"), 2
            ),
            "department_money": _money_chart(
                stats.departments, "budget", _("Budgets of published projects by department (yuan)"), 3
            ),
            "directory": charts.bar_chart(
                [(f"{p.number}", p.in_force) for p in stats.directory],
                title=_("Qualified organisations in force per directory version"),
                colour=4,
            ),
            "grades": charts.stacked_chart(
                [(str(g.year), list(g.counts.values())) for g in stats.grades],
                series=grade_series,
                title=_("Performance grades by year"),
            ),
        },
        "exports": [(d.name, d.title) for d in exports.DATASETS.values()],
    }
    return render(request, "portal/statistics.html", context)


@require_GET
def export(request: HttpRequest, dataset: str, fmt: str) -> StreamingHttpResponse:
    """``/exports/<dataset>.<csv|xlsx>``; the list page's filters (its query string) apply."""
    if dataset not in exports.DATASETS or fmt not in EXPORT_FORMATS:
        raise Http404
    return exports.export_response(exports.DATASETS[dataset], fmt, request.GET)
