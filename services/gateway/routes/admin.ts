/**
 * The operator's toolbox over HTTP, for an access token with the admin role: the same shared
 * functions as `deno task ops`, so both act and audit alike. A user token gets 403.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
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
import {
  defaultPageSize,
  instant,
  maxPageSize,
  operatorReason,
  subjectFilter,
} from "../../../shared/contracts/mod.ts";
import { natsAnswers } from "../../../shared/bus/mod.ts";
import { ServiceError } from "../../../shared/errors/mod.ts";
import type { GatewayEnv } from "../context.ts";
import { problem } from "../problem.ts";
import { validated } from "../validation.ts";

const sequence = z.coerce.number().int().positive();
const serviceName = z.string().max(64).regex(
  /^[a-z][a-z0-9-]*$/,
  "a service's name, such as orders",
);

/**
 * The most one page of GET /admin/events or /admin/deadletters holds, in JSON characters,
 * whatever its `limit`: a message (or a dead letter's copy) may be up to NATS max_payload
 * (1 MiB), so 1,000 of them would be a gigabyte in the gateway's memory. A page cut short names
 * the next in `next` (its `fromSeq`).
 */
export const maxEventsPageChars = 4 * 1024 * 1024;

export const eventsQuery = z.object({
  /** A stream's name (ORDERS) or a subject inside one (orders.order.placed). */
  from: subjectFilter,
  fromSeq: sequence.optional(),
  since: instant.optional(),
  toSeq: sequence.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
}).refine((q) => q.fromSeq === undefined || q.since === undefined, {
  message: "give fromSeq or since, not both",
  path: ["since"],
}).refine((q) => q.fromSeq === undefined || q.toSeq === undefined || q.fromSeq <= q.toSeq, {
  message: "fromSeq is after toSeq",
  path: ["toSeq"],
});

/** GET /admin/deadletters: a page of letters (`next` is the `fromSeq` of the page after). */
export const deadLettersQuery = z.object({
  service: serviceName.optional(),
  fromSeq: sequence.optional(),
  limit: z.coerce.number().int().min(1).max(maxPageSize).default(defaultPageSize),
});

export const replayBody = z.object({
  service: serviceName,
  /** A stream's name or a subject inside one. */
  from: subjectFilter,
  fromSeq: sequence.optional(),
  fromTime: instant.optional(),
  toSeq: sequence.optional(),
  dryRun: z.boolean().default(false),
}).refine((b) => b.fromSeq === undefined || b.fromTime === undefined, {
  message: "give fromSeq or fromTime, not both",
  path: ["fromTime"],
}).refine((b) => b.fromSeq === undefined || b.toSeq === undefined || b.fromSeq <= b.toSeq, {
  message: "fromSeq is after toSeq",
  path: ["toSeq"],
});

export const rebuildBody = z.object({ service: serviceName });

/**
 * The letters to re-drive by sequence, or `all: true` (of `service`, when given): "all" is never
 * what an empty or missing body means, so `{}` is a 400.
 */
export const redriveBody = z.object({
  sequences: z.array(sequence).min(1).max(1000).optional(),
  all: z.literal(true).optional(),
  service: serviceName.optional(),
}).refine((b) => (b.sequences !== undefined) !== (b.all === true), {
  message: "give sequences (the letters to re-drive) or all: true, not both",
  path: ["sequences"],
});

export const discardBody = z.object({ reason: operatorReason });

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
  const natsReachable: MiddlewareHandler<GatewayEnv> = async (_c, next) => {
    await natsAnswers(nc, 500).catch(() => {
      throw new ServiceError("unavailable", "NATS does not answer", undefined, "nats");
    });
    await next();
  };

  return new Hono<GatewayEnv>()
    .use(authenticated)
    .use(adminOnly)
    .get("/services", natsReachable, async (c) => c.json({ items: await discoverServices(nc) }))
    .get("/events", validated("query", eventsQuery), natsReachable, async (c) => {
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
    })
    .get("/events/:stream/:seq", natsReachable, async (c) => {
      const seq = sequence.safeParse(c.req.param("seq"));
      if (!seq.success) return problem(c, 404, "no such message");
      return c.json(await readEntry(nc, c.req.param("stream"), seq.data));
    })
    .post("/replay", validated("json", replayBody), natsReachable, async (c) => {
      const body = c.req.valid("json");
      knownService(body.service); // an unknown one is 404, before any stream is looked up
      const stream = await resolveStream(nc, body.from);
      return c.json(
        await replayToService(nc, {
          service: body.service,
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
    })
    .post("/rebuild", validated("json", rebuildBody), natsReachable, async (c) => {
      return c.json(
        await rebuildReadModel(nc, { service: c.req.valid("json").service, ...audit(c) }),
      );
    })
    .get("/deadletters", validated("query", deadLettersQuery), natsReachable, async (c) => {
      const query = c.req.valid("query");
      const items = await listDeadLetters(nc, { ...query, maxChars: maxEventsPageChars });
      // A page cut by its limit or its size may have more after it: the next starts after it.
      const last = items.at(-1);
      const cut = items.length === query.limit ||
        JSON.stringify(items).length >= maxEventsPageChars;
      return c.json({ items, ...(last && cut ? { next: last.seq + 1 } : {}) });
    })
    .get("/deadletters/:seq", natsReachable, async (c) => {
      const seq = sequence.safeParse(c.req.param("seq"));
      if (!seq.success) return problem(c, 404, "no such dead letter");
      return c.json(await showDeadLetter(nc, seq.data));
    })
    .post("/deadletters/redrive", validated("json", redriveBody), natsReachable, async (c) => {
      const body = c.req.valid("json");
      return c.json({ results: await redriveDeadLetters(nc, { ...body, ...audit(c) }) });
    })
    .post("/deadletters/:seq/discard", validated("json", discardBody), natsReachable, async (c) => {
      const seq = sequence.safeParse(c.req.param("seq"));
      if (!seq.success) return problem(c, 404, "no such dead letter");
      const letter = await discardDeadLetter(nc, {
        seq: seq.data,
        reason: c.req.valid("json").reason,
        ...audit(c),
      });
      return c.json({ discarded: letter.seq, reason: c.req.valid("json").reason });
    });
}
