/**
 * A load balancer in front of instances of the gateway, as a Kubernetes Service with readiness
 * probes is: it polls each instance's `/ready` every `pollMs` and sends a request only to an
 * instance that answered 200 last; a request that finds the port closed (nothing was sent) goes to
 * the next instance. It never retries a request that reached an instance: what that answered,
 * 5xx included, is the client's answer. Hand-written: no npm package balances in-process.
 */
export interface Balancer {
  /** Sends the request to a ready instance, as `fetch` takes it (`path` from the root). */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** The 503s each instance's `/ready` answered, by port: it said it was leaving. */
  notReadySeen: ReadonlyMap<number, number>;
  /** Requests that met a closed port and went elsewhere. */
  refused(): number;
  close(): void;
}

/** Balances over the instances listening on `ports`. */
export function balancer(ports: readonly number[], pollMs = 100): Balancer {
  const ready = new Set<number>();
  const notReadySeen = new Map<number, number>();
  let refused = 0;
  let next = 0;
  let closed = false;
  // Each instance probed on its own: a slow answer of one does not delay the other's.
  const probe = async (port: number) => {
    while (!closed) {
      const status = await fetch(`http://127.0.0.1:${port}/ready`)
        .then(async (res) => (await res.body?.cancel(), res.status), () => 0);
      if (status === 200) ready.add(port);
      else ready.delete(port);
      if (status === 503) notReadySeen.set(port, (notReadySeen.get(port) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
  const polling = Promise.all(ports.map(probe));

  async function request(path: string, init?: RequestInit): Promise<Response> {
    const until = Date.now() + 10_000;
    while (true) {
      const candidates = [...ready];
      if (candidates.length > 0) {
        const port = candidates[next++ % candidates.length];
        try {
          return await fetch(`http://127.0.0.1:${port}${path}`, init);
        } catch (error) {
          // Connection refused or reset before an answer: the instance is gone. Only a refused
          // connection is sure to have sent nothing; anything else is the client's to see.
          if (!/refused/i.test(String((error as Error).cause ?? error))) throw error;
          refused++;
          ready.delete(port);
          continue;
        }
      }
      if (Date.now() > until) throw new Error("no gateway instance ready for 10 s");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  return {
    request,
    notReadySeen,
    refused: () => refused,
    close: () => {
      closed = true;
      polling.catch(() => {});
    },
  };
}
