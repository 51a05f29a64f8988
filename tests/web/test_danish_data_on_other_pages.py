"""Text people wrote in Danish is marked lang="da" on an English page, and only there (WCAG 3.1.2)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from portal import i18n
from tests.conftest import PortalClient


def _page(client: PortalClient, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def _english(client: PortalClient) -> None:
    client.cookies.set(i18n.LOCALE_COOKIE, "en")


@pytest.mark.parametrize("path", ["/min-plan", "/min-plan/uge"])
def test_the_citizens_danish_plan_text_is_marked_danish_on_an_english_page(client: PortalClient, path: str) -> None:
    client.login_as("Annette Nielsen")
    _english(client)
    page = _page(client, path)
    assert page.html["lang"] == "en"
    marked = [span.get_text(strip=True) for span in page.main.select('span[lang="da"]')]
    assert marked, "no Danish text is marked on the English page"
    # Every effort title of the page sits inside a lang="da" element.
    for heading in page.main.select("h3.h4"):
        assert heading.find("span", attrs={"lang": "da"}) is not None, heading


@pytest.mark.parametrize("path", ["/min-plan", "/min-plan/uge"])
def test_a_danish_page_does_not_mark_its_own_language(client: PortalClient, path: str) -> None:
    client.login_as("Annette Nielsen")
    page = _page(client, path)
    assert page.html["lang"] == "da"
    assert page.main.select('[lang="da"]') == []


def test_the_caseworkers_plan_marks_goals_and_efforts_danish_in_english(client: PortalClient) -> None:
    client.login_as("Camilla Brandt")
    _english(client)
    caseload = _page(client, "/sag/")
    link = caseload.main.select_one('a[href^="/sag/plan/"]')
    assert link is not None
    page = _page(client, link["href"])
    headings = page.main.select("h3.h4")
    assert headings and all(h.find("span", attrs={"lang": "da"}) for h in headings)


def test_demo_role_labels_follow_the_page_language(client: PortalClient) -> None:
    _english(client)
    english = _page(client, "/demo").main.get_text(" ", strip=True)
    assert "Caseworker" in english and "Sagsbehandler:" not in english
    client.cookies.set(i18n.LOCALE_COOKIE, "da")
    danish = _page(client, "/demo").main.get_text(" ", strip=True)
    assert "Sagsbehandler" in danish
