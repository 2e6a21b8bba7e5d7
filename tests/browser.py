"""Built pages opened in a real browser: Debian's chromium, driven by Playwright.

Playwright's own browser builds are not downloaded (``playwright install`` is
never run): it drives the chromium the system has, and the tests skip where
there is none. One browser serves the whole session; each page gets its own
context, so nothing (history, storage) leaks from one test to the next.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

#: Debian's chromium, as the machines here allow it (no sandbox as root, no
#: background connections on a closed network); Playwright adds its own
#: headless flag
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


@dataclass
class Tab:
    """A page as a reader has it open, with what its console said."""

    page: Page
    shots: Path
    #: console messages and uncaught errors, as "type: text"
    console: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=path, full_page=True)
        return path

    def width(self, pixels: int) -> None:
        self.page.set_viewport_size({"width": pixels, "height": 900})

    def overflow(self) -> int:
        """How many pixels the page is wider than the window (0 when it fits)."""
        return int(self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


Opener = Callable[..., Tab]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium (.ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser: Browser, tmp_path: Path) -> Iterator[Opener]:
    """Open a built file (from file://, as a reader may) at a window width."""
    contexts = []

    def _open(path: Path, width: int = 1280, height: int = 900, javascript: bool = True) -> Tab:
        context = browser.new_context(
            viewport={"width": width, "height": height}, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        tab = Tab(page, tmp_path)
        page.on("console", lambda message: tab.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: tab.console.append(f"pageerror: {error}"))
        page.goto(path.as_uri())
        return tab

    yield _open
    for context in contexts:
        context.close()
