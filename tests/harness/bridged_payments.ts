/**
 * Payments behind the bridge (TRANSPORT=bridge), in this process, on a real nats-server and a
 * fresh database, with a bridge key pair: `send` makes the signed HTTP requests the bridge makes
 * (or forged ones) and hands them to the service's `fetch`.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import {
  encodeNatsHeaders,
  generateBridgeKeys,
  importBridgeSigningKey,
  signBridgeRequest,
} from "../../shared/bridge/mod.ts";
import { connectNats } from "../../shared/bus/mod.ts";
import { type Envelope, orderPlaced } from "../../shared/contracts/mod.ts";
import type { ServiceDatabase } from "../../shared/db/client.ts";
import { createLogger } from "../../shared/log/mod.ts";
import { createEvent } from "../../shared/outbox/mod.ts";
import type { RunningService } from "../../shared/runtime/mod.ts";
import { outbox } from "../../services/payments/db/schema.ts";
import { startPayments } from "../../services/payments/service.ts";
import { testDatabases } from "./databases.ts";
import { type NatsServer, startNatsServer } from "./nats_server.ts";

const encoder = new TextEncoder();

/** What the token of a forged request is made for, instead of the request itself. */
export interface Forgery {
  audience?: string;
  nowMs?: number;
  signedBody?: string;
  signedPath?: string;
  unsigned?: boolean;
}

/** Payments behind the bridge, and what a test drives it with. */
export interface BridgedPayments {
  server: NatsServer;
  database: ServiceDatabase;
  /** The test's own connection. */
  nc: NatsConnection;
  /** A new connection, closed with the rest. */
  connect(name: string): Promise<NatsConnection>;
  bridged: RunningService;
  signingKey: CryptoKey;
  /** The service's log lines (kept, not printed: some steps log errors on purpose). */
  logged: string[];
  /** A POST to `path` as the bridge sends it, or as `forge` forges it. */
  send(
    path: string,
    body: string | Uint8Array,
    headers?: Record<string, string>,
    forge?: Forgery,
  ): Promise<Response>;
  /** The headers of the bridge's delivery of `event`, read at `seq` of its stream. */
  delivery(event: Envelope, seq: number): Record<string, string>;
  /** An orders.order.placed of one line for `userId`. */
  placed(orderId: string, userId: string, totalCents?: number): ReturnType<typeof placedEvent>;
  /** The payments outbox rows caused under `correlationId`. */
  outboxOf(correlationId: string): Promise<(typeof outbox.$inferSelect)[]>;
  close(): Promise<void>;
}

const config = { STARTING_BALANCE_CENTS: 5000 };

function placedEvent(orderId: string, userId: string, totalCents = 700) {
  return createEvent(orderPlaced, {
    orderId,
    userId,
    items: [{ productId: crypto.randomUUID(), quantity: 1, unitPriceCents: totalCents }],
    totalCents,
  }, { source: "orders", correlationId: crypto.randomUUID() });
}

/** Starts payments with TRANSPORT=bridge (wallets open with 5000 cents). */
export async function startBridgedPayments(): Promise<BridgedPayments> {
  const server = await startNatsServer({ authorization: false });
  const databases = await testDatabases();
  const database = await databases.open("payments");
  const connections: NatsConnection[] = [];
  const connect = async (name: string) => {
    const nc = await connectNats(server.url, name);
    connections.push(nc);
    return nc;
  };
  const logged: string[] = [];
  const log = createLogger({ service: "payments", level: "error", write: (l) => logged.push(l) });
  const keys = await generateBridgeKeys();
  const signingKey = await importBridgeSigningKey(keys.signingKey);
  const bridged = await startPayments({
    config,
    nc: await connect("payments-bridged"),
    database,
    log,
    transport: { TRANSPORT: "bridge", BRIDGE_PUBLIC_KEY: keys.publicKey },
  });

  async function send(
    path: string,
    body: string | Uint8Array,
    headers: Record<string, string> = {},
    forge: Forgery = {},
  ): Promise<Response> {
    const bytes = typeof body === "string" ? encoder.encode(body) : body;
    const authorization = forge.unsigned ? undefined : await signBridgeRequest(signingKey, {
      audience: forge.audience ?? "payments",
      method: "POST",
      pathAndQuery: forge.signedPath ?? path,
      body: forge.signedBody === undefined ? bytes : encoder.encode(forge.signedBody),
    }, forge.nowMs);
    return await bridged.fetch(
      new Request(`http://payments.example${path}`, {
        method: "POST",
        body: bytes as Uint8Array<ArrayBuffer>,
        headers: { ...headers, ...(authorization ? { authorization } : {}) },
      }),
    );
  }

  return {
    server,
    database,
    nc: await connect("bridge-transport-test"),
    connect,
    bridged,
    signingKey,
    logged,
    send,
    delivery: (event, seq) => ({
      "bridge-subject": event.type,
      "bridge-stream-seq": String(seq),
      "bridge-delivery-count": "1",
      "bridge-nats-headers": encodeNatsHeaders({ "Nats-Msg-Id": [event.id] })!,
    }),
    placed: placedEvent,
    outboxOf: async (correlationId) =>
      (await database.db.select().from(outbox)).filter((row) =>
        (JSON.parse(row.payload) as Envelope).correlationId === correlationId
      ),
    close: async () => {
      await bridged.stop();
      for (const connection of connections) await connection.close();
      await databases.close();
      await server.dispose();
    },
  };
}
