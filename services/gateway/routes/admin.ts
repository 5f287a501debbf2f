/**
 * The operator's toolbox over HTTP, for an access token with the admin role: the same shared
 * functions as `deno task ops`, so both act and audit alike. A user token gets 403.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { NatsConnection } from "@nats-io/nats-core";
import type { MiddlewareHandler } from "hono";
import {
  discardDeadLetter,
  discoverServices,
  knownService,
  listDeadLetters,
  readEntry,
  readStream,
  rebuildReadModel,
  redriveDeadLetters,
  replayToService,
  resolveStream,
  showDeadLetter,
  type StreamEntry,
} from "../../../shared/operator/mod.ts";
import { replayReport } from "../../../shared/contracts/mod.ts";
import { natsAnswers } from "../../../shared/bus/mod.ts";
import { ServiceError } from "../../../shared/errors/mod.ts";
import type { GatewayEnv } from "../context.ts";
import { downstreamServices } from "../downstream.ts";
import { jsonRoute, type Operation, operation, pathParam, routeGroup } from "../openapi.ts";
import { problem } from "../problem.ts";
import {
  deadLettersQuery,
  discardBody,
  eventsQuery,
  rebuildBody,
  redriveBody,
  replayBody,
  sequence,
} from "./admin_requests.ts";
import { adminSagaRoutes } from "./admin_sagas.ts";

/**
 * The most one page of GET /admin/events or /admin/deadletters holds, in JSON characters,
 * whatever its `limit`: a message (or a dead letter's copy) may be up to NATS max_payload
 * (1 MiB), so 1,000 of them would be a gigabyte in the gateway's memory. A page cut short names
 * the next in `next` (its `fromSeq`).
 */
export const maxEventsPageChars = 4 * 1024 * 1024;

const seqParams = z.object({
  seq: pathParam("the dead letter's sequence in DEADLETTERS", { type: "integer" }),
});

/** An admin route's operation: a bearer token (401) with the admin role (403). */
const admin = (op: Omit<Operation, "auth">): Operation => ({
  ...op,
  auth: true,
  errors: op.errors ?? [400, 403],
});
const adminOperation = (op: Omit<Operation, "auth">) => operation(admin(op));

const listServices = createRoute({
  method: "get",
  path: "/services",
  ...adminOperation({
    summary: "Admin: every running service instance, its version, endpoints and stats",
    ok: { status: 200 },
  }),
});

const listEvents = createRoute({
  method: "get",
  path: "/events",
  request: { query: eventsQuery },
  ...adminOperation({
    summary: "Admin: a stream's messages, by subject, sequence or time",
    errors: [400, 403, 404],
    ok: { status: 200 },
  }),
});

const showEvent = createRoute({
  method: "get",
  path: "/events/{stream}/{seq}",
  request: {
    params: z.object({
      stream: pathParam("a stream's name, such as ORDERS", { type: "string" }),
      seq: pathParam("the message's sequence", { type: "integer" }),
    }),
  },
  ...adminOperation({
    summary: "Admin: one message of a stream, with its headers",
    errors: [403, 404],
    ok: { status: 200 },
  }),
});

const replay = jsonRoute({
  method: "post",
  path: "/replay",
  body: replayBody,
  ...admin({
    summary: "Admin: replay a range of a stream to one service's handlers (or a dry run)",
    errors: [400, 403, 404],
    ok: { status: 200, schema: replayReport },
  }),
});

const rebuild = jsonRoute({
  method: "post",
  path: "/rebuild",
  body: rebuildBody,
  ...admin({
    summary: "Admin: empty a service's read model and replay its streams from the start " +
      "(409 when a stream lost its oldest events, unless acceptMissing)",
    errors: [400, 403, 404, 409, 422],
    ok: { status: 200 },
  }),
});

const listLetters = createRoute({
  method: "get",
  path: "/deadletters",
  request: { query: deadLettersQuery },
  ...adminOperation({
    summary: "Admin: the dead letters, of every service or one, a page at a time (see `next`)",
    ok: { status: 200 },
  }),
});

const showLetter = createRoute({
  method: "get",
  path: "/deadletters/{seq}",
  request: { params: seqParams },
  ...adminOperation({
    summary: "Admin: one dead letter, with why and where from",
    errors: [403, 404],
    ok: { status: 200 },
  }),
});

const redrive = jsonRoute({
  method: "post",
  path: "/deadletters/redrive",
  body: redriveBody,
  ...admin({
    summary: "Admin: re-drive dead letters ({sequences: [...]} or {all: true}; {} is a 400) " +
      "to the services that gave up",
    errors: [400, 403],
    ok: { status: 200 },
  }),
});

const discard = jsonRoute({
  method: "post",
  path: "/deadletters/{seq}/discard",
  body: discardBody,
  request: { params: seqParams },
  ...admin({
    summary: "Admin: discard a dead letter, with a reason (audited)",
    errors: [400, 403, 404],
    ok: { status: 200 },
  }),
});

