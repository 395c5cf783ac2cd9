"""The queue pages a browser reaches only by POST (confirmations, previews, form errors) and the
messages after a write, in Danish when the browser asks for it; what is recorded stays English.

tests/e2e/test_danish.py reads the GET pages in a browser; this reads the others the same way: a
text on the page that is the same in English and Danish is either data or was left untranslated.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from html.parser import HTMLParser

from django.urls import reverse

from queues.models import Acknowledgement, QueueElement, QueueStatus
from tests.helpers import NOW, make_element, oo_db
from tests.queues.util import last_audit, messages_of

DA = {"HTTP_ACCEPT_LANGUAGE": "da"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB"}
# Words Danish writes as English does (the glossary's), and the statuses' stored names.
SHARED = {"Status", "Data", "Reference", "FAILED", "DONE", "NEW", "IN_PROGRESS", "ABANDONED"}
# The site-wide notice of missing indexes, on every page while they are missing (not the queues').
NOTICE = re.compile(r'<div class="msg msg-warning index-notice".*?</form>\s*</div>', re.S)
# The Cancel link of the shared confirmation buttons (orchestrator_site's, not the queues' to word).
SITE_WIDE = {"Cancel"}
WORD = re.compile(r"[A-Za-zÆØÅæøå][A-Za-zÆØÅæøå_'’-]+")


class MainTexts(HTMLParser):
    """The texts a person reads in <main>: text, and the attributes a screen reader says."""

    SKIPPED = {"script", "style", "code", "pre", "textarea"}

    def __init__(self, page: str) -> None:
        super().__init__()
        self.inside_main = False
        self.skipping = 0
        self.texts: set[str] = set()
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.inside_main = self.inside_main or tag == "main"
        if tag in self.SKIPPED:
            self.skipping += 1
        if self.inside_main:
            for name, value in attrs:
                if name in ("title", "aria-label", "placeholder", "data-confirm") and value:
                    self._add(value)

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping -= 1
        if tag == "main":
            self.inside_main = False

    def handle_data(self, data):
        if self.inside_main and not self.skipping:
            self._add(data)

    def _add(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.texts.add(text)


def left_in_english(english: str, danish: str, data: list[str]) -> list[str]:
    """Texts of <main> the same in both languages that hold a word which is neither data nor
    shared by the two languages."""
    english, danish = (NOTICE.sub("", html.unescape(page)) for page in (english, danish))
    same = MainTexts(english).texts & MainTexts(danish).texts
    found = []
    for text in sorted(same - SITE_WIDE):
        rest = text
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        if any(word not in SHARED for word in WORD.findall(rest)):
            found.append(text)
    return found


def both(client, url: str, data: dict | None = None, **extra):
    """The page in English and in Danish (POSTed when `data` is given, which changes nothing)."""
    send = client.get if data is None else client.post
    args = () if data is None else (data,)
    return [send(url, *args, **language, **extra) for language in (EN, DA)]


def selection() -> tuple[list[QueueElement], list[str]]:
    """Elements of every kind a confirmation page counts apart, and their data."""
    old = NOW - dt.timedelta(hours=3)
    rows = [
        make_element("Fakturaer", status=QueueStatus.FAILED, reference="F-1", message="Timeout"),
        make_element("Fakturaer", status=QueueStatus.DONE, reference="F-2", message="ok"),
        make_element("Fakturaer", status=QueueStatus.IN_PROGRESS, reference="F-3"),
        make_element(
            "Fakturaer",
            status=QueueStatus.IN_PROGRESS,
            reference="F-4",
            created_date=old,
            start_date=old,
        ),
    ]
    return rows, ["Fakturaer", "F-1", "F-2", "F-3", "F-4", "Timeout", "ok"]


@oo_db
def test_the_confirmation_pages_are_danish(as_operator):
    rows, data = selection()
    ids = [str(e.pk) for e in rows] + ["00000000-0000-0000-0000-000000000000"]  # one gone
    pages = {
        "retry": "Prøv 5 elementer igen?",
        "delete": "Slet 2 af 5 valgte elementer?",
        "acknowledge": "Kvittér for 1 af 5 elementer?",
    }
    for action, heading in pages.items():
        english, danish = both(as_operator, reverse(f"queues:{action}"), {"ids": ids})
        assert danish.status_code == 200
        assert heading in html.unescape(danish.content.decode())
        assert left_in_english(english.content.decode(), danish.content.decode(), data) == []
    assert QueueElement.objects.filter(status=QueueStatus.FAILED).count() == 1  # nothing changed
    assert not Acknowledgement.objects.exists()


@oo_db
def test_the_result_of_a_write_is_reported_in_danish_and_audited_in_english(as_operator):
    rows, _data = selection()
    response = as_operator.post(
        reverse("queues:retry"),
        {"ids": [str(rows[0].pk), str(rows[2].pk)], "confirmed": "True"},
        follow=True,
        **DA,
    )
    assert messages_of(response) == ["1 af 2 prøvet igen; 1 var ikke længere fejlet eller opgivet."]
    assert last_audit("queues.retry").detail == "asked 2, changed 1."


@oo_db
def test_adding_to_a_new_queue_asks_in_danish(as_operator):
    make_element("Fakturaer", reference="F-1")
    english, danish = both(
        as_operator, reverse("queues:create"), {"queue_name": "Fakturaer ", "reference": "F-9"}
    )
    page = html.unescape(danish.content.decode())
    assert "Der er ingen kø “Fakturaer ”" in page and "Mente du en af disse?" in page
    assert left_in_english(english.content.decode(), page, ["Fakturaer", "F-9"]) == []
    assert QueueElement.objects.count() == 1


@oo_db
def test_an_upload_preview_and_its_row_errors_are_danish(as_operator):
    make_element("Fakturaer", reference="F-1")

    def upload(content: str, language: dict):
        file = io.BytesIO(content.encode())
        file.name = "elements.csv"
        return as_operator.post(
            reverse("queues:upload"), {"queue_name": "Fakturaer", "file": file}, **language
        )

    good = "reference,data\nF-1,a\nF-2,b\nF-2,c\n"
    english, danish = upload(good, EN), upload(good, DA)
    page = html.unescape(danish.content.decode())
    assert "Tilføj 3 elementer til “Fakturaer”?" in page
    assert "1 reference står på mere end én række i filen:" in page
    assert "1 reference er allerede i “Fakturaer”:" in page
    data = ["Fakturaer", "F-1", "F-2"]
    assert left_in_english(english.content.decode(), page, data) == []

    bad = upload("reference,data\nF-1,a,b\n", DA)
    assert bad.status_code == 400
    assert "Række 2: forventede 2 værdier, fandt 3." in html.unescape(bad.content.decode())
    assert QueueElement.objects.count() == 1


@oo_db
def test_the_failed_inbox_is_confirmed_by_typing_its_danish_name(as_operator, settings):
    settings.CONSOLE_BULK_CONFIRM_THRESHOLD = 1
    for reference in ("F-1", "F-2"):
        make_element("Fakturaer", status=QueueStatus.FAILED, reference=reference, message="x")
    url = reverse("queues:failed_bulk")
    english, danish = both(as_operator, url)
    page = html.unescape(danish.content.decode())
    assert "Mere end 1 elementer: skriv “fejlindbakke” for at bekræfte" in page
    assert left_in_english(english.content.decode(), page, ["Fakturaer", "F-1", "F-2"]) == []

    refused = as_operator.post(url, {"action": "retry", "typed": "failed inbox"}, **DA)
    assert "skriv “fejlindbakke” præcist" in html.unescape(refused.content.decode())
    assert QueueElement.objects.filter(status=QueueStatus.FAILED).count() == 2
    as_operator.post(url, {"action": "retry", "typed": "fejlindbakke"}, **DA)
    assert QueueElement.objects.filter(status=QueueStatus.FAILED).count() == 0


@oo_db
def test_an_acknowledged_element_page_is_danish(as_operator):
    element = make_element("Fakturaer", status=QueueStatus.FAILED, reference="F-1", message="x")
    as_operator.post(
        reverse("queues:acknowledge"),
        {"ids": [str(element.pk)], "confirmed": "True", "comment": "SAP nede"},
    )
    english, danish = both(as_operator, reverse("queues:element", args=[element.pk]))
    page = html.unescape(danish.content.decode())
    assert "Kvitteret af test\\otto" in page and "“SAP nede”" in page
    data = ["Fakturaer", "F-1", "SAP nede", "test\\otto", str(element.pk)]
    assert left_in_english(english.content.decode(), page, data) == []


def test_the_detector_finds_english_and_spares_data():
    english = "<main><h1>Retry 2 elements?</h1><p>Fakturaer</p><p>Status</p></main>"
    danish = "<main><h1>Retry 2 elements?</h1><p>Fakturaer</p><p>Status</p></main>"
    assert left_in_english(english, danish, ["Fakturaer"]) == ["Retry 2 elements?"]
