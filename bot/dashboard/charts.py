"""Bar charts drawn on the server as inline SVG: the geometry here, the markup in ``_chart.html``.

No chart library and no script: the page stays small on a phone and readable with scripts off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 600, 180
LABEL_SPACE = 20  # below the bars, for their labels


@dataclass(frozen=True)
class Bar:
    label: str
    value: int  # cents
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def empty(self) -> bool:
        return all(bar.value <= 0 for bar in self.bars)

    @property
    def top(self) -> int:
        return max((bar.value for bar in self.bars), default=0)

    @property
    def label_every(self) -> int:
        """Label one bar in this many, so labels never overlap (a term has ~90 days)."""
        return max(1, len(self.bars) // 10)


def bar_chart(title: str, points: Sequence[tuple[str, int]]) -> BarChart:
    """Bars scaled so the largest value fills the chart's height; negative values draw as nothing."""
    top = max((value for _, value in points), default=0)
    plot = HEIGHT - LABEL_SPACE
    step = WIDTH / len(points) if points else WIDTH
    bars = []
    for index, (label, value) in enumerate(points):
        height = plot * max(value, 0) / top if top > 0 else 0.0
        x = index * step + step * 0.1
        bars.append(
            Bar(label, value, round(x, 1), round(plot - height, 1), round(step * 0.8, 1), round(height, 1))
        )
    return BarChart(title, tuple(bars))