export function adminRoutes(nc: NatsConnection, authenticated: MiddlewareHandler<GatewayEnv>) {
  const adminOnly: MiddlewareHandler<GatewayEnv> = async (c, next) => {
    if (c.var.jwtPayload.role !== "admin") return problem(c, 403, "this needs the admin role");
    await next();
  };
  const actorOf = (c: { var: GatewayEnv["Variables"] }) =>
    `${c.var.jwtPayload.email} (${c.var.jwtPayload.sub})`;
  const audit = (c: { var: GatewayEnv["Variables"] }) => ({ actor: actorOf(c), log: c.var.log });

  // Every admin route asks NATS itself: without it, 503 at once, not a 500 (or an empty list)
  // after the JetStream API's 5 s timeout. After the request's own checks: a bad one is a 4xx
  // whatever the state of NATS.
  // Called first in each handler: a route's declared middleware would run before validation.
  const natsReachable = async () => {
    await natsAnswers(nc, 500).catch(() => {
      throw new ServiceError("unavailable", "NATS does not answer", undefined, "nats");
    });
  };

  const routes = routeGroup();
  routes.use(authenticated);
  routes.use(adminOnly);
  routes.openapi(listServices, async (c) => {
    await natsReachable();
    return c.json({ items: await discoverServices(nc) }, 200);
  });
  routes.openapi(listEvents, async (c) => {
    await natsReachable();
    const query = c.req.valid("query");
    const stream = await resolveStream(nc, query.from);
    const items: StreamEntry[] = [];
    const entries = readStream(nc, {
      stream,
      subject: stream === query.from ? undefined : query.from,
      fromSeq: query.fromSeq,
      fromTime: query.since,
      toSeq: query.toSeq,
      limit: query.limit,
    });
    let chars = 0;
    for await (const entry of entries) {
      items.push(entry);
      chars += JSON.stringify(entry).length;
      if (chars >= maxEventsPageChars) break;
    }
    // A page cut by its limit or its size may have more after it: the next starts after it.
    const last = items.at(-1);
    const cut = chars >= maxEventsPageChars || items.length === query.limit;
    return c.json({ stream, items, ...(last && cut ? { next: last.seq + 1 } : {}) });
  });
  routes.openapi(showEvent, async (c) => {
    await natsReachable();
    const seq = sequence.safeParse(c.req.param("seq"));
    if (!seq.success) return problem(c, 404, "no such message");
    return c.json(await readEntry(nc, c.req.param("stream"), seq.data));
  });
  routes.openapi(replay, async (c) => {
    await natsReachable();
    const body = c.req.valid("json");
    // An unknown one is 404, before any stream is looked up.
    knownService(body.service, downstreamServices);
    const stream = await resolveStream(nc, body.from);
    return c.json(
      await replayToService(nc, {
        service: body.service,
        services: downstreamServices,
        range: {
          stream,
          subject: stream === body.from ? undefined : body.from,
          fromSeq: body.fromSeq,
          fromTime: body.fromTime,
          toSeq: body.toSeq,
        },
        dryRun: body.dryRun,
        ...audit(c),
      }),
    );
  });
  routes.openapi(rebuild, async (c) => {
    await natsReachable();
    return c.json(
      await rebuildReadModel(nc, {
        service: c.req.valid("json").service,
        acceptMissing: c.req.valid("json").acceptMissing,
        services: downstreamServices,
        ...audit(c),
      }),
    );
  });
  routes.openapi(listLetters, async (c) => {
    await natsReachable();
    const query = c.req.valid("query");
    const items = await listDeadLetters(nc, { ...query, maxChars: maxEventsPageChars });
    // A page cut by its limit or its size may have more after it: the next starts after it.
    const last = items.at(-1);
    const cut = items.length === query.limit ||
      JSON.stringify(items).length >= maxEventsPageChars;
    return c.json({ items, ...(last && cut ? { next: last.seq + 1 } : {}) });
  });
  routes.openapi(showLetter, async (c) => {
    await natsReachable();
    const seq = sequence.safeParse(c.req.param("seq"));
    if (!seq.success) return problem(c, 404, "no such dead letter");
    return c.json(await showDeadLetter(nc, seq.data));
  });
  routes.openapi(redrive, async (c) => {
    await natsReachable();
    const body = c.req.valid("json");
    return c.json({ results: await redriveDeadLetters(nc, { ...body, ...audit(c) }) });
  });
  routes.openapi(discard, async (c) => {
    await natsReachable();
    const seq = sequence.safeParse(c.req.param("seq"));
    if (!seq.success) return problem(c, 404, "no such dead letter");
    const letter = await discardDeadLetter(nc, {
      seq: seq.data,
      reason: c.req.valid("json").reason,
      ...audit(c),
    });
    return c.json({ discarded: letter.seq, reason: c.req.valid("json").reason });
  });
  routes.route("/sagas", adminSagaRoutes(nc, natsReachable, audit));
  return routes;
}
