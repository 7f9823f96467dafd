"""The language of a request: the URL's lang, then the cookie, then Accept-Language (for the API
the page's Accept-Language before the cookie); pages and API errors speak it."""

import pytest
from fastapi.testclient import TestClient

from app import i18n
from app.core import parallel
from app.core.errors import InputError
from app.main import create_app

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("zh-TW", "zh"),
        ("zh-Hans-CN", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-FR, zh;q=0.5, en;q=0.4", "zh"),
        ("fr, de", None),
        ("en;q=0, zh;q=0.1", "zh"),
        ("*", None),
        ("", None),
        (None, None),
        ("zh;q=abc, en", "en"),
    ],
)
def test_accept_language(header, expected):
    assert i18n.from_accept_language(header) == expected


@pytest.mark.parametrize(
    ("query", "cookie", "header", "api", "expected"),
    [
        ("zh", "en", "en", False, ("zh", "url")),
        ("en", "zh", "zh", True, ("en", "url")),
        (None, "zh", "en", False, ("zh", "cookie")),
        (None, "zh", "en", True, ("en", "header")),  # the page says its language to the API
        (None, "zh", None, True, ("zh", "cookie")),
        ("xx", None, "zh-CN", False, ("zh", "header")),
        (None, "xx", "fr", False, ("en", "default")),
    ],
)
def test_order(query, cookie, header, api, expected):
    assert i18n.negotiate(query, cookie, header, api=api) == expected


@pytest.fixture(scope="module")
def client():
    app = create_app()

    # Routes that fail with a translated message (a `site` message, as app's own land later),
    # raised where an API handler may raise: an async handler, a plain def in FastAPI's
    # threadpool, and a worker of app/core/parallel.py's pool.
    def fail() -> None:
        raise InputError(i18n.gettext("Copied."), field="probe")

    async def in_loop() -> dict:
        fail()

    def in_threadpool() -> dict:
        fail()

    def in_parallel_pool() -> dict:
        seen = []

        def work(part):
            seen.append(part)
            if part.start > 0:  # a slice run on one of the pool's threads
                fail()

        parallel.for_images(work, 64)
        return {"slices": len(seen)}

    app.add_api_route("/api/i18n-probe/loop", in_loop)
    app.add_api_route("/api/i18n-probe/thread", in_threadpool)
    app.add_api_route("/api/i18n-probe/parallel", in_parallel_pool)
    with TestClient(app) as test_client:
        yield test_client


def html_lang(text: str) -> str:
    return text.split('<html lang="', 1)[1].split('"', 1)[0]


def test_url_wins_and_is_remembered(client):
    client.cookies.clear()
    response = client.get("/conv?lang=zh", headers=EN)
    assert response.status_code == 200
    assert html_lang(response.text) == "zh-CN"
    assert "cnnlab_lang=zh" in response.headers["set-cookie"]
    assert "Max-Age=31536000" in response.headers["set-cookie"]
    # The next visit without lang: the remembered choice beats the browser's English.
    again = client.get("/pooling", headers=EN)
    assert html_lang(again.text) == "zh-CN"
    assert "set-cookie" not in again.headers
    back = client.get("/pooling?lang=en", headers=ZH)
    assert html_lang(back.text) == "en" and "cnnlab_lang=en" in back.headers["set-cookie"]
    client.cookies.clear()


def test_accept_language_without_url_or_cookie(client):
    client.cookies.clear()
    assert html_lang(client.get("/", headers=ZH).text) == "zh-CN"
    assert html_lang(client.get("/", headers=EN).text) == "en"
    assert html_lang(client.get("/", headers={"Accept-Language": "fr"}).text) == "en"


def test_pages_vary_by_language_and_static_files_do_not(client):
    vary = client.get("/", headers=ZH).headers["vary"].lower()
    assert "accept-language" in vary and "cookie" in vary
    page = client.get("/").text
    css = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert "accept-language" not in client.get(css).headers.get("vary", "").lower()


def test_chinese_page_is_translated_and_links_keep_lang(client):
    text = client.get("/nowhere?lang=zh").text
    assert "这个地址没有课程" in text and "No lesson at this address" not in text
    assert 'href="./conv?lang=zh"' in text and 'href="./?lang=zh"' in text
    assert 'href="./docs?lang=zh"' in text
    # No Chinese gloss beside a Chinese title, no "中文 terms" toggle.
    assert '<span lang="zh">' not in text and 'id="zh-toggle"' not in text
    client.cookies.clear()  # the lang=zh above was remembered
    english = client.get("/nowhere", headers=EN).text
    assert 'href="./conv"' in english and '<span lang="zh">卷积</span>' in english
    assert 'id="zh-toggle"' in english


def test_switch_keeps_the_view(client):
    text = client.get("/conv?s=1&p=2&lang=en").text
    assert 'href="?s=1&amp;p=2&amp;lang=zh"' in text
    assert 'href="?s=1&amp;p=2&amp;lang=en"' in text


def test_script_catalogue_is_embedded_in_the_page_language(client):
    zh = client.get("/conv?lang=zh").text
    block = zh.split('<script type="application/json" id="i18n">', 1)[1].split("</script>", 1)[0]
    assert '"lang": "zh"' in block and "▶ 播放" in block
    en = client.get("/conv?lang=en").text
    assert '<script type="application/json" id="i18n">{"lang": "en", "messages": {}}' in en


@pytest.mark.parametrize("where", ["loop", "thread", "parallel"])
def test_api_errors_come_in_the_requests_language(client, where):
    client.cookies.clear()
    url = f"/api/i18n-probe/{where}"
    zh = client.get(url, headers=ZH)
    assert zh.status_code == 422
    assert zh.json() == {"detail": "已复制。", "field": "probe"}
    en = client.get(url, headers=EN)
    assert en.json() == {"detail": "Copied.", "field": "probe"}
    # The page's Accept-Language beats a cookie another tab set.
    client.cookies.set("cnnlab_lang", "en")
    assert client.get(url, headers=ZH).json()["detail"] == "已复制。"
    client.cookies.set("cnnlab_lang", "zh")
    assert client.get(url).json()["detail"] == "已复制。"
    client.cookies.clear()
