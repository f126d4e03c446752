"""Browser tests: the app served on 127.0.0.1 from a fresh database with the demo data,
driven by pytest-playwright in Debian's Chromium (/usr/bin/chromium), never a downloaded one.

Without Chromium these tests are skipped with a hint — except under CI, where that fails."""
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

import pyotp
import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from config import BASE_DIR, TestingConfig
from proxy_service import create_app
from proxy_service.seed.demo import DEMO_TOTP_SECRET, PASSWORD, load_demo

from ..conftest import once_per_run
from ..serving import serve

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = BASE_DIR / "artifacts" / "screens"
WIDTHS = (1280, 375)


# The longest browser tests (each 10-40 s on a quiet machine), longest first, started before
# the others: with xdist each worker begins with long ones and the short ones fill in at the
# end, instead of a long one starting last on one worker while the other has finished.
LONGEST_FIRST = (
    "test_a_case_from_registration_to_a_poor_rating[",
    "test_main_pages_have_no_serious_axe_violations[chromium-manager]",
    "test_manager_accepts_assigns_and_reads_the_figures[",
    "test_main_pages_have_no_serious_axe_violations[chromium-enterprise]",
    "test_enterprise_registers_requests_and_follows_the_status[",
    "test_main_pages_have_no_serious_axe_violations[chromium-agent]",
)


def _rank(item):
    """Where the item runs: the tests outside tests/browser first (tests/conftest.py puts the
    browser tests last), then LONGEST_FIRST, then every other browser test in collection order."""
    if not _is_browser(item):
        return (0, 0)
    return (1, next((rank for rank, name in enumerate(LONGEST_FIRST) if item.name.startswith(name)),
                    len(LONGEST_FIRST)))


def pytest_collection_modifyitems(config, items):
    items.sort(key=_rank)
    if Path(CHROMIUM).exists():
        return
    hint = (f"Chromium not found at {CHROMIUM}: install Debian's package "
            "(apt-get install chromium) to run the browser tests")
    # CI must run them: there a missing browser is a failure, not a skip.
    marker = (pytest.mark.usefixtures("_chromium_required") if os.environ.get("CI")
              else pytest.mark.skip(reason=hint))
    for item in items:
        if _is_browser(item):
            item.add_marker(marker)


def _is_browser(item):
    return "tests/browser/" in str(item.path).replace(os.sep, "/")


@pytest.fixture(autouse=True)
def _clean_tables():
    """In place of tests/conftest.py's: the browser tests write only to the live server's
    database (live_app), so the suite's own database is neither made nor emptied for them —
    `make test` runs them beside the other tests, whose workers use instance/test_gwN.db."""
    yield


@pytest.fixture
def _chromium_required():
    pytest.fail(f"CI is set but {CHROMIUM} is missing: apt-get install chromium")


class BrowserConfig(TestingConfig):
    # A database of its own, so the live server never sees the rows other tests empty.
    _dir = Path(tempfile.mkdtemp(prefix="proxy_service_browser_"))
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{_dir / 'browser.db'}"
    SEAL_DIR = str(_dir / "seals")
    # A real browser posts real forms: CSRF stays on, as in production.
    WTF_CSRF_ENABLED = True
    # Session cookies over plain http on 127.0.0.1.
    SESSION_COOKIE_SECURE = False


def in_thread(work):
    """Run `work` in a thread of its own and wait. Playwright's sync API keeps an asyncio loop
    running in the test's thread, and pyHanko's sealing (asyncio.run) cannot run inside it:
    anything that seals (the demo data, sign_and_seal) must run through here."""
    failure = []

    def run():
        try:
            work()
        except BaseException as error:  # re-raised in the test's thread
            failure.append(error)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


