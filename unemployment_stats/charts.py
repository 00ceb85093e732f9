"""Trend charts drawn on the server as inline SVG (no script, no CDN: the offices run on a private network)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 40


def line_chart(title: str, points: list[tuple[str, float | None]], *, unit: str = "") -> SafeString:
    """A line over ``points`` (label, value; None leaves a gap), with the values written at each point and a
    table-free text alternative (``<title>`` / ``<desc>``) for screen readers."""
    values = [v for _label, v in points if v is not None]
    top = max(values) if values else 1.0
    top = top * 1.1 if top > 0 else 1.0
    n = max(len(points) - 1, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + plot_w * i / n

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg class="trend" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        "<desc>"
        + escape("；".join(f"{label}：{'—' if v is None else _fmt(v)}{unit}" for label, v in points))
        + "</desc>",
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#888"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#888"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" font-size="10" text-anchor="end">{escape(_fmt(top))}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" font-size="10" text-anchor="end">0</text>',
    ]
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, (label, v) in enumerate(points):
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="10" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(v):.1f}")
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="#1f5fa8"/>')
        parts.append(
            f'<text x="{x(i):.1f}" y="{y(v) - 6:.1f}" font-size="10" text-anchor="middle">{escape(_fmt(v))}</text>'
        )
    if segment:
        segments.append(segment)
    for seg in segments:
        parts.append(f'<polyline fill="none" stroke="#1f5fa8" stroke-width="2" points="{" ".join(seg)}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _fmt(v: float) -> str:
    return f"{v:.2f}" if v != int(v) else str(int(v))
