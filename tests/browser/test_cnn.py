"""/cnn in real Chromium: build a network, train it in chunks, pause, step, watch the loss fall,
replay the run from its link, the sanity checks and the optimisers compared.

The tiny preset (1,616 parameters) keeps every run to a few seconds.
"""

import json
import re

from playwright.sync_api import expect

from tests.browser.urls import wait_url

TINY = "?net=conv_4_3__1*relu*maxpool_4*flatten*linear_8"
STEP = re.compile(r"^Step (\d+) ")


def open_cnn(page, live_server, query=TINY):
    page.goto(f"{live_server}/cnn{query}")
    expect(page.locator("#cnn-net-summary")).to_contain_text("parameters")
    expect(page.locator("#cnn-play")).to_be_enabled()


def step_of(page) -> int:
    return int(STEP.match(page.locator("#cnn-status").inner_text()).group(1))


def number_after(text: str, label: str) -> float:
    return float(re.search(rf"{label} (-?\d+(?:\.\d+)?(?:e-?\d+)?)", text).group(1))


def test_building_a_network_explains_every_layer(page, live_server, console_errors):
    open_cnn(page, live_server)
    summary = page.locator("#cnn-net-summary")
    expect(summary).to_have_text(
        "5 layers, 1,616 parameters: 1×28×28 in, 8 class scores out (softmax cross-entropy)."
    )
    conv = page.locator('.cnn-layer[data-index="0"] .cnn-layer-info')
    expect(conv).to_contain_text("→ 4×28×28")
    expect(conv).to_contain_text("H_out = W_out = (28 + 2·1 − 3) / 1 + 1 = 27/1 + 1 = 28")
    expect(conv).to_contain_text("parameters: F·C·k·k + F = 4·1·3·3 + 4 = 40")
    # A pooling window that does not divide the map: floored, with the rows it never visits.
    size = page.locator('[data-focus="2.size"]')
    size.fill("8")
    size.press("Enter")
    pool = page.locator('.cnn-layer[data-index="2"] .cnn-layer-info')
    expect(pool).to_contain_text("20/8 + 1 = 3.5 → floor → 3")
    expect(pool).to_contain_text("Input rows no window visits: 24, 25, 26, 27.")
    wait_url(page, lambda url: "maxpool_8" in url)
    # A conv layer too large for its input is explained on its row; training waits for a fix.
    page.select_option("#cnn-add-type", "conv")
    page.click("#cnn-add-button")
    kernel = page.locator('[data-focus="3.size"]')
    kernel.fill("5")
    kernel.press("Tab")
    bad = page.locator('.cnn-layer[data-index="3"]')
    expect(bad).to_have_class(re.compile("bad"))
    expect(bad.locator(".cnn-layer-error")).to_contain_text(
        "does not fit its 4×3×3 input: the kernel spans 5 cells"
    )
    expect(page.locator('.cnn-layer[data-index="4"]')).to_contain_text("not computed")
    expect(summary).to_have_text("It does not fit yet: the layer marked below explains why.")
    expect(page.locator("#cnn-play")).to_be_disabled()
    page.locator('[data-focus="3.remove"]').click()
    expect(summary).to_contain_text("5 layers, 336 parameters")  # 4·3·3 features into linear
    # Another data set: the last layer follows its class count.
    page.select_option("#cnn-data", "fashion")
    expect(summary).to_contain_text("10 class scores out")
    expect(page.locator('[data-focus="4.out"]')).to_have_value("10")
    wait_url(page, lambda url: "data=fashion" in url and "linear_10" in url)
    page.get_by_role("button", name=re.compile("LeNet-like")).click()
    expect(summary).to_contain_text("10 layers, 37,106 parameters")
    assert console_errors == []


