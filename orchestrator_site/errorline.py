"""The one line of a log message that says what went wrong, for every list that shows a message.

OpenOrchestrator's Scheduler logs a failed job as "An uncaught error ocurred during the process:"
(its spelling) followed by the robot's stderr: usually a Python traceback, whose exception line is
the useful part. A launch failure is "Scheduler couldn't launch the process:" and the exception's
name and text on the lines after it. OpenOrchestrator keeps the first and the last 4,000
characters of a longer message, so the end of a traceback survives.
"""

from __future__ import annotations

GENERIC_ERROR = "An uncaught error ocurred during the process:"
TRACEBACK = "Traceback (most recent call last):"


def summary_line(message: str | None) -> str:
    """The line a list shows for `message`:

    - after OpenOrchestrator's generic line: the exception line itself (of a traceback, the first
      unindented line after its frames, so that a message spanning several lines, such as
      Playwright's "TimeoutError: ...\\nCall log: ...", shows its first line; without a traceback,
      the first line of the text);
    - a first line that only announces what follows (ends with ":"): that line and the next one;
    - otherwise the first line.
    Blank lines and surrounding spaces are skipped. Plain text: the caller escapes it.
    """
    text = str(message or "")
    head = text.partition("\n")[0].strip()
    if head and not head.endswith(":"):
        return head  # most lines: no need to split the rest (up to 8,000 characters)
    lines = [line.rstrip() for line in text.split("\n") if line.strip()]
    if not lines:
        return ""
    head = lines[0].strip()
    if len(lines) == 1 or not head.endswith(":"):
        return head
    rest = _exception_line(lines[1:])
    if head == GENERIC_ERROR:
        return rest
    return f"{head} {rest}"


def exception_line(text: str) -> str | None:
    """The exception's own line of the last Python traceback in `text` (`KeyError: 'beløb'`);
    None when `text` holds no traceback. The failure groups (orchestrator_site.signatures) are
    made from this line too."""
    if TRACEBACK not in text:
        return None
    return _exception_line([line.rstrip() for line in text.split("\n") if line.strip()])


def _exception_line(lines: list[str]) -> str:
    starts = [i for i, line in enumerate(lines) if line.strip() == TRACEBACK]
    if starts:
        after = lines[starts[-1] + 1 :]
        found = next((line for line in after if not line[:1].isspace()), None)
        line = (found or lines[-1]).strip()
        follows = after[after.index(found) + 1 :] if found is not None else []
    else:
        line, follows = lines[0].strip(), lines[1:]
    # "FileNotFoundError:" alone on its line (a launch failure): its text is on the next one.
    if line.endswith(":") and follows and line != TRACEBACK:
        line = f"{line} {follows[0].strip()}"
    return line
