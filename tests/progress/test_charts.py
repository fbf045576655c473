"""The progress charts (working_groups/progress/charts.py): the value axis keeps room for its
longest label, so a coalition's tens of millions of tonnes are not cut at the chart's left edge."""

import re

from working_groups.progress import charts


def axis(svg: str) -> tuple[float, list[tuple[float, str]]]:
    """(where the plot starts, [(x of each axis label's right end, its text)])."""
    start = float(re.search(r'<line class="chart-grid" x1="([\d.]+)"', svg).group(1))
    labels = [(float(x), text) for x, text in
              re.findall(r'<text class="chart-axis" x="([\d.]+)" y="[\d.]+" text-anchor="end">([^<]+)</text>', svg)]
    return start, labels


def chart(values):
    return str(charts.bar_chart(chart_id="c", title="t", description="d", categories=["2024年度", "2025年度"],
                                bars=[charts.Series("Scope 1", "chart-s1", values)]))


def test_the_value_axis_makes_room_for_its_longest_label():
    start, labels = axis(chart([43_000_000, 39_000_000]))
    assert [text for _x, text in labels] == ["0", "12,500,000", "25,000,000", "37,500,000", "50,000,000"]
    for x, text in labels:
        # right-aligned at x: its left end, at the widest characters, stays inside the drawing
        assert x - charts.AXIS_CHAR * len(text) >= 0, text
        assert x == start - 6
    assert start > charts.LEFT


def test_small_figures_keep_the_usual_margin():
    start, labels = axis(chart([40, 70]))
    assert start == charts.LEFT and [text for _x, text in labels] == ["0", "25", "50", "75", "100"]