@pytest.fixture(scope="session")
def live_app():
    """The app of this worker, on its own copy of the demo database: the first worker of the
    run migrates and seeds its database and leaves a copy (with the seals the demo made) in the
    run's folder; the others copy that instead of seeding again."""
    app = create_app(BrowserConfig)
    database, seals = BrowserConfig._dir / "browser.db", Path(BrowserConfig.SEAL_DIR)

    def seed(shared):
        def prepare():
            with app.app_context():
                upgrade()
                load_demo()
        in_thread(prepare)
        shared.mkdir()
        _copy_database(database, shared / "browser.db")
        _forget_seal_paths(shared / "browser.db")
        shutil.copytree(seals, shared / "seals")

    seeded_here = []
    shared = once_per_run("browser-demo", lambda path: seeded_here.append(seed(path)))
    if not seeded_here:
        _copy_database(shared / "browser.db", database)
        shutil.copytree(shared / "seals", seals)
    yield app
    shutil.rmtree(BrowserConfig._dir, ignore_errors=True)


def _forget_seal_paths(database):
    """The centers' rows name this worker's seal files, which go when its session ends: in
    the copy they name none, so that each worker seals with its own copy (SEAL_DIR/<prefix>/,
    documents/seal.seal_files) whichever worker outlives the other."""
    with closing(sqlite3.connect(database)) as copy, copy:
        copy.execute("UPDATE centers SET seal_cert_path = '', seal_key_path = ''")


def _copy_database(source, target):
    """A consistent copy of a SQLite database (its write-ahead log included)."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


@pytest.fixture(scope="session")
def live_server(live_app):
    """The app on 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    stop = serve(server)
    yield f"http://127.0.0.1:{server.server_port}"
    stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server, "locale": "zh-CN",
            "viewport": {"width": WIDTHS[0], "height": 900}}


# Whether `shoot` takes its screenshots: `make screens` sets it. They are for people to look at
# and assert nothing, and took about a seventh of the browser run's CPU (Chromium renders every
# page twice more), so `make test` leaves them out.
SCREENS = os.environ.get("SCREENS", "") not in ("", "0")


@pytest.fixture
def shoot(request):
    """shoot(page, name): full-page screenshots of what the user sees at 1280 and 375 px,
    kept in artifacts/screens/<test>/ (ignored by git) for people to look at; only when
    SCREENS is set (`make screens`), otherwise nothing."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    counter = iter(range(1, 1000))
    if SCREENS:
        shutil.rmtree(folder, ignore_errors=True)

    def take(page, name):
        if not SCREENS:
            return
        folder.mkdir(parents=True, exist_ok=True)
        size = page.viewport_size
        number = next(counter)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": size["height"]})
            page.screenshot(path=folder / f"{number:02d}-{name}-{width}.png", full_page=True)
        page.set_viewport_size(size)
    return take


_code_windows = {}


def one_time_code(username):
    """A TOTP code for the demo staff secret. The served app takes a code once per user (it
    keeps the last time step used, identity/twofactor.py); when this user was given the code
    of this 30 s window already, the step is forgotten in the served app's database rather
    than waiting up to 30 s for the next window (the refusal itself is tested in
    tests/test_twofactor.py)."""
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    window = int(time.time()) // totp.interval
    if _code_windows.get(username) == window:
        with closing(sqlite3.connect(BrowserConfig._dir / "browser.db", timeout=30)) as conn, conn:
            conn.execute("UPDATE users SET totp_last_step = NULL WHERE username = ?", (username,))
    _code_windows[username] = window
    return totp.now()


def log_in_through_pages(page, username, password=PASSWORD):
    """Through the login page, and the one-time code page for staff."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # "main form": the header holds a form too (the language switch).
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    if page.url.rstrip("/").endswith("/login/code"):
        page.fill("input[name=code]", one_time_code(username))
        with page.expect_navigation():
            page.click("main form button[type=submit]")
    assert "/login" not in page.url, f"login of {username} failed: {page.url}"


@pytest.fixture
def log_in(live_server):
    """log_in(page, username): through the login page, with the code page for staff."""
    return log_in_through_pages
