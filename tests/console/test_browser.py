"""The console in a real browser: Chromium and its driver from Debian's packages, driven by
Selenium, against a server process on loopback; axe-core (the copy the PyPI package
axe-playwright-python ships) checks every page against WCAG 2.2 AA."""

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import axe_playwright_python
import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import update

from app.auth.models import Account
from app.situations.models import Situation
from scripts import live
from tests.conftest import TEST_ENCRYPTION_KEYS, Database
from tests.factories import PASSWORD, World, situation_body

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if not (CHROMIUM and DRIVER):
    if os.environ.get("BIENTRAITANCE_BROWSER_TESTS") == "required":
        raise RuntimeError("the browser tests are required: install chromium and chromium-driver")
    pytest.skip("Chromium and chromium-driver are not installed", allow_module_level=True)

AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
PHONE = (390, 844)


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    port = live.free_port()
    process = live.start(
        port,
        {
            "BIENTRAITANCE_DATABASE_URL": database_url,
            "BIENTRAITANCE_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
            "BIENTRAITANCE_WEBHOOKS_IN_PROCESS": "false",
        },
    )
    yield f"http://127.0.0.1:{port}"
    live.stop(process)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={PHONE[0]},{PHONE[1]}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
    # A phone's screen: headless Chromium keeps a window at least 500 pixels wide, so the
    # width is set on the page's viewport itself, as a phone's.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True},
    )
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def accessible(browser: webdriver.Chrome) -> None:
    """axe-core finds no violation of WCAG 2.0, 2.1 and 2.2 A and AA on the page, and the page
    does not scroll sideways at phone width."""
    browser.execute_script(AXE)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
        ".then(r => done(r.violations.map(v => [v.id, v.nodes.map(n => n.target)])));"
    )
    assert result == [], (browser.current_url, result)
    # On a phone, a page wider than the screen widens the viewport (and is shown smaller).
    width = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width == [PHONE[0], PHONE[0]], (browser.current_url, width)


def follow(browser: webdriver.Chrome, element: WebElement) -> None:
    """Clicks a link or a button, and waits for the page it leads to (a new document, which
    does not carry the mark left on this one)."""
    browser.execute_script("window.leftBehind = true;")
    element.click()
    WebDriverWait(browser, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda b: b.execute_script(
            "return document.readyState === 'complete' && window.leftBehind === undefined;"
        )
    )


def sign_in(browser: webdriver.Chrome, server: str, email: str) -> None:
    browser.get(f"{server}/login")
    accessible(browser)
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "main button[type=submit]"))


def _file(server: str, world: World, **body: object) -> str:
    """A situation filed through the API, as an intranet would."""
    filed = httpx.post(
        f"{server}/api/v1/situations", json=situation_body(**body), headers=world.delegate.headers
    )
    assert filed.status_code == 201, filed.text
    return str(filed.json()["reference"])


def test_a_delegate_reads_the_caseload_and_a_situation(
    server: str, browser: webdriver.Chrome, world: World
) -> None:
    red = _file(server, world, severity="red", intake_typology="M2")
    _file(server, world, severity="green", organisation="HSO")
    sign_in(browser, server, world.delegate.username)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Situations"
    accessible(browser)
    counts = [
        element.text.split("\n")
        for element in browser.find_elements(By.CSS_SELECTOR, ".colours .colour")
    ]
    assert counts == [["1", "Rouge"], ["0", "Orange"], ["1", "Vert"]]
    follow(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "Rouges sans signalement"))
    listed = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".situations strong")]
    assert listed == [red]
    accessible(browser)
    follow(browser, browser.find_element(By.LINK_TEXT, red))
    assert red in browser.find_element(By.TAG_NAME, "h1").text
    assert "Historique" in browser.page_source
    accessible(browser)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "a[hreflang=en]"))
    assert browser.find_element(By.TAG_NAME, "h2").text == "Summary"
    assert browser.current_url.endswith(f"/situations/{red}")
    follow(browser, browser.find_element(By.CSS_SELECTOR, ".logout button"))
    assert "You are signed out." in browser.page_source
    browser.get(f"{server}/situations/{red}")
    assert browser.current_url.endswith("/login")


