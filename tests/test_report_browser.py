"""The HTML report in a real browser: Debian's Chromium, headless, driven by Playwright.

No console errors, no network requests, every section present, a category named like a script does not
run, and the print version (PDF) has pages. `.ci/run` installs Chromium; on a machine without it the
test is skipped, except in CI (`CI=true`), where a missing browser is a failure.
Set OPPNAOGON_SCREENSHOTS=DIR to keep the screenshots for a look.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from oppnaogon.app.analyse import run_analysis
from oppnaogon.present.report import render_html
from tests.conftest import REPORT_SECTIONS, ExampleRun, districts_extract

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium talks to Google's servers at start-up unless told not to; this machine has no such network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing; .ci/run installs Debian's package 'chromium'")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def _open(browser: Any, html: str, folder: Path) -> tuple[Any, list[str], list[str]]:
    """Open the report from a file; returns the page, its console/page errors and its requests."""
    path = folder / "rapport.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    return page, problems, [u for u in requests if u != path.as_uri()]


def _keep(page: Any, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("OPPNAOGON_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / name
    page.screenshot(path=str(shot), full_page=False)
    return shot


@pytest.mark.slow
def test_example_report_in_chromium(browser: Any, tmp_path: Path, example_run: ExampleRun) -> None:
    findings = example_run.findings()
    html = render_html(findings, created=datetime(2026, 1, 1, tzinfo=UTC))
    page, problems, requests = _open(browser, html, tmp_path)
    assert problems == []
    assert requests == []  # nothing fetched: no fonts, scripts, images or styles from anywhere
    for section in REPORT_SECTIONS:
        assert page.locator(f"section#{section}").count() == 1, section
        assert page.locator(f"section#{section} h2").first.is_visible(), section
    assert page.locator("#sammanfattning li").count() == 3 + 10  # whole group per outcome + noteworthy
    assert page.locator("figure svg").count() == 21
    # 23 differences in 3 patterns (10 + 5 + 8 rows), and 2 accessibility findings
    assert page.locator("#steg2 article.finding").count() == 3 + 2
    assert page.locator("#steg2 tr[id^=fynd-]").count() == 10 + 5 + 8
    # the charts are drawn at a readable size, not collapsed
    box = page.locator("figure svg").first.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 100
    shot = _keep(page, "rapport-sammanfattning.png", tmp_path)
    assert shot.stat().st_size > 10_000
    page.locator("section#steg1 figure").first.scroll_into_view_if_needed()
    _keep(page, "rapport-steg1.png", tmp_path)
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > 10
    page.close()


@pytest.mark.slow
def test_a_category_named_like_a_script_stays_text(
    browser: Any, tmp_path: Path, write_csv: Callable[..., Path]
) -> None:
    # Short enough to pass the label rule (R6): longer values are pooled into "övriga" before any report.
    evil = ("<img src=x onerror=alert(1)>", "<script>alert(2)</script>")
    rows = districts_extract(*evil, "Centrum")
    findings = run_analysis(write_csv(rows), out=None).findings
    page, problems, requests = _open(
        browser, render_html(findings, created=datetime(2026, 1, 1, tzinfo=UTC)), tmp_path
    )
    assert problems == [] and requests == []
    assert page.locator("script").count() == 0 and page.locator("img").count() == 0
    text = page.locator("#steg1").inner_text()
    assert all(label in text for label in evil)
    page.close()
