// Small DOM helpers the pages share. Layout stays in the templates and site.css.

export const byId = (id) => document.getElementById(id);

// el("td", "num", "3.5") -> <td class="num">3.5</td>
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// <option>s for a <select> from [value, text] pairs.
export function fillSelect(select, entries) {
  select.replaceChildren(
    ...entries.map(([value, text]) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = text;
      return option;
    }),
  );
}
