/**
 * The Kubernetes manifests are what infra/k8s/manifests.ts makes from the registry, pass the
 * Kubernetes schemas (and a broken one does not), refer only to Secrets, keys and ConfigMaps they
 * define, hold no secret, give every service its probes, budget and drain, give each service a
 * configuration it accepts once the Secrets are filled, and the NATS configuration parses in
 * nats-server. The cluster it forms: nats_cluster_test.ts; Postgres's init: postgres_init_test.ts.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import { registry } from "../../services/registry.ts";
import { manifestFiles, manifestsDir } from "./manifests.ts";
import { natsServerConfig } from "./nats.ts";
import { preStopSeconds, stopTimeoutMs } from "./platform.ts";
import { natsAuthorizationPlaceholder, placeholder } from "./secrets.ts";
import { manifestProblems, yamlFiles } from "./validate.ts";
import { filledSecrets } from "./fill_secrets.ts";
import { parseConfig } from "../../shared/config/mod.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const files = manifestFiles(registry);

// deno-lint-ignore no-explicit-any
type Json = any;
const objects: Json[] = [...files.values()].flatMap((text) =>
  parseAllDocuments(text as string).map((document) => document.toJSON())
);
const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);

Deno.test("k8s manifests: deploy/k8s is what infra/k8s/manifests.ts makes", async () => {
  const written = await yamlFiles(join(root, manifestsDir));
  assert.deepEqual(
    written.map((file) => relative(join(root, manifestsDir), file)),
    [...files.keys()].sort(),
    "deploy/k8s has other files than the generator makes: run deno task generate",
  );
  for (const [path, text] of files) {
    const file = await Deno.readTextFile(join(root, manifestsDir, path));
    assert.equal(file, text, `${manifestsDir}/${path} differs: run deno task generate`);
  }
});

Deno.test("k8s manifests: validated against the Kubernetes schemas", async (t) => {
  await t.step("every document of every file passes", async () => {
    for (const [path, text] of files) assert.deepEqual(await manifestProblems(path, text), []);
  });

  await t.step("a wrong field type, a missing field or an unknown kind fails", async () => {
    const deployment = files.get("40-orders.yaml")!;
    const broken = deployment.replace("  replicas: 2\n", '  replicas: "two"\n');
    assert.notEqual(broken, deployment);
    const [problem] = await manifestProblems("orders.yaml", broken);
    assert.match(problem.message, /Deployment\/orders: .*spec\/replicas must be integer/);
    const noPort = deployment.replace(/^ +containerPort: 8000\n/m, "");
    assert.match(
      (await manifestProblems("x", noPort))[0].message,
      /must have required property containerPort/,
    );
    const unknown = "apiVersion: apps/v1\nkind: Deploymint\nmetadata:\n  name: x\n";
    assert.match((await manifestProblems("x", unknown))[0].message, /no schema for/);
  });
});

Deno.test("k8s manifests: every service is deployed with probes, resources and a drain", () => {
  const names = registry.map((service) => service.name);
  const deployments = ofKind("Deployment");
  assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), [...names].sort());
  for (const deployment of deployments) {
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    const name = deployment.metadata.name;
    assert.ok(deployment.spec.replicas >= 2, `${name}: one replica`);
    assert.equal(
      container.readinessProbe.httpGet.path,
      name === "gateway" ? "/ready?scope=self" : "/ready",
      name,
    );
    assert.equal(container.livenessProbe.httpGet.path, "/health", name);
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory, name);
    assert.ok(
      pod.terminationGracePeriodSeconds > preStopSeconds + stopTimeoutMs / 1000,
      `${name}: killed before its drain ends`,
    );
  }
  const budgets = ofKind("PodDisruptionBudget").map((b) => b.metadata.name);
  for (const name of [...names, "nats"]) assert.ok(budgets.includes(name), `no budget: ${name}`);
  assert.ok(ofKind("Service").some((s) => s.metadata.name === "gateway"), "no gateway Service");
  const nats = ofKind("StatefulSet").find((s) => s.metadata.name === "nats");
  assert.equal(nats.spec.replicas, 3);
  assert.equal(nats.spec.volumeClaimTemplates.length, 1);
});

Deno.test("k8s manifests: references resolve and the committed Secrets hold placeholders", () => {
  const secrets = new Map<string, Record<string, string>>(
    ofKind("Secret").map((s) => [s.metadata.name, s.stringData]),
  );
  const configMaps = new Set(ofKind("ConfigMap").map((c) => c.metadata.name));
  for (const [name, data] of secrets) {
    for (const [key, value] of Object.entries(data)) {
      assert.ok(
        value.includes(placeholder),
        `${name}.${key} holds something other than a placeholder`,
      );
    }
  }
  const walk = (node: Json, where: string): void => {
    if (Array.isArray(node)) return node.forEach((child) => walk(child, where));
    if (node === null || typeof node !== "object") return;
    if (node.secretKeyRef) {
      const { name, key } = node.secretKeyRef;
      assert.ok(secrets.get(name)?.[key] !== undefined, `${where}: no Secret ${name} key ${key}`);
    }
    if (node.configMapRef) assert.ok(configMaps.has(node.configMapRef.name), where);
    if (node.configMap) assert.ok(configMaps.has(node.configMap.name), where);
    if (node.secret) assert.ok(secrets.has(node.secret.secretName), where);
    for (const child of Object.values(node)) walk(child, where);
  };
  for (const object of objects) walk(object, `${object.kind}/${object.metadata.name}`);
});

Deno.test("k8s manifests: with deno task k8s:secrets' values every service's config parses", async () => {
  const dir = await Deno.makeTempDir({ prefix: "k8s-secrets-" });
  try {
    const secrets = new Map<string, Record<string, string>>(
      (await filledSecrets(dir)).map((s) => [s.metadata!.name!, s.stringData!]),
    );
    assert.deepEqual(
      [...secrets.keys()].sort(),
      ofKind("Secret").map((s) => s.metadata.name).sort(),
    );
    const configMaps = new Map<string, Record<string, string>>(
      ofKind("ConfigMap").map((c) => [c.metadata.name, c.data]),
    );
    for (const service of registry) {
      const deployment = ofKind("Deployment").find((d) => d.metadata.name === service.name);
      for (
        const container of [
          ...deployment.spec.template.spec.initContainers ?? [],
          ...deployment.spec.template.spec.containers,
        ]
      ) {
        const env: Record<string, string> = {};
        for (const from of container.envFrom ?? []) {
          Object.assign(env, configMaps.get(from.configMapRef.name));
        }
        for (const { name, valueFrom } of container.env ?? []) {
          const { name: secret, key } = valueFrom.secretKeyRef;
          env[name] = secrets.get(secret)![key];
        }
        // The migrate step reads the base settings only; the service its own as well.
        const schema = container.name === "migrate" ? undefined : service.config;
        if (schema) parseConfig(service.name, schema, env);
        else {assert.match(
            env.MIGRATION_DATABASE_URL,
            new RegExp(`^postgres://${service.name}_owner:[0-9a-f]{48}@`),
          );}
      }
    }
    const again = await filledSecrets(dir);
    assert.deepEqual(again.map((s) => s.stringData), [...secrets.values()], "not the same twice");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("k8s manifests: nats-server accepts the NATS configuration, and refuses the template's authorization", async () => {
  const dir = await Deno.makeTempDir({ prefix: "k8s-nats-" });
  try {
    await Deno.writeTextFile(join(dir, "nats.conf"), natsServerConfig());
    await Deno.writeTextFile(join(dir, "authorization.conf"), "authorization { users: [] }\n");
    const test = (file: string) =>
      new Deno.Command("nats-server", {
        args: ["-c", file, "-t"],
        env: { SERVER_NAME: "nats-0" },
        stdout: "piped",
        stderr: "piped",
      }).output();
    const valid = await test(join(dir, "nats.conf"));
    assert.equal(valid.code, 0, new TextDecoder().decode(valid.stderr));
    await Deno.writeTextFile(
      join(dir, "broken.conf"),
      natsServerConfig().replace("max_file_store: 8G", "max_file_store: eight"),
    );
    assert.notEqual((await test(join(dir, "broken.conf"))).code, 0);
    // Applied as it is, the template's authorization stops NATS rather than opening it to all.
    await Deno.writeTextFile(join(dir, "authorization.conf"), natsAuthorizationPlaceholder);
    assert.notEqual((await test(join(dir, "nats.conf"))).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
