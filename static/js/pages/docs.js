// /docs: Swagger UI from static/vendor, pointed at this app's OpenAPI schema.

import { siteUrl } from "../api.js";

window.SwaggerUIBundle({
  url: siteUrl("/openapi.json"),
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  validatorUrl: null, // no online validator badge: the app works offline
});
