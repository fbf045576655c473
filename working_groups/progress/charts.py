"""Charts drawn on the server as inline SVG: readable without JavaScript, no chart library, nothing
from another site. Every chart has a title and a description for screen readers (``role="img"``,
``aria-labelledby``) and each page puts the same figures in a table beside it. Colours come from
CSS classes in static/css/progress.css (no inline style: the Content-Security-Policy holds).

Values are plain numbers; labels are text (escaped here).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 56
AXIS_CHAR = 7.5  # the widest a character of the axis' 12px text is, in viewBox units (digits, CJK fonts)


@dataclass(frozen=True)
class Series:
    label: str
    css: str  # the class giving its colour (chart-s1, chart-s2, chart-s3, chart-line)
    values: list  # one per category; None: no figure


def number(value, decimals: int = 0) -> str:
    """A figure with thousands separators (1,234,567.8), the way both languages write them."""
    if value is None:
        return "–"
    return f"{Decimal(value):,.{decimals}f}"


def _nice_max(value: float) -> float:
    """A round top for the axis (1, 2, 2.5 or 5 times a power of ten) at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover


def bar_chart(*, chart_id: str, title: str, description: str, categories: list[str], bars: list[Series],
              line: Series | None = None, unit: str = "", decimals: int = 0) -> SafeString:
    """Stacked bars per category (e.g. fiscal years), optionally with a line over them (e.g. a
    target path). Categories without a figure leave a gap."""
    n = max(len(categories), 1)
    stacks = [sum(float(s.values[i] or 0) for s in bars) for i in range(len(categories))]
    line_values = [float(v) for v in (line.values if line else []) if v is not None]
    top = _nice_max(max([*stacks, *line_values, 0]))
    ticks = [(top * k / 4, number(top * k / 4, decimals if top < 10 else 0)) for k in range(5)]
    # room for the longest value on the axis: "50,000,000" (the coalition's scope 1 in a year at the
    # large scale) was cut at the left edge in LEFT's 72 units
    left = max(LEFT, 6 + round(AXIS_CHAR * max(len(label) for _value, label in ticks)))
    plot_w, plot_h = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / n
    bar_w = max(min(slot * 0.7, 48), 2)

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / top

    parts = []
    for value, label in ticks:  # grid lines and the value axis
        parts.append(format_html(
            '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
            '<text class="chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
            left, WIDTH - RIGHT, f"{y(value):.1f}", f"{y(value):.1f}", left - 6, f"{y(value) + 4:.1f}", label))
    label_every = max(1, round(n / 12))
    for i, category in enumerate(categories):
        x = left + slot * i + (slot - bar_w) / 2
        base = 0.0
        for series in bars:
            value = series.values[i]
            if value is None or float(value) <= 0:
                continue
            h = plot_h * float(value) / top
            parts.append(format_html(
                '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{} {}: {} {}</title></rect>',
                series.css, f"{x:.1f}", f"{y(base + float(value)):.1f}", f"{bar_w:.1f}", f"{h:.1f}",
                category, series.label, number(value, decimals), unit))
            base += float(value)
        if i % label_every == 0:
            parts.append(format_html('<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                                     f"{left + slot * i + slot / 2:.1f}", HEIGHT - BOTTOM + 18, category))
    if line is not None:
        points = [(left + slot * i + slot / 2, y(float(v))) for i, v in enumerate(line.values) if v is not None]
        if points:
            parts.append(format_html('<polyline class="{}" fill="none" points="{}"/>', line.css,
                                     " ".join(f"{px:.1f},{py:.1f}" for px, py in points)))
    legend = [*bars, *([line] if line else [])]
    parts.append(format_html_join("", '<rect class="{}" x="{}" y="{}" width="12" height="12"/>'
                                  '<text class="chart-legend" x="{}" y="{}">{}</text>',
                                  ((s.css, left + 170 * k, HEIGHT - 20, left + 170 * k + 16, HEIGHT - 10, s.label)
                                   for k, s in enumerate(legend))))
    parts.append(format_html('<line class="chart-baseline" x1="{}" x2="{}" y1="{}" y2="{}"/>',
                             left, WIDTH - RIGHT, TOP + plot_h, TOP + plot_h))
    return format_html(
        '<svg class="chart" id="{id}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '{body}</svg>',
        id=chart_id, w=WIDTH, h=HEIGHT, title=title, desc=description, body=mark_safe("".join(parts)))