def test_a_delegate_files_a_situation_once_however_often_they_click(
    server: str, browser: webdriver.Chrome, world: World, db: Database
) -> None:
    sign_in(browser, server, world.delegate.username)
    follow(browser, browser.find_element(By.LINK_TEXT, "Nouvelle situation"))
    accessible(browser)
    Select(browser.find_element(By.ID, "organisation")).select_by_value("MRE")
    Select(browser.find_element(By.ID, "intake_typology")).select_by_value("M2")
    browser.find_element(By.ID, "summary").send_keys("Gestes déplacés signalés.")
    browser.find_element(By.CSS_SELECTOR, "label[for=severity-red]").click()
    Select(browser.find_element(By.ID, "requester_kind")).select_by_value("staff")
    opened_on = browser.find_element(By.ID, "opened_on")
    browser.execute_script("arguments[0].value = '2099-01-05';", opened_on)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "main button[type=submit]"))
    # Refused by the register's rules: said next to the field, everything typed kept.
    assert browser.find_element(By.ID, "opened_on-error").text == (
        "La date ne peut pas être dans le futur."
    )
    assert browser.find_element(By.ID, "summary").get_attribute("value") == (
        "Gestes déplacés signalés."
    )
    assert browser.find_element(By.ID, "severity-red").is_selected()
    accessible(browser)
    opened_on = browser.find_element(By.ID, "opened_on")
    browser.execute_script("arguments[0].value = '2026-03-14';", opened_on)
    button = browser.find_element(By.CSS_SELECTOR, "main button[type=submit]")
    browser.execute_script("window.leftBehind = true;")
    ActionChains(browser).double_click(button).perform()
    WebDriverWait(browser, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda b: (
            b.execute_script("return window.leftBehind === undefined;")
            and "/situations/2026-" in b.current_url
        )
    )
    assert db.count(Situation) == 1
    assert "Gestes déplacés signalés." in browser.page_source
    accessible(browser)


def test_a_delegates_walk_from_login_to_closure(
    server: str, browser: webdriver.Chrome, world: World
) -> None:
    """A red situation: the close form says the red rule before it refuses; a report, then
    the closure; every form checked by axe, open."""
    reference = _file(server, world, severity="red")
    sign_in(browser, server, world.delegate.username)
    browser.get(f"{server}/situations/{reference}")
    for summary in browser.find_elements(By.CSS_SELECTOR, ".actions-list summary"):
        summary.click()
    accessible(browser)
    assert browser.find_element(By.ID, "close-red-rule").is_displayed()
    browser.find_element(By.CSS_SELECTOR, "label[for=report-reported]").click()
    Select(browser.find_element(By.ID, "report-authority")).select_by_value("parquet")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#report button"))
    assert (
        "Parquet"
        in browser.find_element(By.ID, "timeline")
        .find_element(By.XPATH, "following-sibling::ol")
        .text
    )
    browser.find_element(By.CSS_SELECTOR, "#close summary").click()
    browser.find_element(By.ID, "close-outcome").send_keys("Suivi terminé avec l'équipe.")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#close button"))
    facts = browser.find_element(By.CLASS_NAME, "facts").text
    assert "Close" in facts
    browser.find_element(By.CSS_SELECTOR, "#reopen summary").click()
    accessible(browser)


def test_the_statistics_read_well_on_a_phone(
    server: str, browser: webdriver.Chrome, world: World
) -> None:
    for organisation in ("MRE", "MRE", "HSO"):
        _file(server, world, organisation=organisation)
    sign_in(browser, server, world.delegate.username)
    follow(browser, browser.find_element(By.LINK_TEXT, "Statistiques"))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Statistiques")
    accessible(browser)
    browser.find_element(By.ID, "s-suppress").send_keys("3")
    follow(browser, browser.find_element(By.CSS_SELECTOR, ".stats-filters button"))
    assert "<3" in browser.find_element(By.TAG_NAME, "table").text
    accessible(browser)
    browser.get(f"{server}/language?to=de&back=/statistics")  # longer words, same width
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Statistik")
    accessible(browser)


