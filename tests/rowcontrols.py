"""The forms, buttons and links of a rendered page as a browser reads them, for the tests of row
actions (orchestrator_site/rowactions.py): attribute values come back unescaped, so a test compares
them with the stored name itself."""

from __future__ import annotations

from html.parser import HTMLParser

# A name that breaks out of an attribute or into markup if anything forgets to escape it.
HOSTILE = "Evil \"quoted\" 'name'\n<script>alert(1)</script> & co"


class Controls(HTMLParser):
    """The forms, buttons and links of a page, with their attributes as a browser reads them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.buttons: list[dict] = []
        self.links: list[dict] = []
        self._open: dict | None = None  # the button or link whose text is being read
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "form":
            values["inputs"] = {}
            self.forms.append(values)
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"][values.get("name")] = values.get("value")
        elif tag == "button":
            self.buttons.append(values)
        elif tag == "a":
            self.links.append(values)
        if tag in ("button", "a"):
            values["text"] = ""
            self._open = values

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.forms:
            self.forms[-1]["closed"] = True
        if tag in ("button", "a"):
            if self._open is not None:
                self._open["text"] = self._open["text"].strip()  # the word a person reads
            self._open = None

    def button(self, label: str) -> dict:
        [found] = [b for b in self.buttons if b.get("aria-label") == label]
        return found

    def form(self, form_id: str) -> dict:
        [found] = [f for f in self.forms if f.get("id") == form_id]
        return found