def test_train_pause_step_the_loss_falls_and_the_link_replays(page, live_server, console_errors):
    open_cnn(page, live_server, TINY + "&ev=25&opt=adam:lr=0.003")
    status = page.locator("#cnn-status")
    expect(status).to_contain_text("Step 0: press Train")
    play = page.locator("#cnn-play")
    play.click()
    expect(play).to_have_text("❚❚ Pause")
    expect(status).to_contain_text("test accuracy", timeout=60_000)  # past the first evaluation
    play.click()
    expect(play).to_have_text("▶ Train")
    paused = status.inner_text()
    page.wait_for_timeout(500)
    assert status.inner_text() == paused  # nothing moves while paused
    step = step_of(page)
    page.click("#cnn-step")
    expect(status).to_contain_text(f"Step {step + 1} (epoch")
    wait_url(page, lambda url: f"step={step + 1}" in url)
    # The loss fell from ln C: the server's smoothed loss is well below the initial loss.
    initial = number_after(page.locator("#cnn-initial").inner_text(), "first batch:")
    assert abs(initial - 2.079) < 0.01
    assert number_after(status.inner_text(), "smoothed") < initial - 0.3
    expect(page.locator("#cnn-loss-note")).to_contain_text("next to ln C = 2.079")
    expect(page.locator("#cnn-acc-note")).to_contain_text("every 25 steps")
    expect(page.locator("#cnn-filters canvas")).to_have_count(4)
    expect(page.locator("#cnn-filters-note")).to_contain_text(f"after step {step + 1}")
    expect(page.locator("#cnn-stats tbody tr")).to_have_count(5)
    expect(page.locator('#cnn-stats tr[data-layer="1"] td').nth(7)).to_have_text(re.compile("%$"))
    # The link replays the same run to the same step, with the same numbers.
    shown = status.inner_text()
    table = page.locator("#cnn-stats").inner_text()
    other = page.context.new_page()
    other.goto(page.url)
    expect(other.locator("#cnn-replay")).to_have_text(
        f"Replayed from the link to step {step + 1}, with the same numbers.", timeout=60_000
    )
    expect(other.locator("#cnn-status")).to_have_text(shown)
    assert other.locator("#cnn-stats").inner_text() == table
    other.close()
    # Reset: step 0 again, the same configuration.
    page.click("#cnn-reset")
    expect(status).to_contain_text("Step 0: press Train")
    wait_url(page, lambda url: "step=0" in url and "ev=25" in url)
    assert console_errors == []


def test_a_link_too_far_to_replay_at_once_says_so(page, live_server, console_errors):
    def small_bound(route):
        response = route.fetch()
        body = response.json()
        if body.get("replay_steps"):
            body["replay_steps"] = 4
        route.fulfill(response=response, body=json.dumps(body))

    page.route("**/api/cnn/network", small_bound)
    page.goto(f"{live_server}/cnn{TINY}&step=9")
    note = page.locator("#cnn-replay")
    expect(note).to_contain_text(
        "This link asks for step 9; a link replays at most 4 steps of this network at once",
        timeout=30_000,
    )
    expect(note).to_contain_text("so the run stopped at step 4")
    expect(page.locator("#cnn-status")).to_contain_text("Step 4 (epoch")
    page.get_by_role("button", name="Continue to step 9").click()
    expect(page.locator("#cnn-status")).to_contain_text("Step 9 (epoch", timeout=30_000)
    wait_url(page, lambda url: "step=9" in url)
    assert console_errors == []


def test_keys_train_and_step_unless_a_control_has_the_focus(page, live_server, console_errors):
    open_cnn(page, live_server)
    status = page.locator("#cnn-status")
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")
    expect(status).to_contain_text("Step 1 (epoch")
    page.keyboard.press("ArrowRight")
    expect(status).to_contain_text("Step 2 (epoch")
    page.locator("#cnn-seed").focus()
    page.keyboard.press(" ")
    page.wait_for_timeout(300)
    expect(page.locator("#cnn-play")).to_have_text("▶ Train")
    page.locator("h1").click()
    page.keyboard.press(" ")
    expect(page.locator("#cnn-play")).to_have_text("❚❚ Pause")
    page.keyboard.press(" ")
    expect(page.locator("#cnn-play")).to_have_text("▶ Train")
    # A changed seed is a new run from step 0.
    page.locator("#cnn-seed").fill("5")
    page.locator("#cnn-seed").press("Enter")
    expect(status).to_contain_text("Step 0: press Train")
    wait_url(page, lambda url: "seed=5" in url)
    assert console_errors == []


