"""Charts of monitoring tables, drawn on the server as inline SVG.

Inline SVG needs no JavaScript, prints in the WeasyPrint PDF and passes our strict CSP as long
as it carries no `style` attribute, no <style> element, no script and no external reference:
only presentation attributes (fill, font-size...). Every chart sits beside the table that holds
its numbers, so the SVG is hidden from assistive technology (aria-hidden) and is decoration for
sighted readers. The drawings are laid out left to right (bars grow from x = 0, names are
anchored at their start), so they say `direction="ltr"`: on a right-to-left page they would
otherwise inherit its direction, and every label would run off the chart's left edge. Output
is deterministic (same input, same language: same bytes) so it can be tested and cached.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from ponte.monitoring.tables import Cell, ColumnKind, Small, Table

# Bootstrap Italia's primary blue: 5.6:1 against white, above the 3:1 asked of graphics.
BAR_COLOUR = "#0066cc"
TEXT_COLOUR = "#1a1a1a"
NODE_COLOUR = "#004080"
CHARTABLE_KINDS: frozenset[str] = frozenset({"count", "number", "percent", "days", "euro"})

# Bar chart geometry, in viewBox units. The viewBox is about a phone's width, so at 100% width
# a 13-unit font stays near 12px on a 360px screen and grows only up to the CSS max-width.
BAR_WIDTH = 360
BAR_VALUE_ROOM = 84  # right of the longest bar, for its printed value
BAR_FONT = 13
BAR_HEIGHT = 16
BAR_ROW = 46  # label line + bar + gap
BAR_LABEL_CHARS = 48

# Network geometry: nodes on a circle, names outside it.
NET_RADIUS = 170
NET_LABEL_ROOM = 190
NET_TOP_ROOM = 34
NET_FONT = 11
NET_NODE_RADIUS = 6
NET_MAX_NODES = 30
NET_NAME_CHARS = 28
NET_MIN_STROKE = 1.0
NET_MAX_STROKE = 8.0

Edge = tuple[str, str, int, float | None]
_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def format_cell(value: Cell, kind: ColumnKind) -> str:
    """A cell as people read it, in the active language: the table and the chart agree."""
    if value is None:
        return "—"
    if isinstance(value, Small):
        return str(value)
    if kind == "count":
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    if kind == "percent":
        return number_format(value, 1, use_l10n=True, force_grouping=True) + "%"
    if kind == "days":
        return number_format(value, 1, use_l10n=True, force_grouping=True)
    if kind == "euro":
        # A no-break space keeps the sign on the amount's line.
        return number_format(value, 2, use_l10n=True, force_grouping=True) + "\u00a0€"
    # "number": cells are already rounded to what is shown, so keep their own decimals.
    return number_format(value, None, use_l10n=True, force_grouping=True)


def _num(value: float) -> str:
    """Coordinates with at most two decimals and no trailing zeros: short, stable output."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _shorten(text: str, limit: int) -> str:
    # A label is one line; control characters (not even allowed in XML) become spaces.
    text = _CONTROL.sub(" ", text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text_width(text: str, font_size: float) -> float:
    """A generous estimate of a line's width: digits and separators are about 0.6 em."""
    return len(text) * font_size * 0.62


def _join(parts: Iterable[SafeString]) -> SafeString:
    # Every part comes from format_html, which escaped its arguments.
    # (Joined first: bandit reads the nosec for every call on its line, and "".join is none.)
    html = "".join(parts)
    return mark_safe(html)  # noqa: S308  # nosec B308, B703


def _magnitude(value: Cell) -> float | None:
    """The number a bar is drawn for; None when the cell draws no bar."""
    if value is None or isinstance(value, Small):
        return None
    return float(value)


def _scale_top(table: Table, kind: ColumnKind, column: int) -> float:
    if kind == "percent":
        return 100.0
    values = [_magnitude(row.values[column]) for row in table.rows]
    top = max((v for v in values if v is not None and math.isfinite(v)), default=0.0)
    # An all-zero column draws zero-length bars rather than dividing by zero.
    return top if top > 0 else 1.0


def bar_chart(table: Table) -> SafeString | None:
    """A horizontal bar per row of the table's chart column, its label above the bar (so long
    names fit a phone) and its value printed at the bar's end. Small cells print "<3" and
    empty ones "—", without a bar."""
    if table.chart == "none" or not table.rows:
        return None
    if not 0 <= table.chart_column < len(table.columns):
        return None
    column = table.columns[table.chart_column]
    if column.kind not in CHARTABLE_KINDS:
        return None
    top = _scale_top(table, column.kind, table.chart_column)
    span = BAR_WIDTH - BAR_VALUE_ROOM
    height = BAR_ROW * len(table.rows) + 4
    parts: list[SafeString] = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="monitoring-chart" '
            'viewBox="0 0 {} {}" width="100%" aria-hidden="true" focusable="false" '
            'direction="ltr" font-size="{}" fill="{}">',
            BAR_WIDTH,
            height,
            BAR_FONT,
            TEXT_COLOUR,
        )
    ]
    for index, row in enumerate(table.rows):
        cell = row.values[table.chart_column] if table.chart_column < len(row.values) else None
        top_y = index * BAR_ROW
        label_y = top_y + BAR_FONT + 1
        bar_y = label_y + 5
        text_y = bar_y + BAR_HEIGHT / 2 + BAR_FONT * 0.35  # optically centred on the bar
        parts.append(
            format_html(
                '<text x="0" y="{}">{}</text>',
                _num(label_y),
                _shorten(str(row.label), BAR_LABEL_CHARS),
            )
        )
        shown = format_cell(cell, column.kind)
        value = _magnitude(cell)
        value_x, anchor, colour = 0.0, "start", TEXT_COLOUR
        if value is not None and math.isfinite(value):
            # Negative numbers have no bar (the scale starts at 0); percentages cap at 100.
            length = max(0.0, min(value, top)) / top * span
            parts.append(
                format_html(
                    '<rect x="0" y="{}" width="{}" height="{}" fill="{}"/>',
                    _num(bar_y),
                    _num(length),
                    BAR_HEIGHT,
                    BAR_COLOUR,
                )
            )
            value_x = length + 4
            if value_x + _text_width(shown, BAR_FONT) > BAR_WIDTH:
                # A long amount on a long bar goes inside the bar's end, white on blue (5.6:1).
                value_x, anchor, colour = length - 4, "end", "#ffffff"
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="{}" fill="{}">{}</text>',
                _num(value_x),
                _num(text_y),
                anchor,
                colour,
                shown,
            )
        )
    parts.append(SafeString("</svg>"))
    return _join(parts)


