/**
 * What every generated Kubernetes object shares: its labels, the image a service runs, the port
 * its HTTP face listens on in a container (the Dockerfile's HTTP_PORT), and how long it drains.
 */

/** The `app.kubernetes.io/part-of` of every object. */
export const partOf = "shop";

/** The container port every service serves health, readiness and metrics on (Dockerfile). */
export const httpPort = 8000;

/** Its `STOP_TIMEOUT_MS` in the manifests: what a stopping service may take to finish. */
export const stopTimeoutMs = 10_000;

/**
 * Seconds a pod waits after it is told to stop and before the service gets SIGTERM, so that
 * Service endpoints and load balancers have dropped it before it refuses new connections.
 */
export const preStopSeconds = 5;

/** Seconds Kubernetes waits before SIGKILL: the pre-stop wait, the drain, and a margin. */
export const terminationGraceSeconds = preStopSeconds + stopTimeoutMs / 1000 + 5;

/** The image a service runs: `docker build --build-arg SERVICE=<name> -t shop-<name> .`. */
export function imageOf(service: string): string {
  return `${partOf}-${service}:latest`;
}

/** Labels that select `name`'s pods (kept stable: a Deployment's selector cannot change). */
export function selectorLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": partOf };
}

/** Labels of every object of `name`: its selector labels and what kind of part it is. */
export function platformLabels(
  name: string,
  component: "service" | "nats" | "postgres",
): Record<string, string> {
  return { ...selectorLabels(name), "app.kubernetes.io/component": component };
}
