// /docs: Swagger UI from static/vendor, pointed at this app's OpenAPI schema.
window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  validatorUrl: null, // no online validator badge: the app works offline
});