@dataclass(frozen=True)
class _Link:
    sender: str
    receiver: str
    count: int


def _links(edges: Iterable[Edge]) -> list[_Link]:
    """One link per ordered pair (repeated pairs summed), none from an organisation to itself:
    a loop has no line to draw, and the table beside the graph still counts it."""
    totals: dict[tuple[str, str], int] = {}
    for sender, receiver, count, _rate in edges:
        if sender == receiver:
            continue
        key = (str(sender), str(receiver))
        totals[key] = totals.get(key, 0) + max(int(count), 0)
    return [_Link(s, r, c) for (s, r), c in sorted(totals.items())]


def _busiest_nodes(links: list[_Link]) -> list[str]:
    """The organisations to draw, in circle order: at most NET_MAX_NODES, taken as the two ends
    of the busiest links first (ties by name, so the choice is stable). Choosing by link, not
    by organisation, keeps at least one line: thirty busy senders whose receivers were all
    left out would draw dots and nothing between them."""
    chosen: set[str] = set()
    for link in sorted(links, key=lambda k: (-k.count, k.sender, k.receiver)):
        ends = {link.sender, link.receiver} - chosen
        if len(chosen) + len(ends) <= NET_MAX_NODES:
            chosen |= ends
        if len(chosen) >= NET_MAX_NODES:
            break
    return sorted(chosen)


def _stroke(count: int, top: int) -> float:
    """Line width from 1 (no referral) to 8 (the busiest pair), linear in the count."""
    if top <= 0:
        return NET_MIN_STROKE
    return round(NET_MIN_STROKE + (NET_MAX_STROKE - NET_MIN_STROKE) * count / top, 2)


