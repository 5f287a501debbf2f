/**
 * What each running instance's HTTP face says about it, for the Services page: its readiness
 * (`/ready`: ready or not, each check's result) and its circuit breakers' states and HTTP request
 * count (`/metrics`). Asked only while the page is open; an instance that does not answer in
 * time is shown as such.
 */

/** One instance's readiness, breakers and requests; `error` when it did not answer. */
export interface InstanceHealth {
  /** As the dev runner names it: `payments`, `payments#2`. */
  instance: string;
  url: string;
  ready?: boolean;
  checks: Record<string, string>;
  /** By downstream service: closed, half-open or open. */
  breakers: Record<string, string>;
  /** HTTP requests served, from the Prometheus counters whose name says so; absent without. */
  httpRequests?: number;
  /** Events its consumers handled (`events_handled_total`); absent without. */
  eventsHandled?: number;
  error?: string;
}

const breakerStates = ["closed", "half-open", "open"];

/** Asks every instance of `instances` (name to base URLs) at once, each within `timeoutMs`. */
export function instanceHealth(
  instances: Record<string, string[]>,
  timeoutMs = 1500,
): Promise<InstanceHealth[]> {
  const all = Object.entries(instances).flatMap(([service, urls]) =>
    urls.map((url, i) => ({ instance: i === 0 ? service : `${service}#${i + 1}`, url }))
  );
  return Promise.all(all.map(({ instance, url }) => askOne(instance, url, timeoutMs)));
}

async function askOne(instance: string, url: string, timeoutMs: number): Promise<InstanceHealth> {
  const health: InstanceHealth = { instance, url, checks: {}, breakers: {} };
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    const [ready, metrics] = await Promise.all([
      fetch(`${url}/ready`, { signal }),
      fetch(`${url}/metrics`, { signal }),
    ]);
    const report = await ready.json() as { checks?: Record<string, string> };
    health.ready = ready.ok;
    health.checks = report.checks ?? {};
    if (metrics.ok) Object.assign(health, fromMetrics(await metrics.text()));
    else await metrics.body?.cancel();
  } catch (error) {
    health.error = (error as Error).name === "TimeoutError"
      ? `no answer within ${timeoutMs} ms`
      : (error as Error).message;
  }
  return health;
}

/**
 * Breakers, HTTP requests and events handled from Prometheus's text format. Read by hand: three
 * sample names from a format of one sample per line, where a parser package would add a
 * dependency for that.
 */
export function fromMetrics(
  text: string,
): Pick<InstanceHealth, "breakers" | "httpRequests" | "eventsHandled"> {
  const breakers: Record<string, string> = {};
  let httpRequests: number | undefined;
  let eventsHandled: number | undefined;
  for (const line of text.split("\n")) {
    const sample = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!sample) continue;
    const [, name, labels = "", value] = sample;
    if (name === "circuit_breaker_state") {
      const downstream = labels.match(/downstream="([^"]*)"/)?.[1];
      if (downstream) breakers[downstream] = breakerStates[Number(value)] ?? value;
    } else if (/^http_\w*requests_total$/.test(name)) {
      httpRequests = (httpRequests ?? 0) + Number(value);
    } else if (name === "events_handled_total") {
      eventsHandled = (eventsHandled ?? 0) + Number(value);
    }
  }
  return { breakers, httpRequests, eventsHandled };
}
