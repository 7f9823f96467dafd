// Layout help that CSS cannot give: a tap (touch or pen, not a mouse: the page must not move
// under a pointer) on a cell inside [data-reveal="#panel"] (an output cell on /conv or /pooling)
// brings that panel, with its window and arithmetic, into view below the sticky timeline, once
// the page has drawn the step.

function fullyVisible(el) {
  const rect = el.getBoundingClientRect();
  const timeline = document.querySelector(".timeline");
  const top = timeline ? timeline.getBoundingClientRect().bottom : 0;
  return rect.top >= top - 1 && rect.bottom <= window.innerHeight + 1;
}

export function revealOnTap(root) {
  root.addEventListener("click", (event) => {
    const cell = event.target.closest && event.target.closest(".cell");
    const holder = cell && cell.closest("[data-reveal]");
    if (!holder || !["touch", "pen"].includes(event.pointerType)) return;
    const panel = document.querySelector(holder.dataset.reveal);
    if (!panel) return;
    window.requestAnimationFrame(() => {
      if (!fullyVisible(panel)) panel.scrollIntoView({ block: "start", behavior: "instant" });
    });
  });
}
