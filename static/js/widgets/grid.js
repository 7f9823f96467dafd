// A grid of numbered cells (DOM, so numbers stay crisp and readable when projected).
//
// createGrid(el, { rows, cols, label, format, colorFor, isPadding, onHover, onLeave, onClick,
//                  onEdit }) -> { update(values), highlight(name, cells), clear(name),
//                               setEditable(on), cellAt(r, c), destroy() }
// values is rows×cols; cells are [r, c] pairs. Highlights are named layers (CSS class hl-NAME),
// so a window, a receptive field and a pinned cell can show at once. Pointer events make hover
// and tap work alike; with editing on, a tap (or Enter on a focused cell) edits the number.
// roving: true makes the grid one tab stop (the last focused cell), arrow keys, Home and End
// moving the focus between its cells; without it every clickable cell is a tab stop.

export function defaultFormat(value) {
  if (value === null || value === undefined) return "";
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 0.01 || abs >= 1e5)) return value.toExponential(1);
  return String(Number(value.toFixed(2)));
}

export function createGrid(el, options) {
  const { rows, cols } = options;
  const format = options.format || defaultFormat;
  const layers = new Map();
  let editable = false;
  let values = [];

  const grid = document.createElement("div");
  grid.className = "grid";
  grid.setAttribute("role", "grid");
  if (options.label) grid.setAttribute("aria-label", options.label);
  grid.style.gridTemplateColumns = `repeat(${cols}, var(--cell))`;
  const cells = [];
  for (let r = 0; r < rows; r++) {
    const row = [];
    for (let c = 0; c < cols; c++) {
      const cell = document.createElement("div");
      cell.className = "cell";
      cell.dataset.r = String(r);
      cell.dataset.c = String(c);
      cell.setAttribute("role", "gridcell");
      if (options.isPadding && options.isPadding(r, c)) cell.classList.add("pad");
      if (options.onClick) cell.tabIndex = options.roving && (r || c) ? -1 : 0; // keyboard: focus shows, Enter pins
      grid.append(cell);
      row.push(cell);
    }
    cells.push(row);
  }
  el.replaceChildren(grid);

  const at = (target) => {
    const cell = target && target.closest ? target.closest(".cell") : null;
    return cell && grid.contains(cell) ? [Number(cell.dataset.r), Number(cell.dataset.c)] : null;
  };

  function startEdit(r, c) {
    if (!options.onEdit || (options.isPadding && options.isPadding(r, c))) return;
    const cell = cells[r][c];
    const input = document.createElement("input");
    input.type = "number";
    input.step = "any";
    input.className = "cell-input";
    input.value = String(values[r][c]);
    input.setAttribute("aria-label", `value at row ${r}, column ${c}`);
    cell.replaceChildren(input);
    input.focus();
    input.select();
    let done = false;
    const finish = (commit) => {
      if (done) return;
      done = true;
      const number = Number(input.value);
      cell.textContent = format(values[r][c]);
      if (commit && input.value.trim() !== "" && Number.isFinite(number)) options.onEdit(r, c, number);
      cell.focus();
    };
    input.addEventListener("keydown", (event) => {
      event.stopPropagation();
      if (event.key === "Enter") finish(true);
      if (event.key === "Escape") finish(false);
    });
    input.addEventListener("blur", () => finish(true));
  }

  grid.addEventListener("pointerover", (event) => {
    const rc = at(event.target);
    if (rc && options.onHover) options.onHover(rc[0], rc[1]);
  });
  grid.addEventListener("pointerleave", () => options.onLeave && options.onLeave());
  grid.addEventListener("click", (event) => {
    if (event.target.tagName === "INPUT") return;
    const rc = at(event.target);
    if (!rc) return;
    if (editable) startEdit(rc[0], rc[1]);
    else if (options.onClick) options.onClick(rc[0], rc[1]);
  });
  let rove = [0, 0]; // the roving grid's tab stop
  const moves = {
    ArrowUp: ([r, c]) => [r - 1, c],
    ArrowDown: ([r, c]) => [r + 1, c],
    ArrowLeft: ([r, c]) => [r, c - 1],
    ArrowRight: ([r, c]) => [r, c + 1],
    Home: ([r]) => [r, 0],
    End: ([r]) => [r, cols - 1],
  };
  function moveTo(r, c) {
    const [pr, pc] = rove;
    cells[pr][pc].tabIndex = -1;
    rove = [Math.min(Math.max(r, 0), rows - 1), Math.min(Math.max(c, 0), cols - 1)];
    const cell = cells[rove[0]][rove[1]];
    cell.tabIndex = 0;
    cell.focus();
  }

  grid.addEventListener("keydown", (event) => {
    const rc = at(event.target);
    if (!rc || event.target.tagName === "INPUT") return;
    if (options.roving && moves[event.key] && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      event.stopPropagation(); // the arrows move in the grid, not the page's timeline
      moveTo(...moves[event.key](rc));
      return;
    }
    if (event.key === "Enter") {
      event.preventDefault();
      if (editable) startEdit(rc[0], rc[1]);
      else if (options.onClick) options.onClick(rc[0], rc[1]);
    }
  });
  grid.addEventListener("focusin", (event) => {
    const rc = at(event.target);
    if (rc && options.roving && (rc[0] !== rove[0] || rc[1] !== rove[1])) {
      cells[rove[0]][rove[1]].tabIndex = -1;
      rove = rc;
      cells[rc[0]][rc[1]].tabIndex = 0;
    }
    if (rc && options.onHover && event.target.tagName !== "INPUT") options.onHover(rc[0], rc[1]);
  });

  return {
    update(next) {
      values = next;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const cell = cells[r][c];
          const value = next[r] ? next[r][c] : null;
          if (cell.firstChild && cell.firstChild.tagName === "INPUT") continue;
          cell.textContent = format(value);
          if (options.colorFor && value !== null && value !== undefined) {
            const [bg, fg] = options.colorFor(value, r, c);
            cell.style.backgroundColor = bg;
            cell.style.color = fg;
          }
        }
      }
    },
    highlight(name, list) {
      this.clear(name);
      const marked = [];
      for (const [r, c] of list) {
        if (r < 0 || c < 0 || r >= rows || c >= cols) continue;
        cells[r][c].classList.add(`hl-${name}`);
        marked.push(cells[r][c]);
      }
      layers.set(name, marked);
    },
    clear(name) {
      for (const cell of layers.get(name) || []) cell.classList.remove(`hl-${name}`);
      layers.delete(name);
    },
    setEditable(on) {
      editable = on;
      grid.classList.toggle("editable", on);
      for (const row of cells) for (const cell of row) cell.tabIndex = on || options.onClick ? 0 : -1;
      if (options.roving) {
        for (const row of cells) for (const cell of row) cell.tabIndex = -1;
        if ((on || options.onClick) && rows && cols) cells[rove[0]][rove[1]].tabIndex = 0;
      }
    },
    cellAt: (r, c) => cells[r][c],
    destroy() {
      el.replaceChildren();
    },
  };
}
