"""Server-rendered SVG bar charts: no script, no CDN, readable offline, printable and accessible
(a ``<title>`` per bar and the figures in a table beside each chart)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#1f5fa8", "#c0392b", "#2e8b57", "#d68910", "#7d3c98", "#5d6d7e"]


def _fmt(value: Decimal | int | float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{Decimal(value):,.2f}"


def bar_chart(
    rows: Sequence[tuple[str, Decimal | int | float]], *, title: str, width: int = 640, colour: int = 0
) -> SafeString:
    """Horizontal bars, one per (label, value); the value is printed at the end of each bar."""
    bar, gap, label_w, value_w = 18, 6, 180, 120
    height = max(1, len(rows)) * (bar + gap) + gap
    top = max((float(v) for _, v in rows), default=0.0) or 1.0
    span = width - label_w - value_w
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar + gap)
        w = max(1.0 if float(value) > 0 else 0.0, span * float(value) / top)
        text = escape(_fmt(value))
        parts.append(
            f"<g><title>{escape(label)}: {text}</title>"
            f'<text x="{label_w - 6}" y="{y + bar - 5}" text-anchor="end" font-size="12">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="{PALETTE[colour % len(PALETTE)]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar - 5}" font-size="12">{text}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def stacked_chart(
    rows: Sequence[tuple[str, Sequence[int]]], *, series: Sequence[str], title: str, width: int = 640
) -> SafeString:
    """Horizontal stacked bars (e.g. grades per year), with a legend."""
    bar, gap, label_w, value_w, legend_h = 18, 6, 80, 60, 24
    height = legend_h + max(1, len(rows)) * (bar + gap) + gap
    top = max((sum(v) for _, v in rows), default=0) or 1
    span = width - label_w - value_w
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    x = label_w
    for k, name in enumerate(series):
        parts.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{x + 16}" y="15" font-size="12">{escape(name)}</text>'
        )
        x += 16 + 14 * len(name) + 16
    for i, (label, values) in enumerate(rows):
        y = legend_h + gap + i * (bar + gap)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar - 5}" text-anchor="end" font-size="12">{escape(label)}</text>'
        )
        x0 = float(label_w)
        for k, value in enumerate(values):
            w = span * value / top
            if w:
                parts.append(
                    f'<rect x="{x0:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{PALETTE[k % len(PALETTE)]}">'
                    f"<title>{escape(label)} {escape(series[k])}: {value}</title></rect>"
                )
            x0 += w
        parts.append(f'<text x="{x0 + 4:.1f}" y="{y + bar - 5}" font-size="12">{sum(values)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
