#!/usr/bin/env python
"""Take the README's screenshots from a running portal: scripts/screenshot.py http://127.0.0.1:8000"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
SHOTS = [("/ja/", "docs/screenshot.png", 1280), ("/ja/members/", "docs/screenshot-members.png", 1280)]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    for path, out, width in SHOTS[: int(sys.argv[2]) if len(sys.argv) > 2 else None]:
        page = browser.new_page(viewport={"width": width, "height": 900}, locale="ja-JP")
        page.goto(BASE + path)
        Path(out).parent.mkdir(exist_ok=True)
        page.screenshot(path=out, full_page=False)
        print("wrote", out)
    browser.close()
