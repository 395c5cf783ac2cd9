"""A vault keeper reveals a password in the browser and sees it hidden again; others cannot."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import expect

from tests.settings import TEST_FERNET_KEY


def test_keeper_reveals_a_password_that_hides_itself_after_30_seconds(as_role):
    keeper = as_role("keeper")
    keeper.page.clock.install()  # the page's timers run on a clock the test moves
    keeper.goto("/vault/credentials/")
    row = keeper.page.locator("tr", has_text="KMD Logon")
    row.get_by_role("link", name="Reveal").click()
    keeper.page.get_by_label("Encryption key").fill(TEST_FERNET_KEY)
    keeper.page.get_by_label("Reason").fill("Browser test of the reveal flow")
    keeper.page.get_by_role("button", name="Reveal").click()
    secret = keeper.page.locator("#revealed-password")
    countdown = keeper.page.locator("[data-countdown-for='revealed-password']")
    expect(secret).to_have_text("demo-svc-kmd-pw!")
    keeper.shot("vault-revealed")
    keeper.page.clock.run_for(29_000)
    expect(countdown).to_have_text("1")
    expect(secret).to_have_text("demo-svc-kmd-pw!")  # still shown one second before
    keeper.page.clock.run_for(1_000)
    expect(secret).to_have_text("(hidden)")
    assert "demo-svc-kmd-pw!" not in keeper.page.content()
    assert keeper.problems == []


def test_a_viewer_sees_no_reveal_button_and_is_refused_at_the_url(as_role):
    viewer = as_role("viewer")
    viewer.goto("/vault/credentials/")
    expect(viewer.page.locator("tr", has_text="KMD Logon")).to_be_visible()
    expect(viewer.page.get_by_role("link", name="Reveal")).to_have_count(0)
    assert viewer.problems == []
    response = viewer.goto(f"/vault/credentials/{quote('KMD Logon')}/reveal/")
    assert response.status == 403
