/**
 * What the schemas cannot see: whether the objects of the manifests fit each other. A Service's
 * selector must pick some workload's pods and its `targetPort` must be one of their ports; a
 * PodDisruptionBudget's selector must pick some workload's pods; a probe's named port must be one
 * of its container's. Each is valid on its own and broken together: on a cluster no pod would turn
 * ready, a Service would get no traffic, a budget would protect nothing. Written by hand: the
 * offline validators check one object at a time.
 */

/** The parts of a Kubernetes object read here. */
interface K8sObject {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    ports?: { targetPort?: string | number; port?: number }[];
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: { containers?: Container[]; initContainers?: Container[] };
    };
  };
}

interface Container {
  name?: string;
  ports?: { name?: string; containerPort?: number }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}

interface Probe {
  httpGet?: { port?: string | number };
  tcpSocket?: { port?: string | number };
}

const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

/** Whether every label of `selector` is on `labels`. */
const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** The problems of `objects` taken together, one line each, naming the object. */
export function referenceProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const workloads = objects.filter((o) => workloadKinds.has(o.kind ?? ""));
  const named = (o: K8sObject) => `${o.kind}/${o.metadata?.name ?? "?"}`;
  const podsOf = (selector: Record<string, string>) =>
    workloads.filter((w) => selects(selector, w.spec?.template?.metadata?.labels));
  const portsOf = (w: K8sObject) =>
    (w.spec?.template?.spec?.containers ?? []).flatMap((c) => c.ports ?? []);

  for (const workload of workloads) {
    for (const container of workload.spec?.template?.spec?.containers ?? []) {
      const ports = container.ports ?? [];
      for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
        const port = container[kind]?.httpGet?.port ?? container[kind]?.tcpSocket?.port;
        if (typeof port === "string" && !ports.some((p) => p.name === port)) {
          problems.push(`${named(workload)}: ${container.name}'s ${kind} names no port "${port}"`);
        }
      }
    }
  }
  for (const object of objects) {
    if (object.kind === "Service") {
      const selector = { ...object.spec?.selector };
      const pods = podsOf(selector);
      if (pods.length === 0) {
        problems.push(`${named(object)}: its selector picks no workload's pods`);
        continue;
      }
      for (const { targetPort, port } of object.spec?.ports ?? []) {
        const target = targetPort ?? port;
        const found = pods.some((w) =>
          portsOf(w).some((p) => p.name === target || p.containerPort === target)
        );
        if (!found) problems.push(`${named(object)}: targetPort ${target} is no port of its pods`);
      }
    }
    if (object.kind === "PodDisruptionBudget") {
      if (podsOf(object.spec?.selector?.matchLabels ?? {}).length === 0) {
        problems.push(`${named(object)}: its selector picks no workload's pods`);
      }
    }
  }
  return problems;
}
