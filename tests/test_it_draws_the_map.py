"""The map of signatories by département: an SVG drawn on the server, no database."""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from signatures.map import bounds, bucket, map_legend, outlines, render_map
from signatures.places import departements

SVG = "{http://www.w3.org/2000/svg}"
# Every code of the reference data but those of places where nobody is elected.
CODES = [d["code"] for d in json.loads(
    (Path(__file__).parent.parent / "signatures/data/departements.json").read_text())
    ["departements"] if d["code"] not in ("984", "989")]


def draw(counts=None, names=None):
    names = departements() if names is None else names
    return render_map(counts or {}, lambda code: f"/signatories/?departement={code}&page=1",
                      names, "Signatories by département",
                      lambda code, n: f"{names.get(code, code)} ({code}) : {n} signatures")


def links(svg: str) -> dict[str, ET.Element]:
    """The <a> of each département, by code, checking that none appears twice."""
    found = {}
    for a in ET.fromstring(svg).iter(f"{SVG}a"):
        code = re.fullmatch(r"/signatories/\?departement=(\w+)&page=1", a.get("href"))[1]
        assert code not in found, code
        found[code] = a
    return found


def path_of(a: ET.Element) -> ET.Element:
    (path,) = a.findall(f"{SVG}path")
    return path


def test_every_departement_with_an_outline_is_one_link_around_a_titled_path():
    svg = draw({"29": 3})
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    title_id = root.get("aria-labelledby")
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == "Signatories by département"
    found = links(svg)
    paths = outlines()[1]
    assert len(paths) == 96
    assert set(paths) <= set(CODES)
    for code in CODES:  # the outlines, and a box for every code of names without one
        assert svg.count(f'href="/signatories/?departement={code}&amp;page=1"') == 1, code
        assert path_of(found[code]).get("d")
    assert set(found) == set(CODES)
    assert path_of(found["29"]).find(f"{SVG}title").text == "Finistère (29) : 3 signatures"
    assert found["29"].get("aria-label") == "Finistère (29) : 3 signatures"
    assert "2A" in found and "2B" in found and "20" not in found


def test_the_overseas_departements_are_labelled_boxes():
    found = links(draw({"974": 2}))
    for code in ("971", "972", "973", "974", "976"):
        a = found[code]
        assert "box" in path_of(a).get("class").split()
        label = a.find(f"{SVG}text")
        assert label.text == departements()[code]
        assert label.get("aria-hidden") == "true"
    assert path_of(found["974"]).find(f"{SVG}title").text == "La Réunion (974) : 2 signatures"
    assert found["974"].get("aria-label") == "La Réunion (974) : 2 signatures"
    assert path_of(found["974"]).get("class") == "m5 box"
    assert path_of(found["987"]).get("class") == "m0 box"  # collectivities too


OVERSEAS = ["971", "972", "973", "974", "976", "975", "977", "978", "986", "987", "988"]
BARE_BOX = r"M\S+ \S+h\S+v\S+h-\S+z"


def frame_and_outline(a: ET.Element) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The box's frame (x, y, right, bottom) and the extent of the territory drawn in it,
    both in the map's units."""
    (rect,) = a.findall(f"{SVG}rect")
    x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
    path = path_of(a)
    tx, ty, scale = map(float, re.fullmatch(r"translate\((\S+) (\S+)\) scale\((\S+)\)",
                                             path.get("transform")).groups())
    left, top, right, bottom = bounds(path.get("d"))
    return (x, y, x + w, y + h), (tx + left * scale, ty + top * scale,
                                  tx + right * scale, ty + bottom * scale)


def test_each_overseas_territory_is_drawn_in_its_box_not_only_a_rectangle():
    found = links(draw())
    for code in OVERSEAS:
        d = path_of(found[code]).get("d")
        assert not re.fullmatch(BARE_BOX, d), code
        assert len(re.findall(r"-?(?:\d+\.?\d*|\.\d+)", d)) >= 8, code  # 4 points or more
        (fx, fy, fright, fbottom), (left, top, right, bottom) = frame_and_outline(found[code])
        assert fx < left and right < fright and fy < top and bottom < fbottom, code
        # Scaled to fill its box on one side at least: not a speck in a corner.
        assert max((right - left) / (fright - fx), (bottom - top) / (fbottom - fy)) > .8, code
    # Archipelagos keep their islands: Guadeloupe's three, Polynésie française's twenty-one.
    assert path_of(found["971"]).get("d").count("z") == 3
    assert path_of(found["987"]).get("d").count("z") == 21
    # Guyane is taller than wide, Nouvelle-Calédonie wider than tall, as on a map.
    _, (left, top, right, bottom) = frame_and_outline(found["973"])
    assert bottom - top > right - left
    _, (left, top, right, bottom) = frame_and_outline(found["988"])
    assert right - left > 1.5 * (bottom - top)


def test_a_code_without_any_outline_keeps_a_plain_box():
    names = {**departements(), "999": "Île imaginaire"}
    a = links(draw({"999": 1}, names))["999"]
    assert re.fullmatch(BARE_BOX, path_of(a).get("d"))
    assert a.find(f"{SVG}text").text == "Île imaginaire"
    assert not a.findall(f"{SVG}rect")


