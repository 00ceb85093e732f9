"""The on-time chart as server-side SVG (no script, no CDN; prints as it shows): one line per clock over the
13 months, 0–100 %."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28
COLOURS = ("#1f5fa8", "#c0392b", "#2e7d32", "#8e44ad", "#d35400", "#00838f")


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    points: str  # "x,y x,y …" for a polyline
    dots: list[tuple[float, float, str]]  # (x, y, title)


def rate_chart(series: list[tuple[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    """The geometry of the chart: axis ticks, month labels, one ``Line`` per (label, months) with a rate."""
    months = series[0][1] if series else []
    n = max(len(months), 1)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return round(LEFT + (inner_w * i / (n - 1) if n > 1 else inner_w / 2), 1)

    def y(rate: float) -> float:
        return round(TOP + inner_h * (1 - rate / 100), 1)

    lines = []
    for index, (label, points) in enumerate(series):
        coords = [
            (x(i), y(p["rate"]), f"{label} {p['month']:%Y-%m}: {p['rate']}%")
            for i, p in enumerate(points)
            if p["rate"] is not None
        ]
        lines.append(
            Line(label, COLOURS[index % len(COLOURS)], " ".join(f"{cx},{cy}" for cx, cy, _ in coords), coords)
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "ticks": [{"y": y(v), "label": f"{v}%"} for v in (0, 25, 50, 75, 100)],
        "months": [{"x": x(i), "label": f"{p['month']:%m}"} for i, p in enumerate(months)],
        "label_y": HEIGHT - 8,
        "lines": lines,
    }
