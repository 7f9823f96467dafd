// One tab stop for a set of items laid out in rows of `cols` (a matrix, a list of bars, a
// kernel's cells): the arrows, Home and End move the focus, Enter and space pick, a click picks.
//
// createRoving(container, { selector, cols(), onPick(index, item) }) -> { refresh(), set(index) }

export function createRoving(container, options) {
  let current = 0;
  const items = () => [...container.querySelectorAll(options.selector)];

  function refresh() {
    const list = items();
    if (current >= list.length) current = 0;
    list.forEach((item, i) => {
      item.tabIndex = i === current ? 0 : -1;
    });
  }

  function focus(index) {
    const list = items();
    if (!list.length) return;
    current = Math.max(0, Math.min(list.length - 1, index));
    refresh();
    list[current].focus();
  }

  container.addEventListener("keydown", (event) => {
    const list = items();
    const i = list.indexOf(event.target);
    if (i < 0) return;
    const cols = Math.max(1, options.cols ? options.cols() : 1);
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols, Home: -i, End: list.length - 1 - i };
    if (event.key in moves) {
      event.preventDefault();
      focus(i + moves[event.key]);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      current = i;
      options.onPick(i, list[i]);
    }
  });
  container.addEventListener("click", (event) => {
    const list = items();
    const item = event.target.closest ? event.target.closest(options.selector) : null;
    const i = list.indexOf(item);
    if (i < 0) return;
    current = i;
    refresh();
    options.onPick(i, item);
  });

  return {
    refresh,
    set(index) {
      current = index;
      refresh();
    },
  };
}
