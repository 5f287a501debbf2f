/**
 * How a service receives its NATS traffic: straight from NATS (`nats`, the default), or as HTTP
 * requests a bridge beside NATS sends it (`bridge`), for a runtime that starts it on a request and
 * stops it when idle (Deno Deploy). `runService` reads these where no setting is given.
 */
import * as z from "zod";

/** The transport variables. */
export const transportVariables = {
  /**
   * `nats`: the service subscribes to its RPC subjects and pulls its durable consumers itself.
   * `bridge`: it subscribes to nothing; the bridge delivers both to its `/_bridge/*` routes.
   */
  TRANSPORT: z.enum(["nats", "bridge"]).default("nats"),
  /**
   * The bridge's Ed25519 public key (SPKI PEM or public JWK) that every `/_bridge/*` request's
   * token must verify with. Required with TRANSPORT=bridge.
   */
  BRIDGE_PUBLIC_KEY: z.string().min(1).optional(),
};

/** The transport variables, alone, with the rule that the bridge transport needs a key. */
export const transportConfig = z.object(transportVariables).refine(
  (settings) => settings.TRANSPORT !== "bridge" || settings.BRIDGE_PUBLIC_KEY !== undefined,
  { path: ["BRIDGE_PUBLIC_KEY"], message: "is required with TRANSPORT=bridge" },
);

/** A service's transport settings, parsed. */
export type TransportSettings = z.infer<typeof transportConfig>;
