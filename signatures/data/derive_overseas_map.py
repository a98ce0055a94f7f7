"""Derive overseas-map.json, the outlines of the overseas boxes of the map of signatories.

Source: npm package @svg-maps/world@2.0.0 by Victor Cazanave (CC-BY-4.0), the
same author and licence as the départements' map. Regenerate with:

    mkdir -p /tmp/svg-maps-world && (cd /tmp/svg-maps-world \\
      && npm pack @svg-maps/world@2.0.0 && tar xzf svg-maps-world-2.0.0.tgz)
    python signatures/data/derive_overseas_map.py /tmp/svg-maps-world/package/index.js

A world map draws La Réunion a unit and a half wide, so each territory is
taken on its own: moved to its top-left corner and scaled until its longer side
is 100 units, then rounded to a tenth of a unit like the départements.
signatures/map.py scales each one again into its box. An island whose longer
side would be under MIN_ISLAND units (the atolls of Polynésie française, Wallis
and Futuna, the Chesterfield islands) is enlarged around its centre to that
size, so that it still shows as more than a speck.
"""

import json
import sys
from pathlib import Path

from derive_map import HERE, absolute_outlines, compact, in_tenths, known_codes, read_package

SOURCE = "@svg-maps/world@2.0.0 by VictorCazanave, CC-BY-4.0"
SIDE = 100
MIN_ISLAND = 12
# The world map's ids (ISO 3166-1) of the overseas départements and of the
# collectivities where officials are elected. Not the TAAF (tf) nor Clipperton,
# where nobody is (signatures.places.WITHOUT_ELECTED_OFFICIALS).
CODES = {"gp": "971", "mq": "972", "gf": "973", "re": "974", "yt": "976", "pm": "975",
         "bl": "977", "mf": "978", "wf": "986", "pf": "987", "nc": "988"}


def extent(outlines: list[list[tuple[float, float]]]) -> tuple[float, float, float, float]:
    xs = [x for outline in outlines for x, _ in outline]
    ys = [y for outline in outlines for _, y in outline]
    return min(xs), min(ys), max(xs), max(ys)


def enlarged(outline: list[tuple[float, float]], least: float) -> list[tuple[float, float]]:
    """The outline, grown around its centre until its longer side is at least `least`."""
    left, top, right, bottom = extent([outline])
    side = max(right - left, bottom - top)
    if side >= least:
        return outline
    factor, cx, cy = least / side, (left + right) / 2, (top + bottom) / 2
    return [(cx + (x - cx) * factor, cy + (y - cy) * factor) for x, y in outline]


def main(index_js: Path):
    package, known = read_package(index_js), known_codes()
    territories = {}
    for location in package["locations"]:
        code = CODES.get(location["id"])
        if code is None:
            continue
        if code not in known:
            raise ValueError(f"{code} ({location['name']}) is not in departements.json")
        outlines = absolute_outlines(location["path"])
        left, top, right, bottom = extent(outlines)
        outlines = [enlarged(outline, MIN_ISLAND * max(right - left, bottom - top) / SIDE)
                    for outline in outlines]
        left, top, right, bottom = extent(outlines)
        scale = SIDE / max(right - left, bottom - top)
        territories[code] = {
            "width": round((right - left) * scale, 1),
            "height": round((bottom - top) * scale, 1),
            "d": compact(in_tenths(outlines, scale, (left, top))),
        }
    missing = set(CODES.values()) - set(territories)
    if missing:
        raise ValueError(f"no outline for {sorted(missing)}")
    (HERE / "overseas-map.json").write_text(
        json.dumps(
            {"source": SOURCE,
             "licence": "https://creativecommons.org/licenses/by/4.0/",
             "unit": f"each territory alone, from (0, 0), its longer side {SIDE}",
             "territories": {code: territories[code] for code in known if code in territories}},
            ensure_ascii=False, indent=0,
        ) + "\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
