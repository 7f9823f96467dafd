"""The interface language in Chromium, at a desktop, a 1024×768 projector and a phone: the URL's
lang, then the remembered choice, then the browser's language; <html lang>; the switch keeps
the view; links keep lang."""

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.urls import wait_url

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "1024x768": {"viewport": {"width": 1024, "height": 768}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}


@pytest.fixture(params=list(SIZES))
def zh_browser_page(request, browser):
    """A page in a fresh profile whose browser prefers Chinese (Accept-Language: zh-CN)."""
    context = browser.new_context(locale="zh-CN", **SIZES[request.param])
    yield context.new_page()
    context.close()


def query(url: str) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlparse(url).query).items()}


def html_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def test_order_url_then_remembered_then_browser(zh_browser_page, live_server):
    page = zh_browser_page
    page.goto(f"{live_server}/")
    assert html_lang(page) == "zh-CN"  # the browser's language
    expect(page.locator(".lang-switch [aria-current='true']")).to_have_text("中文")
    page.locator(".lang-switch a[data-lang='en']").click()
    wait_url(page, lambda url: query(url).get("lang") == "en")
    assert html_lang(page) == "en"
    expect(page.get_by_role("button", name="Projector mode")).to_be_visible()
    # The next visit without lang: the remembered English beats the browser's Chinese.
    page.goto(f"{live_server}/pooling")
    assert html_lang(page) == "en"
    # The URL beats the remembered choice, and becomes the remembered choice.
    page.goto(f"{live_server}/pooling?lang=zh")
    assert html_lang(page) == "zh-CN"
    expect(page.locator("#large-toggle")).to_have_text("投影模式")
    page.goto(f"{live_server}/")
    assert html_lang(page) == "zh-CN"


def test_links_keep_lang(zh_browser_page, live_server):
    page = zh_browser_page
    page.goto(f"{live_server}/no-such-page?lang=en")
    assert html_lang(page) == "en"
    page.locator(".not-found-list a[href^='./conv-transpose']").click()
    wait_url(page, lambda url: urlparse(url).path == "/conv-transpose")
    assert query(page.url).get("lang") == "en" and html_lang(page) == "en"
    nav = page.locator(".site-nav a[href^='./pooling']")
    if not nav.is_visible():  # the phone's nav scrolls sideways
        nav.scroll_into_view_if_needed()
    nav.click()
    wait_url(page, lambda url: urlparse(url).path == "/pooling")
    assert query(page.url).get("lang") == "en"
    page.locator("a.brand").click()
    wait_url(page, lambda url: urlparse(url).path == "/")
    assert query(page.url).get("lang") == "en"
    page.locator(".lesson-cards a[href^='./conv']").first.click()
    wait_url(page, lambda url: urlparse(url).path == "/conv")
    assert query(page.url).get("lang") == "en"


def test_switch_keeps_the_view(zh_browser_page, live_server):
    page = zh_browser_page
    page.goto(f"{live_server}/conv?lang=en&s=1&p=2")
    page.wait_for_load_state("networkidle")
    # A change made on the page after it loaded (the page writes it to the URL) is kept too.
    stride = page.locator("input[name='s']")
    stride.fill("3")
    stride.press("Enter")
    wait_url(page, lambda url: query(url).get("s") == "3")
    page.locator(".lang-switch a[data-lang='zh']").click()
    wait_url(page, lambda url: query(url).get("lang") == "zh")
    page.wait_for_load_state("networkidle")
    assert html_lang(page) == "zh-CN"
    params = query(page.url)
    assert params["s"] == "3" and params["p"] == "2"
    expect(page.locator("input[name='s']")).to_have_value("3")
    expect(page.locator("input[name='p']")).to_have_value("2")
    # Chinese mode: no "中文 terms" toggle and no English page's glosses.
    expect(page.locator("#zh-toggle")).to_have_count(0)
    gloss = page.locator("main span[lang='zh']")
    for i in range(min(gloss.count(), 20)):
        expect(gloss.nth(i)).to_be_hidden()


def test_api_calls_say_the_page_language(zh_browser_page, live_server):
    page = zh_browser_page
    with page.expect_request(lambda r: "/api/" in r.url) as info:
        page.goto(f"{live_server}/conv?lang=en")
    assert info.value.headers.get("accept-language") == "en"
    with page.expect_request(lambda r: "/api/" in r.url) as info:
        page.goto(f"{live_server}/conv?lang=zh")
    assert info.value.headers.get("accept-language") == "zh-CN"