def test_the_boxes_stay_inside_the_view_box():
    svg = draw()
    _, _, width, height = map(float, ET.fromstring(svg).get("viewBox").split())
    assert width == 613 and height > 585  # the collectivities go below the map
    found = links(svg)
    for code in OVERSEAS:
        (x, y, right, bottom), _ = frame_and_outline(found[code])
        assert 0 <= x and right <= width and 0 <= y and bottom <= height, code


def test_counts_choose_the_class():
    counts = {"01": 1, "02": 2, "03": 5, "04": 6, "05": 10, "06": 11, "07": 20, "08": 21,
              "09": 40, "971": 40, "2A": 0}
    found = links(draw(counts))
    classes = {code: path_of(a).get("class").split()[0] for code, a in found.items()}
    assert classes["01"] == "m1"
    assert classes["02"] == classes["03"] == "m2"  # up to 40/8
    assert classes["04"] == classes["05"] == "m3"  # up to 40/4
    assert classes["06"] == classes["07"] == "m4"  # up to 40/2
    assert classes["08"] == classes["09"] == classes["971"] == "m5"
    assert classes["2A"] == classes["2B"] == classes["75"] == "m0"
    assert map_legend(counts, departements()) == [
        {"css_class": "m0", "low": 0, "high": 0}, {"css_class": "m1", "low": 1, "high": 1},
        {"css_class": "m2", "low": 2, "high": 5}, {"css_class": "m3", "low": 6, "high": 10},
        {"css_class": "m4", "low": 11, "high": 20}, {"css_class": "m5", "low": 21, "high": 40},
    ]


def test_small_counts_skip_the_empty_buckets():
    assert [bucket(n, 3) for n in (0, 1, 2, 3)] == ["m0", "m1", "m5", "m5"]
    assert map_legend({"01": 3, "99": 1000}, departements()) == [  # 99 is not drawn
        {"css_class": "m0", "low": 0, "high": 0}, {"css_class": "m1", "low": 1, "high": 1},
        {"css_class": "m5", "low": 2, "high": 3},
    ]
    assert map_legend({}, departements()) == [{"css_class": "m0", "low": 0, "high": 0}]
    assert {path_of(a).get("class").split()[0] for a in links(draw()).values()} == {"m0"}


def test_every_text_is_escaped():
    names = {**departements(), "29": "<script>alert(1)</script>",
             "971": 'Guadeloupe "<script>x</script>" & co'}
    svg = draw({"29": 1}, names)
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (29) : 1 signatures" in svg
    found = links(svg)  # still well-formed XML
    assert path_of(found["29"]).find(f"{SVG}title").text == (
        "<script>alert(1)</script> (29) : 1 signatures")
    assert found["971"].find(f"{SVG}text").text == 'Guadeloupe "<script>x</script>" & co'
    title = render_map({}, lambda code: "/", {}, "<b>Carte</b> & co", lambda code, n: code)
    assert ET.fromstring(title).find(f"{SVG}title").text == "<b>Carte</b> & co"


def test_the_svg_has_no_inline_style_nor_script():
    svg = draw({"75": 4})
    assert "style" not in svg and "<script" not in svg and "javascript:" not in svg
    for element in ET.fromstring(svg).iter():
        assert not any(attribute.startswith("on") for attribute in element.attrib)


def test_the_stylesheet_colours_every_class():
    css = (Path(__file__).parent.parent / "static/css/map.css").read_text()
    for i in range(6):
        assert f".fr-map .m{i} {{ fill: var(--m{i}); }}" in css
    assert "a:focus path, .fr-map a:hover path" in css
    assert "prefers-color-scheme: dark" in css


def test_paris_and_the_petite_couronne_are_drawn_again_enlarged_in_an_inset():
    names = departements()
    svg = render_map({"75": 3}, lambda code: f"/s/?departement={code}", names, "Map",
                     lambda code, n: f"{code}: {n}", inset_label="Paris et petite couronne")
    root = ET.fromstring(svg)
    (inset,) = [g for g in root.iter(f"{SVG}g") if g.get("class") == "inset"]
    repeated = {a.get("href")[-2:]: a for a in inset.iter(f"{SVG}a")}
    assert set(repeated) == {"75", "92", "93", "94"}
    # Announced and tabbed to once, on the map itself.
    assert all(a.get("aria-hidden") == "true" and a.get("tabindex") == "-1"
               for a in repeated.values())
    scale = float(re.search(r"scale\(([\d.]+)\)", ET.tostring(inset).decode())[1])
    assert scale > 4  # about 20 units across, drawn in more than 100
    assert "Paris et petite couronne" in "".join(inset.itertext())
    assert path_of(repeated["75"]).get("class") == "m5"


def test_places_without_elected_officials_are_not_drawn():
    svg = draw()
    assert "984" not in links(svg) and "989" not in links(svg)
    assert "Clipperton" not in svg and "australes" not in svg
