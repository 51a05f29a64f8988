"""What a first visit to /min-plan transfers, compressed, by kind (HTML, CSS, JS, fonts, images),
and what a repeat visit with a warm cache transfers.

A real Chromium logs in as Annette through the demo switcher and loads /min-plan with
an empty cache; every response it fetched for that page is then counted as sent over
the wire (gzip where the server compresses). Run: .venv/bin/python benchmarks/first_visit.py
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import tempfile
import threading
import time

import httpx2 as httpx  # the httpx fork the test extra installs (same API)
import uvicorn
from playwright.sync_api import sync_playwright
from sqlalchemy.orm import Session

# The portal comes from the venv (`make install` installs it editable): importing this file
# must change nothing, not even sys.path, so the test suite can import every benchmark.
from portal import migrate
from portal.app import create_app
from portal.db import Database, build_engine
from portal.demo import load_demo
from portal.settings import Settings

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def kind_of(url: str, content_type: str) -> str:
    if "text/html" in content_type:
        return "html"
    if url.split("?")[0].endswith(".css"):
        return "css"
    if url.split("?")[0].endswith(".js"):
        return "js"
    if url.split("?")[0].endswith((".woff2", ".woff")):
        return "fonts"
    return "other"


def main() -> None:
    if not os.path.exists(CHROMIUM):
        # `make bench` runs every benchmark: a machine without Chromium still gets the others.
        print(f"first_visit: skipped, Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        engine = build_engine(url)
        migrate.upgrade(engine)
        with Session(engine) as session, session.begin():
            load_demo(session, dt.date.today())
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        origin = f"http://localhost:{port}"
        app = create_app(Settings(env="demo", database_url=url, secret_key="b" * 40, origin=origin), database=Database(engine))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            context = browser.new_context(viewport={"width": 360, "height": 740})
            page = context.new_page()
            page.goto(f"{origin}/demo")
            page.get_by_role("button", name="Annette Nielsen").first.click()
            page.wait_for_load_state("networkidle")
            cookies = {c["name"]: c["value"] for c in context.cookies()}
            # A fresh context with the same cookies and an empty cache: the first visit.
            fresh = browser.new_context(viewport={"width": 360, "height": 740})
            fresh.add_cookies(context.cookies())
            first = fresh.new_page()
            seen: list[tuple[str, str]] = []
            first.on("response", lambda r: seen.append((r.url, r.headers.get("content-type", ""))))
            first.goto(f"{origin}/min-plan")
            first.wait_for_load_state("networkidle")
            first_visit = list(seen)
            # The repeat visit: the same page again in the same browser, its cache warm. What
            # crosses the wire is what Chromium itself counts (0 for a file from its cache).
            cdp = fresh.new_cdp_session(first)
            cdp.send("Network.enable")
            repeat: dict[str, tuple[str, int]] = {}
            urls: dict[str, str] = {}
            cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
            cdp.on("Network.responseReceived", lambda e: repeat.__setitem__(e["requestId"], (e["response"].get("mimeType", ""), 0)))
            cdp.on("Network.loadingFinished", lambda e: repeat.__setitem__(
                e["requestId"], (repeat.get(e["requestId"], ("", 0))[0], int(e["encodedDataLength"]))))
            first.goto(f"{origin}/min-plan")
            first.wait_for_load_state("networkidle")
            browser.close()

        totals: dict[str, int] = {}
        raw_totals: dict[str, int] = {}
        with httpx.Client(cookies=cookies) as client:
            for response_url, content_type in first_visit:
                with client.stream("GET", response_url, headers={"Accept-Encoding": "gzip"}) as response:
                    wire = sum(len(chunk) for chunk in response.iter_raw())
                body = client.get(response_url, headers={"Accept-Encoding": "identity"}).content
                kind = kind_of(response_url, content_type)
                totals[kind] = totals.get(kind, 0) + wire
                raw_totals[kind] = raw_totals.get(kind, 0) + len(body)
                print(f"  {kind:6} {wire:8,d} B on the wire ({len(body):8,d} B raw)  {response_url.replace(origin, '')}")
        server.should_exit = True
        print("first visit to /min-plan, bytes on the wire (compressed):")
        for kind in ("html", "css", "js", "fonts", "other"):
            if kind in totals:
                print(f"  {kind:6} {totals[kind]:8,d} B   (raw {raw_totals[kind]:,d} B)")
        total = sum(totals.values())
        print(f"  total  {total:8,d} B   (raw {sum(raw_totals.values()):,d} B, ratio {total / sum(raw_totals.values()):.2f})")
        print("repeat visit to /min-plan, bytes Chromium received (headers included; 0 from its cache):")
        for request_id, (mime, size) in repeat.items():
            print(f"  {kind_of(urls.get(request_id, ''), mime):6} {size:8,d} B   {urls.get(request_id, '?').replace(origin, '')}")
        print(f"  total  {sum(size for _, size in repeat.values()):8,d} B")


if __name__ == "__main__":
    main()
