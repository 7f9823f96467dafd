// The page's catalogue: labels, presets and control limits from the core and the request
// schemas, rendered by app/pages.py as a JSON data block (never executed, so the CSP allows it).

let cached = null;

export function readCatalogue(doc = document) {
  if (!cached) {
    const block = doc.getElementById("catalogue");
    cached = block ? JSON.parse(block.textContent) : {};
  }
  return cached;
}
