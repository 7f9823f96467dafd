// Timeline: first / back / play-pause / forward / last, a scrub slider, speed, and the keys
// ←/→ (step; with Shift a jump of several steps), space (play/pause), Home/End, which give way
// to a focused control that uses the key (keys.js). Draws controls only; the page decides what
// a step is.
//
// createTimeline(el, { count, step, speed, speeds, rate, label, onStep, onSpeed }) ->
//   { setCount(n), setStep(i), step(), play(), pause(), destroy() }
// rate: steps per second at 1× (a long optimiser race plays hundreds a second, a convolution
// one step at a time); speeds: the speed menu's multiples of it. When a frame is late or the
// rate exceeds the frame rate, one frame moves several steps.

import { t, tn } from "../i18n.js";
import { pageMayUse } from "../keys.js";

const SPEEDS = [0.25, 0.5, 1, 2, 4, 8];
const RATE = 1000 / 700; // steps per second at 1×: time to read one step's arithmetic

function button(text, title, className) {
  const el = document.createElement("button");
  el.type = "button";
  el.className = `tl-button ${className || ""}`;
  el.textContent = text;
  el.title = title;
  el.setAttribute("aria-label", title);
  return el;
}

// Shift+←/→ jumps about a twentieth of the way, at least 5 steps.
export const jumpOf = (count) => Math.max(5, Math.round(count / 20));

export function createTimeline(el, options = {}) {
  let count = Math.max(1, options.count || 1);
  let current = Math.min(Math.max(0, options.step || 0), count - 1);
  const speeds = options.speeds || SPEEDS;
  const rate = options.rate || RATE;
  let speed = speeds.includes(options.speed) ? options.speed : 1;
  let playing = false;
  let frame = null;
  let last = 0;
  let waited = 0;
  const onStep = options.onStep || (() => {});

  el.classList.add("timeline");
  el.setAttribute("role", "group");
  el.setAttribute("aria-label", options.label || t("Timeline"));
  const first = button("|◀", t("First step (Home)"));
  const back = button(t("◀ Back"), t("Step back (←; Shift+← jumps back)"));
  const play = button(t("▶ Play"), t("Play / pause (space)"), "tl-play");
  const forward = button(t("Next ▶"), t("Next step (→; Shift+→ jumps ahead)"));
  const lastButton = button("▶|", t("Last step (End)"));
  const slider = document.createElement("input");
  slider.type = "range";
  slider.className = "tl-slider";
  slider.min = "0";
  slider.setAttribute("aria-label", t("Scrub through the steps"));
  const readout = document.createElement("span");
  readout.className = "tl-readout";
  readout.setAttribute("aria-live", "polite");
  const speedLabel = document.createElement("label");
  speedLabel.className = "tl-speed";
  speedLabel.textContent = t("speed ");
  const speedSelect = document.createElement("select");
  for (const s of speeds) {
    const option = document.createElement("option");
    option.value = String(s);
    const perSecond = Number((rate * s).toPrecision(3));
    option.textContent = options.rate ? tn("{speed}× ({n} step/s)", "{speed}× ({n} steps/s)", perSecond, { speed: s }) : `${s}×`;
    speedSelect.append(option);
  }
  speedSelect.value = String(speed);
  speedLabel.append(speedSelect);
  el.replaceChildren(first, back, play, forward, lastButton, slider, readout, speedLabel);

  function render() {
    slider.max = String(count - 1);
    slider.value = String(current);
    readout.textContent = t("step {step} / {count}", { step: current + 1, count });
    play.textContent = playing ? t("❚❚ Pause") : t("▶ Play");
    play.setAttribute("aria-pressed", String(playing));
    readout.setAttribute("aria-live", playing ? "off" : "polite"); // not a count read aloud many times a second
    back.disabled = first.disabled = current === 0;
    forward.disabled = lastButton.disabled = current === count - 1;
  }

  function go(i, { fromUser = true } = {}) {
    const next = Math.min(Math.max(0, i), count - 1);
    if (fromUser && playing && next !== current + 1) pause();
    if (next === current) {
      render();
      return;
    }
    current = next;
    render();
    onStep(current);
  }

  function tick(time) {
    if (!playing) return;
    waited += time - last;
    last = time;
    const interval = 1000 / (rate * speed);
    if (waited >= interval) {
      if (current >= count - 1) {
        pause();
        return;
      }
      const steps = Math.floor(waited / interval);
      waited -= steps * interval;
      go(Math.min(count - 1, current + steps), { fromUser: false });
    }
    frame = window.requestAnimationFrame(tick);
  }

  function startPlaying() {
    if (playing) return;
    if (current >= count - 1) go(0, { fromUser: false });
    playing = true;
    waited = 0;
    last = performance.now();
    if (frame) window.cancelAnimationFrame(frame);
    frame = window.requestAnimationFrame(tick);
    render();
  }

  function pause() {
    playing = false;
    if (frame) window.cancelAnimationFrame(frame);
    frame = null;
    render();
  }

  first.addEventListener("click", () => go(0));
  back.addEventListener("click", () => go(current - 1));
  forward.addEventListener("click", () => go(current + 1));
  lastButton.addEventListener("click", () => go(count - 1));
  play.addEventListener("click", () => (playing ? pause() : startPlaying()));
  slider.addEventListener("input", () => go(Number(slider.value)));
  speedSelect.addEventListener("change", () => {
    speed = Number(speedSelect.value);
    if (options.onSpeed) options.onSpeed(speed);
  });

  function onKey(event) {
    if (!pageMayUse(event)) return;
    const by = event.shiftKey ? jumpOf(count) : 1;
    const actions = {
      ArrowRight: () => go(current + by),
      ArrowLeft: () => go(current - by),
      Home: () => go(0),
      End: () => go(count - 1),
      " ": () => (playing ? pause() : startPlaying()),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }
  document.addEventListener("keydown", onKey);
  render();

  return {
    setCount(n) {
      count = Math.max(1, n);
      if (current > count - 1) current = count - 1;
      render();
    },
    setStep(i) {
      current = Math.min(Math.max(0, i), count - 1);
      render();
    },
    step: () => current,
    play: startPlaying,
    pause,
    destroy() {
      pause();
      document.removeEventListener("keydown", onKey);
      el.replaceChildren();
    },
  };
}
