"""Screenshots of the public pages at 1280 and 375 px, for the README.

Run against a local site with demo data, from the repository root:

    make demo && make run PORT=8001        # in one terminal
    .venv/bin/python docs/screenshots/take.py http://127.0.0.1:8001

It uses Debian's Chromium through Playwright (a test dependency) and writes
PNG files next to this script.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).parent
SLUG = "vsa-jo-2024"
WIDTHS = [(1280, 900), (375, 740)]


def pages(base):
    """(name, url, what to do before the shot, (first, last) elements to shoot or None)."""
    def submit_empty(page):
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state()

    return [
        ("petition", f"{base}/p/{SLUG}/", None, None),
        ("form-with-errors", f"{base}/p/{SLUG}/sign/", submit_empty, None),
        ("thanks", f"{base}/p/{SLUG}/thanks/", None, None),
        ("list", f"{base}/p/{SLUG}/signatories/", None, None),
        ("map", f"{base}/p/{SLUG}/signatories/", None, (".map-wrap", ".map-legend")),
    ]


def main(base="http://127.0.0.1:8000"):
    base = base.rstrip("/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        for width, height in WIDTHS:
            page = browser.new_context(viewport={"width": width, "height": height},
                                       locale="fr-FR").new_page()
            for name, url, before, element in pages(base):
                page.goto(url)
                if before:
                    before(page)
                path = HERE / f"{name}-{width}.png"
                if element:
                    # From the top of the first element to the bottom of the last.
                    first, last = (page.locator(name).bounding_box() for name in element)
                    page.screenshot(path=path, full_page=True, clip={
                        "x": 0, "y": first["y"], "width": width,
                        "height": last["y"] + last["height"] - first["y"]})
                else:
                    page.screenshot(path=path)
                print(path)
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
