"""The reveal page names and fills in the public demo key, only when the console runs locally on
the demo database with that key (what `make run` does); never anywhere else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from demo.key import DEMO_KEY
from tests.helpers import make_credential, oo_db
from tests.vault.conftest import KEY, reveal

ROOT = Path(__file__).resolve().parents[2]
URL = "/vault/credentials/Mail/reveal/"
HINT = "public demo key"


def test_the_makefile_sets_the_key_the_page_shows():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^DEMO_KEY := (\S+)$", makefile, flags=re.M).group(1) == DEMO_KEY


@pytest.fixture
def make_run(settings):
    """The settings of `make run` without OpenOrchestratorSQL: local sign-in, demo database."""
    settings.LOCAL_MODE = True
    settings.ORCHESTRATOR_IS_DEMO = True
    settings.OPENORCHESTRATOR_KEY = DEMO_KEY
    return settings


@oo_db
def test_locally_on_the_demo_the_page_names_the_key_and_fills_it_in(make_run, as_keeper):
    make_credential("Mail", "robot", "demo-s3cret")  # encrypted with the demo key
    body = as_keeper.get(URL).content.decode()
    assert HINT in body and f"<code>{DEMO_KEY}</code>" in body and "DEMO_KEY" in body
    key_input = re.search(r'<input[^>]*name="key"[^>]*>', body).group(0)
    assert f'value="{DEMO_KEY}"' in key_input

    # What the browser sends back with the filled-in key reveals the password.
    response = reveal(as_keeper, "Mail", key=DEMO_KEY)
    assert response.status_code == 200 and "demo-s3cret" in response.content.decode()


@oo_db
@pytest.mark.parametrize(
    ("local", "demo", "key"),
    [
        (False, True, DEMO_KEY),  # signed in through IIS
        (True, False, DEMO_KEY),  # a real database configured
        (True, True, KEY),  # the demo database with someone's own key
    ],
    ids=["iis", "real-database", "own-key"],
)
def test_anywhere_else_it_shows_no_key(settings, as_keeper, local, demo, key):
    settings.LOCAL_MODE, settings.ORCHESTRATOR_IS_DEMO = local, demo
    settings.OPENORCHESTRATOR_KEY = key
    make_credential("Mail", "robot", "s3cret")
    body = as_keeper.get(URL).content.decode()
    assert HINT not in body and DEMO_KEY not in body and KEY not in body
    assert 'name="key"' in body
