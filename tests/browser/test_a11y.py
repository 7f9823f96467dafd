"""axe-core in real Chromium: no critical or serious violations on the home page and every lesson.

axe-core (tests/browser/vendor/axe-core, MPL-2.0) is a test dependency only: it is injected into
the page by Playwright and never served by the app. /docs (the vendored Swagger UI) is out of
scope. Playwright injects the script inline, which the site's CSP forbids, so these contexts
bypass the CSP (the other browser tests keep it). Each page is checked at desktop size, at
1024×768 in projector mode, and on a phone.
"""

import json
from pathlib import Path

import pytest

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"

PAGES = [
    "/",
    "/conv",
    "/pooling",
    "/activations",
    "/optimizers",
    "/filters",
    "/training",
    "/cnn",
    "/conv-transpose",
]
SIZES = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "projector": {"viewport": {"width": 1024, "height": 768}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}
SEVERE = ("critical", "serious")
# The number grids' ARIA structure (role=grid needs rows) is the keyboard work's (roving
# tabindex, rows); these two rules are asserted on their own below, so that their state is
# reported rather than hidden.
GRID_RULES = ("aria-required-children", "aria-required-parent")


def axe_violations(page) -> list[dict]:
    """Runs axe-core on the whole document; returns its critical and serious violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, { resultTypes: ["violations"] });
          return r.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, why: n.failureSummary })),
            count: v.nodes.length,
          }));
        }"""
    )
    return [v for v in result if v["impact"] in SEVERE]


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, indent=1, ensure_ascii=False)


def open_page(browser, live_server, path, size):
    context = browser.new_context(**SIZES[size], bypass_csp=True)
    page = context.new_page()
    query = "?large=1" if size == "projector" else ""
    page.goto(f"{live_server}{path}{query}")
    page.wait_for_load_state("networkidle")
    return context, page


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_axe_violations(browser, live_server, path, size):
    context, page = open_page(browser, live_server, path, size)
    try:
        violations = [v for v in axe_violations(page) if v["id"] not in GRID_RULES]
        assert violations == [], f"{path} at {size}:\n{describe(violations)}"
    finally:
        context.close()


@pytest.mark.parametrize("path", PAGES)
def test_number_grids_pass_the_grid_rules(browser, live_server, path):
    """role=grid with its cells in rows. Until the grids have rows at all (the keyboard work that
    adds them is not merged), the test reports what axe finds as an expected failure."""
    context, page = open_page(browser, live_server, path, "desktop")
    try:
        violations = [v for v in axe_violations(page) if v["id"] in GRID_RULES]
        has_rows = page.locator('[role="grid"] [role="row"]').count() > 0
        if violations and not has_rows:
            counts = ", ".join(f"{v['id']} × {v['count']}" for v in violations)
            pytest.xfail(f"{path}: number grids without rows ({counts})")
        assert violations == [], f"{path}:\n{describe(violations)}"
    finally:
        context.close()


def test_axe_finds_a_planted_violation(browser, live_server):
    """The check can fail: an image without alt text is a critical violation axe must report."""
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/")
        page.evaluate(
            """() => { const img = document.createElement("img"); img.src = "data:,";
                       document.querySelector("main").append(img); }"""
        )
        assert "image-alt" in [v["id"] for v in axe_violations(page)]
    finally:
        context.close()
