"""axe-core (shipped by axe-playwright-python) in Debian's Chromium: no WCAG violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from .test_it_shows_whether_officials_signed import brest  # noqa: F401  (a fixture)
from .test_it_works_in_a_browser import CHROMIUM_ARGS

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                               "wcag22aa"]}}


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("dark", [False, True])
def test_public_pages_have_no_axe_violation(live_server, confirm_token, brest,  # noqa: F811
                                            prefix, dark):
    urls = [
        "/p/vsa-jo-2024/",
        "/p/vsa-jo-2024/sign/",
        "/p/vsa-jo-2024/signatories/",
        "/p/vsa-jo-2024/signatories/?mandate=senator&departement=29",
        "/p/vsa-jo-2024/check-inbox/",
        f"/confirm/{confirm_token}/",
        "/confirm/forged-token/",
        "/p/vsa-jo-2024/thanks/",
        "/privacy/",
        "/p/vsa-jo-2024/your-officials/",
        "/p/vsa-jo-2024/your-officials/?locality=Brest",
        "/p/vsa-jo-2024/your-officials/?locality=%3Cscript%3E",
    ]
    axe = Axe()
    failures = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        page = browser.new_context(color_scheme="dark" if dark else "light").new_page()
        for url in urls:
            page.goto(live_server.url + prefix + url)
            results = axe.run(page, options=WCAG)
            if results.violations_count:
                failures[url] = results.generate_report()
        # The form with errors.
        page.goto(live_server.url + prefix + "/p/vsa-jo-2024/sign/")
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state()
        results = axe.run(page, options=WCAG)
        if results.violations_count:
            failures["form with errors"] = results.generate_report()
        # A place to choose among suggestions, a signer's check-inbox page, a bad correction.
        page.goto(live_server.url + prefix + "/p/vsa-jo-2024/sign/")
        page.check("#id_civility_0")
        page.fill("#id_first_name", "Anne")
        page.fill("#id_last_name", "Martin")
        page.fill("#id_email", "anne.martin@mairie-exemple.fr")
        page.select_option("#id_mandate", "mayor")
        page.fill("#id_locality", "Saint-Denis")
        page.select_option("#id_party", label="Sans étiquette")
        page.check("#id_consent")
        for name, step, expected in [
            ("places to choose", lambda: page.locator("form button[type=submit]").first.click(),
             ".locality-choices"),
            ("check-inbox of a signer", lambda: (page.check("#id_locality_choice_0"),
                                                 page.locator("form button.button").last.click()),
             "#id_corrected_email"),
            ("correction with an error", lambda: (
                page.fill("#id_corrected_email", "pas une adresse"),
                page.locator("form[action$='correct-email/'] button").click()), "#id_email_error"),
        ]:
            step()
            page.wait_for_load_state()
            assert page.locator(expected).count() == 1, name
            results = axe.run(page, options=WCAG)
            if results.violations_count:
                failures[name] = results.generate_report()
        # Usable at 320 px wide: nothing scrolls sideways.
        page.set_viewport_size({"width": 320, "height": 640})
        for url in ("/p/vsa-jo-2024/", "/p/vsa-jo-2024/sign/", "/p/vsa-jo-2024/signatories/",
                    "/p/vsa-jo-2024/your-officials/?locality=Brest"):
            page.goto(live_server.url + prefix + url)
            overflow = page.evaluate("document.documentElement.scrollWidth")
            if overflow > 320:
                failures[f"{url} at 320 px"] = f"page is {overflow} px wide"
        browser.close()
    assert not failures, "\n\n".join(f"{url}:\n{report}" for url, report in failures.items())
