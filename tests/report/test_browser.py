"""The report in a real headless browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import io


def _open(browser, path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console, errors, requests = [], [], []
    page.on("console", lambda message: console.append((message.type, message.text)))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, console, errors, requests


def test_loads_offline_without_errors_and_draws_figures(browser, evil_explain, tmp_path):
    path = evil_explain / "report.html"
    page, console, errors, requests = _open(browser, path)
    assert errors == [] and [m for m in console if m[0] == "error"] == []
    assert requests == [path.as_uri()]  # nothing fetched beyond the file itself
    boxes = [svg.bounding_box() for svg in page.locator("svg").all()]
    assert len(boxes) >= 4 and all(b is not None and b["width"] > 50 and b["height"] > 20 for b in boxes)
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    assert ImageStat.Stat(image).stddev[0] > 10  # not a blank page
    page.close()


def test_hostile_text_runs_nothing(browser, evil_explain):
    page, _, errors, _ = _open(browser, evil_explain / "report.html")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.wait_for_timeout(200)
    assert page.title() == "preftree report"
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("script").count() == 0 and page.locator("img").count() == 0
    shown = page.inner_text("body")
    assert "<script>window.pwned = 'response'" in shown and "</textarea>" in shown
    assert "<b>bold</b>-judge" in shown and errors == []
    page.close()


def test_prints(browser, evil_explain, tmp_path):
    page, _, _, _ = _open(browser, evil_explain / "report.html")
    pdf = page.pdf(path=str(tmp_path / "report.pdf"))
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
    page.close()
