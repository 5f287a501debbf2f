/**
 * The operator's identity on NATS: one name for the identity the ops CLI and the gateway's admin
 * routes act with, its reply inboxes (`_INBOX.operator.*`) and its line in the server's
 * configuration; and how an audit record names whoever acted.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { natsIdentity } from "../bus/mod.ts";

/** The operator identity's name on NATS (connect with it: `connectNats(url, operatorName, seed)`). */
export const operatorName = "operator";

/**
 * `actor` (the person, as the CLI or the admin route knows them) after the NATS identity `nc`
 * acts as: `[operator UABC…] alice`, the identity first so that cutting a long actor to the
 * audit's bound never loses it; `actor` alone when `nc` signed in with no identity (a server
 * without authorization).
 */
export function actingAs(nc: NatsConnection, actor: string): string {
  const identity = natsIdentity(nc);
  return identity ? `[${identity.name} ${identity.publicKey}] ${actor}` : actor;
}
