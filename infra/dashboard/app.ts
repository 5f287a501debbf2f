/**
 * The dev dashboard: a Hono app the dev runner serves on its own port (DEV_DASHBOARD_PORT,
 * default 8090). Each page is a sub-app (`infra/dashboard/pages/<page>.ts`) mounted at
 * `/<page>`; /assets serves htmx, mermaid and the stylesheet; /search opens a trace id or an
 * order id. It never runs inside a service: only the dev runner imports it.
 */
import { errors as natsErrors } from "@nats-io/nats-core";
import { Hono } from "hono";
import { html } from "hono/html";
import { ServiceError, statusOf } from "../../shared/errors/mod.ts";
import { problem } from "../../shared/runtime/bridge_problem.ts";
import { assets } from "./assets.ts";
import { layout, type PageName, pageNames } from "./layout.ts";
import { uuidPattern } from "./order_steps.ts";
import type { DashboardSources } from "./sources.ts";

/** A trace id as OpenTelemetry writes it: 32 lower-case hex digits. */
const traceIdPattern = /^[0-9a-f]{32}$/;

const natsUnreachable = [
  natsErrors.ConnectionError,
  natsErrors.ClosedConnectionError,
  natsErrors.TimeoutError,
  natsErrors.NoRespondersError,
];

/** Each page's sub-app, built from the sources; a page not built yet shows a placeholder. */
export type PageFactories = Partial<Record<PageName, (sources: DashboardSources) => Hono>>;

/**
 * The dashboard for `sources`, with `pages` mounted at their names. Unknown routes answer 404
 * and bad input 400, both problem+json with a `kind` (a ServiceError thrown by a page answers
 * its kind's status; a 400 lists each bad field under `errors`); NATS unreachable 503 `unavailable`; anything else 500, kind `internal`.
 */
export function dashboardApp(sources: DashboardSources, pages: PageFactories): Hono {
  const app = new Hono();
  app.route("/assets", assets());
  app.get("/", (c) => c.redirect("/services"));
  // Browsers ask for one on every page; no icon is better than a 404 in their consoles.
  app.get("/favicon.ico", (c) => c.body(null, 204));
  app.get("/search", (c) => {
    const query = (c.req.query("q") ?? "").trim().toLowerCase();
    if (traceIdPattern.test(query)) return c.redirect(`/traces/${query}`);
    if (uuidPattern.test(query)) return c.redirect(`/orders/${query}`);
    return problem(
      400,
      "invalid",
      "search takes a trace id (32 hex digits) or an order id (a UUID)",
    );
  });
  for (const name of pageNames) {
    const page = pages[name];
    app.route(`/${name}`, page ? page(sources) : placeholder(name));
  }
  app.notFound((c) =>
    problem(404, "not_found", `no dashboard route ${c.req.method} ${c.req.path}`)
  );
  app.onError((error) => {
    if (error instanceof ServiceError) {
      return problem(statusOf[error.kind], error.kind, error.message, detailsOf(error));
    }
    // NATS down or not answering: what a page reads is unavailable, not broken.
    if (natsUnreachable.some((type) => error instanceof type)) {
      return problem(503, "unavailable", error.message);
    }
    return problem(500, "internal", error.message);
  });
  return app;
}

/** As the gateway answers them: an invalid request's fields under `errors`, else `details`. */
function detailsOf(error: ServiceError): Record<string, unknown> {
  if (error.kind === "invalid" && Array.isArray(error.details)) return { errors: error.details };
  const status = statusOf[error.kind];
  return error.details !== undefined && status < 500 ? { details: error.details } : {};
}

function placeholder(name: PageName): Hono {
  return new Hono().get(
    "/",
    (c) => c.html(layout(name, html`<p class="muted">This page is not built yet.</p>`)),
  );
}
