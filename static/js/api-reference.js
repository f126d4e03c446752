// The API reference page (/api/v1/docs, proxy_service/api/reference.py): Swagger UI, vendored
// under static/vendor/swagger-ui/, showing the contract named by the page's data-spec-url.
// Nothing is fetched from elsewhere: no validator badge (validatorUrl null), no remote config.
// "Try it out" sends the token typed into "Authorize" to this site only; it is kept for the
// page's lifetime (not stored).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    configUrl: null,
    queryConfigEnabled: false,
    persistAuthorization: false,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
