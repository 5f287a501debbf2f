import type { NatsConnection } from "@nats-io/nats-core";

/**
 * Resolves when at least one instance of `service` answers the services framework's ping
 * (`$SRV.PING.<name>`), which every service started with serveRpc answers.
 */
export async function serviceAnswers(
  nc: NatsConnection,
  service: string,
  timeoutMs = 500,
): Promise<void> {
  try {
    await nc.request(`$SRV.PING.${service}`, "", { timeout: timeoutMs });
  } catch {
    throw new Error(`${service} does not answer`);
  }
}
