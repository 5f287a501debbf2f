/** The echo the RPC benchmarks call: the platform's contract, and the raw responder's subject. */
import * as z from "zod";
import { defineRpcService } from "../shared/contracts/mod.ts";

export const echoApi = defineRpcService("benchecho", {
  echo: {
    request: z.object({ id: z.string(), n: z.number() }),
    reply: z.object({ id: z.string(), n: z.number() }),
    idempotent: true,
  },
});

/** Raw requests' subject: answered with the request's bytes, nothing checked. */
export const rawSubject = "bench.raw.echo";

/** The payload every side sends. */
export const echoPayload = () => ({ id: crypto.randomUUID(), n: 42 });

/** The platform's caller, with permissions to call `echoApi` only. */
export const echoCallerName = "benchcaller";

/** What NATS's permissions are generated from: the echo service and its caller. */
export const echoServices = [
  { name: echoApi.name, bus: { serves: echoApi } },
  { name: echoCallerName, bus: { calls: [echoApi] } },
];
