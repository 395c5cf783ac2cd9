"""What a browser submits for a rendered form that nobody touched (for tests of exact round trips).

It follows the HTML standard where a stored value can change on its way back: the tokenizer turns
CR and CRLF into LF, a text box drops line breaks from its value, a textarea drops one leading line
break of its content, and submission sends every line break as CRLF.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NO_LINE_BREAKS = {"text", "search", "tel", "url", "email", "password"}


class _Form(HTMLParser):
    def __init__(self, form_index: int) -> None:
        super().__init__(convert_charrefs=True)
        self.wanted = form_index
        self.forms_seen = -1
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: tuple[str, list[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms_seen += 1
            self.inside = self.forms_seen == self.wanted
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = (attrs.get("type") or "text").lower()
            value = _tokenized(attrs.get("value") or "")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                if kind in _NO_LINE_BREAKS:
                    value = value.replace("\n", "")
                self.fields.append((name, value))
        elif tag == "textarea" and name:
            self._textarea = (name, [])
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, _tokenized(attrs.get("value") or "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            text = _tokenized("".join(parts))
            self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select":
            self._select = None


def _tokenized(text: str) -> str:
    return _LINE_BREAK.sub("\n", text)


def browser_data(html: str, containing: str) -> dict[str, str | list[str]]:
    """The fields of the POST form of `html` that has a field `containing`, as a browser sends
    them when nobody touched them."""
    index = 0
    while True:
        parser = _Form(index)
        parser.feed(html)
        if parser.forms_seen < index:
            raise AssertionError(f"no POST form with a field {containing!r}")
        if any(name == containing for name, _ in parser.fields):
            break
        index += 1
    data: dict[str, str | list[str]] = {}
    for name, value in parser.fields:
        value = value.replace("\n", "\r\n")
        if name in data:
            existing = data[name]
            data[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[name] = value
    return data
