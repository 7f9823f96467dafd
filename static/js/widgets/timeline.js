// Timeline: first / back / play-pause / forward / last, a scrub slider, speed, and the keys
// ←/→ (step), space (play/pause), Home/End. Draws controls only; the page decides what a step is.
//
// createTimeline(el, { count, step, speed, label, onStep, onSpeed }) ->
//   { setCount(n), setStep(i), step(), play(), pause(), destroy() }

const SPEEDS = [0.25, 0.5, 1, 2, 4, 8];
const BASE_INTERVAL_MS = 700;

function button(text, title, className) {
  const el = document.createElement("button");
  el.type = "button";
  el.className = `tl-button ${className || ""}`;
  el.textContent = text;
  el.title = title;
  el.setAttribute("aria-label", title);
  return el;
}

function isTyping(target) {
  if (!target) return false;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) return true;
  return tag === "INPUT" && target.type !== "range" && target.type !== "button" && target.type !== "checkbox";
}

export function createTimeline(el, options = {}) {
  let count = Math.max(1, options.count || 1);
  let current = Math.min(Math.max(0, options.step || 0), count - 1);
  let speed = SPEEDS.includes(options.speed) ? options.speed : 1;
  let playing = false;
  let frame = null;
  let last = 0;
  let waited = 0;
  const onStep = options.onStep || (() => {});

  el.classList.add("timeline");
  el.setAttribute("role", "group");
  el.setAttribute("aria-label", options.label || "Timeline");
  const first = button("|◀", "First step (Home)");
  const back = button("◀ Back", "Step back (←)");
  const play = button("▶ Play", "Play / pause (space)", "tl-play");
  const forward = button("Next ▶", "Next step (→)");
  const lastButton = button("▶|", "Last step (End)");
  const slider = document.createElement("input");
  slider.type = "range";
  slider.className = "tl-slider";
  slider.min = "0";
  slider.setAttribute("aria-label", "Scrub through the steps");
  const readout = document.createElement("span");
  readout.className = "tl-readout";
  readout.setAttribute("aria-live", "polite");
  const speedLabel = document.createElement("label");
  speedLabel.className = "tl-speed";
  speedLabel.textContent = "speed ";
  const speedSelect = document.createElement("select");
  for (const s of SPEEDS) {
    const option = document.createElement("option");
    option.value = String(s);
    option.textContent = `${s}×`;
    speedSelect.append(option);
  }
  speedSelect.value = String(speed);
  speedLabel.append(speedSelect);
  el.replaceChildren(first, back, play, forward, lastButton, slider, readout, speedLabel);

  function render() {
    slider.max = String(count - 1);
    slider.value = String(current);
    readout.textContent = `step ${current + 1} / ${count}`;
    play.textContent = playing ? "❚❚ Pause" : "▶ Play";
    play.setAttribute("aria-pressed", String(playing));
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
    if (waited >= BASE_INTERVAL_MS / speed) {
      waited = 0;
      if (current >= count - 1) {
        pause();
        return;
      }
      go(current + 1, { fromUser: false });
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
    if (isTyping(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    const actions = {
      ArrowRight: () => go(current + 1),
      ArrowLeft: () => go(current - 1),
      Home: () => go(0),
      End: () => go(count - 1),
      " ": () => (playing ? pause() : startPlaying()),
    };
    const action = actions[event.key];
    if (!action) return;
    // The slider handles its own arrows; avoid moving two steps.
    if (event.target === slider && event.key !== " ") return;
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
