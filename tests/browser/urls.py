"""Waiting for the page's URL: pages write their state to it a moment after a change (URL writes
are capped at a few a second, as browsers limit them), so a test waits rather than reads once."""

import time


def wait_url(page, ok, timeout: float = 5.0) -> None:
    """Wait until ok(page.url) is true; fail with the last URL after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not ok(page.url):
        if time.monotonic() > deadline:
            raise AssertionError(f"the page's URL never matched: {page.url}")
        page.wait_for_timeout(50)
