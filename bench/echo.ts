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
