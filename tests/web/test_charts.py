"""The admin's SVG charts: figures printed, labels escaped, scaled to the largest."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from smsurvey.web.charts import Bar, bar_chart, line_chart


def test_bars_are_scaled_to_the_largest_and_print_their_figures() -> None:
    svg = str(bar_chart([Bar("Sent", 200), Bar("Delivered", 100, "good"), Bar("Failed", 0)],
                        title="Funnel"))  # fmt: skip
    ET.fromstring(svg)  # well-formed
    widths = [float(w) for w in re.findall(r'<rect[^>]*width="([\d.]+)"', svg)]
    assert widths[0] == 2 * widths[1]
    assert widths[2] == 0
    for figure in ("200", "100", "0"):
        assert f">{figure}</text>" in svg
    assert 'class="chart-bar-good"' in svg
    assert 'role="img"' in svg
    assert "<title" in svg


def test_labels_are_escaped() -> None:
    svg = str(bar_chart([Bar("<script>x</script>", 3)], title="a & b"))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    ET.fromstring(svg)


def test_a_line_marks_zero_and_labels_every_point() -> None:
    svg = str(line_chart([("1 Dec", -20), ("2 Dec", 40), ("3 Dec", 10)],
                         title="NPS by day", low=-100, high=100))  # fmt: skip
    ET.fromstring(svg)
    assert 'class="chart-zero"' in svg
    for label in ("1 Dec", "2 Dec", "3 Dec", ">-20<", ">40<", ">10<"):
        assert label in svg
    ys = [float(y) for y in re.findall(r'<circle[^>]*cy="([\d.]+)"', svg)]
    assert ys[1] < ys[2] < ys[0]  # higher values sit higher
