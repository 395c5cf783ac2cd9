"""The signature rule (orchestrator_site.signatures): one cause is one group, whatever element or
line it came from, and a person can read why."""

from __future__ import annotations

import time

import pytest

from orchestrator_site.signatures import EMPTY, SIGNATURE_LENGTH, signature

TRACEBACK = (
    "KeyError: 'beløb'\nTraceback (most recent call last):\n  File \"main.py\", line 88, in "
    "process\n    amount = row['beløb']\nKeyError: 'beløb'"
)
UNCAUGHT = "An uncaught error ocurred during the process:\n"

# (message, its signature): examples from demo/builder.py and bench/generate.py, then odd text.
CASES = [
    (
        "TimeoutError: The page did not load within 30 seconds.",
        "TimeoutError: The page did not load within <n> seconds.",
    ),
    ("ValueError: CPR-nummer mangler i sagen.", "ValueError: CPR-nummer mangler i sagen."),
    (
        'Element not found: <button id="submit">Godkend</button>',
        "Element not found: <button id='<value>'>Godkend</button>",
    ),
    (TRACEBACK, "KeyError: '<value>'"),
    (UNCAUGHT + TRACEBACK, "KeyError: '<value>'"),
    (
        UNCAUGHT + "TimeoutError: The page did not load within 30 seconds.",
        "TimeoutError: The page did not load within <n> seconds.",
    ),
    (
        "<script>alert('hostile text from a scraped page')</script> was in the reply.",
        "<script>alert('<value>')</script> was in the reply.",
    ),
    (
        "ConnectionResetError: [WinError 10054] An existing connection was forcibly closed.",
        "ConnectionResetError: [WinError <n>] An existing connection was forcibly closed.",
    ),
    (
        "Scheduler couldn't launch the process:\nFileNotFoundError:\nC:\\Robots\\BudgetRapport\\main.py",
        "Scheduler couldn't launch the process: FileNotFoundError: <path>",
    ),
    (
        "Scheduler couldn't launch the process:\nFileNotFoundError: C:\\Robots\\Faktura Afstemning\\main.py",
        "Scheduler couldn't launch the process: FileNotFoundError: <path>",
    ),
    ("Kan ikke åbne \\\\srv01\\Delt\\rapport.xlsx", "Kan ikke åbne <path>"),
    ("open /var/robots/run/main.py failed", "open <path> failed"),
    ("Sag KVI-00284 fejlede", "Sag <ref> fejlede"),
    ("Element 3f2b0c9e-1d2a-4c1b-9a77-2f1d0e8c6b11 låst", "Element <id> låst"),
    ("Element 3f2b0c9e1d2a4c1b9a772f1d0e8c6b11 låst", "Element <id> låst"),
    ("CPR 010190-1234 ukendt", "CPR <cpr> ukendt"),
    ("CPR 0101901234 ukendt", "CPR <cpr> ukendt"),
    ("Timeout 2026-11-03 14:22:01.123456 på portalen", "Timeout <time> på portalen"),
    ("Timeout 2026-11-03T14:22:01+01:00 på portalen", "Timeout <time> på portalen"),
    ("Frist 03.11.2026 kl. 14.22 overskredet", "Frist <time> overskredet"),
    ("Frist 3/11-26 overskredet kl 9:05", "Frist <time> overskredet kl <time>"),
    ("Beløb 1.234,50 kr afvist", "Beløb <n> kr afvist"),
    ('Felt "Adresse" mangler', "Felt '<value>' mangler"),
    ("Mail til ada@example.dk afvist", "Mail til <email> afvist"),
    ("HTTP 503 fra https://portal.example/api/v2/sag/77", "HTTP <n> fra <url>"),
    (
        'Traceback (most recent call last):\n  File "C:\\r\\main.py", line 12, in <module>\n'
        "ZeroDivisionError: division by zero",
        "ZeroDivisionError: division by zero",
    ),
    ("Fejl i linje: line 42 of the sheet", "Fejl i linje: line <n> of the sheet"),
    ("Trin 3/10: behandler sag 12345", "Trin <n>/<n>: behandler sag <n>"),
    ("Failed before it started", "Failed before it started"),
    ("", EMPTY),
    ("   \n\t ", EMPTY),
    (None, EMPTY),
    ("  two   spaces\nand a line  ", "two spaces and a line"),
]


@pytest.mark.no_orchestrator_db
@pytest.mark.parametrize(("message", "expected"), CASES)
def test_each_message_has_its_signature(message, expected):
    assert signature(message).text == expected


@pytest.mark.no_orchestrator_db
@pytest.mark.parametrize(
    "same",
    [
        ("Sag KVI-00284 fejlede", "Sag KVI-01777 fejlede"),
        ("KeyError: 'beløb'", UNCAUGHT + TRACEBACK),
        (
            "TimeoutError: The page did not load within 30 seconds.",
            UNCAUGHT + "TimeoutError: The page did not load within 60 seconds.",
        ),
        (
            "Timeout 2026-11-03 14:22:01 for 010190-1234",
            "Timeout 2026-11-04 08:00:00 for 311299-9999",
        ),
    ],
)
def test_one_cause_is_one_key(same):
    first, second = (signature(m) for m in same)
    assert first.key == second.key and len(first.key) == 12


@pytest.mark.no_orchestrator_db
def test_different_causes_have_different_keys():
    keys = {signature(message).key for message, _ in CASES}
    assert len(keys) == len({expected for _, expected in CASES})


@pytest.mark.no_orchestrator_db
def test_it_says_why_in_words():
    assert signature(UNCAUGHT + TRACEBACK).explain() == (
        "OpenOrchestrator's generic first line dropped; traceback reduced to its last line; "
        "1 quoted value replaced"
    )
    assert signature("Sag KVI-1 og KVI-2 fejlede 2026-11-03 efter 3 forsøg").explain() == (
        "1 timestamp, 2 references and 1 number replaced"
    )
    assert signature("Login failed for service account: account locked.").explain() == (
        "the message as it is"
    )


@pytest.mark.no_orchestrator_db
def test_long_and_hostile_text_is_cut_and_fast():
    started = time.monotonic()
    for message in ("x" * 8000, "'" * 8000, "1" * 8000, "C:\\" + "a\\" * 4000, "æøå " * 2000):
        found = signature(message)
        assert 0 < len(found.text) <= SIGNATURE_LENGTH
    assert time.monotonic() - started < 1.0


@pytest.mark.no_orchestrator_db
@pytest.mark.parametrize(
    "message",
    [
        UNCAUGHT + TRACEBACK,
        UNCAUGHT
        + "robot output first\nTraceback (most recent call last):\n  File x\nOSError: disk",
        UNCAUGHT + "ValueError: CPR mangler",
    ],
)
def test_the_lists_show_the_line_the_group_is_made_from(message):
    """One rule for "the real error line": the dashboard's summary_line and the signatures."""
    from orchestrator_site.signatures import cause_line
    from orchestrator_site.templatetags.console_format import summary_line

    line, _how = cause_line(message)
    assert summary_line(message) == line