def test_sanity_checks(page, live_server, console_errors):
    open_cnn(page, live_server, TINY + "&opt=adam:lr=0.003")
    initial = page.locator("#cnn-initial")
    expect(initial).to_have_text("Take the first step to see the initial loss.")
    page.click("#cnn-gc-run")
    summary = page.locator("#cnn-gc-summary")
    expect(summary).to_contain_text("At step 0, loss 2.079", timeout=30_000)
    rows = page.locator("#cnn-gc-table tbody tr")
    expect(rows).to_have_count(4)  # conv weight, conv bias, linear weight, linear bias
    expect(rows.first.locator("td").nth(5)).to_have_text(re.compile("^(right|fine)$"))
    expect(page.locator("#cnn-gc-meaning")).to_contain_text("right (up to 1e-7)")
    wait_url(page, lambda url: "gc=init" in url)
    # Overfit 20 examples: the loss goes to near zero, every example right.
    page.click("#cnn-of-play")
    status = page.locator("#cnn-of-status")
    expect(status).to_contain_text("Step 200 of 200", timeout=90_000)
    expect(status).to_contain_text("accuracy on the 20 examples 100%")
    assert number_after(status.inner_text(), "loss") < 0.05
    expect(page.locator("#cnn-of-examples canvas")).to_have_count(20)
    wait_url(page, lambda url: "ostep=200" in url)
    # The gradient check at the current step uses the run's state.
    page.click("#cnn-step")
    expect(initial).to_contain_text("Initial loss on the first batch: 2.079")
    page.select_option("#cnn-gc-at", "now")
    page.click("#cnn-gc-run")
    expect(summary).to_contain_text("At step 1,", timeout=30_000)
    assert console_errors == []


def test_optimisers_compared_from_the_same_start(page, live_server, console_errors):
    open_cnn(page, live_server, TINY + "&cmp=sgd:lr=0.05;adam:lr=0.003&cn=100&ev=50")
    cards = page.locator("#cnn-cmp-cards .optim-card")
    expect(cards).to_have_count(2)
    page.select_option("#cnn-cmp-kind", "momentum")
    page.click("#cnn-cmp-add")
    expect(cards).to_have_count(3)
    page.get_by_role("button", name="Remove SGD + Momentum").click()
    expect(cards).to_have_count(2)
    page.click("#cnn-cmp-play")
    expect(page.locator("#cnn-cmp-status")).to_have_text("Steps: 100, 100 of 100.", timeout=90_000)
    rows = page.locator("#cnn-cmp-table tbody tr")
    expect(rows).to_have_count(2)
    first = [rows.nth(r).locator("td").nth(1).inner_text() for r in range(2)]
    assert first[0] == first[1]  # the same initial weights and the same first batch
    final = [float(rows.nth(r).locator("td").nth(3).inner_text()) for r in range(2)]
    assert final[0] != final[1] and max(final) < float(first[0])
    expect(rows.nth(1).locator("td").nth(4)).to_have_text(re.compile("%$"))
    wait_url(page, lambda url: "cstep=100" in url)
    expect(page.locator("#cnn-cmp-loss .plot-legend")).to_contain_text("Adam α = 0.003")
    assert console_errors == []


def test_phone_and_projector_layouts_fit(page, live_server, console_errors):
    page.set_viewport_size({"width": 390, "height": 844})
    open_cnn(page, live_server)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    page.click("#cnn-step")
    expect(page.locator("#cnn-status")).to_contain_text("Step 1 (epoch")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.get_by_role("button", name="Projector mode").click()
    expect(page.locator("html")).to_have_class("large")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    assert console_errors == []
