"""Charts for the admin pages, drawn on the server as inline SVG: no script, no library,
readable without colour (every bar and point carries its figure as text), and described
for screen readers (``role="img"`` with a title and a description)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

_BAR_HEIGHT = 22
_GAP = 8
_LABEL_WIDTH = 170
_VALUE_WIDTH = 70
_WIDTH = 640


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, its figure, and a style name (``tone``) the stylesheet colours
    (``chart-bar-{tone}``)."""

    label: str
    value: float
    tone: str = "main"
    shown: str | None = None
    """The figure as printed; the value's integer by default."""


def _figure(bar: Bar) -> str:
    return bar.shown if bar.shown is not None else f"{bar.value:,.0f}"


def bar_chart(bars: Sequence[Bar], *, title: str, description: str = "") -> Markup:
    """Horizontal bars, one per row, scaled to the largest value."""
    top = max((bar.value for bar in bars), default=0) or 1
    room = _WIDTH - _LABEL_WIDTH - _VALUE_WIDTH
    height = len(bars) * (_BAR_HEIGHT + _GAP) + _GAP
    rows = []
    for index, bar in enumerate(bars):
        y = _GAP + index * (_BAR_HEIGHT + _GAP)
        width = max(room * bar.value / top, 1 if bar.value else 0)
        rows.append(
            f'<g class="chart-row"><text x="{_LABEL_WIDTH - 8}" y="{y + 16}" '
            f'text-anchor="end">{escape(bar.label)}</text>'
            f'<rect class="chart-bar-{escape(bar.tone)}" x="{_LABEL_WIDTH}" y="{y}" '
            f'width="{width:.1f}" height="{_BAR_HEIGHT}" rx="3"></rect>'
            f'<text x="{_LABEL_WIDTH + width + 6:.1f}" y="{y + 16}">{escape(_figure(bar))}</text>'
            "</g>"
        )
    return _svg(title, description, height, "".join(rows))


def line_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    low: float,
    high: float,
    description: str = "",
) -> Markup:
    """A line through ``(label, value)`` points from left to right, on a scale from
    ``low`` to ``high`` (with a zero line when it is inside), each point labelled."""
    height, top, bottom, left, right = 220, 20, 190, 40, _WIDTH - 20
    span = (high - low) or 1

    def y_of(value: float) -> float:
        return bottom - (value - low) * (bottom - top) / span

    step = (right - left) / max(len(points) - 1, 1)
    xy = [(left + index * step, y_of(value)) for index, (_, value) in enumerate(points)]
    parts = [
        f'<line class="chart-axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"></line>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{high:g}</text>',
        f'<text x="{left - 6}" y="{bottom + 4}" text-anchor="end">{low:g}</text>',
    ]
    if low < 0 < high:
        zero = y_of(0)
        parts.append(
            f'<line class="chart-zero" x1="{left}" y1="{zero:.1f}" x2="{right}" y2="{zero:.1f}">'
            "</line>"
        )
    if len(xy) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        parts.append(f'<polyline class="chart-line" points="{path}"></polyline>')
    for (label, value), (x, y) in zip(points, xy, strict=True):
        parts.append(
            f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="4"></circle>'
            f'<text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle">{value:g}</text>'
            f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" '
            f'class="chart-label">{escape(label)}</text>'
        )
    return _svg(title, description, height + 10, "".join(parts))


def _svg(title: str, description: str, height: int, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {_WIDTH} {height}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{_id(title)}-t {_id(title)}-d">'
        f'<title id="{_id(title)}-t">{escape(title)}</title>'
        f'<desc id="{_id(title)}-d">{escape(description)}</desc>{body}</svg>'
    )


def _id(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())[:40]
