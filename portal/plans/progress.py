"""The self-rated progress of a goal (0–10) drawn as a small line chart: geometry only.

Templates draw the SVG from this; the numbers themselves are always in a table beside it, so
the chart is a picture of the table, never the only way to read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from portal.plans.readmodels import ProgressItem

LOWEST, HIGHEST = 0, 10


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    item: ProgressItem


@dataclass(frozen=True)
class ProgressChart:
    width: int
    height: int
    left: float            # where the plot area starts (room for the scale's numbers)
    right: float
    top: float
    bottom: float
    points: tuple[ChartPoint, ...]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    def y_of(self, score: int) -> float:
        return round(self.bottom - (self.bottom - self.top) * (score - LOWEST) / (HIGHEST - LOWEST), 1)

    @property
    def first(self) -> ProgressItem | None:
        return self.points[0].item if self.points else None

    @property
    def last(self) -> ProgressItem | None:
        return self.points[-1].item if self.points else None


def progress_chart(progress: Sequence[ProgressItem], *, width: int = 320, height: int = 140, compact: bool = False) -> ProgressChart:
    """Ratings in the order given (oldest first), spread evenly from left to right."""
    left = 4.0 if compact else 28.0
    right = width - 8.0
    top, bottom = 8.0, height - 8.0
    chart = ProgressChart(width, height, left, right, top, bottom, ())
    count = len(progress)
    step = (right - left) / (count - 1) if count > 1 else 0.0
    points = tuple(
        ChartPoint(round(left + step * index if count > 1 else (left + right) / 2, 1), chart.y_of(item.score), item)
        for index, item in enumerate(progress)
    )
    return ProgressChart(width, height, left, right, top, bottom, points)