def test_every_administration_page_reads_well_on_a_phone(
    server: str, browser: webdriver.Chrome, world: World
) -> None:
    sign_in(browser, server, world.admin.username)
    assert browser.current_url.endswith("/admin/organisations")
    for section in (
        "organisations",
        "accounts",
        "clients",
        "authorities",
        "webhooks",
        "baselines",
        "audit",
    ):
        browser.get(f"{server}/admin/{section}")
        for summary in browser.find_elements(By.CSS_SELECTOR, "main summary"):
            summary.click()
        accessible(browser)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "main form button"))
    assert "La chaîne est intacte" in browser.page_source
    accessible(browser)


def _tab_to(browser: webdriver.Chrome, found: Callable[[WebElement], bool]) -> WebElement:
    """Presses Tab until the element in focus is the one looked for."""
    for _ in range(60):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if found(focused := browser.switch_to.active_element):
            return focused
    raise AssertionError("never reached with the Tab key")


def test_the_keyboard_alone_signs_in_and_opens_a_situation(
    server: str, browser: webdriver.Chrome, world: World
) -> None:
    reference = _file(server, world)
    browser.get(f"{server}/login")
    skip = _tab_to(browser, lambda e: True)
    assert skip.get_attribute("class") == "skip"  # the first stop: straight to the content
    _tab_to(browser, lambda e: e.get_attribute("id") == "email")
    ActionChains(browser).send_keys(world.delegate.username, Keys.TAB, PASSWORD).perform()
    browser.execute_script("window.leftBehind = true;")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    WebDriverWait(browser, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda b: b.execute_script("return window.leftBehind === undefined;")
    )
    assert browser.find_element(By.TAG_NAME, "h1").text == "Situations"
    link = _tab_to(browser, lambda e: (e.get_attribute("href") or "").endswith(reference))
    browser.execute_script("window.leftBehind = true;")
    link.send_keys(Keys.ENTER)
    WebDriverWait(browser, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda b: b.execute_script("return window.leftBehind === undefined;")
    )
    assert reference in browser.find_element(By.TAG_NAME, "h1").text


def test_a_coordinator_meets_not_found_for_another_organisations_situation(
    server: str, browser: webdriver.Chrome, world: World
) -> None:
    theirs = _file(server, world, organisation="HSO")
    sign_in(browser, server, world.coordinator_a.username)
    browser.get(f"{server}/situations/{theirs}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Situation introuvable"
    accessible(browser)


def test_a_session_ends_when_the_account_is_disabled(
    server: str, browser: webdriver.Chrome, world: World, db: Database
) -> None:
    sign_in(browser, server, world.delegate.username)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Situations"
    db.execute(update(Account).where(Account.id == world.delegate.account_id).values(active=False))
    browser.refresh()
    assert browser.current_url.endswith("/login?ended=1")
    assert "Votre session a pris fin" in browser.page_source


def test_a_form_sent_from_another_site_is_refused(
    server: str, browser: webdriver.Chrome, world: World
) -> None:
    """A page of another origin (another port of loopback) posts a form to the console: the
    console refuses it, and the person stays signed in."""
    sign_in(browser, server, world.delegate.username)
    page = (
        f'<!doctype html><form method="post" action="{server}/logout">'
        '<input name="csrf" value="a guess"><button id="go">go</button></form>'
    ).encode()

    class Elsewhere(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_: object) -> None:
            pass

    elsewhere = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{elsewhere.server_port}/")
        follow(browser, browser.find_element(By.ID, "go"))
        assert "pas été envoyé depuis la console" in browser.page_source
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()
    browser.get(f"{server}/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Situations"  # still signed in
