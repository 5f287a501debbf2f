/**
 * The dev runner's wait for the stack: it polls the gateway's /ready, which answers 200 once
 * NATS and every service it routes to answer, and says once what it still waits for when that
 * takes long.
 */

/**
 * Resolves true once `url`/ready answers 200, false if `stopped()` turns true first; after
 * `patienceMs` (30 s) without it, tells `say` the gateway's last answer, once.
 */
export async function gatewayReady(
  url: string,
  stopped: () => boolean,
  say: (line: string) => void,
  patienceMs = 30_000,
): Promise<boolean> {
  const patienceUntil = Date.now() + patienceMs;
  let complained = false;
  while (!stopped()) {
    try {
      const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) });
      const body = await response.text();
      if (response.ok) return true;
      if (!complained && Date.now() > patienceUntil) {
        complained = true;
        say(`the gateway is not ready yet: ${body}`);
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return false;
}

/** The whole number `value` of setting `name`, undefined when unset or empty; throws otherwise. */
export function wholeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number, got "${value}"`);
  return Number(value);
}
