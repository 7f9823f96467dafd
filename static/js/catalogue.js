// The page's catalogue: labels, presets and control limits from the core and the request
// schemas, rendered by app/pages.py as a JSON data block (never executed, so the CSP allows it).
// Each page reads it once, at start.

export function readCatalogue(doc = document) {
  const block = doc.getElementById("catalogue");
  return block ? JSON.parse(block.textContent) : {};
}
