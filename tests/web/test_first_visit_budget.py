"""The citizen's plan page, with htmx and its SSE extension for live updates, stays light: a first
visit with an empty cache transfers under 60 KB, compressed. (benchmarks/first_visit.py measures
the same in a real Chromium and prints it by kind.)"""

from __future__ import annotations

import gzip
import re

from tests.conftest import PortalClient

BUDGET = 60_000  # bytes on the wire

TEXT_TYPES = ("text/", "application/javascript", "image/svg+xml", "application/json")


def _wire_size(client: PortalClient, path: str) -> tuple[int, str]:
    response = client.get(path, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200, path
    content_type = response.headers.get("content-type", "")
    body = response.content
    # The portal compresses text (GZipMiddleware, level 9) and sends fonts as they are.
    size = len(gzip.compress(body, 9)) if content_type.startswith(TEXT_TYPES) and len(body) >= 500 else len(body)
    return size, response.text if content_type.startswith(TEXT_TYPES) else ""


def test_a_first_visit_to_my_plan_stays_under_60_kb(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    total, html = _wire_size(client, "/min-plan")
    assets = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))
    assert any("htmx-ext-sse" in asset for asset in assets), "the plan page loads the SSE extension"
    css_assets: set[str] = set()
    for asset in sorted(assets):
        if "licenses" in asset:
            continue
        size, text = _wire_size(client, asset)
        total += size
        if asset.split("?")[0].endswith(".css"):
            css_assets |= {url for url in re.findall(r'url\("?(/static/[^")]+)"?\)', text) if url.endswith(".woff2")}
    for font in sorted(css_assets):  # the page's one font; icons in the CSS load only when used
        total += _wire_size(client, font)[0]
    print(f"first visit to /min-plan: about {total:,d} B compressed")
    assert total < BUDGET
