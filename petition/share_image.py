"""The share card (og:image): the petition's title, its count and the site's name, as a PNG.

Drawn with Pillow and DejaVu Sans, shipped in petition/fonts/ (the font
Pillow bundles has no accented letters), so that `make run` needs nothing
from the system. The card changes only when the count crosses a
step, so the shared cache keeps it and social networks see a stable URL
between steps.
"""

import io
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
PAPER, INK, ACCENT, MUTED = "#fdfcf9", "#1a1a1a", "#7a1f2b", "#4a4a4a"
CACHE_SECONDS = 7 * 24 * 3600
FONTS = Path(__file__).parent / "fonts"


def count_step(count: int) -> int:
    """The count the card shows: it moves by 1 up to 10, then by 10, 50, 100."""
    for limit, step in ((10, 1), (100, 10), (1000, 50)):
        if count < limit:
            return count - count % step
    return count - count % 100


@dataclass
class Card:
    """What was drawn, line by line: the tests read the text through it."""

    png: bytes = b""
    lines: list[str] = field(default_factory=list)


def _wrapped(draw, text, font, width, max_lines):
    for chars in range(60, 10, -2):
        lines = textwrap.wrap(text, chars)
        if all(draw.textlength(line, font=font) <= width for line in lines):
            break
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" .,;:") + "…"
    return lines


def draw_card(title: str, count_line: str, site_name: str) -> Card:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 24, HEIGHT), fill=ACCENT)
    title_font = ImageFont.truetype(FONTS / "DejaVuSans-Bold.ttf", 60)
    count_font = ImageFont.truetype(FONTS / "DejaVuSans-Bold.ttf", 46)
    site_font = ImageFont.truetype(FONTS / "DejaVuSans.ttf", 32)
    card = Card()
    y = MARGIN
    for line in _wrapped(draw, title, title_font, WIDTH - 2 * MARGIN, 4):
        draw.text((MARGIN, y), line, font=title_font, fill=INK)
        card.lines.append(line)
        y += 80
    draw.text((MARGIN, HEIGHT - MARGIN - 120), count_line, font=count_font, fill=ACCENT)
    card.lines.append(count_line)
    draw.text((MARGIN, HEIGHT - MARGIN - 40), site_name, font=site_font, fill=MUTED)
    card.lines.append(site_name)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    card.png = buffer.getvalue()
    return card


def cached_card(key: str, title: str, count_line: str, site_name: str) -> bytes:
    png = cache.get(key)
    if png is None:
        png = draw_card(title, count_line, site_name).png
        cache.set(key, png, CACHE_SECONDS)
    return png
