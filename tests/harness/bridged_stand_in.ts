/**
 * A stand-in for a service behind the bridge: a small real Hono app on a free port that verifies
 * every request with the bridge kit (a refused one is answered 401 and counted), records what
 * arrived, and answers as the test scripts it; a script may hold an answer until released.
 */
import { Hono } from "hono";
import {
  bridgeHeaders,
  BridgeRequestRefused,
  verifyBridgeRequest,
} from "../../shared/bridge/mod.ts";

/** A request as the stand-in received it, after its signature verified. */
export interface ArrivedRequest {
  path: string;
  headers: Headers;
  body: Uint8Array;
  authorization: string;
}

/** What the stand-in answers: a status, optional NATS-headers value and body. */
export interface ScriptedAnswer {
  status: number;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** The running stand-in. */
export interface BridgedStandIn {
  /** Its base URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** Every verified request, in arrival order. */
  arrived: ArrivedRequest[];
  /** The refusal reasons of requests that failed verification. */
  refused: string[];
  /** What it answers a verified request (the test sets it). */
  answer: (request: ArrivedRequest) => ScriptedAnswer | Promise<ScriptedAnswer>;
  close(): Promise<void>;
}

/** Starts a stand-in of `service` verifying with `publicKey`; answers 200 `{}` until told. */
export function startBridgedStandIn(service: string, publicKey: CryptoKey): BridgedStandIn {
  const app = new Hono();
  const standIn: BridgedStandIn = {
    url: "",
    arrived: [],
    refused: [],
    answer: () => ({ status: 200, body: "{}" }),
    close: () => server.shutdown(),
  };
  app.post("/_bridge/*", async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    const authorization = c.req.header(bridgeHeaders.authorization) ?? null;
    try {
      await verifyBridgeRequest(publicKey, service, {
        authorization,
        method: c.req.method,
        url: c.req.url,
        body,
      });
    } catch (error) {
      if (!(error instanceof BridgeRequestRefused)) throw error;
      standIn.refused.push(error.reason);
      return c.json({ kind: "unauthenticated", title: error.message }, 401);
    }
    const arrived = {
      path: c.req.path,
      headers: c.req.raw.headers,
      body,
      authorization: authorization!,
    };
    standIn.arrived.push(arrived);
    const { status, body: answer, headers } = await standIn.answer(arrived);
    return new Response(answer as BodyInit | undefined, { status, headers });
  });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  standIn.url = `http://127.0.0.1:${server.addr.port}`;
  return standIn;
}
