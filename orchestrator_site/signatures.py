"""The signature of a failure: one message reduced to its cause, so that the same cause from many
elements or log lines lands in one group.

Pure text in, text out: no database, no feature app. The rules, in order:

1. OpenOrchestrator's generic first line ("An uncaught error ocurred during the process:", its own
   spelling) is dropped; a Python traceback is reduced to its last line, the exception's own line
   (`KeyError: 'beløb'`), which names the type.
2. What differs between occurrences of one cause is replaced by a placeholder: timestamps (ISO and
   Danish), UUIDs, file paths (Windows, UNC and POSIX), e-mail addresses, quoted values, CPR-like
   numbers, line numbers, references (words that mix letters and digits, like KVI-00284) and
   numbers.
3. Whitespace is collapsed and the result cut to SIGNATURE_LENGTH characters.

`explain` says which of these applied, so a person can read why two messages share a group; `key`
is a short stable hash of the signature text for URLs. RULES_VERSION changes whenever a rule does,
so stored signatures computed by older rules are recomputed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from orchestrator_site import errorline

RULES_VERSION = 2
SIGNATURE_LENGTH = 300
# Only this much of the chosen line is normalised: a log line may hold 8,000 characters.
SCANNED_LENGTH = 2000
KEY_LENGTH = 12

UNCAUGHT_PREFIX = "An uncaught error ocurred during the process:"
EMPTY = "(no message)"

# (placeholder, what it stands for, pattern); applied in this order, each on what the earlier left.
_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "<time>",
        "timestamp",
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:[.,]\d+)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?)?"
            r"|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?:,?\s*(?:kl\.?\s*)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?"
            r"|\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\b"
        ),
    ),
    (
        "<id>",
        "id",
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
            r"|\b[0-9a-fA-F]{32}\b|\b0x[0-9a-fA-F]+\b"
        ),
    ),
    ("<url>", "web address", re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")),
    (
        "<path>",
        "file path",
        re.compile(
            # Windows folders may hold spaces: every part up to the last backslash is the path.
            r"(?<![\w/])(?:[A-Za-z]:[\\/]|\\\\[^\\\s]+\\)(?:[^\\\n'\"<>|:]*\\)*[^\s'\"<>|]*"
            r"|(?<![\w/<])/(?:[\w.-]+/)+[\w.-]*"
        ),
    ),
    ("<email>", "e-mail address", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    (
        "'<value>'",
        "quoted value",
        # A quote opens only after a non-word character, so "couldn't" opens nothing.
        re.compile(r"(?<!\w)'[^'\n]{0,200}'(?!\w)|(?<!\w)\"[^\"\n]{0,200}\"(?!\w)"),
    ),
    ("<cpr>", "CPR-like number", re.compile(r"\b\d{6}-?\d{4}\b")),
    ("line <n>", "line number", re.compile(r"\bline \d+\b")),
    (
        "<ref>",
        "reference",
        re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[^\W\d_])[^\W_]+(?:[-_][^\W_]+)*\b"),
    ),
    ("<n>", "number", re.compile(r"(?<![\w<])[-+]?\d+(?:[.,]\d+)*\b")),
)
_SPACE = re.compile(r"\s+")


# Why a message landed in its group, without words: (how it was cut down, (what, how many) of each
# rule that applied). Snapshots keep this, shared by people who read different languages;
# `explain_text` puts it in words in the language of the page that shows it.
Why = tuple[tuple[str, ...], tuple[tuple[str, int], ...]]

GENERIC_LINE, TRACEBACK = "generic-first-line", "traceback"
_REDUCED_WORDS = {
    GENERIC_LINE: gettext_lazy("OpenOrchestrator's generic first line dropped"),
    TRACEBACK: gettext_lazy("traceback reduced to its last line"),
}
# Each rule's `what`, counted: the singular and the plural with the number in it.
_COUNTED = {
    "timestamp": ngettext_lazy("%(count)d timestamp", "%(count)d timestamps", "count"),
    "id": ngettext_lazy("%(count)d id", "%(count)d ids", "count"),
    "web address": ngettext_lazy("%(count)d web address", "%(count)d web addresses", "count"),
    "file path": ngettext_lazy("%(count)d file path", "%(count)d file paths", "count"),
    "e-mail address": ngettext_lazy(
        "%(count)d e-mail address", "%(count)d e-mail addresses", "count"
    ),
    "quoted value": ngettext_lazy("%(count)d quoted value", "%(count)d quoted values", "count"),
    "CPR-like number": ngettext_lazy(
        "%(count)d CPR-like number", "%(count)d CPR-like numbers", "count"
    ),
    "line number": ngettext_lazy("%(count)d line number", "%(count)d line numbers", "count"),
    "reference": ngettext_lazy("%(count)d reference", "%(count)d references", "count"),
    "number": ngettext_lazy("%(count)d number", "%(count)d numbers", "count"),
}


@dataclass(frozen=True)
class Signature:
    text: str  # the normalised cause, shown as the group's title
    key: str  # short stable hash of `text`, for URLs
    replaced: tuple[tuple[str, int], ...]  # (what, how many) of each rule that applied
    reduced: tuple[str, ...] = ()  # how the message was cut down before normalising

    def why(self) -> Why:
        return self.reduced, self.replaced

    def explain(self) -> str:
        """Why messages land in this group, in words: "traceback reduced to its last line; 2
        numbers and 1 quoted value replaced"."""
        return explain_text(self.why())


