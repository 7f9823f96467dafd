// A grid of numbered cells (DOM, so numbers stay crisp and readable when projected).
//
// createGrid(el, { rows, cols, label, format, colorFor, isPadding, onHover, onLeave, onClick,
//                  onEdit }) -> { update(values), highlight(name, cells), clear(name),
//                               setEditable(on), cellAt(r, c), destroy() }
// values is rows×cols; cells are [r, c] pairs. Highlights are named layers (CSS class hl-NAME),
// so a window, a receptive field and a pinned cell can show at once. Pointer events make hover
// and tap work alike; with editing on, a tap (or Enter on a focused cell) edits the number.
// Keyboard: a grid a learner acts on (onClick, or editing on) is one tab stop; the arrow keys,
// Home/End (row) and Ctrl+Home/End (first/last cell) move inside it (a roving tabindex), Enter
// or Space acts on the cell. A grid only to read is an ARIA table, not in the tab order.
// (The option `roving: true` some pages pass is this behaviour, now every interactive grid's.)

import { t } from "../i18n.js";

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

  let active = [0, 0]; // the grid's one tab stop
  const grid = document.createElement("div");
  grid.className = "grid";
  if (options.label) grid.setAttribute("aria-label", options.label);
  grid.style.gridTemplateColumns = `repeat(${cols}, var(--cell))`;
  const cells = [];
  for (let r = 0; r < rows; r++) {
    const rowEl = document.createElement("div");
    rowEl.className = "grid-row"; // display: contents, so the cells stay in the CSS grid
    rowEl.setAttribute("role", "row");
    const row = [];
    for (let c = 0; c < cols; c++) {
      const cell = document.createElement("div");
      cell.className = "cell";
      cell.dataset.r = String(r);
      cell.dataset.c = String(c);
      if (options.isPadding && options.isPadding(r, c)) cell.classList.add("pad");
      rowEl.append(cell);
      row.push(cell);
    }
    grid.append(rowEl);
    cells.push(row);
  }
  el.replaceChildren(grid);

  // An interactive grid is role=grid with gridcells and a roving tabindex; otherwise a table.
  function setRoles() {
    const interactive = editable || Boolean(options.onClick);
    grid.setAttribute("role", interactive ? "grid" : "table");
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const cell = cells[r][c];
        cell.setAttribute("role", interactive ? "gridcell" : "cell");
        if (interactive) cell.tabIndex = r === active[0] && c === active[1] ? 0 : -1;
        else cell.removeAttribute("tabindex");
      }
    }
  }

  function moveTo(r, c) {
    const [r0, c0] = active;
    cells[r0][c0].tabIndex = -1;
    active = [Math.min(rows - 1, Math.max(0, r)), Math.min(cols - 1, Math.max(0, c))];
    const cell = cells[active[0]][active[1]];
    cell.tabIndex = 0;
    cell.focus();
  }

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
    input.setAttribute("aria-label", t("value at row {row}, column {column}", { row: r, column: c }));
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
    if (editable || options.onClick) {
      cells[active[0]][active[1]].tabIndex = -1;
      active = rc;
      cells[rc[0]][rc[1]].tabIndex = 0;
    }
    if (editable) startEdit(rc[0], rc[1]);
    else if (options.onClick) options.onClick(rc[0], rc[1]);
  });
  grid.addEventListener("keydown", (event) => {
    const rc = at(event.target);
    if (!rc || event.target.tagName === "INPUT" || event.altKey || event.metaKey) return;
    const [r, c] = rc;
    const ctrl = event.ctrlKey;
    const moves = {
      ArrowUp: [r - 1, c],
      ArrowDown: [r + 1, c],
      ArrowLeft: [r, c - 1],
      ArrowRight: [r, c + 1],
      Home: ctrl ? [0, 0] : [r, 0],
      End: ctrl ? [rows - 1, cols - 1] : [r, cols - 1],
      PageUp: [0, c],
      PageDown: [rows - 1, c],
    };
    if (moves[event.key]) {
      event.preventDefault(); // the grid's arrows, not a page timeline's
      moveTo(...moves[event.key]);
    } else if ((event.key === "Enter" || event.key === " ") && !ctrl) {
      event.preventDefault();
      if (editable) startEdit(r, c);
      else if (options.onClick) options.onClick(r, c);
    }
  });
  grid.addEventListener("focusin", (event) => {
    const rc = at(event.target);
    if (rc && (editable || options.onClick) && (rc[0] !== active[0] || rc[1] !== active[1])) {
      cells[active[0]][active[1]].tabIndex = -1; // a focused cell (a tap, a test) is the tab stop
      active = rc;
      cells[rc[0]][rc[1]].tabIndex = 0;
    }
    if (rc && options.onHover && event.target.tagName !== "INPUT") options.onHover(rc[0], rc[1]);
  });
  grid.addEventListener("focusout", (event) => {
    if (options.onLeave && !grid.contains(event.relatedTarget)) options.onLeave();
  });
  setRoles();

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
      setRoles();
    },
    cellAt: (r, c) => cells[r][c],
    destroy() {
      el.replaceChildren();
    },
  };
}
