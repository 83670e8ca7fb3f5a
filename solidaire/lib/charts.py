"""SVG charts drawn on the server: the same markup on web pages and in WeasyPrint PDFs.

Pure Python, no JavaScript and no chart library, so a PDF shows exactly what the page
shows and the output can be compared byte for byte in tests.

Contract of every chart function:

- it returns a SafeString of one ``<svg>`` element, valid XML, safe to embed inline: every
  piece of text that comes from the caller goes through ``django.utils.html.escape``;
- the same input (and the same active language, which formats numbers) gives the same
  string: the element ids are a hash of the input, not a counter or a uuid. Pass
  ``chart_id`` when one page shows the very same chart twice;
- ``role="img"`` with ``<title>`` and ``<desc>``; the desc spells out every value, because a
  screen reader announces an image as a whole and never reads its inner text;
- text is 12 px or more in viewBox units, and the CSS width is the natural size: a chart is
  only smaller on a screen narrower than it (``max-width: 100%``).

Text widths are estimated from DejaVu Sans metrics (the widest of our fonts, the only one in
the Docker image), since nothing measures text on the server; the estimate errs on the wide
side so labels are never clipped.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# The palette of static/css/solidaire.css; every colour used for a line or text has at
# least 4.5:1 contrast on white (WCAG 1.4.3 and 1.4.11).
BRAND = "#00695c"
ACCENT = "#8a3b00"
INK = "#1e1e1e"
MUTED = "#4a4a4a"
LINE = "#c9d3d1"
# Line chart series after the first: dark enough on white, far apart in hue, and each with
# its own marker shape so that colour is never the only cue.
SERIES_COLOURS = (BRAND, "#3949ab", "#6a1b9a", INK)
MARKERS = ("circle", "square", "diamond", "triangle")

# WeasyPrint's SVG renderer does not inherit the HTML font: without this attribute it
# would pick "sans-serif" and embed a second font family in every PDF (subsetting fonts is
# most of the time of a PDF). Same stack as static/css/print.css. On a web page, any CSS
# rule on the svg overrides it (a presentation attribute has the lowest priority).
FONT_FAMILY = "Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
FONT_SIZE = 12
LINE_HEIGHT = 15
RING_FRACTIONS = (0.25, 0.5, 0.75, 1.0)
LABEL_CHARS = 20  # beyond this, an axis label is wrapped on two lines

Number = float | int | Decimal


@dataclass
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: _Box, gap: float) -> bool:
        return (
            self.x0 < other.x1 + gap
            and other.x0 < self.x1 + gap
            and self.y0 < other.y1 + gap
            and other.y0 < self.y1 + gap
        )

    def union(self, other: _Box) -> _Box:
        return _Box(
            min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1)
        )


@dataclass
class _Label:
    lines: list[str]
    x: float
    top: float
    anchor: str  # "start", "middle" or "end"

    @property
    def box(self) -> _Box:
        width = max(_text_width(line) for line in self.lines)
        x0 = {"start": self.x, "middle": self.x - width / 2, "end": self.x - width}[self.anchor]
        return _Box(x0, self.top, x0 + width, self.top + LINE_HEIGHT * len(self.lines))


# ---------------------------------------------------------------------------------------
# Radar chart


def radar_chart(
    axes: Sequence[tuple[str, Number]],
    *,
    thresholds: Sequence[Number] | None = None,
    maximum: Number = 100,
    size: int = 360,
    title: str,
    description: str,
    chart_id: str | None = None,
) -> SafeString:
    """A radar chart of one value per axis (e.g. a score per référentiel domain).

    ``size`` is the side of the square holding the rings; the viewBox grows around it to
    fit the axis labels, so long French domain names are never clipped. Values and
    thresholds are clamped to [0, maximum]. With fewer than three axes a polygon would be a
    line or a dot, so the same data is drawn as horizontal bars (same colours, same
    thresholds, same 25 % grid); with no axis, the chart says there is no data.
    """
    if maximum <= 0:
        raise ValueError("maximum must be positive")
    if thresholds is not None and len(thresholds) != len(axes):
        raise ValueError("one threshold per axis")
    values = [_clamp(value, maximum) for _, value in axes]
    limits = [_clamp(limit, maximum) for limit in thresholds] if thresholds is not None else None
    names = [name for name, _ in axes]
    chart_id = chart_id or _chart_id("radar", names, values, limits, maximum, size, title, description)

    facts = [
        _("%(axis)s : %(value)s sur %(maximum)s") % {"axis": name, "value": _num(v), "maximum": _num(maximum)}
        + (_(" (minimum %(limit)s)") % {"limit": _num(limits[i])} if limits else "")
        for i, (name, v) in enumerate(zip(names, values, strict=True))
    ]
    desc = _join_sentences(description, "\u00a0; ".join(facts) if facts else _("Aucune donnée."))

    if not axes:
        box = _Box(0, 0, size, 3 * LINE_HEIGHT)
        body = [_text_element([_("Aucune donnée.")], size / 2, LINE_HEIGHT, "middle", MUTED)]
    elif len(axes) < 3:
        body, box = _bars(names, values, limits, maximum, size)
    else:
        body, box = _radar(names, values, limits, maximum, size)
    if limits is not None and axes:
        legend, box = _legend(box, [(_("Score"), "area"), (_("Seuil minimum"), "dashed")])
        body += legend
    return _svg(chart_id, box, title, desc, body)


def _radar(
    names: list[str], values: list[float], limits: list[float] | None, maximum: Number, size: int
) -> tuple[list[str], _Box]:
    centre = size / 2
    radius = size / 2 - 8
    count = len(names)
    # First axis straight up, then clockwise, as people read a clock.
    angles = [-math.pi / 2 + 2 * math.pi * i / count for i in range(count)]

    def point(angle: float, fraction: float) -> tuple[float, float]:
        return centre + radius * fraction * math.cos(angle), centre + radius * fraction * math.sin(angle)

    def polygon(fractions: Sequence[float]) -> str:
        return " ".join(f"{_n(x)},{_n(y)}" for x, y in map(point, angles, fractions))

    body = [f'<g class="chart-grid" fill="none" stroke="{LINE}" stroke-width="1">']
    body += [f'<polygon points="{polygon([f] * count)}"/>' for f in RING_FRACTIONS]
    for angle in angles:
        x, y = point(angle, 1)
        body.append(f'<line x1="{_n(centre)}" y1="{_n(centre)}" x2="{_n(x)}" y2="{_n(y)}"/>')
    body.append("</g>")
    fractions = [v / float(maximum) for v in values]
    body.append(
        f'<polygon class="chart-values" points="{polygon(fractions)}" fill="{BRAND}" fill-opacity="0.22" '
        f'stroke="{BRAND}" stroke-width="2.5" stroke-linejoin="round"/>'
    )
    if limits is not None:
        body.append(
            f'<polygon class="chart-threshold" points="{polygon([v / float(maximum) for v in limits])}" '
            f'fill="none" '
            f'stroke="{ACCENT}" stroke-width="2" stroke-dasharray="6 4" stroke-linejoin="round"/>'
        )
    for angle, fraction, name, value in zip(angles, fractions, names, values, strict=True):
        x, y = point(angle, fraction)
        body.append(
            f'<circle class="chart-point" cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{BRAND}" stroke="#ffffff" '
            f'stroke-width="1.5">'
            f"<title>{escape(name)} : {_num(value)}</title></circle>"
        )

    body += _ring_values(centre, radius, maximum)

    labels = [
        _axis_label(name, angle, centre, radius + 10) for name, angle in zip(names, angles, strict=True)
    ]
    _separate(labels)
    outer = [point(angle, 1) for angle in angles]
    box = _Box(
        min(x for x, _ in outer), min(y for _, y in outer), max(x for x, _ in outer), max(y for _, y in outer)
    )
    for label in labels:
        body.append(_text_element(label.lines, label.x, label.top, label.anchor, INK))
        box = box.union(label.box)
    return body, box


def _ring_values(centre: float, radius: float, maximum: Number) -> list[str]:
    """The value of each ring, along the first axis, just right of it, so the 25 % steps
    read as numbers; drawn after the polygons, on a pale backing, so that the lines
    crossing them do not strike them out."""
    body = []
    for fraction in RING_FRACTIONS:
        text, top = _num(float(maximum) * fraction), centre - radius * fraction + 2
        body.append(
            f'<rect x="{_n(centre + 2)}" y="{_n(top + 2)}" width="{_n(_text_width(text) + 4)}" '
            f'height="{LINE_HEIGHT - 4}" fill="#ffffff" fill-opacity="0.8"/>'
        )
        body.append(_text_element([text], centre + 4, top, "start", MUTED))
    return body


def _axis_label(name: str, angle: float, centre: float, distance: float) -> _Label:
    cos, sin = math.cos(angle), math.sin(angle)
    lines = _wrap(name, LABEL_CHARS)
    anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
    height = LINE_HEIGHT * len(lines)
    # Slide the block from "above the point" (top axis) through "centred on it" (sides) to
    # "below it" (bottom axis), so that no label ever covers the rings.
    top = centre + distance * sin - height / 2 + sin * height / 2
    return _Label(lines, centre + distance * cos, top, anchor)


def _separate(labels: list[_Label], gap: float = 3) -> None:
    """Pushes overlapping labels apart vertically (many axes with two-line names)."""
    for _round in range(50):
        moved = False
        for i, first in enumerate(labels):
            for second in labels[i + 1 :]:
                a, b = first.box, second.box
                if not a.overlaps(b, gap):
                    continue
                upper, lower = (first, second) if a.y0 + a.y1 <= b.y0 + b.y1 else (second, first)
                shift = (min(a.y1, b.y1) - max(a.y0, b.y0) + gap) / 2
                upper.top -= shift
                lower.top += shift
                moved = True
        if not moved:
            return


def _bars(
    names: list[str], values: list[float], limits: list[float] | None, maximum: Number, size: int
) -> tuple[list[str], _Box]:
    lines = [_wrap(name, LABEL_CHARS) for name in names]
    label_width = max(_text_width(line) for name_lines in lines for line in name_lines)
    left = label_width + 10
    right = max(size - 8, left + 120)  # an unbreakable long name widens the chart, never hides the bar
    row = 2 * LINE_HEIGHT + 14
    height = row * len(names) + LINE_HEIGHT + 6

    def x_of(value: float) -> float:
        return left + (right - left) * value / float(maximum)

    body = [f'<g stroke="{LINE}" stroke-width="1">']
    body += [
        f'<line x1="{_n(x_of(float(maximum) * f))}" y1="0" x2="{_n(x_of(float(maximum) * f))}" '
        f'y2="{_n(height - LINE_HEIGHT - 6)}"/>'
        for f in (0, *RING_FRACTIONS)
    ]
    body.append("</g>")
    body += [
        _text_element(
            [_num(float(maximum) * f)], x_of(float(maximum) * f), height - LINE_HEIGHT, "middle", MUTED
        )
        for f in (0, *RING_FRACTIONS)
    ]
    for i, (name_lines, value) in enumerate(zip(lines, values, strict=True)):
        top = row * i + 7
        body.append(
            _text_element(
                name_lines, left - 8, top + (row - 14 - LINE_HEIGHT * len(name_lines)) / 2, "end", INK
            )
        )
        body.append(
            f'<rect class="chart-bar" x="{_n(left)}" y="{_n(top + 4)}" width="{_n(x_of(value) - left)}" '
            f'height="{row - 22}" '
            f'fill="{BRAND}" fill-opacity="0.22" stroke="{BRAND}" stroke-width="2">'
            f"<title>{escape(names[i])} : {_num(value)}</title></rect>"
        )
        if limits is not None:
            x = _n(x_of(limits[i]))
            body.append(
                f'<line class="chart-threshold" x1="{x}" y1="{_n(top)}" x2="{x}" y2="{_n(top + row - 14)}" '
                f'stroke="{ACCENT}" '
                f'stroke-width="2" stroke-dasharray="4 3"/>'
            )
    return body, _Box(0, 0, right + 8, height)


# ---------------------------------------------------------------------------------------
# Line chart


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[str, Number | None]]]],
    *,
    target: Number | None = None,
    baseline: Number | None = None,
    unit: str = "",
    width: int = 560,
    height: int = 260,
    title: str,
    description: str,
    chart_id: str | None = None,
) -> SafeString:
    """Values of one or more series per period, against a target and a baseline.

    The periods on the x axis are those of all series, in order of first appearance; a
    missing value (None) breaks the line instead of joining its neighbours, since drawing
    through a gap would invent a value. The y axis includes 0 when no value is negative
    (an indicator that goes from 40 to 44 should not look as if it doubled).
    """
    periods = list(dict.fromkeys(period for _, points in series for period, _ in points))
    table = [(name, {period: _finite(value) for period, value in points}) for name, points in series]
    known = [v for _, values in table for v in values.values() if v is not None]
    references = [
        _Reference(label, float(value), unit, colour, dash, css_class)
        for label, value, colour, dash, css_class in (
            (_("Cible"), target, ACCENT, "7 4", "chart-target"),
            (_("Référence"), baseline, MUTED, "2 3", "chart-baseline"),
        )
        if value is not None
    ]
    chart_id = chart_id or _chart_id(
        "line", series, target, baseline, unit, width, height, title, description
    )
    desc = _join_sentences(description, _line_facts(table, periods, references, unit))

    scale_values = known + [reference.value for reference in references]
    ticks = _nice_ticks(min(scale_values), max(scale_values)) if scale_values else []
    tick_labels = [_num(tick) for tick in ticks]
    left = max([_text_width(label) for label in tick_labels] + [_text_width(unit)]) + 12
    right = width - 8 - max([_text_width(r.text) + 8 for r in references], default=0)
    plot = _Box(left, 2 * LINE_HEIGHT if unit else 10, right, height - 2 * LINE_HEIGHT)

    def y_of(value: float) -> float:
        low, high = ticks[0], ticks[-1]
        return plot.y1 - (value - low) / (high - low) * (plot.y1 - plot.y0)

    x_positions = _x_positions(len(periods), left, right)
    body = _axes(plot, ticks, tick_labels, unit, periods, x_positions, y_of)
    if not known:
        centre = (plot.x0 + plot.x1) / 2, (plot.y0 + plot.y1) / 2 - 8
        body.append(_text_element([_("Aucune valeur.")], *centre, "middle", MUTED))
    body += _reference_lines(references, plot, y_of)
    for i, (name, values) in enumerate(table):
        body += _series(name, [values.get(p) for p in periods], periods, x_positions, y_of, unit, i)

    box = _Box(0, 0, width, height)
    if len(table) > 1:
        styles = [_series_style(i) for i in range(len(table))]
        items = [(name, marker) for (name, _values), (_colour, marker) in zip(table, styles, strict=True)]
        legend, box = _legend(box, items, colours=[colour for colour, _marker in styles])
        body += legend
    return _svg(chart_id, box, title, desc, body)


@dataclass
class _Reference:
    """A horizontal line for the target or the baseline of an indicator."""

    label: str
    value: float
    unit: str
    colour: str
    dash: str
    css_class: str

    @property
    def text(self) -> str:
        return f"{self.label} : {_num(self.value, self.unit)}"


def _line_facts(
    table: list[tuple[str, dict[str, float | None]]],
    periods: list[str],
    references: list[_Reference],
    unit: str,
) -> str:
    facts = [
        f"{name} : "
        + ", ".join(
            f"{period} {_num(value, unit) if (value := values[period]) is not None else _('sans valeur')}"
            for period in periods
            if period in values
        )
        for name, values in table
    ]
    facts += [reference.text for reference in references]
    return "\u00a0; ".join(facts) if facts else _("Aucune donnée.")


def _reference_lines(references: list[_Reference], plot: _Box, y_of: Callable[[float], float]) -> list[str]:
    """Dashed lines across the plot, labelled in the right margin (pushed apart when close)."""
    body, labels = [], []
    for reference in references:
        y = _n(y_of(reference.value))
        body.append(
            f'<line class="{reference.css_class}" x1="{_n(plot.x0)}" y1="{y}" x2="{_n(plot.x1)}" y2="{y}" '
            f'stroke="{reference.colour}" stroke-width="1.5" stroke-dasharray="{reference.dash}"/>'
        )
        labels.append(_Label([reference.text], plot.x1 + 6, y_of(reference.value) - LINE_HEIGHT / 2, "start"))
    _separate(labels)
    body += [
        _text_element(label.lines, label.x, label.top, label.anchor, reference.colour)
        for label, reference in zip(labels, references, strict=True)
    ]
    return body


def _axes(
    plot: _Box,
    ticks: list[float],
    tick_labels: list[str],
    unit: str,
    periods: list[str],
    x_positions: list[float],
    y_of: Callable[[float], float],
) -> list[str]:
    body = [f'<g stroke="{LINE}" stroke-width="1">']
    body += [
        f'<line x1="{_n(plot.x0)}" y1="{_n(y_of(t))}" x2="{_n(plot.x1)}" y2="{_n(y_of(t))}"/>' for t in ticks
    ]
    body.append("</g>")
    body.append(
        f'<line x1="{_n(plot.x0)}" y1="{_n(plot.y1)}" x2="{_n(plot.x1)}" y2="{_n(plot.y1)}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    body.append('<g class="chart-y-ticks">')
    body += [
        _text_element([label], plot.x0 - 6, y_of(tick) - LINE_HEIGHT / 2, "end", MUTED)
        for tick, label in zip(ticks, tick_labels, strict=True)
    ]
    body.append("</g>")
    if unit:
        body.append(_text_element([unit], plot.x0 - 6, 0, "start" if not ticks else "end", MUTED))
    # Show every k-th period when their labels would touch (monthly data over years).
    spacing = (x_positions[1] - x_positions[0]) if len(x_positions) > 1 else math.inf
    widest = max((_text_width(period) for period in periods), default=0)
    step = max(1, math.ceil((widest + 8) / spacing))
    body += [
        _text_element([period], x, plot.y1 + 4, "middle", INK)
        for i, (period, x) in enumerate(zip(periods, x_positions, strict=True))
        if i % step == 0
    ]
    return body


def _series(
    name: str,
    values: list[float | None],
    periods: list[str],
    x_positions: list[float],
    y_of: Callable[[float], float],
    unit: str,
    index: int,
) -> list[str]:
    colour, marker = _series_style(index)
    path, pen_down, previous = [], False, None
    for x, value in zip(x_positions, values, strict=True):
        if value is None:
            pen_down = False
            continue
        point = f"{_n(x)} {_n(y_of(value))}"
        if pen_down:
            if previous is not None:  # the segment's first point, kept until a second one comes
                path.append(previous)
                previous = None
            path.append(f"L {point}")
        else:
            previous = f"M {point}"
            pen_down = True
    body = []
    if path:
        body.append(
            f'<path class="chart-line" d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    for x, value, period in zip(x_positions, values, periods, strict=True):
        if value is not None:
            tooltip = f"<title>{escape(name)}, {escape(period)} : {_num(value, unit)}</title>"
            body.append(_marker(marker, x, y_of(value), colour, tooltip))
    return body


def _series_style(index: int) -> tuple[str, str]:
    # The fifth series gets the first colour with the second marker, and so on: no two
    # series of a chart look alike up to 16 of them.
    colours, markers = len(SERIES_COLOURS), len(MARKERS)
    return SERIES_COLOURS[index % colours], MARKERS[(index + index // colours) % markers]


def _x_positions(count: int, left: float, right: float) -> list[float]:
    if count == 1:
        return [(left + right) / 2]
    inset = 18  # keeps the first and last points off the axis and their labels inside
    return [left + inset + (right - left - 2 * inset) * i / (count - 1) for i in range(count)]


def _nice_ticks(low: float, high: float) -> list[float]:
    """4 or 5 round ticks (steps of 1, 2, 2.5 or 5 × 10ⁿ) covering [low, high]."""
    if low >= 0:
        low = 0.0
    elif high <= 0:
        high = 0.0
    if high == low:
        high = low + 1
    magnitude = 10 ** math.floor(math.log10((high - low) / 4))
    for multiple in (1, 2, 2.5, 5, 10, 20):
        step = multiple * magnitude
        start = math.floor(low / step + 1e-9)
        stop = math.ceil(high / step - 1e-9)
        if stop - start + 1 <= 5:
            break
    # Multiplying integers by the step, then rounding, avoids 0.30000000000000004.
    return [round(i * step, 10) for i in range(start, stop + 1)]


# ---------------------------------------------------------------------------------------
# Shared pieces


def _svg(chart_id: str, box: _Box, title: str, desc: str, body: list[str]) -> SafeString:
    box = _Box(box.x0 - 4, box.y0 - 4, box.x1 + 4, box.y1 + 4)
    width, height = math.ceil(box.x1 - box.x0), math.ceil(box.y1 - box.y0)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="{_n(box.x0)} {_n(box.y0)} {width} {height}" '
        # A width attribute and no height: browsers derive the height from the viewBox when
        # max-width shrinks the chart (WeasyPrint 70 mis-sizes an inline svg that has a height
        # attribute with "height: auto"). No style attribute: the CSP forbids inline styles.
        f'width="{width}" font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    # Safe: every text that came from the caller went through escape() above or in _text_element.
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - escaped as said above


def _legend(
    box: _Box, items: list[tuple[str, str]], colours: Sequence[str] = (BRAND, ACCENT)
) -> tuple[list[str], _Box]:
    """Legend items in rows below ``box``; an item is (text, symbol)."""
    body, x, y = [], box.x0, box.y1 + 8
    for i, (text, symbol) in enumerate(items):
        item_width = 26 + _text_width(text)
        if x > box.x0 and x + item_width > box.x1:
            x, y = box.x0, y + LINE_HEIGHT + 4
        colour = colours[i % len(colours)]
        middle = y + LINE_HEIGHT / 2
        if symbol == "area":
            body.append(
                f'<rect x="{_n(x)}" y="{_n(middle - 5)}" width="18" height="10" fill="{colour}" '
                f'fill-opacity="0.22" stroke="{colour}" stroke-width="2"/>'
            )
        elif symbol == "dashed":
            body.append(
                f'<line x1="{_n(x)}" y1="{_n(middle)}" x2="{_n(x + 18)}" y2="{_n(middle)}" '
                f'stroke="{colour}" stroke-width="2" stroke-dasharray="6 4"/>'
            )
        else:
            body.append(
                f'<line x1="{_n(x)}" y1="{_n(middle)}" x2="{_n(x + 18)}" y2="{_n(middle)}" '
                f'stroke="{colour}" stroke-width="2.5"/>'
            )
            body.append(_marker(symbol, x + 9, middle, colour, ""))
        body.append(_text_element([text], x + 24, y, "start", INK))
        x += item_width + 16
    return body, box.union(_Box(box.x0, y, box.x0, y + LINE_HEIGHT))


def _marker(shape: str, x: float, y: float, colour: str, tooltip: str) -> str:
    """A data point (with its tooltip) or, without a tooltip, its picture in the legend."""
    css_class = ' class="chart-point"' if tooltip else ""
    stroke = f'{css_class} fill="{colour}" stroke="#ffffff" stroke-width="1.5"'
    if shape == "square":
        return f'<rect {stroke} x="{_n(x - 4)}" y="{_n(y - 4)}" width="8" height="8">{tooltip}</rect>'
    if shape == "diamond":
        points = f"{_n(x)},{_n(y - 5.5)} {_n(x + 5.5)},{_n(y)} {_n(x)},{_n(y + 5.5)} {_n(x - 5.5)},{_n(y)}"
        return f'<polygon {stroke} points="{points}">{tooltip}</polygon>'
    if shape == "triangle":
        points = f"{_n(x)},{_n(y - 5.5)} {_n(x + 5)},{_n(y + 4)} {_n(x - 5)},{_n(y + 4)}"
        return f'<polygon {stroke} points="{points}">{tooltip}</polygon>'
    return f'<circle {stroke} cx="{_n(x)}" cy="{_n(y)}" r="4">{tooltip}</circle>'


def _text_element(lines: list[str], x: float, top: float, anchor: str, colour: str) -> str:
    """Text whose first line box starts at ``top``; baselines are computed here because
    WeasyPrint ignores dominant-baseline and em-based dy."""
    baseline = LINE_HEIGHT / 2 + FONT_SIZE * 0.35
    spans = "".join(
        f'<tspan x="{_n(x)}" y="{_n(top + baseline + LINE_HEIGHT * i)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text text-anchor="{anchor}" fill="{colour}">{spans}</text>'


def _wrap(text: str, limit: int) -> list[str]:
    """One line, or two lines split at the space that best balances them (never cut)."""
    text = " ".join(text.split())
    if len(text) <= limit or " " not in text:
        return [text]
    spaces = [i for i, char in enumerate(text) if char == " "]
    split = min(spaces, key=lambda i: (max(i, len(text) - i - 1), i))
    return [text[:split], text[split + 1 :]]


# Advance widths of DejaVu Sans in ems, grouped; other characters count as 0.62 em.
_NARROW = set("iljfrt.,;:'!|()[] ")
_WIDE = set("mwMWÆŒæœ%@")


def _text_width(text: str) -> float:
    ems = sum(
        0.32
        if c in _NARROW
        else 0.92
        if c in _WIDE
        else 0.72
        if c.isupper()
        else 0.64
        if c.isdigit()
        else 0.6
        for c in text
    )
    return ems * FONT_SIZE


def _clamp(value: Number, maximum: Number) -> float:
    number = float(value)
    if math.isnan(number):
        return 0.0
    return min(max(number, 0.0), float(maximum))


def _finite(value: Number | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _n(number: float) -> str:
    """A coordinate: one decimal is finer than a printer dot, and keeps the markup short."""
    text = f"{number:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _num(value: Number, unit: str = "") -> str:
    """A value for people: localised decimal separator, at most two decimals."""
    rounded = round(float(value), 2)
    shown = number_format(int(rounded) if rounded.is_integer() else rounded)
    return f"{shown}\u00a0{unit}" if unit else shown


def _join_sentences(*parts: str) -> str:
    sentences = [part.strip() for part in parts if part and part.strip()]
    return " ".join(s if s.endswith((".", "!", "?", "…")) else s + "." for s in sentences)


def _chart_id(*parts: object) -> str:
    # A hash of the input: unique per chart on a page, yet the same on every render.
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=5).hexdigest()
    return f"chart-{digest}"