def explain_text(why: Why | str | None) -> str:
    """`Signature.why()` in words, in the active language; "" for None (no explanation). A str
    is shown as it is (a snapshot counted by an older version of the console)."""
    if why is None or isinstance(why, str):
        return why or ""
    reduced, replaced = why
    parts = [str(_REDUCED_WORDS.get(how, how)) for how in reduced]
    if replaced:
        counted = [_counted(n, what) for what, n in replaced]
        listed = counted[0]
        if len(counted) > 1:
            listed = _("%(items)s and %(last)s") % {
                "items": ", ".join(counted[:-1]),
                "last": counted[-1],
            }
        parts.append(_("%(items)s replaced") % {"items": listed})
    return "; ".join(parts) or _("the message as it is")


def _counted(n: int, what: str) -> str:
    words = _COUNTED.get(what)
    return words % {"count": n} if words is not None else f"{n} {what}"


def key_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:KEY_LENGTH]


def cause_line(message: str | None) -> tuple[str, tuple[str, ...]]:
    """The part of `message` that names the cause, and how it was found (GENERIC_LINE,
    TRACEBACK; none when it is the message itself)."""
    text = (message or "").strip()
    how = []
    if text.startswith(UNCAUGHT_PREFIX):
        text = text[len(UNCAUGHT_PREFIX) :].strip()
        how.append(GENERIC_LINE)
    line = exception_line(text)
    if line is not None:
        text = line
        how.append(TRACEBACK)
    return text, tuple(how)


def exception_line(text: str) -> str | None:
    """The exception's own line of a Python traceback in `text`; None without a traceback. The
    lists' rule for the real error line (orchestrator_site.errorline), so a group and a row name
    a failure by the same line."""
    return errorline.exception_line(text)


def signature(message: str | None) -> Signature:
    """The signature of one failure message (any text, None included)."""
    text, reduced = cause_line(message)
    text = _SPACE.sub(" ", text[:SCANNED_LENGTH]).strip()
    replaced = []
    for placeholder, what, pattern in _RULES:
        text, n = pattern.subn(placeholder, text)
        if n:
            replaced.append((what, n))
    text = text[:SIGNATURE_LENGTH] or EMPTY
    return Signature(text=text, key=key_of(text), replaced=tuple(replaced), reduced=reduced)
