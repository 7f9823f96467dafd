"""Home page, navigation, projector mode and /docs in real Chromium."""

from playwright.sync_api import expect


def test_home_lists_every_lesson(page, live_server, console_errors):
    page.goto(live_server + "/")
    cards = page.locator(".lesson-cards .card")
    expect(cards.first).to_be_visible()
    nav_links = page.locator(".site-nav a")
    assert cards.count() + 1 == nav_links.count()  # every lesson, plus the API docs
    cards.first.locator("a").click()
    expect(page.locator("h1")).to_be_visible()
    assert console_errors == []


def test_projector_mode_toggles_and_persists(page, live_server):
    page.goto(live_server + "/")
    html = page.locator("html")
    page.get_by_role("button", name="Projector mode").click()
    expect(html).to_have_class("large")
    page.reload()
    expect(html).to_have_class("large")
    page.keyboard.press("Shift+L")
    expect(html).not_to_have_class("large")


def test_docs_render_offline_under_the_csp(page, live_server, console_errors):
    page.goto(live_server + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("cnnlab", timeout=15000)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert not [e for e in console_errors if "Content Security Policy" in e]
