"""What a browser reads from a console page: its forms (with the CSRF token), links and messages.

The load test fills in forms from these, never from hard-coded field lists, so a renamed field or
URL shows up as a failing write rather than as a load test that no longer writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class Button:
    label: str  # aria-label, else title, else its text
    formaction: str  # "" when it submits to the form's own action
    # The badges (CSS classes "badge-...") of the table row the button sits in: a row's status.
    row_badges: tuple[str, ...] = ()


@dataclass
class Form:
    action: str  # absolute path, query included; the page itself when the form has no action
    method: str
    # What the browser submits when nobody touches anything: hidden and text inputs, textareas,
    # checked boxes and radios, selected options.
    fields: list[tuple[str, str]] = field(default_factory=list)
    # Every checkbox and radio, checked or not: name -> its values.
    choices: dict[str, list[str]] = field(default_factory=dict)
    # Its submit buttons, inside it or anywhere with form="its id" (the row actions of a list
    # share one form: orchestrator_site/rowactions.py).
    buttons: list[Button] = field(default_factory=list)

    def button(self, label: str, *, prefix: bool = False) -> Button | None:
        """The submit button labelled `label` (or whose label starts with it)."""
        for b in self.buttons:
            if b.label == label or (prefix and b.label.startswith(label)):
                return b
        return None

    def submission(
        self,
        *,
        button: Button | None = None,
        check: dict[str, list[str]] | None = None,
        values: dict[str, str] | None = None,
    ) -> tuple[str, list[tuple[str, str]]]:
        """(URL, fields) for a click on `button` after ticking `check` and typing `values`."""
        values = values or {}
        fields = [(name, values.get(name, value)) for name, value in self.fields]
        fields += [(name, v) for name in (check or {}) for v in check[name]]
        target = button.formaction if button and button.formaction else self.action
        return target, fields


@dataclass
class Link:
    href: str
    label: str  # aria-label, else its text


@dataclass
class Page:
    path: str
    title: str = ""
    forms: list[Form] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)  # (level, text)

    def link(self, *, label: str = "", href_path: str = "") -> Link | None:
        for link in self.links:
            if label and link.label != label:
                continue
            if href_path and urlsplit(link.href).path != href_path:
                continue
            return link
        return None


class _PageParser(HTMLParser):
    def __init__(self, path: str):
        super().__init__(convert_charrefs=True)
        self.page = Page(path)
        self.form: Form | None = None
        self.forms_by_id: dict[str, Form] = {}
        self.owner: Form | None = None  # the form of the button being read
        self.row_badges: list[str] | None = None  # inside a table row: its badges so far
        self.text: list[str] = []  # character data of the element being read
        self.button: Button | None = None
        self.link: Link | None = None
        self.textarea: str | None = None
        self.select: str | None = None
        self.select_values: list[tuple[str, bool]] = []
        self.select_multiple = False
        self.message_level: str | None = None

    def _url(self, value: str) -> str:
        return urljoin(self.page.path, value) if value else self.page.path

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "title":
            self.text = []
        elif tag == "tr":
            self.row_badges = []
        elif tag == "span" and "badge" in classes and self.row_badges is not None:
            self.row_badges += [c for c in classes if c.startswith("badge-")]
        elif tag == "form":
            self.form = Form(self._url(a.get("action", "")), a.get("method", "get").lower())
            if a.get("id"):
                self.forms_by_id[a["id"]] = self.form
        elif tag == "button" and a.get("form") in self.forms_by_id:
            self._button(self.forms_by_id[a["form"]], a)
        elif tag == "a" and "href" in a:
            self.link = Link(self._url(a["href"]), a.get("aria-label", ""))
            self.text = []
        elif tag == "li" and "msg" in classes:
            level = next((c[4:] for c in classes if c.startswith("msg-")), "")
            self.message_level = level
            self.text = []
        elif self.form is not None:
            self._form_tag(tag, a)

    def _form_tag(self, tag: str, a: dict[str, str]) -> None:
        form = self.form
        assert form is not None
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if name:
                    form.choices.setdefault(name, []).append(a.get("value", "on"))
                    if "checked" in a:
                        form.fields.append((name, a.get("value", "on")))
            elif kind in ("submit", "button", "image", "reset", "file"):
                if kind == "submit":
                    label = a.get("aria-label") or a.get("value", "")
                    form.buttons.append(Button(label, self._formaction(a)))
            elif name:
                form.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self.textarea = name
            self.text = []
        elif tag == "select" and name:
            self.select, self.select_values = name, []
            self.select_multiple = "multiple" in a
        elif tag == "option" and self.select:
            self.select_values.append((a.get("value", ""), "selected" in a))
        elif tag == "button":
            self._button(form, a)

    def _button(self, form: Form, a: dict[str, str]) -> None:
        if a.get("type", "submit").lower() == "submit":
            label = a.get("aria-label") or a.get("title", "")
            badges = tuple(self.row_badges or ())
            self.button = Button(label, self._formaction(a), badges)
            self.owner = form
            self.text = []

    def _formaction(self, a: dict[str, str]) -> str:
        return self._url(a["formaction"]) if a.get("formaction") else ""

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.page.title = " ".join("".join(self.text).split())
        elif tag == "tr":
            self.row_badges = None
        elif tag == "form" and self.form is not None:
            self.page.forms.append(self.form)
            self.form = None
        elif tag == "a" and self.link is not None:
            if not self.link.label:
                self.link.label = " ".join("".join(self.text).split())
            self.page.links.append(self.link)
            self.link = None
        elif tag == "li" and self.message_level is not None:
            self.page.messages.append((self.message_level, " ".join("".join(self.text).split())))
            self.message_level = None
        elif tag == "textarea" and self.textarea and self.form is not None:
            value = "".join(self.text)
            # Browsers drop the one newline that follows <textarea> (Django writes it).
            self.form.fields.append((self.textarea, value.removeprefix("\n")))
            self.textarea = None
        elif tag == "select" and self.select and self.form is not None:
            chosen = [v for v, selected in self.select_values if selected]
            if not chosen and self.select_values and not self.select_multiple:
                chosen = [self.select_values[0][0]]
            self.form.fields += [(self.select, v) for v in chosen]
            self.select = None
        elif tag == "button" and self.button is not None and self.owner is not None:
            if not self.button.label:
                self.button.label = " ".join("".join(self.text).split())
            self.owner.buttons.append(self.button)
            self.button, self.owner = None, None


def parse(path: str, html: str) -> Page:
    """The forms, links and messages of the page at `path` (relative URLs resolved against it)."""
    parser = _PageParser(path)
    parser.feed(html)
    parser.close()
    return parser.page