def network_graph(edges: list[Edge]) -> SafeString | None:
    """The referral network: organisations on a circle, an arrow from sender to receiver as
    thick as the referrals between them, each labelled with its count. An edge is (sender,
    receiver, referrals, rate): the rate is not drawn, the table beside the graph has it."""
    links = _links(edges)
    if not links:
        return None
    names = _busiest_nodes(links)
    kept = set(names)
    links = [link for link in links if link.sender in kept and link.receiver in kept]
    centre_x = NET_RADIUS + NET_LABEL_ROOM
    centre_y = NET_RADIUS + NET_TOP_ROOM
    width = 2 * centre_x
    height = 2 * centre_y
    position: dict[str, tuple[float, float, float]] = {}
    for index, name in enumerate(names):
        angle = -math.pi / 2 + 2 * math.pi * index / len(names)
        position[name] = (
            centre_x + NET_RADIUS * math.cos(angle),
            centre_y + NET_RADIUS * math.sin(angle),
            angle,
        )
    # A per-graph marker id: two graphs on one page must not share an id, and a digest of the
    # input keeps the output deterministic.
    digest = hashlib.sha256(repr((names, links)).encode()).hexdigest()[:10]
    marker = f"ponte-arrow-{digest}"
    parts: list[SafeString] = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="monitoring-network" '
            'viewBox="0 0 {} {}" width="100%" aria-hidden="true" focusable="false" '
            'direction="ltr" font-size="{}" fill="{}">'
            "<defs>{}{}</defs>",
            width,
            height,
            NET_FONT,
            TEXT_COLOUR,
            _marker(f"{marker}-s", 12),
            _marker(f"{marker}-l", 22),
        )
    ]
    pairs = {(link.sender, link.receiver) for link in links}
    top = max(link.count for link in links)
    for link in links:
        parts.append(_edge(link, position, pairs, top, marker))
    for name in names:
        parts.append(_node(name, position[name]))
    parts.append(SafeString("</svg>"))
    return _join(parts)


def _marker(marker_id: str, size: int) -> SafeString:
    # In user units, not stroke widths: an 8-unit line would otherwise get a 96-unit head.
    return format_html(
        '<marker id="{}" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" '
        'markerWidth="{}" markerHeight="{}" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="{}"/></marker>',
        marker_id,
        size,
        size,
        BAR_COLOUR,
    )


def _edge(
    link: _Link,
    position: dict[str, tuple[float, float, float]],
    pairs: set[tuple[str, str]],
    top: int,
    marker: str,
) -> SafeString:
    x1, y1, _a = position[link.sender]
    x2, y2, _b = position[link.receiver]
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    stroke = _stroke(link.count, top)
    # When both directions exist, each line moves to its own right so they do not overlap.
    shift = stroke / 2 + 3 if (link.receiver, link.sender) in pairs else 0.0
    ox, oy = -uy * shift, ux * shift
    # Stop at the node's edge, so the arrow's tip touches the circle instead of hiding in it.
    gap = NET_NODE_RADIUS + 2
    sx, sy = x1 + ux * gap + ox, y1 + uy * gap + oy
    ex, ey = x2 - ux * gap + ox, y2 - uy * gap + oy
    # The count sits mid-line, or past the middle when a line comes back the other way, so
    # the two counts of a pair do not cover each other.
    along = 0.6 if shift else 0.5
    mx, my = sx + (ex - sx) * along, sy + (ey - sy) * along
    count = str(link.count)
    box = 7 * len(count) + 6
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}" '
        'marker-end="url(#{})"/>'
        '<rect x="{}" y="{}" width="{}" height="14" rx="3" fill="#ffffff" stroke="{}" '
        'stroke-width="0.5"/>'
        '<text x="{}" y="{}" text-anchor="middle">{}</text>',
        _num(sx),
        _num(sy),
        _num(ex),
        _num(ey),
        BAR_COLOUR,
        _num(stroke),
        # Thick lines get the larger head, or the head would hide inside the line.
        f"{marker}-l" if stroke > NET_MAX_STROKE / 2 else f"{marker}-s",
        _num(mx - box / 2),
        _num(my - 7),
        box,
        BAR_COLOUR,
        _num(mx),
        _num(my + 4),
        count,
    )


def _node(name: str, where: tuple[float, float, float]) -> SafeString:
    x, y, angle = where
    cos, sin = math.cos(angle), math.sin(angle)
    # Names sit outside the circle: to the right on the right half, to the left on the left,
    # centred above the top node and below the bottom one.
    if cos > 0.2:
        anchor, lx, ly = "start", x + 10, y + 4
    elif cos < -0.2:
        anchor, lx, ly = "end", x - 10, y + 4
    elif sin < 0:
        anchor, lx, ly = "middle", x, y - 12
    else:
        anchor, lx, ly = "middle", x, y + 20
    return format_html(
        '<circle cx="{}" cy="{}" r="{}" fill="{}"/><text x="{}" y="{}" text-anchor="{}">{}</text>',
        _num(x),
        _num(y),
        NET_NODE_RADIUS,
        NODE_COLOUR,
        _num(lx),
        _num(ly),
        anchor,
        _shorten(name, NET_NAME_CHARS),
    )
