/**
 * `/docs`: Swagger UI over the OpenAPI document, with its stylesheet and script served by the
 * gateway itself from the swagger-ui-dist npm package (pinned in deno.json), so the page works
 * with no network beyond the gateway: no CDN, no other host.
 *
 * The assets are text imports (deno.json `"unstable": ["raw-imports"]`), part of the module
 * graph rather than files read at run time: `deno bundle` carries them into the edge bundle,
 * which runs without `--allow-read` and without node_modules.
 */
import { Hono } from "hono";
import swaggerUiBundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "text" };
import swaggerUiCss from "swagger-ui-dist/swagger-ui.css" with { type: "text" };

interface DocsAsset {
  contentType: string;
  body: Uint8Array<ArrayBuffer>;
}

const encoder = new TextEncoder();

/** The files the page references, by their name under its path; encoded once, at start. */
export const docsAssets: Readonly<Record<string, DocsAsset>> = {
  "swagger-ui.css": { contentType: "text/css; charset=utf-8", body: encoder.encode(swaggerUiCss) },
  // RFC 9239: text/javascript is the one media type for JavaScript.
  "swagger-ui-bundle.js": {
    contentType: "text/javascript; charset=utf-8",
    body: encoder.encode(swaggerUiBundle),
  },
};

/**
 * The page and its assets, to mount with `app.route("/docs", docsRoutes("/openapi.json"))`: the
 * page at the mount path, each asset at `<mount path>/<name>`, anything else under it 404.
 * `specUrl` is the gateway-local URL of the OpenAPI document the page renders.
 */
export function docsRoutes(specUrl: string) {
  return new Hono()
    .get("/", (c) => c.html(docsPage(c.req.routePath, specUrl)))
    // Middleware, as Hono's serveStatic is, not a route per file: the assets are no API, so they
    // stay out of the OpenAPI document and of the 405 check's routes; a miss falls to the 404.
    .use("/*", async (c, next) => {
      const name = c.req.path.slice(c.req.routePath.length - 1);
      const asset = Object.hasOwn(docsAssets, name) ? docsAssets[name] : undefined;
      // Hono routes HEAD as GET and drops the body.
      if (!asset || !["GET", "HEAD"].includes(c.req.method)) return await next();
      // The pinned package changes only with a deploy; an hour's caching spares 1.9 MB a visit.
      c.header("Cache-Control", "public, max-age=3600");
      return c.body(asset.body, 200, { "Content-Type": asset.contentType });
    });
}

/** The HTML page: every URL in it is under `base` (the page's own path) or is `specUrl`. */
function docsPage(base: string, specUrl: string): string {
  // JSON is a JavaScript literal; `<` escaped so no value can close the script element.
  const config = JSON.stringify({
    url: specUrl,
    dom_id: "#swagger-ui",
    // Swagger UI would otherwise send the document to validator.swagger.io for a badge.
    validatorUrl: "none",
  }).replaceAll("<", "\\u003c");
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Gateway API</title>
    <link rel="stylesheet" href="${base}/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${base}/swagger-ui-bundle.js"></script>
    <script>window.ui = SwaggerUIBundle(${config});</script>
  </body>
</html>
`;
}
