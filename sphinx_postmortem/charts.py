"""Static SVG charts, drawn at build time: no JavaScript, no network, no library.

Colours come from CSS classes (see ``static/postmortem.css``), so the charts
follow furo's light and dark modes and print in black on white; text uses
``currentColor``. Every chart has a title and a description for screen
readers, and the page shows the same numbers in a table.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 44
BAR = 48  # the widest a bar gets
CHAR = 7.5  # the width of a tick label's character, at the size postmortem.css gives it


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    css: str  # the class that colours it


def _svg(title: str, description: str, body: list[str], height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pm-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-label={quoteattr(title)} style="max-width:{WIDTH}px">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
        + "".join(body)
        + "</svg>"
    )


def _scale(maximum: float) -> tuple[float, list[float]]:
    """A round top for the axis, and its tick values."""
    if maximum <= 0:
        return 1.0, [0.0, 1.0]
    step = 1.0
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        step = float(candidate)
        if maximum / step <= 5:
            break
    top = step * -(-maximum // step)
    return top, [step * i for i in range(int(top / step) + 1)]


def _axes(labels: Sequence[str], top: float, ticks: list[float], unit: str) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = []
    for tick in ticks:
        y = TOP + plot_h * (1 - tick / top)
        shown = f"{tick:g}{unit}"
        parts.append(
            f'<line class="pm-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="pm-tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(shown)}</text>"
        )
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    # every n-th label, so that labels never overlap: a label needs its width
    # (about CHAR px a character) and a gap
    widest = max((len(label) for label in labels), default=0) * CHAR + 8
    every = max(1, -(-int(widest) // max(int(slot), 1)))
    for i, label in enumerate(labels):
        if i % every == 0:
            x = LEFT + slot * (i + 0.5)
            parts.append(
                f'<text class="pm-tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return parts


def _legend(series: Sequence[Series]) -> list[str]:
    parts: list[str] = []
    x = float(LEFT)
    for s in series:
        parts.append(
            f'<rect class="pm-legend {s.css}" x="{x}" y="{HEIGHT - 16}" width="10" height="10"/>'
            f'<text class="pm-tick" x="{x + 14}" y="{HEIGHT - 7}">{escape(s.name)}</text>'
        )
        x += 22 + 7 * len(s.name)
    return parts


def stacked_bars(title: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    """One bar per label, stacked by series; each drawn segment is a ``rect.pm-bar``."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top, ticks = _scale(max(totals, default=0))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = _axes(labels, top, ticks, "")
    for i, label in enumerate(labels):
        y = float(TOP + plot_h)
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            width = min(slot * 0.7, BAR)
            body.append(
                f'<rect class="pm-bar {s.css}" x="{LEFT + slot * (i + 0.5) - width / 2:.1f}" '
                f'y="{y:.1f}" width="{width:.1f}" height="{h:.1f}">'
                f"<title>{escape(f'{label}: {value:g} {s.name}')}</title></rect>"
            )
    description = "; ".join(
        f"{label}: {total:g}" for label, total in zip(labels, totals, strict=True)
    )
    return _svg(title, description, body + _legend(series))


def lines(title: str, labels: Sequence[str], series: Sequence[Series], unit: str = "") -> str:
    """One polyline per series, with a dot (``circle.pm-point``) per value."""
    top, ticks = _scale(max((v for s in series for v in s.values), default=0))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = _axes(labels, top, ticks, unit)
    for s in series:
        points = [
            (LEFT + slot * (i + 0.5), TOP + plot_h * (1 - v / top)) for i, v in enumerate(s.values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline class="pm-line {s.css}" fill="none" points="{path}"/>')
        body += [
            f'<circle class="pm-point {s.css}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
            f"<title>{escape(f'{labels[i]}: {s.values[i]:g}{unit} {s.name}')}</title></circle>"
            for i, (x, y) in enumerate(points)
        ]
    description = "; ".join(
        f"{s.name}: "
        + ", ".join(f"{label} {v:g}{unit}" for label, v in zip(labels, s.values, strict=True))
        for s in series
    )
    return _svg(title, description, body + _legend(series))


#: a generous estimate of one character's width in an 11 px label
CHAR = 6.5
#: the baselines labels may take, nearest the bar first: above, below, then further out
LABEL_ROWS = (32, 78, 18, 92)


def _place_labels(marks: Sequence[tuple[str, float]], xs: Sequence[float]) -> list[tuple[int, str]]:
    """Each milestone's label as (baseline, text-anchor), so that none is clipped or
    overlaps another: labels alternate above and below the bar; one that would
    run past an edge is anchored to its mark from that side; one that would
    overlap a label already in its row moves a row further out."""
    taken: list[list[tuple[float, float]]] = [[] for _ in LABEL_ROWS]
    placed = []
    for i, ((name, _), x) in enumerate(zip(marks, xs, strict=True)):
        width = len(name) * CHAR
        if x - width / 2 < 2:
            anchor, left = "start", x
        elif x + width / 2 > WIDTH - 2:
            anchor, left = "end", x - width
        else:
            anchor, left = "middle", x - width / 2
        right = left + width
        near, far = i % 2, 1 - i % 2
        rows = (near, far, near + 2, far + 2)
        row = next(
            (r for r in rows if all(right + 4 < a or left - 4 > b for a, b in taken[r])),
            rows[-1],
        )
        taken[row].append((left, right))
        placed.append((LABEL_ROWS[row], anchor))
    return placed


def lifecycle(
    title: str, marks: Sequence[tuple[str, float]], spans: Sequence[tuple[str, str]]
) -> str:
    """Milestones on one time axis (seconds from the start), with labelled spans.

    ``marks`` are (name, seconds); ``spans`` are (label, css) for each gap between
    consecutive marks, drawn as ``rect.pm-bar``.
    """
    height = 110
    end = max((s for _, s in marks), default=0) or 1
    scale = (WIDTH - LEFT - RIGHT) / end
    body = []
    for (label, css), (start, stop) in zip(spans, itertools.pairwise(marks), strict=False):
        x, w = LEFT + start[1] * scale, max((stop[1] - start[1]) * scale, 1)
        body.append(
            f'<rect class="pm-bar {css}" x="{x:.1f}" y="40" width="{w:.1f}" height="22">'
            f"<title>{escape(label)}</title></rect>"
        )
        if w > 60:
            body.append(
                f'<text class="pm-span" x="{x + w / 2:.1f}" y="55" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    xs = [LEFT + seconds * scale for _, seconds in marks]
    for (name, _), x, (y, anchor) in zip(marks, xs, _place_labels(marks, xs), strict=True):
        body.append(
            f'<line class="pm-mark" x1="{x:.1f}" x2="{x:.1f}" y1="36" y2="66"/>'
            f'<text class="pm-tick" x="{x:.1f}" y="{y}" text-anchor="{anchor}">'
            f"{escape(name)}</text>"
        )
    description = ", ".join(label for label, _ in spans)
    return _svg(title, description, body, height=height)
