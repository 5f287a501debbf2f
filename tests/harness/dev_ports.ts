/**
 * Free ports for `deno task dev` under test: its preferred ports chosen at random among free ones,
 * so it runs beside anything else on the machine.
 */
import { registry as services } from "../../services/registry.ts";

function isFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "0.0.0.0", port }).close();
    return true;
  } catch {
    return false;
  }
}

// Service ports land in 18080-28100 and NATS in 29000-32000: apart from each other and below
// Linux's ephemeral range (32768+), where outgoing connections could take them meanwhile.

/** An offset that puts every service port on a free port. */
export function freePortOffset(): number {
  for (;;) {
    const offset = 10_000 + Math.floor(Math.random() * 10_000);
    if (services.every((service) => isFree(service.port + offset))) return offset;
  }
}

/** The first of `count` consecutive free ports. */
export function freePortRun(count: number): number {
  for (;;) {
    const first = 29_000 + Math.floor(Math.random() * 3_000);
    if (Array.from({ length: count }, (_, i) => first + i).every(isFree)) return first;
  }
}
